"""Read a table from bytes or a path; write CSV fast and safely.

Reading is split into small steps (detect the format, decode, sniff the delimiter, parse, clean)
so another engine can reuse the ones it needs. Notices about what was done to the input (an
encoding fallback, renamed duplicate headers) travel with the frame in ``DataFrame.attrs``
under ``"notices"`` as a list of ``{"code", "message"}`` dicts; :func:`balancer.profile` turns them
into warnings.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import os
import re
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .errors import DataError, LimitError

#: Cell values read as missing (after stripping surrounding spaces).
NULL_TOKENS: tuple[str, ...] = (
    "", "?", "NA", "N/A", "n/a", "na", "NaN", "nan", "NAN", "null", "NULL", "Null", "#N/A",
)
#: File name endings Balancer reads.
EXTENSIONS: tuple[str, ...] = ("csv", "tsv", "txt", "xlsx", "parquet")
#: Endings the upload widget accepts: the readable ones, gzip, and the look-alikes that get a
#: specific explanation (zip archives, old .xls) instead of a generic "type not allowed".
UPLOAD_EXTENSIONS: tuple[str, ...] = (*EXTENSIONS, "gz", "zip", "xls", "xlsm")

_DELIMITERS = (",", ";", "\t", "|")
_WHITESPACE = "whitespace"
_SNIFF_BYTES = 64 * 1024
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")


@dataclasses.dataclass(frozen=True)
class Limits:
    """Size limits for one table; the defaults come from environment variables.

    ``BALANCER_MAX_UPLOAD_MB`` (default: Streamlit's ``STREAMLIT_SERVER_MAX_UPLOAD_SIZE`` when set,
    else 500, the value in ``.streamlit/config.toml``, so the two limits agree),
    ``BALANCER_MAX_ROWS`` (default 5,000,000) and ``BALANCER_MAX_COLUMNS`` (default 2,000).
    """

    max_bytes: int = 500 * 1024 * 1024
    max_rows: int = 5_000_000
    max_columns: int = 2_000

    @classmethod
    def from_env(cls, **overrides: int | None) -> Limits:
        """Return the limits from the environment, with explicit overrides applied."""
        values = {
            "max_bytes": int(float(os.environ.get("BALANCER_MAX_UPLOAD_MB")
                                   or os.environ.get("STREAMLIT_SERVER_MAX_UPLOAD_SIZE") or 500)
                             * 1024 * 1024),
            "max_rows": int(os.environ.get("BALANCER_MAX_ROWS", 5_000_000)),
            "max_columns": int(os.environ.get("BALANCER_MAX_COLUMNS", 2_000)),
        }
        for key, value in overrides.items():
            if key not in values:
                raise TypeError(f"unknown limit {key!r}; use one of {sorted(values)}")
            if value is not None:
                values[key] = int(value)
        return cls(**values)


def _notice(frame: pd.DataFrame, code: str, message: str) -> None:
    frame.attrs.setdefault("notices", []).append({"code": code, "message": message})


# --------------------------------------------------------------------------------------------
# reading


def read_table(
    source: bytes | str | os.PathLike[str],
    *,
    name: str | None = None,
    max_bytes: int | None = None,
    max_rows: int | None = None,
    max_columns: int | None = None,
) -> pd.DataFrame:
    """Read a CSV/TSV/TXT, Excel ``.xlsx`` or Parquet table from bytes or a path.

    The format is found from the content (and the name where the content is ambiguous). Header
    names and string cells are stripped of surrounding spaces; the tokens of :data:`NULL_TOKENS`
    are missing values. Raises :class:`~balancer.errors.DataError` for anything that is not a
    usable table and :class:`~balancer.errors.LimitError` past the limits.
    """
    limits = Limits.from_env(max_bytes=max_bytes, max_rows=max_rows, max_columns=max_columns)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = name or "upload"
    else:
        path = Path(source)
        name = name or path.name
        if not path.exists():
            raise DataError(f"no such file: {path}")
        if path.is_dir():
            raise DataError(f"{path} is a folder; give the path of one table file")
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise LimitError(_too_big(name, size, limits.max_bytes))
        with open(path, "rb") as handle:
            magic = handle.read(4)
        if magic == b"PAR1":  # Arrow reads the file itself: its bytes are never held as a whole
            frame = _read_parquet(path, name, limits)
            return _checked(frame, name, limits)
        data = path.read_bytes()
    if len(data) > limits.max_bytes:
        raise LimitError(_too_big(name, len(data), limits.max_bytes))

    return _checked(_read_bytes(data, name, limits), name, limits)


def _checked(frame: pd.DataFrame, name: str, limits: Limits) -> pd.DataFrame:
    """The limits and emptiness checks every read ends with."""
    if frame.shape[1] > limits.max_columns:
        raise LimitError(
            f"{name} has {frame.shape[1]:,} columns; the limit is {limits.max_columns:,} "
            "(set BALANCER_MAX_COLUMNS to raise it)"
        )
    if len(frame) > limits.max_rows:
        raise LimitError(
            f"{name} has {len(frame):,} rows; the limit is {limits.max_rows:,} "
            "(set BALANCER_MAX_ROWS to raise it, or sample the table first)"
        )
    if len(frame) == 0:
        raise DataError(f"{name} has a header but no data rows")
    frame.attrs["name"] = name
    return frame


def _too_big(name: str, size: int, limit: int) -> str:
    return (
        f"{name} is {size / 1e6:,.1f} MB; the limit is {limit / 1e6:,.0f} MB "
        "(set BALANCER_MAX_UPLOAD_MB to raise it)"
    )


def detect_format(data: bytes, name: str) -> str:
    """Return ``"parquet"``, ``"xlsx"``, ``"gzip"`` or ``"text"`` for the content, or raise."""
    lower = name.lower()
    if data.startswith(b"PAR1"):
        return "parquet"
    if data.startswith(b"\x1f\x8b"):
        return "gzip"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile as exc:
            raise DataError(f"{name} looks like a zip archive but is damaged ({exc})") from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise DataError(
            f"{name} is a zip archive, not a table; extract the CSV, Excel or Parquet file "
            "from it and upload that"
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(
            f"{name} is an old Excel .xls (or other Office) file; save it as .xlsx or CSV and "
            "upload that"
        )
    if lower.endswith((".xlsx", ".xlsm")):
        raise DataError(f"{name} is not an Excel workbook (its content is not a .xlsx file)")
    if lower.endswith(".parquet"):
        raise DataError(f"{name} is not a Parquet file (it lacks the Parquet header)")
    return "text"


def _read_bytes(data: bytes, name: str, limits: Limits) -> pd.DataFrame:
    if not data or data.isspace():
        raise DataError(f"{name} is empty")
    kind = detect_format(data, name)
    if kind == "gzip":
        # bounded (no decompression bomb) and strict (a truncated file is an error, not less data)
        stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            inner = stream.decompress(data, limits.max_bytes + 1)
        except zlib.error as exc:
            raise DataError(f"{name} looks gzip-compressed but cannot be decompressed ({exc})") from None
        if len(inner) > limits.max_bytes:
            raise LimitError(_too_big(name + " (decompressed)", len(inner), limits.max_bytes))
        if not stream.eof:
            raise DataError(f"{name} looks gzip-compressed but cannot be decompressed: it ends early "
                            "(the file is damaged or was cut off)")
        inner_name = name[:-3] if name.lower().endswith(".gz") else name
        if detect_format(inner, inner_name) == "gzip":
            raise DataError(f"{name} is compressed twice; decompress it and upload the table")
        return _read_bytes(inner, inner_name, limits)
    if kind == "parquet":
        return _read_parquet(data, name, limits)
    if kind == "xlsx":
        return _read_excel(data, name, limits)
    return _read_text(data, name, limits)


def _read_parquet(data: bytes | Path, name: str, limits: Limits) -> pd.DataFrame:
    try:
        parquet = pq.ParquetFile(io.BytesIO(data) if isinstance(data, bytes) else str(data))
        meta = parquet.metadata
        if meta.num_columns > limits.max_columns:
            raise LimitError(
                f"{name} has {meta.num_columns:,} columns; the limit is {limits.max_columns:,} "
                "(set BALANCER_MAX_COLUMNS to raise it)"
            )
        if meta.num_rows > limits.max_rows:
            raise LimitError(
                f"{name} has {meta.num_rows:,} rows; the limit is {limits.max_rows:,} "
                "(set BALANCER_MAX_ROWS to raise it)"
            )
        table = parquet.read()
        parquet.close()
    except LimitError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(f"{name} is not a readable Parquet file ({_first_line(exc)})") from None
    names, renamed = clean_headers(table.column_names)
    frame = _arrow_to_pandas(table.rename_columns(names))
    _report_renamed(frame, renamed)
    return _clean_frame(frame)


def _read_excel(data: bytes, name: str, limits: Limits) -> pd.DataFrame:
    # openpyxl parses the workbook's XML with defusedxml when it is installed (it is a dependency).
    try:
        raw = pd.read_excel(
            io.BytesIO(data), sheet_name=0, header=None, engine="openpyxl", dtype=object,
            na_values=list(NULL_TOKENS), keep_default_na=False, nrows=limits.max_rows + 2,
        )
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise DataError(f"{name} is not a readable Excel workbook ({_first_line(exc)})") from None
    raw = raw.dropna(how="all").dropna(axis=1, how="all")
    if raw.empty:
        raise DataError(f"{name} has no data in its first sheet")
    header = ["" if pd.isna(v) else str(v) for v in raw.iloc[0].tolist()]
    names, renamed = clean_headers(header)
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = names
    frame = frame.infer_objects()
    _report_renamed(frame, renamed)
    return _clean_frame(frame, convert_objects=True)


def decode_text(data: bytes, name: str, verify: bool = True) -> tuple[bytes, str | None]:
    """Return the content as UTF-8 bytes and the name of the encoding used when it was not UTF-8.

    Understands UTF-8 (with or without BOM), UTF-16 with BOM, and falls back to cp1252 (then
    latin-1) for legacy files. Raises :class:`DataError` for binary content. With ``verify=False``
    BOM-less content is assumed UTF-8 without checking (the CSV parser checks it anyway).
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):], None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").encode("utf-8"), "UTF-16"
        except UnicodeDecodeError:
            raise DataError(f"{name} starts like UTF-16 text but cannot be decoded") from None
    head = data[:_SNIFF_BYTES]
    controls = sum(head.count(bytes([b])) for b in range(32) if b not in (9, 10, 13))
    if b"\x00" in head or controls > max(2, len(head) // 100):
        raise DataError(
            f"{name} is binary, not a text table; upload CSV, TSV, TXT, Excel .xlsx or Parquet"
        )
    if not verify:
        return data, None
    try:
        data.decode("utf-8")
        return data, None
    except UnicodeDecodeError:
        return legacy_text(data)


def legacy_text(data: bytes) -> tuple[bytes, str]:
    """Decode non-UTF-8 text as cp1252 (or latin-1 where cp1252 has holes); return UTF-8 bytes."""
    try:
        return data.decode("cp1252").encode("utf-8"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1").encode("utf-8"), "latin-1"


class _NotUtf8(Exception):
    """The parser met bytes that are not UTF-8."""


def sniff_delimiter(sample: str) -> str | None:
    """Return the delimiter of a text table: one of ``, ; TAB |``, ``"whitespace"`` or None."""
    lines = [line for line in sample.splitlines() if line.strip()][:50]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of a sample may be cut short
    if not lines:
        return None
    best: tuple[float, int, str] | None = None
    for delimiter in _DELIMITERS:
        counts = [_count_outside_quotes(line, delimiter) for line in lines]
        if counts[0] == 0:
            continue
        agree = sum(1 for c in counts if c == counts[0]) / len(counts)
        candidate = (agree, counts[0], delimiter)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is not None and best[0] >= 0.8:
        return best[2]
    widths = [len(line.split()) for line in lines]
    if widths[0] > 1 and sum(1 for w in widths if w == widths[0]) / len(widths) >= 0.8:
        return _WHITESPACE
    return best[2] if best is not None else None


def _count_outside_quotes(line: str, delimiter: str) -> int:
    if '"' not in line:
        return line.count(delimiter)
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def clean_headers(raw: Iterable[object]) -> tuple[list[str], list[tuple[str, str]]]:
    """Strip header names, name empty ones, and rename duplicates (``a``, ``a_2``, ...)."""
    names: list[str] = []
    seen: set[str] = set()
    renamed: list[tuple[str, str]] = []
    for position, value in enumerate(raw, start=1):
        base = "" if value is None else str(value).strip()
        if not base or base.lower().startswith("unnamed:"):
            base = f"column_{position}"
        candidate, n = base, 1
        while candidate in seen:
            n += 1
            candidate = f"{base}_{n}"
        if candidate != base and base != f"column_{position}":
            renamed.append((base, candidate))
        seen.add(candidate)
        names.append(candidate)
    return names, renamed


def _report_renamed(frame: pd.DataFrame, renamed: list[tuple[str, str]]) -> None:
    if renamed:
        pairs = ", ".join(f"{old!r} -> {new!r}" for old, new in renamed[:10])
        _notice(frame, "duplicate_headers", f"duplicate column names were renamed: {pairs}")


def _read_text(data: bytes, name: str, limits: Limits) -> pd.DataFrame:
    utf8, encoding = decode_text(data, name, verify=False)
    try:
        return _read_utf8(utf8, encoding, name, limits)
    except (_NotUtf8, UnicodeDecodeError):
        if encoding is not None:
            raise DataError(f"{name} could not be decoded as {encoding}") from None
        utf8, encoding = legacy_text(data)
        return _read_utf8(utf8, encoding, name, limits)


def _read_utf8(utf8: bytes, encoding: str | None, name: str, limits: Limits) -> pd.DataFrame:
    sample = utf8[:_SNIFF_BYTES].decode("utf-8", errors="ignore")
    delimiter = sniff_delimiter(sample)
    first = sample.lstrip("\r\n")
    if delimiter == _WHITESPACE:
        header = first.splitlines()[0].split() if first else []
    else:
        reader = csv.reader(io.StringIO(first), delimiter=delimiter or ",")
        header = next(reader, [])
    if len(header) > limits.max_columns:
        raise LimitError(
            f"{name} has {len(header):,} columns; the limit is {limits.max_columns:,} "
            "(set BALANCER_MAX_COLUMNS to raise it)"
        )
    names, renamed = clean_headers(header)
    if not names:
        raise DataError(f"{name} has no header row")
    start = 0
    while start < len(utf8) and utf8[start] in (10, 13):
        start += 1
    body = memoryview(utf8)[start:]  # no copy of a large file
    if delimiter == _WHITESPACE:
        frame = _parse_whitespace(body, names, name)
    else:
        frame = _parse_delimited(body, names, delimiter or ",", name, '"' in sample)
    if encoding == "UTF-16":
        _notice(frame, "encoding", f"{name} was read as UTF-16")
    elif encoding:
        _notice(
            frame, "encoding",
            f"{name} is not UTF-8; it was read as {encoding}. Check accented characters.",
        )
    _report_renamed(frame, renamed)
    return _clean_frame(frame, convert_objects=delimiter == _WHITESPACE)


def _parse_delimited(
    body: memoryview, names: list[str], delimiter: str, name: str, quoted: bool
) -> pd.DataFrame:
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(body)), memory_pool=_POOL,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=True),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted),
            convert_options=pacsv.ConvertOptions(
                null_values=list(NULL_TOKENS), strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        message = _first_line(exc)
        if "UTF8" in message or "UTF-8" in message:
            raise _NotUtf8 from None
        match = re.search(r"Expected (\d+) columns, got (\d+)", message)
        if match:
            raise DataError(
                f"{name}: some rows have {match.group(2)} fields but the header has "
                f"{match.group(1)}; fix the ragged rows (or quote cells that contain "
                f"'{delimiter}') and upload again"
            ) from None
        raise DataError(f"{name} could not be parsed as a table ({message})") from None
    if any(pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type) for field in table.schema):
        raise _NotUtf8  # Arrow types text that is not valid UTF-8 as binary
    return _arrow_to_pandas(table)


def _parse_whitespace(body: memoryview, names: list[str], name: str) -> pd.DataFrame:
    try:
        return pd.read_csv(
            io.BytesIO(body), sep=r"\s+", header=None, skiprows=1, names=names, dtype=str,
            na_values=list(NULL_TOKENS), keep_default_na=False, engine="c", encoding="utf-8",
        )
    except UnicodeDecodeError:
        raise _NotUtf8 from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{name} could not be parsed as a table ({_first_line(exc)})") from None


def _memory_pool() -> pa.MemoryPool:
    """jemalloc (else the system allocator) for parsing: pyarrow's default here, mimalloc, takes
    twice as long to parse a large CSV in a fresh process (measured: 1.35 s against 0.70 s for
    1,000,000 x 21), because every new page it touches is first handed out by the OS."""
    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(0)  # hand freed pages back at once: a server reads many uploads
        return pool
    except NotImplementedError:  # a pyarrow built without jemalloc
        return pa.system_memory_pool()


_POOL = _memory_pool()


def _arrow_to_pandas(table: pa.Table) -> pd.DataFrame:
    """The table as pandas; the table must not be used afterwards (its buffers are released as
    columns are converted, so the peak is one copy of the data, not two)."""
    fixes = [(field.name, "Int64" if pa.types.is_integer(field.type) else "float64")
             for i, field in enumerate(table.schema)
             if (pa.types.is_integer(field.type) and table.column(i).null_count) or pa.types.is_null(field.type)]
    frame = table.to_pandas(memory_pool=_POOL, self_destruct=True)
    del table
    for name, dtype in fixes:
        frame[name] = frame[name].astype(dtype)
    return frame


def _clean_frame(frame: pd.DataFrame, *, convert_objects: bool = False) -> pd.DataFrame:
    """Strip string cells, turn null tokens into missing values, and type text-only numbers."""
    nulls = set(NULL_TOKENS)
    for column in frame.columns:
        series = frame[column]
        if not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
            if pd.api.types.is_float_dtype(series.dtype):
                values = series.to_numpy()
                if np.isinf(values).any():
                    _notice(
                        frame, "infinite",
                        f"column {column!r} holds infinite values; they are treated as missing",
                    )
                    frame[column] = series.replace([np.inf, -np.inf], np.nan)
            continue
        if series.dtype == object and not convert_objects:
            if not all(isinstance(v, str) for v in series.dropna().head(1000)):
                convert_objects = True
        text = series.astype("str") if series.dtype == object else series
        stripped = text.str.strip()
        stripped = stripped.mask(stripped.isin(nulls))
        changed = convert_objects or bool(
            (stripped.fillna("") != text.fillna("")).any()
        )
        if not changed:
            continue
        numbers = pd.to_numeric(stripped, errors="coerce")
        present = stripped.notna()
        if present.any() and bool(numbers[present].notna().all()):
            values = numbers.to_numpy(dtype="float64")
            whole = np.isfinite(values[present.to_numpy()])
            finite = values[present.to_numpy()][whole]
            if finite.size and np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 2**53):
                frame[column] = (
                    numbers.astype("Int64") if stripped.isna().any() else numbers.astype("int64")
                )
            else:
                frame[column] = numbers.astype("float64")
        else:
            lowered = stripped.str.lower()
            truth = {"true": True, "false": False}
            if present.any() and bool(lowered[present].isin(list(truth)).all()):
                mapped = lowered.map(truth)
                frame[column] = mapped.astype("boolean" if stripped.isna().any() else "bool")
            else:
                frame[column] = stripped.astype("str")
    return frame


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


# --------------------------------------------------------------------------------------------
# writing


def escape_formulas(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Prefix string cells that a spreadsheet would run as a formula with a single quote."""
    risky = pc.match_substring_regex(values, _FORMULA_START.pattern)
    if not pc.any(risky).as_py():
        return values
    return pc.if_else(risky, pc.binary_join_element_wise("'", values, ""), values)


def to_arrow(data: pd.DataFrame, *, escape: bool = True) -> pa.Table:
    """Convert a frame to Arrow for writing: categories as strings, formulas escaped."""
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


def write_csv(data: pd.DataFrame, *, escape: bool = True) -> bytes:
    """Return the frame as RFC 4180 CSV bytes (UTF-8, header row, ``\\r\\n`` line ends).

    String cells that begin with ``=``, ``+``, ``-``, ``@``, tab or carriage return are prefixed with
    ``'`` so that a spreadsheet shows them instead of running them (numbers are untouched). Cells
    are quoted only when they must be; missing values are empty. The table goes through Arrow to
    polars' multi-threaded CSV writer.
    """
    table = to_arrow(data, escape=escape)
    sink = io.BytesIO()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    frame.write_csv(sink, line_terminator="\r\n", quote_style="necessary")
    return sink.getvalue()


def write_csv_file(data: pd.DataFrame, path: str | os.PathLike[str], *, escape: bool = True,
                   chunk_rows: int = 200_000) -> int:
    """Write the same bytes as :func:`write_csv` to ``path``, a block of rows at a time, so the
    whole CSV text is never in memory. Returns the number of bytes written."""
    written = 0
    with open(path, "wb") as sink:
        for start in range(0, max(len(data), 1), chunk_rows):
            block = data.iloc[start:start + chunk_rows]
            frame = pl.from_arrow(to_arrow(block, escape=escape))
            assert isinstance(frame, pl.DataFrame)
            frame.write_csv(sink, line_terminator="\r\n", quote_style="necessary", include_header=start == 0)
        written = sink.tell()
    return written


__all__ = [
    "EXTENSIONS",
    "UPLOAD_EXTENSIONS",
    "NULL_TOKENS",
    "Limits",
    "clean_headers",
    "decode_text",
    "detect_format",
    "escape_formulas",
    "read_table",
    "sniff_delimiter",
    "to_arrow",
    "write_csv",
    "write_csv_file",
]
