"""Every page header of a Parquet file, read before Arrow reads the pages.

A footer can lie about row counts and sizes; the page headers say what Arrow will really
decompress and how many values it will really decode. :func:`scan_pages` walks them all (what Arrow
will read), column chunk by column chunk, and sums them per column.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pyarrow.parquet as pq

from .thrift import ThriftError, read_struct

ReadAt = Callable[[int, int], bytes]  # (offset, size) -> the file's bytes there
MAX_PAGES = 4_000_000
_DICTIONARY_ENCODINGS = (2, 8)  # PLAIN_DICTIONARY, RLE_DICTIONARY
_DICTIONARY_PAGE, _DATA_PAGE, _DATA_PAGE_V2 = 2, 0, 3


@dataclasses.dataclass
class ChunkScan:
    """What the page headers of one column say, summed over row groups."""

    decompressed: int = 0     # bytes Arrow decompresses pages to
    values: int = 0           # values in the data pages (rows, for a flat column)
    dictionary_bytes: int = 0
    dictionary_pages: bool = False
    pages: int = 0

    def add(self, header: dict[int, Any]) -> tuple[int, int]:
        """Count one page header; return its number of values and its compressed size."""
        kind = header.get(1)
        decompressed, compressed = header.get(2), header.get(3)
        if not isinstance(decompressed, int) or not isinstance(compressed, int) \
                or decompressed < 0 or compressed < 0:
            raise ThriftError("a page header has no sizes")
        self.decompressed += decompressed
        self.pages += 1
        if kind == _DICTIONARY_PAGE:
            self.dictionary_pages = True
            self.dictionary_bytes += decompressed
            return 0, compressed
        if kind not in (_DATA_PAGE, _DATA_PAGE_V2):
            return 0, compressed  # an index page: no values
        body = header.get(5 if kind == _DATA_PAGE else 8)
        if not isinstance(body, dict) or not isinstance(body.get(1), int) or body[1] < 0:
            raise ThriftError("a data page header has no value count")
        if body.get(2 if kind == _DATA_PAGE else 4) in _DICTIONARY_ENCODINGS:
            self.dictionary_pages = True
        return body[1], compressed


class _Window:
    """The bytes of one column chunk read ahead, so most page headers cost no read of their own."""

    def __init__(self, read_at: ReadAt, end: int) -> None:
        self.read_at, self.end = read_at, end
        self.start, self.data = 0, b""

    def header(self, pos: int) -> tuple[dict[int, Any], int]:
        """The page header at ``pos`` and the position after it (the window grows for a long one)."""
        size = 1 << 14
        while True:
            if pos < self.start or pos + size > self.start + len(self.data):
                self.start, self.data = pos, self.read_at(pos, min(size, self.end - pos))
            try:
                header, after = read_struct(self.data, pos - self.start, len(self.data))
                return header, after + self.start
            except ThriftError:
                if len(self.data) >= self.end - pos:
                    raise
                size *= 4
                self.data = b""


def scan_pages(meta: pq.FileMetaData, read_at: ReadAt, file_size: int) -> list[ChunkScan]:
    """Walk every page header of every column chunk (what Arrow will read), one scan per column."""
    scans = [ChunkScan() for _ in range(meta.num_columns)]
    pages = 0
    for group in range(meta.num_row_groups):
        row_group = meta.row_group(group)
        for index in range(row_group.num_columns):
            pages = _scan_chunk(row_group.column(index), scans[index], read_at, file_size,
                                (group, index), pages)
    return scans


def _scan_chunk(chunk: Any, scan: ChunkScan, read_at: ReadAt, file_size: int,
                where: tuple[int, int], pages: int) -> int:
    """Add the pages of one column chunk to its column's scan, up to the values it declares;
    return the pages of the file counted so far (``pages`` before)."""
    start, end = _chunk_range(chunk, file_size, where)
    window = _Window(read_at, end)
    pos, seen = start, 0
    while pos < end and seen < max(chunk.num_values, 0):
        header, after = window.header(pos)
        values, compressed = scan.add(header)
        pages += 1
        if pages > MAX_PAGES:
            raise ThriftError(f"more than {MAX_PAGES:,} pages")
        seen += values
        pos = after + compressed
    scan.values += seen
    return pages


def _chunk_range(chunk: Any, file_size: int, where: tuple[int, int]) -> tuple[int, int]:
    """Where a column chunk's pages lie (its dictionary page first), checked to be in the file."""
    start = chunk.data_page_offset
    dictionary_offset = chunk.dictionary_page_offset
    if chunk.has_dictionary_page and dictionary_offset and 0 < dictionary_offset < start:
        start = dictionary_offset
    end = start + chunk.total_compressed_size
    if start < 4 or chunk.total_compressed_size < 0 or end > file_size:
        group, index = where
        raise ThriftError(f"column chunk {index} of row group {group} lies outside the file")
    return start, end
