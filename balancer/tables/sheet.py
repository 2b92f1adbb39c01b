"""One worksheet streamed into columns of values, as ``pd.read_excel`` (openpyxl) reads them.

Cells pandas would read as missing (empty, errors, the null tokens) are not stored, empty rows
are skipped (pandas drops them), and values are kept per column so a sparse sheet costs its
cells, not its extent. Rows (at most Excel's 1,048,576), columns, cell sizes, the XML's size and
its elements, and the table's estimated size are checked while reading: a row bomb stops at the
limit. :func:`table` then takes the header row (title rows above it skipped) and cleans the rest.
"""

from __future__ import annotations

import zipfile
from array import array
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, LimitError
from .clean import NULL_TOKENS, Shared, clean_frame, clean_headers, report_renamed, whole_numbers
from .header import WINDOW, header_index, report_skipped, row_text
from .limits import Budget, Limits, cell_too_big, check_names, megabytes, too_long, too_wide
from .safexml import feed, xml_parser

XLSX_MAX_ROWS = 1_048_576  # Excel's own limits: a sheet beyond them is not a valid workbook
XLSX_MAX_COLUMNS = 16_384
_MAIN_NS = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            "http://purl.oclc.org/ooxml/spreadsheetml/main")
_NULL_SET = frozenset(NULL_TOKENS)
_ROW, _CELL, _VALUE, _INLINE, _TEXT, _PHONETIC = 1, 2, 3, 4, 5, 6
_TAGS: dict[str, int] = {}
for _ns in _MAIN_NS:
    _TAGS.update({f"{_ns} row": _ROW, f"{_ns} c": _CELL, f"{_ns} v": _VALUE, f"{_ns} is": _INLINE,
                  f"{_ns} t": _TEXT, f"{_ns} rPh": _PHONETIC})

Cell = tuple[Any, int]  # a value and the bytes it takes in memory


class SheetReader:
    """The state of one streaming read: the columns so far, the current row and the current cell.

    :meth:`read` feeds the sheet's XML to the expat handlers :meth:`start`, :meth:`end` and
    :meth:`chars`; a finished cell is turned into a value (:meth:`_value`) and stored
    (:meth:`_store`).
    """

    def __init__(self, name: str, limits: Limits, budget: Budget, strings: list[str], used: int,
                 date_styles: frozenset[int], timedelta_styles: frozenset[int], epoch: Any, *,
                 spent: tuple[int, int] = (0, 0), header_row: int | None = None) -> None:
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        self.name, self.limits, self.budget = name, limits, budget
        self.strings, self.date_styles, self.timedelta_styles = strings, date_styles, timedelta_styles
        self.epoch, self.from_excel, self.from_iso = epoch, from_excel, from_ISO8601
        self.columns: dict[int, list[Any]] = {}
        self.letters: dict[str, int] = {}
        self.max_rows = limits.max_rows + 1  # the header row too
        # every element costs parsing time even when it holds nothing (an empty cell, an unknown
        # tag), so their number is bounded too: a legit sheet has a few per stored value
        self.element_cap = max(budget.limit // 16, 1_000_000)
        # what earlier (empty) sheets of the workbook took: elements parsed and bytes decompressed
        # count for all its sheets together, so many empty sheets cannot multiply the work
        self.elements, self.fed = spent
        self.bytes = float(used)
        self.row = self.col = self.stored = self.last_row = 0
        # the sheet's row number of each stored row: the first ones (to find the header) and
        # those up to a named header row
        self.row_numbers = array("l")
        self.keep_until = header_row or 0
        self.has = False  # the current row has a stored value
        self.ref: str | None = None
        self.type = "n"
        self.style: str | None = None
        self.sink: list[str] | None = None  # where character data goes now
        self.value: list[str] = []
        self.inline: list[str] | None = None
        self.in_inline = self.phonetic = False

    def read(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> pd.DataFrame:
        """Stream the sheet and return its stored rows as a frame of objects (:func:`table` makes
        it a table)."""
        parser = xml_parser()
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.chars
        cap = max(min(4 * self.budget.limit, 1 << 62) - self.fed, 0)
        self.fed += feed(parser, archive, info, cap, self.name, "sheet", self.budget.hint)
        return self._frame()

    @property
    def spent(self) -> tuple[int, int]:
        """The elements parsed and bytes decompressed so far (for the workbook's next sheet)."""
        return self.elements, self.fed

    # ---- the expat handlers

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > self.element_cap:
            raise LimitError(f"{self.name}: its sheet has more than {self.element_cap:,} XML elements "
                             f"(cells, empty or not, and others); the limit for this file follows from "
                             f"its memory budget, {megabytes(self.budget.limit)} ({self.budget.hint})")
        code = _TAGS.get(tag)
        if code is None:
            return
        if code == _CELL:
            self.ref = attrs.get("r")
            self.type = attrs.get("t", "n")
            self.style = attrs.get("s")
            self.value = []
            self.inline = None
        elif code == _VALUE:
            self.sink = self.value
        elif code == _ROW:
            self._start_row(attrs.get("r"))
        elif code == _INLINE:
            self.in_inline = True
            self.inline = []
        elif code == _TEXT:
            if self.in_inline and not self.phonetic:
                self.sink = self.inline
        elif code == _PHONETIC:
            self.phonetic = True

    def end(self, tag: str) -> None:
        code = _TAGS.get(tag)
        if code is None:
            return
        if code == _CELL:
            self._finish_cell()
        elif code in (_VALUE, _TEXT):
            self.sink = None
        elif code == _ROW:
            self._end_row()
        elif code == _INLINE:
            self.in_inline = False
        elif code == _PHONETIC:
            self.phonetic = False

    def chars(self, text: str) -> None:
        sink = self.sink
        if sink is not None:
            sink.append(text)

    # ---- rows

    def _start_row(self, number: str | None) -> None:
        try:
            self.row = int(number) if number else self.row + 1
        except ValueError:
            raise DataError(f"{self.name}: the row number {str(number)[:20]!r} is not valid") from None
        if self.row > XLSX_MAX_ROWS:
            raise DataError(f"{self.name}: its sheet has a row numbered {self.row:,}, beyond Excel's "
                            f"last row ({XLSX_MAX_ROWS:,}); it is not a valid workbook")
        self.col = 0
        self.has = False

    def _end_row(self) -> None:
        if not self.has:
            return
        self.stored += 1
        self.last_row = self.row
        if len(self.row_numbers) == self.stored - 1 and (self.stored <= WINDOW or self.row <= self.keep_until):
            self.row_numbers.append(self.row)
        if self.stored > self.max_rows:
            raise LimitError(too_long(self.name, f"more than {self.limits.max_rows:,}", self.limits))
        need = self.bytes + self.stored * len(self.columns) * 8.0
        if need > self.budget.limit:
            self.budget.check(need, self.name, stopped=True)

    # ---- cells

    def _column_of(self, ref: str) -> int:
        letters = ref.rstrip("0123456789")
        column = self.letters.get(letters)
        if column is None:
            clean = letters.replace("$", "").upper()
            if not clean or len(clean) > 3 or not clean.isalpha() or not clean.isascii():
                raise DataError(f"{self.name}: the cell reference {ref[:20]!r} is not valid")
            column = 0
            for char in clean:
                column = column * 26 + ord(char) - 64
            self.letters[letters] = column
        return column

    def _finish_cell(self) -> None:
        ref = self.ref
        column = self._column_of(ref) if ref else self.col + 1
        self.col = column
        if column > XLSX_MAX_COLUMNS:
            raise DataError(f"{self.name}: its sheet has a cell in column {column:,}, beyond Excel's "
                            f"last column ({XLSX_MAX_COLUMNS:,}); it is not a valid workbook")
        cell = self._inline() if self.type == "inlineStr" else self._value(ref or column)
        if cell is None:
            return
        value, size = cell
        limit = self.limits.max_cell_bytes
        if size > limit and isinstance(value, str) and len(value.encode("utf-8")) > limit:
            raise cell_too_big(self.name, f"cell {ref or column}", len(value.encode("utf-8")), self.limits)
        self._store(column, value, size)

    def _inline(self) -> Cell | None:
        if self.inline is None:
            return None
        value = "".join(self.inline)
        return None if value in _NULL_SET else (value, 64 + len(value))

    def _value(self, where: str | int) -> Cell | None:
        """The cell's value by its type, or None for a cell pandas reads as missing."""
        raw = "".join(self.value) if self.value else ""
        if not raw:
            return None
        kind = self.type
        if kind == "n":
            return self._number(raw, where)
        if kind == "s":
            return self._shared(raw, where)
        if kind == "b":
            return self._boolean(raw, where)
        if kind == "e":
            return None  # an error cell (#N/A, #DIV/0!): pandas reads it as missing
        if kind == "d":
            return self._iso_date(raw, where)
        # "str" (a formula's text) and unknown types: the text as it is
        return None if raw in _NULL_SET else (raw, 64 + len(raw))

    def _number(self, raw: str, where: str | int) -> Cell | None:
        """A number, or a date or duration when the cell's style says so."""
        try:
            number: Any = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
        except ValueError:
            raise DataError(f"{self.name}: cell {where} holds {raw[:40]!r}, which is not a number") from None
        style = self.style
        if style is not None and self.date_styles and style.isdigit() and int(style) in self.date_styles:
            try:
                return self.from_excel(number, self.epoch, timedelta=int(style) in self.timedelta_styles), 64
            except (OverflowError, ValueError):
                return None  # openpyxl makes it an error cell; pandas a missing value
        try:
            whole = int(number)
        except (OverflowError, ValueError):
            raise DataError(f"{self.name}: cell {where} holds {raw[:40]!r}, which is not a finite "
                            "number") from None
        return (whole if whole == number else float(number)), 32

    def _shared(self, raw: str, where: str | int) -> Cell | None:
        try:
            value = self.strings[int(raw)]
        except (ValueError, IndexError):
            raise DataError(f"{self.name}: cell {where} refers to shared string {raw[:20]!r}, which "
                            "the workbook does not have") from None
        return None if value in _NULL_SET else (value, 16 + len(value))

    def _boolean(self, raw: str, where: str | int) -> Cell:
        try:
            return bool(int(raw)), 16
        except ValueError:
            raise DataError(f"{self.name}: cell {where} holds {raw[:40]!r}, which is not a "
                            "boolean") from None

    def _iso_date(self, raw: str, where: str | int) -> Cell:
        try:
            return self.from_iso(raw), 64
        except (ValueError, TypeError, OverflowError):
            raise DataError(f"{self.name}: cell {where} holds {raw[:40]!r}, which is not a "
                            "date") from None

    def _store(self, column: int, value: Any, size: int) -> None:
        values = self.columns.get(column)
        if values is None:
            if len(self.columns) >= self.limits.max_columns:
                raise LimitError(too_wide(self.name, f"more than {self.limits.max_columns:,}", self.limits))
            values = self.columns[column] = []
        gap = self.stored - len(values)
        if gap > 0:
            values.extend([np.nan] * gap)
            values.append(value)
        elif gap == 0:
            values.append(value)
        else:
            values[-1] = value  # the same column twice in a row: the last one wins
        self.has = True
        self.bytes += size

    # ---- the table

    def _frame(self) -> pd.DataFrame:
        """The stored rows as a frame of objects, one column per sheet column that has a value."""
        rows = self.stored
        self.budget.check(self.bytes + rows * len(self.columns) * 8.0, self.name)
        data: dict[int, np.ndarray] = {}
        for position, column in enumerate(sorted(self.columns)):
            values = self.columns.pop(column)
            if len(values) < rows:
                values.extend([np.nan] * (rows - len(values)))
            array = np.empty(rows, dtype=object)
            array[:] = values
            data[position] = array
        return pd.DataFrame(data, index=pd.RangeIndex(rows))


def table(raw_frame: pd.DataFrame, reader: SheetReader, sheet: str,
          header_row: int | None = None) -> tuple[pd.DataFrame, int]:
    """The table under the header row, cleaned like every read, and the header's row number.

    The header is the row ``header_row`` names (the sheet's row number), else the first row after
    any title rows (:func:`~balancer.tables.header.header_index`); columns empty from the header
    down are left out.
    """
    name = reader.name
    raw_frame = raw_frame.dropna(how="all").dropna(axis=1, how="all")
    if raw_frame.empty:
        raise DataError(f"{name}: sheet {sheet!r} has no data")
    skipped: list[str] = []
    if header_row is not None:
        position = _named_header(raw_frame, reader, sheet, header_row)
    else:
        position = _detected_header(raw_frame.iloc[:WINDOW], reader)
        skipped = [row_text(v for v in row if not pd.isna(v))
                   for row in raw_frame.iloc[:position].itertuples(index=False)]
    number = reader.row_numbers[int(raw_frame.index[position])]
    body = raw_frame.iloc[position:].dropna(axis=1, how="all") if position else raw_frame
    header = ["" if pd.isna(v) else str(v) for v in body.iloc[0].tolist()]
    names, renamed = clean_headers(header)
    check_names(names, name, reader.limits)
    frame = body.iloc[1:].reset_index(drop=True)
    frame.columns = names
    frame = frame.infer_objects()
    report_renamed(frame, renamed)
    report_skipped(frame, number, skipped)
    widths: dict[str, int] = {}
    frame = _whole_numbers(clean_frame(frame, convert_objects=True, widths=widths))
    # codes the workbook stores as text ("0006"), read as numbers: written zero-padded again
    if widths:
        frame.attrs["format"] = {"widths": Shared(widths)}
    return frame, number


def _whole_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Number columns whose every value is whole as whole numbers (with gaps: nullable), as a text
    file's are read: a workbook stores 85 as a number, which came back as floats (a column with
    gaps was written 85.0 in every resampled file, and called integer by the profile)."""
    for column in frame.columns:
        if frame[column].dtype == "float64":
            whole = whole_numbers(frame[column])
            if whole is not None:
                frame[column] = whole
    return frame


def _detected_header(leading: pd.DataFrame, reader: SheetReader) -> int:
    """The header's position among the stored rows; a gap in the sheet's row numbers (rows with
    nothing in them are not stored) counts as one blank row, as it does in a text file."""
    rows: list[list[str]] = []
    positions: list[int] = []
    previous: int | None = None
    for position, (label, row) in enumerate(zip(leading.index, leading.itertuples(index=False))):
        number = reader.row_numbers[int(label)]
        if previous is not None and number > previous + 1:
            rows.append([])
            positions.append(position)
        rows.append(["" if pd.isna(v) else str(v).strip() for v in row])
        positions.append(position)
        previous = number
    return positions[header_index(rows)] if rows else 0


def _named_header(raw_frame: pd.DataFrame, reader: SheetReader, sheet: str, header_row: int) -> int:
    """The position of the stored row with the sheet's row number ``header_row``."""
    if header_row in reader.row_numbers:
        label = reader.row_numbers.index(header_row)
        if label in raw_frame.index:
            return int(raw_frame.index.get_loc(label))
    if header_row > reader.last_row:
        raise DataError(f"{reader.name}: sheet {sheet!r} has {reader.last_row:,} rows; "
                        f"header_row={header_row:,} is beyond its end")
    raise DataError(f"{reader.name}: row {header_row:,} of sheet {sheet!r} is empty; header_row must "
                    "name the row with the column names")
