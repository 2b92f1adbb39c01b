"""Writing a table as CSV: fast (Arrow to polars' multi-threaded writer) and safe to open in a
spreadsheet (cells and header names that would run as a formula are escaped)."""

from __future__ import annotations

import io
import os
import re
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

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


def _csv_field(text: str) -> str:
    """A field quoted as polars quotes with ``quote_style="necessary"``."""
    if text == "" or any(char in text for char in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_header(data: pd.DataFrame, *, escape: bool = True) -> bytes:
    """The header line of :func:`write_csv`: names quoted when they must be, and escaped against
    formulas like the cells (``=HYPERLINK(...)`` as a column name becomes ``'=HYPERLINK(...)``)."""
    names = [str(c) for c in data.columns]
    if escape:
        names = [escape_formula(n) for n in names]
    return (",".join(_csv_field(n) for n in names) + "\r\n").encode("utf-8")


def _write_rows(table: pa.Table, sink: Any) -> None:
    if table.num_columns == 0:
        return
    # positional names: the header is written separately, so duplicate names are no trouble
    frame = pl.from_arrow(table.rename_columns([f"c{i}" for i in range(table.num_columns)]))
    assert isinstance(frame, pl.DataFrame)
    frame.write_csv(sink, line_terminator="\r\n", quote_style="necessary", include_header=False)


def write_csv(data: pd.DataFrame, *, escape: bool = True) -> bytes:
    """Return the frame as RFC 4180 CSV bytes (UTF-8, header row, ``\\r\\n`` line ends).

    String cells and header names that begin with ``=``, ``+``, ``-``, ``@``, tab or carriage
    return are prefixed with ``'`` so that a spreadsheet shows them instead of running them
    (numbers are untouched). Cells are quoted only when they must be; missing values are empty.
    The table goes through Arrow to polars' multi-threaded CSV writer.
    """
    sink = io.BytesIO()
    sink.write(csv_header(data, escape=escape))
    _write_rows(to_arrow(data, escape=escape), sink)
    return sink.getvalue()


def write_csv_file(data: pd.DataFrame, path: str | os.PathLike[str], *, escape: bool = True,
                   chunk_rows: int = 200_000) -> int:
    """Write the same bytes as :func:`write_csv` to ``path``, a block of rows at a time, so the
    whole CSV text is never in memory. Returns the number of bytes written."""
    with open(path, "wb") as sink:
        sink.write(csv_header(data, escape=escape))
        for start in range(0, len(data), chunk_rows):
            _write_rows(to_arrow(data.iloc[start:start + chunk_rows], escape=escape), sink)
        return sink.tell()
