"""Evaluate and Compare with error costs and calibration (AppTest): the numbers on the page are
the library's for the same choices."""

from __future__ import annotations

from balancer import evaluate
from tests.app.conftest import upload
from tests.conftest import mixed_table


def _evaluate_with_costs(app):
    app.switch_page("pages/balance.py").run()
    app.selectbox(key="w_strategy").select("RandomUnderSampler").run()
    app.switch_page("pages/evaluate.py").run()
    app.number_input(key="w_cost_fn").set_value(50).run()
    app.number_input(key="w_cost_fp").set_value(5).run()
    app.button(key="evaluate").click().run()
    assert not app.exception and not app.error


def test_costs_give_the_expected_cost_threshold_and_a_model_to_download(app):
    _evaluate_with_costs(app)
    dataset = app.session_state["dataset"]
    target = "churn"  # the sample the app opens with
    expected = evaluate(dataset.frame, target, "RandomUnderSampler", costs={"fn": 50, "fp": 5})
    shown = {m.label: m.value for m in app.metric}
    assert shown["Expected cost per 1,000 rows"] == f"{expected.expected_cost:,.1f}"
    assert shown["Doing nothing"] == f"{expected.expected_cost_baseline:,.1f}"
    assert shown["Decision threshold"] == f"{expected.threshold:.3f}"
    subheaders = [s.value for s in app.subheader]
    assert "What the errors cost" in subheaders and "Are the probabilities true?" in subheaders
    assert "Download model" in [b.label for b in app.get("download_button")]
    table = next(d.value for d in app.dataframe if "Brier score" in d.value.columns)
    assert list(table.iloc[:, 0]) == ["no balancing", "RandomUnderSampler, uncorrected",
                                      "RandomUnderSampler, corrected (prior)"]
    assert list(table.columns) == ["", "Brier score", "Log loss", "ECE"]
    assert table.loc[2, "Brier score"] == round(expected.calibration.scores["corrected"]["brier"], 4)


def test_no_correction_is_not_called_corrected(app):
    """Check that with calibration none the tactic's probabilities are shown once, named as in the
    diagram: a "tactic, corrected" row equal to "uncorrected" was shown, and "SMOTE, corrected" in
    the diagram's legend."""
    from balancer import plots

    app.switch_page("pages/balance.py").run()
    app.selectbox(key="w_strategy").select("RandomUnderSampler").run()
    app.switch_page("pages/evaluate.py").run()
    app.selectbox(key="w_calibration").select("none").run()
    app.button(key="evaluate").click().run()
    assert not app.exception and not app.error
    table = next(d.value for d in app.dataframe if "Brier score" in d.value.columns)
    assert list(table.iloc[:, 0]) == ["no balancing", "RandomUnderSampler"]
    result = next(v for k, v in app.session_state["results"].items() if k[0] == "evaluate")
    legend = [t.name for t in plots.reliability(result).data]
    assert legend == ["perfectly calibrated", "no balancing", "RandomUnderSampler"]


def test_without_costs_there_is_no_cost_section_but_calibration_is_shown(app):
    app.switch_page("pages/balance.py").run()
    app.selectbox(key="w_strategy").select("RandomUnderSampler").run()
    app.switch_page("pages/evaluate.py").run()
    app.button(key="evaluate").click().run()
    assert not app.exception and not app.error
    subheaders = [s.value for s in app.subheader]
    assert "What the errors cost" not in subheaders and "Are the probabilities true?" in subheaders
    assert any("calibration" in str(i.value) and "prior" in str(i.value) for i in app.info)


def test_compare_ranks_by_expected_cost_lowest_first(app):
    app.switch_page("pages/compare.py").run()
    app.multiselect(key="w_cmp_methods").set_value(["RandomUnderSampler", "class_weight"]).run()
    assert "expected_cost" not in app.selectbox(key="w_cmp_metric").options
    app.number_input(key="w_cmp_cost_fn").set_value(20).run()
    app.number_input(key="w_cmp_cost_fp").set_value(1).run()
    app.selectbox(key="w_cmp_metric").select("expected_cost").run()
    app.button(key="compare").click().run()
    assert not app.exception and not app.error
    result = next(v for k, v in app.session_state["results"].items() if k[0] == "compare")
    assert result.metric == "expected_cost"
    costs = [e.metrics["expected_cost"] for e in result.results]
    assert costs == sorted(costs)
    assert "Expected cost" in app.subheader[0].value


def test_multiclass_costs_are_a_matrix(app):
    upload(app, "three.csv", mixed_table(n=300, classes=3, seed=4).to_csv(index=False).encode())
    app.selectbox(key="w_target").select("label").run()
    app.switch_page("pages/evaluate.py").run()
    app.toggle(key="w_use_costs").set_value(True).run()
    app.button(key="evaluate").click().run()
    assert not app.exception and not app.error
    assert any(m.label == "Expected cost per 1,000 rows" for m in app.metric)


def test_class_labels_in_the_cost_tooltips_are_text_not_links(app):
    """Check a class label written as a Markdown link ('[Session expired - sign in again](https://
    evil.example/login)') shows in the cost inputs' tooltips as text: Streamlit renders a help
    text as Markdown, and the label went in raw, a clickable link from an uploaded table."""
    frame = mixed_table()
    frame["label"] = frame["label"].map({"c0": "ok", "c1": "[Session expired - sign in again](https://evil.example/login)"})
    upload(app, "phish.csv", frame.to_csv(index=False).encode())
    app.selectbox(key="w_target").select("label").run()
    app.switch_page("pages/evaluate.py").run()
    assert not app.exception and not app.error
    helps = [app.number_input(key=key).help for key in ("w_cost_fn", "w_cost_fp")]
    for text in helps:
        assert "Session expired" in text and "](" not in text and "https://" not in text


def test_costs_and_repeats_survive_a_page_switch(app):
    """Check the error costs (Evaluate and Compare) and Compare's Repeats are still set after the
    user visits another page: they came back as 'not set' and 'auto' while the calibration stayed,
    and the next evaluation ran without costs."""
    app.switch_page("pages/evaluate.py").run()
    app.number_input(key="w_cost_fn").set_value(7).run()
    app.number_input(key="w_cost_fp").set_value(2).run()
    app.switch_page("pages/data.py").run()
    app.switch_page("pages/evaluate.py").run()
    assert (app.number_input(key="w_cost_fn").value, app.number_input(key="w_cost_fp").value) == (7, 2)
    app.switch_page("pages/compare.py").run()  # straight from Evaluate: the same costs
    assert (app.number_input(key="w_cmp_cost_fn").value, app.number_input(key="w_cmp_cost_fp").value) == (7, 2)
    app.number_input(key="w_cmp_cost_fn").set_value(8).run()
    app.switch_page("pages/evaluate.py").run()
    assert (app.number_input(key="w_cost_fn").value, app.number_input(key="w_cost_fp").value) == (8, 2)
    app.switch_page("pages/compare.py").run()
    app.selectbox(key="w_cmp_repeats").select("5").run()
    app.switch_page("pages/balance.py").run()
    app.switch_page("pages/compare.py").run()
    assert app.selectbox(key="w_cmp_repeats").value == "5"


def test_a_blank_cost_says_it_counts_as_one(app):
    app.switch_page("pages/evaluate.py").run()
    app.number_input(key="w_cost_fp").set_value(5).run()
    assert any("cost of a missed positive is not set: it counts as 1" in c.value for c in app.caption)


def test_the_cost_matrix_survives_a_page_switch_and_blank_cells_count_as_one(app):
    """Check the edited matrix is kept for the same classes (it came back as all ones), that a
    blank cell counts as 1 and says so, and a cost on a correct prediction is refused with the
    library's reason (it was dropped silently)."""
    upload(app, "three.csv", mixed_table(n=300, classes=3, seed=4).to_csv(index=False).encode())
    app.selectbox(key="w_target").select("label").run()
    app.switch_page("pages/evaluate.py").run()
    app.toggle(key="w_use_costs").set_value(True).run()
    kept = [k for k in app.session_state["choices"] if str(k).startswith("cost_matrix ")]
    assert len(kept) == 1 and app.session_state["choices"][kept[0]] == [[0, 1, 1], [1, 0, 1], [1, 1, 0]]
    nan = float("nan")
    app.session_state["choices"][kept[0]] = [[0, 9, nan], [1, 0, 1], [1, 1, 0]]  # as if edited
    app.switch_page("pages/data.py").run()
    app.switch_page("pages/evaluate.py").run()
    assert app.toggle(key="w_use_costs").value
    assert any("1 error cost left blank counts as 1" in c.value for c in app.caption)
    app.button(key="evaluate").click().run()
    assert not app.exception and not app.error
    result = next(v for k, v in app.session_state["results"].items() if k[0] == "evaluate")
    classes = list(result.costs.labels)
    assert result.costs.matrix[classes.index("c0"), classes.index("c1")] == 9
    assert result.costs.matrix[classes.index("c0"), classes.index("c2")] == 1
    app.session_state["choices"][kept[0]] = [[3, 9, 1], [1, 0, 1], [1, 1, 0]]
    app.switch_page("pages/data.py").run()
    app.switch_page("pages/evaluate.py").run()
    app.button(key="evaluate").click().run()
    assert not app.exception and any("costs are for errors" in e.value and "a correct prediction" in e.value
                                    for e in app.error)


def test_costs_are_not_carried_to_another_table(app):
    """Check the error costs set for one table are gone once another is loaded: they name its
    classes (which one is the positive), and the next table's runs used them silently."""
    app.switch_page("pages/evaluate.py").run()
    app.number_input(key="w_cost_fn").set_value(7).run()
    app.switch_page("pages/data.py").run()
    upload(app, "other.csv", mixed_table(n=200, seed=9).to_csv(index=False).encode())
    app.selectbox(key="w_target").select("label").run()
    app.switch_page("pages/evaluate.py").run()
    assert app.number_input(key="w_cost_fn").value is None
