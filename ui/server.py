"""What serve.py gives the dashboard's server: security headers and Balancer's own error message.

Streamlit has no setting for response headers; its ASGI entry point (``st.App``) takes Starlette
middleware (:class:`SecurityHeaders`) and a handler for errors that escape a page
(:func:`on_script_error`), which shows Balancer's message instead of Streamlit's exception box.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("balancer.ui")

#: The one inline script of Streamlit 1.67's page (``window.prerenderReady = false``), by its hash.
_INLINE_SCRIPT = "'sha256-THxz9J9+wf7rhwR2YkXJoSZ13UCmYyC+3lNDv2+8ugA='"
POLICY = "; ".join([
    "default-src 'self'",
    f"script-src 'self' {_INLINE_SCRIPT}",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS: dict[str, str] = {
    "Content-Security-Policy": POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeaders:
    """ASGI middleware: add :data:`HEADERS` to each HTTP response that does not set them itself."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()
                         if k.lower().encode() not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def on_script_error(exc: Exception) -> bool:
    """Show Balancer's own message for an error no page caught (never Streamlit's exception box,
    which would show internals); the traceback goes to the server log. Returns True: handled."""
    import streamlit as st

    log.error("uncaught error in a page", exc_info=exc)
    try:
        st.error("Something went wrong on our side (an internal error; it is in the server log). "
                 "Your data and choices are kept: try again, or another file or setting.",
                 icon=":material/error:")
    except Exception:  # the page may be unable to draw anything more: the log has it
        log.exception("could not show the error message")
    return True
