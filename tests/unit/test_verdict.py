"""The verdict: counts in plain sentences, and changes judged against the fold-to-fold noise."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from balancer import evaluate
from balancer.metrics import METRICS
from balancer.verdict import ALPHA, corrected_ttest, explain
from tests.conftest import mixed_table


def test_corrected_ttest_is_nadeau_and_bengio():
    """Check the statistic by hand: the variance widened by n_test / n_train, J - 1 degrees of
    freedom, one-sided in the direction of the change."""
    d = np.array([0.05, 0.02, 0.08, 0.01, 0.04, 0.06, 0.03, 0.05, 0.02, 0.07])
    mean, p = corrected_ttest(d, 0.25)
    t = d.mean() / math.sqrt((1 / 10 + 0.25) * d.var(ddof=1))
    assert mean == pytest.approx(d.mean()) and p == pytest.approx(stats.t.sf(t, 9))
    assert corrected_ttest(-d, 0.25)[1] == pytest.approx(p)  # a loss is judged like a gain
    plain = stats.ttest_1samp(d, 0).pvalue / 2
    assert p > plain  # the correction is more cautious than the plain paired t-test
    assert corrected_ttest([0.1, 0.1, 0.1], 0.25) == (pytest.approx(0.1), 0.0)
    assert corrected_ttest([0.0, 0.0], 0.25) == (0.0, 1.0)
    assert math.isnan(corrected_ttest([0.3], 0.25)[1]) and math.isnan(corrected_ttest([], 0.25)[0])
    assert corrected_ttest([0.1, float("nan"), 0.3], 0.25)[0] == pytest.approx(0.2)


@pytest.fixture(scope="module")
def smote():
    return evaluate(mixed_table(), "label", "SMOTE", folds=4, seed=3)


def test_the_verdict_counts_finds_and_false_alarms_against_no_balancing(smote):
    """Check the first sentence gives the pooled confusion matrices' counts, for the tactic and no
    balancing, and the precision of what it flags."""
    cm, base = np.array(smote.confusion_matrix), np.array(smote.baseline.confusion_matrix)
    first = smote.verdict[0]
    assert first.startswith(f"SMOTENC finds {cm[1, 1]} of {cm[1].sum()} positives ('c1') (no balancing: "
                            f"{base[1, 1]}), at the cost of {cm[0, 1]} false alarms (no balancing: {base[0, 1]})")
    assert f"Of the {cm[:, 1].sum()} rows it flags, {cm[1, 1] / cm[:, 1].sum():.1%} are positives" in first
    assert smote.to_dict()["verdict"] == smote.verdict


def _judged(result, changes: dict[str, float], p_values: dict[str, float]):
    full_changes = dict.fromkeys(METRICS, 0.0) | changes
    full_p = dict.fromkeys(METRICS, 0.5) | p_values
    return dataclasses.replace(result, changes=full_changes, p_values=full_p)


def test_only_changes_beyond_the_noise_are_called_better_or_worse(smote):
    """Check gains and losses are named only where the test says so, and the rest is called noise;
    when recall rises but the ranking does not, the verdict says the gain is flagging more rows."""
    result = _judged(smote, {"recall": 0.36, "g_mean": 0.24, "precision": -0.32, "pr_auc": -0.06},
                     {"recall": 0.001, "g_mean": 0.01, "precision": 0.004, "pr_auc": 0.2})
    assert result.significant["recall"] and not result.significant["pr_auc"]
    sentences = explain(result)
    beyond = next(s for s in sentences if s.startswith("Beyond the fold-to-fold noise"))
    assert "better: Recall" in beyond and "G-mean" in beyond and "worse: Precision" in beyond
    assert "PR AUC" not in beyond and "Accuracy" not in beyond
    within = next(s for s in sentences if s.startswith("Within the noise"))
    assert "PR AUC" in within and "Recall" not in within
    ranking = next(s for s in sentences if s.startswith("PR AUC did not improve"))
    assert "within the fold-to-fold noise" in ranking and "flags more rows" in ranking
    quiet = explain(_judged(smote, {}, {}))
    assert quiet[1].startswith("No metric changed beyond the fold-to-fold noise") and "repeats" in quiet[1]


def test_significant_follows_the_p_values(smote):
    """Check significant is p < ALPHA for every metric tested, and the JSON carries both."""
    assert set(smote.p_values) == set(METRICS)
    assert smote.significant == {m: p < ALPHA for m, p in smote.p_values.items() if not math.isnan(p)}
    payload = smote.to_dict()["vs_baseline"]
    assert set(payload) == {"test", "changes", "p_values", "significant"}
    assert payload["significant"] == smote.significant


def test_without_a_baseline_the_verdict_says_so():
    """Check a tactic scored without its baseline says nothing can be compared."""
    result = evaluate(mixed_table(), "label", "SMOTE", folds=3, baseline=False)
    assert result.p_values == {} and result.significant == {}
    assert result.verdict[-1] == "No baseline was scored, so nothing says whether this beats no balancing."
    alone = evaluate(mixed_table(), "label", "none", folds=3)
    assert alone.verdict[0].startswith("No balancing finds ") and len(alone.verdict) == 1


def test_multiclass_verdict_gives_each_class(mixed3):
    """Check more classes get each class's rows found against no balancing."""
    result = evaluate(mixed3, "label", "RandomOverSampler", folds=3)
    cm, base = np.array(result.confusion_matrix), np.array(result.baseline.confusion_matrix)
    first = result.verdict[0]
    for c, label in enumerate(result.labels):
        assert f"'{label}' {cm[c, c]} of {cm[c].sum()} (no balancing: {base[c, c]})" in first


def test_repeats_give_mean_counts_and_more_power():
    """Check with repeats the counts are means over the repeats (rows still sum to the classes), and
    the test rests on folds x repeats paired scores."""
    result = evaluate(mixed_table(), "label", "SMOTE", folds=4, seed=3, repeats=3)
    cm = np.array(result.confusion_matrix, dtype=float)
    assert cm.sum(axis=1).tolist() == [210.0, 30.0]
    assert "(the mean over 3 repeats)" in result.verdict[0]
    assert "over 12 folds" in result.verdict[1]
