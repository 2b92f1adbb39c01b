"""Writing a table as CSV: fast (Arrow to polars' multi-threaded writer) and safe to open in a
spreadsheet (cells and header names that would run as a formula are escaped).

How the text is written follows a :class:`~balancer.tables.dialect.Dialect` (standard CSV by
default; :meth:`Dialect.of` gives the input's): the delimiter, the decimal mark, the encoding (a
Windows-1252 export is written in Windows-1252, a UTF-8 file with a byte order mark gets it back),
the line end, the decimals of a float column (``12,00`` stays ``12,00``, not ``12,0``: only zeros
are added, never a value changed), the width of zero-padded whole numbers (``00117``), the token
of a missing cell (``?``; per column where the input's columns differ) and the spelling of
true/false (``TRUE``). Datetime columns are written
as they read: a date when every value is at midnight, else the date and the time to the second
(fractions of a second only when some value has them), with the offset when the column has a time
zone.
"""

from __future__ import annotations

import codecs
import dataclasses
import io
import os
import re
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import DataError
from .dialect import Dialect

_FORMULA_START = re.compile(r"^[=+\-@\t\r]")


def escape_formulas(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Prefix string cells that a spreadsheet would run as a formula with a single quote."""
    risky = pc.match_substring_regex(values, _FORMULA_START.pattern)
    if not pc.any(risky).as_py():
        return values
    return pc.if_else(risky, pc.binary_join_element_wise("'", values, ""), values)


def escape_formula(text: str) -> str:
    """One cell or header name escaped like :func:`escape_formulas` escapes cells."""
    return "'" + text if _FORMULA_START.match(text) else text


def to_arrow(data: pd.DataFrame, *, escape: bool = True) -> pa.Table:
    """Convert a frame to Arrow for writing: categories as strings, formulas escaped (in cells;
    the header is escaped by the writers)."""
    columns: list[pa.Array | pa.ChunkedArray] = []
    for column in data.columns:
        series = data[column]
        try:
            array = pa.chunked_array([pa.array(series, from_pandas=True)])
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            array = pa.chunked_array(
                [pa.array(series.map(lambda v: None if pd.isna(v) else str(v)), type=pa.string())]
            )
        if pa.types.is_dictionary(array.type):
            array = array.cast(array.type.value_type)
        if pa.types.is_large_string(array.type):
            array = array.cast(pa.string())
        if escape and pa.types.is_string(array.type):
            array = escape_formulas(array)
        columns.append(array)
    return pa.Table.from_arrays(columns, names=[str(c) for c in data.columns])


def _csv_field(text: str, delimiter: str = ",") -> str:
    """A field quoted as polars quotes with ``quote_style="necessary"``."""
    if text == "" or any(char in text for char in (delimiter, '"', "\n", "\r")):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_header(data: pd.DataFrame, *, escape: bool = True, dialect: Dialect | None = None) -> bytes:
    """The header line of :func:`write_csv`: names quoted when they must be, and escaped against
    formulas like the cells (``=HYPERLINK(...)`` as a column name becomes ``'=HYPERLINK(...)``)."""
    dialect = dialect or Dialect.STANDARD
    names = [str(c) for c in data.columns]
    if escape:
        names = [escape_formula(n) for n in names]
    return (dialect.delimiter.join(_csv_field(n, dialect.delimiter) for n in names) + dialect.line_end).encode("utf-8")


def _time_formats(data: pd.DataFrame) -> dict[int, str]:
    """The strftime format of each datetime column (by position), decided on the whole column
    so that every block of rows is written alike (see the module)."""
    formats: dict[int, str] = {}
    for position in range(data.shape[1]):
        series = data.iloc[:, position]
        if not pd.api.types.is_datetime64_any_dtype(series.dtype):
            continue
        values = series.dropna()
        zoned = getattr(series.dt, "tz", None) is not None
        if not zoned and bool((values == values.dt.normalize()).all()):
            formats[position] = "%Y-%m-%d"
            continue
        nanos = values.dt.microsecond.to_numpy() * 1000 + values.dt.nanosecond.to_numpy()
        digits = (0 if not nanos.any() else 3 if not (nanos % 1_000_000).any()
                  else 6 if not (nanos % 1000).any() else 9)
        formats[position] = ("%Y-%m-%d %H:%M:%S" + (f"%.{digits}f" if digits else "")
                             + ("%:z" if zoned else ""))
    return formats


def _paddings(data: pd.DataFrame, dialect: Dialect) -> dict[int, tuple[int, bool]]:
    """For each float column the dialect gives decimals for (by position): the places, and whether
    every value is written exactly with that many (then it is written as a decimal of that scale,
    polars' fast path; else each value's shortest text is padded, :func:`_padded`); none for a
    column of whole values with 0 places, which keeps its ``.0`` so that it reads back as floats. Decided on
    the whole column, like :func:`_time_formats`, so that every block of rows is written alike."""
    places = dict(dialect.decimals)
    found: dict[int, tuple[int, bool]] = {}
    for position, name in enumerate(map(str, data.columns)):
        series = data.iloc[:, position]
        if name not in places or series.dtype != "float64":
            continue
        scale = places[name]
        values = series.to_numpy()
        values = values[~np.isnan(values)]
        with np.errstate(invalid="ignore", over="ignore"):
            scaled = np.abs(values) * 10.0 ** scale
            exact = bool(np.all(scaled < 2.0 ** 53)  # every digit exact (no infinity, never an exponent)
                         and np.all(np.round(scaled) / 10.0 ** scale == np.abs(values))
                         and not np.any((values == 0) & np.signbit(values)))  # a decimal has no -0.00
        if scale == 0 and exact:  # every value whole: written as 2.0, or the file would read back as integers
            continue
        found[position] = (scale, exact)
    return found


def _widths(data: pd.DataFrame, dialect: Dialect) -> dict[int, int]:
    """For each whole-number column the dialect gives a width for (by position): the width, when
    every value fits it (no sign, no more digits); decided on the whole column."""
    widths = dict(dialect.widths)
    found: dict[int, int] = {}
    for position, name in enumerate(map(str, data.columns)):
        series = data.iloc[:, position]
        if name in widths and pd.api.types.is_integer_dtype(series.dtype):
            values = series.dropna()
            if len(values) and values.min() >= 0 and values.max() < 10 ** widths[name]:
                found[position] = widths[name]
    return found


def _padded(column: pl.Expr, places: int, decimal: str) -> pl.Expr:
    """Each float's shortest text (as polars writes it) with at least ``places`` decimals: zeros
    added (``12.0`` -> ``12.00``) or, for 0, a ``.0`` taken off (``2.0`` -> ``2``; a negative
    zero stays ``-0.0``); values in exponent form, infinities and NaN as they are. Only zeros are
    added or taken: no value changes."""
    text = column.cast(pl.String)
    if places == 0:  # whole values as whole numbers (polars' text of them ends in ".0"; -0.0 kept)
        whole = (column == column.round(0)) & (column.abs() < 1e15) & ((column != 0) | (1.0 / column > 0))
        text = pl.when(whole).then(column.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(text)
    else:
        point = text.str.find(".", literal=True)
        shown = text.str.len_bytes().cast(pl.Int64) - point.cast(pl.Int64) - 1
        zeros = pl.lit("0" * places).str.slice(0, (places - shown).clip(lower_bound=0))
        plain = point.is_not_null() & ~text.str.contains("e", literal=True)
        text = pl.when(plain).then(text + zeros).otherwise(text)
    return text.str.replace(".", decimal, literal=True) if decimal != "." else text


def _write_rows(table: pa.Table, sink: Any, dialect: Dialect, times: dict[int, str],
                paddings: dict[int, tuple[int, bool]], widths: dict[int, int]) -> None:
    if table.num_columns == 0:
        return
    # positional names: the header is written separately, so duplicate names are no trouble
    frame = pl.from_arrow(table.rename_columns([f"c{i}" for i in range(table.num_columns)]))
    assert isinstance(frame, pl.DataFrame)
    schema = frame.schema  # (polars builds it anew on every call)
    dated = [pl.col(f"c{i}").dt.to_string(form) for i, form in times.items()
             if isinstance(schema[f"c{i}"], pl.Datetime)]
    dated += [(pl.col(f"c{i}").cast(pl.Decimal(38, places)) if exact
               else _padded(pl.col(f"c{i}"), places, dialect.decimal)).alias(f"c{i}")
              for i, (places, exact) in paddings.items() if isinstance(schema[f"c{i}"], pl.Float64)]
    dated += [pl.col(f"c{i}").cast(pl.String).str.zfill(digits) for i, digits in widths.items()
              if schema[f"c{i}"].is_integer()]
    spellings = dict(dialect.booleans)
    dated += [pl.when(pl.col(f"c{i}")).then(pl.lit(spellings[name]))
              .when(~pl.col(f"c{i}")).then(pl.lit("FALSE" if spellings[name] == "TRUE" else "False")).alias(f"c{i}")
              for i, name in enumerate(table.column_names)
              if name in spellings and isinstance(schema[f"c{i}"], pl.Boolean)]
    if dated:
        frame = frame.with_columns(dated)
    tokens = {name: token for name, token in dialect.missings if token != dialect.missing}
    if tokens:  # a column whose gaps the input wrote otherwise than the file's token: as text, filled
        schema = frame.schema
        filled = []
        for i, name in enumerate(table.column_names):
            kind = schema[f"c{i}"]
            if name not in tokens or not (kind == pl.String or kind.is_numeric() or kind == pl.Boolean):
                continue
            text = pl.col(f"c{i}").cast(pl.String)  # (polars' text of a float is the one it writes)
            if kind.is_float() and dialect.decimal != ".":
                text = text.str.replace(".", dialect.decimal, literal=True)
            filled.append(text.fill_null(pl.lit(tokens[name])).alias(f"c{i}"))
        frame = frame.with_columns(filled)
    frame.write_csv(sink, separator=dialect.delimiter, decimal_comma=dialect.decimal == ",",
                    line_terminator=dialect.line_end, quote_style="necessary", include_header=False,
                    null_value=dialect.missing)


#: What each encoding of :data:`~balancer.tables.dialect.ENCODINGS` starts the file with, and
#: the codec of what follows (None: UTF-8 as polars writes it).
_ENCODERS: dict[str, tuple[bytes, str | None]] = {
    "utf-8": (b"", None), "utf-8-sig": (codecs.BOM_UTF8, None), "utf-16": (codecs.BOM_UTF16_LE, "utf-16-le"),
    "cp1252": (b"", "cp1252"), "latin-1": (b"", "latin-1")}


def _encoded(text: bytes, codec: str | None) -> bytes:
    """UTF-8 ``text`` in ``codec``; a character the input's encoding cannot hold (the input held
    none: it comes from elsewhere) is a :class:`DataError`."""
    if codec is None:
        return text
    try:
        return text.decode("utf-8").encode(codec)
    except UnicodeEncodeError as exc:
        raise DataError(f"{exc.object[exc.start:exc.end]!r} cannot be written in {codec}, the input's "
                        "encoding; write standard CSV (UTF-8) instead") from None


def writable(data: pd.DataFrame, dialect: Dialect) -> Dialect:
    """``dialect``, or the same in UTF-8 with a byte order mark when the table holds a character
    its legacy encoding (cp1252, latin-1) cannot: a header name or a text cell from elsewhere than
    the input (a model's labels), which :func:`write_csv` would refuse."""
    codec = _ENCODERS[dialect.encoding][1]
    if codec not in ("cp1252", "latin-1"):
        return dialect
    texts = [str(c) for c in data.columns]
    for position in range(data.shape[1]):
        series = data.iloc[:, position]
        if not (pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype)
                or pd.api.types.is_datetime64_any_dtype(series.dtype)):
            texts.extend(str(v) for v in pd.unique(series.dropna()))
    try:
        "\n".join(texts).encode(codec)
    except UnicodeEncodeError:
        return dataclasses.replace(dialect, encoding="utf-8-sig")
    return dialect


def write_csv(data: pd.DataFrame, *, escape: bool = True, dialect: Dialect | None = None) -> bytes:
    """Return the frame as RFC 4180 CSV bytes (header row, ``\\r\\n`` line ends and UTF-8 unless the
    dialect says the input's).

    String cells and header names that begin with ``=``, ``+``, ``-``, ``@``, tab or carriage
    return are prefixed with ``'`` so that a spreadsheet shows them instead of running them
    (numbers are untouched). Cells are quoted only when they must be; missing values are empty
    unless the dialect gives the input's token. ``dialect``: how the text is written (see the
    module; default: standard CSV, comma and decimal point, UTF-8, CRLF). A character the
    dialect's encoding cannot hold is a :class:`DataError` (:func:`writable` picks UTF-8 first).
    Datetime columns are written as dates when every value is at midnight (see the module).
    The table goes through Arrow to polars' multi-threaded CSV writer.
    """
    dialect = dialect or Dialect.STANDARD
    start, codec = _ENCODERS[dialect.encoding]
    sink = io.BytesIO()
    sink.write(csv_header(data, escape=escape, dialect=dialect))
    _write_rows(to_arrow(data, escape=escape), sink, dialect, _time_formats(data), _paddings(data, dialect),
                _widths(data, dialect))
    return start + _encoded(sink.getvalue(), codec)


def write_csv_file(data: pd.DataFrame, path: str | os.PathLike[str], *, escape: bool = True,
                   chunk_rows: int = 200_000, dialect: Dialect | None = None) -> int:
    """Write the same bytes as :func:`write_csv` to ``path``, a block of rows at a time, so the
    whole CSV text is never in memory. Returns the number of bytes written."""
    dialect = dialect or Dialect.STANDARD
    times, paddings, widths = _time_formats(data), _paddings(data, dialect), _widths(data, dialect)
    first, codec = _ENCODERS[dialect.encoding]
    with open(path, "wb") as sink:
        sink.write(first + _encoded(csv_header(data, escape=escape, dialect=dialect), codec))
        for start in range(0, len(data), chunk_rows):
            block = to_arrow(data.iloc[start:start + chunk_rows], escape=escape)
            if codec is None:
                _write_rows(block, sink, dialect, times, paddings, widths)
                continue
            text = io.BytesIO()
            _write_rows(block, text, dialect, times, paddings, widths)
            sink.write(_encoded(text.getvalue(), codec))
        return sink.tell()
