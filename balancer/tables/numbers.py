"""How a text table writes its numbers: the decimal mark and the thousands separator, found from
the data (never from the locale), and text columns read as numbers under them.

One format per file (:func:`detect` on a sample of its cells). The rules, for files that are not
comma-delimited (a comma-delimited file always has a decimal point and no thousands separator):

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
    if delimiter == ",":
        return STANDARD
    marked = [cell for cell in _sampled(cells) if looks_numeric(cell)]
    votes: Counter[str] = Counter()
    for cell in marked:
        decimals = {candidate.decimal for candidate in _CANDIDATES if candidate.pattern().fullmatch(cell)}
        if len(decimals) == 1:
            votes[decimals.pop()] += 1
    decimal = "," if votes[","] > votes["."] else "."
    if not votes[decimal]:
        return STANDARD
    return NumberFormat(decimal, _thousands(marked, decimal))


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
        inner = re.compile(r"\d" + (_SPACE_CLASS if thousands == " " else re.escape(thousands)) + r"\d")
        pattern = _pattern(decimal, thousands)
        having = [cell for cell in marked if inner.search(cell)]
        valid = [cell for cell in having if pattern.fullmatch(cell)]
        proof = any(decimal in cell or len(inner.findall(cell)) > 1 for cell in valid)
        if valid and (proof or len(valid) == len(having)) and (best is None or len(valid) > best[0]):
            best = (len(valid), thousands)
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
