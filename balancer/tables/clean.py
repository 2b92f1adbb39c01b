"""The last step of every read: header names made usable, cells stripped, missing values and types.

Notices about what was done to the input (an encoding fallback, renamed duplicate headers,
infinite values) travel with the frame in ``DataFrame.attrs["notices"]`` as ``{"code",
"message"}`` dicts; :func:`balancer.profiling.profile` turns them into warnings.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from .numbers import STANDARD, Decimals, NumberFormat, Width, parse

#: Cell values read as missing (after stripping surrounding spaces).
NULL_TOKENS: tuple[str, ...] = (
    "", "?", "NA", "N/A", "n/a", "na", "NaN", "nan", "NAN", "null", "NULL", "Null", "#N/A",
)
_TRUTH = {"true": True, "false": False}


class Shared(dict):  # type: ignore[type-arg]
    """A dict in ``DataFrame.attrs`` that copies of the frame share instead of copying: pandas
    deep-copies ``attrs`` on every column access, and a record with an entry per column (the
    decimals, widths and spellings of ``attrs["format"]``) made a loop over 2,000 columns take
    seconds. It is never changed after it is made (a changed record is a new one)."""

    def __deepcopy__(self, memo: dict[int, object]) -> Shared:
        return self

    def __reduce__(self) -> tuple[type, tuple[dict]]:  # type: ignore[type-arg]
        return Shared, (dict(self),)


def notice(frame: pd.DataFrame, code: str, message: str) -> None:
    """Record what was done to the input on the frame (see the module)."""
    frame.attrs.setdefault("notices", []).append({"code": code, "message": message})


def clean_headers(raw: Iterable[object]) -> tuple[list[str], list[tuple[str, str]]]:
    """Strip header names, name empty ones (``column_N``, N its position), and rename duplicates
    (``a``, ``a_2``, ...); the pairs say what was renamed (``("", "column_5")`` for a name given)."""
    names: list[str] = []
    seen: set[str] = set()
    renamed: list[tuple[str, str]] = []
    for position, value in enumerate(raw, start=1):
        base = "" if value is None else str(value).strip()
        unnamed = not base or base.lower().startswith("unnamed:")
        if unnamed:
            base = f"column_{position}"
        candidate, n = base, 1
        while candidate in seen:
            n += 1
            candidate = f"{base}_{n}"
        if unnamed:
            renamed.append(("", candidate))
        elif candidate != base:
            renamed.append((base, candidate))
        seen.add(candidate)
        names.append(candidate)
    return names, renamed


def report_renamed(frame: pd.DataFrame, renamed: list[tuple[str, str]]) -> None:
    """Notices naming the duplicate headers :func:`clean_headers` renamed and the columns without
    a name it named."""
    duplicates = [(old, new) for old, new in renamed if old]
    if duplicates:
        pairs = ", ".join(f"{old!r} -> {new!r}" for old, new in duplicates[:10])
        notice(frame, "duplicate_headers", f"duplicate column names were renamed: {pairs}")
    unnamed = [new for old, new in renamed if not old]
    if unnamed:
        names = ", ".join(unnamed[:10]) + (f" and {len(unnamed) - 10:,} more" if len(unnamed) > 10 else "")
        notice(frame, "unnamed_columns", f"columns without a name in the header were named {names}")


def clean_frame(frame: pd.DataFrame, *, convert_objects: bool = False,
                numbers: NumberFormat = STANDARD, decimals: dict[str, int] | None = None,
                widths: dict[str, int] | None = None, spellings: dict[str, str] | None = None) -> pd.DataFrame:
    """Strip string cells, turn null tokens into missing values, and type text-only numbers.

    ``convert_objects``: type every text column even when stripping changed nothing (columns of
    mixed Python objects, as a workbook gives, are always typed). ``numbers``: how the file writes
    its numbers; with another format than the standard one every text column is typed (the parser
    read only standard numbers). ``decimals``: where to add the fewest decimals of each text
    column read here as floats (:class:`~balancer.tables.numbers.Decimals`); ``widths``: where to
    add the width of each one read here as zero-padded whole numbers
    (:class:`~balancer.tables.numbers.Width`); ``spellings``: where to add how each column read
    here as true/false spells them (:func:`spelled`).
    """
    convert_objects = convert_objects or not numbers.standard
    nulls = set(NULL_TOKENS)
    for column in frame.columns:
        series = frame[column]
        if not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
            if pd.api.types.is_float_dtype(series.dtype):
                _drop_infinite(frame, column)
            continue
        if series.dtype == object and not convert_objects:
            if not all(isinstance(v, str) for v in series.dropna().head(1000)):
                convert_objects = True
        text = series.astype("str") if series.dtype == object else series
        stripped = text.str.strip()
        stripped = stripped.mask(stripped.isin(nulls))
        if convert_objects or bool((stripped.fillna("") != text.fillna("")).any()):
            frame[column] = typed = _typed(stripped, numbers)
            if decimals is not None and typed.dtype == "float64":
                seen = Decimals()
                seen.add(pa.array(stripped.where(typed.notna()), type=pa.string()), numbers.decimal)
                places = seen.places()
                if places is not None:
                    decimals[str(column)] = places
            if spellings is not None and pd.api.types.is_bool_dtype(typed.dtype) and str(column) not in spellings \
                    and all(isinstance(v, str) for v in series.dropna().head(100)):  # text, not Python's bools
                spelling = spelled(stripped.dropna().unique().tolist())
                if spelling is not None:
                    spellings[str(column)] = spelling
            if widths is not None and pd.api.types.is_integer_dtype(typed.dtype) and numbers.thousands is None:
                width = Width()
                width.add(pa.array(stripped.where(typed.notna()), type=pa.string()))
                if width.places() is not None:
                    widths[str(column)] = width.places()  # type: ignore[assignment]
    return frame


def is_code(cells: pd.Series) -> bool:
    """Whether text cells are all plain digits (a sign at most) and some are too long for a float
    to hold exactly (2**53 and more): a code, not a quantity."""
    text = cells.astype("str")
    return bool(text.str.fullmatch(r"[+-]?\d+").all()) and bool((text.str.lstrip("+-").str.len() >= 16).any()) \
        and bool((pd.to_numeric(text, errors="coerce").abs() >= 2**53).any())


def spelled(values: list[str]) -> str | None:
    """How true/false cells are spelled when they all are one way other than the writer's own
    lower case: ``"TRUE"`` (a spreadsheet's ``TRUE``/``FALSE``) or ``"True"``; else None."""
    for spelling in ("TRUE", "True"):
        if values and set(values) <= {spelling, spelling.replace("TRUE", "FALSE").replace("True", "False")}:
            return spelling
    return None


def whole_numbers(numbers: pd.Series) -> pd.Series | None:
    """``numbers`` (floats, NaN for gaps) as whole numbers (int64, or Int64 with gaps) when every
    finite one is whole and a float holds it exactly (under 2**53); else None."""
    values = numbers.to_numpy(dtype="float64")
    finite = values[np.isfinite(values)]
    if finite.size and np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 2**53):
        return numbers.astype("Int64" if bool(numbers.isna().any()) else "int64")
    return None


def _drop_infinite(frame: pd.DataFrame, column: object) -> None:
    """Infinite values become missing, with a notice."""
    series = frame[column]
    if np.isinf(series.to_numpy()).any():
        notice(frame, "infinite", f"column {column!r} holds infinite values; they are treated as missing")
        frame[column] = series.replace([np.inf, -np.inf], np.nan)


def _typed(stripped: pd.Series, number_format: NumberFormat = STANDARD) -> pd.Series:
    """Stripped text as whole numbers, numbers or booleans when every value is one, else text.
    Digits alone beyond what a float holds exactly (a 17- or 20-digit code) stay text: as numbers
    they would be written back with other digits."""
    numbers = parse(stripped, number_format)
    present = stripped.notna()
    if present.any() and bool(numbers[present].notna().all()):
        whole = whole_numbers(numbers)
        if whole is not None:
            return whole
        if is_code(stripped[present]):  # 64-bit integers when they fit, else text
            if pd.to_numeric(stripped[present].astype("str"), errors="coerce").dtype == "int64":
                return stripped.map(lambda v: None if pd.isna(v) else int(v)).astype(
                    "Int64" if stripped.isna().any() else "int64")
            return stripped.astype("str")
        return numbers.astype("float64")
    lowered = stripped.str.lower()
    if present.any() and bool(lowered[present].isin(list(_TRUTH)).all()):
        return lowered.map(_TRUTH).astype("boolean" if stripped.isna().any() else "bool")
    return stripped.astype("str")
