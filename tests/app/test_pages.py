"""The dashboard driven page by page with Streamlit's AppTest."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import PAGES, ROOT, texts, upload
from tests.app.downloads import capture, download
from tests.conftest import DATA, mixed_table


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_without_exception(page, monkeypatch):
    """Check that each page renders on a fresh session with no exception."""
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(page).run()
    assert not at.exception
    assert at.title[0].value == page.split("/")[1].removesuffix(".py").title()


def test_data_page_starts_on_a_sample(app):
    """Check the sample is loaded at once, its target preselected, classes charted, warnings shown."""
    assert app.selectbox(key="w_sample").value == "customer_churn"
    assert app.selectbox(key="w_target").value == "churn"
    assert app.selectbox(key="w_target").label == "Target column"
    assert len(app.get("plotly_chart")) >= 1
    assert "identifier" in texts(app.warning)
    assert any(m.label == "Imbalance ratio" and "22.8" in m.value for m in app.metric)


def test_pick_another_sample_changes_target(app):
    """Check that choosing another sample loads it with its own target."""
    app.selectbox(key="w_sample").select("digits_longtail").run()
    assert not app.exception
    assert app.selectbox(key="w_target").value == "digit"


def test_upload_then_bad_upload_keeps_previous_dataset(app):
    """Check an uploaded CSV is profiled, and a broken one shows st.error and keeps the first."""
    upload(app, "flare-F.csv", (DATA / "flare-F.csv").read_bytes())
    assert not app.exception and not app.error
    assert app.selectbox(key="w_target").value == "Class"
    app.selectbox(key="w_target").select("X-class").run()
    upload(app, "broken.csv", b"a,b\n1,2\n3,4,5\n")
    assert not app.exception
    assert "fields but the header has 2" in texts(app.error)
    assert app.selectbox(key="w_target").value == "X-class"
    assert app.session_state["dataset"].name == "flare-F.csv"


@pytest.mark.parametrize("strategy", ["SMOTE", "RandomUnderSampler", "TomekLinks", "ADASYN"])
def test_balance_with_several_strategies(app, strategy):
    """Check resampling from the Balance page: counts, notices, projection and download."""
    app.switch_page("pages/balance.py").run()
    app.selectbox(key="w_strategy").select(strategy).run()
    app.button(key="resample").click().run()
    assert not app.exception and not app.error
    result = next(v for k, v in app.session_state["results"].items() if k[0] == "resample")
    assert result.requested == strategy
    if strategy in ("SMOTE", "ADASYN"):
        assert result.synthetic_rows > 0
    labels = [b.label for b in app.get("download_button")]
    assert "Download resampled CSV" in labels
    assert len(app.get("plotly_chart")) >= 2  # before/after and the projection


def test_parameter_form_and_sampling_strategy(app):
    """Check the registry-driven form: k_neighbors and a ratio reach the library."""
    app.switch_page("pages/balance.py").run()
    app.number_input(key="w_param_SMOTE_k_neighbors").set_value(3).run()
    app.selectbox(key="w_ss_mode_SMOTE").select("ratio").run()
    app.slider(key="w_ss_ratio_SMOTE").set_value(0.5).run()
    app.button(key="resample").click().run()
    assert not app.exception and not app.error
    result = next(v for k, v in app.session_state["results"].items() if k[0] == "resample")
    assert result.params["k_neighbors"] == 3
    assert result.after == {"no": 2874, "yes": 1437}


def test_bad_parameter_shows_error_and_keeps_choices(app):
    """Check that a strategy that cannot run shows st.error, and the choices survive."""
    upload(app, "tiny.csv", mixed_table(n=60, minority=3).to_csv(index=False).encode())
    app.selectbox(key="w_target").select("label").run()
    app.switch_page("pages/balance.py").run()
    app.number_input(key="w_param_SMOTE_k_neighbors").set_value(5).run()
    app.number_input(key="w_param_SMOTE_k_neighbors").set_value(6).run()
    app.button(key="resample").click().run()
    assert not app.exception
    assert "needs at least 7" in texts(app.error)
    assert app.number_input(key="w_param_SMOTE_k_neighbors").value == 6


def test_evaluate_shows_metrics_against_baseline(app):
    """Check evaluation: ten metrics with tooltips, the accuracy note, curves and matrices."""
    app.switch_page("pages/evaluate.py").run()
    app.selectbox(key="w_model").select("decision_tree").run()
    app.button(key="evaluate").click().run()
    assert not app.exception and not app.error
    labels = {m.label for m in app.metric}
    assert {"Balanced accuracy", "F2", "PR AUC", "G-mean", "MCC", "Accuracy"} <= labels
    assert all(m.help for m in app.metric if m.label == "F2")
    assert "Accuracy misleads" in texts(app.caption)
    evaluation = next(v for k, v in app.session_state["results"].items() if k[0] == "evaluate")
    assert evaluation.model == "decision_tree" and evaluation.baseline is not None
    assert len(app.get("plotly_chart")) >= 5
    app.button(key="learning_curve").click().run()
    assert not app.exception
    assert "rows" in texts(app.info) + texts(app.success)


def test_state_survives_page_switches(app):
    """Check that strategy, parameters and results are still there after visiting other pages."""
    app.switch_page("pages/balance.py").run()
    app.selectbox(key="w_strategy").select("NearMiss").run()
    app.button(key="resample").click().run()
    app.switch_page("pages/data.py").run()
    app.switch_page("pages/evaluate.py").run()
    assert "NearMiss" in texts(app.caption)
    app.switch_page("pages/balance.py").run()
    assert app.selectbox(key="w_strategy").value == "NearMiss"
    assert "NearMiss" in texts(app.subheader)
    app.switch_page("pages/data.py").run()
    assert app.selectbox(key="w_target").value == "churn"


def test_unusable_target_is_explained(app):
    """Check that a target that cannot be balanced gives a plain st.error on Balance."""
    upload(app, "one.csv", b"x,y\n1,a\n2,a\n3,a\n4,a\n")
    app.selectbox(key="w_target").select("y").run()
    app.switch_page("pages/balance.py").run()
    assert not app.exception
    assert "single class" in texts(app.error)


@pytest.mark.slow
def test_compare_ranks_and_applies_the_winner(app):
    """Check the Compare page: progress, ranking table, chart, and the click-through to Balance."""
    app.switch_page("pages/compare.py").run()
    app.multiselect(key="w_cmp_methods").set_value(
        ["SMOTE", "RandomUnderSampler", "class_weight", "threshold", "BalancedRandomForestClassifier"]).run()
    app.button(key="compare").click().run()
    assert not app.exception and not app.error
    ranking = app.dataframe[0].value
    # every tactic, no balancing, and the balanced forest's own baseline: a plain random forest
    assert len(ranking) == 7 and list(ranking["rank"]) == list(range(1, 8))
    assert set(ranking["method"]) == {"none", "SMOTE", "RandomUnderSampler", "class_weight", "threshold",
                                      "BalancedRandomForestClassifier"}
    forest = ranking[ranking["method"] == "BalancedRandomForestClassifier"].iloc[0]
    assert "random" in str(forest["baseline"]).lower()
    assert ranking["f2"].is_monotonic_decreasing
    assert "Best by F2" in texts(app.subheader)
    # the button offers the best-ranked tactic that changes the data, and applies it
    best_sampler = next(m for m in ranking["method"] if m in {"SMOTE", "RandomUnderSampler"})
    apply = app.button(key="apply_winner")
    assert apply.label == f"Apply {best_sampler} on the Balance page"
    apply.click().run()
    assert not app.exception
    assert app.title[0].value == "Balance"
    assert app.selectbox(key="w_strategy").value == best_sampler


def test_dashboard_recipe_replays_byte_identical_through_cli(app, tmp_path):
    """Check a recipe made in the dashboard replays through 'balancer run' to the same CSV bytes,
    and its exported script gives the same class counts."""
    import re
    import subprocess
    import sys

    from balancer.cli import main
    from balancer.codegen import python_script
    from balancer.recipe import Recipe

    content = mixed_table(n=300, minority=40, seed=5).to_csv(index=False).encode()
    source = tmp_path / "upload.csv"
    source.write_bytes(content)
    upload(app, "upload.csv", content)
    app.selectbox(key="w_target").select("label").run()
    app.switch_page("pages/balance.py").run()
    app.number_input(key="w_seed").set_value(3).run()
    with capture() as stored:
        app.button(key="resample").click().run()
    assert not app.exception and not app.error
    labels = {b.label for b in app.get("download_button")}
    assert {"Download recipe", "Download report", "Download Python script"} <= labels
    recipe_path = tmp_path / "recipe.json"
    recipe_path.write_bytes(download(app, "recipe_resample", stored))
    out = tmp_path / "replayed.csv"
    assert main(["run", str(recipe_path), str(source), "--out", str(out)]) == 0
    assert out.read_bytes() == download(app, "download", stored)

    made = Recipe.load(recipe_path)
    assert made.seed == 3 and made.input_name == "upload.csv"
    script = tmp_path / "reproduce.py"
    script.write_text(python_script(made, app.session_state["dataset"].frame))
    done = subprocess.run([sys.executable, str(script), str(source)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    counts = {k: int(v) for k, v in re.findall(r"^(c\d)\s+(\d+)$", done.stderr, flags=re.M)}
    result = next(v for k, v in app.session_state["results"].items() if k[0] == "resample")
    assert counts == result.after


def test_recipe_buttons_on_evaluate_and_compare(app):
    """Check Download recipe and Download report appear on Evaluate and Compare, and Evaluate's
    recipe keeps its repeats (the exported script runs as many)."""
    app.switch_page("pages/evaluate.py").run()
    app.number_input(key="w_repeats").set_value(2).run()
    with capture() as stored:
        app.button(key="evaluate").click().run()
    assert {"Download recipe", "Download report"} <= {b.label for b in app.get("download_button")}
    made = json.loads(download(app, "recipe_evaluate", stored).decode())
    assert made["kind"] == "evaluate" and made["repeats"] == 2
    app.switch_page("pages/compare.py").run()
    app.multiselect(key="w_cmp_methods").set_value(["SMOTE"]).run()
    with capture() as stored:
        app.button(key="compare").click().run()
    assert {"Download recipe", "Download report"} <= {b.label for b in app.get("download_button")}
    assert '"kind": "compare"' in download(app, "recipe_compare", stored).decode()


def test_a_session_keeps_results_within_the_memory_of_one_table(monkeypatch):
    """Check the results a session keeps are bounded in bytes as well as in number: twelve
    resampled tables of 2 GB each were kept for one session. Past BALANCER_MAX_MEMORY_MB the oldest
    go; the newest is kept even alone over it; results without a table cost nothing."""
    from streamlit.testing.v1 import AppTest

    def script():  # type: ignore[no-untyped-def]
        import types

        import numpy as np
        import pandas as pd
        import streamlit as st

        from ui import state

        table = pd.DataFrame({"x": np.zeros(131_072)})  # 1 MB
        for i in range(3):
            state.store(("resample", i), types.SimpleNamespace(data=table.copy()))
        state.store(("evaluate", 0), types.SimpleNamespace(metrics={}))
        st.session_state["kept_small"] = list(st.session_state["results"])
        state.store(("resample", 9), types.SimpleNamespace(data=pd.DataFrame({"x": np.zeros(600_000)})))

    monkeypatch.setenv("BALANCER_MAX_MEMORY_MB", "2.5")
    app = AppTest.from_function(script).run()
    assert not app.exception
    small, after = app.session_state["kept_small"], list(app.session_state["results"])
    assert small == [("resample", 1), ("resample", 2), ("evaluate", 0)]  # 3 MB > 2.5 MB: the oldest went
    assert after == [("resample", 9)]  # 4.8 MB alone: kept, every other dropped
