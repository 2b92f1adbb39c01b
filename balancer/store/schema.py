"""The run store's tables, and the ordered steps that bring any older database up to date in place.

Tables (``tables(version)`` builds them as they are at a schema version)::

    runs            one row a run: seq (the insertion order), id (public, random), kind, created_at
                    (UTC), owner, shared, dataset, dataset_sha256, n_rows, n_columns, target,
                    parameters (JSON), seed, metrics (JSON), recipe, report, file_size; note (v2); report_gz (v3)
    run_tactics     run_id -> runs.id (deleted with it), position, tactic: the filter "runs that
                    used SMOTE" is an indexed join, the same in SQLite and PostgreSQL
    run_files       run_id -> runs.id (deleted with it), data: the kept CSV, apart from ``runs`` so
                    listing runs never reads it
    schema_version  one row per step applied: version, applied_at

:data:`STEPS` is the list of migrations, step ``n`` taking schema ``n - 1`` to ``n``; :data:`LATEST`
is its length. :func:`migrate` applies the missing steps in one transaction, under a lock (SQLite's
write lock, PostgreSQL's advisory lock), so two servers starting at once upgrade once, and a step
that fails leaves the database as it was. A new database is made by the same steps from zero, so
the upgrade path is the one every test takes. A database whose version is above :data:`LATEST` was
written by a newer Balancer: the store refuses it rather than guess (see ``runs.Store``).

Why a list of our own and not Alembic: a handful of additive steps, run at start-up by whichever
process opens the database first, inside the application and its tests, with nothing to install,
configure or run by hand; Alembic's environment, script folder and revision graph would be more
machinery than the steps themselves. Each step is SQLAlchemy Core (``create_all``, ``Index.create``,
``CreateColumn`` compiled for the dialect), so no step has SQL written per database.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.schema import CreateColumn

from .database import writing

#: The key of PostgreSQL's advisory lock held while migrating ("balancer" in ASCII, as a number).
_LOCK_KEY = 0x62616C616E636572


@dataclasses.dataclass(frozen=True)
class Tables:
    """The tables of one schema version, on their own MetaData."""

    metadata: MetaData
    runs: Table
    tactics: Table
    files: Table


def tables(version: int) -> Tables:
    """The tables as they are at schema ``version`` (1 to :data:`LATEST`)."""
    metadata = MetaData()
    later: list[Column[Any]] = [Column("note", Text, nullable=False, server_default="")] if version >= 2 else []
    if version >= 3:  # the report gzip-compressed (it embeds plotly.js: 5 MB as text, 1 MB packed)
        later.append(Column("report_gz", LargeBinary, nullable=True))
    runs = Table(
        "runs", metadata,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("id", String(32), nullable=False, unique=True),
        Column("kind", String(16), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("owner", Text, nullable=False),
        Column("shared", Boolean, nullable=False),
        Column("dataset", Text, nullable=False),
        Column("dataset_sha256", String(64), nullable=False),
        Column("n_rows", BigInteger, nullable=False),
        Column("n_columns", BigInteger, nullable=False),
        Column("target", Text, nullable=False),
        Column("parameters", JSON, nullable=False),
        Column("seed", BigInteger, nullable=True),
        Column("metrics", JSON, nullable=False),
        Column("recipe", Text, nullable=False),
        Column("report", Text, nullable=False),
        Column("file_size", BigInteger, nullable=True),
        *later,
    )
    tactics = Table(
        "run_tactics", metadata,
        Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        Column("position", Integer, primary_key=True),
        Column("tactic", Text, nullable=False, index=True),
    )
    files = Table(
        "run_files", metadata,
        Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        Column("data", LargeBinary, nullable=False),
    )
    return Tables(metadata, runs, tactics, files)


_VERSIONS = MetaData()
VERSIONS = Table(
    "schema_version", _VERSIONS,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


def _create_tables(conn: Connection) -> None:
    """v1: the runs, their tactics and their kept files."""
    tables(1).metadata.create_all(conn)


def _add_note_and_indexes(conn: Connection) -> None:
    """v2: a note on each run (empty for older runs), and indexes for the History page's listing."""
    runs = tables(2).runs
    column = CreateColumn(runs.c.note).compile(dialect=conn.dialect)
    table = conn.dialect.identifier_preparer.format_table(runs)
    conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column}"))
    Index("ix_runs_created_at", runs.c.created_at).create(conn)
    Index("ix_runs_owner", runs.c.owner).create(conn)


def _add_packed_report(conn: Connection) -> None:
    """v3: reports kept gzip-compressed (older runs keep theirs as text)."""
    runs = tables(3).runs
    column = CreateColumn(runs.c.report_gz).compile(dialect=conn.dialect)
    table = conn.dialect.identifier_preparer.format_table(runs)
    conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column}"))


#: The migrations in order: STEPS[n - 1] takes schema n - 1 to n.
STEPS: tuple[Callable[[Connection], None], ...] = (_create_tables, _add_note_and_indexes, _add_packed_report)
LATEST = len(STEPS)


def version(conn: Connection) -> int:
    """The schema version of the database (0 when it has no Balancer tables yet)."""
    if not inspect(conn).has_table(VERSIONS.name):
        return 0
    return int(conn.execute(select(func.max(VERSIONS.c.version))).scalar() or 0)


def migrate(engine: Engine, upto: int = LATEST) -> int:
    """Apply the steps the database lacks up to ``upto``, in one locked transaction; the version found.

    A database already at or past ``upto`` is left untouched (the caller refuses a newer one).
    """
    with writing(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))
        found = version(conn)
        if found < upto:
            _VERSIONS.create_all(conn)
        for number in range(found + 1, upto + 1):
            STEPS[number - 1](conn)
            conn.execute(insert(VERSIONS).values(version=number, applied_at=datetime.now(UTC)))
        return found
