"""Profiling: kinds, target candidates, class counts and warnings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from balancer import profile
from balancer.errors import TargetError
from balancer.samples import SAMPLES, load_sample


def codes(result):
    return {(w.code, w.column) for w in result.warnings}


def test_kinds_counts_and_ratio(mixed):
    """Check column kinds, missing counts, the chosen target and the imbalance ratio."""
    result = profile(mixed)
    kinds = result.kinds
    assert kinds == {"row_id": "identifier", "x_float": "numeric", "x_int": "integer",
                     "colour": "categorical", "flag": "boolean", "label": "categorical"}
    assert result.target == "label"
    assert result.classes == {"c0": 210, "c1": 30}
    assert result.imbalance_ratio == pytest.approx(7.0)
    assert ("identifier", "row_id") in codes(result)
    missing = {c.name: c.missing for c in result.columns}
    assert missing["x_float"] == mixed["x_float"].isna().sum() > 0


def test_warnings_for_problem_columns():
    """Check constant, empty, leak, small class, high cardinality and missing-target warnings."""
    rng = np.random.default_rng(0)
    n = 400
    y = np.where(rng.random(n) < 0.1, "yes", "no")
    frame = pd.DataFrame({
        "const": 1,
        "empty": np.nan,
        "town": [f"t{i % 120}" for i in range(n)],
        "x": rng.normal(size=n),
        "target": y,
    })
    frame.loc[:2, "target"] = None
    frame.loc[5:7, "target"] = "rare"
    frame["leak"] = frame["target"].map({"yes": "Y", "no": "N", "rare": "R"})
    found = codes(profile(frame, "target"))
    assert ("constant", "const") in found
    assert ("all_missing", "empty") in found
    assert ("leak", "leak") in found
    assert ("high_cardinality", "town") in found
    assert ("small_class", "target") in found
    assert ("missing_target", "target") in found
    assert not any(code == "leak" and column == "x" for code, column in found)


@pytest.mark.parametrize(
    ("values", "code"),
    [
        (np.random.default_rng(0).normal(size=200), "continuous_target"),
        ([f"k{i % 120}" for i in range(1000)], "too_many_classes"),
        (["a"] * 50, "one_class"),
    ],
)
def test_unusable_targets_warn(values, code):
    """Check that a target that cannot be balanced gives a warning in the profile."""
    frame = pd.DataFrame({"t": values, "x": np.arange(len(values)) % 7})
    assert code in {w.code for w in profile(frame, "t").warnings}


def test_unknown_target_raises_with_suggestion(mixed):
    """Check that an unknown target column names the closest one."""
    with pytest.raises(TargetError, match="Did you mean 'label'"):
        profile(mixed, "lable")


@pytest.mark.parametrize("name", list(SAMPLES))
def test_samples_pick_their_target(name):
    """Check that each bundled sample profiles with its intended target on top."""
    result = profile(load_sample(name))
    assert result.target == SAMPLES[name].target
    assert result.imbalance_ratio and result.imbalance_ratio > 1.5


def test_a_sample_has_categorical_columns():
    """Check that at least one sample exercises categorical columns."""
    assert "categorical" in profile(load_sample("customer_churn")).kinds.values()


def test_to_dict_has_contract_keys(mixed):
    """Check the JSON keys of the command-line contract."""
    out = profile(mixed).to_dict()
    assert set(out) == {"rows", "columns", "target", "target_candidates", "classes",
                        "imbalance_ratio", "warnings", "missing", "duplicates", "format"}
    assert set(out["columns"][0]) >= {"name", "kind", "missing"}
    assert all(isinstance(k, str) for k in out["classes"])


def test_duplicates_and_conflicting_labels_are_counted():
    """Check exact copies and equal rows with different labels are counted (identifiers aside),
    and each is said once."""
    rows = [{"id": f"r{i}", "a": i % 7, "b": "x" if i % 2 else "y", "y": "p" if i < 3 else "n"} for i in range(40)]
    data = pd.DataFrame(rows)
    data = pd.concat([data, data.iloc[[10, 11, 12]].assign(id=["c1", "c2", "c3"])], ignore_index=True)
    data.loc[len(data)] = {"id": "c4", "a": 0, "b": "y", "y": "p"}  # same as row 0 (a=0, b=y), label p
    found = profile(data, "y")
    assert found.duplicates.conflicting_groups >= 1
    exact = data.drop(columns="id").duplicated().sum()
    assert found.duplicates.rows == exact
    groups = data.drop(columns="id").groupby(["a", "b"])["y"].nunique()
    assert found.duplicates.conflicting_groups == int((groups > 1).sum())
    codes = [w.code for w in found.warnings]
    assert codes.count("duplicate_rows") == 1 and codes.count("conflicting_labels") == 1
    assert found.to_dict()["duplicates"]["rows"] == exact


def test_missing_values_are_one_finding_and_a_table_per_class():
    data = pd.DataFrame({"a": [1.0, None, 3.0, None, 5.0, 6.0], "b": ["x", None, "y", "x", "y", "x"],
                         "c": [1, 2, 3, 4, 5, 6], "y": ["p", "p", "n", "n", "n", "n"]})
    found = profile(data, "y")
    assert [w.code for w in found.warnings].count("missing_values") == 1
    assert [m.column for m in found.missing] == ["a", "b"]
    a = found.missing[0]
    assert a.missing == 2 and a.share == pytest.approx(2 / 6)
    assert a.by_class == {"p": 0.5, "n": 0.25}
    assert found.to_dict()["missing"][0]["by_class"] == {"p": 0.5, "n": 0.25}


def test_repeated_column_names_are_a_clear_error():
    """Check a DataFrame with two columns of one name (the readers rename them; the library may be
    given one) gets a DataError naming it from profile, resample, evaluate and compare, not an
    AttributeError from deep inside."""
    import balancer
    from balancer.errors import DataError

    frame = pd.DataFrame([[1, 2, "x"], [3, 4, "y"], [5, 6, "x"], [7, 8, "x"]] * 10, columns=["a", "a", "label"])
    for call in (lambda: balancer.profile(frame), lambda: balancer.profile(frame, "label"),
                 lambda: balancer.resample(frame, "label", "RandomOverSampler"),
                 lambda: balancer.evaluate(frame, "label", "none", folds=2),
                 lambda: balancer.compare(frame, "label", ["none"], folds=2, repeats=1)):
        with pytest.raises(DataError, match="repeated: 'a'"):
            call()


def _codes_file(padded: bool) -> bytes:
    """A bank export: unique customer numbers, postcodes that repeat, month numbers, an amount."""
    rng = np.random.default_rng(3)
    customers = rng.permutation(np.arange(1, 9000))[:300]
    postcodes = rng.choice([1067, 4109, 8523, 9111, 1307, 6108], 300)
    width = 5 if padded else 0
    lines = ["kunde,plz,monat,betrag,klasse"] + [
        f"{c:0{width}d},{p:0{width}d},{m:0{2 if padded else 0}d},{a:.2f},{'ja' if k else 'nein'}"
        for c, p, m, a, k in zip(customers, postcodes, rng.integers(1, 13, 300), rng.normal(100, 20, 300),
                                 rng.random(300) < 0.1)]
    return ("\n".join(lines) + "\n").encode()


def test_zero_padded_numbers_are_numbers_unless_named_as_codes():
    """Check zero padding alone does not decide a column's kind (a fixed-width export pads every
    amount, and a padded amount taken for an identifier left the models: ROC AUC 1.0 -> 0.49,
    silently): a customer number is an identifier by its name (kunde, customer_no, ...), like an
    unpadded one; postcodes and months stay whole numbers; a padded column with a different value
    in every row and no such name gets a finding that says what to do."""
    from balancer.tables import read_table

    padded = read_table(_codes_file(True), name="bank.csv")
    assert pd.api.types.is_integer_dtype(padded["kunde"].dtype)
    result = profile(padded, "klasse")
    kinds = result.kinds
    assert (kinds["kunde"], kinds["plz"], kinds["monat"], kinds["betrag"]) == (
        "identifier", "integer", "integer", "numeric")
    plain = profile(read_table(_codes_file(False), name="bank.csv"), "klasse").kinds
    assert (plain["kunde"], plain["plz"], plain["monat"]) == ("identifier", "integer", "integer")
    renamed = read_table(_codes_file(True).replace(b"kunde,", b"amount,", 1), name="fixed.csv")
    found = profile(renamed, "klasse")
    assert found.kinds["amount"] == "integer"
    assert ("padded_number", "amount") in codes(found)
    assert "padded_number" not in {code for code, _ in codes(result)}
    for name in ("customer_no", "order_no", "KundenNr", "account_number", "Kundennummer", "client", "CustomerId",
                 "custno", "zip_code"):
        assert profile(renamed.rename(columns={"amount": name}), "klasse").kinds[name] == "identifier", name
    # a name that only contains such a word says nothing (these left the models: ROC AUC 1.0 -> 0.53)
    for name in ("amount", "no_of_items_sold", "paid", "casino", "account_balance", "number_of_days", "row_total",
                 "key_length", "customer_age", "kunde_umsatz", "record_count"):
        assert profile(renamed.rename(columns={"amount": name}), "klasse").kinds[name] == "integer", name


def test_synthetic_rows_get_no_made_up_customer_number():
    """Check SMOTE on the padded export leaves synthetic rows' customer number empty, and writes
    postcodes and months padded as the input wrote them."""
    import io

    from balancer import resample
    from balancer.tables import Dialect, read_table, write_csv

    source = read_table(_codes_file(True), name="bank.csv")
    result = resample(source, "klasse", "SMOTE", seed=0)
    made = result.data[result.synthetic]
    assert len(made) > 100 and made["kunde"].isna().all()
    written = pd.read_csv(io.BytesIO(write_csv(result.data, dialect=Dialect.of(source))), dtype=str)
    assert written["plz"].str.fullmatch(r"\d{5}").all() and written["monat"].str.fullmatch(r"\d{2}").all()
    assert written["kunde"][~result.synthetic].str.fullmatch(r"\d{5}").all()
