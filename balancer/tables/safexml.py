"""XML for the workbook reader: an expat parser with DTDs and entities forbidden, fed in bounded
blocks from a zip member (never a tree, never the whole member in memory)."""

from __future__ import annotations

import zipfile
from typing import Any

from ..errors import LimitError
from .files import READ_CHUNK
from .limits import megabytes


class Forbidden(Exception):
    """The XML declares a DTD or entities."""


def _forbid(*_args: object) -> None:
    raise Forbidden


def xml_parser() -> Any:
    """An expat parser that refuses DTDs and entity declarations (what defusedxml forbids, and
    more: no workbook needs a DTD), with namespaces resolved as ``"namespace local"``."""
    import pyexpat

    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid  # type: ignore[assignment]
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    return parser


def local(tag: str) -> str:
    """A tag's local name (``"namespace local"`` -> ``"local"``)."""
    return tag[tag.rfind(" ") + 1:]


def feed(parser: Any, archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, name: str,
         what: str, hint: str) -> int:
    """Parse one zip member in blocks, refusing it when its declared or actual size passes
    ``cap`` (the member is never held whole). Returns the bytes it decompressed to."""
    def refuse(size: float) -> LimitError:
        return LimitError(
            f"{name}: its {what} ({info.filename}) decompresses to {'more than ' if size == cap else ''}"
            f"{megabytes(size)}; the limit for this file is {megabytes(cap)} ({hint})"
        )

    if info.file_size > cap:
        raise refuse(info.file_size)
    total = 0
    with archive.open(info) as member:
        while True:
            chunk = member.read(READ_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > cap:
                raise refuse(cap)
            parser.Parse(chunk, False)
    parser.Parse(b"", True)
    return total
