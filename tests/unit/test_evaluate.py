"""Leakage-safe evaluation and the imbalance metrics."""

from __future__ import annotations

import numpy as np
import pytest

from balancer import evaluate, learning_curve
from balancer.errors import MethodError, TargetError
from balancer.metrics import METRICS, score
from balancer.samples import load_sample
from tests.conftest import mixed_table


@pytest.mark.parametrize("method", ["SMOTE", "RandomOverSampler"])
@pytest.mark.parametrize("model", ["logistic_regression", "random_forest"])
def test_leakage_canary_random_labels(method, model):
    """Check that on random labels the balanced accuracy stays at chance (0.5 +/- 0.08)."""
    data = load_sample("customer_churn")
    rng = np.random.default_rng(42)
    data["churn"] = rng.permutation(data["churn"].to_numpy())
    result = evaluate(data, "churn", method, model=model, baseline=False)
    assert abs(result.metrics["balanced_accuracy"] - 0.5) <= 0.08


def test_metrics_and_baseline(mixed):
    """Check every metric is reported with its spread, and the baseline runs on the same folds."""
    result = evaluate(mixed, "label", "SMOTE", folds=4)
    assert set(result.metrics) == set(METRICS) == set(result.std)
    assert result.folds == 4 and len(result.fold_scores) == 4
    assert result.baseline is not None and result.baseline.method == "none"
    assert result.positive == "c1"
    cm = np.array(result.confusion_matrix)
    assert cm.sum() == len(mixed) and cm.sum(axis=1).tolist() == [210, 30]
    assert [row["label"] for row in result.per_class] == ["c0", "c1"]
    # the informative features make this learnable
    assert result.metrics["roc_auc"] > 0.7
    out = result.to_dict()
    assert {"method", "model", "folds", "metrics", "per_class", "confusion_matrix"} <= set(out)


def test_folds_lowered_and_k_lowered_in_training_folds():
    """Check that tiny classes lower the folds and the neighbour count, with notices."""
    data = mixed_table(n=120, minority=4)
    result = evaluate(data, "label", "SMOTE", folds=5)
    assert result.folds == 4
    assert any("folds lowered from 5 to 4" in n for n in result.notices)
    assert any("k_neighbors lowered" in n and "training folds" in n for n in result.notices)


def test_single_row_class_cannot_be_evaluated():
    """Check a clear error when a class has one row."""
    with pytest.raises(TargetError, match="single row"):
        evaluate(mixed_table(n=50, minority=1), "label")


def test_class_weight_and_models(mixed):
    """Check the penalized model and that every model runs."""
    weighted = evaluate(mixed, "label", "class_weight")
    assert weighted.method == "class_weight" and weighted.class_weight == "balanced"
    costs = evaluate(mixed, "label", "none", class_weight={"c1": 5}, model="decision_tree")
    assert costs.baseline is not None
    for model in ("random_forest", "hist_gradient_boosting"):
        assert evaluate(mixed, "label", "RandomUnderSampler", model=model, folds=3).metrics["recall"] > 0
    with pytest.raises(MethodError, match="Did you mean 'random_forest'"):
        evaluate(mixed, "label", model="random_forrest")


def test_progress_is_reported(mixed):
    """Check that progress goes from 0 to 1 over every fold."""
    seen = []
    evaluate(mixed, "label", "SMOTE", folds=3, progress=lambda f, text: seen.append((f, text)))
    assert seen[0][0] == 0 and seen[-1][0] == 1.0
    assert len(seen) == 3 * 2 + 1


def test_multiclass_macro(mixed3):
    """Check macro metrics for three classes."""
    result = evaluate(mixed3, "label", "SMOTE", folds=3)
    assert result.positive is None
    assert 0 <= result.metrics["f1"] <= 1 and len(result.per_class) == 3


def test_learning_curve_rises_with_signal():
    """Check the learning curve grows with rows and gives a verdict."""
    data = mixed_table(n=600, minority=80)
    curve = learning_curve(data, "label", "none", folds=3, metric="roc_auc")
    assert curve.train_rows == sorted(curve.train_rows) and len(curve.mean) == 5
    assert curve.verdict


def test_score_perfect_and_chance():
    """Check the metric function on a perfect predictor and on the all-majority guess."""
    y = np.array([0] * 8 + [1] * 2)
    perfect = score(y, y, np.eye(2)[y], 2, positive=1)
    assert all(perfect[m] == pytest.approx(1.0) for m in METRICS)
    majority = score(y, np.zeros(10, dtype=int), np.tile([0.9, 0.1], (10, 1)), 2, positive=1)
    assert majority["accuracy"] == pytest.approx(0.8)
    assert majority["balanced_accuracy"] == pytest.approx(0.5)
    assert majority["recall"] == majority["f2"] == majority["g_mean"] == 0
