"""Leakage-safe evaluation: the sampler lives inside the training folds only.

Imputation, encoding, scaling, the sampler and the model form one imbalanced-learn ``Pipeline``,
fitted on the training folds of a stratified K-fold and scored on the held-out fold, which the
sampler never sees. The resampled file a user downloads is never used to score anything.

:func:`evaluate` is a row of small steps, each taking frozen values and returning a new one:

1. :class:`Request`: what was asked, with the model, metric and hold-out share checked;
2. :func:`_resolve_tactic` -> :class:`Tactic`: what the tactic changes, the data (a resampling
   plan) or the model (class weights, a wrapper such as threshold tuning);
3. :func:`_prepare_folds` -> :class:`Folds`: class codes, the splits, the sampler's settings
   sized to the training folds (:func:`_fit_to_training_folds`);
4. :func:`_plan_runs` -> :class:`Run`: the tactic's pipeline, and the baseline's;
5. :func:`_run_folds` -> :class:`OutOfFold`: out-of-fold probabilities, predictions, fold scores;
   each training fold is fitted by :func:`_fit_model`: the pipeline, its calibration and the
   decision rule of :mod:`balancer.decision` (costs, threshold);
6. :func:`_build_result` -> :class:`Evaluation`.

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

from . import strategies
from .decision import (
    CALIBRATIONS,
    ClassCounter,
    Costs,
    Fitted,
    Rule,
    bayes_threshold,
    checked_calibration,
    cost_curve,
    expected_cost,
    nothing_cost,
    parse_costs,
    prior_weights,
    search_threshold,
)
from .errors import BalancerError, EngineError, MethodError, ParameterError, TargetError
from .metrics import METRICS, calibration, checked_metric, curve_points, per_class, reliability, score
from .prepare import Preparer, Roles
from .profiling import label_str, suggest
from .resample import (
    Plan,
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


def get_model(name: str) -> str:
    """Return the canonical model name, or raise :class:`MethodError` with a suggestion."""
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    if key not in MODELS:
        raise MethodError(f"unknown model {name!r}.{suggest(key, list(MODELS))} "
                          f"The models are: {', '.join(MODELS)}")
    return key


@dataclasses.dataclass(frozen=True, eq=False)
class Evaluation:
    """Out-of-fold metrics of one tactic with one model (means over folds, and their spread).

    ``labels`` are the classes, largest first; ``positive`` is the minority for two classes.
    ``y_true`` and ``scores`` are the out-of-fold class codes and (calibrated) probabilities (for
    curves). ``baseline`` is the same model without any balancing, on the same folds.

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
    confusion_matrix: list[list[int]]
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

    @property
    def threshold(self) -> float | None:
        """Two classes with costs: the decision threshold used, the mean over the folds."""
        return float(np.mean(self.thresholds)) if self.thresholds else None

    def curves(self) -> dict[str, dict[str, list[float]]]:
        """ROC and PR points per class (only the positive class for two classes)."""
        codes = [self.labels.index(self.positive)] if self.positive is not None else range(len(self.labels))
        return {label_str(self.labels[c]): curve_points(self.y_true, self.scores, c) for c in codes}

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON of ``balancer evaluate --json``."""
        out: dict[str, Any] = {
            "method": self.method,
            "requested": self.requested,
            "model": self.model,
            "folds": self.folds,
            "seed": self.seed,
            "class_weight": _json_weights(self.class_weight),
            "positive": None if self.positive is None else label_str(self.positive),
            "labels": [label_str(v) for v in self.labels],
            "metrics": _clean(self.metrics),
            "std": _clean(self.std),
            "per_class": self.per_class,
            "confusion_matrix": self.confusion_matrix,
            "seconds": round(self.seconds, 3),
            "notices": list(self.notices),
        }
        if self.baseline is not None:
            out["baseline"] = {"metrics": _clean(self.baseline.metrics), "std": _clean(self.baseline.std)}
            if self.costs is not None:
                out["baseline"] |= {"expected_cost": _rounded(self.baseline.expected_cost),
                                    "threshold": _rounded(self.baseline.threshold)}
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


@dataclasses.dataclass(frozen=True, eq=False)
class Tactic:
    """What the requested tactic changes.

    ``plan`` is the data side: the sampler that really runs and its parameters (the plan of
    ``"none"`` for a tactic that changes the model). ``class_weight`` is what the model is
    penalized with (as given); ``model_params`` are the validated parameters of a tactic that
    wraps or replaces the model (``strategy.estimator``).
    """

    strategy: strategies.Strategy
    plan: Plan
    work: pd.DataFrame
    class_weight: Any
    model_params: dict[str, Any]

    @property
    def shown(self) -> str:
        """The name a result carries: the sampler that ran, or the model-side tactic."""
        changes_model = self.strategy.sampler is None and self.strategy.name != "none"
        return self.strategy.name if changes_model else self.plan.method


@dataclasses.dataclass(frozen=True, eq=False)
class Folds:
    """The rows with a target as class codes, the splits, and the sampler's fold-sized settings.

    ``k`` is the number of folds the training folds are sized by (for a hold-out, the split it
    approximates); ``sampling_strategy`` is coded and scaled to the training folds. ``costs`` are
    the error costs over the class codes (None: no costs); ``calibration`` is the tactic's.
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
    """What one run predicted for the held-out rows (``scored``; every row for K folds), and each
    fold's scores. ``raw`` are the probabilities before calibration, ``proba`` after; with costs,
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
) -> Evaluation:
    """Score ``method`` with ``model`` by stratified K-fold, the sampler inside the training folds.

    ``method`` is a sampler name, ``"none"``, ``"class_weight"`` or a tactic that changes the model
    (``threshold``, ``anomaly``, ``decompose``, the ensembles); ``class_weight`` (``"balanced"`` or
    per-class costs) penalizes the model on top of any sampler. ``metric`` is what threshold-tuned
    tactics optimize. With ``baseline`` the same model without balancing is scored on the same folds
    and attached as ``.baseline``. ``holdout`` (a share such as 0.2) replaces the K folds by one
    stratified train/test split, for tables too large to fit K times.

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
                      costs=costs, calibration=checked_calibration(calibration))
    tactic = _resolve_tactic(request)
    prepared = _fit_to_training_folds(request, tactic, _prepare_folds(request, tactic))
    prepared = _choose_calibration(request, tactic, prepared)
    runs = _plan_runs(request, tactic, prepared)
    results = _run_folds(request, prepared, runs, progress)
    return _build_result(request, tactic, prepared, results, time.perf_counter() - started)


def _resolve_tactic(request: Request) -> Tactic:
    """Split the tactic into its data side (a resampling plan) and its model side (weights, a wrapper)."""
    strategy, class_weight = request.strategy, request.class_weight
    model_params: dict[str, Any] = {}
    if strategy.name == "class_weight":
        class_weight = strategy.validate(request.params)["weights"]
    elif strategy.estimator is not None:
        model_params = strategy.validate(request.params)
    else:
        the_plan, work, _ = plan(request.data, request.target, strategy.name, request.params)
        return Tactic(strategy, the_plan, work, class_weight, {})
    the_plan, work, _ = plan(request.data, request.target, "none")
    if strategy.binary_only and len(the_plan.counts) != 2:
        raise ParameterError(f"{strategy.name} works with two classes; this target has {len(the_plan.counts)}")
    return Tactic(strategy, the_plan, work, class_weight, model_params)


def _prepare_folds(request: Request, tactic: Tactic) -> Folds:
    """Code the classes and the costs, choose the splits and scale per-class counts to the training folds."""
    coded = _every_row(request, tactic)
    notices = list(coded.notices)
    k, splits = _splits(request, tactic.plan.counts, coded.y, notices)
    sampling_strategy = _fold_sampling_strategy(coded.sampling_strategy, k, notices)
    return dataclasses.replace(coded, splits=splits, k=k, sampling_strategy=sampling_strategy, notices=tuple(notices))


def _every_row(request: Request, tactic: Tactic) -> Folds:
    """Every row with a target as one training set (no splits yet): the class codes (the minority
    positive for two classes), the sampling strategy and the costs coded by them."""
    labels, y = encode_labels(tactic.work[request.target], tactic.plan.counts)
    positive = len(labels) - 1 if len(labels) == 2 else None
    return Folds(work=tactic.work, y=y, labels=labels, positive=positive, splits=[], k=1, roles=tactic.plan.roles,
                 sampling_strategy=encode_sampling_strategy(tactic.plan.sampling_strategy, labels),
                 sampler_params=dict(tactic.plan.params), notices=tuple(tactic.plan.notices),
                 costs=parse_costs(request.costs, labels, positive))


def _splits(
    request: Request, counts: Mapping[Hashable, int], y: np.ndarray, notices: list[str]
) -> tuple[int, list[tuple[np.ndarray, np.ndarray]]]:
    """Stratified K folds (lowered for small classes), or one stratified hold-out split."""
    rows = np.zeros(len(y))
    if request.holdout is None:
        k = choose_folds(counts, request.folds, notices)
        return k, list(StratifiedKFold(n_splits=k, shuffle=True, random_state=request.seed).split(rows, y))
    choose_folds(counts, 2, notices)  # at least 2 rows per class
    splitter = StratifiedShuffleSplit(n_splits=1, test_size=request.holdout, random_state=request.seed)
    return max(2, round(1 / request.holdout)), list(splitter.split(rows, y))


def _fit_to_training_folds(request: Request, tactic: Tactic, folds: Folds) -> Folds:
    """Lower neighbour counts the smallest training fold cannot support (with a notice)."""
    notices = list(folds.notices)
    params = _neighbours_for(request, tactic.plan.strategy, folds, folds.sampler_params, folds.sampling_strategy,
                             _smallest_part(tactic.plan.counts.values(), folds.k), notices, " in the training folds")
    return dataclasses.replace(folds, sampler_params=params, notices=tuple(notices))


def _smallest_part(counts: Iterable[int], k: int) -> dict[int, int]:
    """Rows per class code in the smallest training part of a stratified K-fold split of ``counts``:
    every class keeps count - ceil(count / k) rows."""
    return {c: n - -(-n // k) for c, n in enumerate(counts)}


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
        chosen, why = "prior", f"the default when the class balance the model sees is changed, here by {what}"
    else:
        chosen, why = "none", ("the default for a tactic that changes the model" if model_side else
                               "the default when the model sees the table's own class balance")
    notices.append(f"calibration: {chosen} ({why}): probabilities {CALIBRATIONS[chosen]}")
    return dataclasses.replace(folds, calibration=chosen, notices=tuple(notices))


def _plan_runs(request: Request, tactic: Tactic, folds: Folds) -> list[Run]:
    """The tactic's run, then (when asked, and when the tactic changes anything) the baseline's
    (the same model as it is: no balancing, no calibration)."""
    weights = _weights(tactic.class_weight, folds.labels)
    final = _model_wrapper(request, tactic, len(folds.labels))
    params = tactic.model_params if final is not None else folds.sampler_params
    runs = [Run(tactic.strategy.name, tactic.shown, tactic.plan.method, params, folds.sampling_strategy,
                weights, final, folds.calibration)]
    if request.baseline and (tactic.plan.method != "none" or weights is not None or final is not None):
        runs.append(Run("no balancing", "none", "none", {}, "auto", None))
    return runs


def _model_wrapper(request: Request, tactic: Tactic, n_classes: int) -> Callable[[Any], Any] | None:
    """What wraps or replaces the model for a model-side tactic (None for the others). A cost
    metric is not one a tactic can tune for (its decision is the cost-optimal one anyway): it
    tunes for balanced accuracy."""
    build = tactic.strategy.estimator
    if build is None:
        return None
    params, seed = tactic.model_params, request.seed
    metric = request.metric if request.metric in METRICS else "balanced_accuracy"
    return lambda base: build(base, params, seed, metric, n_classes - 1)


def _run_folds(request: Request, folds: Folds, runs: Sequence[Run], progress: Progress | None) -> list[OutOfFold]:
    """Cross-validate every run on the same splits, reporting progress fold by fold."""
    k = len(folds.splits)
    total = len(runs) * k
    results = []
    for r, run in enumerate(runs):
        def tick(i: int, start: int = r * k, label: str = run.label) -> None:
            if progress is not None:
                progress((start + i) / total, f"{label}: fold {i + 1} of {k}")

        results.append(_cross_validate(request, folds, run, tick))
    if progress is not None:
        progress(1.0, "done")
    return results


def _cross_validate(request: Request, folds: Folds, run: Run, tick: Callable[[int], None]) -> OutOfFold:
    """Fit ``run`` on each training fold (with its calibration and decision rule) and predict its
    held-out fold."""
    n = len(folds.labels)
    raw = np.zeros((len(folds.y), n))
    proba = np.zeros((len(folds.y), n))
    predictions = np.zeros(len(folds.y), dtype="int64")
    scored = np.zeros(len(folds.y), dtype=bool)
    fold_scores: list[dict[str, float]] = []
    fold_costs: list[float] = []
    thresholds: list[float] = []
    notices: list[str] = []
    for i, (train, test) in enumerate(folds.splits):
        tick(i)
        fitted = _fit_model(request, folds, run, train, "the training folds", notices)
        rows = folds.work.iloc[test]
        raw[test] = fitted.raw_proba(rows)
        proba[test] = fitted.proba(rows, raw[test])
        predictions[test] = fitted.predict(rows, proba[test])
        scored[test] = True
        fold_scores.append(score(folds.y[test], predictions[test], proba[test], n, folds.positive))
        if folds.costs is not None:
            fold_costs.append(expected_cost(folds.y[test], predictions[test], folds.costs))
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
        inner, cv = _inner(request, folds, run, y, notices, f"the inner folds that calibrate {where}")
        calibrated = CalibratedClassifierCV(_pipeline(request, folds, inner), method=run.calibration, cv=cv)
        _fit(calibrated, x, y, run.name, f"the inner folds that calibrate {where}")
    weights = _prior(pipeline, run, y, n) if run.calibration == "prior" else None
    costs, threshold, matrix = folds.costs, None, None
    if costs is not None and costs.positive is not None:
        threshold = (bayes_threshold(costs) if run.calibration != "none"
                     else _searched_threshold(request, folds, run, x, y, where, notices))
    elif costs is not None:
        matrix = costs.matrix
    return Fitted(pipeline, calibrated, Rule(folds.positive, weights, threshold, matrix), n)


def _pipeline(request: Request, folds: Folds, run: Run, count: bool = False) -> Pipeline:
    """The unfitted pipeline of ``run``."""
    return build_pipeline(folds.roles, run.method, run.params, run.sampling_strategy, request.seed, request.model,
                          run.class_weight, run.final, count=count)


def _inner(
    request: Request, folds: Folds, run: Run, y: np.ndarray, notices: list[str], where: str
) -> tuple[Run, StratifiedKFold]:
    """``run`` sized for an inner cross-validation of training rows ``y``, and its stratified folds
    (:data:`INNER_FOLDS`, fewer for a class with fewer rows)."""
    counts = np.bincount(y, minlength=len(folds.labels))
    k = min(INNER_FOLDS, int(counts.min()))
    if k < 2:
        label = label_str(folds.labels[int(np.argmin(counts))])
        raise EngineError(f"{run.name} could not run on {where}: class {label!r} has a single row there. Add "
                          "rows, or use calibration prior (or none without costs)")
    sampling_strategy = _fold_sampling_strategy(run.sampling_strategy, k, notices)
    params = _neighbours_for(request, strategies.get(run.method), folds, run.params, sampling_strategy,
                             _smallest_part(counts, k), notices, " in the inner folds")
    cv = StratifiedKFold(n_splits=k, shuffle=True, random_state=request.seed)
    return dataclasses.replace(run, params=params, sampling_strategy=sampling_strategy), cv


def _searched_threshold(
    request: Request, folds: Folds, run: Run, x: pd.DataFrame, y: np.ndarray, where: str, notices: list[str]
) -> float:
    """Two classes without calibration: the threshold of least cost on out-of-fold probabilities of
    the training rows, from an inner cross-validation of the same pipeline."""
    assert folds.costs is not None and folds.positive is not None
    place = f"the inner folds that choose the threshold in {where}"
    inner, cv = _inner(request, folds, run, y, notices, place)
    with _data_errors(run.name, place):
        oof = cross_val_predict(_pipeline(request, folds, inner), x, y, cv=cv, method="predict_proba")
    return search_threshold(y == folds.positive, oof[:, folds.positive], folds.costs)


def _prior(pipeline: Pipeline, run: Run, y: np.ndarray, n: int) -> np.ndarray:
    """The prior correction's weights: the training rows' class rates over those the model saw
    (counted after the sampler, weighted by the class weights)."""
    true = np.bincount(y, minlength=n)
    counter = pipeline.named_steps.get("count")
    seen = true if counter is None else np.pad(counter.counts_, (0, n - len(counter.counts_)))
    if run.class_weight is None:
        weights = np.ones(n)
    elif run.class_weight == "balanced":  # weights inversely proportional to what the model sees
        weights = np.divide(1.0, seen, out=np.zeros(n), where=seen > 0)
    else:
        weights = np.array([run.class_weight[c] for c in range(n)], dtype=float)
    return prior_weights(true, seen, weights)


def _build_result(
    request: Request, tactic: Tactic, folds: Folds, results: Sequence[OutOfFold], seconds: float
) -> Evaluation:
    """The tactic's :class:`Evaluation`, with the baseline's attached when it ran."""
    main, *others = results
    common: dict[str, Any] = {"model": request.model, "folds": len(folds.splits), "seed": request.seed}
    base = None
    if others:
        base = Evaluation(method="none", requested="none", params={}, class_weight=None, notices=(),
                          seconds=0.0, **common, **_scores(others[0], folds))
    unchanged = tactic.plan.method == "none" and main.run.class_weight is None and main.run.final is None
    baseline_raw = others[0].raw if others else main.raw if unchanged else None
    return Evaluation(
        method=tactic.shown, requested=tactic.strategy.name,
        params={k: v for k, v in main.run.params.items() if k != "sampling_strategy"},
        class_weight=tactic.class_weight if main.run.class_weight is not None else None,
        notices=(*folds.notices, *main.notices), seconds=seconds, baseline=base, **common, **_scores(main, folds),
        cost_curve=_cost_curve(main, folds), calibration=_calibration(main, baseline_raw, folds),
    )


def _scores(result: OutOfFold, folds: Folds) -> dict[str, Any]:
    """Means and spreads over the folds, the per-class table, the confusion matrix and the costs,
    from the held-out rows."""
    means, stds = _mean_and_spread(result.fold_scores)
    n = len(folds.labels)
    y, predicted = folds.y[result.scored], result.predicted[result.scored]
    matrix = np.zeros((n, n), dtype=int)
    np.add.at(matrix, (y, predicted), 1)
    table = per_class(y, predicted, n)
    for row, label in zip(table, folds.labels):
        row["label"] = label_str(label)
    costs = folds.costs
    return {
        "labels": folds.labels, "positive": None if folds.positive is None else folds.labels[folds.positive],
        "metrics": means, "std": stds, "fold_scores": result.fold_scores, "per_class": table,
        "confusion_matrix": matrix.tolist(), "y_true": y, "scores": result.proba[result.scored],
        "costs": costs, "fold_costs": result.fold_costs, "thresholds": result.thresholds,
        "expected_cost": None if costs is None else expected_cost(y, predicted, costs),
        "expected_cost_baseline": None if costs is None else nothing_cost(y, costs),
    }


def _cost_curve(result: OutOfFold, folds: Folds) -> tuple[tuple[float, float], ...]:
    """Two classes with costs: the cost against the threshold on the held-out probabilities."""
    if folds.costs is None or folds.positive is None:
        return ()
    y, proba = folds.y[result.scored], result.proba[result.scored]
    return tuple(cost_curve(y == folds.positive, proba[:, folds.positive], folds.costs))


def _calibration(result: OutOfFold, baseline_raw: np.ndarray | None, folds: Folds) -> Calibration:
    """Calibration scores and reliability bins of the baseline's, the uncorrected and the corrected
    held-out probabilities."""
    y = folds.y[result.scored]
    probabilities = {"baseline": None if baseline_raw is None else baseline_raw[result.scored],
                     "uncorrected": result.raw[result.scored], "corrected": result.proba[result.scored]}
    return Calibration(
        method=result.run.calibration,
        scores={k: None if p is None else calibration(y, p, folds.positive) for k, p in probabilities.items()},
        reliability={k: None if p is None else reliability(y, p, folds.positive) for k, p in probabilities.items()},
    )


def _mean_and_spread(fold_scores: Sequence[Mapping[str, float]]) -> tuple[dict[str, float], dict[str, float]]:
    """Per metric, the mean and standard deviation over the folds that have it (NaN if none)."""
    means: dict[str, float] = {}
    stds: dict[str, float] = {}
    for m in METRICS:
        values = [f[m] for f in fold_scores]
        if all(math.isnan(v) for v in values):
            means[m] = stds[m] = math.nan
        else:
            means[m], stds[m] = float(np.nanmean(values)), float(np.nanstd(values))
    return means, stds


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
    counts = dict(enumerate(tactic.plan.counts.values()))
    rows = dataclasses.replace(rows, sampler_params=_neighbours_for(
        request, tactic.plan.strategy, rows, rows.sampler_params, rows.sampling_strategy, counts, notices, ""))
    rows = _choose_calibration(request, tactic, dataclasses.replace(rows, notices=tuple(notices)))
    run = _plan_runs(request, tactic, rows)[0]
    notices = list(rows.notices)
    fitted = _fit_model(request, rows, run, np.arange(len(rows.y)), "all rows", notices)
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

    ``notices`` say what was changed or skipped: a model-side tactic left out, and every size
    that could not be scored in a fold, with the reason.
    """

    metric: str
    fractions: list[float]
    train_rows: list[int]
    mean: list[float]
    std: list[float]
    verdict: str
    still_rising: bool
    notices: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (a metric that could not be computed is null)."""
        out = dataclasses.asdict(self)
        out["mean"] = [None if math.isnan(v) else v for v in self.mean]
        out["std"] = [None if math.isnan(v) else v for v in self.std]
        out["notices"] = list(self.notices)
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
) -> LearningCurve:
    """Answer "would more data help?": score the tactic on growing shares of each training fold.

    The curve is about rows, so a tactic that changes the model is left out (with a notice). A
    size that cannot be scored in a fold is skipped with a notice giving the reason; with fewer
    than :data:`MIN_CURVE_POINTS` sizes scored there is no verdict.
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
                      folds=folds, seed=seed, class_weight=None, metric=metric, baseline=False, holdout=None)
    tactic = _resolve_tactic(request)
    prepared = _prepare_folds(request, tactic)
    points, skipped = _curve_points(request, tactic, prepared, list(fractions), progress)
    return _curve(metric, list(fractions), points, [*notices, *prepared.notices, *skipped])


def _curve_points(
    request: Request, tactic: Tactic, folds: Folds, fractions: list[float], progress: Progress | None
) -> tuple[dict[float, list[tuple[float, int]]], list[str]]:
    """Score every share of every training fold: (value, rows) per share, and the skip notices."""
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
    return points, _skip_notices(failed, len(folds.splits), lowered)


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


def _skip_notices(failed: Mapping[tuple[float, str], list[int]], k: int, lowered: list[str]) -> list[str]:
    """One notice per size and reason that a fold could not be scored; one for lowered neighbours."""
    notices = []
    for (fraction, reason), rows in failed.items():
        where = "every fold, so it is not on the curve" if len(rows) == k else f"{len(rows)} of {k} folds"
        notices.append(f"{fraction:.0%} of the training rows (about {int(np.mean(rows)):,} rows) skipped in "
                       f"{where}: {reason}")
    if lowered:
        notices.append(f"neighbour counts were lowered where a share of the training rows was too small "
                       f"({len(lowered)} times), e.g. {lowered[0]}")
    return notices


def _curve(metric: str, fractions: list[float], points: Mapping[float, list[tuple[float, int]]],
           notices: list[str]) -> LearningCurve:
    """Average each scored share over the folds and read the verdict off the means."""
    kept = [f for f in fractions if points[f]]
    means = [float(np.nanmean([v for v, _ in points[f]])) for f in kept]
    stds = [float(np.nanstd([v for v, _ in points[f]])) for f in kept]
    train_rows = [int(np.mean([r for _, r in points[f]])) for f in kept]
    rising, verdict = _verdict(means, stds, METRICS[metric][0], len(fractions))
    return LearningCurve(metric, kept, train_rows, means, stds, verdict, rising, tuple(notices))


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
        why = "see the notices for what was skipped" if len(means) < asked else "ask for more sizes"
        return False, (f"No verdict: {len(means)} of the {asked} training-row counts could be scored, and a "
                       f"verdict needs at least {MIN_CURVE_POINTS} ({why}).")
    gain = means[-1] - means[-2]
    total = means[-1] - means[0]
    noise = max(0.005, stds[-1] / 2)
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
    "MIN_CURVE_POINTS",
    "MODELS",
    "Calibration",
    "Evaluation",
    "FinalModel",
    "LearningCurve",
    "build_pipeline",
    "choose_folds",
    "evaluate",
    "fit_all_rows",
    "get_model",
    "learning_curve",
]
