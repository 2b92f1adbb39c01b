"""Every tactic side by side: ranking, honesty on random labels, skips with reasons."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from balancer import compare
from balancer.cli import main
from balancer.compare import DEFAULT_METHODS
from balancer.errors import MethodError, ParameterError
from balancer.samples import load_sample
from tests.conftest import mixed_table

REQUIRED = {"none", "class_weight", "threshold", "anomaly", "decompose", "BalancedRandomForestClassifier",
            "EasyEnsembleClassifier", "RUSBoostClassifier", "BalancedBaggingClassifier"}


@pytest.mark.slow
def test_cli_compare_json_on_a_sample(capsys):
    """Check 'balancer compare --json': at least 12 tactics, all named ones, best first, full fields."""
    code = main(["compare", "sample:breast_cancer", "--target", "diagnosis", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    payload = json.loads(out)
    methods = [r["method"] for r in payload["results"]]
    assert len(methods) >= 12 and set(methods) >= REQUIRED
    samplers = set(methods) - REQUIRED
    assert len(samplers) >= 8
    scores = [r["metrics"]["f2"] for r in payload["results"]]
    assert scores == sorted(scores, reverse=True)
    for row in payload["results"]:
        assert {"method", "metrics", "std", "seconds"} <= set(row)
        assert row["seconds"] > 0 and set(row["std"]) == set(row["metrics"])
    assert payload["metric"] == "f2"


@pytest.mark.slow
def test_random_labels_every_tactic_at_chance():
    """Check that on random labels every tactic's balanced accuracy is 0.5 +/- 0.1 (no leakage)."""
    data = load_sample("customer_churn")
    data["churn"] = np.random.default_rng(7).permutation(data["churn"].to_numpy())
    result = compare(data, "churn", folds=5)
    assert {e.method for e in result.results} >= REQUIRED
    for entry in result.results:
        assert abs(entry.metrics["balanced_accuracy"] - 0.5) <= 0.1, entry.method


def test_not_clearly_better_on_random_labels():
    """Check that tactics are rarely called clearly better than the baseline on noise."""
    data = mixed_table(n=400, minority=60)
    data["label"] = np.random.default_rng(3).permutation(data["label"].to_numpy())
    result = compare(data, "label", ["RandomOverSampler", "class_weight", "TomekLinks"], metric="roc_auc")
    assert all(e.clearly_better is not True for e in result.results)
    assert result.results[-1].method != "none" or math.isfinite(result.results[-1].metrics["roc_auc"])


def test_failing_tactic_is_skipped_with_reason(mixed3):
    """Check that a tactic that cannot run is reported as skipped and the rest go on."""
    result = compare(mixed3, "label", ["SMOTE", "anomaly", "threshold"], folds=3)
    skipped = {s["method"]: s["reason"] for s in result.skipped}
    assert "two classes" in skipped["anomaly"] and "two classes" in skipped["threshold"]
    assert [e.method for e in result.results if e.method == "SMOTE"] == ["SMOTE"]


def test_several_models_and_metric(mixed):
    """Check that every tactic runs with every model (ensembles once) and ranking uses the metric."""
    result = compare(mixed, "label", ["SMOTE", "BalancedBaggingClassifier"],
                     models="logistic_regression,decision_tree", metric="pr_auc", folds=3)
    pairs = {(e.method, e.model) for e in result.results}
    assert pairs == {("none", "logistic_regression"), ("none", "decision_tree"),
                     ("SMOTE", "logistic_regression"), ("SMOTE", "decision_tree"),
                     ("BalancedBaggingClassifier", "-")}
    values = [e.metrics["pr_auc"] for e in result.results]
    assert values == sorted(values, reverse=True)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"metric": "f3"}, ParameterError, "Did you mean 'f2'"),
    ({"methods": "SMOTE,Nope"}, MethodError, "unknown method 'Nope'"),
    ({"models": "svm"}, MethodError, "unknown model"),
])
def test_bad_compare_requests(kwargs, error, match, mixed):
    """Check bad requests are refused before any work."""
    with pytest.raises(error, match=match):
        compare(mixed, "label", **kwargs)


def test_default_set_spans_the_families():
    """Check the default set has at least 8 samplers across over, under and combined."""
    from balancer import strategies

    families = {strategies.get(n).family for n in DEFAULT_METHODS}
    assert {"over", "under", "combined", "cost", "threshold", "anomaly", "decompose", "ensemble"} <= families
    assert sum(strategies.get(n).sampler is not None for n in DEFAULT_METHODS) >= 8


def test_cli_per_class_costs(capsys, tmp_path):
    """Check 'compare --param class_weight.weights=...' reaches the penalized model."""
    path = tmp_path / "t.csv"
    path.write_bytes(mixed_table(n=200, minority=20).to_csv(index=False).encode())
    code = main(["compare", str(path), "--target", "label", "--methods", "class_weight", "--folds", "3",
                 "--param", 'class_weight.weights={"c1": 50}', "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    methods = {r["method"]: r for r in json.loads(out)["results"]}
    assert methods["class_weight"]["metrics"]["recall"] > methods["none"]["metrics"]["recall"]
    code = main(["compare", str(path), "--target", "label", "--param", "k_neighbors=3"])
    assert code == 2 and "METHOD.KEY=VALUE" in capsys.readouterr().err
