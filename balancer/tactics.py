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
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import fbeta_score, make_scorer
from sklearn.model_selection import TunedThresholdClassifierCV
from sklearn.utils import Tags, get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .metrics import METRICS, score

_SPARSE = ["csr", "csc"]  # what the forests and k-means take without a copy


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

    Two classes only (the majority against the rest); sparse matrices are accepted.
    """

    def __init__(self, n_estimators: int = 100, metric: str = "f2", random_state: int = 0):
        self.n_estimators = n_estimators
        self.metric = metric
        self.random_state = random_state

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = True
        return tags

    def fit(self, x: Any, y: Any) -> AnomalyClassifier:
        """Fit the forest on the majority rows and choose the cut-off on all training rows."""
        x, y = validate_data(self, x, y, accept_sparse=_SPARSE)
        check_classification_targets(y)
        if self.metric not in METRICS:
            raise ValueError(f"metric must be one of {', '.join(METRICS)}; got {self.metric!r}")
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            n = len(self.classes_)
            raise ValueError("Only binary classification is supported: anomaly detection separates the "
                             f"majority class from the rest; y has {n} class{'' if n == 1 else 'es'}")
        majority = int(np.argmax([np.sum(y == c) for c in self.classes_]))  # the first on a tie
        self.majority_, self.minority_ = self.classes_[majority], self.classes_[1 - majority]
        self.forest_ = IsolationForest(n_estimators=self.n_estimators, random_state=self.random_state)
        self.forest_.fit(x[y == self.majority_])
        anomaly = -self.forest_.score_samples(x)
        self.cut_ = self._best_cut(anomaly, (y == self.minority_).astype(int))
        self.scale_ = float(np.std(anomaly)) or 1.0
        self.positive_index_ = int(np.flatnonzero(self.classes_ == self.minority_)[0])
        return self

    def _best_cut(self, anomaly: np.ndarray, codes: np.ndarray) -> float:
        """The anomaly score above which rows are the minority: the best for ``metric`` on these rows."""
        candidates = np.unique(np.quantile(anomaly, np.linspace(0.5, 0.995, 60)))
        best, best_cut = -np.inf, float(candidates[-1])
        for cut in candidates:
            predicted = (anomaly > cut).astype(int)
            proba = np.column_stack([1 - predicted, predicted]).astype(float)
            value = score(codes, predicted, proba, 2, 1, names=[self.metric])[self.metric]
            if np.isfinite(value) and value > best:
                best, best_cut = value, float(cut)
        return best_cut

    def _anomaly(self, x: Any) -> np.ndarray:
        check_is_fitted(self)
        x = validate_data(self, x, reset=False, accept_sparse=_SPARSE)
        return -self.forest_.score_samples(x)

    def predict_proba(self, x: Any) -> np.ndarray:
        """The minority's probability rises smoothly through the cut-off."""
        anomaly = self._anomaly(x)
        minority = 1 / (1 + np.exp(-(anomaly - self.cut_) / (0.1 * self.scale_)))
        out = np.zeros((len(anomaly), 2))
        out[:, self.positive_index_] = minority
        out[:, 1 - self.positive_index_] = 1 - minority
        return out

    def predict(self, x: Any) -> np.ndarray:
        """The minority where the anomaly score is above the cut-off, else the majority."""
        return np.where(self._anomaly(x) > self.cut_, self.minority_, self.majority_)


class DecomposeClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Split the majority class into ``k`` k-means clusters, learn k+1 (or more) classes, and merge
    the clusters' probabilities back into the majority's.

    ``estimator`` (default: logistic regression) learns the expanded classes; labels may be of
    any type; sparse matrices are accepted when ``estimator`` accepts them.
    """

    def __init__(self, estimator: Any = None, k: int = 4, random_state: int = 0):
        self.estimator = estimator
        self.k = k
        self.random_state = random_state

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = get_tags(self._inner()).input_tags.sparse
        return tags

    def _inner(self) -> Any:
        return LogisticRegression() if self.estimator is None else self.estimator

    def fit(self, x: Any, y: Any) -> DecomposeClassifier:
        """Cluster the majority rows, fit the estimator on the expanded classes."""
        x, y = validate_data(self, x, y, accept_sparse=_SPARSE)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        majority = int(np.argmax(np.bincount(codes)))
        rows = codes == majority
        k = int(max(1, min(self.k, rows.sum() // 2)))
        clusters = KMeans(n_clusters=k, n_init=3, random_state=self.random_state).fit_predict(x[rows])
        top = len(self.classes_)  # cluster j of the majority becomes class code top + j
        expanded = codes.astype("int64")
        expanded[rows] = top + clusters
        self.model_ = clone(self._inner()).fit(x, expanded)
        self.merge_ = {int(c): majority if c >= top else int(c) for c in self.model_.classes_}
        return self

    def predict_proba(self, x: Any) -> np.ndarray:
        """The inner model's probabilities, the majority's clusters summed back into it."""
        check_is_fitted(self)
        x = validate_data(self, x, reset=False, accept_sparse=_SPARSE)
        inner = self.model_.predict_proba(x)
        out = np.zeros((inner.shape[0], len(self.classes_)))
        for j, c in enumerate(self.model_.classes_):
            out[:, self.merge_[int(c)]] += inner[:, j]
        return out

    def predict(self, x: Any) -> np.ndarray:
        """The most probable class after merging."""
        proba = self.predict_proba(x)
        return self.classes_[proba.argmax(axis=1)]


class NoSignalFallback(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Fit ``estimator``; if boosting finds no learner better than chance, predict the class prior.

    AdaBoost-based ensembles raise "worse than random" on data with no signal; the honest result
    then is chance, not a crash. ``fell_back_`` records that it happened. Inputs are checked by
    the wrapped estimator, whose input tags this one shares.
    """

    def __init__(self, estimator: Any = None):
        self.estimator = estimator

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        if self.estimator is not None:
            inner = get_tags(self.estimator)
            tags.input_tags.sparse = inner.input_tags.sparse
            tags.input_tags.allow_nan = inner.input_tags.allow_nan
        return tags

    def fit(self, x: Any, y: Any) -> NoSignalFallback:
        """Fit the estimator, or the class prior when boosting finds no signal."""
        if self.estimator is None:
            raise ValueError("NoSignalFallback needs an estimator to wrap")
        self.fell_back_ = False
        try:
            self.model_ = clone(self.estimator).fit(x, y)
        except ValueError as exc:
            if "worse than random" not in str(exc):
                raise
            self.model_ = DummyClassifier(strategy="prior").fit(x, y)
            self.fell_back_ = True
        self.classes_ = self.model_.classes_
        self.n_features_in_ = self.model_.n_features_in_
        if hasattr(self.model_, "feature_names_in_"):
            self.feature_names_in_ = self.model_.feature_names_in_
        return self

    def predict_proba(self, x: Any) -> np.ndarray:
        """The fitted model's probabilities."""
        check_is_fitted(self)
        return self.model_.predict_proba(x)

    def predict(self, x: Any) -> np.ndarray:
        """The fitted model's predictions."""
        check_is_fitted(self)
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
