"""Tactics that change the model rather than the data: threshold tuning, anomaly detection,
majority decomposition and the imbalance-aware ensembles.

Each is a scikit-learn classifier placed where the model goes in the evaluation pipeline, so it is
fitted on the training folds only, like every sampler.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.cluster import KMeans
from sklearn.ensemble import IsolationForest
from sklearn.metrics import fbeta_score, make_scorer
from sklearn.model_selection import TunedThresholdClassifierCV

from .metrics import score


def _metric_scorer(metric: str, positive: int) -> Any:
    """A scorer for threshold tuning: the chosen metric where it depends on the threshold."""
    from sklearn import metrics as skm

    if metric in ("f2", "recall"):
        return make_scorer(fbeta_score, beta=2, pos_label=positive)
    if metric == "f1":
        return make_scorer(fbeta_score, beta=1, pos_label=positive)
    if metric == "precision":
        return make_scorer(skm.precision_score, pos_label=positive, zero_division=0)
    if metric == "mcc":
        return make_scorer(skm.matthews_corrcoef)
    return "balanced_accuracy"  # also for g_mean and the threshold-free AUCs


def threshold_model(base: Any, params: dict[str, Any], seed: int, metric: str, positive: int) -> Any:
    """The base model with its decision threshold tuned on the training folds for ``metric``."""
    return TunedThresholdClassifierCV(
        base, scoring=_metric_scorer(metric, positive), cv=params.get("cv", 3),
        random_state=seed, thresholds=100,
    )


class AnomalyClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """An isolation forest trained on the majority class only; rows it finds anomalous are
    predicted as the minority. The cut-off is chosen on the training rows for ``metric``.
    """

    def __init__(self, n_estimators: int = 100, metric: str = "f2", random_state: int = 0):
        self.n_estimators = n_estimators
        self.metric = metric
        self.random_state = random_state

    def fit(self, x: np.ndarray, y: np.ndarray) -> AnomalyClassifier:
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError("anomaly detection separates the majority from the rest; it needs two classes")
        counts = [np.sum(y == c) for c in self.classes_]
        self.majority_ = self.classes_[int(np.argmax(counts))]
        self.minority_ = self.classes_[int(np.argmin(counts))]
        self.forest_ = IsolationForest(n_estimators=self.n_estimators, random_state=self.random_state)
        self.forest_.fit(x[y == self.majority_])
        anomaly = -self.forest_.score_samples(x)
        candidates = np.unique(np.quantile(anomaly, np.linspace(0.5, 0.995, 60)))
        positive = int(np.flatnonzero(self.classes_ == self.minority_)[0])
        codes = (y == self.minority_).astype(int)
        best, best_cut = -np.inf, float(candidates[-1])
        for cut in candidates:
            predicted = (anomaly > cut).astype(int)
            proba = np.column_stack([1 - predicted, predicted]).astype(float)
            value = score(codes, predicted, proba, 2, 1).get(self.metric, 0.0)
            if np.isfinite(value) and value > best:
                best, best_cut = value, float(cut)
        self.cut_ = best_cut
        self.scale_ = float(np.std(anomaly)) or 1.0
        self.positive_index_ = positive
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        anomaly = -self.forest_.score_samples(x)
        minority = 1 / (1 + np.exp(-(anomaly - self.cut_) / (0.1 * self.scale_)))
        out = np.zeros((len(x), 2))
        out[:, self.positive_index_] = minority
        out[:, 1 - self.positive_index_] = 1 - minority
        return out

    def predict(self, x: np.ndarray) -> np.ndarray:
        anomaly = -self.forest_.score_samples(x)
        return np.where(anomaly > self.cut_, self.minority_, self.majority_)


class DecomposeClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Split the majority class into ``k`` k-means clusters, learn k+1 (or more) classes, and merge
    the clusters' probabilities back into the majority's.
    """

    def __init__(self, estimator: Any = None, k: int = 4, random_state: int = 0):
        self.estimator = estimator
        self.k = k
        self.random_state = random_state

    def fit(self, x: np.ndarray, y: np.ndarray) -> DecomposeClassifier:
        self.classes_ = np.unique(y)
        counts = [np.sum(y == c) for c in self.classes_]
        majority = self.classes_[int(np.argmax(counts))]
        rows = y == majority
        k = int(max(1, min(self.k, rows.sum() // 2)))
        clusters = KMeans(n_clusters=k, n_init=3, random_state=self.random_state).fit_predict(x[rows])
        top = int(self.classes_.max()) + 1
        expanded = y.astype("int64").copy()
        expanded[rows] = top + clusters
        self.model_ = clone(self.estimator).fit(x, expanded)
        self.merge_ = {int(c): int(majority) if c >= top else int(c) for c in self.model_.classes_}
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        inner = self.model_.predict_proba(x)
        out = np.zeros((len(x), len(self.classes_)))
        index = {int(c): i for i, c in enumerate(self.classes_)}
        for j, c in enumerate(self.model_.classes_):
            out[:, index[self.merge_[int(c)]]] += inner[:, j]
        return out

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.classes_[self.predict_proba(x).argmax(axis=1)]


class NoSignalFallback(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Fit ``estimator``; if boosting finds no learner better than chance, predict the class prior.

    AdaBoost-based ensembles raise "worse than random" on data with no signal; the honest result
    then is chance, not a crash. ``fell_back_`` records that it happened.
    """

    def __init__(self, estimator: Any = None):
        self.estimator = estimator

    def fit(self, x: np.ndarray, y: np.ndarray) -> NoSignalFallback:
        from sklearn.dummy import DummyClassifier

        self.fell_back_ = False
        try:
            self.model_ = clone(self.estimator).fit(x, y)
        except ValueError as exc:
            if "worse than random" not in str(exc):
                raise
            self.model_ = DummyClassifier(strategy="prior").fit(x, y)
            self.fell_back_ = True
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.model_.predict_proba(x)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.model_.predict(x)


def anomaly_model(base: Any, params: dict[str, Any], seed: int, metric: str, positive: int) -> Any:
    return AnomalyClassifier(n_estimators=params.get("n_estimators", 100), metric=metric, random_state=seed)


def decompose_model(base: Any, params: dict[str, Any], seed: int, metric: str, positive: int) -> Any:
    return DecomposeClassifier(base, k=params.get("k", 4), random_state=seed)


def balanced_random_forest(base: Any, params: dict[str, Any], seed: int, metric: str, positive: int) -> Any:
    from imblearn.ensemble import BalancedRandomForestClassifier

    return BalancedRandomForestClassifier(
        n_estimators=params.get("n_estimators", 100), sampling_strategy="all", replacement=True,
        bootstrap=False, random_state=seed, n_jobs=1)


def easy_ensemble(base: Any, params: dict[str, Any], seed: int, metric: str, positive: int) -> Any:
    from imblearn.ensemble import EasyEnsembleClassifier

    return EasyEnsembleClassifier(n_estimators=params.get("n_estimators", 10), random_state=seed)


def rus_boost(base: Any, params: dict[str, Any], seed: int, metric: str, positive: int) -> Any:
    from imblearn.ensemble import RUSBoostClassifier
    from sklearn.tree import DecisionTreeClassifier

    # a depth-3 tree: stumps are often "worse than random" on balanced resamples and stop AdaBoost
    return NoSignalFallback(RUSBoostClassifier(
        estimator=DecisionTreeClassifier(max_depth=3, random_state=seed),
        n_estimators=params.get("n_estimators", 50), random_state=seed))


def balanced_bagging(base: Any, params: dict[str, Any], seed: int, metric: str, positive: int) -> Any:
    from imblearn.ensemble import BalancedBaggingClassifier
    from sklearn.tree import DecisionTreeClassifier

    return BalancedBaggingClassifier(estimator=DecisionTreeClassifier(random_state=seed),
                                     n_estimators=params.get("n_estimators", 10), random_state=seed)


__all__ = [
    "AnomalyClassifier",
    "DecomposeClassifier",
    "NoSignalFallback",
    "anomaly_model",
    "balanced_bagging",
    "balanced_random_forest",
    "decompose_model",
    "easy_ensemble",
    "rus_boost",
    "threshold_model",
]
