"""Size limits of a read, the memory budget of one file, and the messages that refuse a table.

Every refusal names the limit and the environment variable that raises it (see
:mod:`balancer.config`).
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from .. import config
from ..errors import DataError, LimitError

MB = 1024 * 1024
#: Any file may take this much memory once read, whatever its size (see Limits.budget).
EXPANSION_FLOOR = 64 * MB


@dataclasses.dataclass(frozen=True)
class Limits:
    """Size limits for one table; the defaults come from environment variables.

    ``BALANCER_MAX_UPLOAD_MB`` (default: Streamlit's ``STREAMLIT_SERVER_MAX_UPLOAD_SIZE`` when set,
    else 500, the value in ``.streamlit/config.toml``, so the two limits agree) bounds the file and
    what gzip decompresses to; ``BALANCER_MAX_ROWS`` (default 5,000,000) and
    ``BALANCER_MAX_COLUMNS`` (default 2,000) the table.

    What a file expands to in memory is bounded too (see :meth:`budget`):
    ``BALANCER_MAX_MEMORY_MB`` (default four times the upload limit, 2,000 MB) is the most any
    table may take once read, and ``BALANCER_MAX_EXPANSION`` (default 100) the most a file may
    grow, as a multiple of its size (every file may take 64 MB). ``BALANCER_MAX_CELL_KB`` (default
    1,024) bounds one cell or column name.
    """

    max_bytes: int = 500 * MB
    max_rows: int = 5_000_000
    max_columns: int = 2_000
    max_memory: int = 2_000 * MB
    max_expansion: float = 100.0
    max_cell_bytes: int = 1024 * 1024

    @classmethod
    def from_env(cls, **overrides: float | None) -> Limits:
        """Return the limits from the environment, with explicit overrides applied.

        Raises :class:`~balancer.errors.ConfigError` for a variable with an unusable value.
        """
        values: dict[str, float] = {
            "max_bytes": config.whole("BALANCER_MAX_UPLOAD_MB") * MB,
            "max_rows": config.whole("BALANCER_MAX_ROWS"),
            "max_columns": config.whole("BALANCER_MAX_COLUMNS"),
            "max_memory": int(config.number("BALANCER_MAX_MEMORY_MB") * MB),
            "max_expansion": config.number("BALANCER_MAX_EXPANSION"),
            "max_cell_bytes": int(config.number("BALANCER_MAX_CELL_KB") * 1024),
        }
        for key, value in overrides.items():
            if key not in values:
                raise TypeError(f"unknown limit {key!r}; use one of {sorted(values)}")
            if value is not None:
                values[key] = float(value) if key == "max_expansion" else int(value)
        return cls(**values)  # type: ignore[arg-type]

    def budget(self, size: int) -> Budget:
        """The most memory the table read from a file of ``size`` bytes may take.

        ``max(64 MB, max_expansion x size)``, and never more than ``max_memory``: a small file
        cannot expand into gigabytes (a dictionary-encoded Parquet column, an Excel shared string
        referenced a million times, a gzip bomb), while a large file may take what its size
        explains.
        """
        floor = min(self.max_memory, EXPANSION_FLOOR)
        grown = self.max_expansion * max(size, 0)
        if grown >= self.max_memory:
            return Budget(self.max_memory, "set BALANCER_MAX_MEMORY_MB to raise it")
        return Budget(max(floor, int(grown)),
                      f"a table may take {self.max_expansion:g} times its file's size in memory, and "
                      f"at least {megabytes(floor)}; set BALANCER_MAX_EXPANSION to raise it")


@dataclasses.dataclass(frozen=True)
class Budget:
    """A bound on the memory one read may use, and how a user raises it."""

    limit: int
    hint: str

    def check(self, need: float, name: str, what: str = "", *, stopped: bool = False) -> None:
        """Raise :class:`LimitError` when ``need`` bytes are more than the budget (``stopped``:
        reading stopped there, so the table would take more)."""
        if need > self.limit:
            amount = f"more than {megabytes(self.limit)}" if stopped else f"about {megabytes(need)}"
            raise LimitError(
                f"{name} would take {amount} in memory once read{what}; the limit for this file "
                f"is {megabytes(self.limit)} ({self.hint})"
            )


def megabytes(size: float) -> str:
    """Megabytes as the limits count them (1 MB = 1,048,576 bytes)."""
    return f"{size / MB:,.1f} MB" if size < 10 * MB else f"{size / MB:,.0f} MB"


def first_line(exc: BaseException) -> str:
    """The first line of an exception's text, short enough for a message."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def too_big(name: str, size: int, limit: int) -> str:
    return (
        f"{name} is {size / MB:,.1f} MB; the limit is {megabytes(limit)} "
        "(set BALANCER_MAX_UPLOAD_MB to raise it)"
    )


def too_wide(name: str, columns: int | str, limits: Limits) -> str:
    count = f"{columns:,}" if isinstance(columns, int) else columns
    return (f"{name} has {count} columns; the limit is {limits.max_columns:,} "
            "(set BALANCER_MAX_COLUMNS to raise it)")


def too_long(name: str, rows: str, limits: Limits) -> str:
    return (f"{name} has {rows} rows; the limit is {limits.max_rows:,} "
            "(set BALANCER_MAX_ROWS to raise it, or sample the table first)")


def cell_too_big(name: str, where: str, size: int, limits: Limits) -> LimitError:
    return LimitError(
        f"{name}: {where} holds {megabytes(size)} of text; the limit for one cell or column name "
        f"is {limits.max_cell_bytes / 1024:,.0f} KB (set BALANCER_MAX_CELL_KB to raise it)"
    )


def check_names(names: list[str], name: str, limits: Limits) -> None:
    """Refuse a column name longer than the cell limit."""
    for position, value in enumerate(names, start=1):
        if len(value) > limits.max_cell_bytes // 4 and len(value.encode("utf-8")) > limits.max_cell_bytes:
            raise cell_too_big(name, f"the name of column {position}", len(value.encode("utf-8")), limits)


def check_table(frame: pd.DataFrame, name: str, limits: Limits) -> pd.DataFrame:
    """The limits and emptiness checks every read ends with; the frame gets its ``name``."""
    if frame.shape[1] > limits.max_columns:
        raise LimitError(too_wide(name, frame.shape[1], limits))
    if len(frame) > limits.max_rows:
        raise LimitError(too_long(name, f"{len(frame):,}", limits))
    if len(frame) == 0:
        raise DataError(f"{name} has a header but no data rows")
    frame.attrs["name"] = name
    return frame
