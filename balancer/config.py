"""Balancer's settings: every environment variable it reads, in one table, read and checked here.

:data:`SETTINGS` lists each variable with its kind, default, bounds and one line of meaning; the
README's Configuration table is made from it (:func:`markdown_table`, and a test keeps the two
equal). Every read goes through this module, when the value is needed (never frozen at import, so
a server picks up what it was started with and tests can change the environment)::

    config.whole("BALANCER_MAX_ROWS")      -> int
    config.number("BALANCER_CACHE_MB")     -> float
    config.flag("BALANCER_DEBUG")          -> bool
    config.text("BALANCER_ENGINE")         -> str (a choice in lower case, a path or free text)
    config.get(name)                       -> whichever of the above the variable's kind gives
    config.values()                        -> every variable, read and checked at once

An unset or empty variable takes its default. A value that is not what the variable accepts raises
:class:`~balancer.errors.ConfigError` (a :class:`~balancer.errors.BalancerError`: the command line
prints it on one line and exits 2, the dashboard shows it), naming the variable, the value and
what it accepts, e.g. ``BALANCER_MAX_ROWS='lots' is not a whole number; it accepts a whole number
from 1 to 1,000,000,000``. Whole numbers and numbers may be written with ``_`` or ``,`` between
digit groups (``5,000,000``, as the README shows them).
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tempfile
from collections.abc import Callable
from typing import Any

from .errors import ConfigError

#: The kinds of value a variable may hold.
KINDS = ("whole", "number", "flag", "choice", "path", "text")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
_WHOLE = re.compile(r"[+-]?\d+")


@dataclasses.dataclass(frozen=True)
class Setting:
    """One environment variable: its kind (one of :data:`KINDS`), default, bounds and meaning.

    ``default`` is the value itself, or a function that gives it when it depends on the machine or
    on another variable; ``shown`` is the default as the README writes it.
    """

    name: str
    kind: str
    default: Any
    meaning: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    shown: str = ""

    def accepts(self) -> str:
        """What the variable accepts, in words (the end of every message about a bad value)."""
        if self.kind in ("whole", "number"):
            noun = "a whole number" if self.kind == "whole" else "a number"
            return f"{noun} from {_figure(self.low)} to {_figure(self.high)}"
        if self.kind == "flag":
            return f"{', '.join(_TRUE)} or {', '.join(_FALSE)}"
        if self.kind == "choice":
            return " or ".join(self.choices)
        if self.kind == "text":
            return "text"
        return "a file path"

    def default_value(self) -> Any:
        """The value when the variable is unset or empty."""
        return self.default() if callable(self.default) else self.default

    def parse(self, raw: str) -> Any:
        """The value of ``raw`` (not empty), or a :class:`ConfigError` saying what is wrong."""
        value = _PARSERS[self.kind](self, raw.strip())
        if self.kind in ("whole", "number"):
            if self.low is not None and value < self.low:
                raise self.refuse(raw, "is too small")
            if self.high is not None and value > self.high:
                raise self.refuse(raw, "is too large")
        return value

    def refuse(self, raw: str, problem: str) -> ConfigError:
        """The error for a bad value: the variable, the value, the problem and what it accepts."""
        return ConfigError(f"{self.name}={raw!r} {problem}; it accepts {self.accepts()}")


def _figure(value: float | None) -> str:
    if value is None:
        return "any"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def _digits(raw: str) -> str:
    """The value without the ``_`` and ``,`` that may separate digit groups."""
    return raw.replace("_", "").replace(",", "")


def _parse_whole(setting: Setting, raw: str) -> int:
    text = _digits(raw)
    if not _WHOLE.fullmatch(text):
        raise setting.refuse(raw, "is not a whole number")
    return int(text)


def _parse_number(setting: Setting, raw: str) -> float:
    try:
        value = float(_digits(raw))
    except ValueError:
        raise setting.refuse(raw, "is not a number") from None
    if not math.isfinite(value):
        raise setting.refuse(raw, "is not a finite number")
    return value


def _parse_flag(setting: Setting, raw: str) -> bool:
    word = raw.lower()
    if word not in _TRUE + _FALSE:
        raise setting.refuse(raw, "is neither on nor off")
    return word in _TRUE


def _parse_choice(setting: Setting, raw: str) -> str:
    word = raw.lower()
    if word not in setting.choices:
        raise setting.refuse(raw, "is not a choice it has")
    return word


def _parse_path(setting: Setting, raw: str) -> str:
    return raw


_PARSERS: dict[str, Callable[[Setting, str], Any]] = {
    "whole": _parse_whole, "number": _parse_number, "flag": _parse_flag, "choice": _parse_choice,
    "path": _parse_path, "text": _parse_path,
}


def _upload_default() -> int:
    """Streamlit's own upload limit when only that is set, so the two limits agree."""
    return whole("STREAMLIT_SERVER_MAX_UPLOAD_SIZE")


def _memory_default() -> float:
    return 4.0 * whole("BALANCER_MAX_UPLOAD_MB")


def _threads_default() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _spark_log_default() -> str:
    return os.path.join(tempfile.gettempdir(), "balancer-spark.log")


def _runs_db_default() -> str:
    """The run database in the user's data folder (XDG's, which must be an absolute path)."""
    base = os.environ.get("XDG_DATA_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "balancer", "runs.db")


#: Every variable Balancer reads, in the README's order.
SETTINGS: tuple[Setting, ...] = (
    Setting("BALANCER_MAX_UPLOAD_MB", "whole", _upload_default,
            "largest table file, and most that gzip may decompress to, in MB", 1, 10_000_000,
            shown="500 (or `STREAMLIT_SERVER_MAX_UPLOAD_SIZE`)"),
    Setting("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", "whole", 500,
            "Streamlit's upload limit (MB); the library's too when `BALANCER_MAX_UPLOAD_MB` is unset",
            1, 10_000_000, shown="500"),
    Setting("BALANCER_MAX_ROWS", "whole", 5_000_000, "most rows in a table", 1, 1_000_000_000),
    Setting("BALANCER_MAX_COLUMNS", "whole", 2_000, "most columns in a table", 1, 1_000_000),
    Setting("BALANCER_MAX_CLASSES", "whole", 50, "most classes a target may have", 2, 1_000_000),
    Setting("BALANCER_MAX_OUTPUT_ROWS", "whole", 10_000_000, "most rows a resampled table may have",
            1, 1_000_000_000_000),
    Setting("BALANCER_MAX_MEMORY_MB", "number", _memory_default,
            "most memory one table may take once read (checked before it expands)", 1, 100_000_000,
            shown="4 x the upload limit"),
    Setting("BALANCER_MAX_EXPANSION", "number", 100.0,
            "most times its file size a table may take in memory (at least 64 MB for any file)",
            1, 1_000_000),
    Setting("BALANCER_MAX_CELL_KB", "number", 1024.0, "largest cell or column name, in KB",
            1, 1_048_576),
    Setting("BALANCER_CACHE_MB", "number", 512.0,
            "memory the cached uploads may hold (exports a quarter of that, profiles a sixteenth)",
            0, 1_000_000),
    Setting("BALANCER_CACHE_TTL", "whole", 3600, "seconds a cached upload, profile or export is kept",
            0, 31_536_000),
    Setting("BALANCER_CACHE_ENTRIES", "whole", 16, "cached uploads kept at once", 1, 100_000),
    Setting("BALANCER_DEBUG", "flag", False, "on: the command line prints tracebacks with its errors",
            shown="off"),
    Setting("BALANCER_MAX_JOBS", "whole", 2,
            "heavy jobs (reading, profiling, resample, evaluate, compare) running at once on a server",
            1, 1_000),
    Setting("BALANCER_JOB_WAIT", "number", 120.0,
            "seconds a job waits for a free slot before the user is told the server is busy",
            0, 86_400),
    Setting("BALANCER_THREADS", "whole", _threads_default, "threads of the nearest-neighbour search, and "
            "compare's worker processes (at most the cores)",
            1, 1_024, shown="cores (max 8)"),
    Setting("BALANCER_ENGINE", "choice", "fast", "`imblearn` runs plain imbalanced-learn (same "
            "results, slower)", choices=("fast", "imblearn"), shown="`fast`"),
    Setting("BALANCER_SPARK_DRIVER_ROWS", "whole", 1_000_000,
            "with `--engine spark`: most rows synthetic methods bring to (and make on) the driver",
            1, 1_000_000_000),
    Setting("BALANCER_SPARK_LOG", "path", _spark_log_default,
            "with `--engine spark`: where the JVM Balancer starts writes its log",
            shown="`$TMPDIR/balancer-spark.log`"),
    Setting("BALANCER_SAVE_RUNS", "flag", True, "off: runs are not saved in the run database",
            shown="on"),
    Setting("BALANCER_DB", "path", _runs_db_default,
            "the SQLite file runs are saved in, when `BALANCER_DATABASE_URL` is unset",
            shown="`$XDG_DATA_HOME/balancer/runs.db` (`~/.local/share/balancer/runs.db`)"),
    Setting("BALANCER_DATABASE_URL", "text", "",
            "`postgresql://USER:PASSWORD@HOST:PORT/DATABASE`: runs are saved in PostgreSQL instead",
            shown="none"),
    Setting("BALANCER_KEEP_MB", "number", 50.0,
            "largest resampled file kept with a saved run when its user asks (0 keeps none), in MB",
            0, 100_000),
    Setting("BALANCER_ADMINS", "text", "",
            "user names, comma-separated, who see and may delete every saved run", shown="none"),
    Setting("BALANCER_TRUSTED_USER_HEADER", "text", "",
            "the header a trusted proxy sets to the signed-in user's name; unset: everyone is `anonymous`",
            shown="none"),
)
_BY_NAME = {setting.name: setting for setting in SETTINGS}


def setting(name: str) -> Setting:
    """The entry of :data:`SETTINGS` for ``name`` (a KeyError for a name Balancer does not read)."""
    return _BY_NAME[name]


def get(name: str) -> Any:
    """The value of variable ``name`` now: its default when unset or empty, else the checked value."""
    entry = _BY_NAME[name]
    raw = os.environ.get(name, "")
    return entry.parse(raw) if raw.strip() else entry.default_value()


def _typed(name: str, kinds: tuple[str, ...]) -> Any:
    kind = _BY_NAME[name].kind
    if kind not in kinds:
        raise TypeError(f"{name} holds a {kind}, not a {' or '.join(kinds)}")
    return get(name)


def whole(name: str) -> int:
    """A whole-number variable (see :func:`get`)."""
    return int(_typed(name, ("whole",)))


def number(name: str) -> float:
    """A number variable (see :func:`get`)."""
    return float(_typed(name, ("number",)))


def flag(name: str) -> bool:
    """An on/off variable (see :func:`get`)."""
    return bool(_typed(name, ("flag",)))


def text(name: str) -> str:
    """A choice (in lower case), a path or a text variable (see :func:`get`)."""
    return str(_typed(name, ("choice", "path", "text")))


def values() -> dict[str, Any]:
    """Every variable read and checked now (the first bad one raises :class:`ConfigError`)."""
    return {entry.name: get(entry.name) for entry in SETTINGS}


def markdown_table() -> str:
    """The README's Configuration table, made from :data:`SETTINGS`."""
    lines = ["| variable | default | accepts | meaning |", "|---|---|---|---|"]
    for entry in SETTINGS:
        default = entry.shown or _shown(entry.default_value())
        lines.append(f"| `{entry.name}` | {default} | {entry.accepts()} | {entry.meaning} |")
    return "\n".join(lines)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (int, float)):
        return _figure(value)
    return f"`{value}`"


__all__ = [
    "KINDS",
    "SETTINGS",
    "Setting",
    "flag",
    "get",
    "markdown_table",
    "number",
    "setting",
    "text",
    "values",
]
