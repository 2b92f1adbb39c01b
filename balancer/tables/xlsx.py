"""Excel ``.xlsx`` (and ``.xlsm``): Balancer's own streaming reader of a workbook's worksheets.

The workbook's parts (its sheet list, relationships, styles and shared strings) are read here with
``pyexpat`` (DTDs and entities forbidden, never a tree); a sheet itself by
:class:`~balancer.tables.sheet.SheetReader`. The zip members' declared and actual sizes are
bounded, and the shared strings count against the memory budget while they are read. The sheet
read is the one named, else the first worksheet that has data (empty sheets are passed over,
within one bound for all of them; chart sheets are no worksheets).
"""

from __future__ import annotations

import contextlib
import io
import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

import pandas as pd

from ..errors import DataError
from .limits import MB, Budget, Limits, cell_too_big, first_line
from .safexml import Forbidden, feed, local, xml_parser
from .sheet import SheetReader, table

_REL_NS = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://purl.oclc.org/ooxml/officeDocument/relationships")
_REL_IDS = frozenset(f"{ns} id" for ns in _REL_NS)
_SMALL_PART = 32 * MB  # workbook.xml, its relationships and styles.xml
_BROKEN = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, RuntimeError,
           EOFError, OSError, ValueError)
_NAMES_SHOWN = 20  # sheet names listed in a message

Worksheets = list[tuple[str, zipfile.ZipInfo]]  # name and member, in the workbook's order


def read_excel(data: bytes, name: str, limits: Limits, budget: Budget, *, sheet: str | None = None,
               header_row: int | None = None) -> pd.DataFrame:
    """Read a worksheet: ``sheet`` by name, else the first that has data; the header is the row
    ``header_row`` names, else the first after any title rows. ``frame.attrs["format"]`` records
    the sheet and the header row. Anything unreadable is a :class:`DataError`. ``data`` is a
    workbook :func:`~balancer.tables.formats.detect_format` found, its zip directory checked."""
    with _readable(name), zipfile.ZipFile(io.BytesIO(data)) as archive:
        return _read_workbook(archive, name, limits, budget, sheet, header_row)


def worksheet_names(data: bytes, name: str, budget: Budget) -> list[str]:
    """The names of a workbook's worksheets, in order (only its small parts are read)."""
    with _readable(name), zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = _Parts(archive, name, budget)
        return [title for title, _ in _worksheets(parts, _sheet_ids(parts)[0], _relations(parts))]


@contextlib.contextmanager
def _readable(name: str) -> Iterator[None]:
    """What goes wrong reading a workbook, as a :class:`DataError`."""
    import pyexpat

    try:
        yield
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


def _read_workbook(archive: zipfile.ZipFile, name: str, limits: Limits, budget: Budget,
                   sheet: str | None, header_row: int | None) -> pd.DataFrame:
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH

    parts = _Parts(archive, name, budget)
    sheets, date1904 = _sheet_ids(parts)
    relations = _relations(parts)
    worksheets = _worksheets(parts, sheets, relations)
    candidates = _chosen(worksheets, sheet, name)  # an unknown name is refused before any reading
    styles = _part(parts, relations, "styles", "xl/styles.xml")
    date_styles, timedelta_styles = (_date_styles(parts, styles) if styles is not None
                                     else (frozenset(), frozenset()))
    strings_part = _part(parts, relations, "sharedStrings", "xl/sharedStrings.xml")
    strings, used = (_SharedStrings(name, limits, budget).read(parts, strings_part)
                     if strings_part is not None else ([], 0))
    spent = (0, 0)
    first: tuple[pd.DataFrame, SheetReader, str] | None = None  # a sheet with data but no table
    for title, info in candidates:
        reader = SheetReader(name, limits, budget, strings, used, date_styles, timedelta_styles,
                             MAC_EPOCH if date1904 else WINDOWS_EPOCH, spent=spent,
                             header_row=header_row)
        raw = reader.read(archive, info)
        # the default is the first sheet that holds a table (a header and a row), so a note or
        # cover sheet in front of the data is passed over
        if sheet is not None or (reader.stored and len(raw) >= 2):
            return _sheet_table(raw, reader, title, header_row, worksheets)
        if reader.stored and first is None:
            first = (raw, reader, title)
        spent = reader.spent
    if first is not None:
        return _sheet_table(*first, header_row, worksheets)
    raise DataError(f"{name} has no data in any of its sheets")


def _sheet_table(raw: pd.DataFrame, reader: SheetReader, title: str, header_row: int | None,
                 worksheets: Worksheets) -> pd.DataFrame:
    frame, row = table(raw, reader, title, header_row)
    widths = frame.attrs.get("format", {}).get("widths")
    frame.attrs["format"] = {"kind": "xlsx", "sheet": title, "sheets": [t for t, _ in worksheets],
                             "header_row": row} | ({"widths": widths} if widths else {})
    return frame


def _sheet_ids(parts: _Parts) -> tuple[list[tuple[str, str]], bool]:
    """workbook.xml: the sheets in order (name, relationship id), and the 1904 date system."""
    sheets: list[tuple[str, str]] = []
    date1904 = [False]

    def start(tag: str, attrs: dict[str, str]) -> None:
        name = local(tag)
        if name == "workbookPr":
            date1904[0] = attrs.get("date1904", "").lower() in ("1", "true", "on")
        elif name == "sheet":
            rid = next((attrs[key] for key in _REL_IDS if key in attrs), None)
            if rid:
                sheets.append((attrs.get("name", ""), rid))

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


def _worksheets(parts: _Parts, sheets: list[tuple[str, str]],
                relations: dict[str, tuple[str, str]]) -> Worksheets:
    """The sheets that are worksheets (not chart sheets), in the workbook's order."""
    found = []
    for title, rid in sheets:
        rel_type, target = relations.get(rid, ("", ""))
        if target in parts.members and "chartsheet" not in rel_type:
            found.append((title, parts.members[target]))
    if not found:
        raise DataError(f"{parts.name} has no worksheet")
    return found


def _chosen(worksheets: Worksheets, sheet: str | None, name: str) -> Worksheets:
    """The worksheets to try in order: the one named (Excel's names ignore case), else all."""
    if sheet is None:
        return worksheets
    named = ([w for w in worksheets if w[0] == sheet]
             or [w for w in worksheets if w[0].casefold() == str(sheet).casefold()])
    if named:
        return named[:1]
    titles = ", ".join(repr(title) for title, _ in worksheets[:_NAMES_SHOWN])
    more = f" and {len(worksheets) - _NAMES_SHOWN:,} more" if len(worksheets) > _NAMES_SHOWN else ""
    raise DataError(f"{name} has no sheet named {sheet!r}; its sheets are {titles}{more}")


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
