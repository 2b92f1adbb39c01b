"""Opening a table file safely: bounded reads of files, pipes and ``/proc``, devices refused.

A regular Parquet file is not read here: Arrow reads it itself (:class:`ParquetPath`), so its
bytes are never held as a whole.
"""

from __future__ import annotations

import codecs
import dataclasses
import io
import os
import stat
import struct
import zipfile
from pathlib import Path
from typing import Any

from ..errors import DataError, LimitError
from .limits import Limits, megabytes, too_big

#: Bytes read at a time from a file, a pipe or a zip member.
READ_CHUNK = 1 << 20
#: The first bytes of a file, enough to tell text from binary and to sniff a delimiter.
SNIFF_BYTES = 64 * 1024
_KNOWN_HEADS = (b"PAR1", b"\x1f\x8b", b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0",
                codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclasses.dataclass(frozen=True)
class ParquetPath:
    """A regular Parquet file, for Arrow to read from its path."""

    path: Path
    size: int


def open_path(path: Path, name: str, limits: Limits, *,
              parquet_by_path: bool = True) -> bytes | ParquetPath:
    """The content of ``path`` as bytes (bounded), or a regular Parquet file for Arrow to read."""
    info = _stat(path)
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise DataError(f"{path} is a folder; give the path of one table file")
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
        raise DataError(
            f"{path} is a device or socket, not a file; give the path of a table file (CSV, TSV, "
            "TXT, Excel .xlsx or Parquet)"
        )
    if stat.S_ISREG(mode) and info.st_size > limits.max_bytes:
        raise LimitError(too_big(name, info.st_size, limits.max_bytes))
    try:
        with open(path, "rb") as handle:
            return _read_open(handle, path, name, limits, parquet_by_path)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None


def _stat(path: Path) -> os.stat_result:
    try:
        return os.stat(path)
    except FileNotFoundError:
        raise DataError(f"no such file: {path}") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None


def _read_open(handle: Any, path: Path, name: str, limits: Limits,
               parquet_by_path: bool) -> bytes | ParquetPath:
    """The content of an open file: its size checked first when it is a regular file."""
    opened = os.fstat(handle.fileno())
    regular = stat.S_ISREG(opened.st_mode)
    if regular and opened.st_size > limits.max_bytes:
        raise LimitError(too_big(name, opened.st_size, limits.max_bytes))
    if parquet_by_path and regular and opened.st_size >= 12:
        if handle.read(4) == b"PAR1":
            return ParquetPath(path, opened.st_size)
        handle.seek(0)
    return read_bounded(handle, limits.max_bytes, name, opened.st_size if regular else 0)


def read_bounded(handle: io.BufferedIOBase | Any, limit: int, name: str, size_hint: int = 0) -> bytes:
    """Read at most ``limit`` bytes (refusing more) from a file, a pipe or a ``/proc`` file."""
    chunks: list[bytes] = []
    total = 0
    while True:
        want = min(max(size_hint, READ_CHUNK) if not chunks else READ_CHUNK, limit + 1 - total)
        chunk = handle.read(want)
        if not chunk:
            break
        if not chunks:
            refuse_binary_head(chunk[:SNIFF_BYTES], name)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise LimitError(
                f"{name} is more than {megabytes(limit)}; the limit is {megabytes(limit)} "
                "(set BALANCER_MAX_UPLOAD_MB to raise it)"
            )
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def refuse_binary_head(head: bytes, name: str) -> None:
    """Refuse content that is neither a known container nor text from its first block, so an
    endless binary stream (``/dev/zero``) is not read to the limit first."""
    if head.startswith(_KNOWN_HEADS):
        return
    if b"\x00" in head:
        raise DataError(
            f"{name} is binary, not a text table; upload CSV, TSV, TXT, Excel .xlsx or Parquet"
        )


#: The largest zip directory read for a workbook: about 10,000 members (a workbook of 1,000 sheets
#: has about 3,000), at most 22,795 (46 bytes each at least); zipfile makes an object per member
#: before anything else can be checked.
ZIP_DIRECTORY_BYTES = 1 << 20


def check_zip_directory(data: bytes, name: str, limit: int = ZIP_DIRECTORY_BYTES) -> None:
    """Refuse a zip archive whose central directory is larger than ``limit`` bytes, before
    :class:`zipfile.ZipFile` reads it: a 51 MB "workbook" listing 1,000,000 one-byte members took
    810 MB and 12 s to open (a gzipped one, 2.7 MB, the same). The size is the one zipfile itself
    reads the directory by, from zipfile's own reading of the end records (``_EndRecData``, zip64
    included): a parser of Balancer's could be shown another end record than zipfile uses (a
    review planted a second signature in the entry counts, and a zip64 record beside a small
    classic size). An archive zipfile finds no end record in is left for zipfile to refuse."""
    try:
        end = zipfile._EndRecData(io.BytesIO(data))  # type: ignore[attr-defined]
    except (zipfile.BadZipFile, OSError, ValueError, struct.error) as exc:  # e.g. a zip "on several disks"
        raise DataError(f"{name} is a damaged zip archive ({' '.join(str(exc).split())[:120]})") from None
    if not end:
        return
    entries, size = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]  # type: ignore[attr-defined]
    if size > limit:
        raise LimitError(f"{name} is a zip archive whose directory lists {entries:,} members in "
                         f"{size / 2**20:,.1f} MB; the limit is {limit / 2**20:,.0f} MB, far more than it "
                         "needs")
