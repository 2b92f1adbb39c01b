"""Recipes: a small JSON document that says how a result was made, and replays it anywhere.

A recipe holds the target, the tactic and its parameters, the seed, how missing values and
categories were handled, the row cap, the input's SHA-256 and the versions of Balancer,
scikit-learn and imbalanced-learn; for evaluate and compare also the error costs, the calibration
and (evaluate, two classes with costs) the decision threshold it found. :func:`replay` applies it to a table: on the same input and
versions the output CSV is byte-identical; on new data it applies the same tactic; on a version
mismatch it warns. :func:`balancer.codegen.python_script` turns it into a short pandas + imbalanced-learn script.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .decision import CALIBRATIONS
from .errors import DataError
from .profiling import label_str
from .resample import Resampled, max_output_rows, resample

FORMAT = "balancer-recipe/1"
HANDLING = {
    "missing_values": "imputed for the computation only (median for numbers, a level of their own "
                      "for categories); original rows keep their missing cells and each synthetic "
                      "row has the missing cells of the original row of its class nearest to it",
    "categorical": "SMOTE becomes SMOTENC (mixed) or SMOTEN (all categorical); other methods "
                   "measure distances on standardised numbers and one-hot categories (x 1/sqrt 2)",
    "rows_without_target": "left out",
}


def versions() -> dict[str, str]:
    """The versions that decide the output: Balancer, scikit-learn, imbalanced-learn, numpy, pandas."""
    out = {"balancer": __version__}
    for package in ("scikit-learn", "imbalanced-learn", "numpy", "pandas"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "unknown"
    return out


def sha256(data: bytes) -> str:
    """Hex SHA-256 of the input's bytes."""
    return hashlib.sha256(data).hexdigest()


def frame_sha256(frame: pd.DataFrame) -> str:
    """SHA-256 of a table that has no file (a bundled sample): of its CSV export."""
    from .tables import write_csv

    return sha256(write_csv(frame))


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How a result was made. ``kind`` is ``resample``, ``evaluate`` or ``compare``."""

    kind: str
    target: str
    method: str
    params: dict[str, Any]
    seed: int
    input_sha256: str | None = None
    input_name: str | None = None
    model: str | None = None
    folds: int | None = None
    repeats: int | None = None
    metric: str | None = None
    class_weight: Any = None
    methods: list[str] | None = None
    models: list[str] | None = None
    mark_synthetic: bool = False
    costs: dict[str, float] | None = None
    calibration: str | None = None
    threshold: float | None = None
    max_output_rows: int = dataclasses.field(default_factory=max_output_rows)
    handling: dict[str, str] = dataclasses.field(default_factory=lambda: dict(HANDLING))
    versions: dict[str, str] = dataclasses.field(default_factory=versions)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``format`` first)."""
        body = {k: v for k, v in dataclasses.asdict(self).items() if v is not None}
        return {"format": FORMAT, **body}

    def to_json(self) -> str:
        """The recipe as stable, readable JSON text."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=False, default=str) + "\n"

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> Recipe:
        """Read a recipe, or raise :class:`DataError` saying what is wrong with it.

        Every field is checked for its type; ``kind`` must be one of :data:`KINDS`; the recipe's
        ``max_output_rows`` can lower the operator's ``BALANCER_MAX_OUTPUT_ROWS`` but never raise it.
        """
        if not isinstance(payload, Mapping) or payload.get("format") != FORMAT:
            raise DataError(f"this is not a Balancer recipe (expected \"format\": \"{FORMAT}\")")
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(payload) - fields - {"format"}
        if unknown:
            raise DataError(f"the recipe has unknown fields: {', '.join(sorted(map(str, unknown)))[:200]}")
        missing = {"kind", "target", "method", "params", "seed"} - set(payload)
        if missing:
            raise DataError(f"the recipe lacks {', '.join(sorted(missing))}")
        values = {k: v for k, v in payload.items() if k != "format"}
        for name, value in values.items():
            _check_field(name, value)
        if values["kind"] not in KINDS:
            raise DataError(f"the recipe's kind {str(values['kind'])[:50]!r} is not one of {', '.join(KINDS)}")
        cap = max_output_rows()
        values["max_output_rows"] = min(int(values.get("max_output_rows", cap)), cap)
        return cls(**values)

    @classmethod
    def load(cls, source: str | Path | bytes) -> Recipe:
        """Read a recipe from a path, or from JSON bytes or text (at most :data:`MAX_BYTES`)."""
        if isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith("{")):
            path = Path(source)
            if not path.exists():
                raise DataError(f"no such recipe file: {path}")
            if not path.is_file():
                raise DataError(f"{path} is not a regular file; give the path of a recipe JSON file")
            with open(path, "rb") as handle:
                source = handle.read(MAX_BYTES + 1)
        if len(source) > MAX_BYTES:
            raise DataError(f"the recipe is over {MAX_BYTES // 1024} KB; a recipe is a few KB of JSON")
        try:
            payload = json.loads(source, parse_constant=_no_constant)
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
            raise DataError(f"the recipe is not valid JSON ({' '.join(str(exc).split())[:200]})") from None
        except RecursionError:
            raise DataError("the recipe is not a Balancer recipe: its JSON is nested too deeply") from None
        return cls.from_dict(payload)


#: What a recipe can replay.
KINDS = ("resample", "evaluate", "compare")
#: The largest recipe file read (a real one is a few KB).
MAX_BYTES = 1024 * 1024
_STR_OR_NONE = (str, type(None))
#: field -> (accepted types, what to say when it is not one of them)
_FIELD_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "kind": ((str,), "text"), "target": ((str,), "text"), "method": ((str,), "text"),
    "params": ((dict,), "an object"), "seed": ((int,), "a whole number from 0 to 2**32 - 1"),
    "input_sha256": (_STR_OR_NONE, "text"), "input_name": (_STR_OR_NONE, "text"),
    "model": (_STR_OR_NONE, "text"), "folds": ((int, type(None)), "a whole number from 2 to 100"),
    "repeats": ((int, type(None)), "a whole number from 1 to 20"),
    "metric": (_STR_OR_NONE, "text"), "class_weight": ((str, dict, type(None)), "'balanced' or an object"),
    "methods": ((list, type(None)), "a list of names"), "models": ((list, type(None)), "a list of names"),
    "mark_synthetic": ((bool,), "true or false"), "max_output_rows": ((int,), "a positive whole number"),
    "costs": ((dict, type(None)), "an object of costs of 0 or more, e.g. {\"fn\": 500, \"fp\": 5}"),
    "calibration": (_STR_OR_NONE, f"one of {', '.join(CALIBRATIONS)}"),
    "threshold": ((int, float, type(None)), "a number from 0 to 1"),
    "handling": ((dict,), "an object of texts"), "versions": ((dict,), "an object of texts"),
}


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number a recipe can hold")


def _check_field(name: str, value: Any) -> None:
    types, what = _FIELD_TYPES[name]
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if ok and name == "seed":
        ok = 0 <= value < 2**32
    elif ok and name == "folds" and value is not None:
        ok = 2 <= value <= 100
    elif ok and name == "repeats" and value is not None:
        ok = 1 <= value <= 20
    elif ok and name == "max_output_rows":
        ok = value > 0
    elif ok and name in ("methods", "models"):
        ok = all(isinstance(v, str) for v in value)
    elif ok and name in ("handling", "versions"):
        ok = all(isinstance(v, str) for v in value.values())
    elif ok and name == "class_weight" and isinstance(value, dict):
        ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in value.values())
    elif ok and name == "costs" and value is not None:
        ok = bool(value) and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < math.inf
                                 for v in value.values())
    elif ok and name == "calibration" and value is not None:
        ok = value in CALIBRATIONS
    elif ok and name == "threshold" and value is not None:
        ok = 0 <= value <= 1
    if not ok:
        raise DataError(f"the recipe's {name} must be {what}, not {json.dumps(value, default=str)[:60]}")


def _jsonable_params(params: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, Mapping):
            out[key] = {label_str(k): v for k, v in value.items()}
        elif isinstance(value, list):
            out[key] = [label_str(v) for v in value]
        else:
            out[key] = value
    return out


def make(kind: str, target: str, method: str, params: Mapping[str, Any] | None = None, seed: int = 0,
         *, source: bytes | pd.DataFrame | None = None, name: str | None = None, **extra: Any) -> Recipe:
    """Build a recipe; ``source`` (the input's bytes, or the table itself) gives its SHA-256."""
    digest = None
    if isinstance(source, (bytes, bytearray)):
        digest = sha256(bytes(source))
    elif isinstance(source, pd.DataFrame):
        digest = frame_sha256(source)
    if "class_weight" in extra and isinstance(extra["class_weight"], Mapping):
        extra["class_weight"] = {label_str(k): v for k, v in extra["class_weight"].items()}
    return Recipe(kind=kind, target=target, method=method, params=_jsonable_params(params or {}),
                  seed=int(seed), input_sha256=digest, input_name=name, **extra)


def version_warnings(recipe: Recipe) -> list[str]:
    """One warning per package whose version differs from the recipe's."""
    now = versions()
    return [f"the recipe was made with {package} {then}; this is {now.get(package, 'unknown')}: "
            "the output may differ"
            for package, then in recipe.versions.items() if now.get(package) != then]


def replay(recipe: Recipe, data: pd.DataFrame, *, source: bytes | None = None) -> tuple[Resampled, list[str]]:
    """Apply the recipe's tactic to ``data``; return the result and warnings (new data, versions)."""
    warnings = version_warnings(recipe)
    if recipe.input_sha256:
        digest = sha256(source) if source is not None else frame_sha256(data)
        if digest != recipe.input_sha256:
            warnings.append("the input differs from the recipe's (SHA-256): the same tactic is "
                            "applied to the new data")
    result = resample(data, recipe.target, recipe.method, params=recipe.params, seed=recipe.seed,
                      max_rows=recipe.max_output_rows)
    return result, warnings


def output_frame(recipe: Recipe, result: Resampled) -> pd.DataFrame:
    """The table to write for this recipe (with the synthetic marker when it asks for one)."""
    return result.with_marker() if recipe.mark_synthetic else result.data


__all__ = ["FORMAT", "Recipe", "frame_sha256", "make", "output_frame", "replay", "sha256",
           "version_warnings", "versions"]
