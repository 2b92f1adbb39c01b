"""Imbalance metrics: one function scores a fold, with the minority as the positive class."""

from __future__ import annotations

import math
import warnings
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
    y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray, n_classes: int, positive: int | None
) -> dict[str, float]:
    """Return every metric of :data:`METRICS` for integer-coded labels.

    For two classes, ``positive`` (the minority's code) is the positive class; for more, the
    figures are macro averages. ``proba`` has one column per class code.
    """
    out: dict[str, float] = {}
    labels = list(range(n_classes))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["accuracy"] = float(skm.accuracy_score(y_true, y_pred))
        recalls = skm.recall_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
        present = [c for c in labels if np.any(y_true == c)]
        out["balanced_accuracy"] = float(np.mean([recalls[c] for c in present]))
        if n_classes == 2 and positive is not None:
            kw = {"pos_label": positive, "average": "binary", "zero_division": 0}
            out["precision"] = float(skm.precision_score(y_true, y_pred, **kw))
            out["recall"] = float(skm.recall_score(y_true, y_pred, **kw))
            out["f1"] = float(skm.f1_score(y_true, y_pred, **kw))
            out["f2"] = float(skm.fbeta_score(y_true, y_pred, beta=2, **kw))
            positive_true = (y_true == positive).astype(int)
            if 0 < positive_true.sum() < len(positive_true):
                out["roc_auc"] = float(skm.roc_auc_score(positive_true, proba[:, positive]))
                out["pr_auc"] = float(skm.average_precision_score(positive_true, proba[:, positive]))
            else:
                out["roc_auc"] = out["pr_auc"] = math.nan
        else:
            kw2 = {"labels": labels, "average": "macro", "zero_division": 0}
            out["precision"] = float(skm.precision_score(y_true, y_pred, **kw2))
            out["recall"] = float(skm.recall_score(y_true, y_pred, **kw2))
            out["f1"] = float(skm.f1_score(y_true, y_pred, **kw2))
            out["f2"] = float(skm.fbeta_score(y_true, y_pred, beta=2, **kw2))
            aucs, aps = [], []
            for c in present:
                one = (y_true == c).astype(int)
                if 0 < one.sum() < len(one):
                    aucs.append(skm.roc_auc_score(one, proba[:, c]))
                    aps.append(skm.average_precision_score(one, proba[:, c]))
            out["roc_auc"] = float(np.mean(aucs)) if aucs else math.nan
            out["pr_auc"] = float(np.mean(aps)) if aps else math.nan
        product = float(np.prod([recalls[c] for c in present]))
        out["g_mean"] = product ** (1 / len(present)) if present else math.nan
        out["mcc"] = float(skm.matthews_corrcoef(y_true, y_pred))
    return out


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
