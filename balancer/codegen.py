"""The exported Python script: a recipe turned into pandas + scikit-learn + imbalanced-learn code.

Safety rule: the script is a fixed template, and every value that comes from the data or from a
recipe file (the target's name, column names, class labels, parameters, versions, the seed) enters
it only as the right-hand side of a constant assignment, written by :func:`literal`, which
accepts plain JSON-like values only and checks that the text it writes evaluates back to the same
value (``ast.literal_eval``). Nothing data-derived is ever written into the docstring, a comment
or an expression. A column named ``x\"\"\"; import os; os.system(...)`` is therefore just a
string. :func:`python_script` parses the finished script and checks that its only string
constants outside those assignments are the template's own.
"""

from __future__ import annotations

import ast
import inspect
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .errors import DataError
from .prepare import column_roles
from .profiling import label_str
from .recipe import Recipe
from .tables import NULL_TOKENS

#: model name -> (import line, constructor using the constants SEED and CLASS_WEIGHT)
_MODEL_CODE = {
    "logistic_regression": ("from sklearn.linear_model import LogisticRegression",
                            "LogisticRegression(max_iter=2000, class_weight=CLASS_WEIGHT)"),
    "decision_tree": ("from sklearn.tree import DecisionTreeClassifier",
                      "DecisionTreeClassifier(min_samples_leaf=2, random_state=SEED, class_weight=CLASS_WEIGHT)"),
    "random_forest": ("from sklearn.ensemble import RandomForestClassifier",
                      "RandomForestClassifier(n_estimators=100, random_state=SEED, class_weight=CLASS_WEIGHT)"),
    "hist_gradient_boosting": ("from sklearn.ensemble import HistGradientBoostingClassifier",
                               "HistGradientBoostingClassifier(random_state=SEED, class_weight=CLASS_WEIGHT)"),
}
_MODULES = {"over": "over_sampling", "under": "under_sampling", "combined": "combine"}
_DOCSTRING = '''"""Reproduce a Balancer result with pandas, scikit-learn and imbalanced-learn.

Usage: python this_script.py DATA.csv
The settings Balancer used are the constants below (TARGET, METHOD, SAMPLER_PARAMS, ...).
"""'''


def literal(value: Any) -> str:
    """``value`` as Python source that evaluates to it: None, bools, ints, finite floats, strings,
    and lists, tuples and dicts of them. Anything else raises :class:`DataError`."""
    text = _literal(value)
    if ast.literal_eval(text) != _plain(value):  # a guard: repr is exact for these types
        raise DataError(f"cannot write {value!r} into a script")
    return text


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


def _literal(value: Any) -> str:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DataError(f"cannot write the number {value!r} into a script")
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, (str, int, bool)) and not hasattr(key, "item"):
                raise DataError(f"cannot write the key {key!r} into a script")
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    raise DataError(f"cannot write a {type(value).__name__} into a script")


def script_class_weight(recipe: Recipe) -> Any:
    """The class weights the script gives the model: None, ``"balanced"`` or {label text: cost}.

    The recipe holds them as the user gave them (``--class-weight '{"yes": 5}'`` is a JSON string).
    """
    from . import strategies

    weights = recipe.class_weight
    tactic = strategies.STRATEGIES.get(recipe.method)
    if weights is None and tactic is not None and tactic.family == "cost":  # the penalized-model tactic
        weights = recipe.params.get("weights", tactic.param("weights").default)
    if weights is None or weights is False:
        return None
    if weights is True:
        return "balanced"
    if isinstance(weights, str):
        weights = strategies.Param("weights", "costs", "balanced", "").coerce(weights)
    if weights == "balanced":
        return "balanced"
    if not isinstance(weights, Mapping):
        raise DataError("class_weight must be 'balanced' or an object of per-class costs")
    return {label_str(k): float(v) for k, v in weights.items()}


def _sampler_settings(recipe: Recipe, data: pd.DataFrame) -> tuple[str | None, dict[str, Any], Any]:
    """The imbalanced-learn class, its parameters (no sampling_strategy, no seed), the strategy."""
    from . import strategies
    from .resample import resolve_method

    strategy = strategies.get(recipe.method)
    if strategy.sampler is None:
        return None, {}, None
    roles = column_roles(data[data[recipe.target].notna()], recipe.target)
    name = resolve_method(strategy, roles, [])
    params = {k: v for k, v in recipe.params.items() if k != "sampling_strategy" and v is not None}
    if strategy.variants is not None:  # the variant that runs takes its own parameters
        params = {p.name: params.get(p.name, p.default) for p in strategies.get(name).params}
    return name, params, recipe.params.get("sampling_strategy", "auto")


def _imports(sampler: str | None, model: str) -> list[str]:
    from . import strategies

    lines = [
        "import sys", "", "import numpy as np", "import pandas as pd",
        "from imblearn.pipeline import Pipeline", "from sklearn.compose import ColumnTransformer",
        "from sklearn.impute import SimpleImputer",
        "from sklearn.model_selection import StratifiedKFold, cross_validate",
        "from sklearn.pipeline import make_pipeline",
        "from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler",
        _MODEL_CODE[model][0],
    ]
    if sampler:
        family = strategies.get(sampler).family if sampler in strategies.STRATEGIES else "over"
        lines.append(f"from imblearn.{_MODULES.get(family, 'over_sampling')} import {sampler}")
    return lines


def _constants(recipe: Recipe, data: pd.DataFrame, sampler: str | None, params: dict[str, Any],
               sampling_strategy: Any) -> list[str]:
    roles = column_roles(data[data[recipe.target].notna()], recipe.target)
    values = {
        "SEED": int(recipe.seed),
        "TARGET": str(recipe.target),
        "METHOD": str(recipe.method),
        "MADE_WITH": {str(k): str(v) for k, v in recipe.versions.items()},
        "NUMERIC": [str(c) for c in roles.numeric],
        "CATEGORICAL": [str(c) for c in roles.categorical],
        "MISSING": list(NULL_TOKENS),
        "SAMPLING_STRATEGY": sampling_strategy,
        "SAMPLER_PARAMS": params,
        "CLASS_WEIGHT": script_class_weight(recipe),
        "FOLDS": int(recipe.folds or 5),
    }
    if sampler is None:
        del values["SAMPLING_STRATEGY"], values["SAMPLER_PARAMS"]
    return [f"{name} = {literal(value)}" for name, value in values.items()]


_READ = [
    "path = sys.argv[1]",
    'if path.endswith(".parquet"):',
    "    data = pd.read_parquet(path)",
    'elif path.endswith(".xlsx"):',
    "    data = pd.read_excel(path, na_values=MISSING)",
    "else:",
    '    options = dict(na_values=MISSING, keep_default_na=False, skipinitialspace=True)',
    '    data = pd.read_csv(path, sep="\\t" if path.endswith(".tsv") else ",", **options)',
    "    if data.shape[1] == 1:  # not comma-separated: let pandas find the delimiter",
    '        data = pd.read_csv(path, sep=None, engine="python", **options)',
    "data.columns = [str(c).strip() for c in data.columns]",
    "data = data[data[TARGET].notna()]",
    "X, y = data[NUMERIC + CATEGORICAL], data[TARGET].astype(str)",
    "",
    'numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())',
]
_ORDINAL = [
    "# SMOTENC/SMOTEN take categories as codes; they are one-hot encoded for the model after",
    'codes = make_pipeline(SimpleImputer(strategy="most_frequent"), OrdinalEncoder())',
    'prepare = ColumnTransformer([("num", numbers, NUMERIC), ("cat", codes, CATEGORICAL)])',
    "categorical_at = list(range(len(NUMERIC), len(NUMERIC) + len(CATEGORICAL)))",
    'expand = ColumnTransformer([("onehot", OneHotEncoder(handle_unknown="ignore"), categorical_at)],',
    '                           remainder="passthrough")',
]
_ONEHOT = [
    "# one-hot categories scaled by 1/sqrt(2): a different category counts like one standard deviation",
    'onehot = make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore",',
    '                       sparse_output=False), FunctionTransformer(lambda x: x / np.sqrt(2)))',
    'prepare = ColumnTransformer([("num", numbers, NUMERIC), ("cat", onehot, CATEGORICAL)])',
]
_RESAMPLE = [
    "",
    "# 1. the resampled table (features as the sampler sees them) and its class counts",
    "X_resampled, y_resampled = sampler.fit_resample(prepare.fit_transform(X), y)",
    'print("class counts after resampling:")',
    "print(pd.Series(y_resampled).value_counts().to_string())",
]
_EVALUATE = [
    "",
    "# 2. leakage-safe evaluation: the sampler runs inside the training folds only",
    "pipeline = Pipeline(steps)",
    "folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)",
    'scores = cross_validate(pipeline, X, y, cv=folds, scoring=["balanced_accuracy", "f1_macro", "roc_auc_ovr"])',
    "for name, values in scores.items():",
    '    if name.startswith("test_"):',
    '        print(f"{name[5:]}: {values.mean():.3f} +/- {values.std():.3f}")',
    "",
]


def _sampler_line(sampler: str) -> str:
    from . import strategies

    args = ["sampling_strategy=SAMPLING_STRATEGY"]
    entry = strategies.STRATEGIES.get(sampler)
    accepted = inspect.signature(entry.sampler).parameters if entry is not None and entry.sampler else {}
    if "categorical_features" in accepted:
        args.insert(0, "categorical_features=categorical_at")
    if "random_state" in accepted:
        args.append("random_state=SEED")
    return f"sampler = {sampler}({', '.join(args)}, **SAMPLER_PARAMS)"


def python_script(recipe: Recipe, data: pd.DataFrame) -> str:
    """A short pandas + imbalanced-learn script that reproduces the resampling and the evaluation.

    Column roles come from ``data``; the script reads the file given on its command line. Raises
    :class:`DataError` when the recipe names a model or values a script cannot hold.
    """
    model = recipe.model or "logistic_regression"
    if model not in _MODEL_CODE:
        raise DataError(f"unknown model {model!r}; use one of {', '.join(_MODEL_CODE)}")
    sampler, params, sampling_strategy = _sampler_settings(recipe, data)
    if sampler is not None and not sampler.isidentifier():  # registry names only
        raise DataError(f"cannot export a script for {sampler!r}")
    lines = [_DOCSTRING, *_imports(sampler, model), "",
             *_constants(recipe, data, sampler, params, sampling_strategy), "", *_READ]
    ordinal = sampler is not None and _encoding(sampler) == "ordinal"
    lines += _ORDINAL if ordinal else _ONEHOT
    steps = ['("prepare", prepare)']
    if sampler:
        lines.append(_sampler_line(sampler))
        lines += _RESAMPLE
        steps.append('("sample", sampler)')
    if ordinal:
        steps.append('("expand", expand)')
    steps.append(f'("model", {_MODEL_CODE[model][1]})')
    lines += ["", f"steps = [{', '.join(steps)}]", *_EVALUATE]
    script = "\n".join(lines)
    _check_template(script)
    return script


def _encoding(sampler: str) -> str:
    """How the sampler takes categorical columns: ``onehot`` or ``ordinal`` codes (SMOTENC, SMOTEN)."""
    from . import strategies

    entry = strategies.STRATEGIES.get(sampler)
    return entry.encoding if entry is not None else "onehot"


def _template_strings() -> set[str]:
    """Every string constant the template itself writes (outside the constant assignments)."""
    text = "\n".join([_DOCSTRING, *_READ, *_ORDINAL, *_ONEHOT, *_RESAMPLE, *_EVALUATE,
                      *(code for _, code in _MODEL_CODE.values()),
                      'steps = [("prepare", 0), ("sample", 0), ("expand", 0), ("model", 0)]'])
    return {node.value for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def _check_template(script: str) -> None:
    """Parse the script; fail unless every data-derived value sits in a constant assignment."""
    tree = ast.parse(script)
    allowed = _template_strings()
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and \
                isinstance(statement.targets[0], ast.Name) and statement.targets[0].id.isupper():
            continue  # a constant written by literal()
        for node in ast.walk(statement):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value not in allowed:
                raise DataError("internal check failed: the exported script would hold data outside "
                                "its constants")


__all__ = ["literal", "python_script", "script_class_weight"]
