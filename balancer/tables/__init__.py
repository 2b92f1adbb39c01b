"""Read a table from bytes or a path; write CSV fast and safely.

Reading is split into small steps, one module each, so another engine can reuse the ones it needs:

==============  ==============================================================================
``files``       open a path with a bound (devices refused, pipes and ``/proc`` read bounded)
``formats``     detect the format from the content, undo gzip (bounded), dispatch
``text``        CSV/TSV/TXT: decode, find the delimiter and the header, parse with Arrow
``header``      the header row: title and blank rows above it found (text and workbooks alike)
``numbers``     the decimal mark and thousands separator found from the data; numbers read by it
``xlsx``        a workbook's parts; ``sheet``: the streaming worksheet reader; ``safexml``: expat
``parquet``     the footer and (``pages``, ``thrift``) every page header checked before Arrow reads
``arrow``       Arrow's memory pool (chosen on first use), its input buffers, Arrow to pandas
``clean``       header names, stripped cells, null tokens and types: the last step of every read
``limits``      :class:`Limits`, the memory :class:`Budget` of a file, the refusal messages
``write``       CSV writing with formula escaping, in a :class:`Dialect` (``dialect``)
==============  ==============================================================================

Notices about what was done to the input (an encoding fallback, renamed duplicate headers, title
rows skipped) travel with the frame in ``DataFrame.attrs`` under ``"notices"`` as a list of
``{"code", "message"}`` dicts; :func:`balancer.profiling.profile` turns them into warnings.

What the reader found is recorded in ``DataFrame.attrs["format"]``, a JSON-able dict:
``{"kind": "csv"|"tsv"|"txt", "delimiter", "decimal", "thousands", "header_row", "encoding",
"decimals", "widths", "missing", "booleans"}`` for text (``delimiter`` one of ``, ; TAB |`` or
``"whitespace"``; ``thousands`` ``"."``, ``","``, ``" "`` or None; ``encoding`` ``"utf-8"``,
``"utf-8-sig"`` (a byte order mark), ``"utf-16"``, ``"cp1252"`` or ``"latin-1"``; the last four say
how the file writes its values, for the writer to write them so: the fewest decimals of float
columns, the width of zero-padded whole numbers, the one token of a missing cell or None, the
spelling of true/false), ``{"kind": "xlsx", "sheet", "sheets", "header_row"}`` for a workbook and
``{"kind": "parquet"}``. ``header_row`` is the row a text editor or spreadsheet shows (from 1, blank
rows counted). :meth:`Dialect.of` reads it back for writing in the input's dialect.

Reading is defended against hostile files (see :class:`Limits`): every reader bounds what a file
expands to *before* it expands — decompressed bytes, rows, columns, cell size and the table's size
in memory — and refuses with a :class:`~balancer.errors.LimitError` that names the limit and the
environment variable that raises it. The memory budget of a file of ``S`` bytes is
``max(64 MB, max_expansion x S)``, capped by ``max_memory`` (see :meth:`Limits.budget`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..errors import DataError, LimitError
from .arrow import arrow_to_pandas
from .clean import NULL_TOKENS, clean_headers
from .dialect import Dialect
from .files import ParquetPath, open_path
from .formats import check_choices, detect_format, read_bytes
from .header import check_header_row
from .limits import Budget, Limits, check_table, too_big
from .parquet import read_parquet
from .text import decode_text, sniff_delimiter
from .write import csv_header, escape_formula, escape_formulas, to_arrow, writable, write_csv, write_csv_file
from .xlsx import worksheet_names

#: File name endings Balancer reads.
EXTENSIONS: tuple[str, ...] = ("csv", "tsv", "txt", "xlsx", "parquet")
#: Endings the upload widget accepts: only what Balancer reads (a macro workbook, .xlsm, is read
#: like .xlsx; gzip holds one of the others). A zip archive or an old .xls that arrives anyway
#: (renamed, or on the command line) still gets its specific explanation from the reader.
UPLOAD_EXTENSIONS: tuple[str, ...] = (*EXTENSIONS, "xlsm", "gz")


def read_table(
    source: bytes | str | os.PathLike[str],
    *,
    name: str | None = None,
    max_bytes: int | None = None,
    max_rows: int | None = None,
    max_columns: int | None = None,
    max_memory: int | None = None,
    max_expansion: float | None = None,
    max_cell_bytes: int | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
) -> pd.DataFrame:
    """Read a CSV/TSV/TXT, Excel ``.xlsx`` or Parquet table from bytes or a path.

    The format is found from the content (and the name where the content is ambiguous); in text,
    the delimiter, the decimal mark and thousands separator (from the data, not the locale) and
    the encoding. Title and blank rows above the header are skipped (a ``"header_row"`` notice
    names them); ``header_row`` names the header's row instead (from 1, as a text editor or
    spreadsheet shows it, blank rows counted). ``sheet``: the worksheet of a workbook to read
    (default: the first that has data; see :func:`sheet_names`). What was found is recorded in
    ``frame.attrs["format"]`` (see the module). Header names and string cells are stripped of
    surrounding spaces; the tokens of :data:`NULL_TOKENS` are missing values. Raises
    :class:`~balancer.errors.DataError` for anything that is not a usable table (and for a
    ``sheet`` or ``header_row`` the format has not) and :class:`~balancer.errors.LimitError` past
    the limits (:class:`Limits`), which are checked before the file expands.
    """
    check_header_row(header_row)
    limits = Limits.from_env(max_bytes=max_bytes, max_rows=max_rows, max_columns=max_columns,
                             max_memory=max_memory, max_expansion=max_expansion,
                             max_cell_bytes=max_cell_bytes)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = name or "upload"
    else:
        path = Path(source)
        name = name or path.name
        opened = open_path(path, name, limits)
        if isinstance(opened, ParquetPath):
            # Arrow reads the file itself: its bytes are never held as a whole
            check_choices("parquet", name, sheet, header_row)
            frame = read_parquet(opened, name, limits, limits.budget(opened.size))
            return check_table(frame, name, limits)
        data = opened
    if len(data) > limits.max_bytes:
        raise LimitError(too_big(name, len(data), limits.max_bytes))
    frame = read_bytes(data, name, limits, limits.budget(len(data)), sheet=sheet, header_row=header_row)
    return check_table(frame, name, limits)


def sheet_names(source: bytes, name: str = "upload") -> list[str]:
    """The worksheet names of an Excel workbook, in order; an empty list for any other content.

    Cheap: only the workbook's small parts are read, never a sheet. A damaged workbook is a
    :class:`~balancer.errors.DataError`.
    """
    data = bytes(source)
    try:
        kind = detect_format(data, name)
    except DataError:  # not a workbook (an .xls, a zip archive): read_table explains
        return []
    if kind != "xlsx":
        return []
    limits = Limits.from_env()
    if len(data) > limits.max_bytes:
        raise LimitError(too_big(name, len(data), limits.max_bytes))
    return worksheet_names(data, name, limits.budget(len(data)))


def read_file(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> bytes:
    """The bytes of a table file, read with the upload limit as a bound.

    Unlike ``Path.read_bytes`` this never reads without limit: devices and sockets are refused,
    and a FIFO, pipe or ``/proc`` file (whose size says nothing) is read up to ``max_bytes``
    (default ``BALANCER_MAX_UPLOAD_MB``) and refused beyond.
    """
    path = Path(path)
    limits = Limits.from_env(max_bytes=max_bytes)
    opened = open_path(path, path.name, limits, parquet_by_path=False)
    assert isinstance(opened, bytes)
    return opened


__all__ = [
    "EXTENSIONS",
    "UPLOAD_EXTENSIONS",
    "NULL_TOKENS",
    "Budget",
    "Dialect",
    "Limits",
    "arrow_to_pandas",
    "clean_headers",
    "csv_header",
    "decode_text",
    "detect_format",
    "escape_formula",
    "escape_formulas",
    "read_file",
    "read_table",
    "sheet_names",
    "sniff_delimiter",
    "to_arrow",
    "writable",
    "write_csv",
    "write_csv_file",
]
