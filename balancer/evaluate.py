"""Leakage-safe evaluation: the sampler lives inside the training folds only.

Imputation, encoding, scaling, the sampler and the model form one imbalanced-learn ``Pipeline``,
fitted on the training folds of a stratified K-fold and scored on the held-out fold, which the
sampler never sees. The resampled file a user downloads is never used to score anything.
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
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier

from . import strategies
from .errors import EngineError, MethodError, ParameterError, TargetError
from .metrics import METRICS, curve_points, per_class, score
from .prepare import Preparer, Roles
from .profiling import label_str, suggest
from .resample import (
    build_sampler,
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


def build_pipeline(
    roles: Roles, method: str, params: Mapping[str, Any], sampling_strategy: Any, seed: int,
    model: str, class_weight: Any, final: Callable[[Any], Any] | None = None,
) -> Pipeline:
    """Return the unfitted pipeline: prepare -> sampler -> (one-hot for SMOTENC/SMOTEN) -> model.

    ``final`` wraps or replaces the model (threshold tuning, anomaly detection, ensembles...).
    """
    ordinal = method in ("SMOTENC", "SMOTEN")
    preparer = Preparer(roles, categories="ordinal" if ordinal else "onehot")
    steps: list[tuple[str, Any]] = [("prepare", preparer)]
    sampler = build_sampler(method, params, sampling_strategy, seed, preparer.categorical_indices)
    if sampler is not None:
        steps.append(("sample", sampler))
    if ordinal and preparer.categorical_indices:
        steps.append(("expand", ColumnTransformer(
            [("onehot", OneHotEncoder(handle_unknown="ignore"), preparer.categorical_indices)],
            remainder="passthrough")))
    estimator = MODELS[model][1](class_weight, seed)
    steps.append(("model", final(estimator) if final is not None else estimator))
    return Pipeline(steps)


def _fold_sampling_strategy(value: Any, folds: int, notices: list[str]) -> Any:
    if isinstance(value, Mapping):
        scaled = {k: max(1, int(v * (folds - 1) // folds)) for k, v in value.items()}
        notices.append("per-class counts were scaled to the size of the training folds")
        return scaled
    return value


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
    strategy = strategies.get(method)
    params = dict(params or {})
    if metric not in METRICS:
        raise ParameterError(f"unknown metric {metric!r}.{suggest(metric, list(METRICS))}")
    final_params: dict[str, Any] = {}
    if strategy.name == "class_weight":
        class_weight = strategy.validate(params)["weights"]
        the_plan, work, _ = plan(data, target, "none")
        the_plan.strategy = strategy
    elif strategy.estimator is not None:
        final_params = strategy.validate(params)
        the_plan, work, _ = plan(data, target, "none")
        the_plan.strategy = strategy
        if strategy.binary_only and len(the_plan.counts) != 2:
            raise ParameterError(f"{strategy.name} works with two classes; this target has {len(the_plan.counts)}")
    else:
        the_plan, work, _ = plan(data, target, method, params)
    notices = list(the_plan.notices)
    labels, y = encode_labels(work[target], the_plan.counts)
    counts = {labels.index(k): v for k, v in the_plan.counts.items()}
    if holdout is not None:
        if not 0.05 <= float(holdout) <= 0.5:
            raise ParameterError(f"holdout must be a share from 0.05 to 0.5, got {holdout}")
        folds = choose_folds(the_plan.counts, 2, notices)  # at least 2 rows per class
        folds = max(2, round(1 / float(holdout)))
    else:
        folds = choose_folds(the_plan.counts, folds, notices)
    coded_ss = _fold_sampling_strategy(
        encode_sampling_strategy(the_plan.sampling_strategy, labels), folds, notices)
    weights = _weights(class_weight, labels)
    # every class keeps count - ceil(count / folds) rows in the smallest training fold
    train_counts = {c: n - -(-n // folds) for c, n in counts.items()}
    sizes = oversampled_sizes(the_plan.strategy, coded_ss, _expand(train_counts), train_counts)
    given = set(params) - {"sampling_strategy"}
    run_params = fit_neighbours(the_plan.strategy, the_plan.params, given,
                                {labels[c]: n for c, n in sizes.items()}, notices,
                                " in the training folds")
    positive = len(labels) - 1 if len(labels) == 2 else None
    if holdout is not None:
        from sklearn.model_selection import StratifiedShuffleSplit

        splits = list(StratifiedShuffleSplit(n_splits=1, test_size=float(holdout), random_state=seed)
                      .split(np.zeros(len(y)), y))
    else:
        splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
                      .split(np.zeros(len(y)), y))
    folds = len(splits)
    final: Callable[[Any], Any] | None = None
    if strategy.estimator is not None:
        build = strategy.estimator

        def final(base: Any) -> Any:
            return build(base, final_params, seed, metric, len(labels) - 1)

        final.tactic = strategy.name  # type: ignore[attr-defined]
        run_params = final_params
    runs = [(the_plan.method, run_params, coded_ss, weights, final)]
    if baseline and (the_plan.method != "none" or weights is not None or final is not None):
        runs.append(("none", {}, "auto", None, None))
    total = len(runs) * len(splits)
    results = []
    for r, (method_run, params_run, ss_run, weights_run, final_run) in enumerate(runs):
        def tick(i: int, r: int = r, method_run: str = method_run) -> None:
            if progress is not None:
                name = "no balancing" if r else (strategy.name if strategy.name != method_run else method_run)
                progress((r * folds + i) / total, f"{name}: fold {i + 1} of {folds}")
        results.append(_cross_validate(work, y, len(labels), positive, splits, the_plan.roles,
                                       method_run, params_run, ss_run, seed, model, weights_run, tick,
                                       final_run))
    if progress is not None:
        progress(1.0, "done")
    main = results[0]
    base = None
    if len(results) > 1:
        base = _evaluation(results[1], "none", "none", model, folds, seed, {}, None, labels,
                           positive, (), 0.0, None)
    shown = strategy.name if strategy.sampler is None and strategy.name != "none" else the_plan.method
    return _evaluation(main, shown, strategy.name, model, folds, seed, run_params,
                       class_weight if weights is not None else None, labels, positive,
                       tuple(notices), time.perf_counter() - started, base)


def _expand(counts: Mapping[int, int]) -> np.ndarray:
    return np.concatenate([np.full(n, c) for c, n in counts.items()])


def _cross_validate(
    work: pd.DataFrame, y: np.ndarray, n_classes: int, positive: int | None,
    splits: Sequence[tuple[np.ndarray, np.ndarray]], roles: Roles, method: str,
    params: Mapping[str, Any], sampling_strategy: Any, seed: int, model: str, weights: Any,
    tick: Callable[[int], None], final: Callable[[Any], Any] | None = None,
) -> dict[str, Any]:
    proba = np.zeros((len(y), n_classes))
    predictions = np.zeros(len(y), dtype="int64")
    fold_scores = []
    for i, (train, test) in enumerate(splits):
        tick(i)
        pipeline = build_pipeline(roles, method, params, sampling_strategy, seed, model, weights, final)
        try:
            pipeline.fit(work.iloc[train], y[train])
        except (ValueError, RuntimeError, IndexError) as exc:
            text = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(".")
            name = getattr(final, "tactic", method) if final is not None else method
            raise EngineError(f"{name} could not run on the training folds: {text}") from None
        fold_proba = np.zeros((len(test), n_classes))
        fold_proba[:, pipeline.classes_] = pipeline.predict_proba(work.iloc[test])
        proba[test] = fold_proba
        predicted = np.asarray(pipeline.predict(work.iloc[test]), dtype="int64")
        predictions[test] = predicted
        fold_scores.append(score(y[test], predicted, fold_proba, n_classes, positive))
    return {"proba": proba, "fold_scores": fold_scores, "y": y, "predicted": predictions}


def _evaluation(
    result: dict[str, Any], method: str, requested: str, model: str, folds: int, seed: int,
    params: dict[str, Any], class_weight: Any, labels: list[Hashable], positive: int | None,
    notices: tuple[str, ...], seconds: float, base: Evaluation | None,
) -> Evaluation:
    fold_scores = result["fold_scores"]
    y, proba, predicted = result["y"], result["proba"], result["predicted"]
    means = {m: float(np.nanmean([f[m] for f in fold_scores])) if not all(
        math.isnan(f[m]) for f in fold_scores) else math.nan for m in METRICS}
    stds = {m: float(np.nanstd([f[m] for f in fold_scores])) if not all(
        math.isnan(f[m]) for f in fold_scores) else math.nan for m in METRICS}
    n = len(labels)
    matrix = np.zeros((n, n), dtype=int)
    np.add.at(matrix, (y, predicted), 1)
    table = per_class(y, predicted, n)
    for row, label in zip(table, labels):
        row["label"] = label_str(label)
    return Evaluation(
        method=method, requested=requested, model=model, folds=folds, seed=seed,
        params={k: v for k, v in params.items() if k != "sampling_strategy"},
        class_weight=class_weight, labels=labels,
        positive=None if positive is None else labels[positive],
        metrics=means, std=stds, fold_scores=fold_scores, per_class=table,
        confusion_matrix=matrix.tolist(), y_true=y, scores=proba, notices=notices,
        seconds=seconds, baseline=base,
    )


# --------------------------------------------------------------------------------------------
# collect more data?


@dataclasses.dataclass(frozen=True)
class LearningCurve:
    """Out-of-fold ``metric`` for growing shares of the training folds, and what it suggests."""

    metric: str
    fractions: list[float]
    train_rows: list[int]
    mean: list[float]
    std: list[float]
    verdict: str
    still_rising: bool

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return dataclasses.asdict(self)


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
    """Answer "would more data help?": score the tactic on growing shares of each training fold."""
    if metric not in METRICS:
        raise ParameterError(f"unknown metric {metric!r}.{suggest(metric, list(METRICS))}")
    model = get_model(model)
    if not strategies.get(method).resamples:
        method, params = "none", None  # the curve is about rows; model-side tactics use the plain model
    the_plan, work, _ = plan(data, target, method, params)
    notices = list(the_plan.notices)
    labels, y = encode_labels(work[target], the_plan.counts)
    folds = choose_folds(the_plan.counts, folds, notices)
    positive = len(labels) - 1 if len(labels) == 2 else None
    coded_ss = _fold_sampling_strategy(
        encode_sampling_strategy(the_plan.sampling_strategy, labels), folds, [])
    splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
    rng = np.random.default_rng(seed)
    given = set(params or {}) - {"sampling_strategy"}
    scores: dict[float, list[float]] = {f: [] for f in fractions}
    rows: dict[float, list[int]] = {f: [] for f in fractions}
    total, done = len(splits) * len(fractions), 0
    for train, test in splits:
        order = rng.permutation(train)
        for fraction in fractions:
            if progress is not None:
                progress(done / total, f"{int(fraction * 100)}% of the training rows")
            done += 1
            subset = _stratified_head(order, y, fraction)
            sub_counts = {c: int(np.sum(y[subset] == c)) for c in range(len(labels))}
            sizes = oversampled_sizes(the_plan.strategy, coded_ss, y[subset], sub_counts)
            try:
                run_params = fit_neighbours(the_plan.strategy, the_plan.params, given,
                                            {labels[c]: n for c, n in sizes.items()}, [])
            except Exception:
                continue  # too few rows at this size for the method
            pipeline = build_pipeline(the_plan.roles, the_plan.method, run_params, coded_ss,
                                      seed, model, None)
            try:
                pipeline.fit(work.iloc[subset], y[subset])
            except (ValueError, RuntimeError, IndexError):
                continue
            proba = np.zeros((len(test), len(labels)))
            proba[:, pipeline.classes_] = pipeline.predict_proba(work.iloc[test])
            value = score(y[test], proba.argmax(axis=1), proba, len(labels), positive)[metric]
            scores[fraction].append(value)
            rows[fraction].append(len(subset))
    if progress is not None:
        progress(1.0, "done")
    kept = [f for f in fractions if scores[f]]
    means = [float(np.nanmean(scores[f])) for f in kept]
    stds = [float(np.nanstd(scores[f])) for f in kept]
    train_rows = [int(np.mean(rows[f])) for f in kept]
    rising, verdict = _verdict(means, stds, METRICS[metric][0])
    return LearningCurve(metric, list(kept), train_rows, means, stds, verdict, rising)


def _stratified_head(order: np.ndarray, y: np.ndarray, fraction: float) -> np.ndarray:
    """Take the first share of each class in ``order`` (at least 2 rows per class)."""
    parts = []
    for c in np.unique(y[order]):
        members = order[y[order] == c]
        take = max(2, int(round(len(members) * fraction)))
        parts.append(members[:take])
    return np.sort(np.concatenate(parts))


def _verdict(means: list[float], stds: list[float], label: str) -> tuple[bool, str]:
    if len(means) < 2:
        return False, "Too few rows to draw a learning curve."
    gain = means[-1] - means[-2]
    total = means[-1] - means[0]
    noise = max(0.005, stds[-1] / 2)
    if gain > noise:
        return True, (f"{label} still rises as rows are added (+{gain:.3f} over the last step): "
                      "collecting more data, above all more minority rows, would likely help.")
    if total > noise:
        return False, (f"{label} rose with more rows but has levelled off (+{gain:.3f} over the "
                       "last step): more of the same data may help a little; better features or "
                       "another tactic are likely worth more.")
    return False, (f"{label} hardly changes with more rows: more data of the same kind is unlikely "
                   "to help; try other tactics or features.")


__all__ = [
    "MODELS",
    "Evaluation",
    "LearningCurve",
    "build_pipeline",
    "choose_folds",
    "evaluate",
    "get_model",
    "learning_curve",
]
