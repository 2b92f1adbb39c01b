"""Tactics that change the model rather than the data: threshold tuning, anomaly detection,
majority decomposition and the imbalance-aware ensembles.

Each is a scikit-learn classifier placed where the model goes in the evaluation pipeline, so it is
fitted on the training folds only, like every sampler. The two that tune a cut-off (threshold
tuning, anomaly detection) tune it on predictions for rows the model being tuned did not see: an
inner stratified cross-validation of the training rows, identical rows kept in one inner fold.
They maximise the metric asked for (:func:`tuning_metric`); ROC AUC and PR AUC do not depend on a
threshold, so for them a named stand-in is tuned, and a notice says which and why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.cluster import KMeans
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import IsolationForest
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import FixedThresholdClassifier
from sklearn.utils import Tags, get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .metrics import METRICS, best_threshold

_SPARSE = ["csr", "csc"]  # what the forests and k-means take without a copy

#: A metric a threshold cannot change -> (the metric tuned instead, why).
STAND_INS: dict[str, tuple[str, str]] = {
    "roc_auc": ("balanced_accuracy",
                "ROC AUC ranks the rows and no threshold changes it; balanced accuracy is the point of the ROC "
                "curve farthest above the chance line (Youden's J), the threshold-dependent measure closest to it"),
    "pr_auc": ("f1",
               "PR AUC ranks the rows and no threshold changes it; F1 is the point of the precision-recall curve "
               "that balances the two, the threshold-dependent measure closest to it"),
}
#: Caveats for metrics that one extreme threshold maximises.
_EXTREMES = {
    "recall": "recall alone is highest when every row is flagged: the threshold is the highest that still finds "
              "the most positives (ties broken by balanced accuracy); F2 also weighs the false alarms",
    "precision": "precision alone is highest when only the surest rows are flagged: the threshold is the lowest "
                 "that keeps the best precision (ties broken by balanced accuracy); F1 also weighs the misses",
    "accuracy": "accuracy favours predicting the majority; balanced accuracy, F2 or MCC weigh the rare class",
}


def tuning_metric(metric: str) -> tuple[str, str | None]:
    """The metric a tuned threshold maximises for ``metric``, and why when it is another: the
    metric itself when a threshold changes it; a stand-in for ROC AUC and PR AUC
    (:data:`STAND_INS`); balanced accuracy for a cost figure (with costs the decision is the
    cost-optimal one, so the tactic's own threshold only shapes its probabilities)."""
    if metric in STAND_INS:
        return STAND_INS[metric]
    if metric not in METRICS:
        return "balanced_accuracy", (f"{metric} needs the error costs, and with costs the decision is the "
                                     "cost-optimal one anyway")
    return metric, None


def tuning_notice(tactic: str, asked: str, used: str, why: str | None) -> str:
    """The notice of what ``tactic`` tunes its threshold for."""
    label = METRICS[used][0]
    text = (f"{tactic} tunes its decision threshold to maximise {label} on out-of-fold predictions of the "
            "training rows (inner folds, copies kept together)")
    if why is not None:
        asked_label = METRICS[asked][0] if asked in METRICS else asked
        return f"{text}, not {asked_label}: {why}"
    caveat = _EXTREMES.get(used)
    return f"{text}; {caveat}" if caveat else text


def tunes_threshold(builder: Callable[..., Any] | None) -> bool:
    """Whether the tactic built by ``builder`` (a registry entry's ``estimator``) tunes a cut-off."""
    return builder in (threshold_model, anomaly_model)


def _inner_splits(x: Any, y: np.ndarray, cv: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified inner folds of the training rows (at most ``cv``; fewer for a class with fewer
    distinct rows), identical rows of ``x`` kept in one fold. ValueError when a class has a single
    distinct row (it becomes the evaluation's clear error)."""
    from .evaluate import distinct_per_class, matrix_groups, splits

    classes, codes = np.unique(y, return_inverse=True)
    groups = matrix_groups(x)
    distinct = distinct_per_class(codes, groups, len(classes))
    k = min(int(cv), int(distinct.min()))
    if k < 2:
        raise ValueError(f"class {classes[int(np.argmin(distinct))]!r} has a single distinct row in the training "
                         "rows, too few for the inner folds that tune the threshold")
    return splits(codes, groups, k, 1, seed)


def _positive_of(y: np.ndarray, classes: np.ndarray) -> Any:
    """The minority of ``classes`` in ``y`` (the last on a tie): Balancer's positive class."""
    counts = np.array([np.sum(y == c) for c in classes])
    return classes[len(classes) - 1 - int(np.argmin(counts[::-1]))]


class ThresholdClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """``estimator`` with the decision threshold that maximises ``metric`` on out-of-fold
    probabilities of the training rows (``cv`` inner stratified folds, identical rows in one fold),
    then refitted on every training row. The positive class is the minority; it is predicted
    where its probability is at least ``best_threshold_``. Two classes only.
    """

    def __init__(self, estimator: Any = None, metric: str = "f2", cv: int = 3, random_state: int = 0):
        self.estimator = estimator
        self.metric = metric
        self.cv = cv
        self.random_state = random_state

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = get_tags(self._base()).input_tags.sparse
        return tags

    def _base(self) -> Any:
        return LogisticRegression() if self.estimator is None else self.estimator

    def fit(self, x: Any, y: Any) -> ThresholdClassifier:
        """Choose the threshold on inner out-of-fold probabilities, then fit on every row."""
        x, y = validate_data(self, x, y, accept_sparse=_SPARSE)
        check_classification_targets(y)
        metric, _ = tuning_metric(self.metric)
        if self.metric not in METRICS:
            raise ValueError(f"metric must be one of {', '.join(METRICS)}; got {self.metric!r}")
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            count = len(self.classes_)
            raise ValueError(f"Only binary classification is supported: threshold tuning needs two classes; y has "
                             f"{count} class{'' if count == 1 else 'es'}")
        self.positive_ = _positive_of(y, self.classes_)
        oof = np.zeros(len(y))
        for train, test in _inner_splits(x, y, self.cv, self.random_state):
            model = clone(self._base()).fit(x[train], y[train])
            column = list(model.classes_).index(self.positive_) if self.positive_ in model.classes_ else None
            oof[test] = 0.0 if column is None else model.predict_proba(x[test])[:, column]
        self.best_threshold_, self.best_score_ = best_threshold(y == self.positive_, oof, metric)
        self.tuned_for_ = metric
        self.estimator_ = clone(self._base()).fit(x, y)
        return self

    def predict_proba(self, x: Any) -> np.ndarray:
        """The fitted model's probabilities (the threshold changes the decision only)."""
        check_is_fitted(self)
        return np.asarray(self.estimator_.predict_proba(x))

    def predict(self, x: Any) -> np.ndarray:
        """The positive class where its probability is at least the tuned threshold."""
        proba = self.predict_proba(x)
        column = list(self.estimator_.classes_).index(self.positive_)
        negative = self.classes_[self.classes_ != self.positive_][0]
        return np.where(proba[:, column] >= self.best_threshold_, self.positive_, negative)

    def as_fixed(self) -> FixedThresholdClassifier:
        """The same fitted model and threshold as scikit-learn's ``FixedThresholdClassifier`` over a
        ``FrozenEstimator`` (types a saved model file may hold; see :mod:`balancer.shipping`)."""
        check_is_fitted(self)
        fixed = FixedThresholdClassifier(FrozenEstimator(self.estimator_), threshold=self.best_threshold_,
                                         pos_label=self.positive_, response_method="predict_proba")
        return fixed.fit(np.zeros((2, 1)), self.classes_)


def fixed_thresholds(model: Any) -> Any:
    """``model`` with every fitted :class:`ThresholdClassifier` at the end of a pipeline (also inside a
    calibrated classifier) replaced by :meth:`ThresholdClassifier.as_fixed`; the same predictions."""
    if model is None:
        return None
    steps = getattr(model, "steps", None)
    if steps and isinstance(steps[-1][1], ThresholdClassifier):
        steps[-1] = (steps[-1][0], steps[-1][1].as_fixed())
    for inner in getattr(model, "calibrated_classifiers_", ()):
        fixed_thresholds(getattr(inner, "estimator", None))
    return model


def threshold_model(base: Any, params: dict[str, Any], seed: int, metric: str, positive: int) -> Any:
    """The base model with its decision threshold tuned on the training folds for ``metric``."""
    return ThresholdClassifier(base, metric=metric, cv=params.get("cv", 3), random_state=seed)


class AnomalyClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """An isolation forest trained on the majority class only; rows it finds anomalous are
    predicted as the minority.

    The cut-off is chosen for ``metric`` on anomaly scores the forest did not learn from: ``cv``
    inner stratified folds of the training rows (identical rows in one fold), each scored by a
    forest fitted on the majority rows of the other folds; the forest kept is then fitted on every
    majority row. Two classes only (the majority against the rest); sparse matrices are accepted.
    """

    def __init__(self, n_estimators: int = 100, metric: str = "f2", random_state: int = 0, cv: int = 3):
        self.n_estimators = n_estimators
        self.metric = metric
        self.random_state = random_state
        self.cv = cv

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = True
        return tags

    def _forest(self, rows: Any) -> IsolationForest:
        return IsolationForest(n_estimators=self.n_estimators, random_state=self.random_state).fit(rows)

    def fit(self, x: Any, y: Any) -> AnomalyClassifier:
        """Choose the cut-off on out-of-fold anomaly scores, then fit the forest on every majority row."""
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
        anomaly = np.zeros(len(y))
        for train, test in _inner_splits(x, y, self.cv, self.random_state):
            anomaly[test] = -self._forest(x[train][y[train] == self.majority_]).score_samples(x[test])
        self.tuned_for_ = tuning_metric(self.metric)[0]
        self.cut_, self.best_score_ = best_threshold(y == self.minority_, anomaly, self.tuned_for_)
        self.scale_ = float(np.std(anomaly)) or 1.0
        self.forest_ = self._forest(x[y == self.majority_])
        self.positive_index_ = int(np.flatnonzero(self.classes_ == self.minority_)[0])
        return self

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
    """An isolation forest of the majority, its cut-off tuned for ``metric`` on rows it did not see."""
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
    "STAND_INS",
    "AnomalyClassifier",
    "DecomposeClassifier",
    "NoSignalFallback",
    "ThresholdClassifier",
    "anomaly_model",
    "balanced_bagging",
    "balanced_random_forest",
    "decompose_model",
    "easy_ensemble",
    "fixed_thresholds",
    "rus_boost",
    "threshold_model",
    "tunes_threshold",
    "tuning_metric",
    "tuning_notice",
]
