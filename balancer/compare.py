"""Every tactic side by side, on the same stratified folds, ranked by one metric.

Each tactic is scored by :func:`balancer.evaluate` with the same seed and folds (so the same
splits), its sampler inside the training folds. A tactic is "clearly better" than no balancing
(with the same model) only when its paired fold-by-fold gain exceeds twice its standard error;
otherwise the ranking says so. A tactic that cannot run on this data is reported as skipped.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import strategies
from .errors import BalancerError, MethodError, ParameterError
from .evaluate import MODELS, Evaluation, evaluate, get_model
from .metrics import METRICS
from .profiling import class_counts, suggest

#: The default set: the baseline, a representative sampler of every family, and every tactic
#: that changes the model.
DEFAULT_METHODS: tuple[str, ...] = (
    "none", "class_weight", "threshold", "anomaly", "decompose",
    "RandomOverSampler", "SMOTE", "ADASYN", "BorderlineSMOTE",
    "RandomUnderSampler", "TomekLinks", "EditedNearestNeighbours", "NearMiss",
    "SMOTEENN", "SMOTETomek",
    "BalancedRandomForestClassifier", "EasyEnsembleClassifier", "RUSBoostClassifier",
    "BalancedBaggingClassifier",
)


@dataclasses.dataclass(frozen=True)
class Entry:
    """One tactic with one model: mean and spread per metric, fold scores, seconds, verdict."""

    method: str
    model: str
    ran: str
    metrics: dict[str, float]
    std: dict[str, float]
    fold_scores: list[dict[str, float]]
    seconds: float
    gain: float | None
    clearly_better: bool | None
    notices: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of one result."""
        return {
            "method": self.method,
            "model": self.model,
            "ran": self.ran,
            "metrics": _clean(self.metrics),
            "std": _clean(self.std),
            "fold_scores": [_clean(f) for f in self.fold_scores],
            "seconds": round(self.seconds, 3),
            "gain_over_baseline": None if self.gain is None else round(self.gain, 6),
            "clearly_better_than_baseline": self.clearly_better,
            "notices": list(self.notices),
        }


@dataclasses.dataclass(frozen=True)
class Comparison:
    """The ranking (best first by ``metric``), the skipped tactics with reasons, and the setup."""

    metric: str
    folds: int
    seed: int
    models: tuple[str, ...]
    results: tuple[Entry, ...]
    skipped: tuple[dict[str, str], ...]
    seconds: float

    @property
    def best(self) -> Entry | None:
        """The top-ranked tactic, if any ran."""
        return self.results[0] if self.results else None

    def table(self) -> pd.DataFrame:
        """The ranking as a table: rank, method, model, the metric, its spread, verdict, seconds."""
        rows = []
        for rank, entry in enumerate(self.results, start=1):
            rows.append({
                "rank": rank, "method": entry.method, "model": entry.model,
                self.metric: entry.metrics[self.metric], "± std": entry.std[self.metric],
                "vs baseline": _verdict(entry), "seconds": round(entry.seconds, 2),
            })
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``balancer compare --json``."""
        return {
            "metric": self.metric,
            "folds": self.folds,
            "seed": self.seed,
            "models": list(self.models),
            "results": [e.to_dict() for e in self.results],
            "skipped": list(self.skipped),
            "seconds": round(self.seconds, 3),
        }


def _verdict(entry: Entry) -> str:
    if entry.method == "none":
        return "baseline"
    if entry.clearly_better is None:
        return "n/a"
    return "clearly better" if entry.clearly_better else "not clearly better"


def _clean(values: Mapping[str, float]) -> dict[str, float | None]:
    return {k: (None if v is None or math.isnan(v) else round(float(v), 6)) for k, v in values.items()}


def resolve_methods(methods: Sequence[str] | str | None, n_classes: int) -> list[str]:
    """Canonical tactic names, the baseline first; two-class tactics left out for more classes."""
    if methods is None or (isinstance(methods, str) and not methods.strip()):
        names = list(DEFAULT_METHODS)
        if n_classes != 2:
            names = [n for n in names if not strategies.get(n).binary_only]
    else:
        items = methods.split(",") if isinstance(methods, str) else list(methods)
        names = [strategies.get(item.strip()).name for item in items if str(item).strip()]
    if "none" in names:
        names.remove("none")
    return ["none", *dict.fromkeys(names)]


def compare(
    data: pd.DataFrame,
    target: str,
    methods: Sequence[str] | str | None = None,
    *,
    model: str = "logistic_regression",
    models: Sequence[str] | str | None = None,
    folds: int = 5,
    metric: str = "f2",
    seed: int = 0,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> Comparison:
    """Score every tactic (default: :data:`DEFAULT_METHODS`) with every model on the same folds.

    ``models`` (or the single ``model``) are the learners; ensembles and anomaly detection bring
    their own and run once. ``params`` maps a tactic to its parameters. Ranked by ``metric``.
    """
    started = time.perf_counter()
    if metric not in METRICS:
        raise ParameterError(f"unknown metric {metric!r}.{suggest(metric, list(METRICS))} "
                             f"The metrics are: {', '.join(METRICS)}")
    if models is None or (isinstance(models, str) and not models.strip()):
        model_list = [get_model(model)]
    else:
        items = models.split(",") if isinstance(models, str) else list(models)
        model_list = list(dict.fromkeys(get_model(m) for m in items if str(m).strip()))
    if not model_list:
        raise MethodError(f"no model given; the models are: {', '.join(MODELS)}")
    from .profiling import check_target

    counts = class_counts(check_target(data, target))
    names = resolve_methods(methods, len(counts))
    jobs: list[tuple[str, str]] = []
    for name in names:
        strategy = strategies.get(name)
        for m in model_list if strategy.uses_model else model_list[:1]:
            jobs.append((name, m))
    done: list[tuple[str, str, Evaluation, float]] = []
    skipped: list[dict[str, str]] = []
    for i, (name, m) in enumerate(jobs):
        label = name if strategies.get(name).uses_model and len(model_list) > 1 else name
        if progress is not None:
            progress(i / len(jobs), f"{label} ({MODELS[m][0]})" if strategies.get(name).uses_model else label)
        begun = time.perf_counter()
        try:
            result = evaluate(data, target, name, model=m, folds=folds, seed=seed,
                              params=(params or {}).get(name), metric=metric, baseline=False)
        except BalancerError as exc:
            if name == "none":
                raise
            skipped.append({"method": name, "model": m, "reason": str(exc)})
            continue
        done.append((name, m, result, time.perf_counter() - begun))
    if progress is not None:
        progress(1.0, "done")

    baselines = {m: r for name, m, r, _ in done if name == "none"}
    entries = []
    for name, m, result, seconds in done:
        base = baselines.get(m) or baselines.get(model_list[0])
        gain, clearly = None, None
        if base is not None and name != "none":
            diffs = np.array([f[metric] - b[metric] for f, b in zip(result.fold_scores, base.fold_scores)])
            diffs = diffs[np.isfinite(diffs)]
            if diffs.size:
                gain = float(diffs.mean())
                stderr = float(diffs.std(ddof=1) / math.sqrt(diffs.size)) if diffs.size > 1 else math.inf
                clearly = bool(gain > 0 and gain > 2 * stderr)
        entries.append(Entry(
            method=name, model=m if strategies.get(name).uses_model else "-", ran=result.method,
            metrics=result.metrics, std=result.std, fold_scores=result.fold_scores, seconds=seconds,
            gain=gain, clearly_better=clearly, notices=result.notices,
        ))
    entries.sort(key=lambda e: (-(e.metrics[metric]) if not math.isnan(e.metrics[metric]) else math.inf,
                                e.seconds))
    folds_used = done[0][2].folds if done else folds
    return Comparison(metric, folds_used, seed, tuple(model_list), tuple(entries), tuple(skipped),
                      time.perf_counter() - started)


__all__ = ["DEFAULT_METHODS", "Comparison", "Entry", "compare", "resolve_methods"]
