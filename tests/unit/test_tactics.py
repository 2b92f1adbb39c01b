"""The tactics that change the model: each classifier on its own, and every registered one built."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score
from sklearn.model_selection import FixedThresholdClassifier

from balancer import strategies
from balancer.metrics import METRICS, THRESHOLD_FREE, best_threshold, score, threshold_scores
from balancer.tactics import (
    STAND_INS,
    AnomalyClassifier,
    DecomposeClassifier,
    NoSignalFallback,
    ThresholdClassifier,
    fixed_thresholds,
    threshold_model,
    tuning_metric,
    tuning_notice,
)


def _outliers(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """300 majority rows around the origin and 20 minority rows far from it."""
    rng = np.random.default_rng(seed)
    x = np.vstack([rng.normal(0, 1, (300, 3)), rng.normal(0, 1, (20, 3)) + 6])
    return x, np.array([0] * 300 + [1] * 20)


def _ring(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A majority in two blobs either side of a minority: no line separates the two classes."""
    rng = np.random.default_rng(seed)
    x = np.vstack([rng.normal(-5, 1, (150, 2)), rng.normal(5, 1, (150, 2)), rng.normal(0, 0.7, (40, 2))])
    return x, np.array(["common"] * 300 + ["rare"] * 40)


def test_anomaly_classifier_finds_the_outlying_minority():
    """Check the forest learns the majority and flags the far-away rows as the minority."""
    x, y = _outliers()
    model = AnomalyClassifier(n_estimators=50, random_state=0).fit(x, y)
    assert (model.majority_, model.minority_) == (0, 1)
    assert recall_score(y, model.predict(x)) == 1.0
    proba = model.predict_proba(x)
    assert np.allclose(proba.sum(axis=1), 1)
    assert np.array_equal(proba[:, 1] > 0.5, model.predict(x) == 1)


def test_anomaly_cut_off_is_chosen_on_rows_the_forest_did_not_see():
    """Check the cut-off comes from out-of-fold anomaly scores: each inner fold scored by a forest
    fitted on the other folds' majority rows."""
    from sklearn.ensemble import IsolationForest

    from balancer.tactics import _inner_splits

    x, y = _outliers(2)
    model = AnomalyClassifier(n_estimators=30, metric="f1", random_state=0, cv=3).fit(x, y)
    anomaly = np.zeros(len(y))
    for train, test in _inner_splits(x, y, 3, 0):
        forest = IsolationForest(n_estimators=30, random_state=0).fit(x[train][y[train] == 0])
        anomaly[test] = -forest.score_samples(x[test])
    assert model.cut_ == best_threshold(y == 1, anomaly, "f1")[0]
    assert model.tuned_for_ == "f1"


def test_anomaly_classifier_on_a_tie_and_on_bad_input():
    """Check a tie keeps the two classes apart, and more classes or an unknown metric are refused."""
    x, y = _outliers()
    tie = AnomalyClassifier(n_estimators=10).fit(x[280:], y[280:])  # 20 and 20
    assert {tie.majority_, tie.minority_} == {0, 1}
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        AnomalyClassifier().fit(x, np.arange(len(x)) % 3)
    with pytest.raises(ValueError, match="metric must be one of"):
        AnomalyClassifier(metric="nope").fit(x, y)


def test_decompose_classifier_separates_what_one_line_cannot():
    """Check splitting the majority into clusters lets a linear model find the minority in between."""
    x, y = _ring()
    plain = LogisticRegression().fit(x, y)
    decomposed = DecomposeClassifier(LogisticRegression(), k=2, random_state=0).fit(x, y)
    assert recall_score(y, plain.predict(x), pos_label="rare") < 0.5
    assert recall_score(y, decomposed.predict(x), pos_label="rare") > 0.9
    assert list(decomposed.classes_) == ["common", "rare"]
    assert sorted(decomposed.model_.classes_) == [1, 2, 3]  # rare, and the majority's two clusters
    assert decomposed.merge_ == {1: 1, 2: 0, 3: 0}
    assert np.allclose(decomposed.predict_proba(x).sum(axis=1), 1)


def test_decompose_classifier_caps_the_clusters_by_the_majority():
    """Check k is capped at half the majority's rows, and the default model is a logistic regression."""
    x, y = _ring()
    small = DecomposeClassifier(k=50).fit(x[290:310], y[290:310])  # 10 majority rows: 5 clusters
    assert len(small.model_.classes_) == 1 + 5
    assert isinstance(small.model_, LogisticRegression)


class _Failing(ClassifierMixin, BaseEstimator):
    def __init__(self, message: str = "worse than random"):
        self.message = message

    def fit(self, x, y):
        raise ValueError(f"BaseClassifier in AdaBoostClassifier ensemble is {self.message}")


def test_no_signal_fallback_predicts_the_prior_only_for_no_signal():
    """Check "worse than random" falls back to the class prior, and any other error is raised."""
    x, y = _outliers()
    fallback = NoSignalFallback(_Failing()).fit(x, y)
    assert fallback.fell_back_ and list(fallback.classes_) == [0, 1]
    assert np.allclose(fallback.predict_proba(x[:3]), [[300 / 320, 20 / 320]] * 3)
    assert NoSignalFallback(LogisticRegression()).fit(x, y).fell_back_ is False
    with pytest.raises(ValueError, match="something else"):
        NoSignalFallback(_Failing("something else")).fit(x, y)


@pytest.mark.parametrize("metric", list(METRICS))
def test_threshold_model_tunes_for_the_metric_asked(metric):
    """Check the threshold is tuned for the metric asked where a threshold changes it, and for a named
    stand-in (with the reason) for ROC AUC and PR AUC, which no threshold changes."""
    used, why = tuning_metric(metric)
    if metric in THRESHOLD_FREE:
        assert (used, why) == STAND_INS[metric] and used not in THRESHOLD_FREE and why
        notice = tuning_notice("threshold", metric, used, why)
        assert f"maximise {METRICS[used][0]}" in notice and f"not {METRICS[metric][0]}" in notice
    else:
        assert (used, why) == (metric, None)
    model = threshold_model(LogisticRegression(), {"cv": 4}, 7, used, 1)
    assert isinstance(model, ThresholdClassifier)
    assert (model.cv, model.random_state, model.metric) == (4, 7, used)
    assert tuning_metric("expected_cost")[0] == "balanced_accuracy"


def _scores(seed: int = 0, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    positive = rng.random(n) < 0.15
    return positive, np.round(rng.random(n) * 0.6 + 0.4 * positive, 2)  # ties included


@pytest.mark.parametrize("metric", [m for m in METRICS if m not in THRESHOLD_FREE])
def test_threshold_scores_are_the_metric_functions_own(metric):
    """Check the vectorised metric at each threshold equals metrics.score on those predictions."""
    positive, scores = _scores()
    thresholds = np.array([0.0, 0.2, 0.41, 0.5, 0.77, 1.01])
    table = threshold_scores(positive, scores, thresholds, [metric])[metric]
    for t, value in zip(thresholds, table):
        predicted = (scores >= t).astype(int)
        expected = score(positive.astype(int), predicted, np.column_stack([1 - scores, scores]), 2, 1, [metric])
        assert value == pytest.approx(expected[metric], abs=1e-12), t


@pytest.mark.parametrize("metric", [m for m in METRICS if m not in THRESHOLD_FREE])
def test_best_threshold_is_the_best_for_the_metric(metric):
    """Check no threshold gives a better metric than the one chosen (an exhaustive search agrees)."""
    positive, scores = _scores(1)
    threshold, value = best_threshold(positive, scores, metric)
    grid = np.linspace(-0.01, 1.01, 2000)
    assert threshold_scores(positive, scores, grid, [metric])[metric].max() <= value + 1e-12
    again = threshold_scores(positive, scores, np.array([threshold]), [metric])[metric][0]
    assert again == pytest.approx(value)


def test_recall_and_precision_break_ties_by_balanced_accuracy():
    """Check recall is maximised at the highest threshold that still finds every positive (not by
    flagging everything), and precision at the lowest that keeps the best precision."""
    positive = np.array([False] * 6 + [True] * 3)
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 0.6, 0.8, 0.9])
    threshold, value = best_threshold(positive, scores, "recall")
    assert value == 1.0 and 0.5 < threshold <= 0.6  # every positive, and no negative it need not flag
    threshold, value = best_threshold(positive, scores, "precision")
    assert value == 1.0 and 0.75 < threshold <= 0.8  # both positives above every negative, not just one


def test_threshold_is_chosen_on_rows_the_model_did_not_see():
    """Check the threshold comes from out-of-fold probabilities of the training rows (a model that
    learns the training rows by heart would choose another one on its own predictions)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] + rng.normal(0, 1.5, 400) > 1.8).astype(int)
    model = ThresholdClassifier(LogisticRegression(), metric="f1", cv=3, random_state=0).fit(x, y)
    from balancer.evaluate import splits

    oof = np.zeros(len(y))
    for train, test in splits(y, None, 3, 1, 0):
        oof[test] = LogisticRegression().fit(x[train], y[train]).predict_proba(x[test])[:, 1]
    assert model.best_threshold_ == best_threshold(y == 1, oof, "f1")[0]
    assert np.array_equal(model.predict(x), (model.predict_proba(x)[:, 1] >= model.best_threshold_).astype(int))


def test_threshold_model_keeps_copies_in_one_inner_fold():
    """Check identical rows never fall on both sides of an inner split (they would flatter the
    out-of-fold probabilities the threshold is chosen on)."""
    from balancer.tactics import _inner_splits

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    x, y = np.vstack([x, x]), np.tile((rng.random(60) < 0.3).astype(int), 2)
    for train, test in _inner_splits(x, y, 3, 0):
        assert not set(map(tuple, x[train].tolist())) & set(map(tuple, x[test].tolist()))


def test_a_tuned_threshold_saves_as_scikit_learn_types():
    """Check fixed_thresholds swaps the fitted tuner for FixedThresholdClassifier with the same
    predictions and probabilities (a model file may hold scikit-learn's types)."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = _outliers()
    pipeline = Pipeline([("scale", StandardScaler()), ("model", ThresholdClassifier(LogisticRegression()))])
    pipeline.fit(x, y)
    before, proba = pipeline.predict(x), pipeline.predict_proba(x)
    fixed = fixed_thresholds(pipeline)
    assert isinstance(fixed.steps[-1][1], FixedThresholdClassifier)
    assert np.array_equal(fixed.predict(x), before) and np.allclose(fixed.predict_proba(x), proba)


def test_threshold_model_raises_recall_on_a_rare_class():
    """Check tuning the threshold for F2 finds more of the minority than the 0.5 cut-off does."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 4))
    y = (x[:, 0] + rng.normal(0, 1.0, 600) > 2.0).astype(int)
    plain = LogisticRegression().fit(x, y)
    tuned = threshold_model(LogisticRegression(), {"cv": 3}, 0, "f2", 1).fit(x, y)
    assert tuned.best_threshold_ < 0.5
    assert recall_score(y, tuned.predict(x)) > recall_score(y, plain.predict(x)) + 0.1


MODEL_SIDE = [s for s in strategies.STRATEGIES.values() if s.estimator is not None]


@pytest.mark.parametrize("strategy", MODEL_SIDE, ids=[s.name for s in MODEL_SIDE])
def test_every_registered_model_side_tactic_builds_a_working_classifier(strategy):
    """Check each registry entry's builder returns a classifier that fits and gives probabilities."""
    x, y = _outliers()
    params = strategy.validate({p.name: p.low for p in strategy.params if p.low is not None})
    model = strategy.estimator(LogisticRegression(), params, 0, "f2", 1)
    proba = model.fit(x, y).predict_proba(x)
    assert proba.shape == (len(x), 2) and np.allclose(proba.sum(axis=1), 1)
    assert set(model.predict(x)) <= {0, 1}
    if strategy.uses_model:  # the base model is kept (wrapped), not replaced
        assert "LogisticRegression" in repr(model)
