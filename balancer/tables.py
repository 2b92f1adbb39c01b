"""Read a table from bytes or a path; write CSV fast and safely.

Reading is split into small steps (detect the format, decode, sniff the delimiter, parse, clean)
so another engine can reuse the ones it needs. Notices about what was done to the input (an
encoding fallback, renamed duplicate headers) travel with the frame in ``DataFrame.attrs``
under ``"notices"`` as a list of ``{"code", "message"}`` dicts; :func:`balancer.profiling` turns them
into warnings.

Reading is defended against hostile files (see :class:`Limits`): every reader bounds what a file
expands to *before* it expands — decompressed bytes, rows, columns, cell size and the table's size
in memory — and refuses with a :class:`~balancer.errors.LimitError` that names the limit and the
environment variable that raises it:

- any path: devices and sockets are refused; a FIFO, pipe or ``/proc`` file is read with a bound
  (``max_bytes + 1`` bytes at most), whatever size it claims; binary content (``/dev/zero``) is
  refused from its first block.
- gzip: decompressed in a bounded stream (the upload limit, and the memory budget of the
  compressed file).
- CSV/TSV/TXT: the header is parsed by Balancer (quoted newlines, any length; its true number of
  fields is counted); the table's size is estimated from the line count before Arrow parses it;
  Arrow's block is grown for long rows (no "straddling object" error) and Arrow's background
  threads are waited for after a failed parse (a process ending right after a failed parse could
  otherwise abort: Arrow released the Python buffer from a thread after the interpreter ended).
- ``.xlsx``: Balancer's own streaming reader (``pyexpat`` with DTDs and entities forbidden, never a
  tree of the sheet). The zip members' declared and actual sizes are bounded, the shared strings
  count against the memory budget, rows (at most Excel's 1,048,576), columns, cells, the XML and
  the table's estimated size are checked while reading, so a row bomb stops at the limit.
- Parquet: the footer's row counts (file and row groups), every page header (a small Thrift
  reader: the sizes Arrow will decompress to and the real number of values) and the column sizes
  are checked before Arrow reads; byte-array columns with dictionary pages are read as
  dictionaries and their expanded size is computed before they are decoded. Text that is not
  UTF-8 (a binary column) is refused with a :class:`~balancer.errors.DataError` naming the column;
  binary columns that hold UTF-8 text are read as text.

The memory budget of a file of ``S`` bytes is ``max(64 MB, max_expansion x S)``, capped by
``max_memory`` (see :meth:`Limits.budget`).
"""

from __future__ import annotations

import codecs
import dataclasses
import io
import os
import posixpath
import re
import stat
import time
import traceback
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

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
_MB = 1024 * 1024
#: Any file may take this much memory once read, whatever its size (see Limits.budget).
EXPANSION_FLOOR = 64 * _MB
_READ_CHUNK = 1 << 20
_BLOCK_SIZE = 1 << 20  # Arrow's CSV block; grown for rows longer than it
_MAX_BLOCK = (1 << 31) - 1
_XLSX_MAX_ROWS = 1_048_576  # Excel's own limits: a sheet beyond them is not a valid workbook
_XLSX_MAX_COLUMNS = 16_384
_XLSX_SMALL_PART = 32 * _MB  # workbook.xml, its relationships and styles.xml


@dataclasses.dataclass(frozen=True)
class Limits:
    """Size limits for one table; the defaults come from environment variables.

    ``BALANCER_MAX_UPLOAD_MB`` (default: Streamlit's ``STREAMLIT_SERVER_MAX_UPLOAD_SIZE`` when set,
    else 500, the value in ``.streamlit/config.toml``, so the two limits agree) bounds the file and
    what gzip decompresses to; ``BALANCER_MAX_ROWS`` (default 5,000,000) and
    ``BALANCER_MAX_COLUMNS`` (default 2,000) the table.

    What a file expands to in memory is bounded too (see :meth:`budget`):
    ``BALANCER_MAX_MEMORY_MB`` (default four times the upload limit, 2,000 MB) is the most any
    table may take once read, and ``BALANCER_MAX_EXPANSION`` (default 100) the most a file may
    grow, as a multiple of its size (every file may take 64 MB). ``BALANCER_MAX_CELL_KB`` (default
    1,024) bounds one cell or column name.
    """

    max_bytes: int = 500 * _MB
    max_rows: int = 5_000_000
    max_columns: int = 2_000
    max_memory: int = 2_000 * _MB
    max_expansion: float = 100.0
    max_cell_bytes: int = 1024 * 1024

    @classmethod
    def from_env(cls, **overrides: float | None) -> Limits:
        """Return the limits from the environment, with explicit overrides applied."""
        upload_mb = float(os.environ.get("BALANCER_MAX_UPLOAD_MB")
                          or os.environ.get("STREAMLIT_SERVER_MAX_UPLOAD_SIZE") or 500)
        values: dict[str, float] = {
            "max_bytes": int(upload_mb * _MB),
            "max_rows": int(os.environ.get("BALANCER_MAX_ROWS", 5_000_000)),
            "max_columns": int(os.environ.get("BALANCER_MAX_COLUMNS", 2_000)),
            "max_memory": int(float(os.environ.get("BALANCER_MAX_MEMORY_MB") or 4 * upload_mb) * _MB),
            "max_expansion": float(os.environ.get("BALANCER_MAX_EXPANSION") or 100),
            "max_cell_bytes": int(float(os.environ.get("BALANCER_MAX_CELL_KB") or 1024) * 1024),
        }
        for key, value in overrides.items():
            if key not in values:
                raise TypeError(f"unknown limit {key!r}; use one of {sorted(values)}")
            if value is not None:
                values[key] = float(value) if key == "max_expansion" else int(value)
        return cls(**values)  # type: ignore[arg-type]

    def budget(self, size: int) -> Budget:
        """The most memory the table read from a file of ``size`` bytes may take.

        ``max(64 MB, max_expansion x size)``, and never more than ``max_memory``: a small file
        cannot expand into gigabytes (a dictionary-encoded Parquet column, an Excel shared string
        referenced a million times, a gzip bomb), while a large file may take what its size
        explains.
        """
        floor = min(self.max_memory, EXPANSION_FLOOR)
        grown = self.max_expansion * max(size, 0)
        if grown >= self.max_memory:
            return Budget(self.max_memory, "set BALANCER_MAX_MEMORY_MB to raise it")
        return Budget(max(floor, int(grown)),
                      f"a table may take {self.max_expansion:g} times its file's size in memory, and "
                      f"at least {_megabytes(floor)}; set BALANCER_MAX_EXPANSION to raise it")


@dataclasses.dataclass(frozen=True)
class Budget:
    """A bound on the memory one read may use, and how a user raises it."""

    limit: int
    hint: str

    def check(self, need: float, name: str, what: str = "", *, stopped: bool = False) -> None:
        """Raise :class:`LimitError` when ``need`` bytes are more than the budget (``stopped``:
        reading stopped there, so the table would take more)."""
        if need > self.limit:
            amount = f"more than {_megabytes(self.limit)}" if stopped else f"about {_megabytes(need)}"
            raise LimitError(
                f"{name} would take {amount} in memory once read{what}; the limit for this file "
                f"is {_megabytes(self.limit)} ({self.hint})"
            )


def _megabytes(size: float) -> str:
    """Megabytes as the limits count them (1 MB = 1,048,576 bytes)."""
    return f"{size / _MB:,.1f} MB" if size < 10 * _MB else f"{size / _MB:,.0f} MB"


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
    max_memory: int | None = None,
    max_expansion: float | None = None,
    max_cell_bytes: int | None = None,
) -> pd.DataFrame:
    """Read a CSV/TSV/TXT, Excel ``.xlsx`` or Parquet table from bytes or a path.

    The format is found from the content (and the name where the content is ambiguous). Header
    names and string cells are stripped of surrounding spaces; the tokens of :data:`NULL_TOKENS`
    are missing values. Raises :class:`~balancer.errors.DataError` for anything that is not a
    usable table and :class:`~balancer.errors.LimitError` past the limits (:class:`Limits`), which
    are checked before the file expands.
    """
    limits = Limits.from_env(max_bytes=max_bytes, max_rows=max_rows, max_columns=max_columns,
                             max_memory=max_memory, max_expansion=max_expansion,
                             max_cell_bytes=max_cell_bytes)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = name or "upload"
    else:
        path = Path(source)
        name = name or path.name
        opened = _open_path(path, name, limits)
        if isinstance(opened, _ParquetPath):
            # Arrow reads the file itself: its bytes are never held as a whole
            frame = _read_parquet(opened, name, limits, limits.budget(opened.size))
            return _checked(frame, name, limits)
        data = opened
    if len(data) > limits.max_bytes:
        raise LimitError(_too_big(name, len(data), limits.max_bytes))
    return _checked(_read_bytes(data, name, limits, limits.budget(len(data))), name, limits)


def read_file(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> bytes:
    """The bytes of a table file, read with the upload limit as a bound.

    Unlike ``Path.read_bytes`` this never reads without limit: devices and sockets are refused,
    and a FIFO, pipe or ``/proc`` file (whose size says nothing) is read up to ``max_bytes``
    (default ``BALANCER_MAX_UPLOAD_MB``) and refused beyond.
    """
    path = Path(path)
    limits = Limits.from_env(max_bytes=max_bytes)
    opened = _open_path(path, path.name, limits, parquet_by_path=False)
    assert isinstance(opened, bytes)
    return opened


@dataclasses.dataclass(frozen=True)
class _ParquetPath:
    path: Path
    size: int


def _open_path(path: Path, name: str, limits: Limits, *,
               parquet_by_path: bool = True) -> bytes | _ParquetPath:
    """The content of ``path`` as bytes (bounded), or a regular Parquet file for Arrow to read."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise DataError(f"no such file: {path}") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise DataError(f"{path} is a folder; give the path of one table file")
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
        raise DataError(
            f"{path} is a device or socket, not a file; give the path of a table file (CSV, TSV, "
            "TXT, Excel .xlsx or Parquet)"
        )
    if stat.S_ISREG(mode) and info.st_size > limits.max_bytes:
        raise LimitError(_too_big(name, info.st_size, limits.max_bytes))
    try:
        with open(path, "rb") as handle:
            opened = os.fstat(handle.fileno())
            if stat.S_ISREG(opened.st_mode) and opened.st_size > limits.max_bytes:
                raise LimitError(_too_big(name, opened.st_size, limits.max_bytes))
            if parquet_by_path and stat.S_ISREG(opened.st_mode) and opened.st_size >= 12:
                if handle.read(4) == b"PAR1":
                    return _ParquetPath(path, opened.st_size)
                handle.seek(0)
            size = opened.st_size if stat.S_ISREG(opened.st_mode) else 0
            return _read_bounded(handle, limits.max_bytes, name, size)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None


def _read_bounded(handle: io.BufferedIOBase | Any, limit: int, name: str, size_hint: int = 0) -> bytes:
    """Read at most ``limit`` bytes (refusing more) from a file, a pipe or a ``/proc`` file."""
    chunks: list[bytes] = []
    total = 0
    first = True
    while True:
        want = min(max(size_hint, _READ_CHUNK) if first else _READ_CHUNK, limit + 1 - total)
        chunk = handle.read(want)
        if not chunk:
            break
        if first:
            _refuse_binary_head(chunk[:_SNIFF_BYTES], name)
            first = False
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise LimitError(
                f"{name} is more than {_megabytes(limit)}; the limit is {_megabytes(limit)} "
                "(set BALANCER_MAX_UPLOAD_MB to raise it)"
            )
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _refuse_binary_head(head: bytes, name: str) -> None:
    """Refuse content that is neither a known container nor text from its first block, so an
    endless binary stream (``/dev/zero``) is not read to the limit first."""
    if head.startswith((b"PAR1", b"\x1f\x8b", b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0",
                        codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    if b"\x00" in head:
        raise DataError(
            f"{name} is binary, not a text table; upload CSV, TSV, TXT, Excel .xlsx or Parquet"
        )


def _checked(frame: pd.DataFrame, name: str, limits: Limits) -> pd.DataFrame:
    """The limits and emptiness checks every read ends with."""
    if frame.shape[1] > limits.max_columns:
        raise LimitError(_too_wide(name, frame.shape[1], limits))
    if len(frame) > limits.max_rows:
        raise LimitError(_too_long(name, f"{len(frame):,}", limits))
    if len(frame) == 0:
        raise DataError(f"{name} has a header but no data rows")
    frame.attrs["name"] = name
    return frame


def _too_big(name: str, size: int, limit: int) -> str:
    return (
        f"{name} is {size / _MB:,.1f} MB; the limit is {_megabytes(limit)} "
        "(set BALANCER_MAX_UPLOAD_MB to raise it)"
    )


def _too_wide(name: str, columns: int | str, limits: Limits) -> str:
    count = f"{columns:,}" if isinstance(columns, int) else columns
    return (f"{name} has {count} columns; the limit is {limits.max_columns:,} "
            "(set BALANCER_MAX_COLUMNS to raise it)")


def _too_long(name: str, rows: str, limits: Limits) -> str:
    return (f"{name} has {rows} rows; the limit is {limits.max_rows:,} "
            "(set BALANCER_MAX_ROWS to raise it, or sample the table first)")


def _cell_too_big(name: str, where: str, size: int, limits: Limits) -> LimitError:
    return LimitError(
        f"{name}: {where} holds {_megabytes(size)} of text; the limit for one cell or column name "
        f"is {limits.max_cell_bytes / 1024:,.0f} KB (set BALANCER_MAX_CELL_KB to raise it)"
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
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
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


def _read_bytes(data: bytes, name: str, limits: Limits, budget: Budget) -> pd.DataFrame:
    if not data or data.isspace():
        raise DataError(f"{name} is empty")
    _refuse_binary_head(data[:_SNIFF_BYTES], name)
    kind = detect_format(data, name)
    if kind == "gzip":
        inner = _gunzip(data, name, limits, budget)
        inner_name = name[:-3] if name.lower().endswith(".gz") else name
        if detect_format(inner, inner_name) == "gzip":
            raise DataError(f"{name} is compressed twice; decompress it and upload the table")
        return _read_bytes(inner, inner_name, limits, budget)
    if kind == "parquet":
        return _read_parquet(data, name, limits, budget)
    if kind == "xlsx":
        return _read_excel(data, name, limits, budget)
    return _read_text(data, name, limits, budget)


def _gunzip(data: bytes, name: str, limits: Limits, budget: Budget) -> bytes:
    """Decompress gzip content, bounded (no decompression bomb) and strict (a truncated file is an
    error, not less data): at most the upload limit, and at most the file's memory budget."""
    cap = min(limits.max_bytes, budget.limit)
    stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
    chunks: list[bytes] = []
    total = 0
    try:
        view = memoryview(data)
        for start in range(0, len(data), _READ_CHUNK):
            piece: bytes | memoryview = view[start:start + _READ_CHUNK]
            while piece:
                out = stream.decompress(piece, cap + 1 - total)
                chunks.append(out)
                total += len(out)
                if total > cap:
                    break
                piece = stream.unconsumed_tail
            if total > cap or stream.eof:
                break
    except zlib.error as exc:
        raise DataError(f"{name} looks gzip-compressed but cannot be decompressed ({exc})") from None
    if total > cap:
        if cap == limits.max_bytes:
            raise LimitError(
                f"{name} decompresses to more than {_megabytes(cap)}; the limit is "
                f"{_megabytes(cap)} (set BALANCER_MAX_UPLOAD_MB to raise it)"
            )
        raise LimitError(f"{name} decompresses to more than {_megabytes(cap)}; the limit for this "
                         f"file is {_megabytes(cap)} ({budget.hint})")
    if not stream.eof:
        raise DataError(f"{name} looks gzip-compressed but cannot be decompressed: it ends early "
                        "(the file is damaged or was cut off)")
    return b"".join(chunks)


# --------------------------------------------------------------------------------------------
# Arrow input that is safe to abandon


class _ArrowInput:
    """Bytes handed to Arrow as a buffer, and a wait for Arrow to let go of them after a failure.

    Arrow's CSV and Parquet readers read ahead on background threads. When a read fails, a block
    may still be in flight; if the process then ends at once (the command line exits right after
    printing the error), that thread releases the Python-owned buffer after the interpreter has
    finalized and the process aborts ("terminate called without an active exception", exit 134).
    :meth:`settle` waits (at most a second) until no Arrow buffer exports the bytes any more.
    """

    def __init__(self, data: bytes | memoryview) -> None:
        self.view = memoryview(data)

    def buffer(self) -> pa.Buffer:
        return pa.py_buffer(self.view)

    def settle(self) -> None:
        deadline = time.monotonic() + 1.0
        while True:
            try:
                self.view.release()
                return
            except BufferError:  # still exported to an Arrow buffer
                if time.monotonic() > deadline:
                    return
                time.sleep(0.002)


# --------------------------------------------------------------------------------------------
# text


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
    """Return the delimiter of a text table: one of ``, ; TAB |``, ``"whitespace"`` or None.

    A header whose quoted cell spans lines (``"Amount\\n(EUR)"``) counts as one line.
    """
    lines = _records([line for line in sample.splitlines() if line.strip()])[:50]
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


def _records(lines: list[str]) -> list[str]:
    """The lines, with the header's lines joined while one of its quotes is open (a header cell
    such as ``"Amount\n(EUR)"``). Later lines stay as they are, so one stray quote in the data
    does not change the sniffing of the rest."""
    quotes = 0
    for end, line in enumerate(lines[:200]):
        quotes += line.count('"')
        if quotes % 2 == 0:
            return ["\n".join(lines[:end + 1]), *lines[end + 1:]] if end else lines
    return lines


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


def _check_names(names: list[str], name: str, limits: Limits) -> None:
    for position, value in enumerate(names, start=1):
        if len(value) > limits.max_cell_bytes // 4 and len(value.encode("utf-8")) > limits.max_cell_bytes:
            raise _cell_too_big(name, f"the name of column {position}", len(value.encode("utf-8")), limits)


def _read_text(data: bytes, name: str, limits: Limits, budget: Budget) -> pd.DataFrame:
    utf8, encoding = decode_text(data, name, verify=False)
    try:
        return _read_utf8(utf8, encoding, name, limits, budget)
    except (_NotUtf8, UnicodeDecodeError):
        if encoding is not None:
            raise DataError(f"{name} could not be decoded as {encoding}") from None
        utf8, encoding = legacy_text(data)
        return _read_utf8(utf8, encoding, name, limits, budget)


_HEADER_FIELD: dict[bytes, re.Pattern[bytes]] = {}


def _header_field(delimiter: bytes) -> re.Pattern[bytes]:
    """One header field as pandas' tokenizer reads it: a quoted part (``""`` is a quote) and
    the unquoted rest up to the delimiter or the line end, or an unquoted field."""
    pattern = _HEADER_FIELD.get(delimiter)
    if pattern is None:
        d = re.escape(delimiter)
        pattern = re.compile(rb'"((?:[^"]+|"")*)"([^' + d + rb'\r\n]*)|([^' + d + rb'\r\n]*)')
        _HEADER_FIELD[delimiter] = pattern
    return pattern


def _parse_header(utf8: bytes, start: int, delimiter: str, name: str,
                  limits: Limits) -> tuple[list[str], int, int]:
    """The header's fields, the offset just after it, and its true number of fields.

    Parsed from the whole content (not a sample), so a header longer than the sniff sample and
    quoted cells with newlines (``"Amount\\n(EUR)"``) are read as pandas reads them. Beyond the
    column limit the fields are only counted.
    """
    pattern = _header_field(delimiter.encode())
    sep = ord(delimiter)
    fields: list[bytes] = []
    count = 0
    pos = start
    size = len(utf8)
    while True:
        match = pattern.match(utf8, pos)
        assert match is not None  # the unquoted branch matches the empty string
        if match.group(1) is not None:
            value = match.group(1).replace(b'""', b'"') + match.group(2)
        else:
            value = match.group(3)
            if value.startswith(b'"'):
                raise DataError(f"{name}: the header has a quote that is never closed; fix the "
                                "quoting of the first row and upload again")
        count += 1
        if len(value) > limits.max_cell_bytes:
            raise _cell_too_big(name, f"the name of column {count}", len(value), limits)
        if count <= limits.max_columns:
            fields.append(value)
        pos = match.end()
        if pos < size and utf8[pos] == sep:
            pos += 1
            if count > limits.max_columns:  # only count the rest, fast when it has no quotes
                end = _line_end(utf8, pos)
                if utf8.find(b'"', pos, end) == -1:
                    count += utf8.count(delimiter.encode(), pos, end) + 1
                    pos = end
                    break
            continue
        break
    if pos < size and utf8[pos] == 13:
        pos += 1
    if pos < size and utf8[pos] == 10:
        pos += 1
    if count > limits.max_columns:
        raise LimitError(_too_wide(name, count, limits))
    try:
        return [value.decode("utf-8") for value in fields], pos, count
    except UnicodeDecodeError:
        raise _NotUtf8 from None


def _line_end(data: bytes, pos: int) -> int:
    ends = [i for i in (data.find(b"\n", pos), data.find(b"\r", pos)) if i != -1]
    return min(ends) if ends else len(data)


def _read_utf8(utf8: bytes, encoding: str | None, name: str, limits: Limits,
               budget: Budget) -> pd.DataFrame:
    sample = utf8[:_SNIFF_BYTES].decode("utf-8", errors="ignore")
    delimiter = sniff_delimiter(sample)
    start = 0
    while start < len(utf8) and utf8[start] in (10, 13):
        start += 1
    if delimiter == _WHITESPACE:
        end = _line_end(utf8, start)
        try:
            header = utf8[start:end].decode("utf-8").split()
        except UnicodeDecodeError:
            raise _NotUtf8 from None
        if len(header) > limits.max_columns:
            raise LimitError(_too_wide(name, len(header), limits))
        body_start = end
    else:
        header, body_start, _ = _parse_header(utf8, start, delimiter or ",", name, limits)
    names, renamed = clean_headers(header)
    if not names:
        raise DataError(f"{name} has no header row")
    _check_names(names, name, limits)
    # the table's size before it is parsed: at most 8 bytes a cell (a number, or a string's
    # offset and validity) plus the text itself
    lines = utf8.count(b"\n", body_start) + 1
    budget.check(len(utf8) - body_start + lines * len(names) * 8.0, name)
    body = memoryview(utf8)[body_start:]  # no copy of a large file
    if delimiter == _WHITESPACE:
        frame = _parse_whitespace(body, names, name)
        for column in frame.columns:
            longest = frame[column].str.len().max()
            if pd.notna(longest) and longest > limits.max_cell_bytes // 4:
                size = int(frame[column].str.encode("utf-8").str.len().max())
                if size > limits.max_cell_bytes:
                    raise _cell_too_big(name, f"a cell of column {column!r}", size, limits)
    else:
        quoted = utf8.find(b'"', body_start) != -1
        frame = _parse_delimited(body, names, delimiter or ",", name, quoted, limits)
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
    body: memoryview, names: list[str], delimiter: str, name: str, quoted: bool, limits: Limits,
) -> pd.DataFrame:
    block = _BLOCK_SIZE
    while True:
        source = _ArrowInput(body)
        try:
            table = pacsv.read_csv(
                pa.BufferReader(source.buffer()), memory_pool=_POOL,
                read_options=pacsv.ReadOptions(column_names=names, use_threads=True,
                                               block_size=block),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted),
                convert_options=pacsv.ConvertOptions(
                    null_values=list(NULL_TOKENS), strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
            break
        except pa.ArrowInvalid as exc:
            source.settle()
            message = _first_line(exc)
            if ("straddling" in message or "block size" in message) and block < min(len(body) + 1, _MAX_BLOCK):
                # a row longer than the block: read again with a block that holds it (the whole
                # file at most, so this ends)
                block = min(max(block * 16, 1), len(body) + 1, _MAX_BLOCK)
                continue
            if "UTF8" in message or "UTF-8" in message:
                raise _NotUtf8 from None
            if message.startswith("Empty CSV file"):  # a header and nothing else
                return pd.DataFrame({n: pd.Series(dtype="str") for n in names})
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
    _check_cells(table, name, limits)
    return _arrow_to_pandas(table)


def _check_cells(table: pa.Table, name: str, limits: Limits) -> None:
    """Refuse a string cell longer than the cell limit."""
    for column_name, column in zip(table.column_names, table.columns):
        kind = column.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)
                or pa.types.is_binary(kind) or pa.types.is_large_binary(kind)):
            continue
        longest = 0
        for chunk in column.chunks:
            values = chunk.dictionary if pa.types.is_dictionary(chunk.type) else chunk
            if len(values):
                longest = max(longest, pc.max(pc.binary_length(values)).as_py() or 0)
        if longest > limits.max_cell_bytes:
            raise _cell_too_big(name, f"a cell of column {column_name!r}", longest, limits)


def _parse_whitespace(body: memoryview, names: list[str], name: str) -> pd.DataFrame:
    try:
        return pd.read_csv(
            io.BytesIO(body), sep=r"\s+", header=None, names=names, dtype=str,
            na_values=list(NULL_TOKENS), keep_default_na=False, engine="c", encoding="utf-8",
        )
    except UnicodeDecodeError:
        raise _NotUtf8 from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{name} could not be parsed as a table ({_first_line(exc)})") from None


# --------------------------------------------------------------------------------------------
# Excel .xlsx: Balancer's own streaming reader of the first worksheet

_MAIN_NS = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            "http://purl.oclc.org/ooxml/spreadsheetml/main")
_REL_NS = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://purl.oclc.org/ooxml/officeDocument/relationships")
_NULL_SET = frozenset(NULL_TOKENS)
_SKIP = object()


class _Forbidden(Exception):
    """The XML declares a DTD or entities."""


def _xml_parser() -> Any:
    """An expat parser that refuses DTDs and entity declarations (what defusedxml forbids, and
    more: no workbook needs a DTD), with namespaces resolved as ``"namespace local"``."""
    import pyexpat

    parser = pyexpat.ParserCreate(namespace_separator=" ")

    def forbid(*_args: object) -> None:
        raise _Forbidden

    parser.StartDoctypeDeclHandler = forbid
    parser.EntityDeclHandler = forbid
    parser.UnparsedEntityDeclHandler = forbid
    parser.ExternalEntityRefHandler = forbid  # type: ignore[assignment]
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    return parser


def _local(tag: str) -> str:
    return tag[tag.rfind(" ") + 1:]


def _feed(parser: Any, archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, name: str,
          what: str, hint: str) -> None:
    """Parse one zip member in blocks, refusing it when its declared or actual size passes
    ``cap`` (the member is never held whole)."""
    def refuse(size: float) -> LimitError:
        return LimitError(
            f"{name}: its {what} ({info.filename}) decompresses to {'more than ' if size == cap else ''}"
            f"{_megabytes(size)}; the limit for this file is {_megabytes(cap)} ({hint})"
        )

    if info.file_size > cap:
        raise refuse(info.file_size)
    total = 0
    with archive.open(info) as member:
        while True:
            chunk = member.read(_READ_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > cap:
                raise refuse(cap)
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _read_excel(data: bytes, name: str, limits: Limits, budget: Budget) -> pd.DataFrame:
    import pyexpat

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _read_workbook(archive, name, limits, budget)
    except _Forbidden:
        raise DataError(f"{name} is not a readable Excel workbook (its XML declares a DTD or "
                        "entities, which Balancer does not read)") from None
    except pyexpat.ExpatError as exc:
        raise DataError(f"{name} is not a readable Excel workbook (broken XML: {exc})") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, RuntimeError,
            EOFError, OSError, ValueError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{name} is not a readable Excel workbook ({_first_line(exc)})") from None


def _read_workbook(archive: zipfile.ZipFile, name: str, limits: Limits,
                   budget: Budget) -> pd.DataFrame:
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH

    members = {info.filename: info for info in archive.infolist()}
    small = min(budget.limit, _XLSX_SMALL_PART)

    # workbook.xml: the sheets in order and the date system
    sheets: list[str] = []
    date1904 = [False]
    rel_ids = {f"{ns} id" for ns in _REL_NS}

    def workbook_start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "workbookPr":
            date1904[0] = attrs.get("date1904", "").lower() in ("1", "true", "on")
        elif local == "sheet":
            rid = next((attrs[key] for key in rel_ids if key in attrs), None)
            if rid:
                sheets.append(rid)

    parser = _xml_parser()
    parser.StartElementHandler = workbook_start
    _feed(parser, archive, members["xl/workbook.xml"], small, name, "workbook part", budget.hint)

    # the workbook's relationships: where each sheet, the styles and the shared strings are
    relations: dict[str, tuple[str, str]] = {}

    def rels_start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            relations[attrs.get("Id", "")] = (attrs.get("Type", ""), target)

    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name in members:
        parser = _xml_parser()
        parser.StartElementHandler = rels_start
        _feed(parser, archive, members[rels_name], small, name, "relationships part", budget.hint)

    def part(kind: str, default: str) -> zipfile.ZipInfo | None:
        for rel_type, target in relations.values():
            if rel_type.endswith("/" + kind) and target in members:
                return members[target]
        return members.get(default)

    sheet: zipfile.ZipInfo | None = None
    for rid in sheets:
        rel_type, target = relations.get(rid, ("", ""))
        if target in members and "chartsheet" not in rel_type:
            sheet = members[target]
            break
    if sheet is None:
        raise DataError(f"{name} has no worksheet")

    styles = part("styles", "xl/styles.xml")
    date_styles, timedelta_styles = (_date_styles(archive, styles, name, small, budget.hint)
                                     if styles is not None else (frozenset(), frozenset()))
    strings_part = part("sharedStrings", "xl/sharedStrings.xml")
    strings, used = (_shared_strings(archive, strings_part, name, limits, budget)
                     if strings_part is not None else ([], 0))
    return _read_sheet(archive, sheet, name, limits, budget, strings, used, date_styles,
                       timedelta_styles, MAC_EPOCH if date1904[0] else WINDOWS_EPOCH)


def _date_styles(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, cap: int,
                 hint: str) -> tuple[frozenset[int], frozenset[int]]:
    """The cell styles whose number format is a date (and those that are a duration), as
    openpyxl decides them."""
    from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format

    custom: dict[int, str] = {}
    formats: list[int] = []
    inside = [False]

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "numFmt":
            number = attrs.get("numFmtId", "")
            if number.isdigit():
                custom[int(number)] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            inside[0] = True
        elif local == "xf" and inside[0]:
            try:
                formats.append(int(attrs.get("numFmtId", 0)))
            except ValueError:
                formats.append(0)

    def end(tag: str) -> None:
        if _local(tag) == "cellXfs":
            inside[0] = False

    parser = _xml_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    _feed(parser, archive, info, cap, name, "styles part", hint)
    dates, durations = set(), set()
    for index, number in enumerate(formats):
        code = custom[number] if number in custom else builtin_format_code(number)
        if is_date_format(code):
            dates.add(index)
        if is_timedelta_format(code):
            durations.add(index)
    return frozenset(dates), frozenset(durations)


def _shared_strings(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: Limits,
                    budget: Budget) -> tuple[list[str], int]:
    """The shared strings as openpyxl reads them (plain and rich-text runs, phonetic runs left
    out), and the memory they take; both bounded by the budget while they are read."""
    strings: list[str] = []
    parts: list[str] = []
    state = {"si": False, "rph": False, "capture": False, "used": 0}
    max_cell = limits.max_cell_bytes

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "si":
            state["si"] = True
            parts.clear()
        elif local == "rPh":
            state["rph"] = True
        elif local == "t" and state["si"] and not state["rph"]:
            state["capture"] = True

    def end(tag: str) -> None:
        local = _local(tag)
        if local == "t":
            state["capture"] = False
        elif local == "rPh":
            state["rph"] = False
        elif local == "si":
            text = "".join(parts).replace("x005F_", "")
            if len(text) > max_cell:
                raise _cell_too_big(name, f"shared string {len(strings)}", len(text), limits)
            strings.append(text)
            state["si"] = False
            state["used"] += 64 + len(text)
            if state["used"] > budget.limit:
                budget.check(state["used"], name, " (its shared strings alone)", stopped=True)

    def chars(text: str) -> None:
        if state["capture"]:
            parts.append(text)

    parser = _xml_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    _feed(parser, archive, info, budget.limit, name, "shared strings part", budget.hint)
    return strings, int(state["used"])


def _read_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: Limits,
                budget: Budget, strings: list[str], used: int, date_styles: frozenset[int],
                timedelta_styles: frozenset[int], epoch: Any) -> pd.DataFrame:
    """Stream the sheet's XML into columns of values, as ``pd.read_excel`` (openpyxl) reads them.

    Cells pandas would read as missing (empty, errors, the null tokens) are not stored, empty rows
    are skipped (pandas drops them), and values are kept per column so a sparse sheet costs its
    cells, not its extent. Rows, columns, cell sizes, the XML's size and its elements, and the
    table's estimated size are checked while reading: a row bomb stops at the limit.
    """
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    ROW, CELL, VALUE, INLINE, TEXT, PHONETIC = 1, 2, 3, 4, 5, 6
    tags: dict[str, int] = {}
    for ns in _MAIN_NS:
        tags.update({f"{ns} row": ROW, f"{ns} c": CELL, f"{ns} v": VALUE, f"{ns} is": INLINE,
                     f"{ns} t": TEXT, f"{ns} rPh": PHONETIC})
    nan = np.nan
    columns: dict[int, list[Any]] = {}
    letters_cache: dict[str, int] = {}
    max_rows = limits.max_rows + 1  # the header row too
    max_columns = limits.max_columns
    max_cell = limits.max_cell_bytes
    # every element costs parsing time even when it holds nothing (an empty cell, an unknown tag),
    # so their number is bounded too: a legit sheet has a few per stored value
    element_cap = max(budget.limit // 16, 1_000_000)
    # per-row and per-cell state, in one list for the closures (faster than nonlocal lookups)
    s: dict[str, Any] = {"row": 0, "col": 0, "stored": 0, "has": False, "ref": None, "type": "n",
                         "style": None, "sink": None, "v": [], "is": None, "in_is": False,
                         "rph": False, "bytes": float(used), "elements": 0}

    def column_of(ref: str) -> int:
        letters = ref.rstrip("0123456789")
        column = letters_cache.get(letters)
        if column is None:
            clean = letters.replace("$", "").upper()
            if not clean or len(clean) > 3 or not clean.isalpha() or not clean.isascii():
                raise DataError(f"{name}: the cell reference {ref[:20]!r} is not valid")
            column = 0
            for char in clean:
                column = column * 26 + ord(char) - 64
            letters_cache[letters] = column
        return column

    def start(tag: str, attrs: dict[str, str]) -> None:
        s["elements"] += 1
        if s["elements"] > element_cap:
            raise LimitError(f"{name}: its sheet has more than {element_cap:,} XML elements (cells, "
                             f"empty or not, and others); the limit for this file follows from "
                             f"its memory budget, {_megabytes(budget.limit)} ({budget.hint})")
        code = tags.get(tag)
        if code is None:
            return
        if code == CELL:
            s["ref"] = attrs.get("r")
            s["type"] = attrs.get("t", "n")
            s["style"] = attrs.get("s")
            s["v"] = []
            s["is"] = None
        elif code == VALUE:
            s["sink"] = s["v"]
        elif code == ROW:
            number = attrs.get("r")
            try:
                s["row"] = int(number) if number else s["row"] + 1
            except ValueError:
                raise DataError(f"{name}: the row number {str(number)[:20]!r} is not valid") from None
            if s["row"] > _XLSX_MAX_ROWS:
                raise DataError(f"{name}: its sheet has a row numbered {s['row']:,}, beyond Excel's "
                                f"last row ({_XLSX_MAX_ROWS:,}); it is not a valid workbook")
            s["col"] = 0
            s["has"] = False
        elif code == INLINE:
            s["in_is"] = True
            s["is"] = []
        elif code == TEXT:
            if s["in_is"] and not s["rph"]:
                s["sink"] = s["is"]
        elif code == PHONETIC:
            s["rph"] = True

    def end(tag: str) -> None:
        code = tags.get(tag)
        if code is None:
            return
        if code == CELL:
            finish_cell()
        elif code in (VALUE, TEXT):
            s["sink"] = None
        elif code == ROW:
            if s["has"]:
                s["stored"] += 1
                if s["stored"] > max_rows:
                    raise LimitError(_too_long(name, f"more than {limits.max_rows:,}", limits))
                need = s["bytes"] + s["stored"] * len(columns) * 8.0
                if need > budget.limit:
                    budget.check(need, name, stopped=True)
        elif code == INLINE:
            s["in_is"] = False
        elif code == PHONETIC:
            s["rph"] = False

    def chars(text: str) -> None:
        sink = s["sink"]
        if sink is not None:
            sink.append(text)

    def finish_cell() -> None:
        ref = s["ref"]
        column = column_of(ref) if ref else s["col"] + 1
        s["col"] = column
        if column > _XLSX_MAX_COLUMNS:
            raise DataError(f"{name}: its sheet has a cell in column {column:,}, beyond Excel's "
                            f"last column ({_XLSX_MAX_COLUMNS:,}); it is not a valid workbook")
        kind = s["type"]
        value: Any
        if kind == "inlineStr":
            if s["is"] is None:
                return
            value = "".join(s["is"])
            if value in _NULL_SET:
                return
            size = 64 + len(value)
        else:
            raw = "".join(s["v"]) if s["v"] else ""
            if not raw:
                return
            if kind == "n":
                try:
                    number: Any = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
                except ValueError:
                    raise DataError(f"{name}: cell {ref or column} holds {raw[:40]!r}, which is "
                                    "not a number") from None
                style = s["style"]
                if style is not None and date_styles and style.isdigit() and int(style) in date_styles:
                    try:
                        value = from_excel(number, epoch, timedelta=int(style) in timedelta_styles)
                    except (OverflowError, ValueError):
                        return  # openpyxl makes it an error cell; pandas a missing value
                    size = 64
                else:
                    try:
                        whole = int(number)
                    except (OverflowError, ValueError):
                        raise DataError(f"{name}: cell {ref or column} holds {raw[:40]!r}, which "
                                        "is not a finite number") from None
                    value = whole if whole == number else float(number)
                    size = 32
            elif kind == "s":
                try:
                    value = strings[int(raw)]
                except (ValueError, IndexError):
                    raise DataError(f"{name}: cell {ref or column} refers to shared string "
                                    f"{raw[:20]!r}, which the workbook does not have") from None
                if value in _NULL_SET:
                    return
                size = 16 + len(value)
            elif kind == "b":
                try:
                    value = bool(int(raw))
                except ValueError:
                    raise DataError(f"{name}: cell {ref or column} holds {raw[:40]!r}, which is "
                                    "not a boolean") from None
                size = 16
            elif kind == "e":
                return  # an error cell (#N/A, #DIV/0!): pandas reads it as missing
            elif kind == "d":
                try:
                    value = from_ISO8601(raw)
                except (ValueError, TypeError, OverflowError):
                    raise DataError(f"{name}: cell {ref or column} holds {raw[:40]!r}, which is "
                                    "not a date") from None
                size = 64
            else:  # "str" (a formula's text) and unknown types: the text as it is
                value = raw
                if value in _NULL_SET:
                    return
                size = 64 + len(value)
        if size > max_cell and isinstance(value, str) and len(value.encode("utf-8")) > max_cell:
            raise _cell_too_big(name, f"cell {ref or column}", len(value.encode("utf-8")), limits)
        values = columns.get(column)
        if values is None:
            if len(columns) >= max_columns:
                raise LimitError(_too_wide(name, f"more than {max_columns:,}", limits))
            values = columns[column] = []
        gap = s["stored"] - len(values)
        if gap > 0:
            values.extend([nan] * gap)
            values.append(value)
        elif gap == 0:
            values.append(value)
        else:
            values[-1] = value  # the same column twice in a row: the last one wins
        s["has"] = True
        s["bytes"] += size

    parser = _xml_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    xml_cap = min(4 * budget.limit, 1 << 62)
    _feed(parser, archive, info, xml_cap, name, "sheet", budget.hint)

    rows = s["stored"]
    budget.check(s["bytes"] + rows * len(columns) * 8.0, name)
    data: dict[int, np.ndarray] = {}
    for position, column in enumerate(sorted(columns)):
        values = columns.pop(column)
        if len(values) < rows:
            values.extend([nan] * (rows - len(values)))
        array = np.empty(rows, dtype=object)
        array[:] = values
        data[position] = array
    raw_frame = pd.DataFrame(data, index=pd.RangeIndex(rows))
    raw_frame = raw_frame.dropna(how="all").dropna(axis=1, how="all")
    if raw_frame.empty:
        raise DataError(f"{name} has no data in its first sheet")
    header = ["" if pd.isna(v) else str(v) for v in raw_frame.iloc[0].tolist()]
    names, renamed = clean_headers(header)
    _check_names(names, name, limits)
    frame = raw_frame.iloc[1:].reset_index(drop=True)
    frame.columns = names
    frame = frame.infer_objects()
    _report_renamed(frame, renamed)
    return _clean_frame(frame, convert_objects=True)


# --------------------------------------------------------------------------------------------
# Parquet: the footer and every page header are checked before Arrow reads


class _ThriftError(Exception):
    """A page header that cannot be read."""


def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= end:
            raise _ThriftError("truncated")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise _ThriftError("varint too long")


def _thrift_struct(buf: bytes, pos: int, end: int, depth: int = 0) -> tuple[dict[int, Any], int]:
    """One Thrift compact-protocol struct: ``{field id: value}`` (nested structs as dicts, lists as
    lists, binaries skipped), and the position after it."""
    if depth > 8:
        raise _ThriftError("nested too deeply")
    fields: dict[int, Any] = {}
    last = 0
    while True:
        if pos >= end:
            raise _ThriftError("truncated")
        byte = buf[pos]
        pos += 1
        if byte == 0:
            return fields, pos
        kind, delta = byte & 0x0F, byte >> 4
        if delta:
            field = last + delta
        else:
            raw, pos = _varint(buf, pos, end)
            field = (raw >> 1) ^ -(raw & 1)
        last = field
        fields[field], pos = _thrift_value(buf, pos, end, kind, depth)


def _thrift_value(buf: bytes, pos: int, end: int, kind: int, depth: int) -> tuple[Any, int]:
    if kind in (1, 2):
        return kind == 1, pos
    if kind == 3:
        if pos >= end:
            raise _ThriftError("truncated")
        return buf[pos], pos + 1
    if kind in (4, 5, 6):
        raw, pos = _varint(buf, pos, end)
        return (raw >> 1) ^ -(raw & 1), pos
    if kind == 7:
        if pos + 8 > end:
            raise _ThriftError("truncated")
        return None, pos + 8
    if kind == 8:
        size, pos = _varint(buf, pos, end)
        if pos + size > end:
            raise _ThriftError("truncated")
        return None, pos + size
    if kind in (9, 10):
        if pos >= end:
            raise _ThriftError("truncated")
        head = buf[pos]
        pos += 1
        size, element = head >> 4, head & 0x0F
        if size == 15:
            size, pos = _varint(buf, pos, end)
        if size > end - pos:
            raise _ThriftError("list too long")
        items = []
        for _ in range(size):
            if element in (1, 2):
                items.append(buf[pos] == 1)
                pos += 1
            else:
                item, pos = _thrift_value(buf, pos, end, element, depth + 1)
                items.append(item)
        return items, pos
    if kind == 11:
        size, pos = _varint(buf, pos, end)
        if size == 0:
            return None, pos
        if size > end - pos:
            raise _ThriftError("map too long")
        types = buf[pos]
        pos += 1
        for _ in range(size):
            _, pos = _thrift_value(buf, pos, end, types >> 4, depth + 1)
            _, pos = _thrift_value(buf, pos, end, types & 0x0F, depth + 1)
        return None, pos
    if kind == 12:
        return _thrift_struct(buf, pos, end, depth + 1)
    raise _ThriftError(f"unknown type {kind}")


@dataclasses.dataclass
class _ChunkScan:
    """What the page headers of one column say, summed over row groups."""

    decompressed: int = 0     # bytes Arrow decompresses pages to
    values: int = 0           # values in the data pages (rows, for a flat column)
    dictionary_bytes: int = 0
    dictionary_pages: bool = False
    pages: int = 0


_MAX_PAGES = 4_000_000
_DICTIONARY_ENCODINGS = (2, 8)  # PLAIN_DICTIONARY, RLE_DICTIONARY


def _scan_pages(meta: pq.FileMetaData, read_at: Callable[[int, int], bytes], file_size: int,
                name: str) -> list[_ChunkScan]:
    """Walk every page header of every column chunk (what Arrow will read), one scan per column."""
    scans = [_ChunkScan() for _ in range(meta.num_columns)]
    pages = 0
    for group in range(meta.num_row_groups):
        row_group = meta.row_group(group)
        for index in range(row_group.num_columns):
            chunk = row_group.column(index)
            scan = scans[index]
            start = chunk.data_page_offset
            dictionary_offset = chunk.dictionary_page_offset
            if chunk.has_dictionary_page and dictionary_offset and 0 < dictionary_offset < start:
                start = dictionary_offset
            end = start + chunk.total_compressed_size
            if start < 4 or chunk.total_compressed_size < 0 or end > file_size:
                raise _ThriftError(f"column chunk {index} of row group {group} lies outside the file")
            pos = start
            seen = 0
            window_start, window = pos, b""
            while pos < end and seen < max(chunk.num_values, 0):
                size = 1 << 14
                while True:
                    if pos < window_start or pos + size > window_start + len(window):
                        window_start, window = pos, read_at(pos, min(size, end - pos))
                    try:
                        header, after = _thrift_struct(window, pos - window_start, len(window))
                        break
                    except _ThriftError:
                        if len(window) >= end - pos:
                            raise
                        size *= 4
                        window = b""
                after += window_start
                kind = header.get(1)
                decompressed, compressed = header.get(2), header.get(3)
                if not isinstance(decompressed, int) or not isinstance(compressed, int) \
                        or decompressed < 0 or compressed < 0:
                    raise _ThriftError("a page header has no sizes")
                scan.decompressed += decompressed
                pages += 1
                scan.pages += 1
                if pages > _MAX_PAGES:
                    raise _ThriftError(f"more than {_MAX_PAGES:,} pages")
                if kind == 2:  # dictionary page
                    scan.dictionary_pages = True
                    scan.dictionary_bytes += decompressed
                elif kind in (0, 3):  # data page v1, v2
                    body = header.get(5 if kind == 0 else 8)
                    if not isinstance(body, dict) or not isinstance(body.get(1), int) or body[1] < 0:
                        raise _ThriftError("a data page header has no value count")
                    seen += body[1]
                    if body.get(2 if kind == 0 else 4) in _DICTIONARY_ENCODINGS:
                        scan.dictionary_pages = True
                pos = after + compressed
            scan.values += seen
    return scans


_PHYSICAL_WIDTH = {"BOOLEAN": 1, "INT32": 8, "INT64": 8, "INT96": 16, "FLOAT": 8, "DOUBLE": 8}


def _read_parquet(source: bytes | _ParquetPath, name: str, limits: Limits,
                  budget: Budget) -> pd.DataFrame:
    """Read a Parquet file after checking what it expands to.

    Before Arrow reads: the columns, the file's and every row group's row counts, the declared
    uncompressed sizes, and every page header (the sizes pages decompress to and the real number
    of values, which a forged footer cannot hide) against the limits and the memory budget.
    Byte-array columns with dictionary pages are read as dictionaries, and their expanded size is
    checked before they are decoded (a million references to one 1 KB string is 1 GB).
    """
    if isinstance(source, _ParquetPath):
        path = source.path
        with open(path, "rb") as handle:
            def read_at(pos: int, size: int) -> bytes:
                handle.seek(pos)
                return handle.read(size)

            table = _parquet_table(lambda: str(path), read_at, source.size, name, limits, budget)
    else:
        data = source
        holder = _ArrowInput(data)
        table = _parquet_table(lambda: pa.BufferReader(holder.buffer()),
                               lambda pos, size: data[pos:pos + size], len(data), name, limits,
                               budget, holder)
    names, renamed = clean_headers(table.column_names)
    _check_names(names, name, limits)
    frame = _arrow_to_pandas(table.rename_columns(names))
    _report_renamed(frame, renamed)
    return _clean_frame(frame)


def _parquet_table(arrow_source: Callable[[], Any], read_at: Callable[[int, int], bytes],
                   file_size: int, name: str, limits: Limits, budget: Budget,
                   holder: _ArrowInput | None = None) -> pa.Table:
    """The checked table, or a DataError/LimitError once Arrow has let go of the bytes."""
    try:
        return _read_parquet_checked(arrow_source, read_at, file_size, name, limits, budget)
    except BaseException as exc:
        if holder is not None:
            traceback.clear_frames(exc.__traceback__)  # the readers in them hold the bytes
            holder.settle()
        if isinstance(exc, (LimitError, DataError)) or not isinstance(
                exc, (pa.ArrowException, OSError, ValueError, _ThriftError)):
            raise
        raise DataError(f"{name} is not a readable Parquet file ({_first_line(exc)})") from None


def _read_parquet_checked(arrow_source: Callable[[], Any], read_at: Callable[[int, int], bytes],
                          file_size: int, name: str, limits: Limits, budget: Budget) -> pa.Table:
    parquet = pq.ParquetFile(arrow_source())
    meta = parquet.metadata
    arrow_schema = parquet.schema_arrow
    parquet.close()
    if meta.num_columns > limits.max_columns or len(arrow_schema) > limits.max_columns:
        raise LimitError(_too_wide(name, max(meta.num_columns, len(arrow_schema)), limits))
    groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    group_rows = sum(max(group.num_rows, 0) for group in groups)
    rows = max(meta.num_rows, group_rows)
    if rows > limits.max_rows:
        raise LimitError(_too_long(name, f"{rows:,}", limits))
    declared = sum(max(group.column(i).total_uncompressed_size, 0)
                   for group in groups for i in range(group.num_columns))
    budget.check(declared, name, " (its declared uncompressed size)")

    scans = _scan_pages(meta, read_at, file_size, name)
    schema = meta.schema
    flat = [schema.column(i).max_repetition_level == 0 for i in range(meta.num_columns)]
    true_rows = max([scan.values for scan, is_flat in zip(scans, flat) if is_flat] or [0])
    if true_rows > limits.max_rows:
        raise LimitError(_too_long(name, f"{true_rows:,}", limits))
    budget.check(sum(scan.decompressed for scan in scans), name, " (its pages decompressed)")
    estimate = 0.0
    dictionary_columns: list[str] = []
    owners = _leaf_owners(arrow_schema, meta.num_columns)
    counts: dict[str, int] = {}
    for field_name in arrow_schema.names:
        counts[field_name] = counts.get(field_name, 0) + 1
    for i, scan in enumerate(scans):
        column = schema.column(i)
        physical = column.physical_type
        if physical in ("BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"):
            width = 8 + (column.length or 0 if physical == "FIXED_LEN_BYTE_ARRAY" else 0)
            estimate += scan.values * width + scan.decompressed
            if physical != "BYTE_ARRAY" or not scan.dictionary_pages:
                continue
            owner = owners[i]
            field = arrow_schema.field(owner) if owner is not None else None
            if field is not None and pa.types.is_dictionary(field.type):
                continue  # stays a dictionary (a pandas categorical): nothing expands
            if field is not None and counts[field.name] == 1 and _is_bytes(field.type):
                dictionary_columns.append(field.name)  # read as a dictionary, checked before decoding
            else:
                # nested, or a name Arrow cannot single out: at most every value is the longest
                # dictionary entry, which is at most the dictionary pages' size
                estimate += scan.values * float(scan.dictionary_bytes)
        else:
            estimate += scan.values * _PHYSICAL_WIDTH.get(physical, 8)
    budget.check(estimate, name)

    reader = pq.ParquetFile(arrow_source(), read_dictionary=dictionary_columns or None)
    try:
        table = reader.read(use_threads=True)
    finally:
        reader.close()
    if table.num_rows > limits.max_rows:
        raise LimitError(_too_long(name, f"{table.num_rows:,}", limits))
    # what the table takes once the dictionary columns are decoded
    expanded = 0.0
    decode: list[tuple[int, pa.DataType]] = []
    decoded_names = set(dictionary_columns)
    for index, field in enumerate(table.schema):
        column = table.column(index)
        if pa.types.is_dictionary(field.type) and field.name in decoded_names:
            decode.append((index, arrow_schema.field(field.name).type))
            for chunk in column.chunks:
                lengths = pc.binary_length(chunk.dictionary)
                expanded += (pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0) + 8 * len(chunk)
        else:
            expanded += column.nbytes
    budget.check(expanded, name)
    _check_cells(table, name, limits)
    for index, stored in decode:
        target = stored if (pa.types.is_string(stored) or pa.types.is_large_string(stored)) else pa.string()
        column = table.column(index)
        try:
            decoded = pa.chunked_array([chunk.cast(chunk.type.value_type).cast(target) for chunk in column.chunks],
                                       type=target)
        except pa.ArrowInvalid:
            raise _not_text(name, table.column_names[index]) from None
        table = table.set_column(index, table.field(index).with_type(target), decoded)
    return _text_columns(table, name)


def _is_bytes(kind: pa.DataType) -> bool:
    return (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind)
            or pa.types.is_large_binary(kind))


def _leaf_count(kind: pa.DataType) -> int:
    if pa.types.is_struct(kind):
        return sum(_leaf_count(kind.field(i).type) for i in range(kind.num_fields))
    if pa.types.is_map(kind):
        return _leaf_count(kind.key_type) + _leaf_count(kind.item_type)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return _leaf_count(kind.value_type)
    if isinstance(kind, pa.ExtensionType):
        return _leaf_count(kind.storage_type)
    return 1


def _leaf_owners(arrow_schema: pa.Schema, leaves: int) -> list[int | None]:
    """For each Parquet leaf column, the index of the top-level Arrow field it is (None when it is
    part of a nested field, or when the schemas cannot be matched)."""
    owners: list[int | None] = []
    for index, field in enumerate(arrow_schema):
        count = _leaf_count(field.type)
        nested = count != 1 or pa.types.is_struct(field.type) or pa.types.is_map(field.type) \
            or pa.types.is_list(field.type) or pa.types.is_large_list(field.type) \
            or pa.types.is_fixed_size_list(field.type)
        owners.extend([None if nested else index] * count)
    return owners if len(owners) == leaves else [None] * leaves


def _not_text(name: str, column: str) -> DataError:
    return DataError(
        f"{name}: column {column!r} holds binary data that is not text (UTF-8); Balancer reads "
        "text, numbers, booleans and dates. Drop the column or convert it to text and upload again"
    )


def _text_columns(table: pa.Table, name: str) -> pa.Table:
    """Binary columns that hold UTF-8 become text; text that is not UTF-8 is refused."""
    for index, field in enumerate(table.schema):
        kind = field.type
        value_type = kind.value_type if pa.types.is_dictionary(kind) else kind
        column = table.column(index)
        if pa.types.is_binary(value_type) or pa.types.is_large_binary(value_type) \
                or pa.types.is_fixed_size_binary(value_type):
            target = pa.large_string() if pa.types.is_large_binary(value_type) else pa.string()
            try:
                chunks = [(chunk.cast(chunk.type.value_type) if pa.types.is_dictionary(chunk.type) else chunk)
                          for chunk in column.chunks]
                if pa.types.is_fixed_size_binary(value_type):
                    chunks = [chunk.cast(pa.binary()) for chunk in chunks]
                decoded = pa.chunked_array([chunk.cast(target) for chunk in chunks], type=target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise _not_text(name, field.name) from None
            table = table.set_column(index, field.with_type(target), decoded)
        elif pa.types.is_string(value_type) or pa.types.is_large_string(value_type):
            try:
                for chunk in column.chunks:
                    chunk.validate(full=True)
            except pa.ArrowInvalid:
                raise _not_text(name, field.name) from None
    return table


# --------------------------------------------------------------------------------------------
# Arrow and pandas


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


__all__ = [
    "EXTENSIONS",
    "UPLOAD_EXTENSIONS",
    "NULL_TOKENS",
    "Budget",
    "Limits",
    "clean_headers",
    "csv_header",
    "decode_text",
    "detect_format",
    "escape_formula",
    "escape_formulas",
    "read_file",
    "read_table",
    "sniff_delimiter",
    "to_arrow",
    "write_csv",
    "write_csv_file",
]
