"""Column roles, imputation, encoding and scaling, shared by resample and evaluate.

:class:`Preparer` is a scikit-learn transformer: fitted on training rows only, it turns a table
into a float matrix (numbers imputed with the median and standardised; categories one-hot
encoded, or given as integer codes for SMOTENC/SMOTEN, a missing category being a level of its
own) and turns synthetic rows of that matrix back into the table's own values (integers rounded,
numbers clipped to the range seen and rounded to the decimals the column has, categories only
from those seen).

Imputation stays inside the computation: :func:`balancer.resample.resample` gives each synthetic
row the missing cells of the original row it was made from (see ``keep_missing`` there).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .profiling import FEATURE_KINDS, column_kind

MAX_LEVELS = 50
_ONE_HOT_SCALE = 1 / math.sqrt(2)  # two rows differing in one category are 1 apart


@dataclasses.dataclass(frozen=True)
class Roles:
    """Which columns take part in the computation, and how."""

    target: str
    numeric: tuple[str, ...]
    integer: tuple[str, ...]
    categorical: tuple[str, ...]
    excluded: dict[str, str]

    @property
    def features(self) -> tuple[str, ...]:
        """The feature columns in matrix order: numbers first, then categories."""
        return self.numeric + self.categorical


def column_roles(data: pd.DataFrame, target: str, kinds: dict[str, str] | None = None) -> Roles:
    """Decide each column's role; identifiers, text, dates, constant and empty columns are excluded."""
    numeric: list[str] = []
    integer: list[str] = []
    categorical: list[str] = []
    excluded: dict[str, str] = {}
    for column in data.columns:
        if column == target:
            continue
        series = data[column]
        kind = (kinds or {}).get(str(column)) or column_kind(series)
        present = series.dropna()
        if present.empty:
            excluded[column] = "empty"
        elif bool((present == present.iloc[0]).all()):
            excluded[column] = "constant"
        elif kind not in FEATURE_KINDS:
            excluded[column] = kind
        elif kind in ("numeric", "integer") and pd.api.types.is_numeric_dtype(series.dtype):
            numeric.append(column)
            if kind == "integer":
                integer.append(column)
        else:
            categorical.append(column)
    return Roles(target, tuple(numeric), tuple(integer), tuple(categorical), excluded)


def _as_float(series: pd.Series) -> np.ndarray:
    values = np.array(series.to_numpy(dtype="float64", na_value=np.nan), dtype="float64", copy=True)
    values[~np.isfinite(values)] = np.nan
    return values


class Preparer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Impute, encode and scale a table's feature columns into a float matrix, and back.

    ``categories="onehot"`` gives one column per kept level (distances treat a different category
    like one standard deviation); ``"ordinal"`` gives one integer-code column per categorical
    feature, at the positions :attr:`categorical_indices`, for SMOTENC and SMOTEN.

    It takes a pandas DataFrame and finds its columns by the names in ``roles`` (other columns,
    such as the target, are ignored), so a bare array is refused with a :class:`TypeError`.
    """

    def __init__(self, roles: Roles, categories: str = "onehot", max_levels: int = MAX_LEVELS):
        self.roles = roles
        self.categories = categories
        self.max_levels = max_levels

    # -- fitting
    def fit(self, data: pd.DataFrame, y: Any = None) -> Preparer:
        """Learn medians, means, spreads, ranges and category levels from ``data``."""
        _check_frame(data)
        stats = []
        for column in self.roles.numeric:
            values = _as_float(data[column])
            finite = values[~np.isnan(values)]
            if finite.size == 0:
                finite = np.zeros(1)
            median = float(np.median(finite))
            filled = np.where(np.isnan(values), median, values)
            std = float(filled.std()) or 1.0
            stats.append((median, float(filled.mean()), std, float(finite.min()), float(finite.max())))
        self.numeric_stats_ = stats
        levels = []
        for column in self.roles.categorical:
            counts = data[column].dropna().value_counts()
            if counts.empty:
                counts = pd.Series({"": 1})
            ordered = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
            kept = [k for k, _ in ordered[: self.max_levels - 1]]
            rest = [k for k, _ in ordered[self.max_levels - 1:]]
            # rare levels share one code; synthetic rows there get the most frequent rare level
            levels.append((kept, rest[0] if rest else None))
        self.levels_ = levels
        # a missing category is a level of its own (the last code): imputing the mode would make
        # the mode a synthetic row's category wherever its neighbours had a gap
        self.missing_level_ = [bool(data[column].isna().any()) for column in self.roles.categorical]
        self.widths_ = [len(kept) + (other is not None) + missing
                        for (kept, other), missing in zip(levels, self.missing_level_)]
        return self

    @property
    def categorical_indices(self) -> list[int]:
        """Positions of the categorical code columns (``categories="ordinal"`` only)."""
        start = len(self.roles.numeric)
        return list(range(start, start + len(self.roles.categorical)))

    # -- forward
    def transform(self, data: pd.DataFrame) -> np.ndarray:
        """Return the float matrix for ``data`` (rows in the same order)."""
        check_is_fitted(self)
        _check_frame(data)
        n = len(data)
        blocks: list[np.ndarray] = []
        if self.roles.numeric:
            numeric = np.empty((n, len(self.roles.numeric)), dtype="float64")
            for j, (column, (median, mean, std, _, _)) in enumerate(
                zip(self.roles.numeric, self.numeric_stats_)
            ):
                values = _as_float(data[column])
                target = numeric[:, j]
                np.subtract(np.where(np.isnan(values), median, values), mean, out=target)
                np.divide(target, std, out=target)
            blocks.append(numeric)
        for column, (kept, other), width, missing_level in zip(
            self.roles.categorical, self.levels_, self.widths_, self.missing_level_
        ):
            codes = self._codes(data[column], kept, other, width - 1 if missing_level else 0)
            if self.categories == "ordinal":
                blocks.append(codes.astype("float64").reshape(-1, 1))
            else:
                block = np.zeros((n, width), dtype="float64")
                block[np.arange(n), codes] = _ONE_HOT_SCALE
                blocks.append(block)
        if not blocks:
            return np.zeros((n, 0), dtype="float64")
        return blocks[0] if len(blocks) == 1 else np.hstack(blocks)

    @staticmethod
    def _codes(series: pd.Series, kept: list[Any], other: Any, missing_code: int) -> np.ndarray:
        try:  # -1 for a missing value or a level not kept
            codes = pd.Index(kept).get_indexer(series).astype("int64")
        except (TypeError, ValueError, pd.errors.InvalidIndexError):  # levels of mixed types: compare as text
            text = series.map(lambda v: None if pd.isna(v) else str(v))
            codes = pd.Index([str(k) for k in kept]).get_indexer(text).astype("int64")
        missing = series.isna().to_numpy()
        codes[codes < 0] = len(kept) if other is not None else 0
        codes[missing] = missing_code  # its own level, or the mode when fitted without gaps
        return codes

    # -- backward
    def inverse(self, matrix: np.ndarray, template: pd.DataFrame) -> pd.DataFrame:
        """Turn rows of the matrix back into the table's values, with the dtypes of ``template``.

        Integers are rounded, numbers clipped to the fitted range and rounded to the decimals the
        column has in ``template``, categories decoded to levels seen when fitting (the missing
        level to a missing value). Columns that were not features are left missing.
        """
        check_is_fitted(self)
        n = matrix.shape[0]
        out: dict[str, Any] = {}
        position = 0
        for column, (_, mean, std, low, high) in zip(self.roles.numeric, self.numeric_stats_):
            values = np.clip(matrix[:, position] * std + mean, low, high)
            places = 0 if column in self.roles.integer else decimals(_as_float(template[column]))
            out[column] = values if places is None else np.round(values, places)
            position += 1
        for column, (kept, other), width, missing_level in zip(
            self.roles.categorical, self.levels_, self.widths_, self.missing_level_
        ):
            if self.categories == "ordinal":
                codes = np.clip(np.round(matrix[:, position]), 0, width - 1).astype("int64")
                position += 1
            else:
                codes = matrix[:, position:position + width].argmax(axis=1)
                position += width
            choices = np.array(list(kept) + ([other] if other is not None else [])
                               + ([None] if missing_level else []), dtype=object)
            out[column] = choices[codes]
        # a column at a time, each freed once cast, and joined without a copy (one block per column)
        columns = [cast_like(out.pop(column, None), template.iloc[:, position], n).reset_index(drop=True)
                   for position, column in enumerate(template.columns)]
        frame = pd.concat(columns, axis=1, keys=range(len(columns))) if columns else pd.DataFrame(index=pd.RangeIndex(n))
        frame.columns = template.columns
        return frame


def decimals(values: np.ndarray, most: int = 10, sample: int = 200_000) -> int | None:
    """The fewest decimal places that write every value of a column exactly (None: more than
    ``most``, keep full precision). Looks at an evenly spaced sample of a long column."""
    finite = values[np.isfinite(values)]
    if finite.size > sample:
        finite = finite[:: finite.size // sample + 1]
    if finite.size == 0:
        return None
    tolerance = 1e-9 * np.maximum(np.abs(finite), 1.0)
    for places in range(most + 1):
        if bool(np.all(np.abs(np.round(finite, places) - finite) <= tolerance)):
            return places
    return None


def _check_frame(data: Any) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"Preparer takes a pandas DataFrame with the columns its roles name; got "
                        f"{type(data).__name__}")


def cast_like(values: Any, like: pd.Series, n: int) -> pd.Series:
    """Return ``values`` (or ``n`` missing values when None) with the dtype of ``like``.

    A dtype that cannot hold a missing value (``int64``, ``bool``) becomes its nullable form only
    when missing values must be written.
    """
    dtype = like.dtype
    if values is None:
        if pd.api.types.is_integer_dtype(dtype):
            return pd.Series(pd.array([pd.NA] * n, dtype="Int64"))
        if pd.api.types.is_bool_dtype(dtype):
            return pd.Series(pd.array([pd.NA] * n, dtype="boolean"))
        return pd.Series([None] * n, dtype=object).astype(dtype)
    series = pd.Series(values)
    if pd.api.types.is_bool_dtype(dtype):
        return series.astype(bool).astype(dtype)
    if pd.api.types.is_numeric_dtype(dtype):
        return series.astype("float64").astype(dtype)
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Series(pd.Categorical(series, categories=dtype.categories, ordered=dtype.ordered))
    return series.astype(dtype)


__all__ = ["MAX_LEVELS", "Preparer", "Roles", "cast_like", "column_roles", "decimals"]
