"""Imbalance metrics: one function scores a fold, with the minority as the positive class; the
calibration of out-of-fold probabilities; and the figures that need error costs."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from scipy.integrate import trapezoid
from sklearn import metrics as skm

from .errors import ParameterError
from .profiling import suggest

#: name -> (label, one-line explanation). Order is the order of every table.
METRICS: dict[str, tuple[str, str]] = {
    "accuracy": ("Accuracy",
                 "share of rows predicted right; misleading when one class dominates (always "
                 "guessing the majority scores high)"),
    "balanced_accuracy": ("Balanced accuracy", "mean of the recall of each class; 0.5 is chance for two classes"),
    "precision": ("Precision", "of the rows predicted positive (minority), the share that are"),
    "recall": ("Recall", "of the positive (minority) rows, the share found"),
    "f1": ("F1", "harmonic mean of precision and recall"),
    "f2": ("F2", "like F1 but recall counts twice as much: missing a rare case costs more"),
    "roc_auc": ("ROC AUC", "chance that a random positive is scored above a random negative"),
    "pr_auc": ("PR AUC", "average precision over all thresholds; the honest summary for rare positives"),
    "g_mean": ("G-mean", "geometric mean of the per-class recalls; 0 if any class is never found"),
    "mcc": ("MCC", "Matthews correlation: -1 to 1, 0 is chance; robust to imbalance"),
}

#: Figures that need error costs (see :mod:`balancer.decision`): name -> (label, meaning).
COST_METRICS: dict[str, tuple[str, str]] = {
    "expected_cost": ("Expected cost", "the cost of the errors per 1,000 rows, with the costs given; a "
                                       "perfect model costs 0"),
}
#: Figures where lower is better (a ranking puts the lowest first).
LOWER_IS_BETTER = frozenset(COST_METRICS)

#: How well probabilities match the rates observed: name -> (label, meaning). Lower is better.
CALIBRATION: dict[str, tuple[str, str]] = {
    "brier": ("Brier score", "mean squared gap between the predicted probability and what happened "
                             "(of the positive class for two classes; summed over the classes for more)"),
    "log_loss": ("Log loss", "minus the mean log of the probability given to the true class"),
    "ece": ("ECE", "expected calibration error: the gap between predicted and observed rates, "
                   "averaged over 10 equal-width bins of the probability, weighted by rows"),
}
#: Equal-width bins of the reliability diagram and the ECE.
BINS = 10


def metric_label(name: str) -> str:
    """The label of any figure a result can be ranked by."""
    return {**METRICS, **COST_METRICS}[name][0]


def checked_metric(name: str, costs: bool) -> str:
    """``name`` if it is a metric, or a cost figure and there are ``costs``; else :class:`ParameterError`."""
    if name in COST_METRICS and not costs:
        raise ParameterError(f"the metric {name} needs error costs, e.g. costs={{\"fn\": 500, \"fp\": 5}}")
    if name not in METRICS and name not in COST_METRICS:
        known = [*METRICS, *COST_METRICS]
        raise ParameterError(f"unknown metric {name!r}.{suggest(str(name), known)} The metrics are: {', '.join(known)}")
    return name


def score(
    y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray, n_classes: int, positive: int | None,
    names: Iterable[str] = METRICS,
) -> dict[str, float]:
    """Return the metrics ``names`` (default: every one of :data:`METRICS`) for integer-coded labels.

    For two classes, ``positive`` (the minority's code) is the positive class; for more, the
    figures are macro averages. ``proba`` has one column per class code.
    """
    fold = _Fold(y_true, y_pred, proba, n_classes, positive if n_classes == 2 else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {name: _SCORERS[name](fold) for name in names}


class _Fold:
    """The labels of one fold, and what several metrics share (computed once).

    Every figure is computed from the fold's confusion matrix and sorted scores with the very
    operations scikit-learn uses (same order, same float types), so the values are its values to
    the last bit (``tests/unit/test_evaluate.py`` checks it against scikit-learn's functions on
    ties, empty classes and predictions of one class), without its input validation, which took
    nine tenths of a fold's scoring time (45 ms a fold on six classes; a comparison scores hundreds).
    """

    def __init__(self, y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray, n_classes: int,
                 positive: int | None) -> None:
        self.y_true = np.asarray(y_true, dtype=np.int64)
        self.y_pred = np.asarray(y_pred, dtype=np.int64)
        self.proba, self.positive, self.n = np.asarray(proba, dtype=float), positive, n_classes
        if self.y_true.shape != self.y_pred.shape or (len(self.y_true) and (
                min(self.y_true.min(), self.y_pred.min()) < 0
                or max(self.y_true.max(), self.y_pred.max()) >= n_classes)):
            raise ValueError("labels must be class codes 0 to n_classes - 1, one per row")
        matrix = np.bincount(self.y_true * n_classes + self.y_pred, minlength=n_classes * n_classes)
        self.matrix = matrix.reshape(n_classes, n_classes)  # rows: the truth, columns: the prediction
        self.tp = np.diag(self.matrix)
        self.true_sum, self.pred_sum = self.matrix.sum(axis=1), self.matrix.sum(axis=0)
        self.labels = list(range(n_classes))
        self.present = [c for c in self.labels if self.true_sum[c] > 0]
        self.recalls = _divide(self.tp, self.true_sum)  # the recall of every class code

    def averaged(self, per_class: np.ndarray) -> float:
        """A per-class figure of the positive class for two classes, its macro average for more."""
        if self.positive is not None:
            return float(per_class[self.positive])
        return float(np.mean(per_class))

    def f_beta(self, beta: int) -> float:
        beta2 = beta ** 2
        denominator = beta2 * self.true_sum.astype(np.float64) + self.pred_sum.astype(np.float64)
        return self.averaged(_divide((1 + beta2) * self.tp.astype(np.float64), denominator))

    def ranking(self, metric: Callable[[np.ndarray, np.ndarray], float]) -> float:
        """A threshold-free ``metric`` of the positive class, or its mean over the classes present."""
        classes = [self.positive] if self.positive is not None else self.present
        values = []
        for c in classes:
            one = self.y_true == c
            if 0 < one.sum() < len(one):
                values.append(metric(one, self.proba[:, c]))
        if self.positive is not None:
            return float(values[0]) if values else math.nan
        return float(np.mean(values)) if values else math.nan

    def g_mean(self) -> float:
        """The geometric mean of the recalls of the classes present."""
        product = float(np.prod([self.recalls[c] for c in self.present]))
        return product ** (1 / len(self.present)) if self.present else math.nan

    def mcc(self) -> float:
        """Matthews' correlation, as ``sklearn.metrics.matthews_corrcoef`` computes it."""
        t_sum, p_sum = self.true_sum.astype(np.float64), self.pred_sum.astype(np.float64)
        n_correct = np.trace(self.matrix, dtype=np.float64)
        n_samples = p_sum.sum()
        cov_ytyp = n_correct * n_samples - np.dot(t_sum, p_sum)
        cov_ypyp = n_samples ** 2 - np.dot(p_sum, p_sum)
        cov_ytyt = n_samples ** 2 - np.dot(t_sum, t_sum)
        both = cov_ypyp * cov_ytyt
        return 0.0 if both == 0 else float(cov_ytyp / np.sqrt(both))


def _divide(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """``top / bottom`` in float64, 0 where ``bottom`` is 0 (scikit-learn's ``zero_division=0``)."""
    mask = bottom == 0
    bottom = np.asarray(bottom, dtype=np.float64).copy()
    bottom[mask] = 1
    result = np.asarray(top, dtype=np.float64) / bottom
    result[mask] = 0.0
    return result


def _at_thresholds(positive: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False and true positives at each distinct score, highest first (scikit-learn's
    ``confusion_matrix_at_thresholds`` without weights)."""
    if not np.isfinite(scores).all():
        raise ValueError("the scores hold NaN or infinity")
    order = np.argsort(scores, kind="stable")[::-1]
    scores, truth = scores[order], positive[order].astype(np.float64)
    idx = np.concatenate([np.flatnonzero(np.diff(scores)), [len(truth) - 1]])
    tps = np.cumsum(truth, dtype=np.float64)[idx]
    return 1 + idx.astype(np.float64) - tps, tps


def _roc_auc(positive: np.ndarray, scores: np.ndarray) -> float:
    """``sklearn.metrics.roc_auc_score`` of one class (both kinds present): the trapezoids under
    the ROC curve without its collinear points."""
    fps, tps = _at_thresholds(positive, scores)
    if len(fps) > 2:
        keep = np.flatnonzero(np.concatenate([[True], np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), [True]]))
        fps, tps = fps[keep], tps[keep]
    tps, fps = np.concatenate([[0.0], tps]), np.concatenate([[0.0], fps])
    return float(trapezoid(tps / tps[-1], fps / fps[-1]))


def _average_precision(positive: np.ndarray, scores: np.ndarray) -> float:
    """``sklearn.metrics.average_precision_score`` of one class (both kinds present)."""
    fps, tps = _at_thresholds(positive, scores)
    ps = tps + fps
    precision = np.where(ps != 0, np.divide(tps, ps, out=np.zeros_like(tps), where=ps != 0), 0.0)
    recall = tps / tps[-1]
    precision = np.concatenate([precision[::-1], [1.0]])
    recall = np.concatenate([recall[::-1], [0.0]])
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


_SCORERS: dict[str, Callable[[_Fold], float]] = {
    "accuracy": lambda f: float(np.mean(f.y_true == f.y_pred)),
    "balanced_accuracy": lambda f: float(np.mean([f.recalls[c] for c in f.present])),
    "precision": lambda f: f.averaged(_divide(f.tp, f.pred_sum)),
    "recall": lambda f: f.averaged(f.recalls),
    "f1": lambda f: f.f_beta(1),
    "f2": lambda f: f.f_beta(2),
    "roc_auc": lambda f: f.ranking(_roc_auc),
    "pr_auc": lambda f: f.ranking(_average_precision),
    "g_mean": lambda f: f.g_mean(),
    "mcc": lambda f: f.mcc(),
}


#: Metrics a decision threshold does not change (they rank the rows by their probability).
THRESHOLD_FREE = frozenset({"roc_auc", "pr_auc"})


def threshold_scores(positive: np.ndarray, scores: np.ndarray, thresholds: np.ndarray,
                     names: Iterable[str]) -> dict[str, np.ndarray]:
    """Two classes: each metric of ``names`` (threshold-dependent ones of :data:`METRICS`) when the
    rows whose score is at least each of ``thresholds`` are predicted positive, computed from the
    counts as :func:`score` computes them (zero where a share has nothing to divide)."""
    positive = np.asarray(positive, dtype=bool)
    scores = np.asarray(scores, dtype=float)
    thresholds = np.asarray(thresholds, dtype=float)
    pos, neg = np.sort(scores[positive]), np.sort(scores[~positive])
    tp = (len(pos) - np.searchsorted(pos, thresholds, side="left")).astype(float)
    fp = (len(neg) - np.searchsorted(neg, thresholds, side="left")).astype(float)
    fn, tn = len(pos) - tp, len(neg) - fp

    def share(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
        return np.divide(top, bottom, out=np.zeros_like(top), where=bottom > 0)

    recalls = [r for r, n in ((share(tp, tp + fn), len(pos)), (share(tn, tn + fp), len(neg))) if n]
    formulas: dict[str, Callable[[], np.ndarray]] = {
        "accuracy": lambda: share(tp + tn, tp + tn + fp + fn),
        "balanced_accuracy": lambda: np.mean(recalls, axis=0),
        "precision": lambda: share(tp, tp + fp),
        "recall": lambda: share(tp, tp + fn),
        "f1": lambda: share(2 * tp, 2 * tp + fp + fn),
        "f2": lambda: share(5 * tp, 5 * tp + 4 * fn + fp),
        "g_mean": lambda: np.prod(recalls, axis=0) ** (1 / len(recalls)),
        "mcc": lambda: share(tp * tn - fp * fn, np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))),
    }
    out = {}
    for name in names:
        if name not in formulas:
            raise ValueError(f"{name} does not depend on a threshold")
        out[name] = np.asarray(formulas[name](), dtype=float)
    return out


def best_threshold(positive: np.ndarray, scores: np.ndarray, metric: str, most: int = 1000) -> tuple[float, float]:
    """The threshold on ``scores`` (predict positive at or above it) that maximises ``metric`` on
    these rows, and the metric there. Candidates lie halfway between neighbouring distinct scores
    (at most ``most``, spread by quantiles); among equally good ones the best balanced accuracy
    wins, then the lowest."""
    values = np.unique(np.asarray(scores, dtype=float))
    if len(values) > most:
        values = np.unique(np.quantile(values, np.linspace(0, 1, most)))
    above = np.nextafter(values[-1], np.inf) if len(values) else 1.0
    candidates = np.concatenate([values[:1], (values[:-1] + values[1:]) / 2, [above]])
    table = threshold_scores(positive, scores, candidates, {metric, "balanced_accuracy"})
    value = np.nan_to_num(table[metric], nan=-np.inf)
    tied = np.flatnonzero(value >= value.max() - 1e-12)
    best = int(tied[np.argmax(table["balanced_accuracy"][tied])])
    return float(candidates[best]), float(table[metric][best])


def per_class(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> list[dict[str, Any]]:
    """Return precision, recall, F1 and support of each class code."""
    labels = list(range(n_classes))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, s = skm.precision_recall_fscore_support(
            y_true, y_pred, labels=labels, zero_division=0
        )
    return [
        {"precision": float(p[c]), "recall": float(r[c]), "f1": float(f[c]), "support": int(s[c])}
        for c in labels
    ]


def curve_points(y_true: np.ndarray, proba: np.ndarray, positive: int) -> dict[str, list[float]]:
    """Return ROC (fpr, tpr) and precision-recall points for one class, thinned to <= 200 each."""
    one = (y_true == positive).astype(int)
    if one.sum() in (0, len(one)):
        return {"fpr": [], "tpr": [], "precision": [], "recall": []}
    fpr, tpr, _ = skm.roc_curve(one, proba[:, positive])
    precision, recall, _ = skm.precision_recall_curve(one, proba[:, positive])

    def thin(*arrays: np.ndarray) -> list[list[float]]:
        step = max(1, len(arrays[0]) // 200)
        return [a[::step].tolist() + [float(a[-1])] for a in arrays]

    fpr_l, tpr_l = thin(fpr, tpr)
    precision_l, recall_l = thin(precision, recall)
    return {"fpr": fpr_l, "tpr": tpr_l, "precision": precision_l, "recall": recall_l}


def _confidence(y_true: np.ndarray, proba: np.ndarray, positive: int | None) -> tuple[np.ndarray, np.ndarray]:
    """What the bins are over, and what happened: the positive class's probability and whether a row
    is positive (two classes), or the top class's probability and whether it was right (more)."""
    if positive is not None:
        return proba[:, positive], (y_true == positive).astype(float)
    return proba.max(axis=1), (proba.argmax(axis=1) == y_true).astype(float)


def reliability(y_true: np.ndarray, proba: np.ndarray, positive: int | None) -> list[dict[str, float]]:
    """The reliability diagram: per non-empty bin of :data:`BINS`, the mean predicted probability,
    the observed rate and the rows (see :func:`_confidence` for what is binned)."""
    predicted, observed = _confidence(y_true, proba, positive)
    bins = np.minimum((predicted * BINS).astype(int), BINS - 1)
    return [{"bin": b / BINS, "predicted": float(predicted[bins == b].mean()),
             "observed": float(observed[bins == b].mean()), "rows": int((bins == b).sum())}
            for b in range(BINS) if np.any(bins == b)]


def calibration(y_true: np.ndarray, proba: np.ndarray, positive: int | None) -> dict[str, float]:
    """Brier score, log loss and expected calibration error of out-of-fold probabilities (see
    :data:`CALIBRATION`); ``positive`` is the minority's code for two classes, None for more."""
    if not len(y_true):
        return dict.fromkeys(CALIBRATION, math.nan)
    onehot = np.eye(proba.shape[1])[y_true]
    if positive is not None:
        brier = float(np.mean((proba[:, positive] - onehot[:, positive]) ** 2))
    else:
        brier = float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))
    bins = reliability(y_true, proba, positive)
    ece = sum(b["rows"] * abs(b["predicted"] - b["observed"]) for b in bins) / len(y_true)
    loss = skm.log_loss(y_true, proba, labels=list(range(proba.shape[1])))
    return {"brier": brier, "log_loss": float(loss), "ece": float(ece)}


__all__ = ["BINS", "CALIBRATION", "COST_METRICS", "LOWER_IS_BETTER", "METRICS", "THRESHOLD_FREE", "best_threshold",
           "calibration", "checked_metric", "curve_points", "metric_label", "per_class", "reliability", "score",
           "threshold_scores"]
