"""How a text table writes its numbers: the decimal mark and the thousands separator, found from
the data (never from the locale), and text columns read as numbers under them.

One format per file (:func:`detect` on a sample of its cells). A comma-delimited file has a
decimal point, and commas between thousands only in quoted cells that prove it (``"1,090.62"``,
``"1,234,567"``: :func:`_comma_groups`). The rules for other files:

- the decimal mark is a comma when more sampled values can only be read with a decimal comma
  (``46,11``, ``-0,5``, ``0,125``, ``1.234,56``) than only with a decimal point (``1.5``,
  ``1,234.56``); values that read either way (``12``, ``1,234``, ``1.234``) do not count. No value
  that shows its mark: a decimal point, as before;
- a thousands separator is only considered when the decimal mark was shown by some value. The
  other mark (``.`` for a decimal comma) is the thousands separator when some value shows both
  marks (``1.234,56``) or several groups (``1.234.567``), or when every value that has it between
  digits is grouped in threes (``1.234``, ``12.500``); a space (also U+00A0 and U+202F, recorded
  as ``" "``) likewise. So in a decimal-comma file ``1.234`` is 1234 only when the file says so,
  and otherwise not a number (its column stays text): it is never read as 1.234.

A column becomes numbers only when every present value reads under the file's format
(:func:`parse`); leading zeros are read as numbers, as :func:`balancer.tables.clean` always did.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections import Counter
from collections.abc import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_SPACES = " \u00a0\u202f"
_SPACE_CLASS = "[ \u00a0\u202f]"
_EXPONENT = r"(?:[eE][+-]?\d+)?"
#: Text that could be a number in some format: digits, signs, marks, spaces, an exponent.
_NUMBER_LIKE = re.compile(r"[+-]?[\d., \u00a0\u202f]*\d[\d., \u00a0\u202f]*" + _EXPONENT)
_MAX_CELLS = 50_000  # sampled cells looked at


@dataclasses.dataclass(frozen=True)
class NumberFormat:
    """The decimal mark (``"."`` or ``","``) and thousands separator (``"."``, ``","``, ``" "``
    or None) of a file's numbers."""

    decimal: str = "."
    thousands: str | None = None

    @property
    def standard(self) -> bool:
        """Whether numbers are written as Arrow and pandas read them (decimal point, no groups)."""
        return self.decimal == "." and self.thousands is None

    def pattern(self) -> re.Pattern[str]:
        """A whole number as this format writes it."""
        return _pattern(self.decimal, self.thousands)


STANDARD = NumberFormat()
_CANDIDATES = tuple(NumberFormat(d, t) for d, others in ((".", (",", " ")), (",", (".", " ")))
                    for t in (None, *others))


@functools.cache
def _pattern(decimal: str, thousands: str | None) -> re.Pattern[str]:
    mark = re.escape(decimal)
    whole = r"\d+"
    if thousands is not None:
        group = _SPACE_CLASS if thousands == " " else re.escape(thousands)
        whole = rf"(?:[1-9]\d{{0,2}}(?:{group}\d{{3}})+|\d+)"
    return re.compile(rf"[+-]?(?:{whole}(?:{mark}\d+)?|{mark}\d+){_EXPONENT}")


def looks_numeric(text: str) -> bool:
    """Whether a cell could be a number in some format (``12``, ``46,11``, ``1 234,5``)."""
    return _NUMBER_LIKE.fullmatch(text) is not None


def detect(cells: Iterable[str], delimiter: str) -> NumberFormat:
    """The number format of a file from a sample of its cells (see the module for the rules)."""
    marked = [cell for cell in _sampled(cells) if looks_numeric(cell)]
    if delimiter == ",":
        return NumberFormat(".", ",") if _comma_groups(marked) else STANDARD
    votes: Counter[str] = Counter()
    for cell in marked:
        decimals = {candidate.decimal for candidate in _CANDIDATES if candidate.pattern().fullmatch(cell)}
        if len(decimals) == 1:
            votes[decimals.pop()] += 1
    decimal = "," if votes[","] > votes["."] else "."
    if not votes[decimal]:
        return STANDARD
    return NumberFormat(decimal, _thousands(marked, decimal))


def _comma_groups(marked: list[str]) -> bool:
    """Whether a comma-delimited file's quoted numbers group thousands with commas
    (``"1,090.62"``, US exports): every cell with a comma between digits is so grouped, and some
    cell proves it (a decimal point after the groups, or several groups); else a quoted ``1,5``
    stays text, as it always did."""
    valid, having, proof = _grouping(marked, ".", ",")
    return having > 0 and valid == having and proof


def _grouping(marked: list[str], decimal: str, thousands: str) -> tuple[int, int, bool]:
    """Of the cells with ``thousands`` between digits: how many read as grouped numbers under
    ``decimal``, how many there are, and whether a valid one proves the grouping (it shows the
    decimal mark too, or several groups)."""
    inner = re.compile(r"\d" + (_SPACE_CLASS if thousands == " " else re.escape(thousands)) + r"\d")
    having = [cell for cell in marked if inner.search(cell)]
    valid = [cell for cell in having if _pattern(decimal, thousands).fullmatch(cell)]
    proof = any(decimal in cell or len(inner.findall(cell)) > 1 for cell in valid)
    return len(valid), len(having), proof


def _sampled(cells: Iterable[str]) -> list[str]:
    """Stripped cells with a mark or an inner space (the only ones that can tell formats apart)."""
    found: list[str] = []
    for cell in cells:
        text = cell.strip()
        if any(mark in text for mark in ".," + _SPACES):
            found.append(text)
            if len(found) >= _MAX_CELLS:
                break
    return found


def _thousands(marked: list[str], decimal: str) -> str | None:
    """The thousands separator the cells show for this decimal mark, if any."""
    best: tuple[int, str] | None = None
    for thousands in ("." if decimal == "," else ",", " "):
        valid, having, proof = _grouping(marked, decimal, thousands)
        if valid and (proof or valid == having) and (best is None or valid > best[0]):
            best = (valid, thousands)
    return best[1] if best is not None else None


def parse(stripped: pd.Series, number_format: NumberFormat) -> pd.Series:
    """Stripped text as numbers under the format (NaN where a value does not read)."""
    if number_format.standard:
        return pd.to_numeric(stripped, errors="coerce")
    text = stripped.astype("str")
    pattern = number_format.pattern().pattern
    if not bool(text.dropna().head(1_000).str.fullmatch(pattern).all()):
        return pd.Series(float("nan"), index=stripped.index)  # text: no need to look further
    valid = text.str.fullmatch(pattern).fillna(False).astype(bool)
    if number_format.thousands == " ":
        text = text.str.replace(_SPACE_CLASS, "", regex=True)
    elif number_format.thousands is not None:
        text = text.str.replace(number_format.thousands, "", regex=False)
    if number_format.decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text.where(valid), errors="coerce")


#: More digits after the mark than a float holds: such a column is written as each value's
#: shortest text, not padded.
MAX_DECIMALS = 17


@dataclasses.dataclass
class Decimals:
    """How a float column's cells were written, gathered a block of cells at a time (:meth:`add`):
    the fewest digits after the decimal mark, and whether some cell ends in a zero after it
    (``12,00``, ``7,10``). :meth:`places` is what the writer needs to write them the same way."""

    fewest: int | None = None
    trailing_zero: bool = False
    fraction: bool = False
    exponent: bool = False

    def add(self, cells: pa.Array | pa.ChunkedArray, mark: str) -> None:
        """Take in a block of number cells as the file wrote them (nulls skipped)."""
        if self.exponent or len(cells) == cells.null_count:
            return
        if any(pc.any(pc.match_substring(cells, e)).as_py() for e in "eE"):  # (ignore_case is 4x slower)
            self.exponent = True
            return
        named = pc.or_(pc.match_substring(cells, "n"), pc.match_substring(cells, "N"))  # inf, nan: no digits
        if pc.any(named).as_py():
            cells = pc.filter(cells, pc.invert(named))
            if len(cells) == cells.null_count:
                return
        at = pc.find_substring(cells, mark)
        marked = pc.greater_equal(at, 0)
        places = pc.if_else(marked, pc.subtract(pc.subtract(pc.binary_length(cells), at), 1), 0)
        fewest = pc.min(places).as_py()
        if fewest is not None:
            self.fewest = fewest if self.fewest is None else min(self.fewest, fewest)
        if not self.fraction:
            self.fraction = bool(pc.any(pc.greater(places, 0)).as_py())
        if not self.trailing_zero:
            self.trailing_zero = bool(pc.any(pc.and_(marked, pc.ends_with(cells, "0"))).as_py())

    @property
    def settled(self) -> bool:
        """Whether more cells cannot change :meth:`places` (no need to look further)."""
        return self.exponent or (self.fewest == 0 and self.fraction)

    def places(self) -> int | None:
        """The decimals to pad each value's shortest text to, or None when the shortest text is
        already what the file wrote: 0 when some whole value was written without a mark beside
        values with decimals (``2`` beside ``0,5``, not ``2.0``; whole numbers and an ``18.``
        alone are not recorded); the fewest decimals when they are 2 or more and some cell
        shows a trailing zero (``12,00``); None for exponents, more than a float holds, or no
        cell with a value. One decimal needs no record: the shortest text of a whole value
        already has one (``3.0``)."""
        if self.exponent or self.fewest is None or self.fewest > MAX_DECIMALS:
            return None
        if (self.fewest == 0 and self.fraction) or (self.fewest >= 2 and self.trailing_zero):
            return self.fewest
        return None


#: Digits in the widest whole number a 64-bit integer holds.
MAX_WIDTH = 19


@dataclasses.dataclass
class Width:
    """Whether a whole-number column was written zero-padded to one width (``00117``, ``01234``,
    ``12345``: codes, postcodes, account numbers), gathered a block of cells at a time like
    :class:`Decimals`. Such a column is read as numbers (117), and :meth:`places` is the width the
    writer pads it back to; a column whose cells differ in length, or with a sign, is not padded."""

    width: int | None = None
    padded: bool = False
    mixed: bool = False

    def add(self, cells: pa.Array | pa.ChunkedArray, mark: str = ".") -> None:
        """Take in a block of whole-number cells as the file wrote them (nulls skipped; ``mark``,
        the decimal mark, plays no part: the signature is :meth:`Decimals.add`'s)."""
        if self.mixed or len(cells) == cells.null_count:
            return
        lengths = pc.min_max(pc.binary_length(cells)).as_py()
        signed = any(pc.any(pc.starts_with(cells, sign)).as_py() for sign in "+-")
        if lengths["min"] != lengths["max"] or self.width not in (None, lengths["min"]) or signed:
            self.mixed = True
            return
        self.width = lengths["min"]
        if not self.padded:
            self.padded = bool(pc.any(pc.starts_with(cells, "0")).as_py())

    @property
    def settled(self) -> bool:
        """Whether more cells cannot change :meth:`places`."""
        return self.mixed

    def places(self) -> int | None:
        """The width every cell was written with, when some cell shows leading zeros; else None."""
        if self.mixed or not self.padded or self.width is None or not 2 <= self.width <= MAX_WIDTH:
            return None
        return self.width
