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
6. :func:`_build_result` -> :class:`Evaluation`.

:func:`learning_curve` reuses steps 1 to 3 and scores growing shares of each training fold.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from imblearn.pipeline import Pipeline
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier

from . import strategies
from .errors import BalancerError, EngineError, MethodError, ParameterError, TargetError
from .metrics import METRICS, curve_points, per_class, score
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
    ``y_true`` and ``scores`` are the out-of-fold class codes and probabilities (for curves).
    ``baseline`` is the same model without any balancing, on the same folds.
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
        return out


def _clean(values: Mapping[str, float]) -> dict[str, float | None]:
    return {k: (None if v is None or math.isnan(v) else round(float(v), 6)) for k, v in values.items()}


def _json_weights(weights: Any) -> Any:
    if isinstance(weights, Mapping):
        return {label_str(k): v for k, v in weights.items()}
    return weights


# --------------------------------------------------------------------------------------------
# the values passed from step to step


@dataclasses.dataclass(frozen=True, eq=False)
class Request:
    """What the caller asked for; the model name is canonical, the metric and hold-out checked."""

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
    approximates); ``sampling_strategy`` is coded and scaled to the training folds.
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


@dataclasses.dataclass(frozen=True, eq=False)
class Run:
    """One pipeline to cross-validate: the tactic's, or the baseline's (no balancing).

    ``label`` names it in progress messages, ``name`` in errors; ``method`` is the sampler that
    runs (``"none"`` for none), ``class_weight`` is coded for the model, and ``final`` wraps or
    replaces the model.
    """

    label: str
    name: str
    method: str
    params: dict[str, Any]
    sampling_strategy: Any
    class_weight: Any
    final: Callable[[Any], Any] | None = None


@dataclasses.dataclass(frozen=True, eq=False)
class OutOfFold:
    """What one run predicted for every row while it was held out, and each fold's scores."""

    run: Run
    proba: np.ndarray
    predicted: np.ndarray
    fold_scores: list[dict[str, float]]


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


def _checked_metric(metric: str) -> str:
    if metric not in METRICS:
        raise ParameterError(f"unknown metric {metric!r}.{suggest(metric, list(METRICS))}")
    return metric


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
    model: str, class_weight: Any, final: Callable[[Any], Any] | None = None,
) -> Pipeline:
    """Return the unfitted pipeline: prepare -> sampler -> (one-hot for SMOTENC/SMOTEN) -> model.

    ``final`` wraps or replaces the model (threshold tuning, anomaly detection, ensembles...).
    """
    ordinal = strategies.get(method).encoding == "ordinal"
    preparer = Preparer(roles, categories="ordinal" if ordinal else "onehot")
    steps: list[tuple[str, Any]] = [("prepare", preparer)]
    sampler = strategies.build(method, params, sampling_strategy, seed,
                               categorical_indices=preparer.categorical_indices)
    if sampler is not None:
        steps.append(("sample", sampler))
    if ordinal and preparer.categorical_indices:
        steps.append(("expand", ColumnTransformer(
            [("onehot", OneHotEncoder(handle_unknown="ignore"), preparer.categorical_indices)],
            remainder="passthrough")))
    estimator = MODELS[model][1](class_weight, seed)
    steps.append(("model", final(estimator) if final is not None else estimator))
    return Pipeline(steps)


def _fit(pipeline: Pipeline, rows: pd.DataFrame, y: np.ndarray, name: str, where: str) -> None:
    """Fit ``pipeline``; a failure the data causes becomes an :class:`EngineError` naming ``where``.

    scikit-learn and imbalanced-learn raise ValueError for data they cannot use (fewer rows than
    neighbours, a class too small for inner folds, boosting worse than chance), and
    imbalanced-learn's samplers RuntimeError or IndexError when they find nothing to work on
    (ADASYN with no neighbour of another class, empty clusters...). Anything else is a bug.
    """
    try:
        pipeline.fit(rows, y)
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
) -> Evaluation:
    """Score ``method`` with ``model`` by stratified K-fold, the sampler inside the training folds.

    ``method`` is a sampler name, ``"none"``, ``"class_weight"`` or a tactic that changes the model
    (``threshold``, ``anomaly``, ``decompose``, the ensembles); ``class_weight`` (``"balanced"`` or
    per-class costs) penalizes the model on top of any sampler. ``metric`` is what threshold-tuned
    tactics optimize. With ``baseline`` the same model without balancing is scored on the same folds
    and attached as ``.baseline``. ``holdout`` (a share such as 0.2) replaces the K folds by one
    stratified train/test split, for tables too large to fit K times.
    """
    started = time.perf_counter()
    model = get_model(model)
    request = Request(data=data, target=target, strategy=strategies.get(method), params=dict(params or {}),
                      model=model, folds=folds, seed=seed, class_weight=class_weight,
                      metric=_checked_metric(metric), baseline=baseline, holdout=_checked_holdout(holdout))
    tactic = _resolve_tactic(request)
    prepared = _fit_to_training_folds(request, tactic, _prepare_folds(request, tactic))
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
    """Code the classes, choose the splits and scale per-class counts to the training folds."""
    notices = list(tactic.plan.notices)
    labels, y = encode_labels(tactic.work[request.target], tactic.plan.counts)
    k, splits = _splits(request, tactic.plan.counts, y, notices)
    coded = encode_sampling_strategy(tactic.plan.sampling_strategy, labels)
    sampling_strategy = _fold_sampling_strategy(coded, k, notices)
    return Folds(work=tactic.work, y=y, labels=labels, positive=len(labels) - 1 if len(labels) == 2 else None,
                 splits=splits, k=k, roles=tactic.plan.roles, sampling_strategy=sampling_strategy,
                 sampler_params=dict(tactic.plan.params), notices=tuple(notices))


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
    strategy = tactic.plan.strategy
    # every class keeps count - ceil(count / k) rows in the smallest training fold
    train = {c: n - -(-n // folds.k) for c, n in enumerate(tactic.plan.counts.values())}
    sizes = oversampled_sizes(strategy, folds.sampling_strategy, _expand(train), train)
    notices = list(folds.notices)
    params = fit_neighbours(strategy, folds.sampler_params, set(request.params) - {"sampling_strategy"},
                            {folds.labels[c]: n for c, n in sizes.items()}, notices, " in the training folds")
    return dataclasses.replace(folds, sampler_params=params, notices=tuple(notices))


def _plan_runs(request: Request, tactic: Tactic, folds: Folds) -> list[Run]:
    """The tactic's run, then (when asked, and when the tactic changes anything) the baseline's."""
    weights = _weights(tactic.class_weight, folds.labels)
    final = _model_wrapper(request, tactic, len(folds.labels))
    params = tactic.model_params if final is not None else folds.sampler_params
    runs = [Run(tactic.strategy.name, tactic.shown, tactic.plan.method, params, folds.sampling_strategy,
                weights, final)]
    if request.baseline and (tactic.plan.method != "none" or weights is not None or final is not None):
        runs.append(Run("no balancing", "none", "none", {}, "auto", None))
    return runs


def _model_wrapper(request: Request, tactic: Tactic, n_classes: int) -> Callable[[Any], Any] | None:
    """What wraps or replaces the model for a model-side tactic (None for the others)."""
    build = tactic.strategy.estimator
    if build is None:
        return None
    params, seed, metric = tactic.model_params, request.seed, request.metric
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
    """Fit ``run`` on each training fold and predict its held-out fold."""
    n = len(folds.labels)
    proba = np.zeros((len(folds.y), n))
    predictions = np.zeros(len(folds.y), dtype="int64")
    fold_scores = []
    for i, (train, test) in enumerate(folds.splits):
        tick(i)
        pipeline = build_pipeline(folds.roles, run.method, run.params, run.sampling_strategy, request.seed,
                                  request.model, run.class_weight, run.final)
        _fit(pipeline, folds.work.iloc[train], folds.y[train], run.name, "the training folds")
        fold_proba = np.zeros((len(test), n))
        fold_proba[:, pipeline.classes_] = pipeline.predict_proba(folds.work.iloc[test])
        proba[test] = fold_proba
        predicted = np.asarray(pipeline.predict(folds.work.iloc[test]), dtype="int64")
        predictions[test] = predicted
        fold_scores.append(score(folds.y[test], predicted, fold_proba, n, folds.positive))
    return OutOfFold(run, proba, predictions, fold_scores)


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
    return Evaluation(
        method=tactic.shown, requested=tactic.strategy.name,
        params={k: v for k, v in main.run.params.items() if k != "sampling_strategy"},
        class_weight=tactic.class_weight if main.run.class_weight is not None else None,
        notices=folds.notices, seconds=seconds, baseline=base, **common, **_scores(main, folds),
    )


def _scores(result: OutOfFold, folds: Folds) -> dict[str, Any]:
    """Means and spreads over the folds, the per-class table and the confusion matrix."""
    means, stds = _mean_and_spread(result.fold_scores)
    n = len(folds.labels)
    matrix = np.zeros((n, n), dtype=int)
    np.add.at(matrix, (folds.y, result.predicted), 1)
    table = per_class(folds.y, result.predicted, n)
    for row, label in zip(table, folds.labels):
        row["label"] = label_str(label)
    return {
        "labels": folds.labels, "positive": None if folds.positive is None else folds.labels[folds.positive],
        "metrics": means, "std": stds, "fold_scores": result.fold_scores, "per_class": table,
        "confusion_matrix": matrix.tolist(), "y_true": folds.y, "scores": result.proba,
    }


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
    "MIN_CURVE_POINTS",
    "MODELS",
    "Evaluation",
    "LearningCurve",
    "build_pipeline",
    "choose_folds",
    "evaluate",
    "get_model",
    "learning_curve",
]
