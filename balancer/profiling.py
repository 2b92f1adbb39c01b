"""Profile a table: column kinds, target candidates, class counts, imbalance and warnings."""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from . import config
from .errors import DataError, TargetError

KINDS = ("numeric", "integer", "categorical", "boolean", "datetime", "text", "identifier")
#: Kinds that take part in the computation; the others are carried through untouched.
FEATURE_KINDS = ("numeric", "integer", "categorical", "boolean")
HIGH_CARDINALITY = 50
_SAMPLE_ROWS = 5_000
_TARGET_WORDS = re.compile(
    r"(^|_|\b)(target|class|label|y|outcome|churn|fraud|default|diagnosis|response|survived|"
    r"result|status|flag|is|has|defect|attack|disease|digit|species|type|category|grade|quality|"
    r"failure|spam)(_|\b|$)",
    re.IGNORECASE,
)
#: Names that are a target by themselves, even with a single value (then a warning says so), when
#: the column is the table's first or last (``y`` or ``label`` elsewhere are often other columns).
_TARGET_NAMES = frozenset({"target", "class", "label", "outcome", "klasse"})
#: A column name's words: snake_case, spaces, dots and camelCase (``CustomerID`` is customer, id).
_NAME_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b|_)|[A-Z]?[a-z]+|[A-Z]+|\d+")
#: The last word of an identifier's name (``customer_id``, ``order_no``, ``Kundennummer``)...
_ID_LAST = frozenset({"id", "ids", "uuid", "guid", "key", "idx", "nr", "no", "num", "number", "nummer", "ref",
                      "sku", "ssn", "msisdn", "code"})
#: ... or its whole name (``customer``, ``index``): a word alone, not ``customer_age``, ``row_total``...
_ID_WHOLE = frozenset({"index", "customer", "client", "account", "kunde", "konto", "record", "row", "serial",
                       "reference", "uid", "cid", "pid"})
#: ... or a glued one (``custno``, ``userid``, ``kundennr``).
_ID_GLUED = re.compile(r"(user|cust|customer|client|acct|account|emp|member|patient|order|invoice|trans|txn|row|"
                       r"rec|kunden?|konto|mitglieds|auftrags|rechnungs)(id|no|nr|num|number|nummer)")


def max_classes() -> int:
    """The most classes a target may have (``BALANCER_MAX_CLASSES``, default 50)."""
    return config.whole("BALANCER_MAX_CLASSES")


@dataclasses.dataclass(frozen=True)
class ColumnInfo:
    """One column: its name, kind (one of :data:`KINDS`), missing and distinct counts."""

    name: str
    kind: str
    missing: int
    unique: int

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"name": self.name, "kind": self.kind, "missing": self.missing, "unique": self.unique}


@dataclasses.dataclass(frozen=True)
class Finding:
    """A warning about the data: a stable ``code``, a plain message, and the column it concerns."""

    code: str
    message: str
    column: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (``code``, ``message`` and, when set, ``column``)."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.column is not None:
            out["column"] = self.column
        return out


@dataclasses.dataclass(frozen=True)
class MissingInfo:
    """One column with gaps: how many cells are missing, their share, and the share per class."""

    column: str
    missing: int
    share: float
    by_class: dict[Hashable, float]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (class labels as strings, shares to 4 decimals)."""
        return {"column": self.column, "missing": self.missing, "share": round(self.share, 4),
                "by_class": {label_str(k): round(v, 4) for k, v in self.by_class.items()}}


@dataclasses.dataclass(frozen=True)
class Duplicates:
    """Rows that repeat another row: exact copies (same label), and groups of rows with the same
    features but different labels. Identifier columns are not compared."""

    rows: int = 0
    groups: int = 0
    conflicting_groups: int = 0
    conflicting_rows: int = 0

    def to_dict(self) -> dict[str, int]:
        """Return the JSON form."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Profile:
    """What :func:`profile` found. ``classes`` maps label to count, largest first; ``format`` is
    what the reader found (delimiter, decimal mark, sheet, header row; see :mod:`balancer.tables`)."""

    rows: int
    columns: tuple[ColumnInfo, ...]
    target: str | None
    target_candidates: tuple[str, ...]
    classes: dict[Hashable, int]
    imbalance_ratio: float | None
    warnings: tuple[Finding, ...]
    missing: tuple[MissingInfo, ...] = ()
    duplicates: Duplicates = Duplicates()
    format: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def kinds(self) -> dict[str, str]:
        """Column name to kind."""
        return {c.name: c.kind for c in self.columns}

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON of ``balancer profile --json`` (class labels as strings)."""
        return {
            "rows": self.rows,
            "columns": [c.to_dict() for c in self.columns],
            "target": self.target,
            "target_candidates": list(self.target_candidates),
            "classes": {label_str(k): int(v) for k, v in self.classes.items()},
            "imbalance_ratio": None if self.imbalance_ratio is None else round(self.imbalance_ratio, 4),
            "warnings": [w.to_dict() for w in self.warnings],
            "missing": [m.to_dict() for m in self.missing],
            "duplicates": self.duplicates.to_dict(),
            "format": dict(self.format),
        }


def label_str(label: Hashable) -> str:
    """Return a class label as text, as JSON shows it (``1.0`` labels as ``1``)."""
    if isinstance(label, (float, np.floating)) and float(label).is_integer():
        return str(int(label))
    if isinstance(label, (bool, np.bool_)):
        return str(bool(label)).lower()
    return str(label)


# --------------------------------------------------------------------------------------------
# column kinds


def column_kind(series: pd.Series) -> str:
    """Return the kind of one column (see :data:`KINDS`)."""
    values = series.dropna()
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    name = str(series.name)
    if pd.api.types.is_numeric_dtype(dtype):
        if values.empty:
            return "numeric"
        if pd.api.types.is_integer_dtype(dtype) or _all_whole(values):
            if _looks_like_id_integers(values, name, len(series)):
                return "identifier"
            return "integer"
        return "numeric"
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    # strings and objects
    if values.empty:
        return "categorical"
    text = values.astype("str")
    unique = text.nunique()
    if set(text.str.lower().unique()) <= {"true", "false"}:
        return "boolean"
    if unique > 20 and unique >= 0.95 * len(text):
        if text.str.contains(" ").mean() > 0.5 and text.str.len().mean() > 15:
            return "text"
        return "identifier"
    if unique > 20 and _looks_like_dates(text):
        return "datetime"
    if unique > 0.5 * len(text) and unique > 50 and text.str.len().mean() > 25:
        return "text"
    return "categorical"


def _all_whole(values: pd.Series) -> bool:
    array = values.to_numpy(dtype="float64", na_value=np.nan)
    array = array[np.isfinite(array)]
    return bool(array.size) and bool(np.all(array == np.round(array)))


def padded_width(series: pd.Series) -> int | None:
    """The width the input wrote this whole-number column zero-padded to (``00117``: 5), as the
    reader records it in ``attrs["format"]["widths"]``; None when it was not padded."""
    widths = (series.attrs.get("format") or {}).get("widths") or {}
    return widths.get(str(series.name))


def id_name(name: str) -> bool:
    """Whether a column's name says it holds identifiers: its last word is one (``CustomerId``,
    ``order_no``, ``account_number``, ``zip_code``), or the whole name is (``customer``), or a glued
    form (``custno``). A name that only contains such a word says nothing (``account_balance``,
    ``number_of_days``, ``row_total``, ``key_length``): taken for identifiers, they left the models."""
    words = [w.lower() for w in _NAME_WORDS.findall(name)]
    words = [w for w in words if not w.isdigit()] or words
    if not words:
        return False
    last = words[-1]
    return ((len(words) == 1 and last in _ID_WHOLE) or last in _ID_LAST or bool(_ID_GLUED.fullmatch(last))
            or last.endswith(("nummer", "nr")))


def _looks_like_id_integers(values: pd.Series, name: str, rows: int) -> bool:
    if len(values) < 20:
        return False
    if id_name(name):
        return bool(values.nunique() == len(values))
    # a row counter: consecutive whole numbers in file order (checked in one pass, no hashing)
    array = values.to_numpy(dtype="float64")
    return bool(np.all(np.diff(array) == 1))


def _looks_like_dates(text: pd.Series) -> bool:
    sample = text.head(200)
    if not sample.str.contains(r"\d[-/.:]\d|\d{4}-\d{2}", regex=True).mean() > 0.9:
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() > 0.95)


# --------------------------------------------------------------------------------------------
# target


def class_counts(y: pd.Series) -> dict[Hashable, int]:
    """Return label -> count for the non-missing values, largest first (ties by label text)."""
    counts = y.dropna().value_counts(sort=False)
    items = sorted(counts.items(), key=lambda kv: (-int(kv[1]), label_str(kv[0])))
    return {_plain(k): int(v) for k, v in items}


def _plain(label: Any) -> Hashable:
    if isinstance(label, np.generic):
        return label.item()  # type: ignore[no-any-return]
    return label  # type: ignore[no-any-return]


def imbalance_ratio(counts: dict[Hashable, int]) -> float | None:
    """Majority count divided by minority count, or None with fewer than two classes."""
    if len(counts) < 2:
        return None
    values = list(counts.values())
    return max(values) / min(values)


def suggest(name: str, choices: list[str]) -> str:
    """Return `` Did you mean 'x'?`` for a close match, or an empty string."""
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[name.lower()]] if name.lower() in lowered else []
    return f" Did you mean {close[0]!r}?" if close else ""


def require_unique_columns(data: pd.DataFrame) -> None:
    """Raise :class:`DataError` when two columns share a name (Balancer's readers rename the second
    ``name_2``; a DataFrame given to the library may still have them)."""
    if not data.columns.is_unique:
        repeated = [str(c) for c in data.columns[data.columns.duplicated()].unique()][:5]
        raise DataError(f"column names must be unique; repeated: {', '.join(map(repr, repeated))}. "
                        "Rename them (Balancer's readers add _2, _3 to repeated names)")


def require_column(data: pd.DataFrame, target: str) -> None:
    """Raise :class:`TargetError` unless ``target`` is a column of ``data`` (and
    :class:`DataError` when column names repeat)."""
    require_unique_columns(data)
    if target not in data.columns:
        columns = [str(c) for c in data.columns]
        shown = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
        raise TargetError(
            f"there is no column {target!r}.{suggest(target, columns)} The columns are: {shown}"
        )


def target_problem(series: pd.Series, kind: str | None = None) -> Finding | None:
    """Return why a column cannot be a classification target, or None when it can."""
    name = str(series.name)
    values = series.dropna()
    kind = kind or column_kind(series)
    unique = values.nunique()
    limit = max_classes()
    if values.empty:
        return Finding("missing_target", f"the target {name!r} has no values", name)
    if unique < 2:
        only = label_str(values.iloc[0])
        return Finding(
            "one_class",
            f"the target {name!r} has a single class ({only!r}); balancing needs at least two. "
            "Pick another target column or add rows of the other classes.",
            name,
        )
    if kind == "numeric" or (
        kind in ("integer", "identifier") and unique > limit and unique > 0.5 * len(values)
    ):
        return Finding(
            "continuous_target",
            f"the target {name!r} looks continuous ({unique:,} distinct numbers); Balancer is for "
            "classification. Bin it into classes first, or pick a categorical column.",
            name,
        )
    if unique > limit:
        return Finding(
            "too_many_classes",
            f"the target {name!r} has {unique:,} classes; the limit is {limit} "
            "(set BALANCER_MAX_CLASSES to raise it). Group rare classes or pick another column.",
            name,
        )
    return None


def check_target(data: pd.DataFrame, target: str) -> pd.Series:
    """Return the target column, or raise :class:`TargetError` saying why it cannot be used."""
    require_column(data, target)
    series = data[target]
    problem = target_problem(series)
    if problem is not None:
        raise TargetError(problem.message)
    return series


def distinct_count(series: pd.Series) -> int:
    """Distinct non-missing values. Large float columns are counted by polars (several times faster
    than pandas' hash table on a column of unique floats; -0.0 and 0.0 may count as two)."""
    if len(series) > 50_000 and series.dtype == np.float64:
        import polars as pl

        return int(pl.Series(series.to_numpy(), nan_to_null=True).drop_nulls().n_unique())
    return int(series.nunique(dropna=True))


def target_candidates(data: pd.DataFrame, kinds: dict[str, str],
                      distinct: dict[str, int] | None = None) -> list[str]:
    """Rank the columns that could be the target, best first (``distinct``: counts already made)."""
    scored: list[tuple[float, int, str]] = []
    columns = [str(c) for c in data.columns]
    for position, column in enumerate(columns):
        kind = kinds[column]
        if kind not in ("categorical", "boolean", "integer"):
            continue
        series = data[column]
        unique = distinct[column] if distinct and column in distinct else distinct_count(series)
        if unique < 2 or unique > max_classes():
            continue
        score = 0.0
        if _TARGET_WORDS.search(column):
            score += 3
        if unique == 2:
            score += 2
        if position == len(columns) - 1:
            score += 1.5
        elif position == 0:
            score += 0.5
        counts = series.value_counts()
        ratio = counts.iloc[0] / counts.iloc[-1]
        if ratio >= 1.5:
            score += 1
        if counts.iloc[-1] < 2:
            score -= 3  # a class of one row is rarely the thing to predict
        score -= 0.02 * unique
        scored.append((-score, position, column))
    return [column for _, _, column in sorted(scored)]


# --------------------------------------------------------------------------------------------
# the profile


def profile(data: pd.DataFrame, target: str | None = None) -> Profile:
    """Profile ``data``. With no ``target``, the best candidate is used (if there is one).

    Raises :class:`~balancer.errors.TargetError` only for a target that is not a column; a target
    that cannot be balanced (one class, continuous, too many classes) gives a warning instead.
    """
    if target is not None:
        require_column(data, target)  # names unique too
    else:
        require_unique_columns(data)
    columns = tuple(_column_info(data[column], column) for column in data.columns)
    kinds = {c.name: c.kind for c in columns}
    candidates = target_candidates(data, kinds, {c.name: c.unique for c in columns})
    if target is None:
        ends = {columns[0].name, columns[-1].name} if columns else set()
        named = [c.name for c in columns
                 if c.unique == 1 and c.name.strip().lower() in _TARGET_NAMES and c.name in ends]
        if named and not (candidates and _TARGET_WORDS.search(candidates[0])):
            # 'Class' with one value is the target the user meant: say it cannot be balanced rather
            # than silently pick another column (pima's Preg, 13 classes)
            target = named[0]
        elif candidates:
            target = candidates[0]
    findings = [Finding(n["code"], n["message"]) for n in data.attrs.get("notices", [])]
    findings += [finding for info in columns if info.name != target
                 for finding in _column_findings(info, len(data))]
    findings += [_padded_finding(info) for info in columns if info.name != target and info.kind == "integer"
                 and info.unique >= 20 and info.unique == len(data) - info.missing
                 and padded_width(data[info.name]) is not None]
    classes: dict[Hashable, int] = {}
    if target is not None:
        classes, target_findings = _target_summary(data, target, kinds)
        findings += target_findings
    missing = missing_table(data, columns, target if classes else None)
    findings += _missing_finding(missing)
    duplicates = find_duplicates(data, kinds, target if classes else None)
    findings += _duplicate_findings(duplicates, target)
    return Profile(
        rows=len(data),
        columns=columns,
        target=target,
        target_candidates=tuple(candidates),
        classes=classes,
        imbalance_ratio=imbalance_ratio(classes),
        warnings=tuple(findings),
        missing=missing,
        duplicates=duplicates,
        format=dict(data.attrs.get("format") or {}),
    )


def missing_table(data: pd.DataFrame, columns: tuple[ColumnInfo, ...],
                  target: str | None) -> tuple[MissingInfo, ...]:
    """Every column (but the target) with gaps, most missing first, with its share per class."""
    rows = len(data)
    out = []
    labels = data[target] if target is not None else None
    for info in columns:
        if not info.missing or info.name == target:
            continue
        gaps = data[info.name].isna()
        by_class: dict[Hashable, float] = {}
        if labels is not None:
            by_class = {_plain(k): float(v) for k, v in gaps.groupby(labels, sort=False).mean().items()}
        out.append(MissingInfo(info.name, info.missing, info.missing / rows if rows else 0.0, by_class))
    return tuple(sorted(out, key=lambda m: (-m.missing, m.column)))


def _missing_finding(missing: tuple[MissingInfo, ...]) -> list[Finding]:
    """One finding for every column with gaps (the table says the rest)."""
    partly = [m for m in missing if m.share < 1]
    if not partly:
        return []
    top = partly[0]
    many = f"{len(partly)} columns have" if len(partly) > 1 else "1 column has"
    return [Finding(
        "missing_values",
        f"{many} missing values (most: {top.column!r}, {top.share:.0%} missing); see the table of "
        "missing values. They are imputed inside the computation only: rows a method keeps are "
        "written as they were, and each synthetic row has the missing cells of the original row "
        "it was made from, so every class keeps its pattern of gaps.",
    )]


def find_duplicates(data: pd.DataFrame, kinds: dict[str, str], target: str | None) -> Duplicates:
    """Count rows that repeat an earlier row, and groups of equal features with different labels."""
    compared = [c for c in data.columns if c != target and kinds.get(str(c)) != "identifier"]
    if not compared or len(data) < 2:
        return Duplicates()
    features = pd.util.hash_pandas_object(data[compared], index=False)
    if target is None:
        repeated = features.duplicated()
        return Duplicates(int(repeated.sum()), int(features[repeated].nunique()))
    labels = pd.util.hash_pandas_object(data[target], index=False)
    whole = features.to_numpy() * np.uint64(31) + labels.to_numpy()
    repeated = pd.Series(whole).duplicated()
    labelled = pd.DataFrame({"f": features.to_numpy(), "y": labels.to_numpy()})
    per_group = labelled.groupby("f", sort=False)["y"].nunique()
    conflicting = per_group[per_group > 1].index
    in_conflict = labelled["f"].isin(conflicting)
    return Duplicates(int(repeated.sum()), int(pd.Series(whole[repeated.to_numpy()]).nunique()),
                      int(len(conflicting)), int(in_conflict.sum()))


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _duplicate_findings(found: Duplicates, target: str | None) -> list[Finding]:
    out = []
    if found.rows:
        out.append(Finding(
            "duplicate_rows",
            f"{_count(found.rows, 'row repeats', 'rows repeat')} an earlier row exactly "
            f"({_count(found.groups, 'distinct row is', 'distinct rows are')} repeated); Evaluate and "
            "Compare keep the copies of a row in one fold (elsewhere, copies split between training "
            "and test rows flatter the scores), and oversamplers copy them further"))
    if found.conflicting_groups:
        out.append(Finding(
            "conflicting_labels",
            f"{_count(found.conflicting_groups, 'group', 'groups')} of rows ({found.conflicting_rows:,} "
            f"rows) {'has' if found.conflicting_groups == 1 else 'have'} the same values in every "
            f"column but different labels in {target!r}; no model can tell "
            "them apart, and cleaning methods (Tomek links, edited neighbours) will remove some",
            target))
    return out


def _column_info(series: pd.Series, column: Hashable) -> ColumnInfo:
    return ColumnInfo(str(column), column_kind(series), int(series.isna().sum()), distinct_count(series))


def _column_findings(info: ColumnInfo, rows: int) -> list[Finding]:
    """What a feature column needs said: left out of the models, encoded in part, or imputed."""
    found: list[Finding] = []
    if info.missing == rows:
        found.append(Finding(
            "all_missing", f"column {info.name!r} is empty; it is left out of the models", info.name))
    elif info.unique == 1:
        found.append(Finding(
            "constant", f"column {info.name!r} has a single value; it is left out of the models",
            info.name))
    elif info.kind == "identifier":
        found.append(Finding(
            "identifier",
            f"column {info.name!r} looks like an identifier (a different value in every row); "
            "it is kept in the output but left out of the models", info.name))
    elif info.kind in ("text", "datetime"):
        found.append(Finding(
            info.kind,
            f"column {info.name!r} is {info.kind}; it is kept in the output but left out of "
            "the models", info.name))
    elif info.kind == "categorical" and info.unique > HIGH_CARDINALITY:
        found.append(Finding(
            "high_cardinality",
            f"column {info.name!r} has {info.unique:,} categories; only the "
            f"{HIGH_CARDINALITY - 1} most frequent are encoded separately", info.name))
    return found


def _padded_finding(info: ColumnInfo) -> Finding:
    """A column written zero-padded with a different value in every row: a code or a quantity?"""
    return Finding(
        "padded_number",
        f"column {info.name!r} is written zero-padded (like 00117) with a different value in every row, and is "
        "used as a number; if it is a code (a customer or account number), give it a name that says so "
        "(ending in _id or _nr) or leave it out of the file, or synthetic rows get made-up codes", info.name)


def _target_summary(data: pd.DataFrame, target: str,
                    kinds: dict[str, str]) -> tuple[dict[Hashable, int], list[Finding]]:
    """The target's classes (none when it cannot be balanced, except a single class) and what
    needs saying about it: why it cannot be used, missing labels, small classes, leaks."""
    series = data[target]
    found: list[Finding] = []
    problem = target_problem(series, kinds[target])
    if problem is not None:
        found.append(problem)
    classes = class_counts(series) if problem is None or problem.code == "one_class" else {}
    missing_target = int(series.isna().sum())
    if missing_target and missing_target < len(data):
        found.append(Finding(
            "missing_target",
            f"{missing_target:,} rows have no value in the target {target!r}; they are left "
            "out of balancing and evaluation", target))
    if problem is None:
        found.extend(_small_classes(classes, target))
        found.extend(_leaks(data, target, kinds))
    return classes, found


def _small_classes(classes: dict[Hashable, int], target: str) -> list[Finding]:
    out = []
    for label, count in classes.items():
        if count < 6:
            out.append(Finding(
                "small_class",
                f"class {label_str(label)!r} has only {count} {'row' if count == 1 else 'rows'}: SMOTE and other neighbour-based "
                f"methods need at least k+1 rows per class (6 for the default k=5), and within "
                f"5-fold evaluation the training folds hold about {count * 4 // 5}. "
                "Neighbour counts are lowered to fit; RandomOverSampler always works.",
                target))
    return out


def _leaks(data: pd.DataFrame, target: str, kinds: dict[str, str]) -> list[Finding]:
    """Flag columns that predict the target almost perfectly on their own."""
    frame = data[data[target].notna()]
    if len(frame) > _SAMPLE_ROWS:
        frame = frame.sample(_SAMPLE_ROWS, random_state=0)
    if len(frame) < 10:
        return []
    y = frame[target].astype("str").to_numpy()
    labels, y_codes = np.unique(y, return_inverse=True)
    out = []
    for column in frame.columns:
        if column == target or kinds[str(column)] not in FEATURE_KINDS:
            continue
        series = frame[column]
        if series.nunique() < 2:
            continue
        score = _single_column_score(series, y_codes, len(labels), kinds[str(column)])
        if score >= 0.98:
            out.append(Finding(
                "leak",
                f"column {column!r} predicts the target almost perfectly on its own (balanced "
                f"accuracy {score:.2f}); if it is known only after the outcome, drop it",
                str(column)))
    return out


def _single_column_score(series: pd.Series, y: np.ndarray, n_classes: int, kind: str) -> float:
    unique = series.nunique(dropna=False)
    if kind in ("categorical", "boolean") or unique <= 20:
        if unique > max(20, len(series) // 10):
            return 0.0  # would memorise rows, not reveal a leak
        keys = series.astype("str").fillna("<missing>").to_numpy()
        table = pd.crosstab(keys, y)
        predicted = dict(zip(table.index, table.columns[table.to_numpy().argmax(axis=1)]))
        guesses = np.array([predicted[k] for k in keys])
    else:
        from sklearn.tree import DecisionTreeClassifier

        values = series.to_numpy(dtype="float64", na_value=np.nan)
        values = np.where(np.isfinite(values), values, np.nanmedian(values))
        tree = DecisionTreeClassifier(max_depth=3, random_state=0)
        guesses = tree.fit(values.reshape(-1, 1), y).predict(values.reshape(-1, 1))
    recalls = [np.mean(guesses[y == c] == c) for c in range(n_classes) if np.any(y == c)]
    return float(np.mean(recalls))


__all__ = [
    "FEATURE_KINDS",
    "KINDS",
    "ColumnInfo",
    "Duplicates",
    "Finding",
    "MissingInfo",
    "Profile",
    "check_target",
    "class_counts",
    "column_kind",
    "find_duplicates",
    "id_name",
    "imbalance_ratio",
    "label_str",
    "max_classes",
    "padded_width",
    "missing_table",
    "profile",
    "require_column",
    "suggest",
    "target_candidates",
    "target_problem",
]
