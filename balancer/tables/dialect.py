"""The CSV dialect of an export: the delimiter and decimal mark the input had, or standard CSV, and
the decimals each float column was written with."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

import pandas as pd

from .clean import NULL_TOKENS
from .numbers import MAX_DECIMALS, MAX_WIDTH

_DELIMITERS = (",", ";", "\t", "|")
#: How a true/false column may be spelled besides the writer's own ``true``/``false``.
SPELLINGS = ("TRUE", "True")
#: The encodings the reader records (``attrs["format"]["encoding"]``), each written back as read.
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1")


@dataclasses.dataclass(frozen=True)
class Dialect:
    """How :func:`~balancer.tables.write_csv` separates fields and writes the decimal mark of
    floats. Either way the output is RFC 4180 (fields with the delimiter, a quote or a line break
    quoted), without thousands separators. A decimal comma needs another delimiter than the comma.

    ``decimals``: (column name, places) pairs: a float column whose every value the input wrote
    with at least that many decimals (``12,00``, ``-53,70``) is written the same way: each value's
    shortest text padded with zeros to that many places (0: ``2`` rather than ``2.0``). The
    padding never changes a value; other float columns are written as each value's shortest text.

    ``widths``: (column name, digits) pairs: a whole-number column the input wrote zero-padded to
    that many digits (``00117``) is written so again (read as 117, it would be written ``117``).

    ``missing``: what a missing cell is written as: empty, or the one token the input wrote them
    as (``?``, ``NA``, one of :data:`~balancer.tables.clean.NULL_TOKENS`); ``missings``: (column
    name, token) pairs for the columns of a file that writes them otherwise (``?`` in one column,
    empty cells in another). ``booleans``: (column
    name, ``"TRUE"`` or ``"True"``) pairs: how a true/false column's cells are spelled (else
    ``true``/``false``).

    ``line_end``: ``\\r\\n`` (RFC 4180, a spreadsheet's) or ``\\n``, the input's (a file made by a
    program on Linux or a Mac: written back alike, so that a diff shows only what changed).

    ``encoding``: the input's (:data:`ENCODINGS`): a file read as Windows-1252 is written in it,
    one with a UTF-8 byte order mark gets the mark back (a spreadsheet opens either as it opened
    the input; without the mark it would show UTF-8 accents as two characters each).
    """

    delimiter: str = ","
    decimal: str = "."
    decimals: tuple[tuple[str, int], ...] = ()
    encoding: str = "utf-8"
    widths: tuple[tuple[str, int], ...] = ()
    missing: str = ""
    booleans: tuple[tuple[str, str], ...] = ()
    line_end: str = "\r\n"
    missings: tuple[tuple[str, str], ...] = ()

    STANDARD: ClassVar[Dialect]

    def __post_init__(self) -> None:
        if self.delimiter not in _DELIMITERS:
            raise ValueError(f"delimiter must be one of {_DELIMITERS}, not {self.delimiter!r}")
        if self.decimal not in (".", ","):
            raise ValueError(f"decimal must be '.' or ',', not {self.decimal!r}")
        if self.delimiter == self.decimal:
            raise ValueError("a decimal comma needs another delimiter than the comma")
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {ENCODINGS}, not {self.encoding!r}")
        for name, places in self.decimals:
            if not isinstance(name, str) or type(places) is not int or not 0 <= places <= MAX_DECIMALS:
                raise ValueError(f"decimals must be (column name, 0 to {MAX_DECIMALS}) pairs, not {(name, places)!r}")
        if self.line_end not in ("\r\n", "\n"):
            raise ValueError(f"line_end must be '\\r\\n' or '\\n', not {self.line_end!r}")
        if self.missing not in NULL_TOKENS:
            raise ValueError(f"missing must be one of {NULL_TOKENS}, not {self.missing!r}")
        for name, token in self.missings:
            if not isinstance(name, str) or token not in NULL_TOKENS:
                raise ValueError(f"missings must be (column name, one of {NULL_TOKENS}) pairs, not {(name, token)!r}")
        for name, spelling in self.booleans:
            if not isinstance(name, str) or spelling not in SPELLINGS:
                raise ValueError(f"booleans must be (column name, one of {SPELLINGS}) pairs, not {(name, spelling)!r}")
        for name, digits in self.widths:
            if not isinstance(name, str) or type(digits) is not int or not 2 <= digits <= MAX_WIDTH:
                raise ValueError(f"widths must be (column name, 2 to {MAX_WIDTH}) pairs, not {(name, digits)!r}")

    def standard(self) -> Dialect:
        """Standard CSV (comma, decimal point, UTF-8 without a byte order mark, missing cells
        empty, ``\\r\\n``) with the same decimals, widths and true/false spellings per column."""
        return Dialect(decimals=self.decimals, widths=self.widths, booleans=self.booleans)

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Dialect:
        """The dialect of the text file a frame was read from (``attrs["format"]``); standard CSV
        for a workbook (with the widths of the codes it stores as text, ``0006``), a Parquet file
        or a frame without that record. A whitespace-separated
        table is written tab-separated."""
        found = frame.attrs.get("format")
        if isinstance(found, dict) and found.get("kind") == "xlsx" and found.get("widths"):
            # standard CSV, with the codes the workbook stores as text padded as they are stored
            return cls(widths=_pairs(found, "widths", lambda n: type(n) is int and 2 <= n <= MAX_WIDTH))
        if not isinstance(found, dict) or found.get("kind") not in ("csv", "tsv", "txt"):
            return cls.STANDARD
        delimiter = found.get("delimiter")
        delimiter = "\t" if delimiter == "whitespace" else delimiter
        decimal = found.get("decimal")
        if delimiter not in _DELIMITERS or decimal not in (".", ",") or delimiter == decimal:
            return cls.STANDARD
        encoding, missing = found.get("encoding"), found.get("missing")
        return cls(delimiter, decimal, _pairs(found, "decimals", lambda n: type(n) is int and 0 <= n <= MAX_DECIMALS),
                   encoding if encoding in ENCODINGS else "utf-8",
                   _pairs(found, "widths", lambda n: type(n) is int and 2 <= n <= MAX_WIDTH),
                   missing if missing in NULL_TOKENS else "", _pairs(found, "booleans", SPELLINGS.__contains__),
                   "\n" if found.get("line_end") == "\n" else "\r\n",
                   _pairs(found, "missings", lambda t: isinstance(t, str) and t in NULL_TOKENS))


Dialect.STANDARD = Dialect()


def _pairs(found: dict[str, Any], key: str, valid: Callable[[Any], bool]) -> tuple[tuple[str, Any], ...]:
    """The (column name, value) pairs of a format record's ``key`` whose value is ``valid``;
    anything else (a forged record) is left out."""
    pairs = found.get(key)
    if not isinstance(pairs, dict):
        return ()
    return tuple((name, value) for name, value in pairs.items() if isinstance(name, str) and valid(value))
