"""The exported Python script: a recipe turned into a pandas + scikit-learn + imbalanced-learn
program that reproduces the app without Balancer.

``python script.py DATA [OUT] [--exact]`` reads DATA, writes the balanced file (the bytes the
app's download and ``balancer resample`` write, next to DATA as ``<stem>_<method>.csv`` or to
OUT), cross-validates the tactic on the same folds as ``balancer evaluate`` (stratified, repeated,
copies of a row kept in one fold, per-class counts scaled to the training folds) and prints its
metrics as one JSON object: the keys and values of ``balancer evaluate --json``'s ``metrics``
(rounded to 6 decimals as there; ``--exact`` prints them unrounded). Messages go to stderr.

How it stays exact: the script carries a copy of Balancer's own code for the steps that decide
the numbers (:data:`_EMBEDDED`: the ``Preparer``, the fold assignment, the metrics, the prior
correction, the decoding of synthetic rows, the CSV writer), copied from the installed modules
when the script is made, and the settings Balancer resolved for this table (column roles, class
codes, neighbour counts lowered for the table and for the training folds, folds lowered for
small classes, the calibration, the inner folds of each training fold), the tactics that change
the model (threshold tuning, anomaly detection, decompose, the imbalance ensembles: their builders
and classes are copied too), and the decision: error costs (the Bayes threshold on calibrated
probabilities, the threshold searched on inner out-of-fold predictions, or the cost matrix) and
the calibration (prior correction, or scikit-learn's sigmoid or isotonic calibration on inner
folds), as :func:`balancer.evaluate` fits them in each training fold. The file is
byte for byte the app's when polars and pyarrow are installed: DATA is read by pandas with what
Balancer's reader found in the file the script was made from (``READ``: delimiter, decimal mark,
thousands separator, encoding, or the worksheet, and the title rows above the header), though
pandas may still type an unusual column differently than Balancer's reader.

Safety rule: the script is a fixed template, and every value that comes from the data or from a
recipe file (the target's name, column names, class labels, parameters, versions, the seed) enters
it only as the right-hand side of a constant assignment, written by :func:`literal`, which
accepts plain JSON-like values only and checks that the text it writes evaluates back to the same
value (``ast.literal_eval``). Nothing data-derived is ever written into the docstring, a comment
or an expression. A column named ``x\"\"\"; import os; os.system(...)`` is therefore just a
string. :func:`python_script` parses the finished script and checks that it is the template's
own statements (Balancer's copied code included, made from the template for every sampler and
model, never from data) plus exactly the constants it wrote, each once.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .errors import BalancerError, DataError
from .profiling import label_str
from .recipe import Recipe
from .tables import NULL_TOKENS, Dialect

#: model name -> (import line, constructor using SEED; the class weights are the argument ``weights``)
_MODEL_CODE = {
    "logistic_regression": ("from sklearn.linear_model import LogisticRegression",
                            "LogisticRegression(max_iter=2000, class_weight=weights)"),
    "decision_tree": ("from sklearn.tree import DecisionTreeClassifier",
                      "DecisionTreeClassifier(class_weight=weights, random_state=SEED, min_samples_leaf=2)"),
    "random_forest": ("from sklearn.ensemble import RandomForestClassifier",
                      "RandomForestClassifier(n_estimators=100, class_weight=weights, random_state=SEED, n_jobs=1)"),
    "hist_gradient_boosting": ("from sklearn.ensemble import HistGradientBoostingClassifier",
                               "HistGradientBoostingClassifier(class_weight=weights, random_state=SEED)"),
}
_MODULES = {"over": "over_sampling", "under": "under_sampling", "combined": "combine"}
_DOCSTRING = '''"""Reproduce a Balancer result with pandas, scikit-learn and imbalanced-learn.

Usage: python this_script.py DATA.csv [OUT.csv] [--exact]

Writes the balanced table (next to DATA as <stem>_<method>.csv, or to OUT.csv) and prints the
cross-validated metrics as one JSON object, as `balancer evaluate --json` gives them (rounded to
6 decimals; --exact prints every digit). The settings Balancer used are the constants below;
the functions after them are copies of Balancer's own code, so the numbers are the same.
"""'''

#: Balancer's own code the script carries: (module, top-level names), in the order they are written.
_EMBEDDED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("balancer.errors", ("BalancerError", "DataError", "ParameterError")),
    ("balancer.profiling", ("label_str",)),
    ("balancer.terminal", ("_UNSAFE", "safe")),
    ("balancer.tables.clean", ("_TRUTH",)),
    ("balancer.prepare", ("MAX_LEVELS", "_ONE_HOT_SCALE", "Roles", "_as_float", "Preparer", "decimals",
                          "_check_frame", "cast_like")),
    ("balancer.metrics", ("METRICS", "score", "_Fold", "_divide", "_at_thresholds", "_roc_auc", "_average_precision",
                          "_SCORERS", "threshold_scores", "best_threshold")),
    ("balancer.decision", ("PER_ROWS", "Costs", "bayes_threshold", "costs_at", "search_threshold", "prior_weights",
                           "pipeline_prior", "ClassCounter", "Rule", "decision_rule", "_proba", "Fitted")),
    ("balancer.evaluate", ("MAX_REPEATS", "repeat_seed", "_group_owner", "_grouped_folds", "_grouped_holdout",
                           "_level", "_fold_sampling_strategy", "_whole", "splits", "matrix_groups",
                           "distinct_per_class")),
    # the tactics that change the model: its builders (FINALS in the script) and their classes
    ("balancer.tactics", ("_SPARSE", "STAND_INS", "tuning_metric", "_inner_splits", "_positive_of", "ThresholdClassifier", "AnomalyClassifier",
                          "DecomposeClassifier", "NoSignalFallback", "threshold_model", "anomaly_model",
                          "decompose_model", "balanced_random_forest", "easy_ensemble", "rus_boost",
                          "balanced_bagging")),
    ("balancer.resample", ("provenance", "_match_rows", "_stacked", "_decode_synthetic", "fill_constants",
                           "gap_columns", "keep_missing", "_donor_space", "nearest_originals")),
    ("balancer.tables.write", ("_FORMULA_START", "escape_formulas", "escape_formula", "to_arrow", "_csv_field",
                               "csv_header", "_time_formats", "_paddings", "_widths", "_padded", "_write_rows",
                               "_ENCODERS", "_encoded", "write_csv")),
)

_IMPORTS = '''from __future__ import annotations

import codecs
import dataclasses
import io
import json
import math
import re
import sys
import warnings
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from imblearn import combine, over_sampling, under_sampling
from imblearn.pipeline import Pipeline
from scipy.integrate import trapezoid
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import IsolationForest
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import (FixedThresholdClassifier, StratifiedKFold, StratifiedShuffleSplit,
                                     cross_val_predict)
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils import Tags, get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

try:  # the writer Balancer uses; without it the file is written by pandas (not byte for byte the app's)
    import polars as pl
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:
    pl = pa = pc = None'''

_MAIN = '''

class Dialect:
    """The delimiter and decimal mark of the balanced file, (``decimals``) the fewest decimals each
    float column of the app's input was written with (``12,00`` stays ``12,00``), the input's
    encoding, (``widths``) the digits of zero-padded whole numbers (``00117``), the token of a
    missing cell (``?``) and how true/false are spelled (``TRUE``): ``WRITE``."""

    def __init__(self, delimiter: str, decimal: str, decimals: tuple[tuple[str, int], ...] = (),
                 encoding: str = "utf-8", widths: tuple[tuple[str, int], ...] = (), missing: str = "",
                 booleans: tuple[tuple[str, str], ...] = (), line_end: str = "\\r\\n",
                 missings: tuple[tuple[str, str], ...] = ()) -> None:
        self.delimiter, self.decimal, self.decimals, self.encoding = delimiter, decimal, decimals, encoding
        self.widths, self.missing, self.booleans, self.line_end = widths, missing, booleans, line_end
        self.missings = missings  # a column's own token for its gaps, where the input's columns differ


Dialect.STANDARD = Dialect(",", ".")


def read(path: str) -> pd.DataFrame:
    """The table at ``path`` (Parquet, xlsx, or delimited text with Balancer's missing-value tokens),
    read with what the app found in the file this script was made from (``READ``: the delimiter,
    decimal mark, thousands separator, encoding, or the worksheet, and the title rows above the
    header)."""
    if path.endswith(".parquet"):
        return pd.read_parquet(path)
    if path.endswith(".xlsx"):
        found = {key: READ[key] for key in ("sheet_name", "skiprows") if key in READ and "sheet_name" in READ}
        try:
            return as_read(pd.read_excel(path, na_values=MISSING, **found))
        except ValueError:  # another workbook, without that worksheet
            if not found:
                raise
            print(safe(f"note: no worksheet {found['sheet_name']!r} in {path}: its first sheet is read"),
                  file=sys.stderr)
            return as_read(pd.read_excel(path, na_values=MISSING))
    # the columns the app read as text stay text (its number format comes from a sample: a cell
    # further down that the format does not read, such as "12,34" under comma thousands, keeps the
    # whole column text in the app, where pandas would read 1234)
    text = {name: str for name, dtype in DTYPES.items() if dtype in ("str", "object", "string")}
    options = dict(na_values=MISSING, keep_default_na=False, skipinitialspace=True, dtype=text)
    found = {key: READ[key] for key in ("sep", "decimal", "thousands", "encoding", "skiprows") if key in READ}
    found = {"sep": DELIMITER, "decimal": DECIMAL, **found}
    data = pd.read_csv(path, **found, **options)
    if data.shape[1] == 1 and path.endswith(".tsv") and found["sep"] != "\\t":
        data = pd.read_csv(path, **{**found, "sep": "\\t"}, **options)
    if data.shape[1] == 1:  # not that delimiter: let pandas find it
        data = pd.read_csv(path, **{**found, "sep": None}, engine="python", **options)
    return as_read(data)


def as_read(data: pd.DataFrame) -> pd.DataFrame:
    """The columns in the types Balancer read them in (whole numbers with gaps stay whole numbers,
    not floats; true/false in any case, spaces around, become booleans), so the balanced file is
    written as Balancer writes it. A column is cast only when no value changes: on another table
    than the one the script was made from, pandas' type is kept."""
    data.columns = [str(c).strip() for c in data.columns]
    for column in data.columns:
        dtype = DTYPES.get(column)
        series = data[column]
        if dtype is None or str(series.dtype) == dtype:
            continue
        try:
            if READ.get("thousands") == " " and not pd.api.types.is_numeric_dtype(series.dtype) and \
                    dtype.lower().startswith(("float", "int")):
                # digits grouped by spaces, no-break spaces included (pandas strips only the first)
                text = series.astype("string").str.replace(r"[ \\u00a0\\u202f]", "", regex=True)
                series = pd.to_numeric(text.str.replace(READ.get("decimal", "."), ".", regex=False))
            if dtype in ("bool", "boolean") and not pd.api.types.is_bool_dtype(series.dtype):
                present = series.notna()
                mapped = series.astype("string").str.strip().str.lower().map(_TRUTH)
                if mapped[present].isna().any():
                    continue  # a value other than true/false
                data[column] = mapped.astype(dtype)
                continue
            converted = series.astype(dtype)
            if converted.astype(series.dtype).equals(series):  # nothing rounded, nothing lost
                data[column] = converted
        except (TypeError, ValueError):
            pass
    return data


def roles() -> Roles:
    return Roles(TARGET, tuple(NUMERIC), tuple(INTEGER), tuple(CATEGORICAL), dict(EXCLUDED))


def with_target(data: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows with a target value, and the target as class codes (largest class first)."""
    present = data[TARGET].notna().to_numpy()
    work = data if present.all() else data.iloc[np.flatnonzero(present)]
    return work, pd.Categorical(work[TARGET], categories=LABELS).codes.astype("int64")


def balanced(data: pd.DataFrame) -> pd.DataFrame:
    """The balanced table, as `balancer resample` makes it."""
    work, y = with_target(data)
    made = np.zeros(len(work), dtype=bool)
    if SAMPLER == "none":
        out = work.reset_index(drop=True)
    else:
        preparer = Preparer(roles(), categories=ENCODING).fit(work)
        matrix = (np.arange(len(work), dtype="float64").reshape(-1, 1) if POSITIONS_ONLY
                  else preparer.transform(work))
        sampler = make_sampler(RESAMPLE_PARAMS, SAMPLING_STRATEGY, preparer.categorical_indices)
        x_res, y_res = (np.asarray(a) for a in sampler.fit_resample(matrix, y))
        source = provenance(sampler, matrix, y, x_res, y_res)
        gaps = gap_columns(work, roles())
        synthetic = _decode_synthetic(work, TARGET, source, preparer, x_res, y_res, LABELS,
                                      matrix if gaps else None, y, roles(), gaps)
        out = assemble(work, source, None if synthetic is None else synthetic[list(data.columns)])
        made = source < 0
    if MARK_SYNTHETIC:
        name = "synthetic"
        while name in out.columns:
            name = "_" + name
        out = out.copy()
        out[name] = made
    return out


def assemble(work: pd.DataFrame, source: np.ndarray, synthetic: pd.DataFrame | None) -> pd.DataFrame:
    """Original rows copied by position, synthetic rows where the sampler put them."""
    is_original = source >= 0
    stacked = _stacked(source, len(work))
    originals = work if stacked else work.iloc[source[is_original]]
    if synthetic is None:
        return originals.reset_index(drop=True)
    combined = pd.concat([originals, synthetic], ignore_index=True)
    if stacked:
        return combined
    order = np.empty(len(source), dtype="int64")
    order[is_original] = np.arange(int(is_original.sum()))
    order[~is_original] = int(is_original.sum()) + np.arange(len(synthetic))
    return combined.iloc[order].reset_index(drop=True)


def copy_groups(work: pd.DataFrame) -> np.ndarray | None:
    """Each row's group of copies (same values in every compared column), None when all differ."""
    if not COMPARED or len(work) < 2:
        return None
    hashed = pd.util.hash_pandas_object(work[COMPARED], index=False).to_numpy()
    codes = np.asarray(pd.factorize(hashed)[0], dtype="int64")
    return codes if int(codes.max()) + 1 < len(codes) else None


def fold_splits(y: np.ndarray, groups: np.ndarray | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified FOLDS-fold splits, REPEATS times; copies of a row always in one fold."""
    out = []
    for r in range(REPEATS):
        state = repeat_seed(SEED, r)
        if groups is None:
            out += list(StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=state).split(np.zeros(len(y)), y))
        else:
            owner, table = _group_owner(y, groups, len(LABELS))
            out += _grouped_folds(y, groups, owner, table, FOLDS, np.random.default_rng(state))
    return out


def pipeline_for(sampling_strategy: Any, params: dict[str, Any] | None = None, count: bool = False) -> Pipeline:
    """prepare -> sampler -> (class counter) -> (one-hot for SMOTENC/SMOTEN) -> model; the sampler
    with FOLD_PARAMS unless ``params`` are given (an inner cross-validation's)."""
    preparer = Preparer(roles(), categories=ENCODING)
    steps: list[tuple[str, Any]] = [("prepare", preparer)]
    if SAMPLER != "none":
        steps.append(("sample", make_sampler(FOLD_PARAMS if params is None else params, sampling_strategy,
                                             preparer.categorical_indices)))
        if count:
            steps.append(("count", ClassCounter()))
    if ENCODING == "ordinal" and preparer.categorical_indices:
        steps.append(("expand", ColumnTransformer(
            [("onehot", OneHotEncoder(handle_unknown="ignore"), preparer.categorical_indices)],
            remainder="passthrough")))
    model = make_model(coded_weights())
    if FINAL is not None:  # a tactic that wraps or replaces the model
        model = FINALS[FINAL](model, FINAL_PARAMS, SEED, TUNED_FOR, len(LABELS) - 1)
    steps.append(("model", model))
    return Pipeline(steps)


FINALS = {"threshold_model": threshold_model, "anomaly_model": anomaly_model, "decompose_model": decompose_model,
          "balanced_random_forest": balanced_random_forest, "easy_ensemble": easy_ensemble, "rus_boost": rus_boost,
          "balanced_bagging": balanced_bagging}


def coded_weights() -> Any:
    """CLASS_WEIGHT over the class codes (a class not named costs 1)."""
    if CLASS_WEIGHT is None or CLASS_WEIGHT == "balanced":
        return CLASS_WEIGHT
    return {code: float(CLASS_WEIGHT.get(label_str(label), 1.0)) for code, label in enumerate(LABELS)}


def prior(pipeline: Pipeline, y: np.ndarray) -> np.ndarray:
    """The prior correction's weights: the true class rates over those the model was trained on."""
    return pipeline_prior(pipeline, coded_weights(), y, len(LABELS))


def fit_fold(x: pd.DataFrame, y: np.ndarray, groups: np.ndarray | None, fold_strategy: Any,
             inner: dict[str, Any] | None) -> Fitted:
    """The tactic fitted on one training fold, with its calibration and decision rule, as Balancer
    fits it: CALIBRATION (prior, or sigmoid/isotonic on the inner folds) and COSTS (the Bayes
    threshold on calibrated probabilities, else the threshold of least cost on the inner folds'
    out-of-fold probabilities; the cost matrix for more classes)."""
    n = len(LABELS)
    pipeline = pipeline_for(fold_strategy, count=CALIBRATION == "prior")
    pipeline.fit(x, y)
    cv = None if inner is None else splits(y, groups, inner["k"], 1, SEED)
    calibrated = None
    if CALIBRATION in ("sigmoid", "isotonic"):
        inner_pipeline = pipeline_for(inner["sampling_strategy"], inner["params"])
        calibrated = CalibratedClassifierCV(inner_pipeline, method=CALIBRATION, cv=cv).fit(x, y)
    weights = prior(pipeline, y) if CALIBRATION == "prior" else None
    costs = None if COSTS is None else Costs(tuple(LABELS), np.asarray(COSTS, dtype=float), POSITIVE)

    def searched() -> float:
        inner_pipeline = pipeline_for(inner["sampling_strategy"], inner["params"])
        oof = cross_val_predict(inner_pipeline, x, y, cv=cv, method="predict_proba")
        return search_threshold(y == POSITIVE, oof[:, POSITIVE], costs)

    return Fitted(pipeline, calibrated, decision_rule(POSITIVE, weights, costs, CALIBRATION, searched), n)


def cross_validate(data: pd.DataFrame) -> dict[str, float]:
    """Every metric's mean over the held-out folds, as `balancer evaluate` scores them."""
    if DROPPED in data.columns:
        data = data.drop(columns=[DROPPED])
    work, y = with_target(data)
    n = len(LABELS)
    fold_strategy = _fold_sampling_strategy(SAMPLING_STRATEGY, FOLDS, [])
    groups = copy_groups(work)
    scores = []
    for i, (train, test) in enumerate(fold_splits(y, groups)):
        fitted = fit_fold(work.iloc[train], y[train], None if groups is None else groups[train], fold_strategy,
                          None if INNER is None else INNER[i])
        rows = work.iloc[test]
        proba = fitted.proba(rows)
        scores.append(score(y[test], fitted.predict(rows, proba), proba, n, POSITIVE))
    means = {}
    for name in METRICS:
        values = [s[name] for s in scores if math.isfinite(s[name])]
        means[name] = float(np.mean(values)) if values else math.nan
    return means


def write(frame: pd.DataFrame, path: str) -> None:
    dialect = Dialect(DELIMITER, DECIMAL, tuple(WRITE["decimals"].items()), WRITE["encoding"],
                      tuple(WRITE["widths"].items()), WRITE["missing"], tuple(WRITE["booleans"].items()),
                      WRITE["line_end"], tuple(WRITE.get("missings", {}).items()))
    if pl is None:
        print("polars or pyarrow is missing: the file is written by pandas, not byte for byte as Balancer "
              "writes it", file=sys.stderr)
        frame.to_csv(path, index=False, sep=DELIMITER, decimal=DECIMAL, lineterminator=WRITE["line_end"], encoding=WRITE["encoding"],
                     na_rep=WRITE["missing"])
        return
    Path(path).write_bytes(write_csv(frame, dialect=dialect))


def main(argv: list[str]) -> int:
    exact = "--exact" in argv
    paths = [a for a in argv if a != "--exact"]
    if not paths:
        print("usage: python this_script.py DATA [OUT] [--exact]", file=sys.stderr)
        return 2
    data = read(paths[0])
    for note in NOT_REPRODUCED:
        print(safe(f"note: {note}"), file=sys.stderr)
    if WRITES_FILE:
        out = paths[1] if len(paths) > 1 else str(Path(paths[0]).with_name(f"{Path(paths[0]).stem}_{SAMPLER}.csv"))
        frame = balanced(data)
        write(frame, out)
        print(safe(f"wrote {out}; class counts after resampling:"), file=sys.stderr)
        print(safe(frame[TARGET].value_counts().to_string()), file=sys.stderr)  # labels shown, not obeyed
    metrics = cross_validate(data)
    shown = {k: None if not math.isfinite(v) else (v if exact else round(float(v), 6)) for k, v in metrics.items()}
    print(json.dumps(shown))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
'''


def literal(value: Any) -> str:
    """``value`` as Python source that evaluates to it: None, bools, ints, finite floats, strings,
    and lists, tuples and dicts of them. Anything else raises :class:`DataError`."""
    try:
        text = _literal(value)
    except ValueError as exc:  # an integer beyond Python's digit limit for text
        raise DataError(f"cannot write this value into a script: {exc}") from None
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


# --------------------------------------------------------------------------------------------
# what Balancer resolved for this table


def _settings(recipe: Recipe, data: pd.DataFrame, repeats: int | None = None,
              dialect: Dialect | None = None) -> dict[str, Any]:
    """Every constant of the script: the recipe's settings as Balancer resolves them for ``data``,
    the balanced file written in ``dialect`` (default: the input's)."""
    from . import strategies

    ev = _evaluate_module()
    model = recipe.model or "logistic_regression"
    if model not in _MODEL_CODE:
        raise DataError(f"unknown model {model!r}; use one of {', '.join(_MODEL_CODE)}")
    strategy = strategies.get(recipe.method)
    marker = ev.marker_column(data, recipe.target)
    table = data.drop(columns=[marker]) if marker is not None else data
    request = ev.Request(
        data=table, target=recipe.target, strategy=strategy, params=dict(recipe.params), model=model,
        folds=int(recipe.folds or 5), seed=int(recipe.seed), class_weight=recipe.class_weight,
        metric=_metric(recipe), baseline=False, holdout=None,
        costs=recipe.costs, calibration=recipe.calibration,
        repeats=int(repeats or getattr(recipe, "repeats", None) or 1))
    tactic = ev._resolve_tactic(request)
    roles = tactic.plan.roles
    labels = list(tactic.plan.counts)
    sampler = tactic.plan.method if strategy.estimator is None else "none"
    values: dict[str, Any] = {
        "SEED": int(recipe.seed),
        "TARGET": str(recipe.target),
        "METHOD": str(recipe.method),
        "SAMPLER": sampler,
        "MADE_WITH": {str(k): str(v) for k, v in recipe.versions.items()},
        "MISSING": list(NULL_TOKENS),
        "DTYPES": {str(c): str(t) for c, t in data.dtypes.items()},
        "LABELS": labels,
        "POSITIVE": len(labels) - 1 if len(labels) == 2 else None,
        "NUMERIC": list(roles.numeric),
        "INTEGER": list(roles.integer),
        "CATEGORICAL": list(roles.categorical),
        "EXCLUDED": dict(roles.excluded),
        "COMPARED": ev.compared_columns(tactic.work, recipe.target, roles),
        "DROPPED": marker,
        "ENCODING": strategies.get(sampler).encoding,
        "CLASS_WEIGHT": script_class_weight(recipe),
        "SAMPLING_STRATEGY": _coded_strategy(tactic, labels),
        "MARK_SYNTHETIC": bool(recipe.mark_synthetic),
    }
    for part in (_final(request, tactic), _dialect(data, dialect), _resampling(recipe, data, strategy, labels),
                 _evaluation(request, tactic)):
        taken = values.keys() & part.keys()
        if taken:  # one name for two constants: the later would silently replace the earlier
            raise RuntimeError(f"the script's constants {sorted(taken)} are set twice")
        values |= part
    values["NOT_REPRODUCED"] = _not_reproduced(recipe, strategy, model) + values.pop("_NOTES")
    return values


def _metric(recipe: Recipe) -> str:
    """The metric the recipe's evaluation tuned for, as evaluate checks it (``expected_cost`` needs
    costs); f2, evaluate's default, for anything else."""
    from .metrics import COST_METRICS

    if recipe.metric in _metric_names() or (recipe.costs and recipe.metric in COST_METRICS):
        return str(recipe.metric)
    return "f2"


def _evaluate_module() -> Any:
    """The module :mod:`balancer.evaluate` (the package's ``evaluate`` is the function)."""
    return importlib.import_module(f"{__package__}.evaluate")


def _metric_names() -> list[str]:
    from .metrics import METRICS

    return list(METRICS)


def _coded_strategy(tactic: Any, labels: list[Any]) -> Any:
    from .resample import encode_sampling_strategy

    return encode_sampling_strategy(tactic.plan.sampling_strategy, labels)


def _dialect(data: pd.DataFrame, dialect: Dialect | None = None) -> dict[str, Any]:
    """How the balanced file is written (``DELIMITER``, ``DECIMAL``, and ``WRITE``: the fewest
    decimals each float column was written with, the encoding, the digits of zero-padded whole
    numbers, the missing cell's token, true/false's spelling, the line end: the app's download) and how the
    input was read (``READ``: pandas' options for what Balancer's reader found in the file the
    script is made from: its delimiter, decimal mark, thousands separator, encoding, or the
    worksheet, and the title rows above its header). Only values Balancer's reader produces pass;
    anything else is left to pandas' defaults."""
    source = Dialect.of(data)  # how the input is read; ``dialect``: how the file is written
    dialect = dialect or source
    found = data.attrs.get("format")
    found = found if isinstance(found, dict) else {}
    header = found.get("header_row")
    skip = header - 1 if isinstance(header, int) and not isinstance(header, bool) and header > 1 else 0
    read: dict[str, Any] = {}
    if found.get("kind") == "xlsx" and isinstance(found.get("sheet"), str):
        read = {"sheet_name": found["sheet"]} | ({"skiprows": skip} if skip else {})
    if found.get("kind") in ("csv", "tsv", "txt"):
        read = {"sep": source.delimiter, "decimal": source.decimal}
        if found.get("delimiter") == "whitespace":
            read["sep"] = r"\s+"
        if found.get("thousands") in (".", ",", " ") and found.get("thousands") != read["decimal"]:
            read["thousands"] = found["thousands"]
        if found.get("encoding") in ("utf-16", "cp1252", "latin-1"):  # what the reader falls back to
            read["encoding"] = found["encoding"]
        if skip:
            read["skiprows"] = skip
    write = {"decimals": dict(dialect.decimals), "encoding": dialect.encoding, "widths": dict(dialect.widths),
             "missing": dialect.missing, "booleans": dict(dialect.booleans), "line_end": dialect.line_end,
             "missings": dict(dialect.missings)}
    return {"DELIMITER": dialect.delimiter, "DECIMAL": dialect.decimal, "WRITE": write, "READ": read}


def _resampling(recipe: Recipe, data: pd.DataFrame, strategy: Any, labels: list[Any]) -> dict[str, Any]:
    """The sampler's parameters for the whole table (neighbour counts lowered as ``resample``
    lowers them), and whether there is a balanced file (not for a tactic that changes the model)."""
    from . import strategies
    from .resample import encode_labels, encode_sampling_strategy, fit_neighbours, oversampled_sizes, plan

    if not strategy.resamples:
        return {"WRITES_FILE": False, "RESAMPLE_PARAMS": {}, "POSITIONS_ONLY": False}
    the_plan, work, _ = plan(data, recipe.target, recipe.method, recipe.params)
    codes, y = encode_labels(work[recipe.target], the_plan.counts)
    coded = encode_sampling_strategy(the_plan.sampling_strategy, codes)
    counts = {codes.index(k): v for k, v in the_plan.counts.items()}
    sizes = {codes[c]: n for c, n in oversampled_sizes(the_plan.strategy, coded, y, counts).items()}
    given = set(recipe.params) - {"sampling_strategy"}
    params = fit_neighbours(the_plan.strategy, the_plan.params, given, sizes, [])
    actual = strategies.get(the_plan.method)
    return {"WRITES_FILE": True,
            "RESAMPLE_PARAMS": {k: v for k, v in params.items() if k != "sampling_strategy"}
            if actual.sampler is not None else {},
            "POSITIONS_ONLY": not actual.needs_features(params)}


def _evaluation(request: Any, tactic: Any) -> dict[str, Any]:
    """The folds (lowered for small classes), the repeats, the sampler's parameters sized to the
    training folds and the calibration, as :func:`balancer.evaluate` resolves them."""
    ev = _evaluate_module()
    try:
        folds = ev._choose_calibration(request, tactic, ev._fit_to_training_folds(
            request, tactic, ev._prepare_folds(request, tactic)))
        inner = _inner_folds(request, tactic, folds)
    except BalancerError as exc:
        return {"FOLDS": int(request.folds), "REPEATS": request.repeats, "FOLD_PARAMS": {}, "CALIBRATION": "none",
                "COSTS": None, "INNER": None,
                "_NOTES": [f"Balancer cannot evaluate this table ({exc}); neither can this script"]}
    params = {k: v for k, v in folds.sampler_params.items() if k != "sampling_strategy"}
    return {"FOLDS": int(folds.k), "REPEATS": int(folds.repeats),
            "FOLD_PARAMS": params if tactic.strategy.estimator is None else {},
            "CALIBRATION": folds.calibration, "COSTS": None if folds.costs is None else folds.costs.matrix.tolist(),
            "INNER": inner, "_NOTES": []}


def _inner_folds(request: Any, tactic: Any, folds: Any) -> list[dict[str, Any]] | None:
    """For each training fold, the inner cross-validation :func:`balancer.evaluate` runs in it
    (sigmoid or isotonic calibration; the threshold searched for costs without calibration): its
    number of folds, and the sampler's per-class counts and neighbour counts sized to its training
    folds. None when there is none."""
    ev = _evaluate_module()
    searched = folds.costs is not None and folds.costs.positive is not None and folds.calibration == "none"
    if folds.calibration not in ("sigmoid", "isotonic") and not searched:
        return None
    run = ev._plan_runs(request, tactic, folds)[0]
    out = []
    for train, _ in folds.splits:
        inner, cv = ev._inner(request, folds, run, train, [], "the training folds")
        out.append({"k": len(cv), "sampling_strategy": inner.sampling_strategy,
                    "params": {k: v for k, v in inner.params.items() if k != "sampling_strategy"}
                    if tactic.strategy.estimator is None else {}})
    return out


#: the builders of the tactics that change the model, as the script names them (FINALS in _MAIN)
_FINALS = ("threshold_model", "anomaly_model", "decompose_model", "balanced_random_forest", "easy_ensemble",
           "rus_boost", "balanced_bagging")


def _final(request: Any, tactic: Any) -> dict[str, Any]:
    """What wraps or replaces the model, as :func:`balancer.evaluate` builds it: the builder's name,
    its parameters and the metric a tuned threshold maximises."""
    from . import tactics

    build = tactic.strategy.estimator
    name = getattr(build, "__name__", None)
    if build is None or name not in _FINALS or getattr(tactics, name) is not build:
        return {"FINAL": None, "FINAL_PARAMS": {}, "TUNED_FOR": None}
    return {"FINAL": name, "FINAL_PARAMS": dict(tactic.model_params),
            "TUNED_FOR": tactics.tuning_metric(request.metric)[0]}


def _not_reproduced(recipe: Recipe, strategy: Any, model: str) -> list[str]:
    """What the script leaves out, in words (printed on stderr by the script)."""
    notes = []
    name = getattr(strategy.estimator, "__name__", None)
    if strategy.estimator is not None and name not in _FINALS:
        notes.append(f"{strategy.name} changes the model in a way this script does not copy: the metrics are those "
                     f"of {model} without it, not Balancer's")
    return notes


# --------------------------------------------------------------------------------------------
# the script


@functools.cache
def _embedded() -> str:
    """Balancer's own code the script carries (see :data:`_EMBEDDED`), copied from the modules."""
    parts = ["", "", "# " + "-" * 92, "# Balancer's own code, copied so that the numbers are the same", ""]
    for module_name, names in _EMBEDDED:
        text = inspect.getsource(importlib.import_module(module_name))
        lines = text.splitlines()
        found = {}
        for node in ast.parse(text).body:
            name = _defined(node)
            if name in names:
                start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
                # an import of Balancer's own modules inside a copied function: those names are copied too
                found[name] = "\n".join(line for line in lines[start - 1:node.end_lineno]
                                        if not _RELATIVE_IMPORT.match(line))
        missing = set(names) - set(found)
        if missing:
            raise RuntimeError(f"{module_name} has no {', '.join(sorted(missing))} to copy into the script")
        parts += [f"# from {module_name}", ""] + [found[name] + "\n\n" for name in names]
    return "\n".join(parts)


_RELATIVE_IMPORT = re.compile(r"^\s+from \.[\w.]* import [\w, ]+$")


def _defined(node: ast.stmt) -> str | None:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    return None


def _imports(sampler: str, model: str) -> list[str]:
    from . import strategies

    lines = [_IMPORTS, _MODEL_CODE[model][0]]
    if sampler != "none":
        family = strategies.get(sampler).family if sampler in strategies.STRATEGIES else "over"
        lines.append(f"from imblearn.{_MODULES.get(family, 'over_sampling')} import {sampler}")
    return lines


#: the body of ``make_sampler`` for the registry's entries that Balancer builds from parts
#: (``Strategy.builder`` in :mod:`balancer.strategies`; a test checks every such entry is here):
#: the same parts, parameters, sampling strategies and seeds
_BUILT = {
    "SMOTEENN": (
        "combine.SMOTEENN(\n"
        "        sampling_strategy=sampling_strategy, random_state=SEED,\n"
        "        smote=over_sampling.SMOTE(sampling_strategy=sampling_strategy, random_state=SEED,\n"
        "                                  k_neighbors=params[\"k_neighbors\"]),\n"
        "        enn=under_sampling.EditedNearestNeighbours(sampling_strategy=\"all\", n_neighbors=params[\"n_neighbors\"],\n"
        "                                                   kind_sel=params[\"kind_sel\"]))"),
    "SMOTETomek": (
        "combine.SMOTETomek(\n"
        "        sampling_strategy=sampling_strategy, random_state=SEED,\n"
        "        smote=over_sampling.SMOTE(sampling_strategy=sampling_strategy, random_state=SEED,\n"
        "                                  k_neighbors=params[\"k_neighbors\"]),\n"
        "        tomek=under_sampling.TomekLinks(sampling_strategy=\"all\"))"),
    "KMeansSMOTE": (
        "over_sampling.KMeansSMOTE(\n"
        "        sampling_strategy=sampling_strategy, random_state=SEED,\n"
        "        **{key: (\"auto\" if value is None and key in (\"cluster_balance_threshold\", \"density_exponent\")\n"
        "                 else value) for key, value in params.items()\n"
        "           if not (key == \"kmeans_estimator\" and value is None)})"),
    "ClusterCentroids": (
        "under_sampling.ClusterCentroids(\n"
        "        sampling_strategy=sampling_strategy, random_state=SEED, voting=params[\"voting\"],\n"
        "        estimator=KMeans(n_init=1, random_state=SEED))"),
    "InstanceHardnessThreshold": (
        "under_sampling.InstanceHardnessThreshold(\n"
        "        sampling_strategy=sampling_strategy, random_state=SEED, cv=params[\"cv\"],\n"
        "        estimator=RandomForestClassifier(n_estimators=50, random_state=SEED, n_jobs=1))"),
}


def _sampler_function(sampler: str) -> str:
    """``make_sampler(params, sampling_strategy, categorical)``: the class built as Balancer builds it."""
    from . import strategies

    if sampler == "none":
        return "\n\ndef make_sampler(params, sampling_strategy, categorical):\n    return None\n"
    if sampler in _BUILT:
        imports = "    from sklearn.ensemble import RandomForestClassifier\n\n" \
            if sampler == "InstanceHardnessThreshold" else ""
        return f"\n\ndef make_sampler(params, sampling_strategy, categorical):\n{imports}    return {_BUILT[sampler]}\n"
    args = ["sampling_strategy=sampling_strategy"]
    entry = strategies.STRATEGIES.get(sampler)
    accepted = inspect.signature(entry.sampler).parameters if entry is not None and entry.sampler else {}
    if "categorical_features" in accepted:
        args.append("categorical_features=categorical or []")
    if "random_state" in accepted:
        args.append("random_state=SEED")
    return (f"\n\ndef make_sampler(params, sampling_strategy, categorical):\n"
            f"    return {sampler}({', '.join(args)}, **params)\n")


def _model_function(model: str) -> str:
    return f"\n\ndef make_model(weights):\n    return {_MODEL_CODE[model][1]}\n"


def python_script(recipe: Recipe, data: pd.DataFrame, *, repeats: int | None = None,
                  dialect: Dialect | None = None) -> str:
    """A pandas + imbalanced-learn script that reproduces the balanced file and the evaluation.

    The settings come from ``recipe`` as Balancer resolves them for ``data`` (the table the script
    is for; it reads the file given on its command line); ``repeats`` (default: the recipe's, else
    1) are the evaluation's repeats; ``dialect``: how the balanced file is written (default: as
    the input, :meth:`Dialect.of`; the command line's ``--dialect`` and ``--out``). Raises :class:`DataError` when the recipe names a model or
    values a script cannot hold.
    """
    values = _settings(recipe, data, repeats, dialect)
    sampler = values["SAMPLER"]
    from . import strategies

    # the one value written as code (an import and a call): a registry name, nothing else
    if not isinstance(sampler, str) or sampler not in strategies.STRATEGIES or not sampler.isidentifier():
        raise DataError(f"cannot export a script for {sampler!r}")
    constants = [f"{name} = {literal(value)}" for name, value in values.items()]
    model = recipe.model or "logistic_regression"
    lines = [_DOCSTRING, *_imports(sampler, model), "", *constants, _embedded(),
             _sampler_function(sampler), _model_function(model), _MAIN]
    script = "\n".join(lines)
    _check_template(script, list(values))
    return script


@functools.lru_cache(maxsize=4)
def _template_statements(registry: tuple[str, ...]) -> frozenset[str]:
    """Every top-level statement the template can write besides the constants (``ast.dump``), for
    every model and every sampler of ``registry`` (the registry's names: rebuilt when
    ``strategies.register`` changes it): made from the template alone, never from data."""
    names = [name for name in registry if name.isidentifier()]
    pieces = [_DOCSTRING, _IMPORTS, _embedded(), _MAIN,
              *(code for code, _ in _MODEL_CODE.values()), *(_model_function(model) for model in _MODEL_CODE),
              *(line for name in names for line in _imports(name, "logistic_regression")[2:]),
              *(_sampler_function(name) for name in ["none", *names])]
    return frozenset(ast.dump(node) for piece in pieces for node in ast.parse(piece).body)


def _check_template(script: str, names: list[str]) -> None:
    """Parse the script; fail unless it is the template's own statements and the constants
    ``names``, each once and each a literal: no data-derived text anywhere else."""
    from . import strategies

    allowed = _template_statements(tuple(strategies.STRATEGIES))
    written: list[str] = []
    for statement in ast.parse(script).body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and \
                isinstance(statement.targets[0], ast.Name) and statement.targets[0].id in names and \
                _is_literal(statement.value):
            written.append(statement.targets[0].id)  # a constant written by literal()
        elif ast.dump(statement) not in allowed:
            raise DataError("internal check failed: the exported script would hold a statement that "
                            "is not the template's")
    if written != list(names):
        raise DataError("internal check failed: the exported script's constants are not the ones written")


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


__all__ = ["literal", "python_script", "script_class_weight"]
