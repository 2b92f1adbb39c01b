"""Which reader a file's bytes go to: the format found from the content, and gzip undone first.

gzip is decompressed in a bounded stream (the upload limit, and the memory budget of the
compressed file), so a decompression bomb stops at the limit.
"""

from __future__ import annotations

import io
import zipfile
import zlib

import pandas as pd

from ..errors import DataError, LimitError
from .files import READ_CHUNK, SNIFF_BYTES, check_zip_directory, refuse_binary_head
from .limits import Budget, Limits, megabytes
from .parquet import read_parquet
from .text import read_text
from .xlsx import read_excel


def detect_format(data: bytes, name: str) -> str:
    """Return ``"parquet"``, ``"xlsx"``, ``"gzip"`` or ``"text"`` for the content, or raise."""
    lower = name.lower()
    if data.startswith(b"PAR1"):
        return "parquet"
    if data.startswith(b"\x1f\x8b"):
        return "gzip"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_format(data, name)
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


def _zip_format(data: bytes, name: str) -> str:
    """``"xlsx"`` for a workbook; any other zip archive is refused."""
    check_zip_directory(data, name)
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


def read_bytes(data: bytes, name: str, limits: Limits, budget: Budget, *, sheet: str | None = None,
               header_row: int | None = None) -> pd.DataFrame:
    """Read a table from its bytes, whatever its format (``sheet`` and ``header_row``: see
    :func:`balancer.tables.read_table`)."""
    if not data or data.isspace():
        raise DataError(f"{name} is empty")
    refuse_binary_head(data[:SNIFF_BYTES], name)
    kind = detect_format(data, name)
    if kind == "gzip":
        inner = gunzip(data, name, limits, budget)
        inner_name = name[:-3] if name.lower().endswith(".gz") else name
        if detect_format(inner, inner_name) == "gzip":
            raise DataError(f"{name} is compressed twice; decompress it and upload the table")
        return read_bytes(inner, inner_name, limits, budget, sheet=sheet, header_row=header_row)
    check_choices(kind, name, sheet, header_row)
    if kind == "parquet":
        return read_parquet(data, name, limits, budget)
    if kind == "xlsx":
        return read_excel(data, name, limits, budget, sheet=sheet, header_row=header_row)
    return read_text(data, name, limits, budget, header_row=header_row)


def check_choices(kind: str, name: str, sheet: str | None, header_row: int | None) -> None:
    """Refuse a sheet for a format without sheets, and a header row for Parquet (its column
    names are stored in it)."""
    what = {"parquet": "a Parquet file", "text": "a text table (CSV, TSV or TXT)"}.get(kind)
    if what is not None and sheet is not None:
        raise DataError(f"{name} is {what}; it has no sheets (sheet={sheet!r} is for Excel workbooks)")
    if kind == "parquet" and header_row is not None:
        raise DataError(f"{name} is a Parquet file; its column names are stored in it, so it has no "
                        f"header row to choose (header_row={header_row!r} is for text and Excel files)")


def gunzip(data: bytes, name: str, limits: Limits, budget: Budget) -> bytes:
    """Decompress gzip content, bounded (no decompression bomb) and strict (a truncated file is an
    error, not less data): at most the upload limit, and at most the file's memory budget."""
    cap = min(limits.max_bytes, budget.limit)
    stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
    chunks: list[bytes] = []
    total = 0
    try:
        view = memoryview(data)
        for start in range(0, len(data), READ_CHUNK):
            piece: bytes | memoryview = view[start:start + READ_CHUNK]
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
        raise _gzip_too_big(name, cap, limits, budget)
    if not stream.eof:
        raise DataError(f"{name} looks gzip-compressed but cannot be decompressed: it ends early "
                        "(the file is damaged or was cut off)")
    return b"".join(chunks)


def _gzip_too_big(name: str, cap: int, limits: Limits, budget: Budget) -> LimitError:
    if cap == limits.max_bytes:
        return LimitError(f"{name} decompresses to more than {megabytes(cap)}; the limit is "
                          f"{megabytes(cap)} (set BALANCER_MAX_UPLOAD_MB to raise it)")
    return LimitError(f"{name} decompresses to more than {megabytes(cap)}; the limit for this "
                      f"file is {megabytes(cap)} ({budget.hint})")
