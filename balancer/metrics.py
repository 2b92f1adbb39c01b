"""Imbalance metrics: one function scores a fold, with the minority as the positive class."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from sklearn import metrics as skm

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
    """The labels of one fold, and what several metrics share (computed once)."""

    def __init__(self, y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray, n_classes: int,
                 positive: int | None) -> None:
        self.y_true, self.y_pred, self.proba, self.positive = y_true, y_pred, proba, positive
        self.labels = list(range(n_classes))
        self.present = [c for c in self.labels if np.any(y_true == c)]
        self._recalls: np.ndarray | None = None

    @property
    def recalls(self) -> np.ndarray:
        """The recall of every class code."""
        if self._recalls is None:
            self._recalls = skm.recall_score(self.y_true, self.y_pred, labels=self.labels, average=None,
                                             zero_division=0)
        return self._recalls

    def averaged(self, metric: Callable[..., Any], **kw: Any) -> float:
        """``metric`` of the positive class for two classes, its macro average for more."""
        if self.positive is not None:
            kw |= {"pos_label": self.positive, "average": "binary", "zero_division": 0}
        else:
            kw |= {"labels": self.labels, "average": "macro", "zero_division": 0}
        return float(metric(self.y_true, self.y_pred, **kw))

    def ranking(self, metric: Callable[..., Any]) -> float:
        """A threshold-free ``metric`` of the positive class, or its mean over the classes present."""
        classes = [self.positive] if self.positive is not None else self.present
        values = []
        for c in classes:
            one = (self.y_true == c).astype(int)
            if 0 < one.sum() < len(one):
                values.append(metric(one, self.proba[:, c]))
        if self.positive is not None:
            return float(values[0]) if values else math.nan
        return float(np.mean(values)) if values else math.nan

    def g_mean(self) -> float:
        """The geometric mean of the recalls of the classes present."""
        product = float(np.prod([self.recalls[c] for c in self.present]))
        return product ** (1 / len(self.present)) if self.present else math.nan


_SCORERS: dict[str, Callable[[_Fold], float]] = {
    "accuracy": lambda f: float(skm.accuracy_score(f.y_true, f.y_pred)),
    "balanced_accuracy": lambda f: float(np.mean([f.recalls[c] for c in f.present])),
    "precision": lambda f: f.averaged(skm.precision_score),
    "recall": lambda f: f.averaged(skm.recall_score),
    "f1": lambda f: f.averaged(skm.f1_score),
    "f2": lambda f: f.averaged(skm.fbeta_score, beta=2),
    "roc_auc": lambda f: f.ranking(skm.roc_auc_score),
    "pr_auc": lambda f: f.ranking(skm.average_precision_score),
    "g_mean": lambda f: f.g_mean(),
    "mcc": lambda f: float(skm.matthews_corrcoef(f.y_true, f.y_pred)),
}


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


__all__ = ["METRICS", "curve_points", "per_class", "score"]
