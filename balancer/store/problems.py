"""The run store's errors, and the one place that turns a database's failure into a sentence.

::

    StoreError(BalancerError, RuntimeError)   the run database cannot be used now; the message says why
    ├── NotFound(StoreError, LookupError)     no such run, or not one this viewer may see
    └── NotAllowed(StoreError, PermissionError)  the viewer may see the run but not change it

A page shows the message as it is (``st.error(str(exc))``); the command line prints it and exits 2,
as for every :class:`~balancer.errors.BalancerError`. :func:`explain` words the usual failures
(SQLite's file locked, full, read-only or not a database; PostgreSQL down, refusing the login, or
the pool exhausted) and never shows a password: ``where`` is the database as :func:`describe` gives
it.
"""

from __future__ import annotations

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ..errors import BalancerError


class StoreError(BalancerError, RuntimeError):
    """The run database cannot be used now (down, busy, full, damaged, or newer than this Balancer)."""


class NotFound(StoreError, LookupError):
    """No run with that id that this viewer may see (the two are told apart to no one)."""


class NotAllowed(StoreError, PermissionError):
    """The viewer may see the run but only its owner or an admin may change or delete it."""


#: Failures a database call may raise: SQLAlchemy's own (which wrap the drivers') and the file system's.
FAILURES = (SQLAlchemyError, OSError)

# (words in the driver's message, lower case) -> what to say, with {where} for the database
_KNOWN = (
    (("file is not a database",), "{where} is not a Balancer run database (not an SQLite file, or "
                                  "damaged); move it away or set BALANCER_DB to another file"),
    (("database is locked", "database is busy"), "{where} stayed locked by another writer past the "
                                                 "time-out; try again in a moment"),
    (("database or disk is full", "no space left"), "{where} cannot grow: its disk is full"),
    (("readonly database", "read-only file system"), "{where} is read-only here"),
    (("unable to open database file",), "{where} cannot be opened: its folder is missing or not "
                                         "writable"),
    (("password authentication failed", "role \"", "no pg_hba.conf entry"),
     "the run database at {where} refused the user name or password"),
    (('database "',), "{where} does not exist: create it, or fix BALANCER_DATABASE_URL"),
    (("connection refused", "connection failed", "could not connect", "timeout expired",
      "could not translate host name", "server closed the connection", "terminating connection"),
     "cannot reach the run database at {where}; is the server running?"),
)


def explain(exc: BaseException, where: str) -> str:
    """One sentence saying what went wrong with the database at ``where``."""
    if isinstance(exc, PoolTimeout):
        return f"the run database at {where} is busy: every connection is in use; try again in a moment"
    detail = _detail(exc)
    lowered = detail.lower()
    for words, message in _KNOWN:
        if any(word in lowered for word in words):
            return message.format(where=where)
    return f"the run database at {where} failed: {detail}"


def describe(url: URL) -> str:
    """The database for messages: ``SQLite file PATH`` or ``postgresql://HOST:PORT/NAME`` (no user)."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database}"
    port = f":{url.port}" if url.port else ""
    return f"postgresql://{url.host or 'localhost'}{port}/{url.database or ''}"


def _detail(exc: BaseException) -> str:
    """The driver's own message, on one line and short (SQLAlchemy's adds the statement and a link)."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = " ".join(str(cause).split()) or type(cause).__name__
    return text[:300]
