"""What an evaluation means, in plain sentences, and whether a change is beyond the noise.

**Noise.** A tactic and no balancing are scored on the same splits, so each split gives a paired
difference. Training folds share most of their rows, which makes the plain paired t-test far too
sure of itself; the Nadeau-Bengio corrected resampled t-test (Nadeau & Bengio, 2003; Bouckaert &
Frank, 2004 for repeated K-fold) widens the variance by the overlap:

    t = mean(d) / sqrt((1 / J + n_test / n_train) * var(d)),  J - 1 degrees of freedom,

over the J paired differences ``d`` (``var`` with ddof=1). The p-value is one-sided, in the
direction of the change (the test compare uses for "clearly better", there also corrected for
many tactics by Holm); a change is *beyond the fold-to-fold noise* when it is below
:data:`ALPHA`.

**Sentences.** :func:`explain` says what the tactic finds and what it costs in counts from the
pooled confusion matrices (two classes: positives found, false alarms; more classes: each class's
rows found), then which metrics changed beyond the noise (better, worse) and which did not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from .metrics import METRICS
from .profiling import label_str

if TYPE_CHECKING:
    from .evaluate import Evaluation

#: A change is beyond the noise when the corrected t-test's p is below this.
ALPHA = 0.05
#: Metrics the sentences judge, in this order (accuracy misleads on imbalanced data: left out).
JUDGED = ("recall", "precision", "f1", "f2", "balanced_accuracy", "g_mean", "mcc", "pr_auc", "roc_auc")
#: The most classes listed one by one.
MAX_CLASSES = 12


def corrected_ttest(differences: Sequence[float] | np.ndarray, test_share: float) -> tuple[float, float]:
    """The mean of the paired ``differences`` (one per split; NaN ones left out) and the one-sided p,
    in the direction of that mean, of the Nadeau-Bengio corrected resampled t-test; ``test_share``
    is n_test / n_train of a split (1 / (K - 1) for K folds). Fewer than two differences give
    p = NaN; differences that are all equal give p = 0 when they are not 0, else 1."""
    d = np.asarray([v for v in np.asarray(differences, dtype=float).ravel() if math.isfinite(v)])
    if not d.size:
        return math.nan, math.nan
    mean = float(d.mean())
    if d.size < 2:
        return mean, math.nan
    variance = float(d.var(ddof=1))
    if variance <= 1e-24:
        return mean, 0.0 if abs(mean) > 1e-12 else 1.0
    t = mean / math.sqrt((1 / d.size + max(test_share, 0.0)) * variance)
    return mean, float(stats.t.sf(abs(t), d.size - 1))


def explain(evaluation: Evaluation) -> list[str]:
    """Plain sentences about ``evaluation``: what it finds and what it costs (in counts, against no
    balancing), which changes are beyond the fold-to-fold noise and which are not."""
    out = _counts(evaluation)
    base = evaluation.baseline
    if base is None:
        if evaluation.requested != "none":
            out.append("No baseline was scored, so nothing says whether this beats no balancing.")
        return out
    out += _changes(evaluation, base)
    return out


# --------------------------------------------------------------------------------------------
# counts


def _number(value: float) -> str:
    """A count: whole numbers as they are, means over repeats to one decimal."""
    return f"{int(round(value)):,}" if abs(value - round(value)) < 1e-9 else f"{value:,.1f}"


def _name(evaluation: Evaluation) -> str:
    return "No balancing" if evaluation.requested == "none" else evaluation.method


def _counts(evaluation: Evaluation) -> list[str]:
    """Found and false alarms (two classes), or each class's rows found (more)."""
    matrix = np.asarray(evaluation.confusion_matrix, dtype=float)
    base = evaluation.baseline
    theirs = np.asarray(base.confusion_matrix, dtype=float) if base is not None else None
    mean = f" (the mean over {evaluation.repeats} repeats)" if evaluation.repeats > 1 else ""
    if evaluation.positive is not None:
        return [_binary(evaluation, matrix, theirs, mean)]
    return _multiclass(evaluation, matrix, theirs, mean)


def _binary(evaluation: Evaluation, matrix: np.ndarray, theirs: np.ndarray | None, mean: str) -> str:
    p = evaluation.labels.index(evaluation.positive)
    positive = label_str(evaluation.positive)

    def figures(m: np.ndarray) -> tuple[float, float, float]:
        return float(m[p, p]), float(m[p].sum()), float(m[:, p].sum() - m[p, p])

    found, total, alarms = figures(matrix)
    flagged = found + alarms
    text = f"{_name(evaluation)} finds {_number(found)} of {_number(total)} positives ({positive!r})"
    if theirs is not None:
        their_found, _, their_alarms = figures(theirs)
        text += (f" (no balancing: {_number(their_found)}), at the cost of {_number(alarms)} false alarm"
                 f"{'' if alarms == 1 else 's'} (no balancing: {_number(their_alarms)})")
    else:
        text += f", with {_number(alarms)} false alarm{'' if alarms == 1 else 's'}"
    text += mean + "."
    if flagged:
        text += (f" Of the {_number(flagged)} rows it flags, {found / flagged:.1%} are positives"
                 + (f" (no balancing: {_share(theirs, p)})" if theirs is not None else "") + ".")
    return text


def _share(matrix: np.ndarray | None, p: int) -> str:
    if matrix is None or not matrix[:, p].sum():
        return "it flags none"
    return f"{matrix[p, p] / matrix[:, p].sum():.1%}"


def _multiclass(evaluation: Evaluation, matrix: np.ndarray, theirs: np.ndarray | None, mean: str) -> list[str]:
    parts = []
    for c, label in enumerate(evaluation.labels[:MAX_CLASSES]):
        text = f"{label_str(label)!r} {_number(matrix[c, c])} of {_number(matrix[c].sum())}"
        if theirs is not None:
            text += f" (no balancing: {_number(theirs[c, c])})"
        parts.append(text)
    more = len(evaluation.labels) - MAX_CLASSES
    tail = f"; and {more} more classes (see the per-class table)" if more > 0 else ""
    return [f"{_name(evaluation)} finds, per class{mean}: {'; '.join(parts)}{tail}."]


# --------------------------------------------------------------------------------------------
# changes against no balancing


def _changes(evaluation: Evaluation, base: Evaluation) -> list[str]:
    significant = evaluation.significant
    better: list[str] = []
    worse: list[str] = []
    within: list[str] = []
    for m in JUDGED:
        ours, theirs = evaluation.metrics.get(m, math.nan), base.metrics.get(m, math.nan)
        if math.isnan(ours) or math.isnan(theirs) or m not in evaluation.p_values:
            continue
        text = f"{METRICS[m][0]} {ours:.3f} vs {theirs:.3f}"
        if significant.get(m, False):
            (better if evaluation.changes[m] > 0 else worse).append(f"{text} ({evaluation.changes[m]:+.3f})")
        else:
            within.append(text)
    out = []
    test = f"corrected paired t-test over {evaluation.splits} folds, p < {ALPHA}"
    if better or worse:
        parts = ([f"better: {', '.join(better)}"] if better else []) + ([f"worse: {', '.join(worse)}"] if worse else [])
        out.append(f"Beyond the fold-to-fold noise ({test}): {'; '.join(parts)}.")
    else:
        few = (f" With {evaluation.splits} folds the test can only see large changes; repeats (say 5) give it "
               "more splits." if evaluation.repeats == 1 and evaluation.splits < 10 else "")
        out.append(f"No metric changed beyond the fold-to-fold noise ({test}).{few}")
    if within:
        out.append(f"Within the noise (no real change): {', '.join(within)}.")
    out += _ranking(evaluation, base, significant)
    out += _cost(evaluation, base)
    return out


def _ranking(evaluation: Evaluation, base: Evaluation, significant: dict[str, bool]) -> list[str]:
    """When the threshold metrics rose but the ranking did not: say where the gain comes from."""
    ranking = "pr_auc" if evaluation.positive is not None else "roc_auc"
    finds_more = significant.get("recall", False) and evaluation.changes.get("recall", 0) > 0
    ranks_better = significant.get(ranking, False) and evaluation.changes.get(ranking, 0) > 0
    ours, theirs = evaluation.metrics.get(ranking, math.nan), base.metrics.get(ranking, math.nan)
    if not finds_more or ranks_better or math.isnan(ours) or math.isnan(theirs):
        return []
    label = METRICS[ranking][0]
    how = ("it fell beyond the fold-to-fold noise" if significant.get(ranking, False)
           else "within the fold-to-fold noise")
    return [f"{label} did not improve ({ours:.3f} vs {theirs:.3f}, {how}): the model does not rank the "
            "positives better, it flags more rows; a lower decision threshold on the plain model would find "
            "more positives too."]


def _cost(evaluation: Evaluation, base: Evaluation) -> list[str]:
    if evaluation.expected_cost is None or base.expected_cost is None or "expected_cost" not in evaluation.p_values:
        return []
    p = evaluation.p_values["expected_cost"]
    judged = ("beyond the fold-to-fold noise" if not math.isnan(p) and p < ALPHA
              else "within the fold-to-fold noise")
    return [f"Expected cost per 1,000 rows: {evaluation.expected_cost:,.2f} vs {base.expected_cost:,.2f} with no "
            f"balancing ({judged})."]


def significance(evaluation: Evaluation) -> dict[str, Any]:
    """Per metric: the change against the baseline, its p and whether it is beyond the noise."""
    return {m: {"change": evaluation.changes.get(m), "p_value": p, "significant": bool(p < ALPHA)}
            for m, p in evaluation.p_values.items() if not math.isnan(p)}


__all__ = ["ALPHA", "JUDGED", "MAX_CLASSES", "corrected_ttest", "explain", "significance"]
