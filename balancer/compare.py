"""Every tactic side by side, on the same stratified folds, ranked by one metric.

Each tactic is scored by :func:`balancer.evaluate` with the same seed and folds (so the same
splits), its sampler inside the training folds. A tactic is "clearly better" than no balancing
(with the same model) only when its paired fold-by-fold gain exceeds twice its standard error;
otherwise the ranking says so. A tactic that cannot run on this data is reported as skipped.

With error costs every tactic decides at its cost-optimal threshold and can be ranked by
``expected_cost``, where lower is better: the ranking puts the cheapest first and the gain over
the baseline is the cost saved (see ``metrics.LOWER_IS_BETTER``).
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
from .errors import BalancerError, MethodError
from .evaluate import MODELS, Evaluation, evaluate, get_model
from .metrics import COST_METRICS, LOWER_IS_BETTER, checked_metric
from .profiling import check_target, class_counts

#: The default set (the registry's ``compare_default`` entries, read at import; :func:`resolve_methods`
#: reads the registry when it runs): the baseline, a representative sampler of every family, and
#: every tactic that changes the model.
DEFAULT_METHODS: tuple[str, ...] = strategies.compare_defaults()


@dataclasses.dataclass(frozen=True)
class Entry:
    """One tactic with one model: mean and spread per metric, fold scores, seconds, verdict.

    With costs, ``metrics``, ``std`` and ``fold_scores`` also hold ``expected_cost`` (its mean is
    the cost of every held-out prediction, per 1,000 rows). ``gain`` is the improvement over the
    baseline: for a metric where lower is better, the amount it is lower by.
    """

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
    costs: dict[str, float] | None = None
    calibration: str | None = None

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
            "costs": self.costs,
            "calibration": self.calibration,
        }


def _verdict(entry: Entry) -> str:
    if entry.method == strategies.BASELINE:
        return "baseline"
    if entry.clearly_better is None:
        return "n/a"
    return "clearly better" if entry.clearly_better else "not clearly better"


def _clean(values: Mapping[str, float]) -> dict[str, float | None]:
    return {k: (None if v is None or math.isnan(v) else round(float(v), 6)) for k, v in values.items()}


def resolve_methods(methods: Sequence[str] | str | None, n_classes: int) -> list[str]:
    """Canonical tactic names, the baseline first; two-class tactics left out for more classes."""
    if methods is None or (isinstance(methods, str) and not methods.strip()):
        names = list(strategies.compare_defaults())
        if n_classes != 2:
            names = [n for n in names if not strategies.get(n).binary_only]
    else:
        items = methods.split(",") if isinstance(methods, str) else list(methods)
        names = [strategies.get(item.strip()).name for item in items if str(item).strip()]
    baseline = strategies.BASELINE
    if baseline in names:
        names.remove(baseline)
    return [baseline, *dict.fromkeys(names)]


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
    costs: Any = None,
    calibration: str | None = None,
) -> Comparison:
    """Score every tactic (default: the registry's ``compare_default`` ones) with every model on the
    same folds.

    ``models`` (or the single ``model``) are the learners; ensembles and anomaly detection bring
    their own and run once. ``params`` maps a tactic to its parameters. Ranked by ``metric``
    (``expected_cost`` needs ``costs``). ``costs`` and ``calibration`` are :func:`balancer.evaluate`'s;
    ``calibration="prior"`` applies to the tactics that change the class balance the model sees,
    the others keep their default.
    """
    started = time.perf_counter()
    checked_metric(metric, costs is not None)
    model_list = _models(model, models)
    counts = class_counts(check_target(data, target))
    jobs = [(name, m) for name in resolve_methods(methods, len(counts))
            for m in (model_list if strategies.get(name).uses_model else model_list[:1])]
    done, skipped = _run_jobs(data, target, jobs, folds=folds, seed=seed, metric=metric, params=params or {},
                              progress=progress, costs=costs, calibration=calibration)
    entries = _entries(done, model_list, metric)
    folds_used = done[0][2].folds if done else folds
    given = done[0][2].costs if done else None
    return Comparison(metric, folds_used, seed, tuple(model_list), tuple(entries), tuple(skipped),
                      time.perf_counter() - started, given.to_dict() if given is not None else None,
                      calibration)


def _models(model: str, models: Sequence[str] | str | None) -> list[str]:
    """The canonical names of the models asked for (``models``, else the single ``model``)."""
    if models is None or (isinstance(models, str) and not models.strip()):
        model_list = [get_model(model)]
    else:
        items = models.split(",") if isinstance(models, str) else list(models)
        model_list = list(dict.fromkeys(get_model(m) for m in items if str(m).strip()))
    if not model_list:
        raise MethodError(f"no model given; the models are: {', '.join(MODELS)}")
    return model_list


_Done = tuple[str, str, Evaluation, float]


def _run_jobs(
    data: pd.DataFrame, target: str, jobs: list[tuple[str, str]], *, folds: int, seed: int, metric: str,
    params: Mapping[str, Mapping[str, Any]], progress: Callable[[float, str], None] | None,
    costs: Any = None, calibration: str | None = None,
) -> tuple[list[_Done], list[dict[str, str]]]:
    """Evaluate each (tactic, model) on the same folds; a tactic that cannot run is skipped with the
    reason (the baseline's failure is the user's to see)."""
    done: list[_Done] = []
    skipped: list[dict[str, str]] = []
    for i, (name, m) in enumerate(jobs):
        if progress is not None:
            progress(i / len(jobs), f"{name} ({MODELS[m][0]})" if strategies.get(name).uses_model else name)
        begun = time.perf_counter()
        try:
            result = evaluate(data, target, name, model=m, folds=folds, seed=seed,
                              params=params.get(name), metric=metric, baseline=False, costs=costs,
                              calibration=_calibration_for(name, calibration))
        except BalancerError as exc:
            if name == strategies.BASELINE:
                raise
            skipped.append({"method": name, "model": m, "reason": str(exc)})
            continue
        done.append((name, m, result, time.perf_counter() - begun))
    if progress is not None:
        progress(1.0, "done")
    return done, skipped


def _calibration_for(name: str, calibration: str | None) -> str | None:
    """The calibration a tactic is evaluated with: ``prior`` only where there is a class balance
    to correct (a model-side tactic keeps its default)."""
    if calibration == "prior" and strategies.get(name).estimator is not None:
        return None
    return calibration


def _entries(done: list[_Done], model_list: list[str], metric: str) -> list[Entry]:
    """The results, each against the baseline with the same model, best first."""
    baselines = {m: r for name, m, r, _ in done if name == strategies.BASELINE}
    entries = []
    for name, m, result, seconds in done:
        base = baselines.get(m) or baselines.get(model_list[0])
        gain, clearly = None, None
        if base is not None and name != strategies.BASELINE:
            gain, clearly = _gain(result, base, metric)
        metrics, std, fold_scores = _with_costs(result)
        entries.append(Entry(
            method=name, model=m if strategies.get(name).uses_model else "-", ran=result.method,
            metrics=metrics, std=std, fold_scores=fold_scores, seconds=seconds,
            gain=gain, clearly_better=clearly, notices=result.notices,
        ))
    sign = 1 if metric in LOWER_IS_BETTER else -1
    entries.sort(key=lambda e: (sign * e.metrics[metric] if not math.isnan(e.metrics[metric]) else math.inf,
                                e.seconds))
    return entries


def _with_costs(result: Evaluation) -> tuple[dict[str, float], dict[str, float], list[dict[str, float]]]:
    """The result's metrics, spreads and fold scores, with ``expected_cost`` when it had costs."""
    if result.expected_cost is None:
        return result.metrics, result.std, result.fold_scores
    folds = [f | {"expected_cost": c} for f, c in zip(result.fold_scores, result.fold_costs)]
    return (result.metrics | {"expected_cost": result.expected_cost},
            result.std | {"expected_cost": float(np.std(result.fold_costs))}, folds)


def _fold_values(result: Evaluation, metric: str) -> list[float]:
    """``metric`` in each fold of ``result``."""
    if metric in COST_METRICS:
        return list(result.fold_costs)
    return [f[metric] for f in result.fold_scores]


def _gain(result: Evaluation, base: Evaluation, metric: str) -> tuple[float | None, bool | None]:
    """The mean fold-by-fold improvement over the baseline (for a metric where lower is better,
    how much lower), and whether it exceeds twice its standard error."""
    sign = -1 if metric in LOWER_IS_BETTER else 1
    diffs = sign * (np.array(_fold_values(result, metric)) - np.array(_fold_values(base, metric)))
    diffs = diffs[np.isfinite(diffs)]
    if not diffs.size:
        return None, None
    gain = float(diffs.mean())
    stderr = float(diffs.std(ddof=1) / math.sqrt(diffs.size)) if diffs.size > 1 else math.inf
    return gain, bool(gain > 0 and gain > 2 * stderr)


__all__ = ["DEFAULT_METHODS", "Comparison", "Entry", "compare", "resolve_methods"]
