"""From scores to a decision: costs, the threshold they imply, calibration, and where they show."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from balancer import compare, evaluate, plots, profile
from balancer.compare import _gain
from balancer.decision import (
    ClassCounter,
    Rule,
    bayes_threshold,
    cost_curve,
    expected_cost,
    nothing_cost,
    parse_costs,
    prior_weights,
    search_threshold,
)
from balancer.errors import DataError, ParameterError
from balancer.evaluate import build_pipeline
from balancer.metrics import calibration, reliability
from balancer.recipe import Recipe
from balancer.report import build
from balancer.resample import encode_labels, plan
from tests.conftest import csv_of, mixed_table, run_cli

SHARED = Path(__file__).resolve().parents[1] / "data"  # copies of ../shared/data tables
BINARY = ("no", "yes")  # largest first: "yes" (code 1) is the positive class


# --------------------------------------------------------------------------------------------
# costs


def test_costs_read_as_a_matrix_with_unspecified_cells_one():
    """Check fn/fp and "true,pred" costs fill the matrix; a cell left out costs 1, the diagonal 0."""
    costs = parse_costs({"fn": 500, "fp": 5}, BINARY, 1)
    assert costs.matrix.tolist() == [[0, 5], [500, 0]] and (costs.fn, costs.fp) == (500, 5)
    assert parse_costs('{"fn": 50}', BINARY, 1).fp == 1  # JSON text; fp left out costs 1
    three = parse_costs({"b,a": 20, "c, a": 7}, ("a", "b", "c"), None)
    assert three.matrix.tolist() == [[0, 1, 1], [20, 0, 1], [7, 1, 0]]
    assert three.to_dict()["b,a"] == 20 and three.to_dict()["a,b"] == 1
    assert parse_costs({"yes,no": 3, "no,yes": 1}, BINARY, 1).to_dict() == {"fn": 3, "fp": 1}
    assert parse_costs(None, BINARY, 1) is None


@pytest.mark.parametrize(("value", "labels", "match"), [
    ({"fn": -1}, BINARY, "a number from 0 to 1e.12"),
    ({"fn": float("inf")}, BINARY, "a number from 0 to 1e.12"),
    ({"fp": float("nan")}, BINARY, "a number from 0 to 1e.12"),
    ({"fn": 1e308, "fp": 1e308}, BINARY, "a number from 0 to 1e.12"),
    ({"fn": True}, BINARY, "must be a number"),
    ({"fn": "10"}, BINARY, "must be a number"),
    ({"maybe,no": 3}, BINARY, "does not name two classes"),
    ({"fnn": 3}, BINARY, "'fn' and 'fp' for two classes"),
    ({"fn": 3}, ("a", "b", "c"), "'fn' is for two classes; this target has 3"),
    ({"a,a": 3}, ("a", "b", "c"), "a correct prediction .* costs 0"),
    ({"fn": 0, "fp": 0}, BINARY, "every cost is 0"),
    ({}, BINARY, "must be an object"),
    ("{fn: 3}", BINARY, "must be JSON"),
    ([1, 2], BINARY, "must be an object"),
])
def test_bad_costs_are_refused(value, labels, match):
    """Check every kind of bad cost gives a ParameterError saying what is wrong."""
    with pytest.raises(ParameterError, match=match):
        parse_costs(value, labels, 1 if len(labels) == 2 else None)


def test_expected_cost_against_a_hand_computation():
    """Check the cost per 1,000 rows, doing nothing, the Bayes threshold and the curve on 5 rows."""
    costs = parse_costs({"fn": 10, "fp": 2}, BINARY, 1)
    y = np.array([0, 0, 0, 1, 1])
    predicted = np.array([0, 1, 0, 0, 1])  # one false alarm (2), one missed positive (10)
    assert expected_cost(y, predicted, costs) == pytest.approx(12 / 5 * 1000)
    assert nothing_cost(y, costs) == pytest.approx(2 * 10 / 5 * 1000)  # both positives missed
    assert expected_cost(y, y, costs) == 0  # a perfect model
    assert bayes_threshold(costs) == pytest.approx(2 / 12)
    scores = np.array([0.1, 0.3, 0.2, 0.25, 0.9])
    curve = dict(cost_curve(y == 1, scores, costs))
    assert len(curve) == 101
    # above 0.15: rows 0.2, 0.25, 0.3, 0.9 are positive -> 2 false alarms, no miss
    assert curve[0.15] == pytest.approx(4 / 5 * 1000)
    # above 0.26: 0.3 and 0.9 -> 1 false alarm, 1 miss (0.25)
    assert curve[0.26] == pytest.approx(12 / 5 * 1000)


def test_searched_threshold_is_the_cheapest_nearest_to_bayes():
    """Check the search picks the least costly cut on these scores; among equal ones, the one
    nearest to fp / (fp + fn)."""
    costs = parse_costs({"fn": 10, "fp": 1}, BINARY, 1)
    y = np.array([0, 0, 0, 0, 1, 1])
    scores = np.array([0.05, 0.1, 0.4, 0.6, 0.3, 0.8])
    # cutting between 0.1 and 0.3 misses nothing and raises 2 false alarms (cost 2): the cheapest
    assert search_threshold(y == 1, scores, costs) == pytest.approx(0.2)
    # every cut below the lowest positive costs the same here: the midpoint nearest 1/11 wins
    y2, scores2 = np.array([0, 1]), np.array([0.02, 0.5])
    assert search_threshold(y2 == 1, scores2, costs) == pytest.approx(0.26)
    assert 0 <= search_threshold(y2 == 1, np.array([0.5, 0.5]), costs) <= 1


# --------------------------------------------------------------------------------------------
# prior correction and the decision rule


def test_prior_correction_against_a_hand_computation():
    """Check p_c ∝ p'_c * pi_c / pi'_c: trained on 50/50, true rates 90/10."""
    weights = prior_weights(np.array([90, 10]), np.array([10, 10]), np.ones(2))
    assert weights == pytest.approx([1.8, 0.2])
    raw = np.array([[0.5, 0.5], [0.2, 0.8]])
    corrected = Rule(1, weights).probabilities(raw)
    assert corrected[0] == pytest.approx([0.9, 0.1])
    assert corrected[1] == pytest.approx([0.2 * 1.8, 0.8 * 0.2] / np.float64(0.2 * 1.8 + 0.8 * 0.2))
    # class weights 1:9 on the true counts are the same 50/50 the model sees
    assert prior_weights(np.array([90, 10]), np.array([90, 10]), np.array([1.0, 9.0])) == pytest.approx([1.8, 0.2])
    three = prior_weights(np.array([60, 30, 10]), np.array([20, 20, 20]), np.ones(3))
    assert three == pytest.approx([1.8, 0.9, 0.3])


def test_class_counter_sees_what_the_sampler_gives_the_model():
    """Check the counter after a sampler records the resampled counts and changes nothing."""
    x = np.arange(40, dtype=float).reshape(-1, 1)
    y = np.array([0] * 30 + [1] * 10)
    pipeline = Pipeline([("sample", RandomUnderSampler(random_state=0)), ("count", ClassCounter()),
                         ("model", LogisticRegression())]).fit(x, y)
    assert pipeline.named_steps["count"].counts_.tolist() == [10, 10]
    assert ClassCounter().fit(x, y).transform(x) is x


def test_rule_decides_by_threshold_or_least_expected_cost():
    """Check the strict threshold for two classes, the argmin of expected cost for more, and the
    rule's plain-values round trip."""
    two = Rule(positive=1, threshold=0.3)
    assert two.decide(np.array([[0.7, 0.3], [0.6, 0.4]])).tolist() == [0, 1]
    matrix = np.array([[0, 1, 1], [10, 0, 1], [10, 1, 0]], dtype=float)
    # predicting 0 costs 0.15*10 + 0.05*10 = 2.0, predicting 1: 0.8 + 0.05 = 0.85, predicting 2: 0.95
    assert Rule(costs=matrix).decide(np.array([[0.8, 0.15, 0.05]])).tolist() == [1]
    rule = Rule(1, np.array([1.8, 0.2]), 0.25, None)
    back = Rule.from_dict(json.loads(json.dumps(rule.to_dict())))
    assert back.threshold == 0.25 and back.weights.tolist() == [1.8, 0.2] and back.costs is None
    assert not Rule(1, np.ones(2)).decides


def test_calibration_scores_against_a_hand_computation():
    """Check the Brier score, log loss and ECE of four rows, and the reliability bins."""
    y = np.array([0, 0, 1, 1])
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.4, 0.6], [0.05, 0.95]])
    scores = calibration(y, proba, 1)
    assert scores["brier"] == pytest.approx((0.01 + 0.16 + 0.16 + 0.0025) / 4)
    assert scores["log_loss"] == pytest.approx(-np.mean(np.log([0.9, 0.6, 0.6, 0.95])))
    # bins [0.1, 0.2): 0.1 vs 0; [0.4, 0.5): 0.4 vs 0; [0.6, 0.7): 0.6 vs 1; [0.9, 1]: 0.95 vs 1
    assert scores["ece"] == pytest.approx((0.1 + 0.4 + 0.4 + 0.05) / 4)
    bins = reliability(y, proba, 1)
    assert [b["rows"] for b in bins] == [1, 1, 1, 1] and bins[2] == {"bin": 0.6, "predicted": 0.6,
                                                                   "observed": 1.0, "rows": 1}
    multi = calibration(np.array([0, 2]), np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]]), None)
    assert multi["brier"] == pytest.approx(((0.25 + 0.09 + 0.04) + (0.01 + 0.01 + 0.04)) / 2)


# --------------------------------------------------------------------------------------------
# in evaluate


def test_evaluate_with_costs_reports_the_cost_arithmetic(mixed):
    """Check the expected cost is the confusion matrix weighted by the costs, per 1,000 rows; doing
    nothing misses every positive; the Bayes threshold with a calibration; the JSON keys."""
    result = evaluate(mixed, "label", "SMOTE", folds=4, costs={"fn": 20, "fp": 1})
    cm = np.array(result.confusion_matrix)
    assert result.expected_cost == pytest.approx((cm[1, 0] * 20 + cm[0, 1] * 1) / cm.sum() * 1000)
    assert result.expected_cost_baseline == pytest.approx(30 * 20 / 240 * 1000)
    assert result.calibration.method == "prior" and result.thresholds == (pytest.approx(1 / 21),) * 4
    assert len(result.fold_costs) == 4 and result.baseline.expected_cost is not None
    out = result.to_dict()
    assert out["costs"] == {"fn": 20, "fp": 1} and out["expected_cost_perfect"] == 0
    assert out["threshold"] == pytest.approx(1 / 21, abs=1e-6) and len(out["cost_curve"]) == 101
    assert set(out["calibration"]) == {"baseline", "uncorrected", "corrected"}
    assert set(out["calibration"]["corrected"]) == {"brier", "log_loss", "ece"}
    assert {"expected_cost", "threshold"} <= set(out["baseline"])


def test_without_costs_the_new_keys_are_null_and_decisions_the_tactics_own(mixed):
    """Check no costs: null cost keys, no threshold, and prior changes only the probabilities (the
    same predictions and ROC AUC as calibration none)."""
    prior = evaluate(mixed, "label", "RandomUnderSampler", folds=4, baseline=False)
    plain = evaluate(mixed, "label", "RandomUnderSampler", folds=4, baseline=False, calibration="none")
    out = prior.to_dict()
    assert out["expected_cost"] is None and out["threshold"] is None and out["costs"] is None
    assert out["calibration_method"] == "prior" and out["calibration"]["baseline"] is None
    assert prior.confusion_matrix == plain.confusion_matrix
    assert prior.metrics["roc_auc"] == pytest.approx(plain.metrics["roc_auc"], abs=1e-9)
    assert not np.allclose(prior.scores, plain.scores)
    assert plain.calibration.scores["corrected"] == plain.calibration.scores["uncorrected"]


def test_searched_threshold_is_chosen_on_inner_out_of_fold_predictions(mixed):
    """Check calibration none with costs searches the threshold on a 3-fold cross_val_predict of the
    training rows (recomputed here for the first fold), not the Bayes one."""
    costs = {"fn": 20, "fp": 1}
    result = evaluate(mixed, "label", "none", folds=4, seed=3, costs=costs)
    assert result.calibration.method == "none"
    the_plan, work, _ = plan(mixed, "label", "none")
    labels, y = encode_labels(work["label"], the_plan.counts)
    train, _ = next(StratifiedKFold(4, shuffle=True, random_state=3).split(np.zeros(len(y)), y))
    pipeline = build_pipeline(the_plan.roles, "none", {}, "auto", 3, "logistic_regression", None)
    oof = cross_val_predict(pipeline, work.iloc[train], y[train], cv=StratifiedKFold(3, shuffle=True, random_state=3),
                            method="predict_proba")
    expected = search_threshold(y[train] == 1, oof[:, 1], parse_costs(costs, labels, 1))
    assert result.thresholds[0] == pytest.approx(expected)
    assert result.thresholds[0] != pytest.approx(1 / 21)


def test_calibration_defaults_and_notices(mixed):
    """Check the default calibration of each kind of tactic, its notice, and the refusals."""
    def chosen(method, **kw):
        result = evaluate(mixed, "label", method, folds=3, baseline=False, **kw)
        return result.calibration.method, next(n for n in result.notices if n.startswith("calibration:"))

    assert chosen("RandomOverSampler") == ("prior", "calibration: prior (the default when a tactic can change the "
                                           "class balance the model sees, as RandomOverSampler does): probabilities "
                                           "corrected in closed form from the class rates the model was trained "
                                           "on to the true ones")
    assert chosen("SMOTE", calibration="none")[1].endswith("probabilities as the model gives them")
    assert chosen("class_weight")[0] == "prior" and "class weights" in chosen("class_weight")[1]
    assert chosen("none")[0] == "none" and "own class balance" in chosen("none")[1]
    assert chosen("decompose")[0] == "none" and "changes the model" in chosen("decompose")[1]
    assert chosen("SMOTE", calibration="none")[1].startswith("calibration: none (as asked)")
    with pytest.raises(ParameterError, match="prior correction needs the class rates"):
        evaluate(mixed, "label", "decompose", calibration="prior")
    with pytest.raises(ParameterError, match="Did you mean 'isotonic'"):
        evaluate(mixed, "label", "SMOTE", calibration="isotonik")
    with pytest.raises(ParameterError, match="needs error costs"):
        evaluate(mixed, "label", "SMOTE", metric="expected_cost")


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_sigmoid_and_isotonic_calibrate_inside_the_training_folds(mixed, method):
    """Check scikit-learn's calibration wraps the whole pipeline: the corrected probabilities differ
    from the uncorrected ones; with costs the Bayes threshold decides."""
    result = evaluate(mixed, "label", "RandomUnderSampler", folds=3, calibration=method, costs={"fn": 5, "fp": 1})
    scores = result.calibration.scores
    assert scores["corrected"] != scores["uncorrected"] and scores["baseline"] is not None
    assert result.thresholds == (pytest.approx(1 / 6),) * 3
    assert sum(b["rows"] for b in result.calibration.reliability["corrected"]) == len(mixed)


def test_multiclass_costs_predict_the_least_expected_cost(mixed3):
    """Check a cost matrix makes expensive errors rarer, with no threshold and no cost curve."""
    costs = {"c1,c0": 20, "c2,c0": 20}
    result = evaluate(mixed3, "label", "none", folds=3, costs=costs)
    plain = evaluate(mixed3, "label", "none", folds=3)
    cm, matrix = np.array(result.confusion_matrix), parse_costs(costs, ["c0", "c1", "c2"], None).matrix
    assert result.expected_cost == pytest.approx((cm * matrix).sum() / cm.sum() * 1000)
    assert cm[1:, 0].sum() < np.array(plain.confusion_matrix)[1:, 0].sum()
    assert result.threshold is None and result.cost_curve == ()
    assert result.expected_cost_baseline == pytest.approx(80 * 20 / 300 * 1000)


@pytest.mark.parametrize("name", ["pima", "page-blocks0", "winequality-red-4"])
def test_prior_correction_restores_calibration_on_real_tables(name):
    """Check RandomUnderSampler + logistic regression with prior correction is about as well
    calibrated as the unbalanced model (Brier and ECE within 25% or 0.01), far better than
    uncorrected, with the same ROC AUC."""
    data = pd.read_csv(SHARED / f"{name}.csv")
    result = evaluate(data, "Class", "RandomUnderSampler", calibration="prior")
    plain = evaluate(data, "Class", "RandomUnderSampler", calibration="none", baseline=False)
    scores = result.calibration.scores
    for figure in ("brier", "ece"):
        corrected, unbalanced = scores["corrected"][figure], scores["baseline"][figure]
        assert abs(corrected - unbalanced) <= max(0.25 * unbalanced, 0.01), figure
        assert scores["uncorrected"][figure] > corrected
    assert result.metrics["roc_auc"] == pytest.approx(plain.metrics["roc_auc"], abs=1e-9)


# --------------------------------------------------------------------------------------------
# in compare


def test_compare_ranks_by_expected_cost_lowest_first(mixed):
    """Check ranking by expected cost puts the cheapest first and carries the costs."""
    result = compare(mixed, "label", ["RandomUnderSampler", "class_weight"], folds=3,
                     costs={"fn": 20, "fp": 1}, metric="expected_cost")
    values = [e.metrics["expected_cost"] for e in result.results]
    assert values == sorted(values) and all("expected_cost" in e.std for e in result.results)
    assert result.to_dict()["costs"] == {"fn": 20, "fp": 1}
    with pytest.raises(ParameterError, match="needs error costs"):
        compare(mixed, "label", ["SMOTE"], metric="expected_cost")
    with pytest.raises(ParameterError, match="Did you mean 'expected_cost'"):
        compare(mixed, "label", ["SMOTE"], metric="expected_costs", costs={"fn": 2})


def test_clearly_better_is_direction_aware():
    """Check a lower cost in every fold is a gain (the cost saved) and clearly better; a higher one is not."""
    def result(costs):
        return SimpleNamespace(fold_costs=tuple(costs), fold_scores=[{"f2": 0.5}] * len(costs))

    base = result([100, 110, 105, 95])
    assert _gain(result([60, 72, 63, 58]), base, "expected_cost") == (pytest.approx(39.25), True)
    gain, clearly = _gain(result([140, 150, 147, 139]), base, "expected_cost")
    assert gain < 0 and clearly is False


# --------------------------------------------------------------------------------------------
# the command line, the recipe, the report and the plots


def test_cli_costs_calibration_and_recipe_round_trip(tmp_path, capsys):
    """Check evaluate --costs --calibration --json, the recipe's new fields, and 'run' replaying them."""
    data = csv_of(tmp_path / "t.csv", mixed_table())
    recipe = tmp_path / "r.json"
    code, out, err = run_cli(capsys, "evaluate", data, "--target", "label", "--method", "RandomUnderSampler",
                             "--folds", "3", "--costs", '{"fn": 20, "fp": 1}', "--calibration", "sigmoid",
                             "--recipe", recipe, "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["calibration_method"] == "sigmoid" and payload["threshold"] == pytest.approx(1 / 21, abs=1e-6)
    assert payload["expected_cost"] >= 0 and payload["expected_cost_baseline"] == pytest.approx(2500)
    saved = json.loads(recipe.read_text())
    assert saved["costs"] == {"fn": 20, "fp": 1} and saved["calibration"] == "sigmoid"
    assert saved["threshold"] == pytest.approx(1 / 21)
    code, out, err = run_cli(capsys, "run", recipe, data, "--json")
    assert code == 0, err
    replayed = json.loads(out)
    assert replayed["expected_cost"] == payload["expected_cost"] and replayed["threshold"] == payload["threshold"]


def test_cli_text_and_bad_decision_flags(tmp_path, capsys):
    """Check the text output names the cost and the calibration, and bad flags exit 2 on one line."""
    data = csv_of(tmp_path / "t.csv", mixed_table())
    code, out, err = run_cli(capsys, "evaluate", data, "--target", "label", "--method", "SMOTE", "--folds", "3",
                             "--costs", '{"fn": 20}')
    assert code == 0, err
    assert "expected cost per 1,000 rows" in out and "calibration (prior)" in out and "threshold" in out
    for args, match in [(["evaluate", "--costs", '{"fn": -3}'], "a number from 0 to 1e+12"),
                        (["evaluate", "--calibration", "platt"], "invalid choice"),
                        (["compare", "--metric", "expected_cost"], "needs error costs"),
                        (["evaluate", "--costs", "{oops"], "must be JSON")]:
        code, _, err = run_cli(capsys, args[0], data, "--target", "label", *args[1:])
        assert code == 2 and match in err and err.count("\n") == 1, err


def test_cli_compare_by_expected_cost(tmp_path, capsys):
    """Check compare --costs --metric expected_cost ranks cheapest first in text and JSON."""
    data = csv_of(tmp_path / "t.csv", mixed_table())
    args = ["compare", data, "--target", "label", "--methods", "RandomUnderSampler", "--folds", "3",
            "--costs", '{"fn": 20, "fp": 1}', "--metric", "expected_cost"]
    code, out, err = run_cli(capsys, *args, "--json")
    assert code == 0, err
    costs = [r["metrics"]["expected_cost"] for r in json.loads(out)["results"]]
    assert costs == sorted(costs)
    code, out, _ = run_cli(capsys, *args)
    assert code == 0 and "ranked by Expected cost" in out


@pytest.mark.parametrize(("field", "value"), [
    ("costs", {"fn": -1}), ("costs", {"fn": True}), ("costs", {}), ("costs", "lots"),
    ("calibration", "platt"), ("threshold", 1.5), ("threshold", "0.3"),
])
def test_recipe_refuses_bad_decision_fields(field, value):
    """Check the recipe's new fields are validated like the others."""
    payload = {"format": "balancer-recipe/1", "kind": "evaluate", "target": "y", "method": "none", "params": {},
               "seed": 0, field: value}
    with pytest.raises(DataError, match=f"the recipe's {field} must be"):
        Recipe.from_dict(payload)


def test_report_and_plots_show_costs_and_calibration(mixed):
    """Check the report's section and the two figures."""
    result = evaluate(mixed, "label", "SMOTE", folds=3, costs={"fn": 20, "fp": 1})
    html = build("t.csv", profile(mixed, "label"), evaluation=result)
    assert "Decision and calibration" in html and "a perfect model" in html and "Brier score" in html
    # the data's, the evaluation's four and no balancing's confusion matrix, the cost curve and the
    # reliability diagram (the last two were left out), its rows named as on the page
    assert html.count('class="plotly-graph-div"') == 8
    assert "SMOTENC, corrected (prior)" in html and "Confusion matrix: no balancing" in html
    curve = plots.cost_curve(result)
    assert len(curve.data) == 2 and len(curve.data[0].x) == 101
    assert len(plots.reliability(result).data) == 4  # the diagonal and three runs
    plain = evaluate(mixed, "label", "SMOTE", folds=3)
    assert len(plots.cost_curve(plain).data) == 0
    assert "No error costs were given" in build("t.csv", profile(mixed, "label"), evaluation=plain)
