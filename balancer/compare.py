"""Every tactic side by side, on the same repeated stratified folds, with every metric, each tactic
measured against no balancing *for the same model*, and verdicts that survive chance.

**Fair baselines.** A sampler, class weights, threshold tuning and decomposition are measured
against no balancing with the same model. An imbalance-aware ensemble brings its own model, so it
is measured against its plain counterpart (:data:`COUNTERPARTS`), run on the same folds: the
balanced random forest against a random forest with as many trees, balanced bagging against
bagging of as many decision trees, EasyEnsemble against AdaBoost with stumps and RUSBoost against
AdaBoost with the same depth-3 trees and rounds. Anomaly detection has no plain counterpart: it is
measured against no balancing with the first model. Each result names its ``baseline``.

**The folds.** Stratified K-fold repeated ``repeats`` times (:func:`balancer.evaluate.splits`:
copies of a row stay in one fold). By default (:func:`default_repeats`) 3 repeats up to 5,000
rows, 2 up to 50,000 and 1 beyond: a repeat costs a whole K-fold, and on large tables the folds
already agree closely.

**Clearly better** (``clearly_better_than_baseline``) is decided on the ranking metric by three
tests on the paired fold scores (J = folds x repeats), each the corrected resampled t-test of
Nadeau and Bengio (2003), one-sided at :data:`~balancer.stats.ALPHA` = 0.05, its variance inflated
by (1/J + n_test/n_train) (:func:`balancer.stats.corrected_t_test`):

1. better than its baseline (p_baseline);
2. better than the best the metric gives without information (p_information): on each test fold,
   the best of always predicting one class (the majority, the minority, ...), random predictions
   at the training class rates and random predictions at equal rates
   (:func:`balancer.stats.no_information`; 0.5 for ROC AUC, the positive share for PR AUC). The
   unbalanced model that never predicts the minority scores F2 = 0, so beating it proves nothing;
   always predicting the minority scores F2 = 0.21 at 5% positives, and a tactic must beat that;
3. for a metric that depends on the decision threshold (accuracy, balanced accuracy, precision,
   recall, F1, F2, G-mean, MCC, the expected cost): not significantly worse than its baseline on
   *both* ROC AUC and PR AUC (the one-sided test of the baseline being better, uncorrected, so the
   check is strict): a gain from moving the threshold while the ranking of the rows got worse is
   not called a win.

The tactic's p-value is the larger of the first two (an intersection-union test: both must hold),
adjusted by Holm's step-down method over every tactic of the comparison, all models together (one
family: the whole page); ``p_value`` is that adjusted value, and "clearly better" means
``p_value <= 0.05`` and test 3 passed. Baselines get no verdict.

**Tied with the best** (``tied_with_best``): the top-ranked result against each other, by the same
corrected test (one-sided, the best being better), Holm-adjusted over the others; a result it
cannot be told apart from (adjusted p > 0.05) is tied with it, so a difference within the fold
noise does not crown a winner.

**Speed.** Each fold's features are prepared once (a :class:`~balancer.prepare.Preparer` fitted on
the training rows, the whole table transformed) and shared by every tactic with the same encoding;
pipelines read those rows by position (:class:`RowLookup`). The fits (one tactic, one fold each)
run in ``workers`` processes (default ``BALANCER_THREADS``, at most the cores; small tables in
this process), each limited to one thread (BLAS, OpenMP, the neighbour search), fold after fold.
``progress(share, text)`` reports from the calling thread; ``should_stop()`` is polled several
times a second and raises :class:`~balancer.errors.Cancelled`, ending the workers at once.

**Balanced files.** For every sampler that ran, the class counts of the file the Balance page would
make (:func:`balancer.resample.resample` with the same parameters and seed, run on every row) are
computed; the file is balanced when the counts are equal within 1% (:data:`BALANCED_WITHIN`).
:attr:`Comparison.best_balanced_file` is the best-ranked such sampler, or None.

With error costs every tactic decides at its cost-optimal threshold and can be ranked by
``expected_cost``, where lower is better.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import math
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np
import pandas as pd
from imblearn.pipeline import Pipeline
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import cross_val_predict
from sklearn.preprocessing import OneHotEncoder
from threadpoolctl import threadpool_limits

from . import config, stats, strategies
from .decision import (
    PER_ROWS,
    ClassCounter,
    Costs,
    Fitted,
    checked_calibration,
    decision_rule,
    pipeline_prior,
    search_threshold,
)
from .decision import expected_cost as cost_of
from .errors import BalancerError, Cancelled, EngineError, MethodError, ParameterError
from .evaluate import (
    MODELS,
    Request,
    Run,
    _choose_calibration,
    _data_errors,
    _fit_to_training_folds,
    _inner,
    _plan_runs,
    _prepare_folds,
    _resolve_tactic,
    _tuning,
    get_model,
)
from .metrics import COST_METRICS, LOWER_IS_BETTER, METRICS, checked_metric, metric_label, score
from .prepare import Preparer, Roles
from .profiling import check_target, class_counts, label_str
from .resample import checked_seed

#: The default set (the registry's ``compare_default`` entries, read at import; :func:`resolve_methods`
#: reads the registry when it runs): the baseline, a representative sampler of every family, and
#: every tactic that changes the model.
DEFAULT_METHODS: tuple[str, ...] = strategies.compare_defaults()

#: A file is balanced when its largest class is at most this share above its smallest.
BALANCED_WITHIN = 0.01
#: Tables with fewer rows x fits than this run in this process (starting workers would cost more).
_IN_PROCESS_WORK = 300_000
#: How often (seconds) the calling thread looks for finished fits, reports and asks ``should_stop``.
_POLL = 0.2


def default_repeats(rows: int) -> int:
    """Repeats of the K folds when none are asked for: 3 up to 5,000 rows, 2 up to 50,000, else 1."""
    return 3 if rows <= 5_000 else 2 if rows <= 50_000 else 1


# --------------------------------------------------------------------------------------------
# plain counterparts of the ensembles


def _random_forest(n: int, seed: int) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=n, random_state=seed, n_jobs=1)


def _bagging(n: int, seed: int) -> Any:
    from sklearn.ensemble import BaggingClassifier
    from sklearn.tree import DecisionTreeClassifier

    return BaggingClassifier(DecisionTreeClassifier(random_state=seed), n_estimators=n, random_state=seed, n_jobs=1)


def _adaboost(n: int, seed: int) -> Any:
    from sklearn.ensemble import AdaBoostClassifier

    from .tactics import NoSignalFallback

    return NoSignalFallback(AdaBoostClassifier(n_estimators=n, random_state=seed))


def _adaboost_trees(n: int, seed: int) -> Any:
    from sklearn.ensemble import AdaBoostClassifier
    from sklearn.tree import DecisionTreeClassifier

    from .tactics import NoSignalFallback

    return NoSignalFallback(AdaBoostClassifier(DecisionTreeClassifier(max_depth=3, random_state=seed),
                                               n_estimators=n, random_state=seed))


@dataclasses.dataclass(frozen=True)
class Counterpart:
    """The plain model an ensemble is measured against: ``key`` names it (``{n}``: its size, read
    from the tactic's ``size_param``, else ``default``), ``label`` says it, ``build(n, seed)``."""

    key: str
    label: str
    build: Callable[[int, int], Any]
    size_param: str | None
    default: int

    def size(self, params: Mapping[str, Any]) -> int:
        """The counterpart's size for the tactic's parameters."""
        return int(params.get(self.size_param, self.default)) if self.size_param else self.default

    def name(self, params: Mapping[str, Any]) -> str:
        """The model name the counterpart's results carry."""
        return self.key.format(n=self.size(params))


#: Ensemble tactic -> its plain counterpart (a forest of 100 trees is the ``random_forest`` model).
COUNTERPARTS: dict[str, Counterpart] = {
    "BalancedRandomForestClassifier": Counterpart("random_forest_{n}", "Random forest ({n} trees)",
                                                  _random_forest, "n_estimators", 100),
    "BalancedBaggingClassifier": Counterpart("bagging_{n}", "Bagging ({n} decision trees)", _bagging,
                                             "n_estimators", 10),
    "EasyEnsembleClassifier": Counterpart("adaboost_{n}", "AdaBoost ({n} stumps)", _adaboost, None, 50),
    "RUSBoostClassifier": Counterpart("adaboost_depth3_{n}", "AdaBoost ({n} depth-3 trees)", _adaboost_trees,
                                      "n_estimators", 50),
}


def model_label(model: str) -> str:
    """The label of a model or a counterpart's name."""
    if model in MODELS:
        return MODELS[model][0]
    for counterpart in COUNTERPARTS.values():
        prefix = counterpart.key.split("{")[0]
        if model.startswith(prefix) and model[len(prefix):].isdigit():
            return counterpart.label.format(n=int(model[len(prefix):]))
    return model


# --------------------------------------------------------------------------------------------
# the results


@dataclasses.dataclass(frozen=True)
class Entry:
    """One tactic with one model: mean and spread (ddof=1) per metric over the J held-out folds,
    the fold scores, the seconds its fits took, and the verdicts (see the module docstring).

    ``baseline`` is ``{"method", "model"}`` of what it is measured against (None for a baseline);
    ``gain`` the mean paired improvement over it on the ranking metric (for a metric where lower
    is better, the amount lower); ``p_value`` the Holm-adjusted p of "clearly better",
    ``p_baseline`` and ``p_information`` the raw one-sided p-values of its two parts;
    ``no_information`` the mean over the folds of the best trivial predictor's score;
    ``worse_ranking`` whether ROC AUC and PR AUC were both significantly worse than the
    baseline's; ``file`` the class counts of the tactic's resampled file and whether it is
    balanced (samplers only). With costs, ``metrics``, ``std`` and ``fold_scores`` also hold
    ``expected_cost``.
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
    baseline: dict[str, str] | None = None
    p_value: float | None = None
    p_baseline: float | None = None
    p_information: float | None = None
    no_information: float | None = None
    worse_ranking: bool | None = None
    tied_with_best: bool = False
    file: dict[str, Any] | None = None

    @property
    def is_baseline(self) -> bool:
        """Whether this is no balancing (for a model, or an ensemble's plain counterpart)."""
        return self.method == strategies.BASELINE

    @property
    def balanced_file(self) -> bool:
        """Whether the tactic's resampled file has equal class counts (within 1%)."""
        return bool(self.file and self.file.get("balanced"))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of one result."""
        return {
            "method": self.method,
            "model": self.model,
            "ran": self.ran,
            "baseline": self.baseline,
            "metrics": _clean(self.metrics),
            "std": _clean(self.std),
            "fold_scores": [_clean(f) for f in self.fold_scores],
            "seconds": round(self.seconds, 3),
            "gain_over_baseline": _round(self.gain),
            "p_value": _round(self.p_value),
            "p_value_baseline": _round(self.p_baseline),
            "p_value_information": _round(self.p_information),
            "no_information": _round(self.no_information),
            "worse_ranking": self.worse_ranking,
            "clearly_better_than_baseline": self.clearly_better,
            "tied_with_best": self.tied_with_best,
            "file": self.file,
            "notices": list(self.notices),
        }


@dataclasses.dataclass(frozen=True)
class Comparison:
    """The ranking (best first by ``metric``), the skipped tactics with reasons, and the setup:
    ``folds`` per repeat, ``repeats``, ``alpha`` (the tests' level), ``workers`` (processes used,
    1: this one), ``notices`` (about the data and the folds); ``no_information`` (per fold, the best
    score of a predictor that ignores the features) and ``test_share`` (n_test / n_train) are
    what :meth:`ranked_by` needs to judge again."""

    metric: str
    folds: int
    seed: int
    models: tuple[str, ...]
    results: tuple[Entry, ...]
    skipped: tuple[dict[str, str], ...]
    seconds: float
    costs: dict[str, float] | None = None
    calibration: str | None = None
    repeats: int = 1
    alpha: float = stats.ALPHA
    workers: int = 1
    notices: tuple[str, ...] = ()
    no_information: tuple[dict[str, float], ...] = ()
    test_share: float = 0.0

    def ranked_by(self, metric: str) -> Comparison:
        """The same fits ranked and judged by another metric (no refit; a threshold-tuning tactic
        stays tuned for the metric the comparison was run with)."""
        checked_metric(metric, self.costs is not None)
        return dataclasses.replace(self, metric=metric,
                                   results=tuple(_judge(self.results, metric, self.no_information, self.test_share)))

    @property
    def best(self) -> Entry | None:
        """The top-ranked result, if any ran."""
        return self.results[0] if self.results else None

    @property
    def tied(self) -> tuple[Entry, ...]:
        """The results the best cannot be told apart from (itself included)."""
        return tuple(e for e in self.results if e.tied_with_best)

    def label(self, entry: Entry) -> str:
        """The entry's name where a reader sees it: the tactic, with its model when the tactic is in
        the comparison more than once (a baseline per model, or a tactic over several models:
        "none (Random forest)"), so that no two entries read alike."""
        twins = sum(e.method == entry.method for e in self.results)
        return entry.method if twins <= 1 or entry.model == "-" else f"{entry.method} ({model_label(entry.model)})"

    def standing(self, entry: Entry) -> str:
        """One sentence: how ``entry`` stands against its baseline on the ranking metric, the
        verdict the table's last columns give (clearly better or not, the adjusted p, and why)."""
        label = metric_label(self.metric)
        name = self.label(entry)
        if entry.is_baseline:
            return f"{entry.method} ({model_label(entry.model)}) is a baseline: no balancing."
        if entry.clearly_better is None or entry.p_value is None or not math.isfinite(entry.p_value):
            return f"{name} could not be judged against {_baseline_text(entry.baseline)} on {label}."
        judged = len([e for e in self.results if e.p_value is not None and math.isfinite(e.p_value)])  # (Holm's)
        text = (f"{name} is {'clearly better' if entry.clearly_better else 'not clearly better'} than "
                f"{_baseline_text(entry.baseline)} on {label} (p = {entry.p_value:.3f}, corrected for the "
                f"{judged} tactic{'s' if judged != 1 else ''} compared")
        reasons = []
        if not entry.clearly_better:
            if entry.p_baseline is not None and entry.p_baseline > self.alpha:
                reasons.append("its gain over the baseline is within the fold-to-fold noise")
            if (entry.p_information is not None and entry.p_information > self.alpha
                    and entry.no_information is not None and math.isfinite(entry.no_information)):
                reasons.append(f"a predictor that ignores the features already scores {entry.no_information:.3f}")
            if entry.worse_ranking:
                reasons.append("its ROC AUC and PR AUC are both worse")
        return text + (": " + "; ".join(reasons) if reasons else "") + ")."

    @property
    def best_balanced_file(self) -> Entry | None:
        """The best-ranked sampler whose resampled file is balanced (counts equal within 1%), or None."""
        return next((e for e in self.results if e.balanced_file), None)

    def columns(self) -> list[str]:
        """The metrics of the table, the ranking one first."""
        names = [*METRICS]
        if self.results and "expected_cost" in self.results[0].metrics:
            names.append("expected_cost")
        return [self.metric, *(n for n in names if n != self.metric)]

    def table(self, spread: bool = False) -> pd.DataFrame:
        """The ranking as a table: rank, method, model, baseline, every metric's mean (the ranking
        one first; with ``spread`` each followed by ``<metric> std``), p-value, verdict, whether
        tied with the best, seconds."""
        rows = []
        for rank, entry in enumerate(self.results, start=1):
            row: dict[str, Any] = {"rank": rank, "method": entry.method, "model": model_label(entry.model)
                                   if entry.model != "-" else "-",
                                   "baseline": _baseline_text(entry.baseline)}
            for name in self.columns():
                row[name] = entry.metrics.get(name, math.nan)
                if spread:
                    row[f"{name} std"] = entry.std.get(name, math.nan)
            row |= {"p-value": math.nan if entry.p_value is None else entry.p_value, "vs baseline": _verdict(entry),
                    "tied with best": entry.tied_with_best, "seconds": round(entry.seconds, 2)}
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``balancer compare --json``."""
        best_file = self.best_balanced_file
        return {
            "metric": self.metric,
            "folds": self.folds,
            "repeats": self.repeats,
            "seed": self.seed,
            "alpha": self.alpha,
            "models": list(self.models),
            "results": [e.to_dict() for e in self.results],
            "best_balanced_file": None if best_file is None else best_file.method,
            "skipped": list(self.skipped),
            "seconds": round(self.seconds, 3),
            "workers": self.workers,
            "costs": self.costs,
            "calibration": self.calibration,
            "notices": list(self.notices),
        }


def _baseline_text(baseline: Mapping[str, str] | None) -> str:
    """The baseline as people read it: "none (Logistic regression)", the model's label."""
    return "" if baseline is None else f"{baseline['method']} ({model_label(baseline['model'])})"


def _verdict(entry: Entry) -> str:
    if entry.is_baseline:
        return "baseline"
    if entry.clearly_better is None:
        return "n/a"
    return "clearly better" if entry.clearly_better else "not clearly better"


def _round(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 6)


def _clean(values: Mapping[str, float]) -> dict[str, float | None]:
    return {k: _round(v) for k, v in values.items()}


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


# --------------------------------------------------------------------------------------------
# the prepared rows, shared


class _Shared:
    """A matrix shared by every copy of the pipeline that reads it (``clone`` keeps the reference)."""

    def __init__(self, array: np.ndarray):
        self.array = array

    def __deepcopy__(self, memo: dict[int, Any]) -> _Shared:
        return self


class RowLookup(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """The first step of a comparison's pipelines: its input is row positions (one column), its
    output those rows of the fold's prepared matrix (``source``: the table transformed by a
    Preparer fitted on the fold's training rows), so every tactic reuses one preparation."""

    def __init__(self, source: Any = None):
        self.source = source

    def fit(self, x: Any, y: Any = None) -> RowLookup:
        """Nothing to learn: the Preparer was fitted on the training rows already."""
        return self

    def transform(self, x: Any) -> np.ndarray:
        """The prepared rows at the positions in ``x``'s first column."""
        positions = np.asarray(x)[:, 0].astype(np.intp)
        return np.asarray(self.source.array[positions])


# --------------------------------------------------------------------------------------------
# planning: what each job (one tactic with one model) runs


@dataclasses.dataclass(frozen=True, eq=False)
class _Job:
    """One tactic with one model, planned: its pipeline (unfitted, reading prepared rows) and what
    its results need."""

    index: int
    method: str
    model: str
    ran: str
    run: Run
    request: Request
    folds: Any  # evaluate.Folds
    encoding: str
    template: Pipeline
    baseline: tuple[str, str] | None
    notices: tuple[str, ...]
    estimator: Callable[[], Any] | None = None

    @property
    def label(self) -> str:
        if self.method == strategies.BASELINE or strategies.get(self.method).uses_model:
            return f"{self.method} ({model_label(self.model)})"
        return self.method


def _template(run: Run, roles: Roles, model: str, seed: int, estimator: Any = None) -> tuple[Pipeline, str]:
    """The unfitted pipeline of ``run`` (as :func:`balancer.evaluate.build_pipeline` builds it, but
    reading prepared rows by position) and the encoding of the rows it reads."""
    strategy = strategies.get(run.method)
    encoding = "ordinal" if strategy.encoding == "ordinal" else "onehot"
    indices = Preparer(roles, categories=encoding).categorical_indices
    steps: list[tuple[str, Any]] = [("prepare", RowLookup())]
    sampler = strategies.build(run.method, run.params, run.sampling_strategy, seed, categorical_indices=indices)
    if sampler is not None:
        steps.append(("sample", sampler))
        if run.calibration == "prior":
            steps.append(("count", ClassCounter()))
    if encoding == "ordinal" and indices:
        steps.append(("expand", ColumnTransformer(
            [("onehot", OneHotEncoder(handle_unknown="ignore"), indices)], remainder="passthrough")))
    if estimator is None:
        estimator = MODELS[model][1](run.class_weight, seed)
    steps.append(("model", run.final(estimator) if run.final is not None else estimator))
    return Pipeline(steps), encoding


def _plan_job(index: int, data: pd.DataFrame, target: str, name: str, model: str, *, folds: int, repeats: int,
              seed: int, metric: str, params: Mapping[str, Any] | None, costs: Any, calibration: str | None,
              counterpart: Counterpart | None = None, baseline: tuple[str, str] | None = None) -> _Job:
    """Plan one job the way :func:`balancer.evaluate.evaluate` plans it (the same steps, so the same
    sampler, parameters fitted to the training folds, calibration and decision)."""
    request = Request(data=data, target=target, strategy=strategies.get(name), params=dict(params or {}),
                      model=model if model in MODELS else "logistic_regression", folds=folds, seed=seed,
                      class_weight=None, metric=metric, baseline=False, holdout=None, costs=costs,
                      calibration=checked_calibration(calibration), repeats=repeats)
    tactic = _resolve_tactic(request)
    prepared = _fit_to_training_folds(request, tactic, _prepare_folds(request, tactic))
    prepared = _choose_calibration(request, tactic, _tuning(request, tactic, prepared))
    run = _plan_runs(request, tactic, prepared)[0]
    build = None
    if counterpart is not None:
        size = counterpart.size(params or {})
        build = lambda: counterpart.build(size, seed)  # noqa: E731 - a fresh counterpart each time
    template, encoding = _template(run, prepared.roles, request.model, seed, None if build is None else build())
    return _Job(index, name, model, tactic.shown, run, request, prepared, encoding, template, baseline,
                tuple(prepared.notices), build)


def _calibration_for(name: str, calibration: str | None) -> str | None:
    """The calibration a tactic is evaluated with: ``prior`` only where there is a class balance
    to correct (a model-side tactic keeps its default)."""
    if calibration == "prior" and strategies.get(name).estimator is not None:
        return None
    return calibration


# --------------------------------------------------------------------------------------------
# one fit: a job on a fold (runs in a worker process, or here)


@dataclasses.dataclass(frozen=True, eq=False)
class _Task:
    """What a worker needs to fit one job on one fold and score its held-out rows. ``matrix`` and
    ``y`` are arrays (in this process) or paths of ``.npy`` files (in a worker)."""

    job: int
    fold: int
    name: str
    template: Pipeline
    inner: tuple[Pipeline, Any] | None
    calibration: str
    class_weight: Any
    n_classes: int
    positive: int | None
    costs: Costs | None
    matrix: Any
    y: Any
    test: np.ndarray


@dataclasses.dataclass(frozen=True)
class _Done:
    """A fit's outcome: the fold's scores (and cost, threshold), or the reason it failed."""

    job: int
    fold: int
    scores: dict[str, float] | None
    cost: float | None
    threshold: float | None
    seconds: float
    error: str | None = None


@dataclasses.dataclass(frozen=True)
class _FileTask:
    """Run one sampler on every row (as :func:`balancer.resample.resample` does) to count its file."""

    method: str
    sampler: Any
    retry: Any
    matrix: Any
    y: Any
    labels: tuple[str, ...]


_MAPPED: dict[str, np.ndarray] = {}  # in a worker process only: the .npy files it has mapped


def _array(source: Any) -> np.ndarray:
    """An array given as itself, or as the path of a ``.npy`` file (mapped once per worker)."""
    if not isinstance(source, str):
        return np.asarray(source)
    if source not in _MAPPED:
        if len(_MAPPED) >= 4:
            _MAPPED.pop(next(iter(_MAPPED)))
        _MAPPED[source] = np.load(source, mmap_mode="r")
    return _MAPPED[source]


def _run_task(task: _Task) -> _Done:
    """Fit ``task.template`` on the fold's training rows (with its calibration and decision rule)
    and score the held-out rows; a failure the data causes is returned as the reason."""
    started = time.perf_counter()
    matrix, y_all = _array(task.matrix), np.asarray(_array(task.y))
    test = np.asarray(task.test)
    keep = np.ones(len(y_all), dtype=bool)
    keep[test] = False
    train = np.flatnonzero(keep)
    positions = np.arange(len(y_all)).reshape(-1, 1)
    source = _Shared(matrix)
    try:
        fitted = _fit(task, source, positions[train], y_all[train])
        rows = positions[test]
        raw = fitted.raw_proba(rows)
        proba = fitted.proba(rows, raw)
        predicted = fitted.predict(rows, proba)
    except EngineError as exc:
        return _Done(task.job, task.fold, None, None, None, time.perf_counter() - started, str(exc))
    y = y_all[test]
    scores = score(y, predicted, proba, task.n_classes, task.positive)
    cost = cost_of(y, predicted, task.costs) if task.costs is not None else None
    return _Done(task.job, task.fold, scores, cost, fitted.rule.threshold, time.perf_counter() - started)


def _fit(task: _Task, source: _Shared, x: np.ndarray, y: np.ndarray) -> Fitted:
    """:func:`balancer.evaluate._fit_model` on prepared rows."""
    where = "the training folds"
    pipeline = clone(task.template).set_params(prepare__source=source)
    with _data_errors(task.name, where):
        pipeline.fit(x, y)
    calibrated = None
    if task.calibration in ("sigmoid", "isotonic"):
        assert task.inner is not None
        inner, cv = task.inner
        inner = clone(inner).set_params(prepare__source=source)
        calibrated = CalibratedClassifierCV(inner, method=task.calibration, cv=cv)
        with _data_errors(task.name, f"the inner folds that calibrate {where}"):
            calibrated.fit(x, y)
    weights = pipeline_prior(pipeline, task.class_weight, y, task.n_classes) if task.calibration == "prior" else None

    def searched() -> float:
        assert task.inner is not None and task.costs is not None and task.costs.positive is not None
        inner, cv = task.inner
        inner = clone(inner).set_params(prepare__source=source)
        with _data_errors(task.name, f"the inner folds that choose the threshold in {where}"):
            oof = cross_val_predict(inner, x, y, cv=cv, method="predict_proba")
        positive = task.costs.positive
        return search_threshold(y == positive, oof[:, positive], task.costs)

    rule = decision_rule(task.positive, weights, task.costs, task.calibration, searched)
    return Fitted(pipeline, calibrated, rule, task.n_classes)


def _run_file(task: _FileTask) -> dict[str, Any]:
    """The class counts of a sampler's output on every row, and whether they are balanced."""
    from .resample import run_sampler

    matrix, y = np.array(_array(task.matrix)), np.array(_array(task.y))  # copies: a mapped file is read-only
    try:
        try:
            _, y_res = run_sampler(task.sampler, matrix, y, task.method)
        except EngineError:
            if task.retry is None:
                raise
            _, y_res = run_sampler(task.retry, matrix, y, task.method)
    except BalancerError as exc:
        return {"method": task.method, "counts": None, "balanced": False, "reason": str(exc)}
    counts = np.bincount(np.asarray(y_res, dtype="int64"), minlength=len(task.labels))
    return {"method": task.method, "counts": {label: int(n) for label, n in zip(task.labels, counts)},
            "balanced": bool(counts.min() > 0 and counts.max() - counts.min() <= BALANCED_WITHIN * counts.max())}


def _run_any(task: Any) -> Any:
    """Run a fit or a file count (the caller limits the threads)."""
    return _run_file(task) if isinstance(task, _FileTask) else _run_task(task)


# --------------------------------------------------------------------------------------------
# threads: one per job


_LIMITS_LOCK = threading.Lock()
#: The process-wide BLAS limit and how many comparisons hold it (server-wide, about no user): the
#: first to come sets it, the last to leave restores it, so concurrent comparisons do not undo
#: each other's limit.
_LIMITS: dict[str, Any] = {"limit": None, "holders": 0}
_WORKER_LIMITS: list[Any] = []  # in a worker process only: its limits, kept for its lifetime


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """BLAS (process-wide, held while any comparison needs it) and OpenMP (this thread's: OpenMP
    keeps the setting per thread) limited to one thread."""
    with _LIMITS_LOCK:
        if _LIMITS["holders"] == 0:
            _LIMITS["limit"] = threadpool_limits(1, user_api="blas")
        _LIMITS["holders"] += 1
    try:
        with threadpool_limits(1, user_api="openmp"):
            yield
    finally:
        with _LIMITS_LOCK:
            _LIMITS["holders"] -= 1
            if _LIMITS["holders"] == 0:
                _LIMITS["limit"].restore_original_limits()
                _LIMITS["limit"] = None


def _worker_init() -> None:
    """A worker process: one thread everywhere (BLAS, OpenMP, the neighbour search), Ctrl-C left
    to the parent."""
    # written, not read: this worker's neighbour search (config.whole reads it) and any library
    # loaded later keep to one thread
    one = dict.fromkeys(("BALANCER_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")
    os.environ.update(one)
    _WORKER_LIMITS.append(threadpool_limits(1))
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _workers(asked: int | None, fits: int, rows: int) -> int:
    """Processes to use: as asked, else ``BALANCER_THREADS`` (at most the cores); 1 (this process)
    for small work."""
    cores = os.cpu_count() or 1
    if asked is None:
        if rows * fits < _IN_PROCESS_WORK:
            return 1
        asked = config.whole("BALANCER_THREADS")
    return max(1, min(int(asked), fits, cores))


class _InProcess:
    """The executor of one worker: this process, one fit at a time."""

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> cf.Future[Any]:
        future: cf.Future[Any] = cf.Future()
        try:
            future.set_result(fn(arg))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future

    def stop(self) -> None:
        """Nothing runs in the background."""


def _start_forkserver_deaf_to_ctrl_c() -> None:
    """Start the forkserver, if it is not running, with Ctrl-C ignored: the workers it forks then
    ignore it from their first instruction (``_worker_init`` runs only after they have imported
    their libraries, seconds in which a Ctrl-C printed a traceback from each); the parent hears
    it and ends them. Only the main thread can change a signal's handler (a server's job threads
    cannot, and their workers never see a terminal's Ctrl-C).

    The parent ignores Ctrl-C while it starts the forkserver (the disposition a child inherits),
    but with Ctrl-C blocked too, so that one pressed meanwhile waits, pending, and reaches the
    parent's own handler afterwards: ignored alone, it was lost and the comparison ran to its end
    (Linux keeps a blocked signal even when ignored; the child starts with the block lifted). The
    block is this thread's: a Ctrl-C the kernel hands to another thread (a BLAS pool's) in the
    milliseconds the forkserver takes to spawn is still ignored, as before."""
    if threading.current_thread() is not threading.main_thread():
        return
    from multiprocessing import forkserver, resource_tracker

    # the resource tracker first, outside the window: it starts its process with Ctrl-C blocked
    # itself, and unblocked it on its way out, inside ours
    resource_tracker.ensure_running()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold a Ctrl-C until the block ends, then raise it: a worker being started when it came was
    forked but not yet recorded, so nothing ended it, and it printed a traceback once this
    process was gone. (The main thread only: only it has signal handlers.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous in (signal.SIG_IGN, None):  # ignored (a background job), or a handler set from C: as it is
        yield
        return
    heard: list[int] = []
    signal.signal(signal.SIGINT, lambda number, frame: heard.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if heard:
        if callable(previous):
            previous(signal.SIGINT, None)  # (Python's default handler raises KeyboardInterrupt)
        else:
            raise KeyboardInterrupt


class _Processes:
    """Worker processes (forkserver where there is one: fast to start, safe in a threaded server)."""

    def __init__(self, workers: int):
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if "forkserver" in methods:
            context.set_forkserver_preload(["balancer.compare"])
            _start_forkserver_deaf_to_ctrl_c()
        self.pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init)

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> cf.Future[Any]:
        with _ctrl_c_held():  # (a submit may start a worker)
            return self.pool.submit(fn, arg)

    def stop(self) -> None:
        """End every worker now (a fit cannot be interrupted otherwise)."""
        if hasattr(self.pool, "terminate_workers"):  # Python 3.14
            self.pool.terminate_workers()
            return
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                process.terminate()


# --------------------------------------------------------------------------------------------
# compare


def compare(
    data: pd.DataFrame,
    target: str,
    methods: Sequence[str] | str | None = None,
    *,
    model: str = "logistic_regression",
    models: Sequence[str] | str | None = None,
    folds: int = 5,
    repeats: int | None = None,
    metric: str = "f2",
    seed: int = 0,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Callable[[float, str], None] | None = None,
    costs: Any = None,
    calibration: str | None = None,
    should_stop: Callable[[], bool] | None = None,
    workers: int | None = None,
) -> Comparison:
    """Score every tactic (default: the registry's ``compare_default`` ones) with every model on the
    same repeated stratified folds, each against its fair baseline (see the module docstring).

    ``models`` (or the single ``model``) are the learners; ensembles and anomaly detection bring
    their own and run once. ``params`` maps a tactic to its parameters. Ranked by ``metric``
    (``expected_cost`` needs ``costs``). ``repeats`` repeats the ``folds`` (default:
    :func:`default_repeats`). ``costs`` and ``calibration`` are :func:`balancer.evaluate`'s;
    ``calibration="prior"`` applies to the tactics that change the class balance the model sees,
    the others keep their default. ``progress(share, text)`` is called from this thread;
    ``should_stop()`` is asked several times a second and makes it raise
    :class:`~balancer.errors.Cancelled`. ``workers``: processes (default ``BALANCER_THREADS``, at
    most the cores; 1 runs everything here).
    """
    started = time.perf_counter()
    checked_metric(metric, costs is not None)
    seed = checked_seed(seed)  # (before the tactics: each would be skipped for it, and the run exit 0)
    model_list = _models(model, models)
    counts = class_counts(check_target(data, target))
    rows = int(sum(counts.values()))
    repeats = default_repeats(rows) if repeats is None else repeats
    params = params or {}
    names = resolve_methods(methods, len(counts))
    wanted = _wanted_jobs(names, model_list, params)
    planned, skipped = _plan_jobs(data, target, wanted, folds=folds, repeats=repeats, seed=seed, metric=metric,
                                  params=params, costs=costs, calibration=calibration, should_stop=should_stop,
                                  progress=progress)
    base = next(iter(planned.values()))
    n_folds = len(base.folds.splits)
    count = _workers(workers, len(planned) * n_folds, rows)
    runner = _Runner(planned, base, count, seed, progress, should_stop, data, target, params)
    outcomes, files = runner.run()
    entries, failed = _entries(planned, outcomes, files, model_list, base)
    skipped += failed
    bounds, share = _bounds(base), _test_share(base.folds.splits)
    k = n_folds // base.folds.repeats
    given = base.folds.costs
    notices = tuple(n for n in base.folds.notices if not n.startswith("calibration:"))
    return Comparison(metric, k, seed, tuple(model_list), tuple(_judge(entries, metric, bounds, share)),
                      tuple(skipped), time.perf_counter() - started, given.to_dict() if given is not None else None,
                      calibration, base.folds.repeats, stats.ALPHA, count, notices, tuple(bounds), share)


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


def _wanted_jobs(names: list[str], model_list: list[str], params: Mapping[str, Mapping[str, Any]]
                 ) -> list[tuple[str, str, Counterpart | None, tuple[str, str] | None]]:
    """(tactic, model, counterpart, baseline) of every job: the baselines first (each model's, then
    the ensembles' counterparts), then the tactics."""
    base = strategies.BASELINE
    jobs: list[tuple[str, str, Counterpart | None, tuple[str, str] | None]] = [
        (base, m, None, None) for m in model_list]
    known = set(model_list)
    tactics: list[tuple[str, str, Counterpart | None, tuple[str, str] | None]] = []
    for name in names[1:]:
        strategy = strategies.get(name)
        if strategy.uses_model:
            tactics += [(name, m, None, (base, m)) for m in model_list]
            continue
        counterpart = COUNTERPARTS.get(name)
        if counterpart is None:
            tactics.append((name, "-", None, (base, model_list[0])))
            continue
        key = counterpart.name(strategies.get(name).validate(params.get(name)))
        if key == "random_forest_100":
            key = "random_forest"
        if key not in known:
            known.add(key)
            jobs.append((base, key, None if key in MODELS else counterpart, None))
        tactics.append((name, "-", None, (base, key)))
    return jobs + tactics


def _plan_jobs(data: pd.DataFrame, target: str, wanted: list[tuple[str, str, Counterpart | None, Any]], *,
               should_stop: Callable[[], bool] | None, params: Mapping[str, Mapping[str, Any]],
               progress: Callable[[float, str], None] | None = None, **common: Any
               ) -> tuple[dict[int, _Job], list[dict[str, str]]]:
    """Plan every job; a tactic that cannot run on this data is skipped with the reason (a
    baseline's failure, or a parameter the user gave that is wrong, is the user's to see)."""
    planned: dict[int, _Job] = {}
    skipped: list[dict[str, str]] = []
    calibration = common.pop("calibration")
    for i, (name, model, counterpart, baseline) in enumerate(wanted):
        if should_stop is not None and should_stop():
            raise Cancelled("the comparison was stopped")
        if progress is not None:
            progress(0.0, f"planning tactic {i + 1} of {len(wanted)}: {name}")
        try:
            planned[i] = _plan_job(i, data, target, name, model, params=params.get(name), counterpart=counterpart,
                                   baseline=baseline, calibration=_calibration_for(name, calibration), **common)
        except BalancerError as exc:
            if name == strategies.BASELINE and model in MODELS:
                raise
            if isinstance(exc, ParameterError) and params.get(name):
                raise  # a parameter the user gave is wrong: theirs to fix, not a tactic that cannot run here
            skipped.append({"method": name, "model": model, "reason": str(exc)})
    return planned, skipped


# --------------------------------------------------------------------------------------------
# running every fit


class _Runner:
    """Runs every job on every fold, fold after fold, and the file counts; reports progress."""

    def __init__(self, jobs: dict[int, _Job], base: _Job, workers: int, seed: int,
                 progress: Callable[[float, str], None] | None, should_stop: Callable[[], bool] | None,
                 data: pd.DataFrame, target: str, params: Mapping[str, Mapping[str, Any]]):
        self.jobs, self.base, self.workers, self.seed = jobs, base, workers, seed
        self.progress, self.should_stop = progress, should_stop
        self.data, self.target, self.params = data, target, params
        self.splits = base.folds.splits
        self.y = np.asarray(base.folds.y, dtype="int64")
        self.outcomes: dict[tuple[int, int], _Done] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.failed: set[int] = set()
        self.started = self.reported = time.perf_counter()
        self.tmp: str | None = None
        self.left: dict[int, int] = {}  # fits of a fold still to finish
        self.paths: dict[int, list[str]] = {}  # the files of a fold's matrices (worker processes)

    # -- the matrices
    def _prepared(self, rows: np.ndarray | None, encoding: str) -> np.ndarray:
        """The table prepared by a Preparer fitted on ``rows`` (None: every row)."""
        work = self.base.folds.work
        preparer = Preparer(self.base.folds.roles, categories=encoding)
        preparer.fit(work if rows is None else work.iloc[rows])
        return preparer.transform(work)

    def _source(self, array: np.ndarray, name: str) -> Any:
        """``array`` itself in this process; the path of a ``.npy`` copy for worker processes."""
        if self.workers == 1:
            return array
        assert self.tmp is not None
        path = os.path.join(self.tmp, f"{name}.npy")
        np.save(path, array)
        return path

    # -- the tasks
    def _fold_tasks(self, fold: int) -> list[_Task]:
        train, test = self.splits[fold]
        encodings = {job.encoding for job in self.jobs.values()}
        sources = {e: self._source(self._prepared(train, e), f"fold{fold}-{e}") for e in sorted(encodings)}
        self.paths[fold] = [p for p in sources.values() if isinstance(p, str)]
        y = self._y_source
        tasks = []
        for job in self._order(fold):
            inner = None
            run = job.run
            needs_inner = run.calibration in ("sigmoid", "isotonic") or (
                job.folds.costs is not None and job.folds.costs.positive is not None and run.calibration == "none")
            if needs_inner:
                notices: list[str] = []
                try:
                    inner_run, cv = _inner(job.request, job.folds, run, train, notices, "the training folds")
                except BalancerError as exc:
                    self._record(_Done(job.index, fold, None, None, None, 0.0, str(exc)))
                    continue
                estimator = None if job.estimator is None else job.estimator()
                inner = (_template(inner_run, job.folds.roles, job.request.model, self.seed, estimator)[0], cv)
            tasks.append(_Task(job.index, fold, run.name, job.template, inner, run.calibration, run.class_weight,
                               len(job.folds.labels), job.folds.positive, job.folds.costs, sources[job.encoding],
                               y, np.asarray(test)))
        self.left[fold] = len(tasks)
        if not tasks:
            self._finished(fold, 0)
        return tasks

    def _finished(self, fold: int, fits: int = 1) -> None:
        """Count ``fits`` of ``fold`` as done; once all are, its matrices' files go."""
        self.left[fold] -= fits
        if self.left[fold] <= 0:
            for path in self.paths.pop(fold, []):
                with contextlib.suppress(OSError):
                    os.remove(path)

    def _order(self, fold: int) -> list[_Job]:
        """The jobs still running, the slowest first once their times are known (fewer idle workers at
        the end of a fold)."""
        alive = [j for j in self.jobs.values() if j.index not in self.failed]
        if fold == 0:
            return alive
        took = {j.index: np.mean([d.seconds for (i, _), d in self.outcomes.items() if i == j.index] or [0.0])
                for j in alive}
        return sorted(alive, key=lambda j: -took[j.index])

    def _file_tasks(self) -> list[_FileTask]:
        """One per sampler that is still running: its sampler built as resample() builds it."""
        from .resample import (
            _checked_params,
            _features,
            build_sampler,
            encode_labels,
            encode_sampling_strategy,
            plan,
        )

        tasks: list[_FileTask] = []
        matrices: dict[str, Any] = {}
        for job in self.jobs.values():
            strategy = strategies.get(job.method)
            if strategy.sampler is None or job.index in self.failed or any(t.method == job.method for t in tasks):
                continue
            given = self.params.get(job.method) or {}
            try:
                the_plan, work, _ = plan(self.data, self.target, job.method, given)
                labels, y = encode_labels(work[self.target], the_plan.counts)
                coded = encode_sampling_strategy(the_plan.sampling_strategy, labels)
                names = set(given) - {"sampling_strategy"}
                run_params = _checked_params(the_plan, labels, y, coded, names, None, work)
                actual = strategies.get(the_plan.method)
                if actual.needs_features(run_params):
                    encoding = "ordinal" if actual.encoding == "ordinal" else "onehot"
                    if encoding not in matrices:
                        matrices[encoding] = self._source(self._prepared(None, encoding), f"all-{encoding}")
                    matrix: Any = matrices[encoding]
                    indices = Preparer(the_plan.roles, categories=encoding).categorical_indices
                else:
                    matrix, indices = _features(the_plan, work, run_params)[1], None
                sampler = build_sampler(actual.name, run_params, coded, self.seed, indices)
                retry = actual.retry
                again = None if retry is None or retry.param in names else build_sampler(
                    actual.name, dict(run_params, **{retry.param: retry.value}), coded, self.seed, indices)
            except BalancerError as exc:
                self.files[job.method] = {"counts": None, "balanced": False, "reason": str(exc)}
                continue
            tasks.append(_FileTask(job.method, sampler, again, matrix, self._y_source,
                                   tuple(label_str(v) for v in labels)))
        return tasks

    # -- the loop
    def run(self) -> tuple[dict[tuple[int, int], _Done], dict[str, dict[str, Any]]]:
        executor: _InProcess | _Processes = _InProcess()
        try:
            if self.workers > 1:
                self.tmp = tempfile.mkdtemp(prefix="balancer-compare-")
                executor = _Processes(self.workers)
            self._y_source = self._source(self.y, "y")
            with _one_thread() if self.workers == 1 else contextlib.nullcontext():
                self._loop(executor)
        except BaseException:
            executor.stop()
            raise
        finally:
            if isinstance(executor, _Processes):
                executor.pool.shutdown(wait=False, cancel_futures=True)
            if self.tmp is not None:
                shutil.rmtree(self.tmp, ignore_errors=True)
        self._report(1.0, "done")
        return self.outcomes, self.files

    def _loop(self, executor: _InProcess | _Processes) -> None:
        n_folds = len(self.splits)
        total = len(self.jobs) * n_folds
        in_flight: dict[cf.Future[Any], Any] = {}
        queue: list[Any] = []
        fold = 0
        cap = 1 if self.workers == 1 else self.workers * 2
        files_queued = False
        while fold < n_folds or queue or in_flight:
            self._check_stop()
            if len(queue) < cap and fold < n_folds:
                queue += self._fold_tasks(fold)
                fold += 1
                if not files_queued:
                    queue += self._file_tasks()
                    files_queued = True
                continue
            while queue and len(in_flight) < cap:
                task = queue.pop(0)
                if isinstance(task, _Task) and task.job in self.failed:
                    self._record(_Done(task.job, task.fold, None, None, None, 0.0, "skipped"))
                    self._finished(task.fold)
                    continue
                if isinstance(executor, _InProcess) and isinstance(task, _Task):
                    self._status(task, total)  # the fit runs in the next line, in this thread
                in_flight[executor.submit(_run_any, task)] = task
                if isinstance(executor, _InProcess):
                    break
            done, _ = cf.wait(list(in_flight), timeout=_POLL, return_when=cf.FIRST_COMPLETED)
            running = next((t for t in in_flight.values() if isinstance(t, _Task)), None)
            if running is not None and (done or time.perf_counter() - self.reported >= 1.0):
                self._status(running, total)
            for future in done:
                task = in_flight.pop(future)
                try:
                    result = future.result()  # a bug in a fit is raised here
                except BrokenProcessPool:
                    raise EngineError("a worker process of the comparison ended unexpectedly (out of memory?); "
                                      "compare fewer tactics or rows, or use workers=1") from None
                if isinstance(task, _FileTask):
                    self.files[task.method] = {k: v for k, v in result.items() if k != "method"}
                else:
                    self._record(result)
                    self._finished(task.fold)

    def _record(self, outcome: _Done) -> None:
        self.outcomes[(outcome.job, outcome.fold)] = outcome
        if outcome.error is not None and outcome.error != "skipped":
            job = self.jobs[outcome.job]
            if job.method == strategies.BASELINE and job.model in MODELS:
                raise EngineError(outcome.error)
            self.failed.add(outcome.job)

    def _check_stop(self) -> None:
        if self.should_stop is not None and self.should_stop():
            raise Cancelled("the comparison was stopped")

    def _status(self, running: _Task, total: int) -> None:
        """Say what runs (the oldest fit in flight), how much is done, the time spent and left (at
        least once a second while fits run, so a caller that stops work from its progress callback
        is heard quickly)."""
        done = len(self.outcomes)
        elapsed = time.perf_counter() - self.started
        order = sorted(self.jobs)
        # fold first: the work runs fold after fold, so "tactic 14 of 14" at 1% read as nearly done
        text = (f"fold {running.fold + 1} of {len(self.splits)}, tactic {order.index(running.job) + 1} of "
                f"{len(self.jobs)} ({self.jobs[running.job].label}) · {done:,} of {total:,} fits done · "
                f"{_duration(elapsed)} elapsed")
        if len(self.jobs) <= done < total:
            text += f", about {_duration(elapsed / done * (total - done))} left"
        self._report(min(done / total, 0.999), text)

    def _report(self, share: float, text: str) -> None:
        self.reported = time.perf_counter()
        if self.progress is not None:
            self.progress(share, text)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


# --------------------------------------------------------------------------------------------
# from fold scores to verdicts


def _entries(jobs: dict[int, _Job], outcomes: Mapping[tuple[int, int], _Done],
             files: Mapping[str, dict[str, Any]], model_list: list[str], base: _Job
             ) -> tuple[list[Entry], list[dict[str, str]]]:
    """The results of the jobs that ran on every fold (no verdicts yet), and those that failed."""
    n_folds = len(base.folds.splits)
    entries: list[Entry] = []
    failed: list[dict[str, str]] = []
    ran = {(j.method, j.model) for j in jobs.values()
           if all(outcomes.get((j.index, f)) is not None and outcomes[(j.index, f)].scores is not None
                  for f in range(n_folds))}
    names = [*METRICS, *(["expected_cost"] if base.folds.costs is not None else [])]
    for job in jobs.values():
        done = [outcomes.get((job.index, f)) for f in range(n_folds)]
        if (job.method, job.model) not in ran:
            errors = [d.error for d in done if d is not None and d.error not in (None, "skipped")]
            failed.append({"method": job.method, "model": job.model, "reason": errors[0] if errors else "did not run"})
            continue
        folds = [dict(d.scores) | ({"expected_cost": d.cost} if d.cost is not None else {})
                 for d in done if d is not None and d.scores is not None]
        means, spreads = {}, {}
        for name in names:
            means[name], spreads[name] = _mean_std(np.array([f.get(name, math.nan) for f in folds], dtype=float))
        baseline = None
        if job.baseline is not None:
            key = job.baseline if job.baseline in ran else (strategies.BASELINE, model_list[0])
            baseline = {"method": key[0], "model": key[1]} if key in ran else None
        file = files.get(job.method) if strategies.get(job.method).sampler is not None else None
        entries.append(Entry(method=job.method, model=job.model, ran=job.ran, metrics=means, std=spreads,
                             fold_scores=folds, seconds=sum(d.seconds for d in done if d is not None), gain=None,
                             clearly_better=None, notices=job.notices, baseline=baseline, file=file))
    return entries, failed


def _judge(entries: Sequence[Entry], metric: str, bounds: Sequence[Mapping[str, float]], share: float
           ) -> list[Entry]:
    """The verdicts on ``metric`` (see the module docstring), best first, ties with the best marked."""
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    by_key = {(e.method, e.model): e for e in entries}

    def values(entry: Entry, name: str) -> np.ndarray:
        return np.array([f.get(name, math.nan) for f in entry.fold_scores], dtype=float)

    bound = np.array([b.get(metric, math.nan) for b in bounds], dtype=float)
    raw: dict[int, dict[str, Any]] = {}
    for i, entry in enumerate(entries):
        if entry.baseline is None:
            continue
        base = by_key[(entry.baseline["method"], entry.baseline["model"])]
        diff = sign * (values(entry, metric) - values(base, metric))
        p_base = stats.corrected_t_test(diff, share)
        p_info = stats.corrected_t_test(sign * (values(entry, metric) - bound), share)
        worse = None
        if metric in stats.THRESHOLD_METRICS or metric in COST_METRICS:
            flags = [stats.corrected_t_test(values(base, r) - values(entry, r), share) <= stats.ALPHA
                     for r in stats.RANKING_METRICS
                     if np.isfinite(values(entry, r)).sum() > 1 and np.isfinite(values(base, r)).sum() > 1]
            worse = bool(flags) and all(flags)
        finite = diff[np.isfinite(diff)]
        raw[i] = {"gain": float(finite.mean()) if finite.size else None, "p_base": p_base, "p_info": p_info,
                  "worse": worse,
                  "p": max(p_base, p_info) if math.isfinite(p_base) and math.isfinite(p_info) else math.nan}
    adjusted = dict(zip(raw, stats.holm([r["p"] for r in raw.values()])))
    judged = []
    no_information = stats.mean_bound(bounds, metric)
    for i, entry in enumerate(entries):
        verdict = raw.get(i)
        if verdict is None:
            judged.append(dataclasses.replace(entry, gain=None, clearly_better=None, p_value=None, p_baseline=None,
                                              p_information=None, worse_ranking=None, no_information=no_information))
            continue
        p_value = adjusted[i]
        judged.append(dataclasses.replace(
            entry, gain=verdict["gain"], p_value=p_value, p_baseline=verdict["p_base"],
            p_information=verdict["p_info"], worse_ranking=verdict["worse"], no_information=no_information,
            clearly_better=bool(math.isfinite(p_value) and p_value <= stats.ALPHA and not verdict["worse"])))
    judged.sort(key=lambda e: (-sign * e.metrics[metric] if math.isfinite(e.metrics.get(metric, math.nan))
                               else math.inf, e.seconds))
    return _ties(judged, metric, sign, share)


def _gain(result: Any, base: Any, metric: str, test_share: float | None = None) -> tuple[float | None, bool | None]:
    """The first part of the verdict for two evaluations' fold scores (``fold_scores``, and
    ``fold_costs`` for a cost metric): the mean paired improvement of ``result`` over ``base`` (for
    a metric where lower is better, how much lower), and whether the corrected t-test finds it
    above zero at :data:`~balancer.stats.ALPHA` (``test_share`` default: 1 / (J - 1), K folds)."""
    def fold_values(evaluation: Any) -> np.ndarray:
        if metric in COST_METRICS:
            return np.asarray(evaluation.fold_costs, dtype=float)
        return np.asarray([f[metric] for f in evaluation.fold_scores], dtype=float)

    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    diffs = sign * (fold_values(result) - fold_values(base))
    diffs = diffs[np.isfinite(diffs)]
    if not diffs.size:
        return None, None
    share = test_share if test_share is not None else 1 / max(diffs.size - 1, 1)
    p = stats.corrected_t_test(diffs, share)
    return float(diffs.mean()), bool(math.isfinite(p) and p <= stats.ALPHA)


def _ties(entries: list[Entry], metric: str, sign: float, share: float) -> list[Entry]:
    """Mark the results the best cannot be told apart from (Holm over the comparisons with it)."""
    if not entries or not math.isfinite(entries[0].metrics.get(metric, math.nan)):
        return [dataclasses.replace(e, tied_with_best=False) for e in entries]
    best = np.array([f.get(metric, math.nan) for f in entries[0].fold_scores], dtype=float)
    p = [stats.corrected_t_test(sign * (best - np.array([f.get(metric, math.nan) for f in e.fold_scores])), share)
         for e in entries[1:]]
    out = [dataclasses.replace(entries[0], tied_with_best=True)]
    for entry, q in zip(entries[1:], stats.holm(p)):
        tied = math.isfinite(entry.metrics.get(metric, math.nan)) and not (math.isfinite(q) and q <= stats.ALPHA)
        out.append(dataclasses.replace(entry, tied_with_best=tied))
    return out


def _bounds(base: _Job) -> list[dict[str, float]]:
    """Per fold, the best score of a predictor that ignores the features (see :mod:`balancer.stats`)."""
    y = np.asarray(base.folds.y, dtype="int64")
    n = len(base.folds.labels)
    costs = base.folds.costs
    return [stats.no_information(np.bincount(y[test], minlength=n), np.bincount(y[train], minlength=n),
                                 base.folds.positive, None if costs is None else costs.matrix, PER_ROWS)
            for train, test in base.folds.splits]


def _test_share(the_splits: Sequence[tuple[np.ndarray, np.ndarray]]) -> float:
    """n_test / n_train, the mean over the splits."""
    ratios = [len(test) / len(train) for train, test in the_splits if len(train)]
    return float(np.mean(ratios)) if ratios else 0.0


def _mean_std(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return math.nan, math.nan
    return float(finite.mean()), float(finite.std(ddof=1)) if finite.size > 1 else math.nan


__all__ = [
    "BALANCED_WITHIN",
    "COUNTERPARTS",
    "DEFAULT_METHODS",
    "Comparison",
    "Counterpart",
    "Entry",
    "RowLookup",
    "compare",
    "default_repeats",
    "model_label",
    "resolve_methods",
]
