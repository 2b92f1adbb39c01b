"""The statistics of the comparison: the corrected resampled t-test, Holm, no-information scores."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from balancer.metrics import score
from balancer.stats import (
    ALPHA,
    THRESHOLD_METRICS,
    confusion_scores,
    corrected_t_test,
    holm,
    no_information,
    trivial_confusions,
)


def test_corrected_t_test_by_hand():
    """Check the statistic against the formula: t = mean / sqrt((1/J + n2/n1) s^2), J - 1 df."""
    d = np.array([0.03, 0.01, 0.04, -0.01, 0.02, 0.05, 0.00, 0.03, 0.02, 0.01])
    share = 0.25
    t = d.mean() / math.sqrt((1 / len(d) + share) * d.var(ddof=1))
    assert corrected_t_test(d, share) == pytest.approx(sps.t.sf(t, len(d) - 1))
    # the correction makes it more cautious than the naive paired t-test
    naive = sps.ttest_1samp(d, 0, alternative="greater").pvalue
    assert corrected_t_test(d, share) > naive
    assert corrected_t_test(d, 0.0) == pytest.approx(naive)


def test_corrected_t_test_edges():
    """Check one-sidedness, no spread, too few values and non-finite values."""
    assert corrected_t_test([-0.1, -0.2, -0.1, -0.3], 0.25) > 0.9
    assert corrected_t_test([0.1, 0.1, 0.1], 0.25) == 0.0
    assert corrected_t_test([0.0, 0.0, 0.0], 0.25) == 1.0
    assert math.isnan(corrected_t_test([0.1], 0.25))
    assert math.isnan(corrected_t_test([0.1, math.nan], 0.25))
    assert corrected_t_test([0.1, 0.2, math.nan, 0.15], 0.25) < 0.05


def test_corrected_t_test_holds_its_level_on_noise():
    """Check that on pairs of equal means the test rejects at most about ALPHA of the time."""
    rng = np.random.default_rng(0)
    rejected = sum(corrected_t_test(rng.normal(0, 1, 15), 0.25) <= ALPHA for _ in range(2000))
    assert rejected / 2000 <= ALPHA + 0.01


def test_holm_by_hand():
    """Check Holm's step-down adjustment, its monotonicity, NaN left out of the count."""
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.001]) == pytest.approx([0.5, 0.002])
    adjusted = holm([0.02, math.nan, 0.01])
    assert adjusted[0] == pytest.approx(0.02) and math.isnan(adjusted[1]) and adjusted[2] == pytest.approx(0.02)
    assert holm([0.9, 0.8]) == [1.0, 1.0]  # capped at 1
    assert holm([]) == []


@pytest.mark.parametrize("counts", [[95, 5], [60, 40], [50, 30, 20], [10, 10, 5, 1]])
def test_confusion_scores_match_score_on_real_predictions(counts):
    """Check the metrics from a confusion matrix against metrics.score on the same predictions."""
    rng = np.random.default_rng(len(counts))
    n = len(counts)
    y = np.repeat(np.arange(n), counts)
    predicted = rng.integers(0, n, len(y))
    predicted[: len(y) // 3] = y[: len(y) // 3]
    matrix = np.zeros((n, n))
    np.add.at(matrix, (y, predicted), 1)
    positive = n - 1 if n == 2 else None
    expected = score(y, predicted, np.eye(n)[predicted], n, positive, names=THRESHOLD_METRICS)
    got = confusion_scores(matrix, positive)
    for name in THRESHOLD_METRICS:
        assert got[name] == pytest.approx(expected[name], abs=1e-12), name


def test_constant_predictors_score_as_metrics_score_them():
    """Check always-one-class predictors: the confusion matrices give what score() gives."""
    y = np.repeat([0, 1], [95, 5])
    confusions = trivial_confusions(np.bincount(y), np.bincount(y))
    for c in (0, 1):
        predicted = np.full(len(y), c)
        expected = score(y, predicted, np.eye(2)[predicted], 2, 1, names=THRESHOLD_METRICS)
        got = confusion_scores(confusions[f"always class {c}"], 1)
        for name in THRESHOLD_METRICS:
            assert got[name] == pytest.approx(expected[name], abs=1e-12), (c, name)


def test_no_information_at_five_percent():
    """Check the bounds quoted in the docs: F2 0.21 (always the minority), recall 1, balanced accuracy
    0.5, G-mean 0.5 (a fair coin), MCC 0, accuracy 0.95, ROC AUC 0.5, PR AUC 0.05, precision 0.05."""
    bound = no_information(np.array([380, 20]), np.array([1520, 80]), 1)
    assert bound["f2"] == pytest.approx(5 * 0.05 / (4 * 0.05 + 1))
    assert round(bound["f2"], 2) == 0.21
    assert bound["recall"] == 1.0 and bound["balanced_accuracy"] == pytest.approx(0.5)
    assert bound["g_mean"] == pytest.approx(0.5) and bound["mcc"] == pytest.approx(0.0)
    assert bound["accuracy"] == pytest.approx(0.95) and bound["precision"] == pytest.approx(0.05)
    assert bound["roc_auc"] == 0.5 and bound["pr_auc"] == pytest.approx(0.05)


def test_no_information_cost_is_the_cheapest_trivial_decision():
    """Check the expected cost bound: never flagging costs fn x positives, always flagging fp x negatives."""
    costs = np.array([[0.0, 5.0], [500.0, 0.0]])  # [true, predicted]; class 1 is the minority
    bound = no_information(np.array([990, 10]), np.array([990, 10]), 1, costs)
    assert bound["expected_cost"] == pytest.approx(min(10 * 500, 990 * 5) / 1000 * 1000)


def test_no_information_multiclass():
    """Check macro figures with three classes: balanced accuracy 1/3 at best, PR AUC the mean share."""
    bound = no_information(np.array([50, 30, 20]), np.array([250, 150, 100]), None)
    assert bound["balanced_accuracy"] == pytest.approx(1 / 3)
    assert bound["pr_auc"] == pytest.approx(1 / 3)
    assert bound["mcc"] == pytest.approx(0.0, abs=1e-12)
    assert bound["accuracy"] == pytest.approx(0.5)
