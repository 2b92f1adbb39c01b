"""Shipping the model: refit on every row, skops round trip, trusted types only, clear predictions."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import numpy as np
import pandas as pd
import pytest
import skops.io

from balancer import shipping
from balancer.errors import DataError
from balancer.evaluate import MODELS
from balancer.shipping import CARD, fit_final, load, predict, save, trusted
from scripts.model_types import nodes, nullable
from tests.conftest import csv_of, mixed_table, run_cli


class Sneaky:
    """A class no model of Balancer's holds: a file with it must not load."""

    def __init__(self) -> None:
        self.command = "echo owned"


def _round_trip(shipped: shipping.Shipped) -> shipping.Shipped:
    buffer = io.BytesIO()
    save(shipped, buffer)
    return load(buffer.getvalue())


@pytest.mark.parametrize(("method", "model", "calibration", "costs"), [
    ("SMOTE", "logistic_regression", None, None),
    ("class_weight", "decision_tree", None, {"fn": 5, "fp": 1}),
    ("RandomUnderSampler", "logistic_regression", "sigmoid", {"fn": 5, "fp": 1}),
    ("none", "random_forest", "isotonic", None),
    ("BalancedRandomForestClassifier", "logistic_regression", None, None),
])
def test_round_trip_predicts_the_same(method, model, calibration, costs, mixed):
    """Check the loaded model predicts exactly what the one in memory does."""
    shipped = fit_final(mixed, "label", method, model, None, 0, calibration, costs)
    back = _round_trip(shipped)
    rows = mixed.drop(columns="label")
    assert predict(back, rows).equals(predict(shipped, rows))
    assert back.card == json.loads(json.dumps(shipped.card, default=str))


def test_the_final_model_decides_as_evaluated(mixed):
    """Check the card: the costs' Bayes threshold with prior, the calibration, data SHA-256,
    versions, the columns and their roles; and the samplers are gone from the file."""
    shipped = fit_final(mixed, "label", "SMOTE", costs={"fn": 20, "fp": 1}, source=b"the bytes", name="t.csv")
    card = shipped.card
    assert card["calibration"] == "prior" and card["threshold"] == pytest.approx(1 / 21)
    assert card["costs"] == {"fn": 20, "fp": 1} and card["decision"] == "the least expected cost"
    assert card["data"] == {"sha256": hashlib.sha256(b"the bytes").hexdigest(), "name": "t.csv", "rows": 240,
                            "target": "label", "classes": {"c0": 210, "c1": 30}}
    assert card["tactic"] == {"method": "SMOTE", "ran": "SMOTENC", "params": {"k_neighbors": 5},
                              "class_weight": None}
    assert {"balancer", "scikit-learn", "imbalanced-learn", "skops"} <= set(card["versions"])
    roles = {c["name"]: c["role"] for c in card["columns"]}
    assert roles == {"row_id": "not used (identifier)", "x_float": "numeric", "x_int": "numeric",
                     "colour": "categorical", "flag": "categorical"}
    colour = next(c for c in card["columns"] if c["name"] == "colour")
    assert colour["categories"] == ["blue", "green", "red"] and colour["more_categories"] == 0
    steps = dict(shipped.fitted.pipeline.steps)
    assert steps["sample"] == "passthrough" and steps["count"] == "passthrough"
    buffer = io.BytesIO()
    save(shipped, buffer)
    types = skops.io.get_untrusted_types(data=buffer.getvalue())
    assert not any("SMOTE" in t or "Neighbours" in t for t in types)


def test_card_metrics_come_from_the_evaluation(mixed):
    """Check the cross-validated metrics reach the card."""
    from balancer import evaluate

    result = evaluate(mixed, "label", "RandomUnderSampler", folds=3)
    card = fit_final(mixed, "label", "RandomUnderSampler", evaluation=result).card
    assert card["metrics"]["folds"] == 3 and card["metrics"]["metrics"]["f2"] == pytest.approx(result.metrics["f2"])


@pytest.mark.parametrize("method", ["anomaly", "decompose", "RUSBoostClassifier", "threshold", "TomekLinks"])
def test_every_kind_of_tactic_saves_and_loads(method, mixed):
    """Check the trusted types cover the model-side tactics and a fast sampler's pipeline."""
    shipped = fit_final(mixed, "label", method)
    rows = mixed.drop(columns="label")
    assert predict(_round_trip(shipped), rows).equals(predict(shipped, rows))


@pytest.mark.parametrize("model", list(MODELS))
def test_every_model_saves_and_loads(model, mixed3):
    """Check every model, on three classes with a cost matrix."""
    shipped = fit_final(mixed3, "label", "RandomOverSampler", model, costs={"c1,c0": 10})
    rows = mixed3.drop(columns="label")
    assert predict(_round_trip(shipped), rows).equals(predict(shipped, rows))


# --------------------------------------------------------------------------------------------
# what load refuses


def _crafted(payload: object, card: dict | None) -> bytes:
    archive = io.BytesIO(skops.io.dumps(payload))
    if card is not None:
        with zipfile.ZipFile(archive, "a") as zipped:
            zipped.writestr(CARD, json.dumps(card))
    return archive.getvalue()


def test_an_untrusted_type_is_refused_by_name(mixed):
    """Check a skops file holding a class of this test module is refused before anything is built."""
    card = fit_final(mixed, "label", "none").card
    raw = _crafted({"format": shipping.FORMAT, "pipeline": Sneaky()}, card)
    with pytest.raises(DataError, match=r"not made of.*tests\.unit\.test_shipping\.Sneaky \(ObjectNode\)"):
        load(raw)


def _with_schema(raw: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    """The model file ``raw`` with its schema changed by ``change`` (a function of the parsed JSON)."""
    source = zipfile.ZipFile(io.BytesIO(raw))
    schema = json.loads(source.read("schema.json"))
    change(schema)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zipped:
        for info in source.infolist():
            zipped.writestr(info.filename, json.dumps(schema) if info.filename == "schema.json"
                            else source.read(info.filename))
    return out.getvalue()


def _relabelled(schema, names: dict) -> None:  # type: ignore[no-untyped-def]
    """Give the objects of standard-library types the name of a module that imports them."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            key = (node.get("__module__"), node.get("__class__"))
            if key in names:
                node["__module__"] = names[key]
                if node.get("__loader__") == "OperatorFuncNode":
                    node["__loader__"] = "ConstructorFromReduceNode"
                    node["content"] = node.pop("attrs")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def test_a_function_chain_under_borrowed_names_runs_nothing(mixed, tmp_path):
    """Check the attack a review found: FunctionTransformer steps (an estimator skops trusts by
    default) holding attrgetter, itemgetter, partial and defaultdict, each named after an sklearn or
    numpy module that imports it (``sklearn.base.defaultdict`` resolves to a class, which the old
    check trusted), chained to reach ``os.system`` on predict. The file is refused before anything
    is built and the command never runs."""
    import collections
    import functools
    import operator

    from sklearn.preprocessing import FunctionTransformer

    legit = fit_final(mixed, "label", "SMOTE")
    marker = tmp_path / "owned.txt"
    chain = [operator.attrgetter("__init__.__globals__"), operator.itemgetter("__builtins__"),
             operator.itemgetter("__import__"), (functools.partial, {"name": "os"}), collections.defaultdict,
             operator.itemgetter("k"), operator.attrgetter("system"),
             (functools.partial, {"command": f"touch {marker}"}), collections.defaultdict, operator.itemgetter("k")]
    steps = [(f"f{i}", FunctionTransformer(func=f[0], kw_args=f[1]) if isinstance(f, tuple)
              else FunctionTransformer(func=f)) for i, f in enumerate(chain)]
    pipeline = legit.fitted.pipeline
    hostile = type(pipeline).__new__(type(pipeline))
    hostile.__dict__.update(pipeline.__dict__)
    hostile.steps = steps + pipeline.steps
    payload = {"format": shipping.FORMAT, "pipeline": hostile, "calibrated": None,
               "rule": legit.fitted.rule.to_dict(), "labels": legit.labels, "n_classes": 2}
    raw = _with_schema(_crafted(payload, legit.card), lambda schema: _relabelled(schema, {
        ("operator", "attrgetter"): "sklearn.feature_selection._base",
        ("operator", "itemgetter"): "numpy.lib._npyio_impl",
        ("functools", "partial"): "numpy.testing._private.utils",
        ("collections", "defaultdict"): "sklearn.base"}))
    with pytest.raises(DataError, match=r"sklearn\.base\.defaultdict"):
        predict(load(raw), mixed.drop(columns="label"))
    assert not marker.exists()


def test_a_numpy_class_built_from_the_file_truncates_nothing(mixed, tmp_path):
    """Check the second attack: ``numpy.memmap`` (a real numpy class, trusted before) built by
    skops with arguments from the file, which opens a path for writing and truncated it while the
    model loaded. Refused; the file keeps its bytes."""
    victim = tmp_path / "precious.txt"
    victim.write_bytes(b"precious data")
    arguments = json.loads(zipfile.ZipFile(io.BytesIO(skops.io.dumps(
        {"a": (str(victim), "uint8", "w+", 0, (4,))}))).read("schema.json"))["content"]["a"]

    stack = [arguments]  # ids of another dump would alias the model's own objects
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            node.pop("__id__", None)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)

    def plant(schema):  # type: ignore[no-untyped-def]
        schema["content"]["x"] = {"__class__": "memmap", "__module__": "numpy",
                                  "__loader__": "ConstructorFromReduceNode", "content": arguments}
        schema["key_types"]["content"].append(dict(schema["key_types"]["content"][0]))

    buffer = io.BytesIO()
    save(fit_final(mixed, "label", "none"), buffer)
    with pytest.raises(DataError, match=r"numpy\.memmap \(ConstructorFromReduceNode\)"):
        load(_with_schema(buffer.getvalue(), plant))
    assert victim.read_bytes() == b"precious data"


def test_members_are_measured_before_any_is_read(monkeypatch):
    """Check a model card that inflates from 300 KB to 300 MB is refused from its declared size,
    before a byte of it is inflated (it was read whole first, then checked)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("schema.json", "{}")
        with zipped.open(CARD, "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(b" " * (1 << 20))
    raw = buffer.getvalue()
    assert len(raw) < 1 << 20
    read = []
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda self, name, pwd=None: read.append(name))
    with pytest.raises(DataError, match=f"{CARD} unpacks to more than 16 MB"):
        load(raw)
    monkeypatch.setattr(shipping, "MAX_CARD", 1024**3)
    with pytest.raises(DataError, match=f"{CARD} inflates 1,0[0-9][0-9] times its packed size"):
        load(raw)  # parsing 16 MB of "[]," took 400 MB: the ratio stops what the size bound allows
    monkeypatch.setattr(shipping, "MAX_CARD", 16 * 1024**2)
    monkeypatch.setattr(shipping, "MAX_UNPACKED", 100 * 1024**2)
    with pytest.raises(DataError, match="unpacks to more than"):
        load(raw)
    assert read == []
    monkeypatch.setattr(shipping, "MAX_DIRECTORY", 100)  # a directory of millions of members
    with pytest.raises(DataError, match="the model file is a zip archive whose directory lists 2 members"):
        load(raw)


def test_a_member_larger_than_it_declares_is_refused_a_megabyte_in(mixed):
    """Check a member whose declared size is a lie (1,000 bytes declared, 100 MB of spaces behind
    them): zipfile inflates a member whole before its CRC check fails, so the declared sizes
    bounded nothing; the member is now counted as it inflates, and refused past its declaration."""
    import tracemalloc

    from tests.unit.hostile_files import lying_zip_sizes

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("schema.json", "{}")
        with zipped.open(CARD, "w") as member:
            for _ in range(100):
                member.write(b" " * (1 << 20))
    raw = lying_zip_sizes(buffer.getvalue(), CARD, 1000)
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=f"{CARD} holds more than the 1,000 bytes it declares"):
            load(raw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024**2, peak


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("calibration", [None, "sigmoid", "isotonic"])
def test_what_balancer_writes_is_what_it_trusts(model, calibration, mixed):
    """Check the exact list covers the files Balancer writes, model by model and calibration by
    calibration (tests above cover each kind of tactic), so that a new version of a library that
    moves a class shows up here, not as a user's refused file."""
    buffer = io.BytesIO()
    save(fit_final(mixed, "label", "SMOTE", model, calibration=calibration), buffer)
    assert nodes(buffer.getvalue()) <= shipping.MODEL_NODES


def test_nullable_columns_save_and_load(mixed):
    """Check a true/false column with gaps (pandas' boolean dtype, as the reader gives it) and a
    whole-number column with gaps: the model was saved, then refused by load (its levels are
    numpy.bool, which the list lacked), found by a review."""
    data = nullable(mixed)
    assert str(data["flag"].dtype) == "boolean" and data["flag"].isna().any()
    shipped = fit_final(data, "label", "SMOTE")
    rows = data.drop(columns="label")
    assert predict(_round_trip(shipped), rows).equals(predict(shipped, rows))


def test_a_model_that_could_not_be_loaded_back_is_not_saved(mixed, monkeypatch):
    """Check save refuses, naming why, a model holding an object the list lacks (a library
    upgrade, a new dtype) or larger than load reads (an ensemble of 1,000 forests with isotonic
    calibration has a schema of about 340 MB), instead of writing a file every predict refuses."""
    shipped = fit_final(mixed, "label", "none")
    monkeypatch.setattr(shipping, "MODEL_NODES", shipping.MODEL_NODES - {("numpy.ndarray", "NdArrayNode")})
    with pytest.raises(DataError, match=r"cannot be saved: Balancer could not load it back .*numpy\.ndarray"):
        save(shipped, io.BytesIO())
    monkeypatch.undo()
    monkeypatch.setattr(shipping, "MAX_SCHEMA", 1024)
    with pytest.raises(DataError, match=r"cannot be saved: .*schema.json unpacks to more than 0 MB"):
        save(shipped, io.BytesIO())


@pytest.mark.parametrize(("name", "expected"), [
    ("sklearn.tree._tree.Tree", True),
    ("imblearn.pipeline.Pipeline", True),
    ("balancer.prepare.Preparer", True),
    ("sklearn.metrics._classification.fbeta_score", False),  # threshold tuning's scorer: not in the file
    ("sklearn.datasets._openml.fetch_openml", False),
    ("sklearn.not_a_module.Thing", False),  # a module that is not imported is never imported
    ("sklearn.base.defaultdict", False),  # a standard-library class under a borrowed name
    ("sklearn.feature_selection._base.attrgetter", False),
    ("numpy.memmap", False),  # a real numpy class that writes files
    ("sklearn.preprocessing._function_transformer.FunctionTransformer", True),  # holding listed functions only
    ("numpy.f2py.__main__.main", False),
    ("builtins.eval", False),
    ("os.system", False),
    ("balancer.shipping.Shipped", False),
])
def test_trusted_types(name, expected):
    """Check the allow-list: the exact names Balancer's model files hold."""
    assert trusted(name) is expected


@pytest.mark.parametrize(("content", "match"), [
    (b"Class,x\nyes,1\n", "not a skops archive"),
    (b"PK\x03\x04 broken", "not a skops archive"),
])
def test_a_file_that_is_not_a_model_is_refused(content, match, tmp_path):
    """Check a CSV and a broken zip are clear DataErrors, as is a missing file."""
    path = tmp_path / "model.skops"
    path.write_bytes(content)
    with pytest.raises(DataError, match=match):
        load(path)
    with pytest.raises(DataError, match="no such model file"):
        load(tmp_path / "missing.skops")


def test_a_zip_or_skops_file_without_a_card_is_refused():
    """Check a zip that is no skops archive, and a skops archive with no model card."""
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as zipped:
        zipped.writestr("hello.txt", "hi")
    with pytest.raises(DataError, match="no schema.json"):
        load(plain.getvalue())
    with pytest.raises(DataError, match=f"it has no {CARD}"):
        load(_crafted({"format": shipping.FORMAT}, None))
    with pytest.raises(DataError, match="not a Balancer model card"):
        load(_crafted({"format": shipping.FORMAT}, {"format": "other"}))


# --------------------------------------------------------------------------------------------
# predict


@pytest.fixture(scope="module")
def shipped() -> shipping.Shipped:
    return fit_final(mixed_table(), "label", "SMOTE")


def test_predict_gives_the_columns_plus_prediction_and_probabilities(shipped):
    """Check the output: the input's columns, then predicted and a probability per class."""
    rows = mixed_table(n=50, minority=10, seed=5).drop(columns="label")
    out = predict(shipped, rows)
    assert list(out.columns) == [*rows.columns, "predicted", "probability_c0", "probability_c1"]
    assert out[list(rows.columns)].equals(rows)
    assert set(out["predicted"]) <= {"c0", "c1"}
    assert np.allclose(out["probability_c0"] + out["probability_c1"], 1)
    assert [n["code"] for n in out.attrs["notices"]] == ["decision"]  # SMOTE's model decides below 0.5


def test_missing_columns_are_named(shipped):
    """Check a table without columns the model needs is refused, naming them."""
    with pytest.raises(DataError, match="lacks columns the model needs: 'x_float', 'colour'"):
        predict(shipped, mixed_table(n=40, minority=10).drop(columns=["x_float", "colour"]))
    predict(shipped, mixed_table(n=40, minority=10).drop(columns=["row_id", "label"]))  # an unused column may go


def test_renamed_extra_and_new_values_are_notices(shipped):
    """Check a column in another spelling is used, an extra one ignored, an unseen category noticed."""
    rows = mixed_table(n=40, minority=10, seed=2).drop(columns="label").rename(columns={"x_int": " X_INT"})
    rows["note"] = "hello"
    rows.loc[3, "colour"] = "purple"
    out = predict(shipped, rows)
    codes = {n["code"]: n["message"] for n in out.attrs["notices"]}
    assert "' X_INT' as 'x_int'" in codes["renamed_columns"]
    assert "'note'" in codes["extra_columns"]
    assert "column 'colour': 1 row with values the model never saw (e.g. 'purple')" in codes["new_categories"]
    assert list(out.columns)[:len(rows.columns)] == list(rows.columns)


def test_text_in_a_numeric_column_is_named_with_an_example(shipped):
    """Check a text value in a numeric column is a DataError naming the column, row and value;
    numbers written as text are read as numbers."""
    rows = mixed_table(n=40, minority=10).drop(columns="label")
    rows["x_int"] = rows["x_int"].astype(str)
    as_text = predict(shipped, rows)
    assert as_text["predicted"].tolist() == predict(shipped, mixed_table(n=40, minority=10).drop(columns="label"))[
        "predicted"].tolist()
    rows.loc[4, "x_int"] = "forty"
    with pytest.raises(DataError, match=r"column 'x_int' holds numbers for the model, but row 5 has 'forty'"):
        predict(shipped, rows)
    with pytest.raises(DataError, match="no rows"):
        predict(shipped, rows.iloc[:0])
    # a decimal-comma file whose column the reader left as text for a stray word: the stray word
    # is named, not a valid '12,00' (the message blamed row 1's '12,00', "326 such values")
    from balancer.tables import read_table

    frame = mixed_table(n=40, minority=10).drop(columns="label")
    text = frame.to_csv(index=False, sep=";", decimal=",").replace(";", ";", 1)
    lines = text.splitlines()
    at = lines[0].split(";").index("x_float")
    broken = lines[6].split(";")
    broken[at] = "n/a?"
    lines[6] = ";".join(broken)
    table = read_table(("\n".join(lines) + "\n").encode(), name="new.csv")
    assert table.attrs["format"]["decimal"] == "," and table["x_float"].dtype != "float64"
    with pytest.raises(DataError, match=r"column 'x_float' holds numbers for the model, but row 6 has 'n/a\?' "
                                        r"\(1 such value\)"):
        predict(shipped, table)


def _table(rows: list[str]) -> pd.DataFrame:
    from balancer.tables import read_table

    return read_table(("\n".join(rows) + "\n").encode(), name="t.csv")


def test_values_are_compared_as_the_training_table_had_them():
    """Check a prediction table whose reader typed a feature otherwise than training's did gets
    the same predictions for the same values (a review found every row 'never seen' and
    probabilities moved by 0.16): codes 007/012 that this file has without letters (read as
    numbers), a true/false column with one stray word (read as text, 'True'); only the stray
    value is noticed."""
    rng = np.random.default_rng(4)
    n = 300
    code = rng.choice(["007", "012", "031", "A10"], n)
    flag = rng.random(n) < 0.4
    label = np.where((code == "007") ^ flag ^ (rng.random(n) < 0.1), "yes", "no")
    header = "x,code,flag,label"
    lines = [f"{rng.normal():.3f},{c},{f},{y}" for c, f, y in zip(code, flag, label)]
    training = _table([header, *lines])
    assert training["flag"].dtype == bool
    shipped = fit_final(training, "label", "class_weight")
    kinds = {c["name"]: (c["dtype"], c["role"]) for c in shipped.card["columns"]}
    assert kinds["code"][1] == kinds["flag"][1] == "categorical"
    same = [line for line in lines if ",A10," not in line][:40]
    expected = predict(shipped, training.iloc[[i for i, line in enumerate(lines) if line in same]].drop(columns="label"))
    other = _table([header, *same[:-1], same[-1].replace(",True,", ",maybe,").replace(",False,", ",maybe,")])
    assert other["code"].dtype.kind == "i" and pd.api.types.is_string_dtype(other["flag"])
    out = predict(shipped, other.drop(columns="label"))
    probability = out["probability_yes"].to_numpy()
    assert probability[:-1] == pytest.approx(expected["probability_yes"].to_numpy()[:-1], abs=1e-12)
    new = [n["message"] for n in out.attrs["notices"] if n["code"] == "new_categories"]
    assert new == ["column 'flag': 1 row with values the model never saw (e.g. 'maybe'), treated as unseen: "
                   "encoded like the model's rarest values, or like its most frequent one when it kept every value"]


def test_true_false_is_matched_however_training_spelled_it():
    """Check the mirror case (from a review of the fix above): training's true/false column had a
    stray word, so it is text ('True'), and the new table's is clean, so it is read as booleans;
    every row counted as unseen (probabilities moved by up to 0.83)."""
    rng = np.random.default_rng(1)
    flag, x = rng.random(300) < 0.4, rng.normal(size=300)
    label = np.where(flag ^ (rng.random(300) < 0.05), "yes", "no")
    cells = [str(f) for f in flag]
    cells[0] = "maybe"
    training = _table(["x,flag,label"] + [f"{a:.3f},{f},{y}" for a, f, y in zip(x, cells, label)])
    shipped = fit_final(training, "label", "class_weight")
    clean = _table(["x,flag"] + [f"{a:.3f},{f}" for a, f in zip(x[1:41], flag[1:41])])
    assert clean["flag"].dtype == bool
    out = predict(shipped, clean)
    assert "new_categories" not in {n["code"] for n in out.attrs["notices"]}
    expected = predict(shipped, training.iloc[1:41].drop(columns="label"))
    assert out["probability_yes"].to_numpy() == pytest.approx(expected["probability_yes"].to_numpy(), abs=1e-12)


def test_how_the_table_was_read_and_empty_columns_are_noticed(shipped):
    """Check predict passes on the reader's notices (a file read as Windows-1252 said nothing) and
    names a feature column that is empty in the whole table (each row got the training median)."""
    rows = mixed_table(n=40, minority=10, seed=2).drop(columns="label")
    rows["x_float"] = np.nan
    rows.attrs["notices"] = [{"code": "encoding", "message": "t.csv is not UTF-8; it was read as cp1252."}]
    codes = {n["code"]: n["message"] for n in predict(shipped, rows).attrs["notices"]}
    assert codes["encoding"] == "t.csv is not UTF-8; it was read as cp1252."
    assert codes["empty_columns"].startswith("columns the model uses are empty in this table: 'x_float'")


def test_a_decision_that_is_not_at_one_half_is_said(mixed):
    """Check a row predicted 'c1' at probability_c1 0.11 is explained, with the cut-off the
    decision really uses (a review read the file as labels contradicting their probabilities):
    SMOTE's model decides, the probabilities are corrected to the true class rates; the threshold
    tactic's tuned cut-off; nothing to say when the decision is the most probable class."""
    rows = mixed.drop(columns="label")
    for method, calibration in (("SMOTE", None), ("threshold", "none")):
        out = predict(fit_final(mixed, "label", method, calibration=calibration), rows)
        message = next(n["message"] for n in out.attrs["notices"] if n["code"] == "decision")
        cut = float(message.split("from probability_c1 ")[1].split(" up")[0])
        chosen = out["predicted"] == "c1"
        assert 0 < cut < 0.5 and chosen.any()
        assert (out.loc[chosen, "probability_c1"] >= cut).all()  # the sentence is true of every row
        assert (out.loc[~chosen, "probability_c1"] < cut).all()
    plain = predict(fit_final(mixed, "label", "none", calibration="none"), rows)
    assert "decision" not in {n["code"] for n in plain.attrs["notices"]}


def test_save_to_an_unwritable_place_is_a_data_error(shipped, tmp_path):
    """Check a path that cannot be written gives a DataError."""
    with pytest.raises(DataError, match="cannot write"):
        save(shipped, tmp_path / "no" / "such" / "model.skops")


# --------------------------------------------------------------------------------------------
# the command line


def test_cli_model_out_then_predict(tmp_path, capsys):
    """Check evaluate --model-out writes a model that 'balancer predict' uses, in text and JSON."""
    data = csv_of(tmp_path / "t.csv", mixed_table())
    model, out = tmp_path / "m.skops", tmp_path / "p.csv"
    code, stdout, err = run_cli(capsys, "evaluate", data, "--target", "label", "--method", "RandomUnderSampler",
                                "--folds", "3", "--costs", '{"fn": 10, "fp": 1}', "--model-out", model, "--json")
    assert code == 0, err
    assert json.loads(stdout)["model_out"] == str(model) and model.exists()
    code, stdout, err = run_cli(capsys, "predict", model, data, "--out", out, "--json")
    assert code == 0, err
    payload = json.loads(stdout)
    assert payload["rows"] == 240 and payload["threshold"] == pytest.approx(1 / 11)
    written = pd.read_csv(out)
    assert {"predicted", "probability_c0", "probability_c1"} <= set(written.columns)
    code, stdout, err = run_cli(capsys, "predict", model, data, "--out", tmp_path / "q.csv")
    assert code == 0 and "predicted 240 rows" in stdout


@pytest.mark.parametrize(("make", "match"), [
    ("missing_column", "lacks column the model needs: 'x_float'"),
    ("not_a_model", "not a skops archive"),
    ("text_in_numbers", "column 'x_int' holds numbers"),
])
def test_cli_predict_bad_input_exits_2_with_one_line(make, match, tmp_path, capsys):
    """Check bad input to 'balancer predict' exits 2 with one line naming the problem."""
    data = mixed_table(n=60)
    model = tmp_path / "m.skops"
    save(fit_final(data, "label", "none"), model)
    if make == "missing_column":
        data = data.drop(columns="x_float")
    elif make == "not_a_model":
        model.write_bytes(b"just text")
    else:
        data["x_int"] = data["x_int"].astype(str)
        data.loc[2, "x_int"] = "n/a?"
    code, _, err = run_cli(capsys, "predict", model, csv_of(tmp_path / "d.csv", data), "--out", tmp_path / "o.csv")
    assert code == 2 and match in err and err.count("\n") == 1, err
    code, _, err = run_cli(capsys, "predict", model, tmp_path / "d.csv")
    assert code == 2 and "--out" in err
