"""The tactics that change the model: each classifier on its own, and every registered one built."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score
from sklearn.model_selection import TunedThresholdClassifierCV

from balancer import strategies
from balancer.tactics import AnomalyClassifier, DecomposeClassifier, NoSignalFallback, threshold_model


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


@pytest.mark.parametrize(("metric", "scoring"), [
    ("f2", "make_scorer(fbeta_score"), ("recall", "make_scorer(fbeta_score"), ("f1", "make_scorer(fbeta_score"),
    ("precision", "make_scorer(precision_score"), ("mcc", "make_scorer(matthews_corrcoef"),
    ("g_mean", "balanced_accuracy"), ("roc_auc", "balanced_accuracy"),
])
def test_threshold_model_tunes_for_the_metric(metric, scoring):
    """Check the threshold model wraps the base model and scores thresholds with the metric's scorer."""
    model = threshold_model(LogisticRegression(), {"cv": 4}, 7, metric, 1)
    assert isinstance(model, TunedThresholdClassifierCV)
    assert model.cv == 4 and model.random_state == 7 and model.thresholds == 100
    assert str(model.scoring).startswith(scoring)


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
