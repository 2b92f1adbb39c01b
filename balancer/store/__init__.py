"""Saved runs: a database of what each user ran, on which data, with what result.

The dashboard's History page and the command line use this API::

    open_store(url=None, *, timeout=5.0) -> Store     the configured database (connects on first use)
    viewer(name) -> Viewer                            who is asking; admins from BALANCER_ADMINS

    store.save(viewer, NewRun(...)) -> Saved          never raises for the database: Saved.saved, .message
    store.list_runs(viewer, *, dataset=None, tactic=None, user=None, kind=None, limit=100, offset=0)
                                       -> list[RunSummary]   newest first, no recipe/report/file
    store.get_run(viewer, run_id) -> Run              everything but the file
    store.get_file(viewer, run_id) -> bytes | None    the kept resampled CSV
    store.delete_run(viewer, run_id)                  owner or admin; NotAllowed otherwise
    store.set_shared(viewer, run_id, shared)          owner or admin
    store.set_note(viewer, run_id, note)              owner or admin
    store.where                                       the database for messages (no password)

Reads and changes raise :class:`StoreError` (and its :class:`NotFound`, :class:`NotAllowed`), whose
message is for the user. The database is SQLite in the file ``BALANCER_DB`` unless
``BALANCER_DATABASE_URL`` names a PostgreSQL server; ``BALANCER_SAVE_RUNS=0`` turns saving off and
``BALANCER_KEEP_MB`` bounds a kept file. The dataset itself is never stored, only its name, size and
SHA-256. Modules: ``records`` (the dataclasses), ``runs`` (the store and who sees what), ``schema``
(tables and migrations), ``database`` (engines), ``problems`` (errors and their messages).

This package never imports streamlit: a page keeps one store per server (``st.cache_resource``
around :func:`open_store`) and makes a :func:`viewer` per session.
"""

from __future__ import annotations

from .. import config
from .database import configured_url, parse_url
from .problems import NotAllowed, NotFound, StoreError
from .records import ANONYMOUS, NewRun, Run, RunSummary, Saved, Viewer
from .runs import MAX_LIMIT, Store


def open_store(url: str | None = None, *, timeout: float = 5.0) -> Store:
    """The run store at ``url``, or the configured one (a ConfigError for a URL it cannot use).

    ``timeout`` bounds every wait on the database, in seconds: connecting, a free pooled connection,
    SQLite's lock. Nothing connects until the store is first used.
    """
    return Store(configured_url() if url is None else parse_url(url), timeout=timeout)


def viewer(name: str | None) -> Viewer:
    """The viewer called ``name`` (``anonymous`` when empty), an admin when BALANCER_ADMINS names them."""
    name = (name or "").strip() or ANONYMOUS
    admins = {admin.strip() for admin in config.text("BALANCER_ADMINS").split(",")}
    return Viewer(name, admin=name in admins)


__all__ = [
    "ANONYMOUS",
    "MAX_LIMIT",
    "NewRun",
    "NotAllowed",
    "NotFound",
    "Run",
    "RunSummary",
    "Saved",
    "Store",
    "StoreError",
    "Viewer",
    "open_store",
    "viewer",
]
