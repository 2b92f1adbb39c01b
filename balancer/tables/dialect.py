"""The CSV dialect of an export: the delimiter and decimal mark the input had, or standard CSV."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import pandas as pd

_DELIMITERS = (",", ";", "\t", "|")


@dataclasses.dataclass(frozen=True)
class Dialect:
    """How :func:`~balancer.tables.write_csv` separates fields and writes the decimal mark of
    floats. Either way the output is RFC 4180 (fields with the delimiter, a quote or a line break
    quoted), without thousands separators. A decimal comma needs another delimiter than the comma.
    """

    delimiter: str = ","
    decimal: str = "."

    STANDARD: ClassVar[Dialect]

    def __post_init__(self) -> None:
        if self.delimiter not in _DELIMITERS:
            raise ValueError(f"delimiter must be one of {_DELIMITERS}, not {self.delimiter!r}")
        if self.decimal not in (".", ","):
            raise ValueError(f"decimal must be '.' or ',', not {self.decimal!r}")
        if self.delimiter == self.decimal:
            raise ValueError("a decimal comma needs another delimiter than the comma")

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Dialect:
        """The dialect of the text file a frame was read from (``attrs["format"]``); standard CSV
        for a workbook, a Parquet file or a frame without that record. A whitespace-separated
        table is written tab-separated."""
        found = frame.attrs.get("format")
        if not isinstance(found, dict) or found.get("kind") not in ("csv", "tsv", "txt"):
            return cls.STANDARD
        delimiter = found.get("delimiter")
        delimiter = "\t" if delimiter == "whitespace" else delimiter
        decimal = found.get("decimal")
        if delimiter not in _DELIMITERS or decimal not in (".", ",") or delimiter == decimal:
            return cls.STANDARD
        return cls(delimiter, decimal)


Dialect.STANDARD = Dialect()
