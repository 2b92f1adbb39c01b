"""Excel ``.xlsx``: Balancer's own streaming reader of a workbook's first worksheet.

The workbook's parts (its sheet list, relationships, styles and shared strings) are read here with
``pyexpat`` (DTDs and entities forbidden, never a tree); the sheet itself by
:class:`~balancer.tables.sheet.SheetReader`. The zip members' declared and actual sizes are
bounded, and the shared strings count against the memory budget while they are read.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from typing import Any

import pandas as pd

from ..errors import DataError
from .limits import MB, Budget, Limits, cell_too_big, first_line
from .safexml import Forbidden, feed, local, xml_parser
from .sheet import SheetReader

_REL_NS = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://purl.oclc.org/ooxml/officeDocument/relationships")
_REL_IDS = frozenset(f"{ns} id" for ns in _REL_NS)
_SMALL_PART = 32 * MB  # workbook.xml, its relationships and styles.xml
_BROKEN = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, RuntimeError,
           EOFError, OSError, ValueError)


def read_excel(data: bytes, name: str, limits: Limits, budget: Budget) -> pd.DataFrame:
    """Read the first worksheet of a workbook; anything unreadable is a :class:`DataError`."""
    import pyexpat

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _read_workbook(archive, name, limits, budget)
    except Forbidden:
        raise DataError(f"{name} is not a readable Excel workbook (its XML declares a DTD or "
                        "entities, which Balancer does not read)") from None
    except pyexpat.ExpatError as exc:
        raise DataError(f"{name} is not a readable Excel workbook (broken XML: {exc})") from None
    except _BROKEN as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{name} is not a readable Excel workbook ({first_line(exc)})") from None


class _Parts:
    """A workbook's zip members, read within the bounds of one file."""

    def __init__(self, archive: zipfile.ZipFile, name: str, budget: Budget) -> None:
        self.archive, self.name, self.hint = archive, name, budget.hint
        self.members = {info.filename: info for info in archive.infolist()}
        self.small = min(budget.limit, _SMALL_PART)

    def parse(self, info: zipfile.ZipInfo, what: str, start: Any, end: Any = None,
              chars: Any = None, cap: int | None = None) -> None:
        """Feed one member to a fresh parser with these handlers (``cap``: default a small part)."""
        parser = xml_parser()
        parser.StartElementHandler = start
        if end is not None:
            parser.EndElementHandler = end
        if chars is not None:
            parser.CharacterDataHandler = chars
        feed(parser, self.archive, info, self.small if cap is None else cap, self.name, what, self.hint)


def _read_workbook(archive: zipfile.ZipFile, name: str, limits: Limits,
                   budget: Budget) -> pd.DataFrame:
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH

    parts = _Parts(archive, name, budget)
    sheets, date1904 = _sheet_ids(parts)
    relations = _relations(parts)
    sheet = _first_worksheet(parts, sheets, relations)
    styles = _part(parts, relations, "styles", "xl/styles.xml")
    date_styles, timedelta_styles = (_date_styles(parts, styles) if styles is not None
                                     else (frozenset(), frozenset()))
    strings_part = _part(parts, relations, "sharedStrings", "xl/sharedStrings.xml")
    strings, used = (_SharedStrings(name, limits, budget).read(parts, strings_part)
                     if strings_part is not None else ([], 0))
    reader = SheetReader(name, limits, budget, strings, used, date_styles, timedelta_styles,
                         MAC_EPOCH if date1904 else WINDOWS_EPOCH)
    return reader.read(archive, sheet)


def _sheet_ids(parts: _Parts) -> tuple[list[str], bool]:
    """workbook.xml: the relationship ids of the sheets in order, and the 1904 date system."""
    sheets: list[str] = []
    date1904 = [False]

    def start(tag: str, attrs: dict[str, str]) -> None:
        name = local(tag)
        if name == "workbookPr":
            date1904[0] = attrs.get("date1904", "").lower() in ("1", "true", "on")
        elif name == "sheet":
            rid = next((attrs[key] for key in _REL_IDS if key in attrs), None)
            if rid:
                sheets.append(rid)

    parts.parse(parts.members["xl/workbook.xml"], "workbook part", start)
    return sheets, date1904[0]


def _relations(parts: _Parts) -> dict[str, tuple[str, str]]:
    """The workbook's relationships: id -> (type, member), where each sheet, the styles and the
    shared strings are."""
    relations: dict[str, tuple[str, str]] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            relations[attrs.get("Id", "")] = (attrs.get("Type", ""), target)

    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name in parts.members:
        parts.parse(parts.members[rels_name], "relationships part", start)
    return relations


def _part(parts: _Parts, relations: dict[str, tuple[str, str]], kind: str,
          default: str) -> zipfile.ZipInfo | None:
    """The member a relationship of ``kind`` points to, else the member at its usual place."""
    for rel_type, target in relations.values():
        if rel_type.endswith("/" + kind) and target in parts.members:
            return parts.members[target]
    return parts.members.get(default)


def _first_worksheet(parts: _Parts, sheets: list[str],
                     relations: dict[str, tuple[str, str]]) -> zipfile.ZipInfo:
    """The first sheet that is a worksheet (not a chart sheet)."""
    for rid in sheets:
        rel_type, target = relations.get(rid, ("", ""))
        if target in parts.members and "chartsheet" not in rel_type:
            return parts.members[target]
    raise DataError(f"{parts.name} has no worksheet")


def _date_styles(parts: _Parts, info: zipfile.ZipInfo) -> tuple[frozenset[int], frozenset[int]]:
    """The cell styles whose number format is a date (and those that are a duration), as
    openpyxl decides them."""
    from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format

    custom: dict[int, str] = {}
    formats: list[int] = []
    inside = [False]

    def start(tag: str, attrs: dict[str, str]) -> None:
        name = local(tag)
        if name == "numFmt":
            number = attrs.get("numFmtId", "")
            if number.isdigit():
                custom[int(number)] = attrs.get("formatCode", "")
        elif name == "cellXfs":
            inside[0] = True
        elif name == "xf" and inside[0]:
            try:
                formats.append(int(attrs.get("numFmtId", 0)))
            except ValueError:
                formats.append(0)

    def end(tag: str) -> None:
        if local(tag) == "cellXfs":
            inside[0] = False

    parts.parse(info, "styles part", start, end)
    codes = [custom[number] if number in custom else builtin_format_code(number) for number in formats]
    return (frozenset(i for i, code in enumerate(codes) if is_date_format(code)),
            frozenset(i for i, code in enumerate(codes) if is_timedelta_format(code)))


class _SharedStrings:
    """The shared strings as openpyxl reads them (plain and rich-text runs, phonetic runs left
    out), and the memory they take; both bounded by the budget while they are read."""

    def __init__(self, name: str, limits: Limits, budget: Budget) -> None:
        self.name, self.limits, self.budget = name, limits, budget
        self.strings: list[str] = []
        self.parts: list[str] = []
        self.item = self.phonetic = self.capture = False
        self.used = 0

    def read(self, parts: _Parts, info: zipfile.ZipInfo) -> tuple[list[str], int]:
        parts.parse(info, "shared strings part", self.start, self.end, self.chars, cap=self.budget.limit)
        return self.strings, self.used

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        name = local(tag)
        if name == "si":
            self.item = True
            self.parts.clear()
        elif name == "rPh":
            self.phonetic = True
        elif name == "t" and self.item and not self.phonetic:
            self.capture = True

    def end(self, tag: str) -> None:
        name = local(tag)
        if name == "t":
            self.capture = False
        elif name == "rPh":
            self.phonetic = False
        elif name == "si":
            self._finish_item()

    def chars(self, text: str) -> None:
        if self.capture:
            self.parts.append(text)

    def _finish_item(self) -> None:
        text = "".join(self.parts).replace("x005F_", "")
        if len(text) > self.limits.max_cell_bytes:
            raise cell_too_big(self.name, f"shared string {len(self.strings)}", len(text), self.limits)
        self.strings.append(text)
        self.item = False
        self.used += 64 + len(text)
        if self.used > self.budget.limit:
            self.budget.check(self.used, self.name, " (its shared strings alone)", stopped=True)
