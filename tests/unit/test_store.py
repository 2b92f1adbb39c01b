"""The run store: saving, listing, visibility, migrations and failures, on SQLite and on a real
PostgreSQL server (the same tests, parametrised; see tests/unit/conftest.py for the server)."""

from __future__ import annotations

import gzip
import hashlib
import re
import socket
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from balancer import config, recipe
from balancer.errors import BalancerError, ConfigError
from balancer.store import NewRun, NotAllowed, NotFound, StoreError, Viewer, open_store, schema, viewer

ANN, BOB, ADMIN = Viewer("ann"), Viewer("bob"), Viewer("root", admin=True)
SHA = hashlib.sha256(b"a table").hexdigest()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Every test starts from the defaults, whatever the shell running the tests has set."""
    for setting in config.SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:
    """An empty database: a new SQLite file, or a new database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/runs/runs.db"
    return request.getfixturevalue("postgres_server").database()


@pytest.fixture
def store(url):
    opened = open_store(url, timeout=2)
    yield opened
    opened.close()


def new_run(**changes) -> NewRun:
    fields = dict(kind="resample", dataset="churn.csv", dataset_sha256=SHA, rows=1000, columns=12,
                  target="churned", tactics=["SMOTE"], parameters={"k_neighbors": 5}, seed=7,
                  metrics={"f1": 0.5}, recipe='{"format": "balancer-recipe/1"}', report="<html>report</html>")
    return NewRun(**{**fields, **changes})


def saved_id(store, who, **changes) -> str:
    result = store.save(who, new_run(**changes))
    assert result.saved, result.message
    return str(result.run_id)


def count(url: str, table: str) -> int:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        found = conn.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one()
    engine.dispose()
    return int(found)


# ---- saving and reading


def test_a_saved_run_reads_back_whole(store):
    """Check every field of a run comes back as saved, with its file, a UTC time and a random id."""
    started = datetime.now(UTC)
    result = store.save(ANN, new_run(tactics=["SMOTE", "TomekLinks"], shared=False, note="first try",
                                     metrics={"f1": np.float64(0.25), "auc": float("nan"), "n": np.int64(3)},
                                     file=b"a,b\n1,2\n"))
    assert result.saved and result.file_kept and result.message == f"Saved as run {result.run_id}."
    assert re.fullmatch(r"[A-Za-z0-9_-]{12}", str(result.run_id))
    run = store.get_run(ANN, str(result.run_id))
    assert (run.kind, run.user, run.shared, run.dataset, run.dataset_sha256) == ("resample", "ann", False,
                                                                                 "churn.csv", SHA)
    assert (run.rows, run.columns, run.target, run.seed, run.note) == (1000, 12, "churned", 7, "first try")
    assert run.tactics == ("SMOTE", "TomekLinks")
    assert run.parameters == {"k_neighbors": 5}
    assert run.metrics == {"f1": 0.25, "auc": None, "n": 3}
    assert run.recipe == '{"format": "balancer-recipe/1"}' and run.report == "<html>report</html>"
    assert run.file_size == 8 and store.get_file(ANN, run.id) == b"a,b\n1,2\n"
    assert run.created_at.tzinfo is not None
    assert started - timedelta(seconds=1) <= run.created_at <= datetime.now(UTC) + timedelta(seconds=1)


def test_ids_are_random_not_sequential(store):
    """Check ids are url-safe random text: no two alike, no order to guess the next from."""
    ids = [saved_id(store, ANN) for _ in range(20)]
    assert len(set(ids)) == 20
    assert ids not in (sorted(ids), sorted(ids, reverse=True))  # 2 chances in 20! when random
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{12}", run_id) for run_id in ids)


def test_listing_is_newest_first_and_light(store):
    """Check runs are listed newest first, without recipe, report or file."""
    ids = [saved_id(store, ANN, dataset=f"t{i}.csv") for i in range(4)]
    listed = store.list_runs(ANN)
    assert [run.id for run in listed] == ids[::-1]
    assert not hasattr(listed[0], "report") and not hasattr(listed[0], "recipe")
    assert [run.id for run in store.list_runs(ANN, limit=2, offset=1)] == ids[::-1][1:3]


def test_a_run_without_a_file_has_none(store):
    run_id = saved_id(store, ANN)
    assert store.get_file(ANN, run_id) is None and store.get_run(ANN, run_id).file_size is None


# ---- who sees and changes what


def test_users_see_their_own_and_shared_runs_and_admins_see_all(store):
    """Check two users don't see each other's unshared runs, see shared ones, and an admin sees all."""
    ann_shared = saved_id(store, ANN)
    ann_private = saved_id(store, ANN, shared=False)
    bob_private = saved_id(store, BOB, shared=False)
    assert {run.id for run in store.list_runs(ANN)} == {ann_shared, ann_private}
    assert {run.id for run in store.list_runs(BOB)} == {ann_shared, bob_private}
    assert {run.id for run in store.list_runs(ADMIN)} == {ann_shared, ann_private, bob_private}
    for hidden in (lambda: store.get_run(BOB, ann_private), lambda: store.get_file(BOB, ann_private)):
        with pytest.raises(NotFound, match="no saved run"):
            hidden()
    assert store.get_run(ADMIN, bob_private).user == "bob"


def test_only_the_owner_or_an_admin_changes_a_run(store, url):
    """Check others get NotAllowed (or NotFound when they cannot see it); delete removes the file too."""
    shared = saved_id(store, ANN, file=b"x,y\n")
    private = saved_id(store, ANN, shared=False)
    with pytest.raises(NotAllowed, match="ann's"):
        store.delete_run(BOB, shared)
    with pytest.raises(NotAllowed):
        store.set_shared(BOB, shared, False)
    with pytest.raises(NotFound):
        store.delete_run(BOB, private)
    store.set_shared(ANN, private, True)
    store.set_note(ANN, private, "now shared")
    assert store.get_run(BOB, private).note == "now shared"
    store.set_shared(ANN, shared, False)
    assert [run.id for run in store.list_runs(BOB)] == [private]
    store.delete_run(ADMIN, shared)
    store.delete_run(ANN, private)
    assert store.list_runs(ADMIN) == []
    assert count(url, "run_files") == 0 and count(url, "run_tactics") == 0
    with pytest.raises(NotFound):
        store.get_file(ANN, shared)


def test_not_allowed_and_not_found_are_store_errors():
    """Check the store's errors are caught where every user error is, and as the builtins they refine."""
    assert issubclass(NotAllowed, StoreError) and issubclass(NotAllowed, PermissionError)
    assert issubclass(NotFound, StoreError) and issubclass(NotFound, LookupError)
    assert issubclass(StoreError, BalancerError)


def test_viewer_reads_the_admins(monkeypatch):
    monkeypatch.setenv("BALANCER_ADMINS", "ann, carol")
    assert viewer("ann") == Viewer("ann", admin=True)
    assert viewer(" carol ") == Viewer("carol", admin=True)
    assert viewer("bob") == Viewer("bob", admin=False)
    assert viewer(None) == viewer("") == Viewer("anonymous", admin=False)


# ---- filters


def test_filters(store):
    """Check each filter alone: dataset (name or digest), tactic (one of a comparison's), user, kind."""
    other = hashlib.sha256(b"other").hexdigest()
    smote = saved_id(store, ANN)
    compared = saved_id(store, BOB, kind="compare", tactics=["RandomUnderSampler", "SMOTE", "ADASYN"])
    evaluated = saved_id(store, BOB, kind="evaluate", dataset="fraud.csv", dataset_sha256=other,
                         tactics=["threshold"])

    def ids(**filters):
        return {run.id for run in store.list_runs(ANN, **filters)}

    assert ids(dataset="churn.csv") == {smote, compared}
    assert ids(dataset=other) == {evaluated}
    assert ids(tactic="SMOTE") == {smote, compared}
    assert ids(tactic="ADASYN") == {compared}
    assert ids(tactic="SMOTE", user="bob") == {compared}
    assert ids(user="ann") == {smote}
    assert ids(kind="evaluate") == {evaluated}
    assert ids(kind="resample", dataset="fraud.csv") == set()
    with pytest.raises(ValueError, match="kind is one of"):
        store.list_runs(ANN, kind="train")
    with pytest.raises(ValueError, match="limit"):
        store.list_runs(ANN, limit=0)


# ---- settings


def test_a_file_over_keep_mb_is_not_kept_but_the_run_is(store, monkeypatch):
    """Check the keep bound: over it the run is saved without its file, and the result says why."""
    monkeypatch.setenv("BALANCER_KEEP_MB", "0.001")  # 1,048 bytes
    kept = store.save(ANN, new_run(file=b"x" * 1000))
    assert kept.saved and kept.file_kept
    big = store.save(ANN, new_run(file=b"x" * 2000))
    assert big.saved and not big.file_kept
    assert "was not kept" in big.message and "BALANCER_KEEP_MB" in big.message
    assert store.get_file(ANN, str(big.run_id)) is None
    monkeypatch.setenv("BALANCER_KEEP_MB", "0")
    none = store.save(ANN, new_run(file=b"x"))
    assert none.saved and not none.file_kept and "keeps none (BALANCER_KEEP_MB=0)" in none.message


def test_saving_can_be_turned_off(store, monkeypatch):
    monkeypatch.setenv("BALANCER_SAVE_RUNS", "0")
    result = store.save(ANN, new_run())
    assert not result.saved and result.run_id is None and "BALANCER_SAVE_RUNS" in result.message
    monkeypatch.delenv("BALANCER_SAVE_RUNS")
    assert store.list_runs(ANN) == []


def test_the_configured_database(monkeypatch, tmp_path):
    """Check BALANCER_DB, the XDG default, and BALANCER_DATABASE_URL (mapped to psycopg, password hidden)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert config.text("BALANCER_DB") == str(tmp_path / "xdg" / "balancer" / "runs.db")
    monkeypatch.setenv("BALANCER_DB", str(tmp_path / "mine.db"))
    local = open_store()
    assert local.where == f"SQLite file {tmp_path / 'mine.db'}"
    assert local.save(ANN, new_run()).saved and (tmp_path / "mine.db").exists()
    local.close()
    monkeypatch.setenv("BALANCER_DATABASE_URL", "postgresql://ann:s3cret@db.example:5433/runs")
    remote = open_store()
    assert remote.url.drivername == "postgresql+psycopg"
    assert remote.where == "postgresql://db.example:5433/runs"


@pytest.mark.parametrize("bad", ["mysql://ann:s3cret@host/db", "s3cret nonsense"])
def test_a_url_it_cannot_use_is_a_config_error_without_the_password(bad, monkeypatch):
    monkeypatch.setenv("BALANCER_DATABASE_URL", bad)
    with pytest.raises(ConfigError, match="BALANCER_DATABASE_URL") as caught:
        open_store()
    assert "s3cret" not in str(caught.value)


def test_new_run_checks_itself_and_reads_a_recipe():
    """Check a bad kind, digest or metric is the caller's error at once, and from_recipe's mapping."""
    with pytest.raises(ValueError, match="kind"):
        new_run(kind="train")
    with pytest.raises(ValueError, match="64"):
        new_run(dataset_sha256="abc")
    with pytest.raises(ValueError, match="JSON data"):
        new_run(metrics={"f1": object()})
    made = recipe.make("compare", "churned", "none", {}, 3, source=b"a table", name="churn.csv",
                       methods=["SMOTE", "ADASYN"], model="logistic", folds=5, metric="f2")
    run = NewRun.from_recipe(made, rows=10, columns=2, metrics={"f2": 0.4}, report="<html>", note="n")
    assert (run.kind, run.dataset, run.dataset_sha256, run.target, run.seed) == ("compare", "churn.csv",
                                                                                 SHA, "churned", 3)
    assert run.tactics == ("SMOTE", "ADASYN") and run.note == "n"
    assert run.parameters == {"params": {}, "model": "logistic", "folds": 5, "metric": "f2"}
    assert run.recipe == made.to_json()


# ---- schema


def test_a_v1_database_is_upgraded_in_place_keeping_its_runs(url):
    """Check a database left at schema 1 gains schemas 2 (the note column, the indexes) and 3 (packed
    reports) with its rows, whose text report still reads."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True)
    engine = sa.create_engine(url)
    assert schema.migrate(engine, upto=1) == 0
    old = schema.tables(1)
    with engine.begin() as conn:
        conn.execute(sa.insert(old.runs).values(
            id="old-run", kind="evaluate", created_at=datetime(2024, 5, 1, tzinfo=UTC), owner="ann",
            shared=True, dataset="old.csv", dataset_sha256=SHA, n_rows=5, n_columns=2, target="y",
            parameters={}, seed=None, metrics={"f1": 0.1}, recipe="{}", report="<html>", file_size=3))
        conn.execute(sa.insert(old.tactics).values(run_id="old-run", position=0, tactic="SMOTE"))
        conn.execute(sa.insert(old.files).values(run_id="old-run", data=b"a\n1"))
    assert "note" not in {c["name"] for c in sa.inspect(engine).get_columns("runs")}
    store = open_store(url)
    [run] = store.list_runs(ANN)
    assert (run.id, run.note, run.tactics, run.created_at) == ("old-run", "", ("SMOTE",),
                                                               datetime(2024, 5, 1, tzinfo=UTC))
    assert store.get_file(ANN, "old-run") == b"a\n1"
    assert store.get_run(ANN, "old-run").report == "<html>"
    new = saved_id(store, ANN, note="new")
    with engine.connect() as conn:
        assert schema.version(conn) == schema.LATEST == 3
        assert [row.version for row in conn.execute(sa.select(schema.VERSIONS).order_by("version"))] == [1, 2, 3]
        runs = schema.tables(3).runs
        packed = conn.execute(sa.select(runs.c.report_gz).where(runs.c.id == new)).scalar_one()
    assert packed is not None and store.get_run(ANN, new).report == gzip.decompress(packed).decode()
    assert {"ix_runs_created_at", "ix_runs_owner"} <= {ix["name"] for ix in sa.inspect(engine).get_indexes("runs")}
    store.close()
    engine.dispose()


def test_a_newer_schema_is_refused_and_left_alone(store, url):
    """Check a database a newer Balancer wrote is neither read nor written, with a message saying so."""
    saved_id(store, ANN)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.insert(schema.VERSIONS).values(version=7, applied_at=datetime.now(UTC)))
    later = open_store(url, timeout=2)
    expected = f"was written by a newer Balancer (schema 7, this one knows {schema.LATEST})"
    result = later.save(ANN, new_run())
    assert not result.saved and expected in result.message
    with pytest.raises(StoreError, match=re.escape(expected)):
        later.list_runs(ANN)
    with engine.connect() as conn:
        assert schema.version(conn) == 7
    assert count(url, "runs") == 1
    later.close()
    engine.dispose()


# ---- failures: SQLite


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path):
    """Check a damaged or foreign file gets a clear message, on save and on read, and is not touched."""
    path = tmp_path / "runs.db"
    junk = b"this is not a database\n" * 200
    path.write_bytes(junk)
    store = open_store(f"sqlite:///{path}")
    result = store.save(ANN, new_run())
    assert not result.saved and "is not a Balancer run database" in result.message
    with pytest.raises(StoreError, match="not a Balancer run database .*BALANCER_DB"):
        store.list_runs(ANN)
    store.close()
    assert path.read_bytes() == junk


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/runs.db")
    saved_id(store, ANN)
    with sqlite3.connect(tmp_path / "runs.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with store._engine.connect() as conn:  # the store's own connections
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    store.close()


def test_a_save_while_another_writer_holds_the_lock_gives_up_after_the_timeout(tmp_path):
    """Check a save waits out the busy time-out, then returns saved=False instead of raising."""
    store = open_store(f"sqlite:///{tmp_path}/runs.db", timeout=0.5)
    saved_id(store, ANN)
    holder = sqlite3.connect(tmp_path / "runs.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        result = store.save(ANN, new_run())
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not result.saved and "locked" in result.message, result.message
    assert 0.4 < waited < 3
    assert store.save(ANN, new_run()).saved
    store.close()


def test_a_read_only_database_reads_but_does_not_save(tmp_path):
    path = tmp_path / "runs.db"
    writer = open_store(f"sqlite:///{path}")
    run_id = saved_id(writer, ANN)
    writer.close()
    reader = open_store(f"sqlite:///file:{path}?mode=ro&uri=true")
    result = reader.save(ANN, new_run())
    assert not result.saved and "read-only" in result.message, result.message
    assert [run.id for run in reader.list_runs(ANN)] == [run_id]
    reader.close()
    assert not Path("file:").exists()  # a URI is not a folder to make in the working directory


def test_a_relative_path_starting_with_file_is_a_path(tmp_path, monkeypatch):
    """``sqlite:///file:runs/x.db`` without ``uri=true`` is a relative file name to SQLite: its
    folder is made like any path's."""
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:///file:runs/x.db")
    assert store.save(ANN, new_run()).saved
    store.close()
    assert (tmp_path / "file:runs" / "x.db").exists()


def test_a_folder_it_cannot_make_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("")
    store = open_store(f"sqlite:///{tmp_path}/file/runs.db")
    assert not store.save(ANN, new_run()).saved
    with pytest.raises(StoreError, match="SQLite file"):
        store.list_runs(ANN)
    store.close()


# ---- failures: PostgreSQL


def test_a_server_that_is_down_fails_a_save_quickly_without_raising():
    """Check a closed port: save returns saved=False within the time-out, reads raise StoreError,
    and neither shows the password."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = open_store(f"postgresql://ann:s3cret@127.0.0.1:{port}/runs", timeout=2)
    started = time.monotonic()
    result = store.save(ANN, new_run())
    assert time.monotonic() - started < 3
    assert not result.saved and result.run_id is None
    assert f"cannot reach the run database at postgresql://127.0.0.1:{port}/runs" in result.message
    with pytest.raises(StoreError, match="cannot reach") as caught:
        store.list_runs(ANN)
    assert "s3cret" not in result.message + str(caught.value)
    store.close()


# ---- concurrency


@pytest.mark.parametrize("one_store", [True, False], ids=["one-store", "store-per-thread"])
def test_six_threads_saving_at_once_lose_nothing(url, one_store):
    """Check 6 threads x 20 saves at once all land: one server's shared store, or six servers' own
    (which also race to create the schema)."""
    shared = open_store(url, timeout=10)
    stores = [shared if one_store else open_store(url, timeout=10) for _ in range(6)]
    results: list[list[str | None]] = [[] for _ in range(6)]
    barrier = threading.Barrier(6)

    def work(n: int) -> None:
        barrier.wait()
        for i in range(20):
            result = stores[n].save(Viewer(f"user{n}"), new_run(seed=i))
            results[n].append(result.run_id if result.saved else result.message)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    ids = {run_id for found in results for run_id in found}
    assert len(ids) == 120 and all(re.fullmatch(r"[A-Za-z0-9_-]{12}", str(i)) for i in ids), results
    listed = shared.list_runs(ADMIN, limit=1000)
    assert {run.id for run in listed} == ids
    assert all(len(shared.list_runs(ADMIN, user=f"user{n}", limit=1000)) == 20 for n in range(6))
    for store in set(stores):
        store.close()


@pytest.mark.parametrize(("user", "database", "expected"), [
    ("balancer", "no_such_db", "/no_such_db does not exist: create it, or fix BALANCER_DATABASE_URL"),
    ("nobody", "postgres", "refused the user name or password"),
], ids=["no-such-database", "no-such-user"])
def test_a_wrong_database_or_user_is_named(postgres_server, user, database, expected):
    store = open_store(postgres_server.url(database).replace("balancer@", f"{user}@"), timeout=2)
    result = store.save(ANN, new_run())
    assert not result.saved and expected in result.message, result.message
    store.close()
