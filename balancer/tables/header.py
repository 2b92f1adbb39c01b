"""The header row: title and blank rows above the column names found and skipped, or a row named.

Exports often put a title, a date or blank rows above the column names (``Sales report 2023``,
a blank row, then ``id;amount;label``). :func:`header_index` finds the header among a table's
leading rows, the same way for delimited text and for a worksheet; only a bounded number of rows
is looked at (:data:`MAX_ABOVE` above the header, :data:`WINDOW` in all), never the whole table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pandas as pd

from ..errors import DataError
from .clean import notice
from .numbers import looks_numeric

#: The most rows above the header that are skipped.
MAX_ABOVE = 50
#: The leading rows looked at: those above the header, the header, and rows that show the width.
WINDOW = 150


def check_header_row(header_row: object) -> None:
    """Refuse a ``header_row`` that is not a row number (1 or more)."""
    if header_row is None:
        return
    if isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1:
        raise DataError(f"header_row must be a row number, 1 or more (the row a spreadsheet or a "
                        f"text editor shows, blank rows counted); got {header_row!r}")


def header_index(rows: list[list[str]]) -> int:
    """The position of the header among a table's leading rows (each a list of stripped cells,
    ``""`` for an empty one).

    The table's width is the most common number of filled cells among the rows that have two or
    more (ties: the wider), its span the most common number of fields among them. A row above the
    header is blank, or has fewer filled cells than the width and either fewer fields than the span
    (an unpadded title line), a single filled cell in a table of three columns or more (a title
    in a padded row), or a blank row below it (a title set apart, in a table of any width). The header is the first other row, at most :data:`MAX_ABOVE` rows down; it
    must hold a cell that is not a number. Otherwise the first non-blank row is the header, as if
    no row were skipped.
    """
    filled = [sum(1 for cell in row if cell) for row in rows]
    first = next((i for i, count in enumerate(filled) if count), 0)
    wide = [i for i, count in enumerate(filled) if count >= 2]
    if not wide:
        return first
    width = most_common(filled[i] for i in wide)
    span = most_common(len(rows[i]) for i in wide)
    for index in range(first, min(len(rows), MAX_ABOVE + 1)):
        count = filled[index]
        if count == 0 or (count < width and (len(rows[index]) < span or (count == 1 and width >= 3)
                                             or _blank_below(filled, index))):
            continue
        if index > first and all(looks_numeric(cell) for cell in rows[index] if cell):
            return first  # a row of numbers is data, not a header: nothing is skipped
        return index
    return first


def _blank_below(filled: list[int], index: int) -> bool:
    return index + 1 < len(filled) and filled[index + 1] == 0


def most_common(values: Iterable[int]) -> int:
    """The most common value; the largest of the most common ones."""
    counts = Counter(values)
    return max(counts, key=lambda value: (counts[value], value))


def row_text(row: Iterable[object]) -> str:
    """A skipped row in a notice: its filled cells, separated by spaces."""
    return " ".join(str(cell) for cell in row if cell is not None and str(cell) != "")


def report_skipped(frame: pd.DataFrame, header_row: int, texts: list[str]) -> None:
    """A notice naming the title rows above the header that were skipped (nothing for rows that
    were only blank, which were always skipped)."""
    if not texts:
        return
    shown = ", ".join(repr(text[:80]) for text in texts[:3]) + (", ..." if len(texts) > 3 else "")
    if header_row == 2:
        message = f"row 1 above the header was skipped (a title or blank row): {shown}"
    else:
        message = f"rows 1-{header_row - 1} above the header were skipped (a title or blank rows): {shown}"
    notice(frame, "header_row", message)
