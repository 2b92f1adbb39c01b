"""From scores to a decision: error costs, the threshold they imply, and probabilities corrected
back to the class rates the model will meet.

**Costs.** For two classes ``{"fn": 500, "fp": 5}``: the cost of a missed positive (the minority is
the positive class) and of a false alarm. For any number of classes a cost matrix
``{"true,pred": cost}`` with labels as text; a cell left out costs 1 off the diagonal and 0 on it.
A correct prediction costs nothing, so a perfect model costs 0 and every figure is the cost of
errors. Expected costs are given per :data:`PER_ROWS` rows.

**The decision.** With calibrated probabilities the cost-optimal decision for two classes is the
positive class when its probability is above the Bayes threshold ``fp / (fp + fn)``
(:func:`bayes_threshold`); for more classes, the class of least expected cost
(:meth:`Rule.decide`). Without calibration the threshold is searched on out-of-fold
probabilities of the training rows (:func:`search_threshold`); for more classes the model's
probabilities are then taken as they are. Without costs the decision is the model's own: that is
what a tactic is for.

**Prior correction** (Dal Pozzolo et al., 2015, for any class rates): a model trained on class
rates ``pi'`` (after resampling, or weighted) gives ``p'``; at the true rates ``pi`` the
probability is ``p_c ∝ p'_c * pi_c / pi'_c``, normalised (:func:`prior_weights`,
:meth:`Rule.probabilities`). :class:`ClassCounter` records the rates the model really saw.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .errors import ParameterError
from .parameters import plain_json
from .profiling import label_str, suggest

#: Expected costs are per this many rows.
PER_ROWS = 1000
#: calibration -> what it does (the order of every list of them).
CALIBRATIONS: dict[str, str] = {
    "none": "as the model gives them",
    "prior": "corrected in closed form from the class rates the model was trained on to the true ones",
    "sigmoid": "corrected by a sigmoid (Platt scaling) fitted by 3-fold cross-validation inside the training rows",
    "isotonic": "corrected by isotonic regression fitted by 3-fold cross-validation inside the training rows",
}
#: Points of the cost curve: thresholds from 0 to 1.
CURVE_POINTS = 101


def checked_calibration(value: str | None) -> str | None:
    """``value`` as a known calibration name (None stays None: the default), or :class:`ParameterError`."""
    if value is None:
        return None
    key = str(value).strip().lower()
    if key not in CALIBRATIONS:
        raise ParameterError(f"unknown calibration {value!r}.{suggest(key, list(CALIBRATIONS))} "
                             f"The calibrations are: {', '.join(CALIBRATIONS)}")
    return key


# --------------------------------------------------------------------------------------------
# costs


@dataclasses.dataclass(frozen=True, eq=False)
class Costs:
    """Error costs as a matrix over class codes, ``matrix[true, predicted]``, with a zero diagonal.

    ``labels`` are the classes in code order (largest first); ``positive`` is the minority's code
    for two classes (None for more).
    """

    labels: tuple[Hashable, ...]
    matrix: np.ndarray
    positive: int | None

    @property
    def fn(self) -> float:
        """Two classes: the cost of a missed positive."""
        assert self.positive is not None
        return float(self.matrix[self.positive, 1 - self.positive])

    @property
    def fp(self) -> float:
        """Two classes: the cost of a false alarm."""
        assert self.positive is not None
        return float(self.matrix[1 - self.positive, self.positive])

    def to_dict(self) -> dict[str, float]:
        """``{"fn", "fp"}`` for two classes, else every off-diagonal cell as ``{"true,pred": cost}``."""
        if self.positive is not None:
            return {"fn": self.fn, "fp": self.fp}
        names = [label_str(v) for v in self.labels]
        return {f"{names[i]},{names[j]}": float(self.matrix[i, j])
                for i in range(len(names)) for j in range(len(names)) if i != j}


#: The largest cost: only the costs' ratios matter, and sums of costs over millions of rows must
#: stay finite (1e308 overflowed to an infinite expected cost and a threshold of 0).
MAX_COST = 1e12


def parse_costs(value: Any, labels: Sequence[Hashable], positive: int | None) -> Costs | None:
    """Read error costs (a mapping, its JSON text, or None for no costs) against the target's classes.

    Raises :class:`ParameterError` for anything but finite, non-negative numbers on known cells:
    ``fn``/``fp`` (two classes only) or ``"true,pred"`` with the labels as text.
    """
    if value is None:
        return None
    if isinstance(value, Costs):
        value = value.to_dict()
    if isinstance(value, str):
        try:
            value = plain_json(value)
        except ValueError:
            raise ParameterError(f"costs must be JSON such as '{{\"fn\": 500, \"fp\": 5}}', got {value[:60]!r}") from None
    if not isinstance(value, Mapping) or not value:
        raise ParameterError("costs must be an object such as {\"fn\": 500, \"fp\": 5}, or for more classes "
                             "{\"true,pred\": cost, ...}")
    matrix = np.ones((len(labels), len(labels))) - np.eye(len(labels))
    for key, cost in value.items():
        matrix[_cell(str(key), labels, positive)] = _cost(key, cost)
    if np.any(np.diag(matrix) != 0):
        raise ParameterError("costs are for errors: a correct prediction (true = predicted) costs 0")
    if not matrix.any():
        raise ParameterError("every cost is 0: give at least one error a cost")
    return Costs(tuple(labels), matrix, positive)


def _cost(key: Any, cost: Any) -> float:
    """One cost as a finite, non-negative number."""
    if isinstance(cost, bool) or not isinstance(cost, (int, float, np.integer, np.floating)):
        raise ParameterError(f"the cost {label_str(key)!r} must be a number, got {json.dumps(cost, default=str)[:40]}")
    number = float(cost)
    if not math.isfinite(number) or not 0 <= number <= MAX_COST:
        raise ParameterError(f"the cost {label_str(key)!r} must be a number from 0 to {MAX_COST:.0e} (only the "
                             f"ratios between costs matter), got {cost}")
    return number


def _cell(key: str, labels: Sequence[Hashable], positive: int | None) -> tuple[int, int]:
    """The (true, predicted) codes a cost's key names: ``fn``, ``fp`` or ``"true,pred"``."""
    if key.strip().lower() in ("fn", "fp"):
        if positive is None:
            raise ParameterError(f"'{key}' is for two classes; this target has {len(labels)}: give a cost "
                                 "matrix such as {\"a,b\": 5} (true a predicted as b costs 5)")
        negative = 1 - positive
        return (positive, negative) if key.strip().lower() == "fn" else (negative, positive)
    by_text = {label_str(v): i for i, v in enumerate(labels)}
    # each class that the key starts with, then a comma, then a class (labels may hold commas);
    # a pass per class, not a split at every comma (which made a long key take minutes)
    stripped = key.strip()
    cells = set()
    for text, code in by_text.items():
        if text and stripped.startswith(text):
            rest = stripped[len(text):].lstrip()
            if rest.startswith(",") and rest[1:].strip() in by_text:
                cells.add((code, by_text[rest[1:].strip()]))
    shown = repr(key[:80] + ("..." if len(key) > 80 else ""))
    if len(cells) == 1:
        return cells.pop()
    if cells:
        raise ParameterError(f"the cost {shown} can be read as more than one pair of classes")
    known = ", ".join(by_text)
    hint = " ('fn' and 'fp' for two classes)" if positive is not None else ""
    raise ParameterError(f"the cost {shown} does not name two classes of the target as \"true,pred\"{hint}; "
                         f"the classes are: {known[:200]}")


def expected_cost(y: np.ndarray, predicted: np.ndarray, costs: Costs) -> float:
    """The mean cost of these predictions, per :data:`PER_ROWS` rows."""
    return float(costs.matrix[y, predicted].mean() * PER_ROWS) if len(y) else math.nan


def nothing_cost(y: np.ndarray, costs: Costs) -> float:
    """The cost of doing nothing, per :data:`PER_ROWS` rows: always predicting the majority (code 0),
    which for two classes is never predicting the positive class."""
    return expected_cost(y, np.zeros_like(y), costs)


def bayes_threshold(costs: Costs) -> float:
    """Two classes: the probability of the positive class above which predicting it costs less,
    ``fp / (fp + fn)``, for calibrated probabilities."""
    return costs.fp / (costs.fp + costs.fn)


def costs_at(positive: np.ndarray, scores: np.ndarray, thresholds: np.ndarray, costs: Costs) -> np.ndarray:
    """The cost per :data:`PER_ROWS` rows of predicting the positive class where ``scores`` is above
    each threshold; ``positive`` marks the rows that are."""
    pos = np.sort(scores[positive])
    neg = np.sort(scores[~positive])
    missed = np.searchsorted(pos, thresholds, side="right")  # positives at or below the threshold
    alarms = len(neg) - np.searchsorted(neg, thresholds, side="right")
    return (missed * costs.fn + alarms * costs.fp) / max(len(scores), 1) * PER_ROWS


def search_threshold(positive: np.ndarray, scores: np.ndarray, costs: Costs) -> float:
    """Two classes, uncalibrated scores: the threshold of least cost on these (out-of-fold) scores.

    Candidates are 0, 1 and the midpoints between neighbouring scores; among equally cheap ones the
    nearest to the Bayes threshold wins (the choice theory would make for calibrated scores).
    """
    values = np.unique(scores)
    candidates = np.concatenate([[0.0], (values[:-1] + values[1:]) / 2, [1.0]])
    cost = costs_at(positive, scores, candidates, costs)
    best = np.flatnonzero(cost == cost.min())
    return float(candidates[best[np.argmin(np.abs(candidates[best] - bayes_threshold(costs)))]])


def cost_curve(positive: np.ndarray, scores: np.ndarray, costs: Costs) -> list[tuple[float, float]]:
    """Expected cost per :data:`PER_ROWS` rows against the threshold, at :data:`CURVE_POINTS` thresholds."""
    thresholds = np.linspace(0.0, 1.0, CURVE_POINTS)
    return [(float(t), float(c)) for t, c in zip(thresholds, costs_at(positive, scores, thresholds, costs))]


# --------------------------------------------------------------------------------------------
# prior correction


def prior_weights(true_counts: np.ndarray, model_counts: np.ndarray, class_weights: np.ndarray) -> np.ndarray:
    """Per class code, ``pi_c / pi'_c``: the true rate over the rate the model was trained on.

    ``true_counts`` are the training rows per class before resampling; ``model_counts`` the rows
    the model saw (after resampling); ``class_weights`` the weight of each class's rows.
    """
    true_rates = true_counts / true_counts.sum()
    seen = model_counts * class_weights
    model_rates = seen / seen.sum()
    return np.divide(true_rates, model_rates, out=np.zeros_like(true_rates, dtype=float), where=model_rates > 0)


def pipeline_prior(pipeline: Any, class_weight: Any, y: np.ndarray, n: int) -> np.ndarray:
    """The prior correction's weights for a fitted pipeline: the training rows' class rates (``y``,
    codes 0..n-1) over those the model saw (counted by its ``count`` step after the sampler, when it
    has one), weighted by ``class_weight`` (None, ``"balanced"``: inversely proportional to what the
    model saw, or a weight per class code)."""
    true = np.bincount(y, minlength=n)
    counter = pipeline.named_steps.get("count")
    seen = true if counter is None else np.pad(counter.counts_, (0, n - len(counter.counts_)))
    if class_weight is None:
        weights = np.ones(n)
    elif isinstance(class_weight, str) and class_weight == "balanced":
        weights = np.divide(1.0, seen, out=np.zeros(n), where=seen > 0)
    else:
        weights = np.array([class_weight[c] for c in range(n)], dtype=float)
    return prior_weights(true, seen, weights)


def decision_rule(positive: int | None, weights: np.ndarray | None, costs: Costs | None, calibration: str,
                  searched: Callable[[], float]) -> Rule:
    """The :class:`Rule` of a model fitted in a training fold, as evaluate, compare and the exported
    script make it: with costs for two classes, the Bayes threshold on calibrated probabilities, or
    without calibration ``searched()`` (the threshold of least cost on the inner folds' out-of-fold
    probabilities, asked only then); with costs for more classes, the cost matrix."""
    threshold = matrix = None
    if costs is not None and costs.positive is not None:
        threshold = bayes_threshold(costs) if calibration != "none" else searched()
    elif costs is not None:
        matrix = costs.matrix
    return Rule(positive, weights, threshold, matrix)


class ClassCounter(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """A pipeline step that passes its input through and records the rows per class it was fitted
    on: placed after a sampler, it sees the class counts the model is trained on."""

    def fit(self, x: Any, y: Any = None) -> ClassCounter:
        """Record the class codes' counts."""
        self.counts_ = np.bincount(np.asarray(y, dtype="int64"))
        return self

    def transform(self, x: Any) -> Any:
        """Return ``x`` unchanged."""
        return x


# --------------------------------------------------------------------------------------------
# from a fitted model to probabilities and a decision


@dataclasses.dataclass(frozen=True, eq=False)
class Rule:
    """How a fitted model's probabilities become the probabilities given and the decision.

    ``weights``: the prior correction per class code (None: the probabilities as they are).
    ``threshold``: two classes with costs, the positive class where its probability is above it.
    ``costs``: more classes with costs, the matrix whose least expected cost decides.
    Without either, the decision is the model's own (:attr:`decides` is False).
    """

    positive: int | None = None
    weights: np.ndarray | None = None
    threshold: float | None = None
    costs: np.ndarray | None = None

    @property
    def decides(self) -> bool:
        """Whether the rule makes the decision (with costs), not the model."""
        return self.threshold is not None or self.costs is not None

    def probabilities(self, raw: np.ndarray) -> np.ndarray:
        """The model's probabilities, corrected to the true class rates when there are weights."""
        if self.weights is None:
            return raw
        scaled = raw * self.weights
        total = scaled.sum(axis=1, keepdims=True)
        return np.divide(scaled, total, out=np.full_like(scaled, 1 / raw.shape[1]), where=total > 0)

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """The class code of least expected cost for each row of ``proba``."""
        if self.threshold is not None:
            assert self.positive is not None
            return np.where(proba[:, self.positive] > self.threshold, self.positive, 1 - self.positive)
        assert self.costs is not None
        return np.asarray(np.argmin(proba @ self.costs, axis=1), dtype="int64")

    def to_dict(self) -> dict[str, Any]:
        """Plain values (for a model file: no class of its own to trust)."""
        return {"positive": self.positive, "threshold": self.threshold,
                "weights": None if self.weights is None else [float(w) for w in self.weights],
                "costs": None if self.costs is None else self.costs.tolist()}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Rule:
        """The rule :meth:`to_dict` wrote."""
        weights, costs = values.get("weights"), values.get("costs")
        return cls(positive=values.get("positive"), threshold=values.get("threshold"),
                   weights=None if weights is None else np.asarray(weights, dtype=float),
                   costs=None if costs is None else np.asarray(costs, dtype=float))


def _proba(estimator: Any, rows: Any, n_classes: int) -> np.ndarray:
    """``estimator``'s probabilities with one column per class code (zeros for a class it never saw)."""
    out = np.zeros((len(rows), n_classes))
    out[:, np.asarray(estimator.classes_, dtype="int64")] = estimator.predict_proba(rows)
    return out


@dataclasses.dataclass(frozen=True, eq=False)
class Fitted:
    """A tactic's fitted model and its :class:`Rule`.

    ``pipeline`` is the tactic's own model (its probabilities before any calibration, and its own
    decision); ``calibrated`` the scikit-learn calibrated model when calibration is sigmoid or
    isotonic. Either may be None when nothing needs it.
    """

    pipeline: Any | None
    calibrated: Any | None
    rule: Rule
    n_classes: int

    def raw_proba(self, rows: Any) -> np.ndarray:
        """The tactic's own probabilities, uncorrected."""
        return _proba(self.pipeline, rows, self.n_classes)

    def proba(self, rows: Any, raw: np.ndarray | None = None) -> np.ndarray:
        """The calibrated probabilities (the tactic's own when calibration is none); ``raw`` is
        :meth:`raw_proba` of ``rows`` when the caller has it already."""
        if self.calibrated is not None:
            return _proba(self.calibrated, rows, self.n_classes)
        return self.rule.probabilities(self.raw_proba(rows) if raw is None else raw)

    def predict(self, rows: Any, proba: np.ndarray) -> np.ndarray:
        """The class codes decided for ``rows``, whose :meth:`proba` is ``proba``."""
        if self.rule.decides:
            return self.rule.decide(proba)
        assert self.pipeline is not None  # kept whenever the model decides
        return np.asarray(self.pipeline.predict(rows), dtype="int64")


__all__ = [
    "CALIBRATIONS",
    "CURVE_POINTS",
    "PER_ROWS",
    "ClassCounter",
    "Costs",
    "Fitted",
    "Rule",
    "bayes_threshold",
    "checked_calibration",
    "cost_curve",
    "costs_at",
    "decision_rule",
    "expected_cost",
    "nothing_cost",
    "parse_costs",
    "pipeline_prior",
    "prior_weights",
    "search_threshold",
]
