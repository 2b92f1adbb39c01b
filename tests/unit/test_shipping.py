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
    with pytest.raises(DataError, match=r"does not trust.*tests\.unit\.test_shipping\.Sneaky"):
        load(raw)


@pytest.mark.parametrize(("name", "expected"), [
    ("sklearn.tree._tree.Tree", True),
    ("imblearn.pipeline.Pipeline", True),
    ("balancer.prepare.Preparer", True),
    ("sklearn.metrics._classification.fbeta_score", True),
    ("sklearn.datasets._openml.fetch_openml", False),  # a function, not listed
    ("sklearn.not_a_module.Thing", False),  # a module that is not imported is never imported
    ("numpy.f2py.__main__.main", False),
    ("builtins.eval", False),
    ("os.system", False),
    ("balancer.shipping.Shipped", False),
])
def test_trusted_types(name, expected):
    """Check the allow-list: classes of scikit-learn, imbalanced-learn and numpy, Balancer's own by name."""
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
    assert out.attrs["notices"] == []


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
