"""Saved runs and the History page, driven with AppTest against a real SQLite run store.

Each test has its own database file (BALANCER_DB in a temporary folder); the dashboard keeps one
store per database, so tests never share one. Users come from the trusted-header path: AppTest
cannot send headers, so ``ui.auth.request_header`` (the one function that reads them) is replaced
here; tests/browser/test_history.py sends real headers.
"""

from __future__ import annotations

import json
import socket

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from balancer import config
from balancer.store import Viewer, open_store
from tests.app.conftest import ROOT, texts
from tests.app.downloads import capture, download
from ui import auth

ADMIN = Viewer("test-admin", admin=True)


@pytest.fixture(autouse=True)
def database(monkeypatch, tmp_path):
    """A fresh run database per test, and every other setting at its default."""
    for setting in config.SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    path = tmp_path / "runs" / "runs.db"
    monkeypatch.setenv("BALANCER_DB", str(path))
    monkeypatch.chdir(ROOT)
    return path


@pytest.fixture
def as_user(monkeypatch):
    """Turn on the trusted header; ``as_user(name)`` makes the next runs come with that header
    (``None``: without it)."""
    monkeypatch.setenv("BALANCER_TRUSTED_USER_HEADER", "X-Forwarded-User")
    who: dict[str, str | None] = {"name": None}

    def header(name: str) -> str | None:
        assert name == "X-Forwarded-User"
        return who["name"]

    monkeypatch.setattr(auth, "request_header", header)

    def switch(name: str | None) -> None:
        who["name"] = name

    return switch


def new_app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def saved_runs(path, kind: str | None = None):
    store = open_store(f"sqlite:///{path}")
    try:
        return store.list_runs(ADMIN, kind=kind)
    finally:
        store.close()


def resample(at: AppTest, *, keep: bool = False, strategy: str = "SMOTE") -> AppTest:
    at.switch_page("pages/balance.py").run()
    at.selectbox(key="w_strategy").select(strategy).run()
    if [c for c in at.checkbox if c.key == "w_keep_file"]:
        at.checkbox(key="w_keep_file").set_value(keep)
    at.button(key="resample").click().run()
    assert not at.exception and not at.error
    return at


def history(at: AppTest, run_id: str | None = None) -> AppTest:
    at.switch_page("pages/history.py")
    if run_id is not None:
        at.query_params["run"] = run_id
    at.run()
    assert not at.exception
    return at


def open_run(at: AppTest, *run_ids: str) -> AppTest:
    chooser = at.multiselect(key="w_hist_open")
    chooser.set_value(list(run_ids)).run()
    assert not at.exception
    return at


def table(at: AppTest, first_column: str):
    """The table on the page whose first column is ``first_column`` (AppTest keeps no table keys)."""
    return next(d.value for d in at.dataframe if list(d.value.columns[:1]) == [first_column])


# ---- saving


def test_a_resample_is_saved_once_with_its_recipe_report_and_kept_file(database):
    """Check a resample is saved when it finishes, with the page's recipe, the report and the file
    the page offers, and not again on a rerun."""
    at = new_app()
    with capture() as stored:
        resample(at, keep=True)
        csv = download(at, "download", stored)
        recipe = json.loads(download(at, "recipe_resample", stored))
    assert "Saved as run" in texts(at.caption)
    assert "The resampled file is kept with it" in texts(at.caption)
    [run] = saved_runs(database)
    assert (run.kind, run.dataset, run.target, run.tactics, run.user) == (
        "resample", "customer_churn.csv", "churn", ("SMOTE",), "anonymous")
    assert run.rows == 3000 and run.seed == 0 and run.file_size == len(csv)
    result = next(v for k, v in at.session_state["results"].items() if k[0] == "resample")
    assert run.metrics["classes_after"] == {"no": 2874, "yes": 2874} == {
        str(k): v for k, v in result.after.items()}
    assert run.dataset_sha256 == recipe["input_sha256"]
    store = open_store(f"sqlite:///{database}")
    whole = store.get_run(ADMIN, run.id)
    assert json.loads(whole.recipe) == recipe
    assert whole.report.startswith("<!DOCTYPE html>") and "Balancer report" in whole.report
    assert store.get_file(ADMIN, run.id) == csv
    store.close()

    at.checkbox(key="w_mark").check().run()  # a rerun of the same result
    at.switch_page("pages/data.py").run()
    at.switch_page("pages/balance.py").run()
    assert len(saved_runs(database)) == 1
    at.button(key="resample").click().run()  # the same request again: already saved
    assert len(saved_runs(database)) == 1


def test_evaluate_and_compare_are_saved(database):
    """Check an evaluation and a comparison are saved with their scores."""
    at = new_app()
    at.switch_page("pages/evaluate.py").run()
    at.number_input(key="w_folds").set_value(2)
    at.button(key="evaluate").click().run()
    assert not at.exception and "Saved as run" in texts(at.caption)
    at.switch_page("pages/compare.py").run()
    at.number_input(key="w_cmp_folds").set_value(2)
    at.multiselect(key="w_cmp_methods").set_value(["RandomUnderSampler"]).run()
    at.button(key="compare").click().run()
    assert not at.exception and "Saved as run" in texts(at.caption)
    [evaluated] = saved_runs(database, "evaluate")
    [compared] = saved_runs(database, "compare")
    assert evaluated.tactics == ("SMOTE",) and evaluated.parameters["model"] == "logistic_regression"
    assert 0 <= evaluated.metrics["scores"]["f2"] <= 1 and "baseline" in evaluated.metrics
    assert set(compared.tactics) == {"RandomUnderSampler"}  # the tactics compared (baselines aside)
    assert compared.metrics["best"] in {"none", "RandomUnderSampler"} and len(compared.metrics["ranking"]) == 2


# ---- the History page


def test_history_lists_opens_and_offers_downloads(database):
    """Check History lists the run newest first, opens it with its counts, parameters, link and
    downloads, and the recipe downloaded from History is the one Balance gave."""
    at = new_app()
    with capture() as stored:
        resample(at, keep=True)
        recipe = download(at, "recipe_resample", stored)
    resample(at, strategy="RandomUnderSampler")
    history(at)
    listed = table(at, "when")
    assert list(listed["tactic"]) == ["RandomUnderSampler", "SMOTE"]
    assert set(listed["user"]) == {"anonymous"} and list(listed["file"].astype(bool)) == [False, True]
    smote = listed["run"].iloc[1]
    with capture() as stored:
        open_run(at, smote)
        assert download(at, f"hist_recipe_{smote}", stored) == recipe
    assert "SMOTE on customer" in texts(at.subheader)
    counts = table(at, "class")
    assert counts.to_dict("list") == {"class": ["no", "yes"], "before": [2874, 126], "after": [2874, 2874]}
    assert [c.value for c in at.code] == [f"history?run={smote}"]
    labels = [b.label for b in at.get("download_button")]
    assert labels[:2] == ["Download recipe", "Download report"]
    assert labels[2] == "Download resampled file"
    assert at.query_params["run"] == smote  # the address is the run's link
    assert not at.get("iframe") and not at.get("html")  # the report is a download, never embedded


def test_a_link_opens_the_run_and_an_unknown_one_is_no_such_run(database):
    """Check ?run=ID opens that run in a new session, and an unknown id says "no such run"."""
    resample(new_app())
    [run] = saved_runs(database)
    at = history(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120), run.id)
    assert at.multiselect(key="w_hist_open").value == [run.id]
    assert "SMOTE on customer" in texts(at.subheader)
    at = history(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120), "nothing-here")
    assert "No such run: nothing-here" in texts(at.error)
    assert at.multiselect(key="w_hist_open").value == []


def test_two_runs_side_by_side_with_the_difference(database):
    """Check two evaluations side by side: each metric in two columns and B - A."""
    at = new_app()
    at.switch_page("pages/evaluate.py").run()
    at.number_input(key="w_folds").set_value(2)
    at.checkbox(key="w_use_sampler").uncheck()
    at.button(key="evaluate").click().run()
    at.selectbox(key="w_model").select("decision_tree").run()
    at.number_input(key="w_cost_fn").set_value(10.0).run()
    at.button(key="evaluate").click().run()
    assert not at.exception
    second, first = saved_runs(database)  # newest first
    history(at)
    open_run(at, first.id, second.id)
    assert "Side by side" in texts(at.subheader)
    # the settings that differ are shown (two runs that differed only in their costs looked alike)
    differ = table(at, "setting").set_index("setting")
    assert set(differ.index) == {"model", "costs", "threshold"}, differ
    assert '"fn": 10.0' in differ.loc["costs"].iloc[1] and differ.loc["costs"].iloc[0] == "-"
    sides = table(at, "")
    row = sides[sides[""] == "F2"].iloc[0]
    a, b = first.metrics["scores"]["f2"], second.metrics["scores"]["f2"]
    assert row.iloc[1] == pytest.approx(a) and row.iloc[2] == pytest.approx(b)
    assert row["B − A"] == pytest.approx(b - a)
    # the second run's costs, what they gave and the calibration are kept and shown (only the ten
    # metrics were: the expected cost, the threshold and doing nothing were lost)
    evaluated = next(v for k, v in at.session_state["results"].items() if k[0] == "evaluate" and v.costs)
    cost = sides[sides[""] == "Expected cost"].iloc[0]
    assert pd.isna(cost.iloc[1]) and cost.iloc[2] == pytest.approx(evaluated.expected_cost)
    threshold = sides[sides[""] == "decision threshold"].iloc[0]
    assert threshold.iloc[2] == pytest.approx(evaluated.threshold)
    brier = sides[sides[""] == "Brier score"].iloc[0]
    assert brier.iloc[2] == pytest.approx(evaluated.calibration.scores["corrected"]["brier"])
    assert f"Error costs fn 10, fp 1; decision threshold {evaluated.threshold:.3f}" in texts(at.caption)
    listed = table(at, "when")
    assert listed.loc[listed["run"] == second.id, "result"].iloc[0].startswith(
        f"expected cost {evaluated.expected_cost:.3f}, F2")
    assert {f"hist_recipe_{first.id}", f"hist_recipe_{second.id}"} <= {
        b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")} | {
        getattr(b, "key", "") for b in at.get("download_button")}


def test_filters(database):
    """Check the Kind and Tactic filters narrow the list."""
    at = new_app()
    resample(at)
    resample(at, strategy="RandomUnderSampler")
    at.switch_page("pages/evaluate.py").run()
    at.number_input(key="w_folds").set_value(2)
    at.button(key="evaluate").click().run()
    history(at)
    assert len(table(at, "when")) == 3
    at.selectbox(key="w_hist_kind").select("resample").run()
    assert list(table(at, "when")["kind"]) == ["resample", "resample"]
    at.selectbox(key="w_hist_tactic").select("SMOTE").run()
    assert list(table(at, "when")["tactic"]) == ["SMOTE"]


def test_delete_asks_first_then_deletes(database):
    """Check Delete run asks to confirm, Cancel keeps the run, Yes deletes it and closes it."""
    at = new_app()
    resample(at)
    [run] = saved_runs(database)
    history(at, run.id)
    at.button(key=f"hist_delete_{run.id}").click().run()
    assert "for good?" in texts(at.warning)
    at.button(key=f"hist_delete_no_{run.id}").click().run()
    assert len(saved_runs(database)) == 1
    at.button(key=f"hist_delete_{run.id}").click().run()
    at.button(key=f"hist_delete_yes_{run.id}").click().run()
    assert not at.exception
    assert saved_runs(database) == []
    assert f"Run {run.id} was deleted" in texts(at.info)
    assert at.multiselect(key="w_hist_open").value == [] and "run" not in at.query_params


# ---- who


def test_open_access_says_so(database):
    """Check that without sign-in everyone is anonymous and the sidebar says what that means."""
    at = new_app()
    assert "Open access: anyone who can reach this server sees the saved runs and can delete them" in texts(
        at.sidebar.caption)


def test_two_users_through_the_trusted_header(database, as_user, monkeypatch):
    """Check runs carry their user; a private run is seen by its owner and admins only (a link to
    it is "no such run" for others); only its owner or an admin can share or delete it."""
    monkeypatch.setenv("BALANCER_ADMINS", "root")
    as_user("ann")
    ann = new_app()
    assert "Signed in as **ann**" in " ".join(c.proto.body for c in ann.sidebar.caption)
    assert ann.checkbox(key="w_share").value is True  # new runs are shared unless ann says otherwise
    resample(ann)
    resample(ann, strategy="RandomUnderSampler")
    shared, private = saved_runs(database)
    assert (private.user, private.shared, shared.user, shared.shared) == ("ann", True, "ann", True)
    history(ann, private.id)
    ann.toggle(key=f"w_hist_share_{private.id}").set_value(False).run()  # the owner unshares it
    assert not ann.exception
    assert {r.id: r.shared for r in saved_runs(database)} == {private.id: False, shared.id: True}

    as_user("bob")
    bob = history(new_app())
    assert list(table(bob, "when")["run"]) == [shared.id]
    open_run(bob, shared.id)
    assert "ann" in texts(bob.caption)
    assert not bob.get("toggle") and not [b for b in bob.button if b.label == "Delete run"]
    bob = history(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120), private.id)
    assert f"No such run: {private.id}" in texts(bob.error).replace("\u2060", "")
    resample(new_app())
    assert {r.user for r in saved_runs(database)} == {"ann", "bob"}

    as_user("root")
    admin = new_app()
    assert "(admin)" in " ".join(c.proto.body for c in admin.sidebar.caption)
    history(admin)
    assert len(table(admin, "when")) == 3
    open_run(admin, private.id)
    assert [b for b in admin.button if b.label == "Delete run"] and admin.get("toggle")

    as_user("ann")
    ann = history(new_app(), private.id)
    ann.toggle(key=f"w_hist_share_{private.id}").set_value(True).run()
    assert not ann.exception
    as_user("bob")
    bob = history(new_app())
    assert private.id in set(table(bob, "when")["run"])


def test_no_header_is_refused_with_nothing_else_drawn(database, as_user):
    """Check a request without the trusted header gets the refusal only: no pages, no sidebar."""
    as_user(None)
    at = new_app()
    assert "Access refused" in texts(at.error) and "X-Forwarded-User" in texts(at.error)
    assert [t.value for t in at.title] == ["Balancer"]
    assert [e.type for e in at.sidebar] == ["sidebar"]  # the sidebar itself, empty
    assert not at.button and not at.selectbox and not at.get("file_uploader")
    as_user("   ")
    assert "Access refused" in texts(new_app().error)
    as_user("ann\nroot")
    assert "Access refused" in texts(new_app().error)


def test_oidc_sign_in(database, monkeypatch):
    """Check [auth] in secrets asks to sign in first, and a signed-in user's e-mail owns the runs."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "id", "client_secret": "secret",
                          "server_metadata_url": "https://id.example/.well-known/openid-configuration"}
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert "Sign in to use Balancer" in texts(at.info)
    assert [t.value for t in at.title] == ["Balancer"] and not at.selectbox
    at.user = {"is_logged_in": True, "email": "ann@example.com", "email_verified": True, "name": "Ann",
               "sub": "248289761001", "iss": "https://id.example"}
    at.run()
    resample(at)
    [run] = saved_runs(database)
    assert run.user == "ann@example.com"


@pytest.mark.parametrize(("claims", "user"), [
    ({"email": "ann@example.com", "email_verified": True, "sub": "1", "iss": "https://id.example"}, "ann@example.com"),
    ({"email": "ann@example.com", "email_verified": "true", "sub": "1"}, "ann@example.com"),  # Cognito's text
    # an address the provider did not verify, or a display name, is whatever the user typed: an
    # admin's address there made the user that admin
    ({"email": "admin@example.com", "email_verified": False, "sub": "77", "iss": "https://id.example/tenant/v2.0/"},
     "id.example/tenant/v2.0:77"),  # a multi-tenant provider's tenants are apart
    ({"email": "admin@example.com", "name": "admin@example.com", "sub": "77", "iss": "https://other.example"},
     "other.example:77"),
    ({"name": "admin@example.com"}, None),
    ({"email": "ann@example.com", "email_verified": True}, "ann@example.com"),
    ({"sub": "x\ny", "iss": "https://id.example"}, None),
])
def test_the_oidc_user_is_a_verified_address_or_the_providers_subject(claims, user):
    """Check who an ID token names: a verified e-mail address, else the issuer's subject id with
    the issuer's host (the same id at two providers is two users); never the display name."""
    from ui.auth import oidc_name

    assert oidc_name(claims) == user


# ---- the database down, saving off


def test_database_down_shows_the_result_and_a_not_saved_notice(database, monkeypatch):
    """Check a result is shown when the database cannot be reached, with why it was not saved."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    monkeypatch.setenv("BALANCER_DATABASE_URL", f"postgresql://balancer:pw@127.0.0.1:{port}/balancer")
    at = resample(new_app())
    assert "SMOTE" in texts(at.subheader) and at.get("download_button")
    notice = texts(at.warning).replace("\u2060", "")
    assert "Not saved: cannot reach the run database at postgresql://127.0.0.1" in notice
    assert "pw" not in notice
    history(at)
    assert "The saved runs cannot be shown" in texts(at.error)


def test_saving_off(database, monkeypatch):
    """Check BALANCER_SAVE_RUNS=0: no Keep checkbox, nothing saved or even opened, History says so."""
    monkeypatch.setenv("BALANCER_SAVE_RUNS", "0")
    at = new_app()
    assert "Saving runs is off" in texts(at.sidebar.caption)
    resample(at)
    assert not [c for c in at.checkbox if c.label == "Keep the resampled file"]
    assert "Saved as run" not in texts(at.caption) and not at.warning
    history(at)
    assert "Saving runs is off on this server" in texts(at.info)
    assert not database.exists()
