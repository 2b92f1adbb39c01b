"""The statistics behind a comparison's verdicts: the corrected resampled t-test, Holm's step-down
correction, and what a metric gives without any information (the best trivial predictor).

* :func:`corrected_t_test` is Nadeau and Bengio's (2003) corrected resampled t-test, as extended
  to repeated K-fold by Bouckaert and Frank (2004): the J = repeats x K paired fold differences
  share training rows, so the variance of their mean is ``(1/J + n_test/n_train) * s^2`` rather
  than ``s^2 / J``; t has J - 1 degrees of freedom. One-sided: the p-value of "the mean difference
  is above zero".
* :func:`holm` adjusts a family of p-values so that the chance of any false claim in the family
  stays under the level (Holm 1979).
* :func:`no_information` is, per metric, the best score a predictor that ignores the features can
  expect on one test fold: always one class (always the majority, always the minority), random
  at the training class rates, or random with equal rates (the one that maximises G-mean and
  balanced accuracy among them). For ROC AUC that is 0.5, for PR AUC the positive class's share
  (a constant score's average precision); for the expected cost, the cheapest of those
  predictors. A tactic that does not beat this has learnt nothing a coin or a constant would not
  give.

Pure functions of numbers; nothing here fits a model.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from scipy import stats as sps

#: The level of every test (one-sided) and of Holm's family-wise error rate.
ALPHA = 0.05

#: Metrics a decision threshold changes (the others rank the rows: ROC AUC, PR AUC).
THRESHOLD_METRICS = ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "f2", "g_mean", "mcc")
#: Metrics that need no threshold: a tactic winning on a threshold metric must not be significantly
#: worse on both of these.
RANKING_METRICS = ("roc_auc", "pr_auc")


def corrected_t_test(differences: Iterable[float], test_share: float) -> float:
    """One-sided p-value that the mean of ``differences`` (paired, one per fold) is above zero, by
    the corrected resampled t-test; ``test_share`` is n_test / n_train (1 / (K - 1) for K folds).

    Non-finite differences are left out; NaN with fewer than two left. With no spread at all the
    answer is 0 when the mean is above zero, else 1.
    """
    d = np.asarray([v for v in differences if v is not None and math.isfinite(v)], dtype=float)
    j = d.size
    if j < 2:
        return math.nan
    mean = float(d.mean())
    var = float(d.var(ddof=1))
    if var <= 1e-24 or not math.isfinite(var):
        return 0.0 if mean > 1e-12 else 1.0
    t = mean / math.sqrt((1.0 / j + test_share) * var)
    return float(sps.t.sf(t, j - 1))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given (NaN stays NaN and is not counted).

    Reject the hypotheses whose adjusted p-value is at most the level: the family-wise error rate
    is then at most the level, whatever the dependence between the tests.
    """
    finite = [(p, i) for i, p in enumerate(p_values) if p is not None and math.isfinite(p)]
    out = [math.nan] * len(p_values)
    m = len(finite)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(finite)):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out


# --------------------------------------------------------------------------------------------
# what a metric gives without information


def confusion_scores(matrix: np.ndarray, positive: int | None) -> dict[str, float]:
    """The threshold metrics of a (possibly fractional, expected) confusion matrix
    ``matrix[true, predicted]``, defined as :func:`balancer.metrics.score` defines them: the
    positive class's figures for two classes, macro averages for more, zero where a ratio has no
    denominator."""
    m = np.asarray(matrix, dtype=float)
    total = m.sum()
    true = m.sum(axis=1)
    predicted = m.sum(axis=0)
    hits = np.diag(m)
    recall = np.divide(hits, true, out=np.zeros_like(hits), where=true > 0)
    precision = np.divide(hits, predicted, out=np.zeros_like(hits), where=predicted > 0)
    present = true > 0

    def f(beta: float, p: np.ndarray, r: np.ndarray) -> np.ndarray:
        top = (1 + beta**2) * p * r
        bottom = beta**2 * p + r
        return np.divide(top, bottom, out=np.zeros_like(top), where=bottom > 0)

    if positive is not None:
        p, r = precision[positive:positive + 1], recall[positive:positive + 1]
        averaged = {"precision": float(p[0]), "recall": float(r[0]), "f1": float(f(1, p, r)[0]),
                    "f2": float(f(2, p, r)[0])}
    else:
        averaged = {"precision": float(precision.mean()), "recall": float(recall.mean()),
                    "f1": float(f(1, precision, recall).mean()), "f2": float(f(2, precision, recall).mean())}
    covariance = total * hits.sum() - float(predicted @ true)
    spread = (total**2 - float(predicted @ predicted)) * (total**2 - float(true @ true))
    return {
        "accuracy": float(hits.sum() / total) if total > 0 else math.nan,
        "balanced_accuracy": float(recall[present].mean()) if present.any() else math.nan,
        **averaged,
        "g_mean": float(np.prod(recall[present]) ** (1 / present.sum())) if present.any() else math.nan,
        "mcc": float(covariance / math.sqrt(spread)) if spread > 0 else 0.0,
    }


def trivial_confusions(true_counts: np.ndarray, train_counts: np.ndarray) -> dict[str, np.ndarray]:
    """The expected confusion matrices of the predictors that ignore the features, on a test fold
    with ``true_counts`` rows per class, learnt from a training fold with ``train_counts``."""
    t = np.asarray(true_counts, dtype=float)
    n = len(t)
    rates = np.asarray(train_counts, dtype=float)
    rates = rates / rates.sum() if rates.sum() > 0 else np.full(n, 1 / n)
    out = {}
    for c in range(n):
        constant = np.zeros((n, n))
        constant[:, c] = t
        out[f"always class {c}"] = constant
    out["random at the class rates"] = np.outer(t, rates)
    out["random, equal rates"] = np.outer(t, np.full(n, 1 / n))
    return out


def no_information(
    true_counts: np.ndarray, train_counts: np.ndarray, positive: int | None,
    costs: np.ndarray | None = None, per_rows: float = 1000.0,
) -> dict[str, float]:
    """Per metric, the best a predictor that ignores the features can expect on this test fold
    (for ``expected_cost``, the lowest cost, per ``per_rows`` rows; only with a ``costs`` matrix)."""
    confusions = trivial_confusions(true_counts, train_counts)
    scored = [confusion_scores(m, positive) for m in confusions.values()]
    best = {name: max(s[name] for s in scored) for name in THRESHOLD_METRICS}
    t = np.asarray(true_counts, dtype=float)
    shares = t / t.sum() if t.sum() > 0 else t
    best["roc_auc"] = 0.5
    if positive is not None:
        best["pr_auc"] = float(shares[positive])
    else:
        best["pr_auc"] = float(shares[t > 0].mean()) if (t > 0).any() else math.nan
    if costs is not None:
        c = np.asarray(costs, dtype=float)
        best["expected_cost"] = min(float((m * c).sum() / max(t.sum(), 1) * per_rows) for m in confusions.values())
    return best


def mean_bound(bounds: Sequence[Mapping[str, float]], metric: str) -> float:
    """The mean over the folds of the no-information value of ``metric``."""
    values = [b.get(metric, math.nan) for b in bounds]
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


__all__ = [
    "ALPHA",
    "RANKING_METRICS",
    "THRESHOLD_METRICS",
    "confusion_scores",
    "corrected_t_test",
    "holm",
    "mean_bound",
    "no_information",
    "trivial_confusions",
]
