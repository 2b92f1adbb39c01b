"""Synthetic rows are true to the input: missing cells, constants, decimals and dtypes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from balancer import tables
from balancer.resample import resample
from tests.conftest import DATA


def clinical(n: int = 3_000, minority: float = 0.05, seed: int = 0) -> pd.DataFrame:
    """A table shaped like a clinical export: a lab value missing in 90% of minority rows and 10%
    of majority rows, a category with gaps, a two-decimal amount, a constant, an identifier."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < minority).astype(int)
    lab = np.round(rng.normal(5 + y, 1, n), 1)
    lab_missing = rng.random(n) < np.where(y == 1, 0.9, 0.1)
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    colour[rng.random(n) < np.where(y == 1, 0.6, 0.05)] = None
    return pd.DataFrame({
        "id": [f"P{i:05d}" for i in range(n)],
        "lab": pd.Series(np.where(lab_missing, np.nan, lab)),
        "amount": np.round(rng.gamma(2, 20, n) + 10 * y, 2),
        "age": rng.integers(20, 90, n),
        "colour": pd.Series(colour, dtype="str"),
        "zero": np.zeros(n, dtype="int64"),
        "label": np.where(y == 1, "yes", "no"),
    })


def shares(result, data: pd.DataFrame, column: str, label: str) -> tuple[float, float]:
    """The share of missing cells among the class's original rows and among its synthetic rows."""
    out = result.data
    made = result.synthetic & (out["label"] == label).to_numpy()
    return float(data.loc[data["label"] == label, column].isna().mean()), float(out.loc[made, column].isna().mean())


@pytest.mark.parametrize("method", ["SMOTE", "BorderlineSMOTE", "ADASYN", "SMOTENC"])
def test_synthetic_rows_keep_the_missing_share_of_their_class(method):
    data = clinical()
    if method == "SMOTENC":
        data = data.drop(columns="colour").assign(colour=clinical()["colour"])
    result = resample(data, "label", method, seed=1)
    assert result.synthetic_rows > 1_000
    original, synthetic = shares(result, data, "lab", "yes")
    assert 0.85 <= synthetic <= 0.95, (original, synthetic)
    if method in ("SMOTE", "SMOTENC"):  # the others draw from chosen rows (danger, hard), not all
        original, synthetic = shares(result, data, "colour", "yes")
        # a synthetic row takes the gaps of its nearer parent, the sampled row or its neighbour;
        # neighbours come a little more often from dense regions, so allow for that
        assert abs(synthetic - original) < 0.08, (original, synthetic)


def test_no_imputed_value_shows_up_as_a_spike():
    data = clinical()
    result = resample(data, "label", "SMOTENC", seed=2)
    out = result.data
    made = out[result.synthetic]
    minority = data[data["label"] == "yes"]
    noise = 3 / np.sqrt(len(minority))
    for column in ("lab", "amount", "colour"):
        original = minority[column].value_counts(normalize=True, dropna=False)
        synthetic = made[column].value_counts(normalize=True, dropna=False)
        for value, share in synthetic.items():
            if pd.isna(value):
                continue
            assert share <= original.get(value, 0) + noise, (column, value, share, original.get(value, 0))


def test_smoten_keeps_missing_categories():
    rng = np.random.default_rng(3)
    n = 2_000
    y = rng.random(n) < 0.08
    a = rng.choice(list("abc"), n).astype(object)
    a[rng.random(n) < np.where(y, 0.7, 0.1)] = None
    data = pd.DataFrame({"a": pd.Series(a, dtype="str"), "b": rng.choice(list("xyz"), n),
                         "label": np.where(y, "yes", "no")})
    result = resample(data, "label", "SMOTEN", seed=0)
    original, synthetic = shares(result, data, "a", "yes")
    assert abs(synthetic - original) < 0.06, (original, synthetic)


def test_constants_identifiers_decimals_and_dtypes():
    data = clinical()
    result = resample(data, "label", "SMOTE", seed=0)
    out, made = result.data, result.data[result.synthetic]
    assert (out.dtypes == data.dtypes).all()
    assert (made["zero"] == 0).all() and out["zero"].dtype == "int64"
    assert made["id"].isna().all()
    assert any("id (an identifier" in n for n in result.notices)
    assert not any("zero" in n for n in result.notices)
    # two decimals in, two decimals out; one decimal in, one out; whole numbers stay whole
    assert np.allclose(made["amount"], made["amount"].round(2), rtol=0, atol=1e-9)
    assert np.allclose(made["lab"].dropna(), made["lab"].dropna().round(1), rtol=0, atol=1e-9)
    text = tables.write_csv(result.data).decode()
    assert not any(len(cell.split(".")[-1]) > 2 for line in text.splitlines()[1:] for cell in line.split(",")[2:3]
                   if "." in cell)


def test_a_constant_with_gaps_keeps_its_gaps():
    data = clinical()
    data["zero"] = data["zero"].astype("Int64")
    data.loc[data["label"] == "yes", "zero"] = data.loc[data["label"] == "yes", "zero"].mask(
        np.arange((data["label"] == "yes").sum()) % 2 == 0)
    result = resample(data, "label", "SMOTE", seed=0)
    made = result.data[result.synthetic]["zero"]
    assert 0.35 < made.isna().mean() < 0.65
    assert (made.dropna() == 0).all()


def test_hepatitis_keeps_its_missing_values():
    data = tables.read_table(DATA / "hepatitis.csv")
    result = resample(data, "class", "SMOTE", seed=0)
    original, synthetic = shares_for(result, data, "protime")
    assert abs(synthetic - original) < 0.15, (original, synthetic)
    assert (result.data.dtypes == data.dtypes).all()


def shares_for(result, data: pd.DataFrame, column: str) -> tuple[float, float]:
    out = result.data
    label = min(data["class"].value_counts().items(), key=lambda kv: kv[1])[0]
    made = result.synthetic & (out["class"] == label).to_numpy()
    return float(data.loc[data["class"] == label, column].isna().mean()), float(out.loc[made, column].isna().mean())


@pytest.mark.parametrize("method, share, words", [
    ("RandomUnderSampler", None, "rows ("),
    ("SMOTE", None, "synthetic rows were made from"),
])
def test_warnings_about_results_that_mislead(method, share, words):
    rng = np.random.default_rng(0)
    n = 5_000
    y = np.where(np.arange(n) < 60, "yes", "no")
    data = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n), "label": y})
    result = resample(data, "label", method, seed=0)
    assert sum(words in notice for notice in result.notices) == 1, result.notices


def test_no_warning_for_a_gentle_result():
    data = clinical(minority=0.3)
    result = resample(data, "label", "SMOTE", seed=0)
    assert not any(") are kept" in n or "synthetic rows were made from" in n for n in result.notices)
