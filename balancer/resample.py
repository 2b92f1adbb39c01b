"""Run a sampler on a DataFrame, keep the schema, and record provenance.

:func:`resample` checks the table, the target and the parameters once, then hands clean arrays
to imbalanced-learn (the imbalanced-learn habit: ``fit_resample`` validates, ``_fit_resample``
computes). Row-selecting methods return the input's own rows, missing cells included; synthetic
rows are decoded back into the table's values and dtypes.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import re
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from imblearn import combine, over_sampling, under_sampling
from imblearn.utils import check_sampling_strategy

from . import config, samplers, strategies
from .errors import DataError, EngineError, LimitError, MethodError, ParameterError
from .prepare import MAX_LEVELS, Preparer, Roles, cast_like, column_roles
from .profiling import check_target, class_counts, label_str


def max_output_rows() -> int:
    """The most rows a resampled table may have (``BALANCER_MAX_OUTPUT_ROWS``, default 10,000,000)."""
    return config.whole("BALANCER_MAX_OUTPUT_ROWS")


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
    """Return the method that will really run: the entry's variant for the table's kinds of
    features (SMOTE becomes SMOTENC or SMOTEN for categories), with a notice when it changes."""
    variants = strategy.variants
    has_cat, has_num = bool(roles.categorical), bool(roles.numeric)
    if variants is None:
        return strategy.name
    kind = "mixed" if has_cat and has_num else "categorical" if has_cat else "numeric"
    actual = getattr(variants, kind)
    if actual is None:
        if not (has_cat or has_num):
            return strategy.name  # no features to choose by: plan() says so next
        raise ParameterError(_variant_refusal(strategy.name, variants, roles, has_num))
    if actual != strategy.name:
        notices.append(f"{actual} used instead of {strategy.name}: {_variant_reason(kind, roles)}")
    return actual


def _listed(columns: Sequence[Any]) -> str:
    return f"{', '.join(map(str, columns[:5]))}{', ...' if len(columns) > 5 else ''}"


def _variant_reason(kind: str, roles: Roles) -> str:
    if kind == "numeric":
        return "there are no categorical features"
    what = "mixed numeric and categorical" if kind == "mixed" else "only categorical"
    return f"the features are {what} ({_listed(roles.categorical)} categorical)"


def _variant_refusal(name: str, variants: strategies.Variants, roles: Roles, has_num: bool) -> str:
    if has_num:
        return (f"{name} works on all-categorical tables, but {', '.join(map(str, roles.numeric[:5]))} "
                f"are numeric; {variants.advice}")
    return (f"{name} works on all-numeric tables, but {', '.join(map(str, roles.categorical[:5]))} "
            f"are categorical; {variants.advice}")


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


def check_output_size(strategy: strategies.Strategy, sampling_strategy: Any, counts: Mapping[Any, int],
                      y: np.ndarray, work: pd.DataFrame, roles: Roles, max_rows: int | None = None) -> None:
    """Refuse, before anything is made, a resampling of ``work`` whose output would pass the row
    cap (``BALANCER_MAX_OUTPUT_ROWS``; ``max_rows`` can lower it, never raise it) or the memory
    one table may take (``BALANCER_MAX_MEMORY_MB``): 10,000,000 rows of 100 columns are about
    17 GB. Every path that resamples calls it: resample, evaluate's folds, the learning curve,
    the model to ship and compare (a fold's training rows are fewer than all rows, so all rows
    bound them). The memory counted is what the sampler makes: the new rows' feature and target
    cells (identifiers, text and dates stay empty in them) and the float matrix of every output
    row."""
    rows = sum(expected_counts(strategy, sampling_strategy, counts, y).values())
    cap = max_output_rows() if max_rows is None else min(max_rows, max_output_rows())  # lower only
    if rows > cap:
        raise LimitError(
            f"{strategy.name} would make {rows:,} rows; the limit is {cap:,} "
            "(set BALANCER_MAX_OUTPUT_ROWS to raise it). Ask for fewer rows with "
            "sampling_strategy, or under-sample instead."
        )
    added = rows - len(work)
    if added <= 0:
        return
    made = [c for c in (*roles.features, roles.target) if c in work.columns]
    per_row = float(work[made].memory_usage(deep=True, index=False).sum()) / max(len(work), 1)
    # the float matrix is one-hot wide (a column per kept level; imbalanced-learn's SMOTENC encodes
    # its categories so too), and the sampler holds it for the input rows and for the output rows
    width = len(roles.numeric) + sum(min(int(work[c].nunique()), MAX_LEVELS) + 1 for c in roles.categorical)
    matrices = 0 if strategy.labels_only else (len(work) + rows) * 8.0 * width
    need = added * per_row + matrices
    budget = config.number("BALANCER_MAX_MEMORY_MB") * 1024**2
    if need > budget:
        raise LimitError(
            f"{strategy.name} would make {rows:,} rows, about {_amount(need)} in memory; the limit for "
            f"one table is {_amount(budget)} (set BALANCER_MAX_MEMORY_MB to raise it). Ask for fewer rows "
            "with sampling_strategy, or under-sample instead."
        )


def _amount(size: float) -> str:
    """Bytes as MB below a gigabyte, else as GB."""
    return f"{size / 1024**3:,.1f} GB" if size >= 1024**3 else f"{size / 1024**2:,.0f} MB"


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
    """:func:`balancer.strategies.build` with the configured engine (fast unless ``BALANCER_ENGINE=imblearn``)."""
    return strategies.build(method, params, sampling_strategy, seed, categorical_indices=categorical_indices)


def plan(
    data: pd.DataFrame, target: str, method: str, params: Mapping[str, Any] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> tuple[Plan, pd.DataFrame, np.ndarray]:
    """Check everything once; return the plan, the rows with a target, and their positions.
    ``kinds``: column kinds decided elsewhere (the Spark engine's, over the whole table, for the
    rows it brings to the driver), which win over those read off ``data``."""
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
        gaps = int((~present).sum())
        notices.append(f"{gaps:,} {'row' if gaps == 1 else 'rows'} without a target value {'was' if gaps == 1 else 'were'} "
                       "left out")
    counts = class_counts(work[target])
    if len(counts) < 2:
        raise DataError(f"the target {target!r} has a single class among rows that have a value")
    roles = column_roles(work, target, dict(kinds) if kinds else None)
    actual = resolve_method(strategy, roles, notices)
    if not strategies.get(actual).labels_only and not roles.features:
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
    kinds: Mapping[str, str] | None = None,
) -> Resampled:
    """Resample ``data`` so its ``target`` classes are balanced by ``method``.

    ``method`` is an imbalanced-learn sampler name (any case) or ``"none"``; ``params`` are the
    method's parameters (text or typed) plus ``sampling_strategy``. The output keeps the input's
    columns, order and dtypes; rows without a target value are left out (with a notice).
    ``max_rows`` can lower the operator's output cap (``BALANCER_MAX_OUTPUT_ROWS``), never raise it.
    ``kinds``: column kinds decided elsewhere (see :func:`plan`).
    Raises a :class:`~balancer.errors.BalancerError` subclass for anything the user can fix.
    """
    the_plan, work, positions = plan(data, target, method, params, kinds)
    seed = checked_seed(seed)
    labels, y = encode_labels(work[target], the_plan.counts)
    coded_ss = encode_sampling_strategy(the_plan.sampling_strategy, labels)
    given = set((params or {}).keys()) - {"sampling_strategy"}
    run_params = _checked_params(the_plan, labels, y, coded_ss, given, max_rows, work)
    if strategies.get(the_plan.method).sampler is None:  # the baseline: every row as it is
        source = np.arange(len(work))
        return _finish(data, work, positions, target, the_plan, run_params, seed, source, [None])
    give_back()  # what reading the columns' roles freed
    preparer, matrix = _features(the_plan, work, run_params)
    give_back()
    sampler, x_res, y_codes, run_params = _run(the_plan, run_params, given, matrix, y, coded_ss, seed, labels,
                                               preparer)
    source = provenance(sampler, matrix, y, x_res, y_codes)
    del sampler  # the output is built next: free what is no longer needed first
    give_back()
    gaps = gap_columns(work, the_plan.roles)
    kept: np.ndarray | None = matrix if gaps else None  # only to find the rows whose gaps are kept
    del matrix
    synthetic = _decode_synthetic(work, target, source, preparer, x_res, y_codes, labels, kept, y,
                                  the_plan.roles, gaps)
    del kept, x_res
    if synthetic is not None and list(synthetic.columns) != list(data.columns):
        synthetic = synthetic[list(data.columns)]
    handed = [synthetic]  # _finish frees its columns as it copies them: no reference may stay here
    del synthetic
    return _finish(data, work, positions, target, the_plan, run_params, seed, source, handed)


@functools.cache
def _libc() -> Any:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018  (glibc only)
        return libc
    except (OSError, AttributeError):
        return None


def give_back() -> None:
    """Return the memory freed so far to the system (glibc's ``malloc_trim``; nothing elsewhere).

    Preparing the matrix and searching neighbours free many blocks of a few MB; glibc keeps those in
    the process for reuse, and the output built next would then come on top of them. Giving them
    back keeps a resample's peak at what it holds live (see benchmarks/bench_memory.py)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def _checked_params(the_plan: Plan, labels: list[Hashable], y: np.ndarray, coded_ss: Any, given: set[str],
                    max_rows: int | None, work: pd.DataFrame) -> dict[str, Any]:
    """The parameters the sampler runs with, once the output fits the row cap and every class the
    neighbour counts (lowered with a notice where the user left them at their default)."""
    strategy = the_plan.strategy
    coded_counts = {labels.index(k): v for k, v in the_plan.counts.items()}
    check_output_size(strategy, coded_ss, coded_counts, y, work, the_plan.roles, max_rows)
    sizes = oversampled_sizes(strategy, coded_ss, y, coded_counts)
    sizes = {labels[c]: n for c, n in sizes.items()}
    return fit_neighbours(strategy, the_plan.params, given, sizes, the_plan.notices)


def _features(the_plan: Plan, work: pd.DataFrame, params: Mapping[str, Any]) -> tuple[Preparer | None, np.ndarray]:
    """The matrix the sampler sees (and what made it): the prepared features, or only row positions
    for methods that look at the labels alone."""
    actual = strategies.get(the_plan.method)
    if not actual.needs_features(params):
        return None, np.arange(len(work), dtype="float64").reshape(-1, 1)
    preparer = Preparer(the_plan.roles, categories=actual.encoding).fit(work)
    return preparer, preparer.transform(work)


def _run(
    the_plan: Plan, params: dict[str, Any], given: set[str], matrix: np.ndarray, y: np.ndarray, coded_ss: Any,
    seed: int, labels: list[Hashable], preparer: Preparer | None,
) -> tuple[Any, np.ndarray, np.ndarray, dict[str, Any]]:
    """Build and run the sampler; once more with the entry's retry setting if it fails with the
    default. Returns the sampler, the output and the parameters it really ran with."""
    actual = strategies.get(the_plan.method)
    indices = preparer.categorical_indices if preparer is not None else None
    notice = strategies.fallback_notice(actual.name)
    if notice:
        the_plan.notices.append(notice)
    # the rows are rebuilt from the table: the sampler need not make them a second time
    sampler = samplers.rows_only(build_sampler(actual.name, params, coded_ss, seed, indices))
    try:
        x_res, y_codes = run_sampler(sampler, matrix, y, actual.name, labels)
    except EngineError:
        retry = actual.retry
        if retry is None or retry.param in given:
            raise
        params = dict(params, **{retry.param: retry.value})
        sampler = samplers.rows_only(build_sampler(actual.name, params, coded_ss, seed, indices))
        x_res, y_codes = run_sampler(sampler, matrix, y, actual.name, labels)
        the_plan.notices.append(retry.notice)
    return sampler, x_res, y_codes, params


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


def checked_seed(seed: Any) -> int:
    """``seed`` as a whole number numpy and scikit-learn accept (0 to 2**32 - 1), else a
    :class:`ParameterError`."""
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
        hint = next((h.text for h in strategies.get(method).hints if h.applies(text)), "")
        if not hint and ("n_neighbors" in text or "n_samples" in text):
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
    # over-samplers stack the input first, then the synthetic rows (x_res may hold only those: rows_only)
    return np.concatenate([np.arange(n), np.full(len(y_res) - n, -1)])


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
    work: pd.DataFrame, target: str, source: np.ndarray, preparer: Preparer | None,
    x_res: np.ndarray | None, y_codes: np.ndarray, labels: list[Hashable], matrix: np.ndarray | None,
    y: np.ndarray, roles: Roles, gaps: list[Hashable],
) -> pd.DataFrame | None:
    """The synthetic rows as a frame with the table's columns and dtypes (None when there are none):
    features decoded, constant columns filled, and the missing cells of the rows they were made
    from kept (see :func:`keep_missing`)."""
    is_synthetic = source < 0
    n_synthetic = int(is_synthetic.sum())
    if not n_synthetic:
        return None
    assert preparer is not None and x_res is not None
    n_original = len(source) - n_synthetic
    stacked = _stacked(source, len(work))
    if len(x_res) == n_synthetic:  # the new rows alone (samplers.rows_only)
        made = x_res
    else:
        made = x_res[n_original:] if stacked else x_res[is_synthetic]
    made_codes = y_codes[n_original:] if stacked else y_codes[is_synthetic]
    synthetic = preparer.inverse(made, work)
    synthetic[target] = cast_like(np.asarray(labels, dtype=object)[made_codes], work[target], n_synthetic)
    fill_constants(synthetic, work, roles)
    if gaps and matrix is not None:
        keep_missing(synthetic, work, gaps, roles, preparer, matrix, y, made, made_codes)
    return synthetic


def fill_constants(synthetic: pd.DataFrame, work: pd.DataFrame, roles: Roles) -> None:
    """Give synthetic rows the value of each constant column, in its dtype."""
    for column, reason in roles.excluded.items():
        if reason == "constant":
            value = work[column].dropna().iloc[0]
            synthetic[column] = cast_like(pd.Series([value] * len(synthetic), dtype=object),
                                          work[column], len(synthetic))


def gap_columns(work: pd.DataFrame, roles: Roles) -> list[Hashable]:
    """The columns synthetic rows fill (features and constants) that have missing cells."""
    filled = (*roles.features, *(c for c, r in roles.excluded.items() if r == "constant"))
    return [c for c in filled if work[c].isna().any()]


def keep_missing(
    synthetic: pd.DataFrame, work: pd.DataFrame, columns: list[Hashable], roles: Roles, preparer: Preparer,
    matrix: np.ndarray, y: np.ndarray, made: np.ndarray, made_codes: np.ndarray,
) -> None:
    """Give each synthetic row the missing cells of its donor: the original row of its class
    nearest to it, one of the rows it was made from.

    Imputation (medians, the missing level) is for the computation only; a synthetic row is
    written with a gap wherever its donor has one, so every class keeps its missing-value pattern
    and no imputed value shows up as a spike. A categorical cell decoded to the missing level
    where the donor has a value takes the donor's value.
    """
    donors = nearest_originals(_donor_space(preparer, matrix), y, _donor_space(preparer, made), made_codes)
    for column in columns:
        original = work[column]
        gap = original.isna().to_numpy()[donors]
        values = synthetic[column]
        if column in roles.categorical:
            fallback = pd.Series(original.to_numpy()[donors], dtype=original.dtype)
            values = values.where(~(values.isna().to_numpy() & ~gap), fallback)
        synthetic[column] = values.mask(gap)


def _donor_space(preparer: Preparer, matrix: np.ndarray) -> np.ndarray:
    """Rows in a space where the nearest original is one of a synthetic row's parents.

    SMOTE and its kin interpolate numbers between two rows of a class, so the numeric columns
    find them; SMOTENC's categories are its neighbours' most frequent ones, not its parents', so
    they are left out when there are numbers. An all-categorical table (SMOTEN) is compared on
    its categories, one-hot, as the one-hot encoding measures them.
    """
    if preparer.categories != "ordinal" or not preparer.roles.categorical:
        return matrix
    numeric = len(preparer.roles.numeric)
    if numeric:
        return matrix[:, :numeric]
    blocks = []
    for position, width in zip(preparer.categorical_indices, preparer.widths_):
        codes = np.clip(np.round(matrix[:, position]), 0, width - 1).astype("int64")
        block = np.zeros((len(matrix), width))
        block[np.arange(len(matrix)), codes] = 1.0
        blocks.append(block)
    return np.hstack(blocks)


def nearest_originals(matrix: np.ndarray, y: np.ndarray, made: np.ndarray, made_codes: np.ndarray) -> np.ndarray:
    """For each made row, the position of the nearest original row of the same class."""
    from sklearn.neighbors import NearestNeighbors

    donors = np.empty(len(made), dtype="int64")
    for code in np.unique(made_codes):
        rows = np.flatnonzero(y == code)
        wanted = np.flatnonzero(made_codes == code)
        search = NearestNeighbors(n_neighbors=1).fit(matrix[rows])
        donors[wanted] = rows[search.kneighbors(made[wanted], return_distance=False)[:, 0]]
    return donors


_EMPTY_WHY = {
    "identifier": "an identifier: a made-up row has none of its own",
    "text": "free text: it is not made up",
    "datetime": "a date: it is not a feature, so it is not made up",
    "empty": "empty in the input",
}


def _left_empty(roles: Roles) -> list[str]:
    """The notice naming the columns synthetic rows leave empty, and why."""
    groups: dict[str, list[str]] = {}
    for column, reason in roles.excluded.items():
        if reason != "constant":
            groups.setdefault(reason, []).append(str(column))
    if not groups:
        return []
    parts = [f"{_listed(columns)} ({_EMPTY_WHY.get(reason, reason)})" for reason, columns in groups.items()]
    return ["synthetic rows leave these columns empty: " + "; ".join(parts)]


#: A warning when a method keeps less than this share of the rows...
KEEP_SHARE = 0.10
#: ... or makes more than this many synthetic rows per original row of a class.
SYNTHETIC_PER_ORIGINAL = 10


def _size_warnings(before: Mapping[Hashable, int], rows_out: int, rows_in: int, labels: pd.Series,
                   synthetic: np.ndarray) -> list[str]:
    """Plain warnings about a result that may mislead: most rows thrown away, or a class made
    mostly of rows invented from few."""
    out = []
    kept = int((~synthetic).sum())
    if rows_in and kept < KEEP_SHARE * rows_in:
        out.append(f"only {kept:,} of {rows_in:,} rows ({kept / rows_in:.1%}) are kept: a model trained "
                   "on this file sees little of the data; compare it with class weights or a milder "
                   "sampling_strategy before using it")
    if synthetic.any():
        made = class_counts(labels[synthetic])
        for label, count in made.items():
            originals = before.get(label, 0)
            if originals and count > SYNTHETIC_PER_ORIGINAL * originals:
                out.append(f"class {label_str(label)!r}: {count:,} synthetic rows were made from "
                           f"{originals:,} originals ({count / originals:,.0f} to 1); they add little "
                           "that those rows do not say, so expect optimistic scores on this file")
    return out


def stack(originals: pd.DataFrame, synthetic: pd.DataFrame, order: np.ndarray | None = None) -> pd.DataFrame:
    """``originals`` then ``synthetic`` (same columns), reordered by ``order`` when given, as
    ``pd.concat`` would make them, but a column at a time: each synthetic column is dropped from
    ``synthetic`` once copied, so that the memory held is the result and one column more, not the
    result and every synthetic row. Column names are unique (:func:`plan` checks the target with
    :func:`~balancer.profiling.check_target`, which refuses repeated names)."""
    columns = []
    for position, column in enumerate(originals.columns):
        merged = pd.concat([originals.iloc[:, position], synthetic.pop(column)], ignore_index=True)
        if order is not None:
            merged = merged.iloc[order].reset_index(drop=True)
        columns.append(merged)
    out = pd.concat(columns, axis=1, keys=range(len(columns)))  # one block per column: no copy
    out.columns = originals.columns
    return out


def _finish(
    data: pd.DataFrame, work: pd.DataFrame, positions: np.ndarray, target: str, the_plan: Plan,
    params: dict[str, Any], seed: int, source: np.ndarray, handed: list[pd.DataFrame | None],
) -> Resampled:
    """The result: the original rows the sampler kept and the synthetic rows (``handed[0]``, taken
    over and emptied column by column), in the sampler's order."""
    notices = the_plan.notices
    synthetic = handed.pop()
    is_original = source >= 0
    n_original = int(is_original.sum())
    # over-samplers keep every input row, in order, and put the new ones after: no reordering copy
    stacked = _stacked(source, len(work))
    originals = work if stacked else work.iloc[source[is_original]]
    if synthetic is not None:
        order = None
        if not stacked:
            order = np.empty(len(source), dtype="int64")
            order[is_original] = np.arange(n_original)
            order[~is_original] = n_original + np.arange(len(synthetic))
        out = stack(originals, synthetic, order)
        del synthetic
        notices.extend(_left_empty(the_plan.roles))
    else:
        out = originals.reset_index(drop=True)
    notices.extend(_size_warnings(the_plan.counts, len(out), len(data), out[target], ~is_original))
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
    "check_output_size",
    "max_output_rows",
    "oversampled_sizes",
    "plan",
    "provenance",
    "resample",
    "resolve_method",
    "run_sampler",
    "stack",
]
