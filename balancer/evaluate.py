"""Leakage-safe evaluation: the sampler lives inside the training folds only.

Imputation, encoding, scaling, the sampler and the model form one imbalanced-learn ``Pipeline``,
fitted on the training folds of a stratified K-fold (repeated ``repeats`` times, each with its own
shuffle) and scored on the held-out fold, which the sampler never sees. The resampled file a user
downloads is never used to score anything.

**Copies stay together.** Rows with the same values in every column but the target (identifiers
and Balancer's ``synthetic`` marker left out) are one group, and a group is never split between
training and held-out rows (:func:`duplicate_groups`, :func:`splits`): otherwise a copy of a
held-out row is learnt by heart in training and the scores measure memory, not the model. The
Evaluation says how many copies there were, and warns when the table carries Balancer's marker or
is mostly copies (a resampled file: evaluating it measures the resampling, not the model).

**What is a fold mean, what is pooled.** ``metrics`` and ``std`` are the mean and the standard
deviation (ddof=1) over the held-out folds; the confusion matrix, the per-class table, the curves,
the calibration and the expected cost are pooled over every held-out prediction (with repeats, the
counts are averaged over the repeats). :meth:`Evaluation.notes` says so in words.

**Against no balancing.** ``p_values`` come from the Nadeau-Bengio corrected resampled t-test on
the paired fold differences (:func:`balancer.verdict.corrected_ttest`); ``significant`` says which
changes are beyond the fold-to-fold noise and :attr:`Evaluation.verdict` says it in sentences.

:func:`evaluate` is a row of small steps, each taking frozen values and returning a new one:

1. :class:`Request`: what was asked, with the model, metric, repeats and hold-out share checked;
2. :func:`_resolve_tactic` -> :class:`Tactic`: what the tactic changes, the data (a resampling
   plan) or the model (class weights, a wrapper such as threshold tuning);
3. :func:`_prepare_folds` -> :class:`Folds`: class codes, the copies, the splits, the sampler's
   settings sized to the training folds (:func:`_fit_to_training_folds`);
4. :func:`_plan_runs` -> :class:`Run`: the tactic's pipeline, and the baseline's;
5. :func:`_run_folds` -> :class:`OutOfFold`: out-of-fold probabilities, predictions, fold scores;
   each training fold is fitted by :func:`_fit_model`: the pipeline, its calibration and the
   decision rule of :mod:`balancer.decision` (costs, threshold);
6. :func:`_build_result` -> :class:`Evaluation`, with the paired comparison to the baseline.

:func:`learning_curve` reuses steps 1 to 3 and scores growing shares of each training fold;
:func:`fit_all_rows` reuses them to fit the tactic on every row (for :mod:`balancer.shipping`).

Calibration and decisions. Probabilities are calibrated inside the training folds
(``calibration``: none, prior, sigmoid, isotonic; by default prior when the tactic changes the
class balance the model sees, else none). Without costs the decision is the tactic's own, so the
threshold-based metrics are what the tactic does and the probability-based ones (ROC and PR AUC,
the calibration block) come from the calibrated probabilities. With costs the decision is the
cost-optimal one from the calibrated probabilities (:mod:`balancer.decision`), and every result
gives its expected cost.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from imblearn.pipeline import Pipeline
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit, cross_val_predict
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier

from . import strategies, tactics
from .decision import (
    CALIBRATIONS,
    ClassCounter,
    Costs,
    Fitted,
    checked_calibration,
    cost_curve,
    decision_rule,
    expected_cost,
    nothing_cost,
    parse_costs,
    pipeline_prior,
    search_threshold,
)
from .errors import BalancerError, EngineError, MethodError, ParameterError, TargetError
from .metrics import METRICS, calibration, checked_metric, curve_points, per_class, reliability, score
from .prepare import Preparer, Roles, column_roles
from .profiling import label_str, suggest
from .resample import (
    Plan,
    check_output_size,
    checked_seed,
    encode_labels,
    encode_sampling_strategy,
    fit_neighbours,
    oversampled_sizes,
    plan,
)

Progress = Callable[[float, str], None]

#: name -> (label, builder(class_weight, seed))
MODELS: dict[str, tuple[str, Callable[[Any, int], Any]]] = {
    "logistic_regression": ("Logistic regression",
                            lambda cw, seed: LogisticRegression(max_iter=2000, class_weight=cw)),
    "decision_tree": ("Decision tree",
                      lambda cw, seed: DecisionTreeClassifier(class_weight=cw, random_state=seed,
                                                              min_samples_leaf=2)),
    "random_forest": ("Random forest",
                      lambda cw, seed: RandomForestClassifier(n_estimators=100, class_weight=cw,
                                                              random_state=seed, n_jobs=1)),
    "hist_gradient_boosting": ("Histogram gradient boosting",
                               lambda cw, seed: HistGradientBoostingClassifier(class_weight=cw,
                                                                               random_state=seed)),
}

#: A learning curve with fewer scored sizes than this gets no verdict.
MIN_CURVE_POINTS = 4
#: Folds of the inner cross-validation that calibrates or chooses the threshold in a training fold.
INNER_FOLDS = 3
#: The most repeats of the K folds.
MAX_REPEATS = 20
#: Balancer's marker of synthetic rows (``Resampled.with_marker``): a boolean column, never a feature.
MARKER = "synthetic"
#: A table where more than this share of the rows repeat another row gets a warning.
MOSTLY_COPIES = 0.30
#: What is pooled over every held-out prediction (everything else is a mean over the folds).
POOLED = ("confusion_matrix", "per_class", "curves", "calibration", "expected_cost", "cost_curve")
#: Notices that start with this are warnings (the page shows them as such).
WARNING = "Warning: "


def get_model(name: str) -> str:
    """Return the canonical model name, or raise :class:`MethodError` with a suggestion."""
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    if key not in MODELS:
        raise MethodError(f"unknown model {name!r}.{suggest(key, list(MODELS))} "
                          f"The models are: {', '.join(MODELS)}")
    return key


@dataclasses.dataclass(frozen=True)
class Copies:
    """Rows that repeat another row in every compared column (all but the target, identifiers and
    Balancer's ``synthetic`` marker): ``rows`` repeat an earlier row, in ``groups`` groups of two or
    more; ``marked`` rows carry ``synthetic=True`` (None: the table has no marker)."""

    rows: int
    groups: int
    total: int
    marked: int | None = None

    @property
    def share(self) -> float:
        """The share of the rows that repeat an earlier row."""
        return self.rows / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        """``{rows, groups, share, marked}``."""
        return {"rows": self.rows, "groups": self.groups, "share": round(self.share, 6), "marked": self.marked}


@dataclasses.dataclass(frozen=True, eq=False)
class Evaluation:
    """Out-of-fold metrics of one tactic with one model.

    ``metrics`` and ``std`` are the mean and standard deviation (ddof=1) over the held-out folds:
    ``folds`` folds, ``repeats`` times (``fold_scores`` has every split's scores, repeat by repeat).
    ``confusion_matrix``, ``per_class``, the curves (``y_true``, ``scores``), ``calibration`` and the
    expected cost are pooled over every held-out prediction (:data:`POOLED`); with repeats the
    confusion matrix is the mean over the repeats (its cells may then be fractions, each row still
    sums to the class's rows). :meth:`notes` says this in words.

    ``labels`` are the classes, largest first; ``positive`` is the minority for two classes.
    ``y_true`` and ``scores`` are the pooled out-of-fold class codes and (calibrated) probabilities
    (for curves; with repeats, every repeat's predictions one after the other).
    ``baseline`` is the same model without any balancing, on the same splits; ``changes`` and
    ``p_values`` compare each metric with it (the mean paired fold difference, and the
    Nadeau-Bengio corrected t-test's one-sided p); :attr:`significant` says which change is beyond
    the fold-to-fold noise; :attr:`verdict` is the plain-sentence summary. ``copies`` counts the rows
    kept together because they repeat another row. ``tuned_for`` is the metric a tactic that
    tunes a threshold maximised.

    With ``costs``: ``expected_cost`` is the cost per 1,000 rows of the out-of-fold predictions
    (``fold_costs`` per fold), ``expected_cost_baseline`` that of doing nothing (always the
    majority: no positives), a perfect model's is 0; ``thresholds`` are the decision thresholds
    chosen in each training fold (two classes) and ``cost_curve`` the cost against the threshold.
    ``calibration`` compares the probabilities before and after calibration with the baseline's.
    """

    method: str
    requested: str
    model: str
    folds: int
    seed: int
    params: dict[str, Any]
    class_weight: Any
    labels: list[Hashable]
    positive: Hashable | None
    metrics: dict[str, float]
    std: dict[str, float]
    fold_scores: list[dict[str, float]]
    per_class: list[dict[str, Any]]
    confusion_matrix: list[list[Any]]
    y_true: np.ndarray
    scores: np.ndarray
    notices: tuple[str, ...]
    seconds: float
    baseline: Evaluation | None = None
    costs: Costs | None = None
    expected_cost: float | None = None
    expected_cost_baseline: float | None = None
    fold_costs: tuple[float, ...] = ()
    thresholds: tuple[float, ...] = ()
    cost_curve: tuple[tuple[float, float], ...] = ()
    calibration: Calibration | None = None
    repeats: int = 1
    copies: Copies | None = None
    changes: dict[str, float] = dataclasses.field(default_factory=dict)
    p_values: dict[str, float] = dataclasses.field(default_factory=dict)
    test_share: float | None = None
    tuned_for: str | None = None
    pooled: tuple[str, ...] = POOLED

    @property
    def threshold(self) -> float | None:
        """Two classes with costs: the decision threshold used, the mean over the folds."""
        return float(np.mean(self.thresholds)) if self.thresholds else None

    @property
    def splits(self) -> int:
        """How many held-out folds were scored (folds x repeats)."""
        return len(self.fold_scores)

    @property
    def significant(self) -> dict[str, bool]:
        """Per metric compared with the baseline: whether the change is beyond the fold-to-fold noise
        (corrected paired t-test, p < :data:`balancer.verdict.ALPHA`); empty without a baseline."""
        from .verdict import ALPHA

        return {m: bool(p < ALPHA) for m, p in self.p_values.items() if not math.isnan(p)}

    @property
    def warnings(self) -> tuple[str, ...]:
        """The notices that are warnings (they start with :data:`WARNING`)."""
        return tuple(n for n in self.notices if n.startswith(WARNING))

    @property
    def verdict(self) -> list[str]:
        """Plain sentences: what the tactic finds and what it costs, in counts, and which changes
        against no balancing are beyond the fold-to-fold noise (see :func:`balancer.verdict.explain`)."""
        from .verdict import explain

        return explain(self)

    def notes(self) -> list[str]:
        """What each figure is: a mean over folds or pooled, and how changes are judged."""
        from .verdict import ALPHA

        where = (f"{self.folds} folds" if self.folds > 1 else "one hold-out split") + (
            f", repeated {self.repeats} times with a new shuffle" if self.repeats > 1 else "")
        shown = f" ({where})" if self.repeats > 1 or self.folds <= 1 else ""
        out = [f"Metrics are the mean over the {self.splits} held-out folds{shown}; ± is their standard "
               "deviation (ddof=1): how much the score moves from one fold to the next."]
        pooled = ("The confusion matrix, the per-class table, the ROC and precision-recall curves, the "
                  "calibration and the expected cost are pooled over every held-out prediction")
        out.append(pooled + (f"; the counts are the mean over the {self.repeats} repeats (every row is held "
                             "out once per repeat)." if self.repeats > 1 else
                             " (every row is held out once)." if self.folds > 1 else "."))
        if self.baseline is not None:
            out.append(f"A change against no balancing is beyond the fold-to-fold noise when the paired "
                       f"fold differences pass the Nadeau-Bengio corrected t-test (p < {ALPHA}); the "
                       "correction allows for training folds that share most of their rows.")
        if self.copies is not None and self.copies.rows:
            out.append(f"{self.copies.rows:,} rows repeat another row; every copy is in the same fold as "
                       "the row it repeats.")
        return out

    def curves(self) -> dict[str, dict[str, list[float]]]:
        """ROC and PR points per class (only the positive class for two classes), pooled."""
        codes = [self.labels.index(self.positive)] if self.positive is not None else range(len(self.labels))
        return {label_str(self.labels[c]): curve_points(self.y_true, self.scores, c) for c in codes}

    def positive_rates(self) -> dict[str, float]:
        """Per class shown by :meth:`curves`, its share of the rows: the precision of a guess (the
        chance level of the precision-recall curve)."""
        codes = [self.labels.index(self.positive)] if self.positive is not None else range(len(self.labels))
        n = max(len(self.y_true), 1)
        return {label_str(self.labels[c]): float(np.sum(self.y_true == c)) / n for c in codes}

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON of ``balancer evaluate --json``."""
        out: dict[str, Any] = {
            "method": self.method,
            "requested": self.requested,
            "model": self.model,
            "folds": self.folds,
            "repeats": self.repeats,
            "splits": self.splits,
            "seed": self.seed,
            "class_weight": _json_weights(self.class_weight),
            "positive": None if self.positive is None else label_str(self.positive),
            "labels": [label_str(v) for v in self.labels],
            "metrics": _clean(self.metrics),
            "std": _clean(self.std),
            "std_ddof": 1,
            "fold_scores": [_clean(f) for f in self.fold_scores],
            "pooled": list(self.pooled),
            "per_class": self.per_class,
            "confusion_matrix": self.confusion_matrix,
            "copies": None if self.copies is None else self.copies.to_dict(),
            "tuned_for": self.tuned_for,
            "seconds": round(self.seconds, 3),
            "notices": list(self.notices),
            "notes": self.notes(),
        }
        if self.baseline is not None:
            out["baseline"] = {"metrics": _clean(self.baseline.metrics), "std": _clean(self.baseline.std),
                               # (the paired fold scores: the p-values below can be recomputed from them)
                               "fold_scores": [_clean(f) for f in self.baseline.fold_scores],
                               "per_class": self.baseline.per_class,
                               "confusion_matrix": self.baseline.confusion_matrix}
            if self.costs is not None:
                out["baseline"] |= {"expected_cost": _rounded(self.baseline.expected_cost),
                                    "threshold": _rounded(self.baseline.threshold)}
            out["vs_baseline"] = {
                "test": "Nadeau-Bengio corrected resampled t-test on the paired fold differences, one-sided in "
                        "the direction of the change",
                "changes": _clean(self.changes), "p_values": _clean(self.p_values),
                "significant": self.significant,
            }
        out["verdict"] = self.verdict
        return out | self._decision_dict()

    def _decision_dict(self) -> dict[str, Any]:
        """The JSON of the costs, the threshold and the calibration (costs' figures null without costs)."""
        costs = self.costs is not None
        return {
            "costs": self.costs.to_dict() if self.costs is not None else None,
            "expected_cost": _rounded(self.expected_cost),
            "expected_cost_baseline": _rounded(self.expected_cost_baseline),
            "expected_cost_perfect": 0.0 if costs else None,
            "threshold": _rounded(self.threshold),
            "cost_curve": [[t, round(c, 6)] for t, c in self.cost_curve] if costs and self.cost_curve else None,
            "calibration_method": self.calibration.method if self.calibration else None,
            "calibration": self.calibration.to_dict() if self.calibration else None,
            "reliability": self.calibration.reliability if self.calibration else None,
        }


@dataclasses.dataclass(frozen=True)
class Calibration:
    """How well out-of-fold probabilities match the observed rates (see ``metrics.CALIBRATION``).

    ``scores`` and ``reliability`` (the diagram's bins) are keyed ``baseline`` (the same model
    without balancing; None when it did not run), ``uncorrected`` (the tactic's probabilities as
    they are) and ``corrected`` (after ``method``).
    """

    method: str
    scores: dict[str, dict[str, float] | None]
    reliability: dict[str, list[dict[str, float]] | None]

    def to_dict(self) -> dict[str, dict[str, float | None] | None]:
        """``{baseline, uncorrected, corrected}``, each ``{brier, log_loss, ece}`` or null."""
        return {k: None if v is None else _clean(v) for k, v in self.scores.items()}


def _clean(values: Mapping[str, float]) -> dict[str, float | None]:
    return {k: (None if v is None or math.isnan(v) else round(float(v), 6)) for k, v in values.items()}


def _rounded(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 6)


def _json_weights(weights: Any) -> Any:
    if isinstance(weights, Mapping):
        return {label_str(k): v for k, v in weights.items()}
    return weights


# --------------------------------------------------------------------------------------------
# the values passed from step to step


@dataclasses.dataclass(frozen=True, eq=False)
class Request:
    """What the caller asked for; the model name is canonical, the metric and hold-out checked.

    ``costs`` are as given (read against the classes in :func:`_prepare_folds`); ``calibration`` is
    a checked name, or None for the tactic's default.
    """

    data: pd.DataFrame
    target: str
    strategy: strategies.Strategy
    params: dict[str, Any]
    model: str
    folds: int
    seed: int
    class_weight: Any
    metric: str
    baseline: bool
    holdout: float | None
    costs: Any = None
    calibration: str | None = None
    repeats: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "seed", checked_seed(self.seed))


@dataclasses.dataclass(frozen=True, eq=False)
class Tactic:
    """What the requested tactic changes.

    ``plan`` is the data side: the sampler that really runs and its parameters (the plan of
    ``"none"`` for a tactic that changes the model). ``class_weight`` is what the model is
    penalized with (as given); ``model_params`` are the validated parameters of a tactic that
    wraps or replaces the model (``strategy.estimator``). ``marked`` counts the rows Balancer's
    ``synthetic`` marker flags (None: the table has no marker; the column is left out of ``work``).
    """

    strategy: strategies.Strategy
    plan: Plan
    work: pd.DataFrame
    class_weight: Any
    model_params: dict[str, Any]
    marked: int | None = None

    @property
    def shown(self) -> str:
        """The name a result carries: the sampler that ran, or the model-side tactic."""
        changes_model = self.strategy.sampler is None and self.strategy.name != "none"
        return self.strategy.name if changes_model else self.plan.method


@dataclasses.dataclass(frozen=True, eq=False)
class Folds:
    """The rows with a target as class codes, the splits, and the sampler's fold-sized settings.

    ``k`` is the number of folds the training folds are sized by (for a hold-out, the split it
    approximates); ``splits`` are ``repeats`` rounds of them, one after the other.
    ``sampling_strategy`` is coded and scaled to the training folds. ``costs`` are the error costs
    over the class codes (None: no costs); ``calibration`` is the tactic's. ``groups`` gives each
    row's group of copies (None: every row is distinct), ``copies`` counts them.
    """

    work: pd.DataFrame
    y: np.ndarray
    labels: list[Hashable]
    positive: int | None
    splits: list[tuple[np.ndarray, np.ndarray]]
    k: int
    roles: Roles
    sampling_strategy: Any
    sampler_params: dict[str, Any]
    notices: tuple[str, ...]
    costs: Costs | None = None
    calibration: str = "none"
    repeats: int = 1
    groups: np.ndarray | None = None
    copies: Copies | None = None
    tuned_for: str | None = None


@dataclasses.dataclass(frozen=True, eq=False)
class Run:
    """One pipeline to cross-validate: the tactic's, or the baseline's (no balancing).

    ``label`` names it in progress messages, ``name`` in errors; ``method`` is the sampler that
    runs (``"none"`` for none), ``class_weight`` is coded for the model, and ``final`` wraps or
    replaces the model. ``calibration`` is how its probabilities are calibrated.
    """

    label: str
    name: str
    method: str
    params: dict[str, Any]
    sampling_strategy: Any
    class_weight: Any
    final: Callable[[Any], Any] | None = None
    calibration: str = "none"


@dataclasses.dataclass(frozen=True, eq=False)
class OutOfFold:
    """What one run predicted for the held-out rows, one layer per repeat (``scored[r]``: the rows
    held out in repeat ``r``, every row for K folds), and each fold's scores. ``raw`` are the
    probabilities before calibration, ``proba`` after (repeats x rows x classes); with costs,
    ``fold_costs`` and (two classes) the ``thresholds`` chosen in each training fold."""

    run: Run
    proba: np.ndarray
    predicted: np.ndarray
    fold_scores: list[dict[str, float]]
    raw: np.ndarray
    scored: np.ndarray
    fold_costs: tuple[float, ...] = ()
    thresholds: tuple[float, ...] = ()
    notices: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------
# checks and small translations


def choose_folds(counts: Mapping[Hashable, int], folds: int, notices: list[str]) -> int:
    """Return the folds to use: lowered (with a notice) when the smallest class is smaller."""
    try:
        folds = int(folds)
    except (TypeError, ValueError):
        raise ParameterError(f"folds must be a whole number, got {folds!r}") from None
    if not 2 <= folds <= 20:
        raise ParameterError(f"folds must be from 2 to 20, got {folds}")
    label, smallest = min(counts.items(), key=lambda kv: kv[1])
    if smallest < 2:
        raise TargetError(
            f"class {label_str(label)!r} has a single row; evaluation needs at least 2 rows per "
            "class (one to train on, one to test). Add rows or merge the class into another."
        )
    if smallest < folds:
        notices.append(f"folds lowered from {folds} to {smallest}: class {label_str(label)!r} has only {smallest} rows")
        return smallest
    return folds


def _checked_metric(metric: str, costs: Any = None) -> str:
    """``metric`` if it is one of :data:`METRICS`, or a cost figure and there are costs."""
    return checked_metric(metric, costs is not None)


def _checked_holdout(holdout: Any) -> float | None:
    if holdout is None:
        return None
    share = float(pd.to_numeric(holdout, errors="coerce"))  # NaN (refused below) for what is no number
    if not 0.05 <= share <= 0.5:
        raise ParameterError(f"holdout must be a share from 0.05 to 0.5, got {holdout!r}")
    return share


def _weights(value: Any, labels: list[Hashable]) -> Any:
    """Translate 'balanced' or per-class costs (labels as text allowed) to class codes."""
    if value is None or value is False:
        return None
    if value is True or value == "balanced":
        return "balanced"
    if isinstance(value, str):
        value = strategies.Param("weights", "costs", "balanced", "").coerce(value)
        if value == "balanced":
            return "balanced"
    by_text = {label_str(k): i for i, k in enumerate(labels)}
    out = {i: 1.0 for i in range(len(labels))}
    for key, cost in dict(value).items():
        if label_str(key) not in by_text:
            raise ParameterError(f"class_weight names class {label_str(key)!r}, which the target does not have")
        out[by_text[label_str(key)]] = float(cost)
    return out


def _fold_sampling_strategy(value: Any, folds: int, notices: list[str]) -> Any:
    if isinstance(value, Mapping):
        scaled = {k: max(1, int(v * (folds - 1) // folds)) for k, v in value.items()}
        notices.append("per-class counts were scaled to the size of the training folds")
        return scaled
    return value


# --------------------------------------------------------------------------------------------
# the folds: stratified, repeated, copies kept together


def marker_column(data: pd.DataFrame, target: str) -> str | None:
    """:data:`MARKER` when ``data`` has it as a boolean column (Balancer's marker of synthetic
    rows, which is never a feature), else None."""
    if target == MARKER or MARKER not in data.columns:
        return None
    column = data[MARKER]
    if isinstance(column, pd.DataFrame):  # several columns of that name: none of them is the marker
        return None
    return MARKER if pd.api.types.is_bool_dtype(column.dtype) else None


def duplicate_groups(data: pd.DataFrame, target: str, roles: Roles | None = None) -> np.ndarray:
    """Each row's group of copies, as codes 0, 1, ... in order of first appearance.

    Rows with the same values in every feature the model sees (:func:`compared_columns`) share a
    code: a date, an identifier, a constant or free text the model leaves out does not make two
    rows different to it (nor does Balancer's ``synthetic`` marker); a row that repeats no other
    has a code of its own. ``roles`` (the table's :func:`~balancer.prepare.column_roles`) saves
    finding them again. Pass the codes to :func:`splits` to keep copies in one fold.
    """
    roles = roles if roles is not None else column_roles(data, target)
    compared = compared_columns(data, target, roles)
    if not compared or len(data) < 2:
        return np.arange(len(data), dtype="int64")
    hashed = pd.util.hash_pandas_object(data[compared], index=False).to_numpy()
    return np.asarray(pd.factorize(hashed)[0], dtype="int64")


def compared_columns(data: pd.DataFrame, target: str, roles: Roles) -> list[Any]:
    """The columns that tell copies apart: the model's features (never the target or Balancer's
    ``synthetic`` marker), in the table's order."""
    features, marker = set(roles.features), marker_column(data, target)
    return [c for c in data.columns if c in features and c != target and c != marker]


def count_copies(groups: np.ndarray, marked: int | None = None) -> Copies:
    """How many rows repeat an earlier row of their group, and in how many groups."""
    groups = np.asarray(groups)
    if not len(groups):
        return Copies(0, 0, 0, marked)
    sizes = np.bincount(pd.factorize(groups)[0])
    return Copies(int(len(groups) - len(sizes)), int(np.sum(sizes > 1)), len(groups), marked)


def splits(
    y: np.ndarray | Sequence[Any], groups: np.ndarray | None = None, folds: int = 5, repeats: int = 1,
    seed: int = 0, *, holdout: float | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (training, held-out) row positions :func:`evaluate` scores: stratified ``folds``-fold
    splits, ``repeats`` times with a new shuffle each, repeat after repeat (``folds * repeats``
    pairs); with ``holdout`` (a share), one stratified split of that share per repeat.

    Rows with the same ``groups`` code (see :func:`duplicate_groups`) are always on the same side:
    each group goes whole to one fold, stratified by the class most of its rows have. Without
    groups, or when every row is its own group, the splits are scikit-learn's
    ``StratifiedKFold(shuffle=True)`` (``StratifiedShuffleSplit`` for a hold-out), the first repeat
    with ``random_state=seed``, so they match what evaluate gave before groups existed.

    Raises :class:`ParameterError` for folds below 2, repeats out of 1 to :data:`MAX_REPEATS`, or
    a class with fewer distinct rows (groups) than ``folds`` (2 for a hold-out).
    """
    folds, repeats = _whole(folds, "folds"), _whole(repeats, "repeats")
    if folds < 2:
        raise ParameterError(f"folds must be at least 2, got {folds}")
    if not 1 <= repeats <= MAX_REPEATS:
        raise ParameterError(f"repeats must be from 1 to {MAX_REPEATS}, got {repeats}")
    values, codes = np.unique(np.asarray(y), return_inverse=True)
    codes = codes.astype("int64")
    group_codes = None if groups is None else np.asarray(pd.factorize(np.asarray(groups))[0], dtype="int64")
    grouped = group_codes is not None and len(group_codes) > 0 and int(group_codes.max()) + 1 < len(codes)
    owner = table = np.zeros(0, dtype="int64")
    if grouped:
        assert group_codes is not None
        owner, table = _group_owner(codes, group_codes, len(values))
    distinct = np.bincount(owner if grouped else codes, minlength=len(values))
    need = 2 if holdout is not None else folds
    if len(values) < 2 or int(distinct.min()) < need:
        label = values[int(np.argmin(distinct))] if len(values) else None
        raise ParameterError(f"class {label_str(label)!r} has {int(distinct.min()) if len(values) else 0} "
                             f"distinct rows; {need} splits need at least {need}")
    out: list[tuple[np.ndarray, np.ndarray]] = []
    rows = np.zeros(len(codes))
    if holdout is not None and not grouped:
        splitter = StratifiedShuffleSplit(n_splits=repeats, test_size=holdout, random_state=seed)
        return [(train, test) for train, test in splitter.split(rows, codes)]
    for r in range(repeats):
        state = repeat_seed(seed, r)
        if group_codes is None or not grouped:
            out += list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=state).split(rows, codes))
        elif holdout is not None:
            out.append(_grouped_holdout(codes, group_codes, owner, table, holdout, np.random.default_rng(state)))
        else:
            out += _grouped_folds(codes, group_codes, owner, table, folds, np.random.default_rng(state))
    return out


def repeat_seed(seed: int, repeat: int) -> int:
    """The seed of repeat ``repeat`` (the first is ``seed`` itself)."""
    if repeat == 0:
        return int(seed)
    return int(np.random.SeedSequence([int(seed), int(repeat)]).generate_state(1)[0])


def matrix_groups(x: Any) -> np.ndarray | None:
    """Groups of identical rows of a dense matrix (None when every row is distinct, or for a sparse
    one): what an inner cross-validation keeps together when it sees the prepared features only."""
    if not isinstance(x, np.ndarray) or x.ndim != 2 or len(x) < 2:
        return None
    hashed = pd.util.hash_pandas_object(pd.DataFrame(x), index=False).to_numpy()
    codes = np.asarray(pd.factorize(hashed)[0], dtype="int64")
    return codes if int(codes.max()) + 1 < len(codes) else None


def distinct_per_class(y: np.ndarray, groups: np.ndarray | None, n_classes: int) -> np.ndarray:
    """Per class code, the groups whose rows are mostly of that class (the rows, without groups)."""
    y = np.asarray(y, dtype="int64")
    if groups is None:
        return np.bincount(y, minlength=n_classes)
    owner, _ = _group_owner(y, np.asarray(pd.factorize(np.asarray(groups))[0], dtype="int64"), n_classes)
    return np.bincount(owner, minlength=n_classes)


def _whole(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a whole number, got {value!r}") from None


def _group_owner(codes: np.ndarray, groups: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Each group's class (the one most of its rows have; on a tie the rarer class) and the rows of
    every class in every group (groups x classes)."""
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    table = np.zeros((n_groups, n_classes), dtype="int64")
    np.add.at(table, (groups, codes), 1)
    rarest_first = np.argsort(np.bincount(codes, minlength=n_classes), kind="stable")
    owner = rarest_first[np.argmax(table[:, rarest_first], axis=1)] if n_groups else np.zeros(0, dtype="int64")
    return owner.astype("int64"), table


def _grouped_folds(codes: np.ndarray, groups: np.ndarray, owner: np.ndarray, table: np.ndarray, k: int,
                   rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """Whole groups dealt to ``k`` folds, class by class (the rarest first) so that each fold gets
    its share of every class: groups of copies first, largest first, each to the fold with the
    fewest rows of its class; then the single rows, shuffled, filling the folds up evenly."""
    n_classes = table.shape[1]
    sizes = table.sum(axis=1)
    fold_of = np.empty(len(owner), dtype="int64")
    filled = np.zeros((k, n_classes), dtype="int64")
    tie = rng.permutation(k)  # which fold wins a tie, new in every repeat
    for c in np.argsort(np.bincount(codes, minlength=n_classes), kind="stable"):
        members = np.flatnonzero(owner == c)
        members = members[rng.permutation(len(members))]
        members = members[np.argsort(-sizes[members], kind="stable")]
        single = members[sizes[members] == 1]
        for g in members[sizes[members] > 1]:
            f = min(range(k), key=lambda f: (filled[f, c], filled[f].sum(), tie[f]))
            fold_of[g] = f
            filled[f] += table[g]
        adds = _level(filled[:, c], filled.sum(axis=1), len(single), tie)
        bounds = np.concatenate([[0], np.cumsum(adds)])
        for f in range(k):
            fold_of[single[bounds[f]:bounds[f + 1]]] = f
        filled[:, c] += adds
    row_fold = fold_of[groups]
    return [(np.flatnonzero(row_fold != f), np.flatnonzero(row_fold == f)) for f in range(k)]


def _level(current: np.ndarray, totals: np.ndarray, items: int, tie: np.ndarray) -> np.ndarray:
    """How many of ``items`` to add to each fold so that ``current`` ends as even as it can: the
    lowest folds are raised first; the last few go to the folds with the fewest rows in all."""
    adds = np.zeros(len(current), dtype="int64")
    while items > 0:
        level = current + adds
        low = level.min()
        at = sorted(np.flatnonzero(level == low), key=lambda f: (totals[f] + adds[f], tie[f]))
        higher = level[level > low]
        step = int(higher.min() - low) if higher.size else items
        if step * len(at) <= items:
            adds[at] += step
            items -= step * len(at)
        else:
            share, extra = divmod(items, len(at))
            adds[at] += share
            adds[at[:extra]] += 1
            items = 0
    return adds


def _grouped_holdout(codes: np.ndarray, groups: np.ndarray, owner: np.ndarray, table: np.ndarray, share: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One split holding out about ``share`` of every class, whole groups at a time (at least one
    group of every class on each side)."""
    held = np.zeros(len(owner), dtype=bool)
    sizes = table.sum(axis=1)
    for c in range(table.shape[1]):
        members = np.flatnonzero(owner == c)
        members = members[rng.permutation(len(members))]
        wanted = share * sizes[members].sum()
        taken = np.cumsum(sizes[members])
        count = int(np.clip(np.searchsorted(taken, wanted) + 1, 1, len(members) - 1))
        if count > 1 and abs(taken[count - 2] - wanted) <= abs(taken[count - 1] - wanted):
            count -= 1
        held[members[:count]] = True
    row_held = held[groups]
    return np.flatnonzero(~row_held), np.flatnonzero(row_held)


def _smallest_training(y: np.ndarray, the_splits: Sequence[tuple[np.ndarray, np.ndarray]], n: int) -> dict[int, int]:
    """Rows per class code in the smallest training part of ``the_splits``."""
    least = np.full(n, np.iinfo("int64").max)
    for train, _ in the_splits:
        least = np.minimum(least, np.bincount(y[train], minlength=n))
    return {c: int(v) for c, v in enumerate(least)}


def _copy_notices(copies: Copies) -> list[str]:
    """The notice of the copies kept together, and a warning for a table that looks resampled."""
    out = []
    if copies.rows:
        out.append(f"{copies.rows:,} {'row is a copy' if copies.rows == 1 else 'rows are copies'} of another row ({copies.groups:,} "
                   f"group{'' if copies.groups == 1 else 's'}); copies are kept in the same fold")
    resampled = ("Evaluating a resampled file measures the resampling, not the model on real data: "
                 "evaluate the original table instead (the sampler then runs inside the training folds only)")
    if copies.marked is not None:
        out.append(f"{WARNING}this table has Balancer's {MARKER!r} column ({copies.marked:,} rows marked "
                   f"synthetic): it looks like a file Balancer resampled. {resampled}. The {MARKER!r} "
                   "column is not used as a feature.")
    elif copies.share > MOSTLY_COPIES:
        out.append(f"{WARNING}{copies.share:.0%} of the rows are copies of another row: the table looks "
                   f"resampled or duplicated. Copies are kept in the same fold, but {resampled[0].lower()}"
                   f"{resampled[1:]}, if you have it.")
    return out


def _expand(counts: Mapping[int, int]) -> np.ndarray:
    return np.concatenate([np.full(n, c) for c, n in counts.items()])


def build_pipeline(
    roles: Roles, method: str, params: Mapping[str, Any], sampling_strategy: Any, seed: int,
    model: str, class_weight: Any, final: Callable[[Any], Any] | None = None, *, count: bool = False,
) -> Pipeline:
    """Return the unfitted pipeline: prepare -> sampler -> (one-hot for SMOTENC/SMOTEN) -> model.

    ``final`` wraps or replaces the model (threshold tuning, anomaly detection, ensembles...).
    ``count`` adds a :class:`~balancer.decision.ClassCounter` after the sampler (step ``count``),
    which records the class counts the model is trained on (for the prior correction).
    """
    ordinal = strategies.get(method).encoding == "ordinal"
    preparer = Preparer(roles, categories="ordinal" if ordinal else "onehot")
    steps: list[tuple[str, Any]] = [("prepare", preparer)]
    sampler = strategies.build(method, params, sampling_strategy, seed,
                               categorical_indices=preparer.categorical_indices)
    if sampler is not None:
        steps.append(("sample", sampler))
        if count:
            steps.append(("count", ClassCounter()))
    if ordinal and preparer.categorical_indices:
        steps.append(("expand", ColumnTransformer(
            [("onehot", OneHotEncoder(handle_unknown="ignore"), preparer.categorical_indices)],
            remainder="passthrough")))
    estimator = MODELS[model][1](class_weight, seed)
    steps.append(("model", final(estimator) if final is not None else estimator))
    return Pipeline(steps)


def _fit(pipeline: Any, rows: pd.DataFrame, y: np.ndarray, name: str, where: str) -> None:
    """Fit ``pipeline`` (or a model wrapping one); a failure the data causes becomes an
    :class:`EngineError` naming ``where`` (see :func:`_data_errors`)."""
    with _data_errors(name, where):
        pipeline.fit(rows, y)


@contextlib.contextmanager
def _data_errors(name: str, where: str) -> Iterator[None]:
    """Turn a failure the data causes into an :class:`EngineError` naming ``where``.

    scikit-learn and imbalanced-learn raise ValueError for data they cannot use (fewer rows than
    neighbours, a class too small for inner folds, boosting worse than chance), and
    imbalanced-learn's samplers RuntimeError or IndexError when they find nothing to work on
    (ADASYN with no neighbour of another class, empty clusters...). Anything else is a bug.
    """
    try:
        yield
    except (ValueError, RuntimeError, IndexError) as exc:
        text = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(".")
        raise EngineError(f"{name} could not run on {where}: {text}") from None


# --------------------------------------------------------------------------------------------
# evaluate, step by step


def evaluate(
    data: pd.DataFrame,
    target: str,
    method: str = "none",
    *,
    model: str = "logistic_regression",
    folds: int = 5,
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    class_weight: Any = None,
    metric: str = "f2",
    baseline: bool = True,
    holdout: float | None = None,
    progress: Progress | None = None,
    costs: Any = None,
    calibration: str | None = None,
    repeats: int = 1,
) -> Evaluation:
    """Score ``method`` with ``model`` by stratified K-fold, the sampler inside the training folds.

    ``method`` is a sampler name, ``"none"``, ``"class_weight"`` or a tactic that changes the model
    (``threshold``, ``anomaly``, ``decompose``, the ensembles); ``class_weight`` (``"balanced"`` or
    per-class costs) penalizes the model on top of any sampler. ``metric`` is what threshold-tuned
    tactics optimize (a notice says what they tune for a metric a threshold cannot change). With
    ``baseline`` the same model without balancing is scored on the same folds and attached as
    ``.baseline``, and every change against it is tested. ``holdout`` (a share such as 0.2)
    replaces the K folds by one stratified train/test split, for tables too large to fit K times.
    ``repeats`` repeats the K folds (or the hold-out split) with a new shuffle each time: every
    split is scored, so the spread and the tests against the baseline rest on ``folds * repeats``
    scores. Rows that are copies of each other are always in the same fold (see :func:`splits`).

    ``costs`` (``{"fn": 500, "fp": 5}``, or ``{"true,pred": cost}``; see :mod:`balancer.decision`)
    make every decision the cost-optimal one, chosen inside the training folds. ``calibration``
    (``none``, ``prior``, ``sigmoid``, ``isotonic``; default: ``prior`` when the tactic changes the
    class balance the model sees, else ``none``) calibrates the probabilities; a notice says which.
    """
    started = time.perf_counter()
    model = get_model(model)
    request = Request(data=data, target=target, strategy=strategies.get(method), params=dict(params or {}),
                      model=model, folds=folds, seed=seed, class_weight=class_weight,
                      metric=_checked_metric(metric, costs), baseline=baseline, holdout=_checked_holdout(holdout),
                      costs=costs, calibration=checked_calibration(calibration), repeats=_checked_repeats(repeats))
    tactic = _resolve_tactic(request)
    prepared = _fit_to_training_folds(request, tactic, _prepare_folds(request, tactic))
    prepared = _choose_calibration(request, tactic, _tuning(request, tactic, prepared))
    runs = _plan_runs(request, tactic, prepared)
    results = _run_folds(request, prepared, runs, progress)
    return _build_result(request, tactic, prepared, results, time.perf_counter() - started)


def _checked_repeats(repeats: Any) -> int:
    value = _whole(repeats, "repeats")
    if not 1 <= value <= MAX_REPEATS:
        raise ParameterError(f"repeats must be from 1 to {MAX_REPEATS}, got {value}")
    return value


def _resolve_tactic(request: Request) -> Tactic:
    """Split the tactic into its data side (a resampling plan) and its model side (weights, a wrapper).

    Balancer's ``synthetic`` marker column is left out of the table first: it is no feature (a
    model would learn that marked rows are the minority)."""
    strategy, class_weight = request.strategy, request.class_weight
    data, marked = request.data, None
    marker = marker_column(data, request.target) if isinstance(data, pd.DataFrame) else None
    if marker is not None:
        marked = int(data[marker].fillna(False).astype(bool).sum())
        data = data.drop(columns=[marker])
    model_params: dict[str, Any] = {}
    if strategy.name == "class_weight":
        class_weight = strategy.validate(request.params)["weights"]
    elif strategy.estimator is not None:
        model_params = strategy.validate(request.params)
    else:
        the_plan, work, _ = plan(data, request.target, strategy.name, request.params)
        return Tactic(strategy, the_plan, work, class_weight, {}, marked)
    the_plan, work, _ = plan(data, request.target, "none")
    if strategy.binary_only and len(the_plan.counts) != 2:
        raise ParameterError(f"{strategy.name} works with two classes; this target has {len(the_plan.counts)}")
    return Tactic(strategy, the_plan, work, class_weight, model_params, marked)


def _prepare_folds(request: Request, tactic: Tactic) -> Folds:
    """Code the classes and the costs, find the copies, choose the splits (copies kept together)
    and scale per-class counts to the training folds."""
    coded = _every_row(request, tactic)
    notices = list(coded.notices)
    groups = duplicate_groups(tactic.work, request.target, tactic.plan.roles)
    copies = count_copies(groups, tactic.marked)
    notices += _copy_notices(copies)
    kept = groups if copies.rows else None
    k, the_splits = _splits(request, tactic.plan.counts, coded, kept, notices)
    sampling_strategy = _fold_sampling_strategy(coded.sampling_strategy, k, notices)
    return dataclasses.replace(coded, splits=the_splits, k=k, sampling_strategy=sampling_strategy,
                               notices=tuple(notices), repeats=request.repeats, groups=kept, copies=copies)


def _every_row(request: Request, tactic: Tactic) -> Folds:
    """Every row with a target as one training set (no splits yet): the class codes (the minority
    positive for two classes), the sampling strategy and the costs coded by them."""
    labels, y = encode_labels(tactic.work[request.target], tactic.plan.counts)
    positive = len(labels) - 1 if len(labels) == 2 else None
    sampling_strategy = encode_sampling_strategy(tactic.plan.sampling_strategy, labels)
    # the training folds are fewer rows than all rows: all rows bound what any fold's sampler makes
    check_output_size(tactic.plan.strategy, sampling_strategy, dict(enumerate(tactic.plan.counts.values())), y,
                      tactic.work, tactic.plan.roles)
    return Folds(work=tactic.work, y=y, labels=labels, positive=positive, splits=[], k=1, roles=tactic.plan.roles,
                 sampling_strategy=sampling_strategy,
                 sampler_params=dict(tactic.plan.params), notices=(*tactic.plan.notices, *_left_out(tactic.plan.roles)),
                 costs=parse_costs(request.costs, labels, positive))


def _left_out(roles: Roles) -> list[str]:
    """Say which columns the model does not see, and why (an identifier, text, a date...): a
    column taken for an identifier by its name or values leaves the model, and the scores with it."""
    if not roles.excluded:
        return []
    shown = ", ".join(f"{c!r} ({why})" for c, why in list(roles.excluded.items())[:12])
    more = f" and {len(roles.excluded) - 12:,} more" if len(roles.excluded) > 12 else ""
    return [f"left out of the model: {shown}{more}"]


def _splits(
    request: Request, counts: Mapping[Hashable, int], coded: Folds, groups: np.ndarray | None, notices: list[str]
) -> tuple[int, list[tuple[np.ndarray, np.ndarray]]]:
    """Stratified K folds (lowered for small classes, and for classes of few distinct rows), or
    one stratified hold-out split; ``request.repeats`` times. Copies (``groups``) stay together."""
    if request.holdout is None:
        k = choose_folds(counts, request.folds, notices)
        k = _folds_for_copies(coded, groups, k, notices)
        return k, splits(coded.y, groups, k, request.repeats, request.seed)
    choose_folds(counts, 2, notices)  # at least 2 rows per class
    _folds_for_copies(coded, groups, 2, notices)
    the_splits = splits(coded.y, groups, 2, request.repeats, request.seed, holdout=request.holdout)
    return max(2, round(1 / request.holdout)), the_splits


def _folds_for_copies(coded: Folds, groups: np.ndarray | None, k: int, notices: list[str]) -> int:
    """``k``, lowered (with a notice) when a class has fewer distinct rows than folds: copies stay
    in one fold, so a class needs a distinct row for every fold."""
    if groups is None:
        return k
    distinct = distinct_per_class(coded.y, groups, len(coded.labels))
    code = int(np.argmin(distinct))
    smallest, label = int(distinct[code]), label_str(coded.labels[code])
    if smallest < 2:
        raise TargetError(
            f"class {label!r} has {smallest} distinct row{'' if smallest == 1 else 's'} (its other rows are "
            "copies, and copies are kept in the same fold); evaluation needs at least 2 distinct rows per "
            "class, one to train on and one to test. Add rows, or merge the class into another.")
    if smallest < k:
        notices.append(f"folds lowered from {k} to {smallest}: class {label!r} has only {smallest} distinct "
                       "rows (its other rows are copies, kept in the same fold)")
        return smallest
    return k


def _fit_to_training_folds(request: Request, tactic: Tactic, folds: Folds) -> Folds:
    """Lower neighbour counts the smallest training fold cannot support (with a notice)."""
    notices = list(folds.notices)
    params = _neighbours_for(request, tactic.plan.strategy, folds, folds.sampler_params, folds.sampling_strategy,
                             _smallest_training(folds.y, folds.splits, len(folds.labels)), notices,
                             " in the training folds")
    return dataclasses.replace(folds, sampler_params=params, notices=tuple(notices))


def _tuning(request: Request, tactic: Tactic, folds: Folds) -> Folds:
    """For a tactic that tunes a threshold: the metric it maximises, with a notice saying which
    (and why, when it is not the metric asked for)."""
    if not tactics.tunes_threshold(tactic.strategy.estimator):
        return folds
    used, why = tactics.tuning_metric(request.metric)
    notice = tactics.tuning_notice(tactic.strategy.name, request.metric, used, why)
    return dataclasses.replace(folds, tuned_for=used, notices=(*folds.notices, notice))


def _neighbours_for(
    request: Request, strategy: strategies.Strategy, folds: Folds, params: dict[str, Any], sampling_strategy: Any,
    counts: Mapping[int, int], notices: list[str], where: str,
) -> dict[str, Any]:
    """``params`` with the neighbour counts lowered that rows of these class ``counts`` cannot support."""
    sizes = oversampled_sizes(strategy, sampling_strategy, _expand(counts), counts)
    return fit_neighbours(strategy, params, set(request.params) - {"sampling_strategy"},
                          {folds.labels[c]: n for c, n in sizes.items()}, notices, where)


def _choose_calibration(request: Request, tactic: Tactic, folds: Folds) -> Folds:
    """The tactic's calibration (as asked, or its default), with notices saying which and why.

    The default is ``prior`` when the class balance the model sees is changed (a sampler, class
    weights), else ``none``. A model-side tactic hides the class rates its model is trained on, so
    it cannot have ``prior``; with costs its decision is replaced by the cost-optimal one.
    """
    name = tactic.strategy.name
    model_side = tactic.strategy.estimator is not None
    weighted = tactic.class_weight is not None
    notices = list(folds.notices)
    if folds.costs is not None and model_side:
        notices.append(f"with costs the decision is the cost-optimal one from {name}'s probabilities, not "
                       f"{name}'s own")
    asked = request.calibration
    if asked == "prior" and model_side:
        raise ParameterError(f"prior correction needs the class rates the model was trained on, which {name} "
                             "does not expose (it changes the model, not the rows); use sigmoid or isotonic")
    if asked is not None:
        chosen, why = asked, "as asked"
    elif not model_side and (tactic.plan.method != "none" or weighted):
        what = tactic.plan.method if tactic.plan.method != "none" else "class weights"
        chosen, why = "prior", f"the default when a tactic can change the class balance the model sees, as {what} does"
    else:
        chosen, why = "none", ("the default for a tactic that changes the model" if model_side else
                               "the default when the model sees the table's own class balance")
    notices.append(f"calibration: {chosen} ({why}): probabilities {CALIBRATIONS[chosen]}")
    return dataclasses.replace(folds, calibration=chosen, notices=tuple(notices))


def _plan_runs(request: Request, tactic: Tactic, folds: Folds) -> list[Run]:
    """The tactic's run, then (when asked, and when the tactic changes anything) the baseline's
    (the same model as it is: no balancing, no calibration)."""
    weights = _weights(tactic.class_weight, folds.labels)
    final = _model_wrapper(request, tactic, folds)
    params = tactic.model_params if final is not None else folds.sampler_params
    runs = [Run(tactic.strategy.name, tactic.shown, tactic.plan.method, params, folds.sampling_strategy,
                weights, final, folds.calibration)]
    if request.baseline and (tactic.plan.method != "none" or weights is not None or final is not None):
        runs.append(Run("no balancing", "none", "none", {}, "auto", None))
    return runs


def _model_wrapper(request: Request, tactic: Tactic, folds: Folds) -> Callable[[Any], Any] | None:
    """What wraps or replaces the model for a model-side tactic (None for the others); a tactic
    that tunes a threshold tunes it for ``folds.tuned_for`` (see :func:`_tuning`)."""
    build = tactic.strategy.estimator
    if build is None:
        return None
    params, seed, n_classes = tactic.model_params, request.seed, len(folds.labels)
    metric = folds.tuned_for or tactics.tuning_metric(request.metric)[0]
    return lambda base: build(base, params, seed, metric, n_classes - 1)


def _run_folds(request: Request, folds: Folds, runs: Sequence[Run], progress: Progress | None) -> list[OutOfFold]:
    """Cross-validate every run on the same splits, reporting progress fold by fold."""
    k = len(folds.splits)
    per = k // folds.repeats
    total = len(runs) * k
    results = []
    for r, run in enumerate(runs):
        def tick(i: int, start: int = r * k, label: str = run.label) -> None:
            if progress is None:
                return
            where = f"fold {i + 1} of {k}" if folds.repeats == 1 else (
                f"fold {i % per + 1} of {per}, repeat {i // per + 1} of {folds.repeats}")
            progress((start + i) / total, f"{label}: {where}")

        results.append(_cross_validate(request, folds, run, tick))
    if progress is not None:
        progress(1.0, "done")
    return results


def _cross_validate(request: Request, folds: Folds, run: Run, tick: Callable[[int], None]) -> OutOfFold:
    """Fit ``run`` on each training fold (with its calibration and decision rule) and predict its
    held-out fold; each repeat's predictions in a layer of their own."""
    n, rows_n, repeats = len(folds.labels), len(folds.y), folds.repeats
    per = len(folds.splits) // repeats
    raw = np.zeros((repeats, rows_n, n))
    proba = np.zeros((repeats, rows_n, n))
    predictions = np.zeros((repeats, rows_n), dtype="int64")
    scored = np.zeros((repeats, rows_n), dtype=bool)
    fold_scores: list[dict[str, float]] = []
    fold_costs: list[float] = []
    thresholds: list[float] = []
    notices: list[str] = []
    for i, (train, test) in enumerate(folds.splits):
        tick(i)
        r = i // per
        fitted = _fit_model(request, folds, run, train, "the training folds", notices)
        rows = folds.work.iloc[test]
        raw[r, test] = fitted.raw_proba(rows)
        proba[r, test] = fitted.proba(rows, raw[r, test])
        predictions[r, test] = fitted.predict(rows, proba[r, test])
        scored[r, test] = True
        fold_scores.append(score(folds.y[test], predictions[r, test], proba[r, test], n, folds.positive))
        if folds.costs is not None:
            fold_costs.append(expected_cost(folds.y[test], predictions[r, test], folds.costs))
        if fitted.rule.threshold is not None:
            thresholds.append(fitted.rule.threshold)
    return OutOfFold(run, proba, predictions, fold_scores, raw, scored, tuple(fold_costs), tuple(thresholds),
                     tuple(dict.fromkeys(notices)))


def _fit_model(request: Request, folds: Folds, run: Run, rows: np.ndarray, where: str, notices: list[str]) -> Fitted:
    """Fit ``run`` on ``rows`` (a training fold, or every row): its pipeline, its calibration and
    its decision rule (prior weights, the threshold or cost matrix when there are costs)."""
    x, y, n = folds.work.iloc[rows], folds.y[rows], len(folds.labels)
    pipeline = _pipeline(request, folds, run, count=run.calibration == "prior")
    _fit(pipeline, x, y, run.name, where)
    calibrated = None
    if run.calibration in ("sigmoid", "isotonic"):
        inner, cv = _inner(request, folds, run, rows, notices, f"the inner folds that calibrate {where}")
        calibrated = CalibratedClassifierCV(_pipeline(request, folds, inner), method=run.calibration, cv=cv)
        _fit(calibrated, x, y, run.name, f"the inner folds that calibrate {where}")
    weights = pipeline_prior(pipeline, run.class_weight, y, n) if run.calibration == "prior" else None
    rule = decision_rule(folds.positive, weights, folds.costs, run.calibration,
                         lambda: _searched_threshold(request, folds, run, rows, where, notices))
    return Fitted(pipeline, calibrated, rule, n)


def _pipeline(request: Request, folds: Folds, run: Run, count: bool = False) -> Pipeline:
    """The unfitted pipeline of ``run``."""
    return build_pipeline(folds.roles, run.method, run.params, run.sampling_strategy, request.seed, request.model,
                          run.class_weight, run.final, count=count)


def _inner(
    request: Request, folds: Folds, run: Run, rows: np.ndarray, notices: list[str], where: str
) -> tuple[Run, list[tuple[np.ndarray, np.ndarray]]]:
    """``run`` sized for an inner cross-validation of training ``rows``, and its stratified folds
    (:data:`INNER_FOLDS`, fewer for a class with fewer distinct rows; copies kept together)."""
    y = folds.y[rows]
    groups = None if folds.groups is None else folds.groups[rows]
    distinct = distinct_per_class(y, groups, len(folds.labels))
    k = min(INNER_FOLDS, int(distinct.min()))
    if k < 2:
        label = label_str(folds.labels[int(np.argmin(distinct))])
        raise EngineError(f"{run.name} could not run on {where}: class {label!r} has a single distinct row there. "
                          "Add rows, or use calibration prior (or none without costs)")
    sampling_strategy = _fold_sampling_strategy(run.sampling_strategy, k, notices)
    cv = splits(y, groups, k, 1, request.seed)
    params = _neighbours_for(request, strategies.get(run.method), folds, run.params, sampling_strategy,
                             _smallest_training(y, cv, len(folds.labels)), notices, " in the inner folds")
    return dataclasses.replace(run, params=params, sampling_strategy=sampling_strategy), cv


def _searched_threshold(
    request: Request, folds: Folds, run: Run, rows: np.ndarray, where: str, notices: list[str]
) -> float:
    """Two classes without calibration: the threshold of least cost on out-of-fold probabilities of
    the training rows, from an inner cross-validation of the same pipeline."""
    assert folds.costs is not None and folds.positive is not None
    place = f"the inner folds that choose the threshold in {where}"
    x, y = folds.work.iloc[rows], folds.y[rows]
    inner, cv = _inner(request, folds, run, rows, notices, place)
    with _data_errors(run.name, place):
        oof = cross_val_predict(_pipeline(request, folds, inner), x, y, cv=cv, method="predict_proba")
    return search_threshold(y == folds.positive, oof[:, folds.positive], folds.costs)


def _build_result(
    request: Request, tactic: Tactic, folds: Folds, results: Sequence[OutOfFold], seconds: float
) -> Evaluation:
    """The tactic's :class:`Evaluation`, with the baseline's attached when it ran, and every
    metric's change against it tested on the paired folds."""
    main, *others = results
    common: dict[str, Any] = {"model": request.model, "folds": len(folds.splits) // folds.repeats,
                              "seed": request.seed, "repeats": folds.repeats, "copies": folds.copies,
                              "test_share": _test_share(folds.splits)}
    base = None
    compared: dict[str, Any] = {}
    if others:
        base = Evaluation(method="none", requested="none", params={}, class_weight=None, notices=(),
                          seconds=0.0, **common, **_scores(others[0], folds))
        compared = _against(main, others[0], common["test_share"])
    unchanged = tactic.plan.method == "none" and main.run.class_weight is None and main.run.final is None
    baseline_raw = others[0].raw if others else main.raw if unchanged else None
    return Evaluation(
        method=tactic.shown, requested=tactic.strategy.name,
        params={k: v for k, v in main.run.params.items() if k != "sampling_strategy"},
        class_weight=tactic.class_weight if main.run.class_weight is not None else None,
        notices=(*folds.notices, *main.notices), seconds=seconds, baseline=base, **common, **_scores(main, folds),
        cost_curve=_cost_curve(main, folds), calibration=_calibration(main, baseline_raw, folds),
        tuned_for=folds.tuned_for, **compared,
    )


def _test_share(the_splits: Sequence[tuple[np.ndarray, np.ndarray]]) -> float | None:
    """The mean ratio of held-out to training rows (the corrected t-test's n_test / n_train)."""
    ratios = [len(test) / len(train) for train, test in the_splits if len(train)]
    return float(np.mean(ratios)) if ratios else None


def _against(main: OutOfFold, base: OutOfFold, test_share: float | None) -> dict[str, Any]:
    """Per metric (and the expected cost, with costs): the mean paired fold difference from the
    baseline and the corrected t-test's p (see :func:`balancer.verdict.corrected_ttest`)."""
    from .verdict import corrected_ttest

    changes: dict[str, float] = {}
    p_values: dict[str, float] = {}
    pairs = {m: ([f[m] for f in main.fold_scores], [f[m] for f in base.fold_scores]) for m in METRICS}
    if main.fold_costs and base.fold_costs:
        pairs["expected_cost"] = (list(main.fold_costs), list(base.fold_costs))
    for name, (ours, theirs) in pairs.items():
        changes[name], p_values[name] = corrected_ttest(np.subtract(ours, theirs), test_share or 0.0)
    return {"changes": changes, "p_values": p_values}


def _pooled(result: OutOfFold, folds: Folds, values: np.ndarray) -> np.ndarray:
    """``values`` (one layer per repeat) at the held-out rows of every repeat, one after the other."""
    return np.concatenate([values[r][result.scored[r]] for r in range(len(result.scored))])


def _scores(result: OutOfFold, folds: Folds) -> dict[str, Any]:
    """Means and spreads over the folds; the per-class table, the confusion matrix (the mean over
    the repeats) and the costs pooled over the held-out rows."""
    means, stds = _mean_and_spread(result.fold_scores)
    n, repeats = len(folds.labels), len(result.scored)
    y = _pooled(result, folds, np.broadcast_to(folds.y, result.scored.shape))
    predicted = _pooled(result, folds, result.predicted)
    matrix = np.zeros((n, n), dtype="int64")
    np.add.at(matrix, (y, predicted), 1)
    table = per_class(y, predicted, n)
    for row, label in zip(table, folds.labels):
        row["label"] = label_str(label)
        row["support"] = _count(row["support"] / repeats)
    costs = folds.costs
    return {
        "labels": folds.labels, "positive": None if folds.positive is None else folds.labels[folds.positive],
        "metrics": means, "std": stds, "fold_scores": result.fold_scores, "per_class": table,
        "confusion_matrix": [[_count(v / repeats) for v in row] for row in matrix.tolist()], "y_true": y,
        "scores": _pooled(result, folds, result.proba),
        "costs": costs, "fold_costs": result.fold_costs, "thresholds": result.thresholds,
        "expected_cost": None if costs is None else expected_cost(y, predicted, costs),
        "expected_cost_baseline": None if costs is None else nothing_cost(y, costs),
    }


def _count(value: float) -> int | float:
    """A count as an int when it is whole (a mean over repeats may not be), else to 4 decimals."""
    return int(round(value)) if abs(value - round(value)) < 1e-9 else round(float(value), 4)


def _cost_curve(result: OutOfFold, folds: Folds) -> tuple[tuple[float, float], ...]:
    """Two classes with costs: the cost against the threshold on the held-out probabilities."""
    if folds.costs is None or folds.positive is None:
        return ()
    y = _pooled(result, folds, np.broadcast_to(folds.y, result.scored.shape))
    proba = _pooled(result, folds, result.proba)
    return tuple(cost_curve(y == folds.positive, proba[:, folds.positive], folds.costs))


def _calibration(result: OutOfFold, baseline_raw: np.ndarray | None, folds: Folds) -> Calibration:
    """Calibration scores and reliability bins of the baseline's, the uncorrected and the corrected
    held-out probabilities."""
    y = _pooled(result, folds, np.broadcast_to(folds.y, result.scored.shape))
    probabilities = {"baseline": None if baseline_raw is None else _pooled(result, folds, baseline_raw),
                     "uncorrected": _pooled(result, folds, result.raw),
                     "corrected": _pooled(result, folds, result.proba)}
    return Calibration(
        method=result.run.calibration,
        scores={k: None if p is None else calibration(y, p, folds.positive) for k, p in probabilities.items()},
        reliability={k: None if p is None else reliability(y, p, folds.positive) for k, p in probabilities.items()},
    )


def _mean_and_spread(fold_scores: Sequence[Mapping[str, float]]) -> tuple[dict[str, float], dict[str, float]]:
    """Per metric, the mean and the standard deviation (ddof=1) over the folds that have it (NaN
    when none has it; the spread is NaN from a single fold)."""
    means: dict[str, float] = {}
    stds: dict[str, float] = {}
    for m in METRICS:
        means[m], stds[m] = mean_and_std([f[m] for f in fold_scores])
    return means, stds


def mean_and_std(values: Iterable[float]) -> tuple[float, float]:
    """The mean and the standard deviation with ddof=1 (Balancer's one convention for spread) of
    the finite ``values``: NaN for no value, and a NaN spread for a single one."""
    finite = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if not finite.size:
        return math.nan, math.nan
    return float(finite.mean()), float(finite.std(ddof=1)) if finite.size > 1 else math.nan


# --------------------------------------------------------------------------------------------
# the tactic fitted on every row


@dataclasses.dataclass(frozen=True, eq=False)
class FinalModel:
    """The tactic fitted on every row with a target, as :func:`evaluate` fits each training fold.

    ``fitted`` holds the model and its decision rule; ``labels`` the classes in code order (largest
    first), ``positive`` the minority for two classes; ``method``, ``requested``, ``params`` and
    ``class_weight`` are as in :class:`Evaluation`; ``calibration`` is the one used.
    """

    fitted: Fitted
    labels: list[Hashable]
    positive: Hashable | None
    counts: dict[Hashable, int]
    roles: Roles
    model: str
    method: str
    requested: str
    params: dict[str, Any]
    class_weight: Any
    calibration: str
    costs: Costs | None
    notices: tuple[str, ...]


def fit_all_rows(
    data: pd.DataFrame,
    target: str,
    method: str = "none",
    *,
    model: str = "logistic_regression",
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    class_weight: Any = None,
    metric: str = "f2",
    costs: Any = None,
    calibration: str | None = None,
) -> FinalModel:
    """Fit ``method`` with ``model`` on every row, with the calibration and the decision rule that
    :func:`evaluate` (same arguments) scores: the model to use on new rows.

    Neighbour counts are fitted to all rows; with costs and no calibration, the threshold is
    searched on out-of-fold probabilities of all rows (an inner cross-validation).
    """
    request = Request(data=data, target=target, strategy=strategies.get(method), params=dict(params or {}),
                      model=get_model(model), folds=1, seed=seed, class_weight=class_weight,
                      metric=_checked_metric(metric, costs), baseline=False, holdout=None, costs=costs,
                      calibration=checked_calibration(calibration))
    tactic = _resolve_tactic(request)
    rows = _every_row(request, tactic)
    notices = list(rows.notices)
    groups = duplicate_groups(tactic.work, request.target, tactic.plan.roles)
    copies = count_copies(groups, tactic.marked)
    counts = dict(enumerate(tactic.plan.counts.values()))
    rows = dataclasses.replace(rows, sampler_params=_neighbours_for(
        request, tactic.plan.strategy, rows, rows.sampler_params, rows.sampling_strategy, counts, notices, ""),
        groups=groups if copies.rows else None, copies=copies)
    rows = dataclasses.replace(rows, notices=tuple(notices))
    rows = _choose_calibration(request, tactic, _tuning(request, tactic, rows))
    run = _plan_runs(request, tactic, rows)[0]
    notices = list(rows.notices)
    fitted = _fit_model(request, rows, run, np.arange(len(rows.y)), "all rows", notices)
    fitted = dataclasses.replace(fitted, pipeline=tactics.fixed_thresholds(fitted.pipeline),
                                 calibrated=tactics.fixed_thresholds(fitted.calibrated))
    return FinalModel(
        fitted=fitted, labels=rows.labels, positive=None if rows.positive is None else rows.labels[rows.positive],
        counts=dict(tactic.plan.counts), roles=rows.roles, model=request.model, method=tactic.shown,
        requested=tactic.strategy.name, params={k: v for k, v in run.params.items() if k != "sampling_strategy"},
        class_weight=tactic.class_weight if run.class_weight is not None else None, calibration=run.calibration,
        costs=rows.costs, notices=tuple(dict.fromkeys(notices)),
    )


# --------------------------------------------------------------------------------------------
# collect more data?


@dataclasses.dataclass(frozen=True)
class LearningCurve:
    """Out-of-fold ``metric`` for growing shares of the training folds, and what it suggests.

    ``fractions``, ``train_rows``, ``mean`` and ``std`` (ddof=1 over the folds) are the sizes
    that could be scored; ``asked`` are the shares asked for. ``skipped`` has one entry per size
    and reason that a fold could not be scored (``fraction``, ``rows``, ``folds`` failed of
    ``of``, ``reason``); ``notices`` say the same in words, and what else was changed (a
    model-side tactic left out). With fewer than :data:`MIN_CURVE_POINTS` sizes scored there is
    no verdict.
    """

    metric: str
    fractions: list[float]
    train_rows: list[int]
    mean: list[float]
    std: list[float]
    verdict: str
    still_rising: bool
    notices: tuple[str, ...] = ()
    skipped: tuple[dict[str, Any], ...] = ()
    asked: tuple[float, ...] = ()

    @property
    def judged(self) -> bool:
        """Whether enough sizes ran to give a verdict."""
        return len(self.mean) >= MIN_CURVE_POINTS

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (a metric that could not be computed is null)."""
        out = dataclasses.asdict(self)
        out["mean"] = [None if math.isnan(v) else v for v in self.mean]
        out["std"] = [None if math.isnan(v) else v for v in self.std]
        out["notices"] = list(self.notices)
        out["skipped"] = [dict(s) for s in self.skipped]
        out["asked"] = list(self.asked)
        out["judged"] = self.judged
        out["std_ddof"] = 1
        return out


def learning_curve(
    data: pd.DataFrame,
    target: str,
    method: str = "none",
    *,
    model: str = "logistic_regression",
    folds: int = 5,
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    metric: str = "pr_auc",
    fractions: Sequence[float] = (0.2, 0.4, 0.6, 0.8, 1.0),
    progress: Progress | None = None,
    repeats: int = 1,
) -> LearningCurve:
    """Answer "would more data help?": score the tactic on growing shares of each training fold.

    The folds are :func:`evaluate`'s (copies kept together, ``repeats`` rounds). The curve is
    about rows, so a tactic that changes the model is left out (with a notice). A size that
    cannot be scored in a fold is skipped with a notice and an entry in ``skipped`` giving the
    reason; with fewer than :data:`MIN_CURVE_POINTS` sizes scored there is no verdict.
    """
    metric = _checked_metric(metric)
    model = get_model(model)
    strategy = strategies.get(method)
    notices: list[str] = []
    if not strategy.resamples:
        notices.append(f"{strategy.name} changes the model, not the rows: the curve shows "
                       f"{MODELS[model][0].lower()} without it")
        strategy, params = strategies.get("none"), None
    request = Request(data=data, target=target, strategy=strategy, params=dict(params or {}), model=model,
                      folds=folds, seed=seed, class_weight=None, metric=metric, baseline=False, holdout=None,
                      repeats=_checked_repeats(repeats))
    tactic = _resolve_tactic(request)
    prepared = _prepare_folds(request, tactic)
    points, skipped, lowered = _curve_points(request, tactic, prepared, list(fractions), progress)
    return _curve(metric, list(fractions), points, [*notices, *prepared.notices], skipped, lowered)


def _curve_points(
    request: Request, tactic: Tactic, folds: Folds, fractions: list[float], progress: Progress | None
) -> tuple[dict[float, list[tuple[float, int]]], list[dict[str, Any]], list[str]]:
    """Score every share of every training fold: (value, rows) per share, what was skipped (see
    :func:`_skipped`) and the neighbour counts lowered."""
    rng = np.random.default_rng(request.seed)
    points: dict[float, list[tuple[float, int]]] = {f: [] for f in fractions}
    failed: dict[tuple[float, str], list[int]] = {}
    lowered: list[str] = []
    total = len(folds.splits) * len(fractions)
    for i, (train, test) in enumerate(folds.splits):
        order = rng.permutation(train)
        for j, fraction in enumerate(fractions):
            if progress is not None:
                progress((i * len(fractions) + j) / total, f"{int(fraction * 100)}% of the training rows")
            subset = _stratified_head(order, folds.y, fraction)
            try:
                value = _score_subset(request, tactic, folds, (subset, test), lowered)
            except BalancerError as exc:
                failed.setdefault((fraction, str(exc)), []).append(len(subset))
                continue
            points[fraction].append((value, len(subset)))
    if progress is not None:
        progress(1.0, "done")
    return points, _skipped(failed, len(folds.splits)), lowered


def _score_subset(
    request: Request, tactic: Tactic, folds: Folds, rows: tuple[np.ndarray, np.ndarray], lowered: list[str]
) -> float:
    """Fit on a share of a training fold (neighbour counts fitted to it) and score the held-out fold."""
    subset, test = rows
    y, n, the_plan = folds.y, len(folds.labels), tactic.plan
    counts = {c: int(np.sum(y[subset] == c)) for c in range(n)}
    sizes = oversampled_sizes(the_plan.strategy, folds.sampling_strategy, y[subset], counts)
    params = fit_neighbours(the_plan.strategy, the_plan.params, set(request.params) - {"sampling_strategy"},
                            {folds.labels[c]: m for c, m in sizes.items()}, lowered)
    pipeline = build_pipeline(folds.roles, the_plan.method, params, folds.sampling_strategy, request.seed,
                              request.model, None)
    _fit(pipeline, folds.work.iloc[subset], y[subset], the_plan.method, f"{len(subset):,} training rows")
    proba = np.zeros((len(test), n))
    proba[:, pipeline.classes_] = pipeline.predict_proba(folds.work.iloc[test])
    return score(y[test], proba.argmax(axis=1), proba, n, folds.positive)[request.metric]


def _skipped(failed: Mapping[tuple[float, str], list[int]], k: int) -> list[dict[str, Any]]:
    """One entry per size and reason that a fold could not be scored: the share, the rows (mean
    over those folds), how many of the ``k`` folds failed, and why."""
    return [{"fraction": fraction, "rows": int(np.mean(rows)), "folds": len(rows), "of": k, "reason": reason}
            for (fraction, reason), rows in failed.items()]


def _skip_notices(skipped: Sequence[Mapping[str, Any]], lowered: list[str]) -> list[str]:
    """One notice per size and reason that a fold could not be scored; one for lowered neighbours."""
    notices = []
    for entry in skipped:
        where = ("every fold, so it is not on the curve" if entry["folds"] == entry["of"]
                 else f"{entry['folds']} of {entry['of']} folds (its point is the mean of the others)")
        notices.append(f"{entry['fraction']:.0%} of the training rows (about {entry['rows']:,} rows) skipped in "
                       f"{where}: {entry['reason']}")
    if lowered:
        notices.append(f"neighbour counts were lowered where a share of the training rows was too small "
                       f"({len(lowered)} times), e.g. {lowered[0]}")
    return notices


def _curve(metric: str, fractions: list[float], points: Mapping[float, list[tuple[float, int]]],
           notices: list[str], skipped: Sequence[Mapping[str, Any]] = (), lowered: Sequence[str] = ()) -> LearningCurve:
    """Average each scored share over the folds and read the verdict off the means."""
    kept = [f for f in fractions if points[f]]
    spread = [mean_and_std([v for v, _ in points[f]]) for f in kept]
    means = [m for m, _ in spread]
    stds = [sd for _, sd in spread]
    train_rows = [int(np.mean([r for _, r in points[f]])) for f in kept]
    rising, verdict = _verdict(means, stds, METRICS[metric][0], len(fractions))
    return LearningCurve(metric, kept, train_rows, means, stds, verdict, rising,
                         (*notices, *_skip_notices(skipped, list(lowered))), tuple(dict(s) for s in skipped),
                         tuple(fractions))


def _stratified_head(order: np.ndarray, y: np.ndarray, fraction: float) -> np.ndarray:
    """Take the first share of each class in ``order`` (at least 2 rows per class)."""
    parts = []
    for c in np.unique(y[order]):
        members = order[y[order] == c]
        take = max(2, int(round(len(members) * fraction)))
        parts.append(members[:take])
    return np.sort(np.concatenate(parts))


def _verdict(means: list[float], stds: list[float], label: str, asked: int) -> tuple[bool, str]:
    """Whether the metric still rises at the right of the curve, and what that suggests."""
    if len(means) < MIN_CURVE_POINTS:
        why = "see the notices for what was skipped and why" if len(means) < asked else "ask for more sizes"
        return False, (f"No verdict: {len(means)} of the {asked} training-row counts could be scored: not enough "
                       f"sizes ran to judge (a verdict needs at least {MIN_CURVE_POINTS}; {why}).")
    gain = means[-1] - means[-2]
    total = means[-1] - means[0]
    noise = max(0.005, (0.0 if math.isnan(stds[-1]) else stds[-1]) / 2)
    if gain > noise:
        return True, (f"{label} still rises as rows are added ({gain:+.3f} over the last step): "
                      "collecting more data, above all more minority rows, would likely help.")
    if total > noise:
        return False, (f"{label} rose with more rows but has levelled off ({gain:+.3f} over the "
                       "last step): more of the same data may help a little; better features or "
                       "another tactic are likely worth more.")
    return False, (f"{label} hardly changes with more rows: more data of the same kind is unlikely "
                   "to help; try other tactics or features.")


__all__ = [
    "INNER_FOLDS",
    "MARKER",
    "MAX_REPEATS",
    "MIN_CURVE_POINTS",
    "MODELS",
    "MOSTLY_COPIES",
    "POOLED",
    "WARNING",
    "Calibration",
    "Copies",
    "Evaluation",
    "FinalModel",
    "LearningCurve",
    "build_pipeline",
    "choose_folds",
    "count_copies",
    "distinct_per_class",
    "duplicate_groups",
    "evaluate",
    "fit_all_rows",
    "get_model",
    "learning_curve",
    "marker_column",
    "matrix_groups",
    "mean_and_std",
    "repeat_seed",
    "splits",
]
