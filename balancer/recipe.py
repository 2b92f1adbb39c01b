"""Recipes: a small JSON document that says how a result was made, and replays it anywhere.

A recipe holds the target, the tactic and its parameters, the seed, how missing values and
categories were handled, the row cap, the input's SHA-256 and the versions of Balancer,
scikit-learn and imbalanced-learn. :func:`replay` applies it to a table: on the same input and
versions the output CSV is byte-identical; on new data it applies the same tactic; on a version
mismatch it warns. :func:`python_script` turns it into a short pandas + imbalanced-learn script.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .errors import DataError
from .prepare import column_roles
from .profile import label_str
from .resample import Resampled, max_output_rows, resample

FORMAT = "balancer-recipe/1"
HANDLING = {
    "missing_values": "imputed for the computation only (median for numbers, most frequent for "
                      "categories); original rows keep their missing cells",
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
    from .io import write_csv

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
    metric: str | None = None
    class_weight: Any = None
    methods: list[str] | None = None
    models: list[str] | None = None
    mark_synthetic: bool = False
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
        """Read a recipe, or raise :class:`DataError` saying what is wrong with it."""
        if not isinstance(payload, Mapping) or payload.get("format") != FORMAT:
            raise DataError(f"this is not a Balancer recipe (expected \"format\": \"{FORMAT}\")")
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(payload) - fields - {"format"}
        if unknown:
            raise DataError(f"the recipe has unknown fields: {', '.join(sorted(unknown))}")
        missing = {"kind", "target", "method", "params", "seed"} - set(payload)
        if missing:
            raise DataError(f"the recipe lacks {', '.join(sorted(missing))}")
        values = {k: v for k, v in payload.items() if k != "format"}
        if not isinstance(values["params"], Mapping):
            raise DataError("the recipe's params must be an object")
        return cls(**values)

    @classmethod
    def load(cls, source: str | Path | bytes) -> Recipe:
        """Read a recipe from a path, or from JSON bytes or text."""
        if isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith("{")):
            path = Path(source)
            if not path.exists():
                raise DataError(f"no such recipe file: {path}")
            source = path.read_bytes()
        try:
            payload = json.loads(source)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"the recipe is not valid JSON ({exc})") from None
        return cls.from_dict(payload)


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


# --------------------------------------------------------------------------------------------
# code export

_MODEL_CODE = {
    "logistic_regression": ("from sklearn.linear_model import LogisticRegression",
                            "LogisticRegression(max_iter=2000{cw})"),
    "decision_tree": ("from sklearn.tree import DecisionTreeClassifier",
                      "DecisionTreeClassifier(min_samples_leaf=2, random_state=SEED{cw})"),
    "random_forest": ("from sklearn.ensemble import RandomForestClassifier",
                      "RandomForestClassifier(n_estimators=100, random_state=SEED{cw})"),
    "hist_gradient_boosting": ("from sklearn.ensemble import HistGradientBoostingClassifier",
                               "HistGradientBoostingClassifier(random_state=SEED{cw})"),
}


def python_script(recipe: Recipe, data: pd.DataFrame) -> str:
    """A short pandas + imbalanced-learn script that reproduces the resampling and the evaluation.

    Column roles come from ``data``; the script reads the file given on its command line.
    """
    from . import strategies
    from .resample import resolve_method

    roles = column_roles(data[data[recipe.target].notna()], recipe.target)
    strategy = strategies.get(recipe.method)
    sampler_name = resolve_method(strategy, roles, []) if strategy.sampler is not None else None
    numeric = [str(c) for c in roles.numeric]
    categorical = [str(c) for c in roles.categorical]
    params = {k: v for k, v in recipe.params.items() if k != "sampling_strategy"}
    if sampler_name in ("SMOTENC", "SMOTEN", "SMOTE"):
        params = {"k_neighbors": params.get("k_neighbors", 5)}
    ss = recipe.params.get("sampling_strategy", "auto")
    module = {"over": "over_sampling", "under": "under_sampling", "combined": "combine"}
    model = recipe.model or "logistic_regression"
    model_import, model_code = _MODEL_CODE[model]
    weights = recipe.class_weight if recipe.class_weight is not None else (
        recipe.params.get("weights") if recipe.method == "class_weight" else None)
    cw = "" if weights is None else f", class_weight={weights!r}"
    lines = [
        f'"""Reproduce Balancer\'s {recipe.method} on column {recipe.target!r} with pandas and imbalanced-learn.',
        "",
        f"Made by Balancer {recipe.versions.get('balancer')} (scikit-learn {recipe.versions.get('scikit-learn')}, "
        f"imbalanced-learn {recipe.versions.get('imbalanced-learn')}).",
        "Usage: python this_script.py DATA.csv",
        '"""',
        "import sys",
        "",
        "import numpy as np",
        "import pandas as pd",
        "from imblearn.pipeline import Pipeline",
        "from sklearn.compose import ColumnTransformer",
        "from sklearn.impute import SimpleImputer",
        "from sklearn.model_selection import StratifiedKFold, cross_validate",
        "from sklearn.pipeline import make_pipeline",
        "from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler",
        model_import,
    ]
    if sampler_name:
        family = strategies.get(sampler_name).family if sampler_name in strategies.STRATEGIES else "over"
        lines.append(f"from imblearn.{module.get(family, 'over_sampling')} import {sampler_name}")
    lines += [
        "",
        f"SEED = {recipe.seed}",
        f"TARGET = {recipe.target!r}",
        f"NUMERIC = {numeric!r}",
        f"CATEGORICAL = {categorical!r}",
        'MISSING = ["", "?", "NA", "N/A", "n/a", "na", "NaN", "nan", "null", "NULL", "#N/A"]',
        "",
        "path = sys.argv[1]",
        'if path.endswith(".parquet"):',
        "    data = pd.read_parquet(path)",
        'elif path.endswith(".xlsx"):',
        "    data = pd.read_excel(path, na_values=MISSING)",
        "else:",
        '    data = pd.read_csv(path, sep=None, engine="python", na_values=MISSING, keep_default_na=False,',
        "                       skipinitialspace=True)",
        "data.columns = [str(c).strip() for c in data.columns]",
        "data = data[data[TARGET].notna()]",
        "X, y = data[NUMERIC + CATEGORICAL], data[TARGET].astype(str)",
        "",
        "numbers = make_pipeline(SimpleImputer(strategy=\"median\"), StandardScaler())",
    ]
    ordinal = sampler_name in ("SMOTENC", "SMOTEN")
    if ordinal:
        lines += [
            "# SMOTENC/SMOTEN take categories as codes; they are one-hot encoded for the model after",
            'codes = make_pipeline(SimpleImputer(strategy="most_frequent"), OrdinalEncoder())',
            'prepare = ColumnTransformer([("num", numbers, NUMERIC), ("cat", codes, CATEGORICAL)])',
            "categorical_at = list(range(len(NUMERIC), len(NUMERIC) + len(CATEGORICAL)))",
        ]
        extra = "categorical_features=categorical_at, " if sampler_name == "SMOTENC" else ""
        lines.append(f"sampler = {sampler_name}({extra}sampling_strategy={ss!r}, random_state=SEED, "
                     f"k_neighbors={params['k_neighbors']})")
        lines += [
            'expand = ColumnTransformer([("onehot", OneHotEncoder(handle_unknown="ignore"), categorical_at)],',
            '                           remainder="passthrough")',
        ]
    else:
        lines += [
            "# one-hot categories scaled by 1/sqrt(2): a different category counts like one standard deviation",
            'onehot = make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore",',
            '                       sparse_output=False), FunctionTransformer(lambda x: x / np.sqrt(2)))',
            'prepare = ColumnTransformer([("num", numbers, NUMERIC), ("cat", onehot, CATEGORICAL)])',
        ]
        if sampler_name:
            sampler = strategies.get(sampler_name)
            args = [f"sampling_strategy={ss!r}"]
            import inspect

            if sampler.sampler is not None and "random_state" in inspect.signature(sampler.sampler).parameters:
                args.append("random_state=SEED")
            args += [f"{k}={v!r}" for k, v in params.items() if v is not None]
            lines.append(f"sampler = {sampler_name}({', '.join(args)})")
    if sampler_name:
        lines += [
            "",
            "# 1. the resampled table (features as the sampler sees them) and its class counts",
            "X_resampled, y_resampled = sampler.fit_resample(prepare.fit_transform(X), y)",
            'print("class counts after resampling:")',
            "print(pd.Series(y_resampled).value_counts().to_string())",
        ]
    steps = ['("prepare", prepare)']
    if sampler_name:
        steps.append('("sample", sampler)')
    if ordinal:
        steps.append('("expand", expand)')
    steps.append(f'("model", {model_code.format(cw=cw)})')
    folds = recipe.folds or 5
    lines += [
        "",
        "# 2. leakage-safe evaluation: the sampler runs inside the training folds only",
        f"pipeline = Pipeline([{', '.join(steps)}])",
        f"folds = StratifiedKFold(n_splits={folds}, shuffle=True, random_state=SEED)",
        'scores = cross_validate(pipeline, X, y, cv=folds, scoring=["balanced_accuracy", "f1_macro", "roc_auc_ovr"])',
        "for name, values in scores.items():",
        '    if name.startswith("test_"):',
        '        print(f"{name[5:]}: {values.mean():.3f} +/- {values.std():.3f}")',
        "",
    ]
    return "\n".join(lines)


__all__ = ["FORMAT", "Recipe", "frame_sha256", "make", "output_frame", "python_script", "replay", "sha256",
           "version_warnings", "versions"]
