"""Which database the run store uses, and its engine: bounded, quick to give up, safe under threads.

``BALANCER_DATABASE_URL`` (``postgresql://...``) wins; otherwise the SQLite file ``BALANCER_DB``.
``postgresql://`` and ``postgres://`` mean psycopg 3 (``postgresql+psycopg://``); ``sqlite:///PATH``
URLs are accepted too (the tests use them). Any other scheme is a
:class:`~balancer.errors.ConfigError` whose message never repeats the URL (it may hold a password).

Both engines keep at most :data:`POOL_SIZE` + :data:`POOL_OVERFLOW` connections and wait at most
``timeout`` seconds for one, so a page never hangs on the database:

- PostgreSQL: ``connect_timeout`` (a server that does not answer), ``pool_pre_ping`` (connections a
  restarted server dropped are replaced, not handed out), connections recycled after 30 minutes.
- SQLite: WAL (readers never wait for the writer), ``busy_timeout`` (a writer waits that long for
  another), ``foreign_keys`` (deleting a run deletes its tactics and file), ``synchronous=NORMAL``
  (safe with WAL). Python's sqlite3 begins transactions itself only before data changes, so DDL
  would commit on its own; here SQLAlchemy emits ``BEGIN``, and ``BEGIN IMMEDIATE`` for a write
  (:func:`writing`): a writer takes the write lock first and waits for it under the busy timeout,
  instead of failing when its read snapshot turns stale.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError

from .. import config
from ..errors import ConfigError

POOL_SIZE = 5
POOL_OVERFLOW = 5
#: The execution option that marks a connection's transaction as a write (BEGIN IMMEDIATE in SQLite).
_WRITE = "balancer_write"
_POSTGRES = ("postgresql", "postgres", "postgresql+psycopg")


def configured_url() -> URL:
    """The run database the settings name: BALANCER_DATABASE_URL, else the file BALANCER_DB."""
    text = config.text("BALANCER_DATABASE_URL").strip()
    if text:
        return parse_url(text, "BALANCER_DATABASE_URL")
    return URL.create("sqlite", database=str(Path(config.text("BALANCER_DB")).expanduser()))


def parse_url(text: str, source: str = "the run database URL") -> URL:
    """``text`` as a URL for psycopg 3 or SQLite, or a ConfigError that does not repeat it."""
    accepts = "it accepts postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise ConfigError(f"{source} is not a URL; {accepts}") from None
    if url.drivername in _POSTGRES:
        return url.set(drivername="postgresql+psycopg")
    if url.drivername == "sqlite" and url.database:
        return url
    raise ConfigError(f"{source} is a {url.drivername}:// URL; {accepts}")


def engine_for(url: URL, timeout: float) -> Engine:
    """An engine for ``url`` that gives up after about ``timeout`` seconds (see the module's docstring)."""
    bounds: dict[str, Any] = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, "pool_timeout": timeout}
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": timeout}, **bounds)
        _sqlite_events(engine, timeout)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_recycle=1800,
                         connect_args={"connect_timeout": max(2, round(timeout))}, **bounds)


@contextlib.contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A connection in a write transaction: committed at the end of the block, rolled back on error."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


def _sqlite_events(engine: Engine, timeout: float) -> None:
    """Set each new SQLite connection's pragmas, and let SQLAlchemy emit BEGIN (module docstring)."""

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            _wal(cursor, timeout)
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


def _wal(cursor: sqlite3.Cursor, timeout: float) -> None:
    """Put the database in WAL mode, once: the mode stays with the file.

    Switching needs the file to itself and SQLite answers "locked" at once, without waiting out the
    busy time-out, while another connection has it open: so a new file opened by several servers at
    once is retried here for up to ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
