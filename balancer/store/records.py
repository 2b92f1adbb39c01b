"""What the run store takes and gives: who is asking, a run to save, saved runs, a save's outcome.

All are frozen dataclasses, so a page can keep them in its session and compare them. A
:class:`NewRun` checks itself when it is made (a bad kind or digest is the caller's bug, raised at
once as ``ValueError``) and turns its ``parameters`` and ``metrics`` into plain JSON: numpy scalars
become numbers, tuples lists, keys text, and NaN or infinity ``None`` (PostgreSQL's ``json`` refuses
NaN, and a score that could not be computed is "none" either way).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..recipe import KINDS, Recipe

#: The user name of everyone when the server knows no user (no trusted header is set).
ANONYMOUS = "anonymous"
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclasses.dataclass(frozen=True)
class Viewer:
    """Who is asking: their user name, and whether they are an admin (see :func:`~.viewer`)."""

    name: str
    admin: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class RunFacts:
    """What every run records, saved or to be saved: its kind, the dataset it ran on (name,
    SHA-256, size, target), the tactics, parameters and seed, and the metrics it gave."""

    kind: str
    dataset: str
    dataset_sha256: str
    rows: int
    columns: int
    target: str
    tactics: tuple[str, ...]
    parameters: Mapping[str, Any]
    seed: int | None
    metrics: Mapping[str, Any]


@dataclasses.dataclass(frozen=True, kw_only=True)
class NewRun(RunFacts):
    """A run to save: what it ran on, how, and what came out.

    ``dataset`` is the table's name (never its content) and ``dataset_sha256`` the hex SHA-256 of its
    bytes; ``recipe`` is the recipe's JSON text and ``report`` the HTML report. ``file`` is the
    resampled CSV when the user asked to keep it: it is kept only up to ``BALANCER_KEEP_MB``.
    """

    recipe: str
    report: str
    shared: bool = True
    note: str = ""
    file: bytes | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"a run's kind is one of {', '.join(KINDS)}, not {self.kind!r}")
        if not _SHA256.fullmatch(self.dataset_sha256):
            raise ValueError("dataset_sha256 must be 64 lower-case hex digits (hashlib's hexdigest)")
        if self.rows < 0 or self.columns < 0:
            raise ValueError("rows and columns cannot be negative")
        if isinstance(self.tactics, str) or not all(isinstance(t, str) for t in self.tactics):
            raise ValueError("tactics must be a list of tactic names")
        object.__setattr__(self, "tactics", tuple(self.tactics))
        object.__setattr__(self, "parameters", plain_json(dict(self.parameters)))
        object.__setattr__(self, "metrics", plain_json(dict(self.metrics)))

    @classmethod
    def from_recipe(cls, recipe: Recipe, *, rows: int, columns: int, metrics: Mapping[str, Any],
                    report: str, dataset_sha256: str | None = None, **more: Any) -> NewRun:
        """The run a recipe made: dataset, target, tactics, parameters and seed read from it.

        ``parameters`` holds the tactic's ``params`` and, when set, the ``model``, ``models``,
        ``folds``, ``repeats``, ``metric``, ``class_weight``, ``costs``, ``calibration``,
        ``threshold`` and ``mark_synthetic``. ``more`` takes ``shared``, ``note`` and ``file``.
        """
        tactics = tuple(recipe.methods) if recipe.kind == "compare" and recipe.methods else (recipe.method,)
        # every setting that changes the numbers (costs, calibration, the threshold: two runs that
        # differ only there showed the same parameters side by side)
        extra = {name: getattr(recipe, name) for name in ("model", "models", "folds", "repeats", "metric",
                                                          "class_weight", "costs", "calibration", "threshold")}
        if recipe.mark_synthetic:
            extra["mark_synthetic"] = True
        parameters = {"params": recipe.params, **{k: v for k, v in extra.items() if v is not None}}
        return cls(kind=recipe.kind, dataset=recipe.input_name or "", target=recipe.target,
                   dataset_sha256=dataset_sha256 or recipe.input_sha256 or "", rows=rows, columns=columns,
                   tactics=tactics, parameters=parameters, seed=recipe.seed, metrics=metrics,
                   recipe=recipe.to_json(), report=report, **more)


@dataclasses.dataclass(frozen=True, kw_only=True)
class RunSummary(RunFacts):
    """A saved run as the History list shows it: everything but the recipe, report and file.

    ``created_at`` is in UTC; ``user`` is its owner; ``file_size`` is the kept file's size in bytes
    (None when no file was kept).
    """

    id: str
    created_at: datetime
    user: str
    shared: bool
    note: str
    file_size: int | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Run(RunSummary):
    """A saved run with its recipe (JSON text) and report (HTML); the file comes from ``get_file``."""

    recipe: str
    report: str


@dataclasses.dataclass(frozen=True)
class Saved:
    """The outcome of a save, for the page to show: a save never raises.

    ``saved`` says whether the run is in the database, ``run_id`` is its id (None when not saved),
    ``message`` says what happened in one sentence (why not, or that the file was too large to keep)
    and ``file_kept`` whether the resampled file was kept with it.
    """

    saved: bool
    run_id: str | None
    message: str
    file_kept: bool = False


def plain_json(value: Any) -> Any:
    """``value`` as plain JSON data (see the module's docstring), or ValueError naming what is not."""
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        value = value.tolist()
    if isinstance(value, Mapping):
        return {str(key): plain_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise ValueError(f"a run's parameters and metrics must be JSON data; {type(value).__name__} is not")
