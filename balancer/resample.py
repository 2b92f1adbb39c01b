"""Run a sampler on a DataFrame, keep the schema, and record provenance.

:func:`resample` checks the table, the target and the parameters once, then hands clean arrays
to imbalanced-learn (the imbalanced-learn habit: ``fit_resample`` validates, ``_fit_resample``
computes). Row-selecting methods return the input's own rows, missing cells included; synthetic
rows are decoded back into the table's values and dtypes.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from imblearn import combine, over_sampling, under_sampling
from imblearn.utils import check_sampling_strategy

from . import samplers, strategies
from .errors import DataError, EngineError, LimitError, MethodError, ParameterError
from .prepare import Preparer, Roles, cast_like, column_roles
from .profiling import check_target, class_counts, label_str

#: Methods that need no feature matrix at all: they only look at the labels.
_LABEL_ONLY = ("none", "RandomUnderSampler", "RandomOverSampler")


def max_output_rows() -> int:
    """The most rows a resampled table may have (``BALANCER_MAX_OUTPUT_ROWS``, default 10,000,000)."""
    return int(os.environ.get("BALANCER_MAX_OUTPUT_ROWS", 10_000_000))


@dataclasses.dataclass(frozen=True, eq=False)
class Resampled:
    """The result of :func:`resample`.

    ``data`` has the input's columns, order and dtypes. ``synthetic[i]`` tells whether output row
    ``i`` was made up; ``source_rows[i]`` is the input row position it is a copy of, or -1.
    """

    data: pd.DataFrame
    method: str
    requested: str
    params: dict[str, Any]
    seed: int
    before: dict[Hashable, int]
    after: dict[Hashable, int]
    synthetic: np.ndarray
    source_rows: np.ndarray
    notices: tuple[str, ...]
    rows_in: int

    @property
    def synthetic_rows(self) -> int:
        """How many output rows are synthetic."""
        return int(self.synthetic.sum())

    def with_marker(self, column: str = "synthetic") -> pd.DataFrame:
        """Return the data with a boolean column that marks synthetic rows (name made unique)."""
        name = column
        while name in self.data.columns:
            name = "_" + name
        out = self.data.copy()
        out[name] = self.synthetic
        return out

    def to_dict(self, out: str | None = None) -> dict[str, Any]:
        """Return the JSON of ``balancer resample --json``."""
        return {
            "method": self.method,
            "requested": self.requested,
            "params": {k: v for k, v in self.params.items() if k != "sampling_strategy"}
            | {"sampling_strategy": _json_ss(self.params.get("sampling_strategy", "auto"))},
            "seed": self.seed,
            "before": {label_str(k): v for k, v in self.before.items()},
            "after": {label_str(k): v for k, v in self.after.items()},
            "rows_in": self.rows_in,
            "rows_out": len(self.data),
            "synthetic_rows": self.synthetic_rows,
            "notices": list(self.notices),
            "out": out,
        }


def _json_ss(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {label_str(k): int(v) for k, v in value.items()}
    if isinstance(value, list):
        return [label_str(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------
# the steps, kept apart so another engine can reuse them


@dataclasses.dataclass
class Plan:
    """Everything decided before any work is done."""

    strategy: strategies.Strategy
    method: str
    params: dict[str, Any]
    sampling_strategy: Any
    counts: dict[Hashable, int]
    roles: Roles
    notices: list[str]


def resolve_method(strategy: strategies.Strategy, roles: Roles, notices: list[str]) -> str:
    """Return the method that will really run: SMOTE becomes SMOTENC or SMOTEN for categories."""
    name = strategy.name
    has_cat, has_num = bool(roles.categorical), bool(roles.numeric)
    if name in ("SMOTE", "SMOTENC") and has_cat:
        actual = "SMOTENC" if has_num else "SMOTEN"
        if actual != name:
            kind = "mixed numeric and categorical" if has_num else "only categorical"
            notices.append(f"{actual} used instead of {name}: the features are {kind} "
                           f"({', '.join(map(str, roles.categorical[:5]))}"
                           f"{', ...' if len(roles.categorical) > 5 else ''} categorical)")
        return actual
    if name == "SMOTENC" and not has_cat:
        notices.append("SMOTE used instead of SMOTENC: there are no categorical features")
        return "SMOTE"
    if name == "SMOTEN" and has_num:
        raise ParameterError(
            "SMOTEN works on all-categorical tables, but "
            f"{', '.join(map(str, roles.numeric[:5]))} are numeric; use SMOTENC, or SMOTE, which "
            "picks the right variant"
        )
    return name


def expected_counts(
    strategy: strategies.Strategy, sampling_strategy: Any, counts: Mapping[Any, int], y: np.ndarray
) -> dict[Any, int]:
    """Return the class counts the method aims at (an upper bound for cleaning methods)."""
    kind = strategy.sampling_type
    if kind is None or kind == "clean-sampling":
        return dict(counts)
    try:
        wanted = check_sampling_strategy(sampling_strategy, y, kind)
    except ValueError as exc:
        raise ParameterError(f"sampling_strategy {sampling_strategy!r}: {exc}") from None
    if kind == "over-sampling":
        return {c: n + int(wanted.get(c, 0)) for c, n in counts.items()}
    return {c: int(wanted.get(c, n)) for c, n in counts.items()}


def fit_neighbours(
    strategy: strategies.Strategy, params: dict[str, Any], given: set[str],
    sizes: Mapping[Hashable, int], notices: list[str], where: str = "",
) -> dict[str, Any]:
    """Lower neighbour counts that the smallest resampled class cannot support.

    ``sizes`` holds the rows of each class that will be over-sampled. A count the user left at
    its default is lowered with a notice; one they set, or a class of a single row, is refused.
    """
    if not strategy.class_k or not sizes:
        return params
    label, size = min(sizes.items(), key=lambda kv: kv[1])
    params = dict(params)
    for name in strategy.class_k:
        k = params[name]
        if size > k:
            continue
        if size < 2:
            raise EngineError(
                f"class {label_str(label)!r} has a single row{where}; {strategy.name} needs at least "
                "2 rows in every class it over-samples. Use RandomOverSampler, or add rows."
            )
        if name in given:
            raise ParameterError(
                f"class {label_str(label)!r} has {size} rows{where}; {strategy.name} with {name}={k} "
                f"needs at least {k + 1}. Lower {name} to {size - 1} or less, or use RandomOverSampler."
            )
        params[name] = size - 1
        notices.append(
            f"{name} lowered from {k} to {size - 1}: class {label_str(label)!r} has only {size} rows{where}"
        )
    return params


def oversampled_sizes(
    strategy: strategies.Strategy, sampling_strategy: Any, y: np.ndarray, counts: Mapping[Any, int]
) -> dict[Any, int]:
    """Return the current size of each class the method will add rows to."""
    if strategy.sampling_type != "over-sampling":
        return {}
    try:
        wanted = check_sampling_strategy(sampling_strategy, y, "over-sampling")
    except ValueError as exc:
        raise ParameterError(f"sampling_strategy {sampling_strategy!r}: {exc}") from None
    return {c: counts[c] for c, n in wanted.items() if n > 0 and c in counts}


def build_sampler(
    method: str, params: Mapping[str, Any], sampling_strategy: Any, seed: int,
    categorical_indices: list[int] | None = None,
) -> Any:
    """Return a new sampler for the method that really runs: Balancer's fast drop-in where there is
    one (same results), else imbalanced-learn's own."""
    if method == "none":
        return None
    fast = samplers.build(method, params, sampling_strategy, seed, categorical_indices)
    if fast is not None:
        return fast
    if method == "SMOTENC":
        return over_sampling.SMOTENC(
            categorical_features=categorical_indices or [], sampling_strategy=sampling_strategy,
            random_state=seed, k_neighbors=params["k_neighbors"],
        )
    if method == "SMOTEN":
        return over_sampling.SMOTEN(
            sampling_strategy=sampling_strategy, random_state=seed, k_neighbors=params["k_neighbors"]
        )
    return strategies.get(method).make(params, sampling_strategy, seed)


def plan(
    data: pd.DataFrame, target: str, method: str, params: Mapping[str, Any] | None = None
) -> tuple[Plan, pd.DataFrame, np.ndarray]:
    """Check everything once; return the plan, the rows with a target, and their positions."""
    strategy = strategies.get(method)
    if not strategy.resamples:
        raise MethodError(
            f"{strategy.name} changes the model, not the data, so it has no resampled file; "
            f"evaluate it instead (balancer evaluate --method {strategy.name})"
        )
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise DataError("the table has no rows")
    validated = strategy.validate(params)
    target_series = check_target(data, target)
    notices: list[str] = []
    present = target_series.notna().to_numpy()
    positions = np.flatnonzero(present)
    work = data if present.all() else data.iloc[positions]
    if not present.all():
        notices.append(f"{int((~present).sum()):,} rows without a target value were left out")
    counts = class_counts(work[target])
    if len(counts) < 2:
        raise DataError(f"the target {target!r} has a single class among rows that have a value")
    roles = column_roles(work, target)
    actual = resolve_method(strategy, roles, notices)
    if actual not in _LABEL_ONLY and not roles.features:
        raise DataError(
            f"{actual} compares rows by their features, but no column besides {target!r} can be "
            "used (all are identifiers, text, dates, constant or empty). Use RandomOverSampler "
            "or RandomUnderSampler."
        )
    sampling_strategy = strategies.parse_sampling_strategy(
        validated.pop("sampling_strategy", None), strategy, counts
    )
    validated["sampling_strategy"] = sampling_strategy
    return Plan(strategy, actual, validated, sampling_strategy, counts, roles, notices), work, positions


def resample(
    data: pd.DataFrame,
    target: str,
    method: str,
    *,
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    max_rows: int | None = None,
) -> Resampled:
    """Resample ``data`` so its ``target`` classes are balanced by ``method``.

    ``method`` is an imbalanced-learn sampler name (any case) or ``"none"``; ``params`` are the
    method's parameters (text or typed) plus ``sampling_strategy``. The output keeps the input's
    columns, order and dtypes; rows without a target value are left out (with a notice).
    ``max_rows`` can lower the operator's output cap (``BALANCER_MAX_OUTPUT_ROWS``), never raise it.
    Raises a :class:`~balancer.errors.BalancerError` subclass for anything the user can fix.
    """
    the_plan, work, positions = plan(data, target, method, params)
    seed = _seed(seed)
    strategy, notices = the_plan.strategy, the_plan.notices
    labels, y = encode_labels(work[target], the_plan.counts)
    coded_ss = encode_sampling_strategy(the_plan.sampling_strategy, labels)
    coded_counts = {labels.index(k): v for k, v in the_plan.counts.items()}
    expected = expected_counts(strategy, coded_ss, coded_counts, y)
    cap = max_output_rows() if max_rows is None else min(max_rows, max_output_rows())  # lower only
    if sum(expected.values()) > cap:
        raise LimitError(
            f"{strategy.name} would make {sum(expected.values()):,} rows; the limit is {cap:,} "
            "(set BALANCER_MAX_OUTPUT_ROWS to raise it). Ask for fewer rows with "
            "sampling_strategy, or under-sample instead."
        )
    given = set((params or {}).keys()) - {"sampling_strategy"}
    sizes = oversampled_sizes(strategy, coded_ss, y, coded_counts)
    sizes = {labels[c]: n for c, n in sizes.items()}
    run_params = fit_neighbours(strategy, the_plan.params, given, sizes, notices)

    n = len(work)
    if the_plan.method == "none":
        source = np.arange(n)
        return _finish(data, work, positions, target, the_plan, run_params, seed, source, None)

    categories = "ordinal" if the_plan.method in ("SMOTENC", "SMOTEN") else "onehot"
    shrink = the_plan.method == "RandomOverSampler" and run_params.get("shrinkage") is not None
    preparer: Preparer | None = None
    if the_plan.method in _LABEL_ONLY and not shrink:
        matrix = np.arange(n, dtype="float64").reshape(-1, 1)  # labels are all these methods use
    else:
        preparer = Preparer(the_plan.roles, categories=categories).fit(work)
        matrix = preparer.transform(work)
    sampler = build_sampler(the_plan.method, run_params, coded_ss, seed,
                            preparer.categorical_indices if preparer is not None else None)
    try:
        x_res, y_codes = run_sampler(sampler, matrix, y, the_plan.method, labels)
    except EngineError:
        if the_plan.method != "KMeansSMOTE" or "cluster_balance_threshold" in given:
            raise
        # the 'auto' threshold often finds no cluster when the minority is very small
        run_params = dict(run_params, cluster_balance_threshold=0.01)
        sampler = build_sampler(the_plan.method, run_params, coded_ss, seed)
        x_res, y_codes = run_sampler(sampler, matrix, y, the_plan.method, labels)
        notices.append("cluster_balance_threshold lowered from 'auto' to 0.01: with 'auto' no "
                       "k-means cluster held enough minority rows")
    source = provenance(sampler, matrix, y, x_res, y_codes)
    del matrix, sampler  # the output is built next: free what is no longer needed first
    y_res = np.asarray(labels, dtype=object)[y_codes]
    synthetic = _decode_synthetic(data, work, target, source, preparer, x_res, y_res)
    del x_res
    return _finish(data, work, positions, target, the_plan, run_params, seed, source, synthetic)


def encode_labels(target: pd.Series, counts: Mapping[Hashable, int]) -> tuple[list[Hashable], np.ndarray]:
    """Return the class labels (largest class first) and the target as integer codes into them.

    imbalanced-learn gets integer codes: some of its samplers mishandle text labels.
    """
    labels = list(counts)
    codes = pd.Categorical(target, categories=labels).codes.astype("int64")
    return labels, codes


def encode_sampling_strategy(value: Any, labels: list[Hashable]) -> Any:
    """Translate per-class counts or a class list from labels to the integer codes."""
    if isinstance(value, Mapping):
        return {labels.index(k): v for k, v in value.items()}
    if isinstance(value, list):
        return [labels.index(k) for k in value]
    return value


def _seed(seed: Any) -> int:
    try:
        value = int(seed)
    except (TypeError, ValueError):
        raise ParameterError(f"seed must be a whole number, got {seed!r}") from None
    if not 0 <= value < 2**32:
        raise ParameterError(f"seed must be from 0 to {2**32 - 1}, got {value}")
    return value


def run_sampler(
    sampler: Any, matrix: np.ndarray, y: np.ndarray, method: str, labels: list[Hashable] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Call ``fit_resample`` and turn its failures into messages a user can act on."""
    try:
        x_res, y_res = sampler.fit_resample(matrix, y)
    except (ValueError, RuntimeError, IndexError) as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        text = text.rstrip(".")
        if labels:
            text = re.sub(r"\bclass(es)? (\d+)\b",
                          lambda m: f"class {label_str(labels[int(m.group(2))])!r}"
                          if int(m.group(2)) < len(labels) else m.group(0), text)
        hint = ""
        if method == "KMeansSMOTE" and "Try" not in text:
            hint = (" Try a lower cluster_balance_threshold or fewer clusters "
                    "(kmeans_estimator), or use SMOTE.")
        elif method == "ADASYN" and "No samples will be generated" in text:
            hint = (" ADASYN only makes rows where minority rows have neighbours of other classes, and "
                    "here none does: the classes are already well apart. Use SMOTE or RandomOverSampler.")
        elif "n_neighbors" in text or "n_samples" in text:
            hint = " Lower the neighbour parameters, or use a random sampler."
        raise EngineError(f"{method} could not run on this data: {text}.{hint}") from None
    return np.asarray(x_res), np.asarray(y_res)


def provenance(sampler: Any, matrix: np.ndarray, y: np.ndarray, x_res: np.ndarray, y_res: np.ndarray) -> np.ndarray:
    """Return, for each output row, the input position it copies, or -1 for a synthetic row."""
    n = len(matrix)
    if isinstance(sampler, combine.SMOTEENN):
        inner = sampler.enn_.sample_indices_
        return np.where(inner < n, inner, -1)
    if isinstance(sampler, combine.SMOTETomek):
        inner = sampler.tomek_.sample_indices_
        return np.where(inner < n, inner, -1)
    if isinstance(sampler, under_sampling.ClusterCentroids):
        return _match_rows(matrix, y, x_res, y_res)
    if isinstance(sampler, over_sampling.RandomOverSampler) and sampler.shrinkage is not None:
        return np.concatenate([np.arange(n), np.full(len(x_res) - n, -1)])
    indices = getattr(sampler, "sample_indices_", None)
    if indices is not None:
        return np.asarray(indices, dtype="int64")
    # over-samplers stack the input first, then the synthetic rows
    return np.concatenate([np.arange(n), np.full(len(x_res) - n, -1)])


def _match_rows(matrix: np.ndarray, y: np.ndarray, x_res: np.ndarray, y_res: np.ndarray) -> np.ndarray:
    """Find output rows that are exact copies of input rows of the same class."""
    lookup: dict[tuple[Any, bytes], list[int]] = {}
    for i in range(len(matrix) - 1, -1, -1):
        lookup.setdefault((y[i], matrix[i].tobytes()), []).append(i)
    out = np.full(len(x_res), -1, dtype="int64")
    for j in range(len(x_res)):
        bucket = lookup.get((y_res[j], np.ascontiguousarray(x_res[j]).tobytes()))
        if bucket:
            out[j] = bucket.pop()
    return out


def _stacked(source: np.ndarray, rows: int) -> bool:
    """Whether the output is every input row, in order, then only synthetic rows (over-samplers)."""
    n_original = int((source >= 0).sum())
    return (n_original == rows and bool((source[:n_original] >= 0).all())
            and bool(np.array_equal(source[:n_original], np.arange(n_original))))


def _decode_synthetic(
    data: pd.DataFrame, work: pd.DataFrame, target: str, source: np.ndarray, preparer: Preparer | None,
    x_res: np.ndarray | None, y_res: np.ndarray | None,
) -> pd.DataFrame | None:
    """The synthetic rows as a frame with the table's columns and dtypes (None when there are none)."""
    is_synthetic = source < 0
    n_synthetic = int(is_synthetic.sum())
    if not n_synthetic:
        return None
    assert preparer is not None and x_res is not None and y_res is not None
    n_original = len(source) - n_synthetic
    stacked = _stacked(source, len(work))
    made = x_res[n_original:] if stacked else x_res[is_synthetic]
    synthetic = preparer.inverse(made, work)
    labels = y_res[n_original:] if stacked else y_res[is_synthetic]
    synthetic[target] = cast_like(labels, work[target], n_synthetic)
    return synthetic[list(data.columns)]


def _finish(
    data: pd.DataFrame, work: pd.DataFrame, positions: np.ndarray, target: str, the_plan: Plan,
    params: dict[str, Any], seed: int, source: np.ndarray, synthetic: pd.DataFrame | None,
) -> Resampled:
    notices = the_plan.notices
    is_original = source >= 0
    n_original = int(is_original.sum())
    # over-samplers keep every input row, in order, and put the new ones after: no reordering copy
    stacked = _stacked(source, len(work))
    originals = work if stacked else work.iloc[source[is_original]]
    if synthetic is not None:
        n_synthetic = len(synthetic)
        combined = pd.concat([originals, synthetic], ignore_index=True)
        del synthetic
        if stacked:
            out = combined
        else:
            order = np.empty(len(source), dtype="int64")
            order[is_original] = np.arange(n_original)
            order[~is_original] = n_original + np.arange(n_synthetic)
            out = combined.iloc[order].reset_index(drop=True)
        left_empty = [str(c) for c in the_plan.roles.excluded]
        if left_empty:
            notices.append(
                f"synthetic rows leave {', '.join(left_empty[:8])}{', ...' if len(left_empty) > 8 else ''} "
                "empty: they are not features (identifiers, text, dates, constant or empty columns)"
            )
    else:
        out = originals.reset_index(drop=True)
    source_rows = np.where(is_original, positions[np.where(is_original, source, 0)], -1)
    after_raw = class_counts(out[target])
    after = {label: after_raw.get(label, 0) for label in the_plan.counts}
    return Resampled(
        data=out,
        method=the_plan.method,
        requested=the_plan.strategy.name,
        params=params,
        seed=seed,
        before=dict(the_plan.counts),
        after=after,
        synthetic=~is_original,
        source_rows=source_rows.astype("int64"),
        notices=tuple(notices),
        rows_in=len(data),
    )


__all__ = [
    "Plan",
    "Resampled",
    "build_sampler",
    "encode_labels",
    "encode_sampling_strategy",
    "expected_counts",
    "fit_neighbours",
    "max_output_rows",
    "oversampled_sizes",
    "plan",
    "provenance",
    "resample",
    "resolve_method",
    "run_sampler",
]
