"""A small, bounded reader of Thrift's compact protocol: enough to read Parquet page headers.

Structs come back as ``{field id: value}`` (nested structs as dicts, lists as lists; binaries,
doubles and maps are skipped), and every length is checked against the end of the buffer, so a
forged header raises :class:`ThriftError` instead of reading beyond it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_MAX_DEPTH = 8


class ThriftError(Exception):
    """A page header that cannot be read."""


def varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """An unsigned LEB128 integer at ``pos``, and the position after it."""
    result = shift = 0
    while True:
        if pos >= end:
            raise ThriftError("truncated")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ThriftError("varint too long")


def _zigzag(raw: int) -> int:
    return (raw >> 1) ^ -(raw & 1)


def read_struct(buf: bytes, pos: int, end: int, depth: int = 0) -> tuple[dict[int, Any], int]:
    """One Thrift compact-protocol struct: ``{field id: value}``, and the position after it."""
    if depth > _MAX_DEPTH:
        raise ThriftError("nested too deeply")
    fields: dict[int, Any] = {}
    last = 0
    while True:
        if pos >= end:
            raise ThriftError("truncated")
        byte = buf[pos]
        pos += 1
        if byte == 0:
            return fields, pos
        kind, delta = byte & 0x0F, byte >> 4
        if delta:
            field = last + delta
        else:
            raw, pos = varint(buf, pos, end)
            field = _zigzag(raw)
        last = field
        fields[field], pos = read_value(buf, pos, end, kind, depth)


def read_value(buf: bytes, pos: int, end: int, kind: int, depth: int) -> tuple[Any, int]:
    """One value of compact type ``kind`` at ``pos``, and the position after it."""
    reader = _READERS.get(kind)
    if reader is None:
        raise ThriftError(f"unknown type {kind}")
    return reader(buf, pos, end, kind, depth)


def _boolean(buf: bytes, pos: int, end: int, kind: int, depth: int) -> tuple[Any, int]:
    return kind == 1, pos  # a struct field's boolean is in its type


def _byte(buf: bytes, pos: int, end: int, kind: int, depth: int) -> tuple[Any, int]:
    if pos >= end:
        raise ThriftError("truncated")
    return buf[pos], pos + 1


def _integer(buf: bytes, pos: int, end: int, kind: int, depth: int) -> tuple[Any, int]:
    raw, pos = varint(buf, pos, end)
    return _zigzag(raw), pos


def _double(buf: bytes, pos: int, end: int, kind: int, depth: int) -> tuple[Any, int]:
    if pos + 8 > end:
        raise ThriftError("truncated")
    return None, pos + 8


def _binary(buf: bytes, pos: int, end: int, kind: int, depth: int) -> tuple[Any, int]:
    size, pos = varint(buf, pos, end)
    if pos + size > end:
        raise ThriftError("truncated")
    return None, pos + size


def _list(buf: bytes, pos: int, end: int, kind: int, depth: int) -> tuple[Any, int]:
    if pos >= end:
        raise ThriftError("truncated")
    head = buf[pos]
    pos += 1
    size, element = head >> 4, head & 0x0F
    if size == 15:
        size, pos = varint(buf, pos, end)
    if size > end - pos:
        raise ThriftError("list too long")
    items = []
    for _ in range(size):
        if element in (1, 2):  # a list's booleans take a byte each
            items.append(buf[pos] == 1)
            pos += 1
        else:
            item, pos = read_value(buf, pos, end, element, depth + 1)
            items.append(item)
    return items, pos


def _map(buf: bytes, pos: int, end: int, kind: int, depth: int) -> tuple[Any, int]:
    size, pos = varint(buf, pos, end)
    if size == 0:
        return None, pos
    if size > end - pos:
        raise ThriftError("map too long")
    types = buf[pos]
    pos += 1
    for _ in range(size):
        _, pos = read_value(buf, pos, end, types >> 4, depth + 1)
        _, pos = read_value(buf, pos, end, types & 0x0F, depth + 1)
    return None, pos


def _struct(buf: bytes, pos: int, end: int, kind: int, depth: int) -> tuple[Any, int]:
    return read_struct(buf, pos, end, depth + 1)


_READERS: dict[int, Callable[[bytes, int, int, int, int], tuple[Any, int]]] = {
    1: _boolean, 2: _boolean, 3: _byte, 4: _integer, 5: _integer, 6: _integer, 7: _double,
    8: _binary, 9: _list, 10: _list, 11: _map, 12: _struct,
}
