"""Ship the model: the tactic refitted on every row, saved with skops (no pickle), loaded only when
every type in the file is trusted, and used to predict new tables with clear messages.

:func:`fit_final` fits preprocessing, tactic and model on all rows with the chosen calibration and
decision rule (:func:`balancer.evaluate.fit_all_rows`) and writes the model card. The samplers are
taken out of the fitted pipelines (the imbalanced-learn pipeline skips them when predicting), so
the file holds only what predicting needs.

:func:`save` writes one skops archive: the model (a plain dictionary: the pipeline, the calibrated
model, the decision rule as numbers, the class labels) and, beside it in the same zip, the model
card ``balancer-model-card.json`` (readable with any unzip tool, nothing to trust).

:func:`load` checks the file before building anything: a skops archive whose members' declared
sizes are within bounds (checked before any member is read), a Balancer model card, and every
object in it one of the types Balancer's own model files hold, built the way skops builds them
there (:data:`balancer.model_types.MODEL_NODES`, an exact list). skops' own defaults are not
relied on: they trust every scikit-learn estimator (a ``FunctionTransformer`` calls what it
holds) and any name that resolves to a class (``sklearn.base.defaultdict``, ``numpy.memmap``).
Anything else is a :class:`DataError` naming what was refused.

:func:`predict` gives the input's columns plus ``predicted`` and ``probability_<label>`` per
class; missing columns and text in numeric columns are errors naming them; renamed, extra and
retyped columns and categories the model never saw are notices (``frame.attrs["notices"]``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import math
import os
import zipfile
import zlib
from collections.abc import Hashable, Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import skops.io
from imblearn.pipeline import Pipeline
from sklearn.calibration import CalibratedClassifierCV

from .decision import ClassCounter, Fitted, Rule
from .errors import DataError
from .evaluate import Evaluation, FinalModel, fit_all_rows
from .model_types import MODEL_NODES, MODEL_TYPES
from .prepare import Roles
from .profiling import column_kind, label_str, padded_width
from .recipe import frame_sha256, sha256, versions
from .tables.files import check_zip_directory
from .tables.numbers import NumberFormat, parse

#: The model card's format marker.
FORMAT = "balancer-model/1"
#: The model card's name inside the skops archive.
CARD = "balancer-model-card.json"
#: The largest model file read, and the most its members may unpack to (all declared sizes are
#: checked before any member is read; zipfile never inflates a member beyond its declared size).
MAX_BYTES = 1024**3
MAX_UNPACKED = 4 * MAX_BYTES
#: The most the model card and skops' schema may unpack to (each is read whole and parsed as JSON,
#: which takes up to 25 times the text: a card is a few KB, a schema up to about 75 MB for an
#: ensemble of forests), and the most either may inflate from its compressed size (Balancer's
#: schemas deflate 16 to 54 times; 16 MB of "[]," deflates 1,000 times).
MAX_CARD = 16 * 1024**2
MAX_SCHEMA = 256 * 1024**2
MAX_RATIO = 200
#: The largest zip directory of a model file (an array per member: an ensemble of boosted trees
#: has a few thousand; 16 MB is at most 364,722 members, 46 bytes each, about 400 MB to open).
MAX_DIRECTORY = 16 * 1024**2
#: Categories listed per column in the model card (more are counted, not listed).
MAX_CATEGORIES = 1000
#: The output's column of predicted classes (each class also gets ``probability_<label>``).
PREDICTED = "predicted"
#: What the saved dictionary holds besides its format.
PAYLOAD = {"pipeline", "calibrated", "rule", "labels", "n_classes"}
#: dtypes of text columns (as the model card writes them).
_TEXT_DTYPES = ("object", "str", "string")


@dataclasses.dataclass(frozen=True, eq=False)
class Shipped:
    """A model to ship: the tactic fitted on every row, its class labels (in code order) and its
    model card; ``notices`` are what loading found (other library versions)."""

    fitted: Fitted
    labels: list[Hashable]
    card: dict[str, Any]
    notices: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------
# fit


def fit_final(
    data: pd.DataFrame,
    target: str,
    method: str = "none",
    model: str = "logistic_regression",
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    calibration: str | None = None,
    costs: Any = None,
    *,
    class_weight: Any = None,
    metric: str = "f2",
    evaluation: Evaluation | None = None,
    source: bytes | None = None,
    name: str | None = None,
    digest: str | None = None,
) -> Shipped:
    """Refit preprocessing, tactic and model on every row, with the calibration and decision rule
    :func:`balancer.evaluate` scores for the same arguments, and write the model card.

    ``evaluation`` (that call's result) gives the card its cross-validated metrics; ``source`` (the
    input file's bytes; default: the table's CSV) its SHA-256 (or ``digest``, when the caller has
    it already), ``name`` the input's name.
    """
    final = fit_all_rows(data, target, method, model=model, params=params, seed=seed, class_weight=class_weight,
                         metric=metric, costs=costs, calibration=calibration)
    for part in (final.fitted.pipeline, final.fitted.calibrated):
        _drop_samplers(part)
    fitted = final.fitted
    if fitted.calibrated is not None and fitted.rule.decides:  # the tactic's own model decides nothing
        fitted = dataclasses.replace(fitted, pipeline=None)
    if digest is None:
        digest = sha256(source) if source is not None else frame_sha256(data)
    card = _card(final, data, target, seed, digest, name, evaluation)
    return Shipped(fitted, list(final.labels), card)


def _drop_samplers(model: Any) -> None:
    """Replace the samplers and class counters of a fitted pipeline (and of each pipeline of a
    calibrated model) by ``passthrough``: predicting never runs them."""
    if isinstance(model, CalibratedClassifierCV):
        _drop_samplers(model.estimator)
        for member in model.calibrated_classifiers_:
            _drop_samplers(member.estimator)
    elif isinstance(model, Pipeline):
        model.steps[:] = [(step, "passthrough" if hasattr(part, "fit_resample") or isinstance(part, ClassCounter)
                           else part) for step, part in model.steps]


def _card(final: FinalModel, data: pd.DataFrame, target: str, seed: int, digest: str, name: str | None,
          evaluation: Evaluation | None) -> dict[str, Any]:
    """The model card: what was fitted on which data, how it decides, how well it did, and the
    columns it needs."""
    rule = final.fitted.rule
    return {
        "format": FORMAT,
        "data": {"sha256": digest, "name": name, "rows": int(sum(final.counts.values())), "target": str(target),
                 "classes": {label_str(k): int(v) for k, v in final.counts.items()}},
        "labels": [label_str(v) for v in final.labels],
        "positive": None if final.positive is None else label_str(final.positive),
        "tactic": {"method": final.requested, "ran": final.method, "params": _jsonable(final.params),
                   "class_weight": _jsonable(final.class_weight)},
        "model": final.model,
        "seed": int(seed),
        "calibration": final.calibration,
        "costs": None if final.costs is None else final.costs.to_dict(),
        "threshold": rule.threshold,
        "decision": "the least expected cost" if rule.decides else "the tactic's own",
        "metrics": None if evaluation is None else {
            "folds": evaluation.folds, "metrics": _finite(evaluation.metrics), "std": _finite(evaluation.std),
            "expected_cost": evaluation.expected_cost, "expected_cost_baseline": evaluation.expected_cost_baseline},
        "versions": versions() | {"skops": _version("skops")},
        "columns": _columns(data, target, final.roles),
        "notices": list(final.notices),
    }


def _columns(data: pd.DataFrame, target: str, roles: Roles) -> list[dict[str, Any]]:
    """Each input column (but the target): its dtype, kind and role, and a categorical one's values."""
    out = []
    for column in data.columns:
        if column == target:
            continue
        series = data[column]
        role = ("numeric" if column in roles.numeric else "categorical" if column in roles.categorical
                else f"not used ({roles.excluded.get(column, 'excluded')})")
        entry: dict[str, Any] = {"name": str(column), "dtype": str(series.dtype), "kind": column_kind(series),
                                 "role": role}
        if role == "categorical":
            values = sorted({label_str(v) for v in series.dropna().unique()})
            entry["categories"] = values[:MAX_CATEGORIES]
            entry["more_categories"] = max(0, len(values) - MAX_CATEGORIES)
        out.append(entry)
    return out


def _jsonable(value: Any) -> Any:
    """Parameters as JSON: mapping keys and labels as text, numpy numbers as Python's."""
    if isinstance(value, Mapping):
        return {label_str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def _finite(values: Mapping[str, float]) -> dict[str, float | None]:
    return {k: (None if v is None or not np.isfinite(v) else float(v)) for k, v in values.items()}


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


# --------------------------------------------------------------------------------------------
# save and load


def save(shipped: Shipped, path_or_buffer: str | os.PathLike[str] | IO[bytes]) -> None:
    """Write the model and its card as one skops archive (no pickle) to a path or a binary buffer.

    Raises :class:`DataError` when the path cannot be written.
    """
    raw = dumps(shipped)
    try:  # a file that load would refuse is never written (too large, or a type the list lacks)
        _refuse_untrusted(_members(raw)[1])
    except DataError as exc:
        raise DataError(f"this model cannot be saved: Balancer could not load it back ({exc}); a smaller "
                        "ensemble or no calibration makes a smaller file, and a type it names is worth "
                        "reporting with the tactic, model and calibration") from None
    if hasattr(path_or_buffer, "write"):
        path_or_buffer.write(raw)
        return
    try:
        Path(path_or_buffer).write_bytes(raw)
    except OSError as exc:
        raise DataError(f"cannot write {path_or_buffer}: {exc.strerror or exc}") from None


def dumps(shipped: Shipped) -> bytes:
    """The model file's bytes: the skops archive with the model card beside it (unchecked; see :func:`save`)."""
    payload: dict[str, Any] = {"format": FORMAT, "pipeline": shipped.fitted.pipeline, "calibrated": shipped.fitted.calibrated,
               "rule": shipped.fitted.rule.to_dict(), "labels": [_native(v) for v in shipped.labels],
               "n_classes": shipped.fitted.n_classes}
    archive = io.BytesIO(skops.io.dumps(payload, compression=zipfile.ZIP_DEFLATED))
    with zipfile.ZipFile(archive, "a", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(CARD, json.dumps(shipped.card, indent=2, default=str))
    return archive.getvalue()


def _native(label: Hashable) -> Any:
    """A class label as a Python value skops stores as it is (numpy scalars become Python's)."""
    value = label.item() if isinstance(label, np.generic) else label
    return value if isinstance(value, (str, int, float, bool)) else label_str(value)


def trusted(name: str) -> bool:
    """Whether a type a model file names may be built: one of the types Balancer's own model files
    hold (:data:`balancer.model_types.MODEL_TYPES`), by its exact name."""
    return name in MODEL_TYPES


def load(source: str | os.PathLike[str] | bytes) -> Shipped:
    """Read a model :func:`save` wrote (a path, or the file's bytes), checking it first.

    Raises :class:`DataError` for a file that is not a skops archive, is larger than the bounds,
    holds an object that is not one of :data:`~balancer.model_types.MODEL_NODES` (named in the
    message), or has no Balancer model card.
    """
    raw = _read(source)
    card_text, schema_text = _members(raw)
    names = _refuse_untrusted(schema_text)
    card = _checked_card(card_text)
    with _unreadable():
        payload = skops.io.loads(raw, trusted=names)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or not set(payload) >= PAYLOAD:
        raise DataError("this skops file is not a Balancer model (its content is not one)")
    fitted = Fitted(payload["pipeline"], payload["calibrated"], Rule.from_dict(payload["rule"]),
                    int(payload["n_classes"]))
    return Shipped(fitted, list(payload["labels"]), card, tuple(_version_notices(card)))


def _read(source: str | os.PathLike[str] | bytes) -> bytes:
    """The model file's bytes (at most :data:`MAX_BYTES`)."""
    if isinstance(source, (bytes, bytearray)):
        raw = bytes(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise DataError(f"no such model file: {path}" if not path.exists() else f"{path} is not a file")
        try:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise DataError(f"the model file is over {MAX_BYTES // 1024**3} GB; refused")
    return raw


def _members(raw: bytes) -> tuple[bytes | None, bytes]:
    """The model card (None when there is none) and skops' schema, read only after every member's
    declared size was checked: a small file must not inflate to gigabytes before a check (nor list
    millions of members: zipfile makes an object for each before anything can be checked)."""
    check_zip_directory(raw, "the model file", MAX_DIRECTORY)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zipped:
            members = zipped.infolist()
            sizes = {m.filename: m.file_size for m in members}
            if "schema.json" not in sizes:
                raise DataError("this is not a Balancer model: the zip file is not a skops archive (no schema.json)")
            if sum(sizes.values()) > MAX_UNPACKED:
                raise DataError(f"the model file unpacks to more than {MAX_UNPACKED / 1024**3:g} GB; refused")
            packed = {m.filename: m.compress_size for m in members}
            for name, limit in ((CARD, MAX_CARD), ("schema.json", MAX_SCHEMA)):
                if sizes.get(name, 0) > limit:
                    raise DataError(f"the model file's {name} unpacks to more than {limit // 1024**2} MB; refused")
                if sizes.get(name, 0) > max(1024**2, MAX_RATIO * packed.get(name, 0)):
                    raise DataError(f"the model file's {name} inflates {sizes[name] / max(packed[name], 1):,.0f} times "
                                    f"its packed size (Balancer's inflate less than {MAX_RATIO} times); refused")
            for member in members:  # zipfile inflates a member whole, whatever size it declares (300 MB
                _honest(zipped, member)  # behind a declared 1 KB, then a CRC error): count it, 1 MB at a time
            card = zipped.read(CARD) if CARD in sizes else None
            return card, zipped.read("schema.json")
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError):
        raise DataError("this is not a Balancer model: it is not a skops archive (a zip file)") from None
    except DataError:
        raise
    except ValueError:
        raise DataError("this is not a Balancer model: it is not a skops archive (a zip file)") from None


def _honest(zipped: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Refuse a member that inflates to more than the size it declares, or is damaged, reading it
    a megabyte at a time (zipfile stops a stream at the declared size and checks the CRC there;
    only a whole read inflates first): skops then reads members that were checked."""
    seen = 0
    try:
        with zipped.open(member) as stream:
            while chunk := stream.read(1 << 20):
                seen += len(chunk)
    except zipfile.BadZipFile as exc:
        raise DataError(f"the model file's {member.filename[:80]} holds more than the {member.file_size:,} bytes "
                        f"it declares, or is damaged ({' '.join(str(exc).split())[:80]}); refused") from None
    if seen > member.file_size:
        raise DataError(f"the model file's {member.filename[:80]} holds more than the {member.file_size:,} bytes "
                        "it declares; refused")


def schema_nodes(schema: bytes) -> set[tuple[str, str]]:
    """Every object skops would build from its schema (``schema.json``'s bytes), as (type name,
    loader): each dictionary with a ``__loader__``, wherever it is; the walk is a loop (no
    recursion to exhaust). :class:`DataError` for a schema that is not JSON."""
    try:
        tree = json.loads(schema)
    except (ValueError, RecursionError):
        raise DataError("this is not a Balancer model: its skops schema is not valid JSON") from None
    found: set[tuple[str, str]] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__loader__" in node:
                found.add((f"{node.get('__module__')}.{node.get('__class__')}", str(node["__loader__"])))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _refuse_untrusted(schema: bytes) -> list[str]:
    """The names of the types in skops' schema, when every object there (:func:`schema_nodes`) is
    one of :data:`~balancer.model_types.MODEL_NODES` (a type and the way skops builds it); else
    :class:`DataError` naming the others."""
    found = schema_nodes(schema)
    refused = sorted(found - MODEL_NODES)
    if refused:
        shown = ", ".join(f"{name} ({loader})" for name, loader in refused)
        raise DataError("the model file holds objects Balancer's models are not made of, so it was not loaded: "
                        f"{shown[:300]}")
    return sorted({name for name, _ in found})


@contextlib.contextmanager
def _unreadable() -> Iterator[None]:
    """Turn what skops raises for a damaged archive into a :class:`DataError`."""
    try:
        yield
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, zipfile.BadZipFile) as exc:
        raise DataError(f"this is not a Balancer model: its skops content cannot be read ({type(exc).__name__}: "
                        f"{' '.join(str(exc).split())[:120]})") from None


def _checked_card(text: bytes | None) -> dict[str, Any]:
    """The model card, checked for the fields :func:`predict` reads."""
    if text is None:
        raise DataError(f"this skops file is not a Balancer model: it has no {CARD}")
    try:
        card = json.loads(text)
    except (ValueError, RecursionError):
        raise DataError(f"the model's {CARD} is not valid JSON") from None
    if not isinstance(card, dict) or card.get("format") != FORMAT:
        raise DataError(f"the model's card is not a Balancer model card (expected \"format\": \"{FORMAT}\")")
    columns = card.get("columns")
    if not isinstance(columns, list) or not all(isinstance(c, dict) and isinstance(c.get("name"), str)
                                                and isinstance(c.get("role"), str) for c in columns):
        raise DataError("the model card's columns are not a list of {name, role, ...}")
    return card


def _version_notices(card: Mapping[str, Any]) -> list[str]:
    """One notice per package whose version differs from the one the model was saved with."""
    now = versions() | {"skops": _version("skops")}
    saved = card.get("versions") or {}
    return [f"the model was saved with {package} {then}; this is {now.get(package, 'unknown')}: its "
            "predictions may differ" for package, then in saved.items() if now.get(package) != then]


# --------------------------------------------------------------------------------------------
# predict


def predict(shipped: Shipped, data: pd.DataFrame) -> pd.DataFrame:
    """The input's columns plus ``predicted`` and ``probability_<label>`` for each class.

    Raises :class:`DataError` for a column the model needs that the table lacks, or a text value
    in a numeric column (both named). Notices (``attrs["notices"]``, each ``{code, message}``):
    columns found under another spelling, extra columns (ignored), categories the model never saw,
    replaced output columns.
    """
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise DataError("the table has no rows")
    notices: list[dict[str, str]] = [dict(n) for n in data.attrs.get("notices", [])]  # how the table was read
    notices += [{"code": "versions", "message": n} for n in shipped.notices]
    rows = _aligned(shipped.card, data, notices)
    fitted = shipped.fitted
    try:
        raw = fitted.raw_proba(rows) if fitted.pipeline is not None else None
        proba = fitted.proba(rows, raw)
        codes = fitted.predict(rows, proba)
    except ValueError as exc:
        raise DataError(f"the model could not predict this table: {' '.join(str(exc).split())[:200]}") from None
    if not fitted.rule.decides:
        notices += _decision_notice(shipped, codes, proba)
    columns: dict[str, Any] = {PREDICTED: [shipped.labels[c] for c in codes]}
    columns |= {f"probability_{label_str(v)}": proba[:, c] for c, v in enumerate(shipped.labels)}
    replaced = [name for name in columns if name in data.columns]
    if replaced:
        notices.append({"code": "replaced_columns", "message": "the table's own columns "
                        f"{_listed(replaced)} were replaced by this prediction"})
    out = data.drop(columns=replaced).assign(**{k: pd.Series(v, index=data.index) for k, v in columns.items()})
    out.attrs["notices"] = notices
    return out


def _cut_between(high: float, low: float) -> str:
    """The shortest decimal in (``high``, ``low``]: a cut-off that is true of every row (``low``
    rounded to 3 figures said 0.268 where a row at 0.26765 was predicted positive)."""
    for places in range(1, 18):
        cut = math.floor(low * 10**places) / 10**places
        if high < cut <= low:
            return f"{cut:.{places}f}"
    return repr(low)


def _decision_notice(shipped: Shipped, codes: np.ndarray, proba: np.ndarray) -> list[dict[str, str]]:
    """Say how ``predicted`` relates to the probabilities beside it when it is not their most
    probable class: the tactic's model decides (a model trained on rebalanced rows, or the
    threshold tactic's cut-off), while the probabilities may be corrected to the true class rates
    or calibrated. Two classes: the probability from which rows are predicted positive, when the
    decision follows the probabilities; else how many rows they order otherwise."""
    if (codes == proba.argmax(axis=1)).all():
        return []
    calibration = shipped.card.get("calibration")
    how = {"prior": "corrected to the true class rates", "sigmoid": "calibrated (sigmoid)",
           "isotonic": "calibrated (isotonic)"}.get(str(calibration), "the model's own")
    text = f"'{PREDICTED}' is the tactic's own decision and the probabilities are {how}"
    positive = shipped.card.get("positive")
    labels = [label_str(v) for v in shipped.labels]
    if len(labels) == 2 and positive in labels:
        code = labels.index(positive)
        chance, chosen = proba[:, code], codes == code
        low = float(chance[chosen].min()) if chosen.any() else 1.0
        high = float(chance[~chosen].max()) if (~chosen).any() else 0.0
        if high < low:
            text += (f": rows are predicted {positive!r} from probability_{positive} {_cut_between(high, low)} up, "
                     "not from 0.5")
        else:
            crossed = int((chance[chosen] <= high).sum() + (chance[~chosen] >= low).sum())
            text += (f": they order {crossed:,} row{'s' if crossed != 1 else ''} otherwise than the decision "
                     "does (the calibrated model is not the deciding one)")
    else:
        text += f": {int((codes != proba.argmax(axis=1)).sum()):,} rows are predicted a class that is not their most probable"
    text += ". To decide on these probabilities, give error costs (evaluate --costs) when saving the model."
    return [{"code": "decision", "message": text}]


def _aligned(card: Mapping[str, Any], data: pd.DataFrame, notices: list[dict[str, str]]) -> pd.DataFrame:
    """The model's feature columns taken from ``data`` (found by name, else by a name differing
    only in case and spaces), numbers as numbers and categories typed as in training."""
    features = [c for c in card["columns"] if c["role"] in ("numeric", "categorical")]
    found = _find_columns([c["name"] for c in features], data, notices)
    known = {c["name"] for c in card["columns"]} | {card.get("data", {}).get("target")}
    extra = [str(c) for c in data.columns if str(c) not in known and c not in found.values()]
    if extra:
        notices.append({"code": "extra_columns", "message": f"columns the model does not use were ignored: "
                                                            f"{_listed(extra)}"})
    rows = pd.DataFrame(index=data.index)
    empty = []
    for column in features:
        series = data[found[column["name"]]]
        if series.isna().all():
            empty.append(column["name"])
        if column["role"] == "numeric":
            rows[column["name"]] = _numbers(series, column["name"], _number_format(data))
        else:
            rows[column["name"]] = _categories(series, column, notices)
    if empty:
        notices.append({"code": "empty_columns", "message": f"columns the model uses are empty in this table: "
                        f"{_listed(empty)}; every row gets what the model fills a gap with (the training "
                        "median, or the category it learnt for a missing value)"})
    return rows


def _find_columns(names: list[str], data: pd.DataFrame, notices: list[dict[str, str]]) -> dict[str, Any]:
    """The table's column for each name the model needs; :class:`DataError` naming the missing ones."""
    by_key: dict[str, list[Any]] = {}
    for column in data.columns:
        by_key.setdefault(str(column).strip().casefold(), []).append(column)
    found: dict[str, Any] = {}
    renamed, missing = [], []
    for name in names:
        if name in data.columns:
            found[name] = name
        elif len(by_key.get(name.strip().casefold(), [])) == 1:
            found[name] = by_key[name.strip().casefold()][0]
            renamed.append(f"{found[name]!r} as {name!r}")
        else:
            missing.append(name)
    if missing:
        raise DataError(f"the table lacks column{'s' if len(missing) > 1 else ''} the model needs: {_listed(missing)}")
    if renamed:
        notices.append({"code": "renamed_columns", "message": "columns found under another spelling were "
                                                              f"used: {', '.join(renamed)[:300]}"})
    return found


def _number_format(data: pd.DataFrame) -> NumberFormat:
    """How the table's file writes its numbers (its decimal mark, its thousands), as read."""
    found = data.attrs.get("format")
    found = found if isinstance(found, dict) else {}
    decimal, thousands = found.get("decimal"), found.get("thousands")
    if decimal not in (".", ",") or thousands not in (None, ".", ",", " ") or thousands == decimal:
        return NumberFormat()
    return NumberFormat(decimal, thousands)


def _numbers(series: pd.Series, name: str, number_format: NumberFormat) -> pd.Series:
    """A numeric feature as numbers, read in the file's number format (a column the reader left as
    text for one stray word still has its decimal commas); :class:`DataError` naming the column
    and a value that is not one."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series
    text = series.astype("string").str.strip()
    readable = text.str.fullmatch(number_format.pattern().pattern).fillna(False).astype(bool)
    numbers = parse(text.where(readable), number_format)
    bad = series.notna() & numbers.isna()
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"column {name!r} holds numbers for the model, but row {position + 1} has "
                        f"{str(series.iloc[position])[:40]!r} ({int(bad.sum()):,} such value"
                        f"{'s' if bad.sum() > 1 else ''}); fix or remove them")
    return numbers


def _categories(series: pd.Series, column: Mapping[str, Any], notices: list[dict[str, str]]) -> pd.Series:
    """A categorical feature typed as in training, with a notice for values the model never saw."""
    series = _as_trained(series, str(column.get("dtype")), column.get("categories") or ())
    seen = set(column.get("categories") or ())
    if seen and not column.get("more_categories"):
        new = series.dropna().map(label_str)
        new = new[~new.isin(seen)]
        if len(new):
            notices.append({"code": "new_categories", "message": (
                f"column {column['name']!r}: {len(new):,} row{'s' if len(new) > 1 else ''} with values the model "
                f"never saw (e.g. {new.iloc[0][:40]!r}), treated as unseen: encoded like the model's rarest "
                "values, or like its most frequent one when it kept every value")})
    return series


def _as_trained(series: pd.Series, dtype: str, categories: Any = ()) -> pd.Series:
    """A categorical feature's values as the training table had them, however this table's reader
    typed them: one stray word makes a true/false column text (``True``), or its absence makes it
    booleans again; a code column without letters in this file is read as numbers (``007`` as 7).
    Typed apart, every value would count as one the model never saw."""
    text = pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype)
    if dtype.startswith(_TEXT_DTYPES):
        if text:
            return series
        if pd.api.types.is_bool_dtype(series.dtype):  # true/false as the training text spelled them (True)
            spelled = {str(c).lower(): c for c in categories if str(c).lower() in ("true", "false")}
            return series.map(lambda v: v if pd.isna(v) else spelled.get(label_str(v), label_str(v))).astype(object)
        width = padded_width(series)
        return series.map(lambda v: v if pd.isna(v) else label_str(v).zfill(width or 0)).astype(object)
    if dtype in ("bool", "boolean"):
        if pd.api.types.is_bool_dtype(series.dtype):
            return series
        spelled = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False}
        return series.map(lambda v: v if pd.isna(v) else spelled.get(str(v).strip().lower(), v)).astype(object)
    return series


def _listed(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)[:300]


__all__ = ["CARD", "FORMAT", "MAX_BYTES", "MAX_CARD", "MAX_SCHEMA", "MAX_UNPACKED", "Shipped", "dumps", "fit_final", "load",
           "predict", "save", "schema_nodes", "trusted"]
