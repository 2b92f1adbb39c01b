"""Parquet: the footer and every page header are checked before Arrow reads.

Before Arrow reads: the columns, the file's and every row group's row counts, the declared
uncompressed sizes, and every page header (the sizes pages decompress to and the real number of
values, which a forged footer cannot hide; see :mod:`balancer.tables.pages`) against the limits
and the memory budget. Byte-array columns with dictionary pages are read as dictionaries, and their
expanded size is checked before they are decoded (a million references to one 1 KB string is
1 GB). Text that is not UTF-8 (a binary column) is refused with a
:class:`~balancer.errors.DataError` naming the column; binary columns that hold UTF-8 text are read
as text.
"""

from __future__ import annotations

import traceback
from collections import Counter
from collections.abc import Callable
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import DataError, LimitError
from .arrow import ArrowInput, arrow_to_pandas, check_cells, is_bytes
from .clean import clean_frame, clean_headers, report_renamed
from .files import ParquetPath
from .limits import Budget, Limits, check_names, first_line, too_long, too_wide
from .pages import ChunkScan, ReadAt, scan_pages
from .thrift import ThriftError

_PHYSICAL_WIDTH = {"BOOLEAN": 1, "INT32": 8, "INT64": 8, "INT96": 16, "FLOAT": 8, "DOUBLE": 8}
ArrowSource = Callable[[], Any]  # a fresh source Arrow can read the file from


def read_parquet(source: bytes | ParquetPath, name: str, limits: Limits,
                 budget: Budget) -> pd.DataFrame:
    """Read a Parquet file (its bytes, or a path Arrow reads itself) after checking what it
    expands to (see the module)."""
    if isinstance(source, ParquetPath):
        path = source.path
        with open(path, "rb") as handle:
            def read_at(pos: int, size: int) -> bytes:
                handle.seek(pos)
                return handle.read(size)

            table = _checked_table(lambda: str(path), read_at, source.size, name, limits, budget)
    else:
        data = source
        holder = ArrowInput(data)
        table = _checked_table(lambda: pa.BufferReader(holder.buffer()),
                               lambda pos, size: data[pos:pos + size], len(data), name, limits,
                               budget, holder)
    names, renamed = clean_headers(table.column_names)
    check_names(names, name, limits)
    frame = arrow_to_pandas(table.rename_columns(names))
    report_renamed(frame, renamed)
    frame = clean_frame(frame)
    frame.attrs["format"] = {"kind": "parquet"}
    return frame


def _checked_table(arrow_source: ArrowSource, read_at: ReadAt, file_size: int, name: str,
                   limits: Limits, budget: Budget, holder: ArrowInput | None = None) -> pa.Table:
    """The checked table, or a DataError/LimitError once Arrow has let go of the bytes."""
    try:
        return _read_checked(arrow_source, read_at, file_size, name, limits, budget)
    except BaseException as exc:
        if holder is not None:
            traceback.clear_frames(exc.__traceback__)  # the readers in them hold the bytes
            holder.settle()
        if isinstance(exc, (LimitError, DataError)) or not isinstance(
                exc, (pa.ArrowException, OSError, ValueError, ThriftError)):
            raise
        raise DataError(f"{name} is not a readable Parquet file ({first_line(exc)})") from None


def _read_checked(arrow_source: ArrowSource, read_at: ReadAt, file_size: int, name: str,
                  limits: Limits, budget: Budget) -> pa.Table:
    parquet = pq.ParquetFile(arrow_source())
    meta, arrow_schema = parquet.metadata, parquet.schema_arrow
    parquet.close()
    _check_footer(meta, arrow_schema, name, limits, budget)
    scans = scan_pages(meta, read_at, file_size)
    _check_pages(meta, scans, name, limits, budget)
    estimate, dictionary_columns = _estimate(meta, arrow_schema, scans)
    budget.check(estimate, name)

    reader = pq.ParquetFile(arrow_source(), read_dictionary=dictionary_columns or None)
    try:
        table = reader.read(use_threads=True)
    finally:
        reader.close()
    if table.num_rows > limits.max_rows:
        raise LimitError(too_long(name, f"{table.num_rows:,}", limits))
    expanded, decode = _expanded_size(table, arrow_schema, set(dictionary_columns))
    budget.check(expanded, name)
    check_cells(table, name, limits)
    return _text_columns(_decode(table, decode, name), name)


def _check_footer(meta: pq.FileMetaData, arrow_schema: pa.Schema, name: str, limits: Limits,
                  budget: Budget) -> None:
    """What the footer claims: columns, rows (of the file and of its row groups) and sizes."""
    if meta.num_columns > limits.max_columns or len(arrow_schema) > limits.max_columns:
        raise LimitError(too_wide(name, max(meta.num_columns, len(arrow_schema)), limits))
    groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    rows = max(meta.num_rows, sum(max(group.num_rows, 0) for group in groups))
    if rows > limits.max_rows:
        raise LimitError(too_long(name, f"{rows:,}", limits))
    declared = sum(max(group.column(i).total_uncompressed_size, 0)
                   for group in groups for i in range(group.num_columns))
    budget.check(declared, name, " (its declared uncompressed size)")


def _check_pages(meta: pq.FileMetaData, scans: list[ChunkScan], name: str, limits: Limits,
                 budget: Budget) -> None:
    """What the page headers say: the true rows (of the flat columns) and the decompressed size."""
    schema = meta.schema
    flat = [schema.column(i).max_repetition_level == 0 for i in range(meta.num_columns)]
    true_rows = max([scan.values for scan, is_flat in zip(scans, flat) if is_flat] or [0])
    if true_rows > limits.max_rows:
        raise LimitError(too_long(name, f"{true_rows:,}", limits))
    budget.check(sum(scan.decompressed for scan in scans), name, " (its pages decompressed)")


def _estimate(meta: pq.FileMetaData, arrow_schema: pa.Schema,
              scans: list[ChunkScan]) -> tuple[float, list[str]]:
    """The table's size once read, and the byte-array columns to read as dictionaries (their
    expanded size is checked after reading, before they are decoded)."""
    schema = meta.schema
    owners = _leaf_owners(arrow_schema, meta.num_columns)
    counts = Counter(arrow_schema.names)
    estimate = 0.0
    dictionary_columns: list[str] = []
    for i, scan in enumerate(scans):
        column = schema.column(i)
        physical = column.physical_type
        if physical not in ("BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"):
            estimate += scan.values * _PHYSICAL_WIDTH.get(physical, 8)
            continue
        width = 8 + (column.length or 0 if physical == "FIXED_LEN_BYTE_ARRAY" else 0)
        estimate += scan.values * width + scan.decompressed
        if physical != "BYTE_ARRAY" or not scan.dictionary_pages:
            continue
        owner = owners[i]
        field = arrow_schema.field(owner) if owner is not None else None
        if field is not None and pa.types.is_dictionary(field.type):
            continue  # stays a dictionary (a pandas categorical): nothing expands
        if field is not None and counts[field.name] == 1 and is_bytes(field.type):
            dictionary_columns.append(field.name)  # read as a dictionary, checked before decoding
        else:
            # nested, or a name Arrow cannot single out: at most every value is the longest
            # dictionary entry, which is at most the dictionary pages' size
            estimate += scan.values * float(scan.dictionary_bytes)
    return estimate, dictionary_columns


def _expanded_size(table: pa.Table, arrow_schema: pa.Schema,
                   decoded_names: set[str]) -> tuple[float, list[tuple[int, pa.DataType]]]:
    """What the table takes once the dictionary columns read for checking are decoded, and
    those columns (index, stored type)."""
    expanded = 0.0
    decode: list[tuple[int, pa.DataType]] = []
    for index, field in enumerate(table.schema):
        column = table.column(index)
        if pa.types.is_dictionary(field.type) and field.name in decoded_names:
            decode.append((index, arrow_schema.field(field.name).type))
            for chunk in column.chunks:
                lengths = pc.binary_length(chunk.dictionary)
                expanded += (pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0) + 8 * len(chunk)
        else:
            expanded += column.nbytes
    return expanded, decode


def _decode(table: pa.Table, decode: list[tuple[int, pa.DataType]], name: str) -> pa.Table:
    """The dictionary columns decoded to their stored type (text for binaries)."""
    for index, stored in decode:
        target = stored if (pa.types.is_string(stored) or pa.types.is_large_string(stored)) else pa.string()
        column = table.column(index)
        try:
            decoded = pa.chunked_array([chunk.cast(chunk.type.value_type).cast(target) for chunk in column.chunks],
                                       type=target)
        except pa.ArrowInvalid:
            raise _not_text(name, table.column_names[index]) from None
        table = table.set_column(index, table.field(index).with_type(target), decoded)
    return table


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
        if pa.types.is_binary(value_type) or pa.types.is_large_binary(value_type) \
                or pa.types.is_fixed_size_binary(value_type):
            table = table.set_column(index, *_as_text(table.column(index), field, value_type, name))
        elif pa.types.is_string(value_type) or pa.types.is_large_string(value_type):
            try:
                for chunk in table.column(index).chunks:
                    chunk.validate(full=True)
            except pa.ArrowInvalid:
                raise _not_text(name, field.name) from None
    return table


def _as_text(column: pa.ChunkedArray, field: pa.Field, value_type: pa.DataType,
             name: str) -> tuple[pa.Field, pa.ChunkedArray]:
    """A binary column as text, or a DataError when it is not UTF-8."""
    target = pa.large_string() if pa.types.is_large_binary(value_type) else pa.string()
    try:
        chunks = [(chunk.cast(chunk.type.value_type) if pa.types.is_dictionary(chunk.type) else chunk)
                  for chunk in column.chunks]
        if pa.types.is_fixed_size_binary(value_type):
            chunks = [chunk.cast(pa.binary()) for chunk in chunks]
        decoded = pa.chunked_array([chunk.cast(target) for chunk in chunks], type=target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise _not_text(name, field.name) from None
    return field.with_type(target), decoded
