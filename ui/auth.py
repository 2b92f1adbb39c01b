"""Who is using the dashboard: open access, a trusted proxy's header, or Streamlit's OIDC sign-in.

The server's configuration chooses the mode, never the visitor:

- **header**: ``BALANCER_TRUSTED_USER_HEADER`` names a request header (e.g. ``X-Forwarded-User``)
  that an authenticating reverse proxy sets to the signed-in user's name. Balancer believes that
  header, and only when the variable is set: the proxy must strip the header from what clients send
  and set it itself (SECURITY.md). A request without it is refused: a message, and nothing else.
- **oidc**: ``[auth]`` in ``.streamlit/secrets.toml`` turns on Streamlit's OpenID Connect sign-in
  (``st.login``); the user is ``st.user``'s e-mail address (else its name, else its subject).
- **open**: neither is configured; every visitor is ``anonymous`` (one user, or a trusted network),
  and the sidebar says that anyone who can reach the server sees and can delete the saved runs.

The header wins when both are configured (the proxy has signed the user in already). Nothing about
the user is kept in module globals: :func:`identity` reads the request each time a page runs.
:func:`request_header` is the one place that reads the request's headers, so a test can replace it
(AppTest cannot send headers; the browser tests send real ones).
"""

from __future__ import annotations

import dataclasses
import re
import urllib.parse
from typing import Any

import streamlit as st

from balancer import config, store

from .widgets import plain

HEADER = "BALANCER_TRUSTED_USER_HEADER"
#: A user name from a header: 1 to 200 characters, none of them control characters.
_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,200}")


@dataclasses.dataclass(frozen=True)
class Identity:
    """Who is asking (``name``), how the server knows (``mode``: open, header or oidc), and
    ``admin`` (named in BALANCER_ADMINS)."""

    name: str
    mode: str
    admin: bool = False

    @property
    def viewer(self) -> store.Viewer:
        """The run store's view of this user."""
        return store.Viewer(self.name, admin=self.admin)


def request_header(name: str) -> str | None:
    """The value of header ``name`` in the request that opened this session, or None."""
    value = st.context.headers.get(name)
    return None if value is None else str(value)


def header_name() -> str:
    """The trusted header's name, or "" when the server trusts no header."""
    return config.text(HEADER).strip()


def oidc_configured() -> bool:
    """Whether ``[auth]`` is configured in secrets.toml (Streamlit's own OIDC sign-in)."""
    try:
        return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)
    except Exception:  # an unreadable secrets file: Streamlit logs it; no sign-in then
        return False


def mode() -> str:
    """How this server knows its users: ``header``, ``oidc`` or ``open``."""
    if header_name():
        return "header"
    return "oidc" if oidc_configured() else "open"


def identity() -> Identity | None:
    """The user of this session, or None when the server cannot say who it is (no or a bad
    header; not signed in)."""
    how = mode()
    if how == "header":
        raw = request_header(header_name())
        name = (raw or "").strip()
        if not _NAME.fullmatch(name):
            return None
    elif how == "oidc":
        if not st.user.get("is_logged_in"):
            return None
        signed = oidc_name(st.user)
        if not signed:
            return None
        name = signed
    else:
        name = store.ANONYMOUS
    found = store.viewer(name)
    return Identity(found.name, how, found.admin)


def oidc_name(claims: Any) -> str | None:
    """The user an ID token names: its e-mail address when the provider says it verified it
    (``email_verified``), else the provider's own subject id qualified by the issuer without its
    scheme (``login.example.com/tenant/v2.0:248289761001``: a multi-tenant provider's tenants are
    apart). Never the display name or an unverified address: a user sets those, and would become
    whoever they name, an admin of ``BALANCER_ADMINS`` included; and one subject id at two
    providers is two users."""
    email = str(claims.get("email") or "").strip()
    if email and str(claims.get("email_verified")).strip().lower() == "true":  # True, or "true" (Cognito)
        name = email
    else:
        subject = str(claims.get("sub") or "").strip()
        if not subject:
            return None
        issuer = urllib.parse.urlsplit(str(claims.get("iss") or "").strip())
        where = f"{issuer.netloc}{issuer.path}".rstrip("/") if issuer.netloc else str(claims.get("iss") or "").strip()
        name = f"{where}:{subject}" if where else subject
    return name if _NAME.fullmatch(name) else None


def refuse() -> None:
    """The page a session gets when the server cannot name its user: the refusal (no or a bad
    trusted header) or the sign-in (OIDC), and nothing else."""
    if mode() == "header":
        st.title("Balancer")
        st.error(plain(f"Access refused: this server takes the user from the {header_name()} header "
                       "that its sign-in proxy sets, and this request has none (or an invalid one). "
                       "Open Balancer through the proxy's address."), icon=":material/block:")
    else:
        _sign_in()
    st.stop()


def _providers() -> list[str | None]:
    """The OIDC providers of secrets.toml's [auth]: None for the unnamed one, else their names."""
    section = st.secrets.get("auth", {})
    if "client_id" in section or "server_metadata_url" in section:
        return [None]
    named: list[str | None] = [str(key) for key, value in section.items() if hasattr(value, "keys")]
    return named or [None]


def _sign_in() -> None:
    """The sign-in screen (OIDC): one button per configured provider."""
    from streamlit.auth_util import is_authlib_installed

    st.title("Balancer")
    st.info("Sign in to use Balancer: the runs you save are kept under your name.",
            icon=":material/login:")
    if not is_authlib_installed():
        st.error("Sign-in is configured ([auth] in secrets.toml) but this server lacks Authlib: "
                 "install it (pip install 'Authlib>=1.3.2') and restart.", icon=":material/error:")
        return
    for provider in _providers():
        label = "Sign in" if provider is None else f"Sign in with {provider}"
        if st.button(label, key=f"sign_in_{provider or 'default'}", type="primary"):
            st.login(provider)


def sidebar(user: Identity) -> None:
    """Who is signed in (and Sign out), or the open-access warning."""
    with st.sidebar:
        st.markdown("### Who")
        if user.mode == "open":
            st.caption("Open access: anyone who can reach this server sees the saved runs and can "
                       "delete them. Turn on sign-in for a team (README, For a team).")
            return
        role = " (admin)" if user.admin else ""
        how = "by the sign-in proxy" if user.mode == "header" else "with OpenID Connect"
        st.caption(f"Signed in as **{plain(user.name)}**{role}, {how}.")
        if user.mode == "oidc" and st.button("Sign out", key="sign_out"):
            st.logout()
