"""The run store: save a run, list, read, share, note and delete saved runs, as a given viewer.

One :class:`Store` serves every session of a server (its engine is thread-safe and its pool
bounded); it connects, and upgrades the schema, on first use rather than when made, so a server
starts even when its database is down. Who sees what:

- a viewer sees a run when it is theirs, or shared, or when they are an admin;
- only its owner or an admin may delete it, share or unshare it, or change its note
  (:class:`NotAllowed` for anyone else who can see it; :class:`NotFound` for anyone who cannot, so a
  run's existence does not leak).

With no trusted user header every visitor is ``anonymous`` and so owns every anonymous run: on an
open server, saved runs are the team's, each deletable by all.

``save`` never raises for the database's trouble (down, locked past the time-out, full, read-only,
damaged, newer): it returns :class:`Saved` with ``saved=False`` and the reason, and the page goes on.
Everything else raises :class:`StoreError` with a message to show.
"""

from __future__ import annotations

import contextlib
import gzip
import secrets
import threading
import zlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, delete, exists, insert, or_, select, true, update
from sqlalchemy.engine import URL

from .. import config
from ..errors import BalancerError
from ..recipe import KINDS
from . import schema
from .database import engine_for, writing
from .problems import FAILURES, NotAllowed, NotFound, StoreError, describe, explain
from .records import NewRun, Run, RunSummary, Saved, Viewer

_TABLES = schema.tables(schema.LATEST)
_RUNS, _TACTICS, _FILES = _TABLES.runs, _TABLES.tactics, _TABLES.files
#: The columns a listing reads: all but the recipe and the report.
_SUMMARY = [column for column in _RUNS.c if column.name not in ("seq", "recipe", "report", "report_gz")]
#: The most a packed report may unpack to (Balancer's own reports are a few MB).
_MAX_REPORT = 256 * 1024 * 1024
#: Most runs one listing returns.
MAX_LIMIT = 1000


class Store:
    """The saved runs in one database (see the module's docstring); ``timeout`` bounds every wait."""

    def __init__(self, url: URL, *, timeout: float = 5.0) -> None:
        self.url = url
        self.where = describe(url)
        self._engine = engine_for(url, timeout)
        self._lock = threading.Lock()
        self._ready_done = False

    # ---- writing

    def save(self, viewer: Viewer, run: NewRun) -> Saved:
        """Save ``run`` as ``viewer``'s; never raises for the database (see :class:`Saved`)."""
        try:
            if not config.flag("BALANCER_SAVE_RUNS"):
                return Saved(False, None, "Not saved: saving runs is off on this server (BALANCER_SAVE_RUNS).")
            file, left_out = _bounded(run.file)
            run_id = secrets.token_urlsafe(9)
            self._ready()
            with self._failures(), writing(self._engine) as conn:
                _insert(conn, run_id, viewer, run, file)
        except BalancerError as exc:
            return Saved(False, None, f"Not saved: {exc}")
        message = f"Saved as run {run_id}." + (f" {left_out}" if left_out else "")
        return Saved(True, run_id, message, file_kept=file is not None)

    def delete_run(self, viewer: Viewer, run_id: str) -> None:
        """Delete a run, its tactics and its file (its owner or an admin only)."""
        with self._changing(viewer, run_id) as conn:
            conn.execute(delete(_RUNS).where(_RUNS.c.id == run_id))

    def set_shared(self, viewer: Viewer, run_id: str, shared: bool) -> None:
        """Share a run with everyone, or make it its owner's (and the admins') alone."""
        with self._changing(viewer, run_id) as conn:
            conn.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(shared=bool(shared)))

    def set_note(self, viewer: Viewer, run_id: str, note: str) -> None:
        """Replace a run's note (its owner or an admin only)."""
        with self._changing(viewer, run_id) as conn:
            conn.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(note=str(note)))

    # ---- reading

    def list_runs(self, viewer: Viewer, *, dataset: str | None = None, tactic: str | None = None,
                  user: str | None = None, kind: str | None = None, limit: int = 100,
                  offset: int = 0) -> list[RunSummary]:
        """The runs ``viewer`` may see, newest first, without recipe, report or file.

        ``dataset`` matches the dataset's name or its SHA-256; ``tactic`` runs that used it (one of
        several, for a comparison); ``user`` the owner; ``kind`` one of resample, evaluate, compare.
        ``limit`` (1 to :data:`MAX_LIMIT`) and ``offset`` page through the rest.
        """
        if kind is not None and kind not in KINDS:
            raise ValueError(f"kind is one of {', '.join(KINDS)}, not {kind!r}")
        if not 1 <= limit <= MAX_LIMIT or offset < 0:
            raise ValueError(f"limit is from 1 to {MAX_LIMIT} and offset 0 or more")
        query = (select(*_SUMMARY).where(_visible(viewer), *_filters(dataset, tactic, user, kind))
                 .order_by(_RUNS.c.created_at.desc(), _RUNS.c.seq.desc()).limit(limit).offset(offset))
        with self._reading() as conn:
            rows = conn.execute(query).all()
            tactics = _tactics_of(conn, [row.id for row in rows])
        return [RunSummary(**_fields(row, tactics)) for row in rows]

    def get_run(self, viewer: Viewer, run_id: str) -> Run:
        """Everything about one run but its file (:meth:`get_file`), or :class:`NotFound`."""
        with self._reading() as conn:
            row = conn.execute(select(*_SUMMARY, _RUNS.c.recipe, _RUNS.c.report, _RUNS.c.report_gz)
                               .where(_RUNS.c.id == run_id, _visible(viewer))).first()
            if row is None:
                raise _not_found(run_id)
            return Run(**_fields(row, _tactics_of(conn, [run_id])), recipe=row.recipe,
                       report=_unpacked(row.report_gz) if row.report_gz is not None else row.report)

    def get_file(self, viewer: Viewer, run_id: str) -> bytes | None:
        """The resampled CSV kept with a run (None when none was kept), or :class:`NotFound`."""
        query = (select(_RUNS.c.id, _FILES.c.data).select_from(_RUNS.outerjoin(_FILES))
                 .where(_RUNS.c.id == run_id, _visible(viewer)))
        with self._reading() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise _not_found(run_id)
        return None if row.data is None else bytes(row.data)

    def close(self) -> None:
        """Close the pooled connections (a later call opens new ones)."""
        self._engine.dispose()

    # ---- plumbing

    def _ready(self) -> None:
        """Make the database's folder and bring its schema up to date, once; refuse a newer schema."""
        if self._ready_done:
            return
        with self._lock, self._failures():
            if self._ready_done:
                return
            database = str(self.url.database or "")
            # a path's folder is made; a URI (``file:...?uri=true``) or ``:memory:`` is SQLite's own
            uri = str(self.url.query.get("uri", "")).lower() in ("true", "1")
            if self.url.get_backend_name() == "sqlite" and database not in ("", ":memory:") and not uri:
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with self._engine.connect() as conn:
                found = schema.version(conn)
            if found > schema.LATEST:
                raise StoreError(_newer(self.where, found, self.url.get_backend_name()))
            if found < schema.LATEST:
                schema.migrate(self._engine)
            self._ready_done = True

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        """Turn the database's failures inside the block into one StoreError with a clear message."""
        try:
            yield
        except StoreError:
            raise  # NotAllowed is a PermissionError, so an OSError: already worded
        except FAILURES as exc:
            raise StoreError(explain(exc, self.where)) from exc

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Connection]:
        self._ready()
        with self._failures(), self._engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def _changing(self, viewer: Viewer, run_id: str) -> Iterator[Connection]:
        """A write transaction on a run ``viewer`` may change (NotFound, NotAllowed otherwise)."""
        self._ready()
        with self._failures(), writing(self._engine) as conn:
            owner = conn.execute(select(_RUNS.c.owner).where(_RUNS.c.id == run_id, _visible(viewer))).scalar()
            if owner is None:
                raise _not_found(run_id)
            if owner != viewer.name and not viewer.admin:
                raise NotAllowed(f"run {run_id} is {owner}'s: only they or an admin may change or delete it")
            yield conn


def _bounded(file: bytes | None) -> tuple[bytes | None, str]:
    """The file to keep (None when there is none or it is over BALANCER_KEEP_MB) and what to say."""
    if file is None:
        return None, ""
    limit_mb = config.number("BALANCER_KEEP_MB")
    if len(file) <= limit_mb * 1024 * 1024:
        return file, ""
    size = f"{len(file) / 1024 / 1024:,.1f} MB"
    if limit_mb == 0:
        return None, f"The resampled file ({size}) was not kept: this server keeps none (BALANCER_KEEP_MB=0)."
    return None, (f"The resampled file ({size}) was not kept: this server keeps files up to "
                  f"{limit_mb:,g} MB (BALANCER_KEEP_MB).")


def _insert(conn: Connection, run_id: str, viewer: Viewer, run: NewRun, file: bytes | None) -> None:
    """Write one run, its tactics in order and its file, in the caller's transaction."""
    conn.execute(insert(_RUNS).values(
        id=run_id, kind=run.kind, created_at=datetime.now(UTC), owner=viewer.name, shared=run.shared,
        dataset=run.dataset, dataset_sha256=run.dataset_sha256, n_rows=run.rows, n_columns=run.columns,
        target=run.target, parameters=run.parameters, seed=run.seed, metrics=run.metrics,
        recipe=run.recipe, report="", report_gz=gzip.compress(run.report.encode("utf-8"), compresslevel=6),
        file_size=None if file is None else len(file), note=run.note,
    ))
    if run.tactics:
        conn.execute(insert(_TACTICS), [{"run_id": run_id, "position": i, "tactic": t}
                                        for i, t in enumerate(run.tactics)])
    if file is not None:
        conn.execute(insert(_FILES).values(run_id=run_id, data=file))


def _unpacked(packed: bytes) -> str:
    """A packed report as text, unpacked with a bound (a damaged row is an error, not a hang)."""
    stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        text = stream.decompress(packed, _MAX_REPORT + 1)
    except zlib.error as exc:
        raise StoreError(f"a saved report could not be unpacked ({exc})") from None
    if len(text) > _MAX_REPORT or not stream.eof:
        raise StoreError("a saved report is damaged or too large to unpack")
    return text.decode("utf-8", errors="replace")


def _visible(viewer: Viewer) -> ColumnElement[bool]:
    """The runs ``viewer`` may see: theirs and the shared ones, or all for an admin."""
    if viewer.admin:
        return true()
    return or_(_RUNS.c.owner == viewer.name, _RUNS.c.shared == true())


def _filters(dataset: str | None, tactic: str | None, user: str | None, kind: str | None) -> list[Any]:
    """The History page's filters as conditions (None: not filtered)."""
    conditions: list[Any] = []
    if dataset is not None:
        conditions.append(or_(_RUNS.c.dataset == dataset, _RUNS.c.dataset_sha256 == dataset))
    if tactic is not None:
        conditions.append(exists().where(and_(_TACTICS.c.run_id == _RUNS.c.id, _TACTICS.c.tactic == tactic)))
    if user is not None:
        conditions.append(_RUNS.c.owner == user)
    if kind is not None:
        conditions.append(_RUNS.c.kind == kind)
    return conditions


def _tactics_of(conn: Connection, run_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Each run's tactics in the order they were saved."""
    found: dict[str, list[str]] = {run_id: [] for run_id in run_ids}
    if run_ids:
        query = (select(_TACTICS.c.run_id, _TACTICS.c.tactic).where(_TACTICS.c.run_id.in_(run_ids))
                 .order_by(_TACTICS.c.run_id, _TACTICS.c.position))
        for run_id, tactic in conn.execute(query):
            found[run_id].append(tactic)
    return {run_id: tuple(names) for run_id, names in found.items()}


def _fields(row: Row, tactics: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """A listing row as :class:`RunSummary`'s fields (created_at in UTC: SQLite keeps no zone)."""
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return {
        "id": row.id, "kind": row.kind, "created_at": created.astimezone(UTC), "user": row.owner,
        "shared": bool(row.shared), "dataset": row.dataset, "dataset_sha256": row.dataset_sha256,
        "rows": row.n_rows, "columns": row.n_columns, "target": row.target,
        "tactics": tactics.get(row.id, ()), "parameters": row.parameters, "seed": row.seed,
        "metrics": row.metrics, "note": row.note, "file_size": row.file_size,
    }


def _not_found(run_id: str) -> NotFound:
    return NotFound(f"there is no saved run {run_id!s:.40} that you may see (deleted, or not shared)")


def _newer(where: str, found: int, backend: str) -> str:
    setting = "BALANCER_DB" if backend == "sqlite" else "BALANCER_DATABASE_URL"
    return (f"{where} was written by a newer Balancer (schema {found}, this one knows {schema.LATEST}): "
            f"upgrade Balancer, or set {setting} to another database; it was left as it is")
