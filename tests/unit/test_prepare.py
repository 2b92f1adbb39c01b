"""Column roles and the Preparer: the table to a float matrix and back, fitted on training rows only."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from balancer.prepare import Preparer, Roles, cast_like, column_roles
from tests.conftest import mixed_table


@pytest.fixture
def table() -> pd.DataFrame:
    data = mixed_table()
    data["const"] = 1
    data["empty"] = np.nan
    data["when"] = pd.date_range("2020-01-01", periods=len(data))
    return data


def test_column_roles_keep_features_and_say_why_others_are_left_out(table):
    """Check numbers, integers and categories are found, and identifiers, constants, empty and date
    columns are excluded with their reason."""
    roles = column_roles(table, "label")
    assert roles.numeric == ("x_float", "x_int") and roles.integer == ("x_int",)
    assert roles.categorical == ("colour", "flag")
    assert roles.excluded == {"row_id": "identifier", "const": "constant", "empty": "empty", "when": "datetime"}
    assert roles.features == ("x_float", "x_int", "colour", "flag")


def test_onehot_matrix_is_standardised_and_one_category_apart_is_distance_one(table):
    """Check numbers are imputed with the median and standardised, categories one-hot at 1/sqrt(2),
    a missing category being a level of its own."""
    preparer = Preparer(column_roles(table, "label")).fit(table)
    matrix = preparer.transform(table)
    assert table["colour"].isna().any() and preparer.missing_level_ == [True, False]
    assert matrix.shape == (len(table), 2 + 4 + 2) and matrix.dtype == np.float64
    assert np.allclose(matrix[:, :2].mean(axis=0), 0) and np.allclose(matrix[:, :2].std(axis=0), 1)
    missing = table["x_float"].isna().to_numpy()
    median = np.nanmedian(table["x_float"])
    mean, std = preparer.numeric_stats_[0][1], preparer.numeric_stats_[0][2]
    assert np.allclose(matrix[missing, 0], (median - mean) / std)
    assert set(np.unique(matrix[:, 2:])) == {0.0, 1 / math.sqrt(2)}
    assert np.allclose(matrix[:, 2:6].sum(axis=1), 1 / math.sqrt(2))  # one level per row
    assert np.array_equal(matrix[:, 5] > 0, table["colour"].isna().to_numpy())  # missing: the last
    one = table.iloc[[0]].copy()
    other = one.copy()
    other["colour"] = next(c for c in ("red", "green", "blue") if c != one["colour"].iloc[0])
    assert np.linalg.norm(preparer.transform(one) - preparer.transform(other)) == pytest.approx(1.0)


def test_statistics_come_from_the_fitted_rows_only(table):
    """Check transforming other rows uses the fitted means, spreads and levels (no leakage)."""
    train, test = table.iloc[:120], table.iloc[120:].copy()
    preparer = Preparer(column_roles(table, "label")).fit(train)
    test["x_int"] = test["x_int"] + 1000
    test["colour"] = "purple"  # a level never seen while fitting: the mode's code
    matrix = preparer.transform(test)
    assert matrix[:, 1].min() > 10  # far above the training rows' mean
    assert np.allclose(matrix[:, 2], 1 / math.sqrt(2)) and not matrix[:, 3:5].any()
    assert preparer.levels_[0][0][0] == train["colour"].value_counts().index[0]


def test_ordinal_codes_sit_at_the_categorical_indices(table):
    """Check categories='ordinal' gives one integer-code column per category, where SMOTENC looks."""
    preparer = Preparer(column_roles(table, "label"), categories="ordinal").fit(table)
    matrix = preparer.transform(table)
    assert matrix.shape == (len(table), 4) and preparer.categorical_indices == [2, 3]
    codes = matrix[:, 2]
    assert set(np.unique(codes)) == {0.0, 1.0, 2.0, 3.0}  # 3: the missing level
    assert np.array_equal(codes == 3, table["colour"].isna().to_numpy())
    kept = preparer.levels_[0][0]
    present = table["colour"].notna().to_numpy()
    assert [kept[int(c)] for c in codes[present]] == table["colour"][present].tolist()


def test_rare_levels_share_a_code_and_decode_to_the_most_frequent_rare_level():
    """Check levels past max_levels share one code, decoded to the most frequent of them."""
    data = pd.DataFrame({"c": ["a"] * 5 + ["b"] * 4 + ["c"] * 3 + ["d"] * 2, "y": ["n"] * 14})
    roles = Roles("y", (), (), ("c",), {})
    preparer = Preparer(roles, max_levels=3).fit(data)
    assert preparer.levels_ == [(["a", "b"], "c")] and preparer.widths_ == [3]
    back = preparer.inverse(preparer.transform(data), data)
    assert back["c"].tolist() == ["a"] * 5 + ["b"] * 4 + ["c"] * 5


def test_inverse_gives_the_table_back_with_its_dtypes(table):
    """Check matrix -> table: values round-trip, integers stay whole, other columns are missing."""
    roles = column_roles(table, "label")
    preparer = Preparer(roles).fit(table)
    back = preparer.inverse(preparer.transform(table), table)
    assert list(back.columns) == list(table.columns)
    present = table["x_float"].notna()
    assert np.allclose(back["x_float"][present], table["x_float"][present])
    assert back["x_int"].dtype == np.int64 and back["x_int"].tolist() == table["x_int"].tolist()
    assert back["flag"].dtype == bool and back["flag"].tolist() == table["flag"].tolist()
    assert back["row_id"].isna().all() and back["label"].isna().all()


def test_inverse_clips_to_the_fitted_range_and_rounds_integers(table):
    """Check synthetic values are clipped to the range seen and integers rounded."""
    roles = column_roles(table, "label")
    preparer = Preparer(roles).fit(table)
    matrix = preparer.transform(table.iloc[:3])
    matrix[0, :2] = 1e6
    matrix[1, :2] = -1e6
    _, mean, std, _, _ = preparer.numeric_stats_[1]
    matrix[2, 1] = (10.4 - mean) / std
    back = preparer.inverse(matrix, table)
    assert back["x_float"].iloc[0] == table["x_float"].max() and back["x_float"].iloc[1] == table["x_float"].min()
    assert back["x_int"].tolist()[:2] == [table["x_int"].max(), table["x_int"].min()]
    assert back["x_int"].iloc[2] == 10


def test_preparer_refuses_arrays_and_use_before_fit(table):
    """Check a bare array is refused with a TypeError, and transform before fit says it is not fitted."""
    preparer = Preparer(column_roles(table, "label"))
    with pytest.raises(NotFittedError):
        preparer.transform(table)
    with pytest.raises(TypeError, match="Preparer takes a pandas DataFrame"):
        preparer.fit(table[["x_float", "x_int"]].to_numpy())


@pytest.mark.parametrize(("like", "values", "dtype"), [
    (pd.Series([1, 2], dtype="int64"), None, "Int64"),
    (pd.Series([True, False]), None, "boolean"),
    (pd.Series([1.5, 2.5]), None, "float64"),
    (pd.Series([1, 2], dtype="int64"), np.array([3.0, 4.0]), "int64"),
    (pd.Series(["x", "y"], dtype="category"), np.array(["y", "x"], dtype=object), "category"),
])
def test_cast_like_keeps_the_dtype_and_only_widens_it_for_missing_values(like, values, dtype):
    """Check cast_like gives the template's dtype, nullable only when it must hold missing values."""
    out = cast_like(values, like, 2)
    assert str(out.dtype) == dtype
    if values is None:
        assert out.isna().all()
    else:
        assert out.tolist() == list(values)
