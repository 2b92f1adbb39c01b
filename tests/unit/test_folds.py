"""The folds: stratified, repeated, and copies of a row always in the same fold."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit

from balancer import evaluate, learning_curve, resample
from balancer.errors import ParameterError, TargetError
from balancer.evaluate import (
    MARKER,
    count_copies,
    distinct_per_class,
    duplicate_groups,
    marker_column,
    matrix_groups,
    repeat_seed,
    splits,
)
from balancer.samples import load_sample
from tests.conftest import DATA, mixed_table

evaluation_module = importlib.import_module("balancer.evaluate")  # the module, not the function


def _labels(n: int = 200, minority: int = 30, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = np.zeros(n, dtype="int64")
    y[rng.choice(n, minority, replace=False)] = 1
    return y


def _check_partitions(the_splits, n: int, folds: int, repeats: int) -> None:
    """Each repeat's held-out folds cover every row once; training and held-out rows never meet."""
    assert len(the_splits) == folds * repeats
    for r in range(repeats):
        held = np.concatenate([test for _, test in the_splits[r * folds:(r + 1) * folds]])
        assert np.array_equal(np.sort(held), np.arange(n))
    for train, test in the_splits:
        assert not np.intersect1d(train, test).size and len(train) + len(test) == n


def test_without_copies_the_splits_are_stratified_k_fold():
    """Check the first repeat is exactly StratifiedKFold(shuffle=True, random_state=seed), as before
    groups existed, and every repeat is a stratified partition with its own shuffle."""
    y = _labels()
    got = splits(y, None, 5, 3, seed=11)
    _check_partitions(got, len(y), 5, 3)
    expected = StratifiedKFold(n_splits=5, shuffle=True, random_state=11).split(np.zeros(len(y)), y)
    for (train, test), (e_train, e_test) in zip(got[:5], expected):
        assert np.array_equal(train, e_train) and np.array_equal(test, e_test)
    assert not np.array_equal(got[0][1], got[5][1])  # a new shuffle in the next repeat
    for _, test in got:
        assert np.sum(y[test] == 1) in (6,)  # 30 minority rows over 5 folds
    assert splits(y, np.arange(len(y)), 5, 3, seed=11)[7][1].tolist() == got[7][1].tolist()  # all distinct
    assert repeat_seed(11, 0) == 11 and repeat_seed(11, 1) != repeat_seed(12, 0)


def test_holdout_without_copies_is_stratified_shuffle_split():
    """Check a hold-out is StratifiedShuffleSplit's split, one per repeat."""
    y = _labels()
    got = splits(y, None, 2, 2, seed=4, holdout=0.25)
    expected = list(StratifiedShuffleSplit(n_splits=2, test_size=0.25, random_state=4).split(np.zeros(len(y)), y))
    assert [t.tolist() for _, t in got] == [t.tolist() for _, t in expected]


@pytest.mark.parametrize("repeats", [1, 3])
def test_copies_stay_on_one_side_of_every_split(repeats):
    """Check rows of one group are never split between training and held-out rows, every row is
    held out once per repeat, and each fold still holds its share of the minority."""
    rng = np.random.default_rng(5)
    base = _labels(150, 25, seed=5)
    copies = rng.integers(1, 5, len(base))  # every row 1 to 4 times
    groups = np.repeat(np.arange(len(base)), copies)
    y = np.repeat(base, copies)
    order = rng.permutation(len(y))
    y, groups = y[order], groups[order]
    got = splits(y, groups, 5, repeats, seed=2)
    _check_partitions(got, len(y), 5, repeats)
    for train, test in got:
        assert not np.intersect1d(groups[train], groups[test]).size
        assert abs(np.sum(y[test] == 1) - np.sum(y == 1) / 5) <= 4  # within one group's size
    assert [t.tolist() for _, t in got] == [t.tolist() for _, t in splits(y, groups, 5, repeats, seed=2)]
    assert [t.tolist() for _, t in got] != [t.tolist() for _, t in splits(y, groups, 5, repeats, seed=3)]


def test_grouped_holdout_keeps_copies_together_and_holds_out_about_the_share():
    """Check a hold-out with copies takes whole groups, about the share of every class."""
    y = np.repeat(_labels(120, 20, seed=1), 2)
    groups = np.repeat(np.arange(120), 2)
    [(train, test)] = splits(y, groups, 2, 1, seed=0, holdout=0.25)
    assert not np.intersect1d(groups[train], groups[test]).size
    assert abs(len(test) - 60) <= 2 and abs(np.sum(y[test] == 1) - 10) <= 2


def test_splits_refuse_classes_with_fewer_distinct_rows_than_folds():
    """Check a class needs a distinct row (a group) for every fold."""
    y = np.array([0] * 20 + [1] * 6)
    groups = np.concatenate([np.arange(20), [20, 20, 21, 21, 22, 22]])  # 6 minority rows, 3 distinct
    assert distinct_per_class(y, groups, 2).tolist() == [20, 3]
    with pytest.raises(ParameterError, match="3 distinct rows; 5 splits need at least 5"):
        splits(y, groups, 5)
    assert len(splits(y, groups, 3)) == 3
    with pytest.raises(ParameterError, match="repeats must be from 1"):
        splits(y, None, 3, repeats=0)


def test_duplicate_groups_compare_every_column_but_the_target_identifiers_and_the_marker():
    """Check copies are found on the features alone: labels, identifiers and the marker do not count,
    a missing value equals a missing value."""
    pattern = pd.DataFrame({
        "x": [1.0, 1.0, 2.0, np.nan, np.nan, 1.0],
        "c": ["a", "a", "a", "b", "b", "b"],
        "y": ["no", "yes", "no", "no", "no", "no"],
        MARKER: [False, True, False, False, True, False],
    })
    frame = pd.concat([pattern] + [pattern.assign(x=pattern["x"] + k) for k in range(10, 100, 10)], ignore_index=True)
    frame.insert(0, "id", [f"r{i:04d}" for i in range(len(frame))])  # an identifier: every row differs in it
    groups = duplicate_groups(frame, "y")
    assert groups[:6].tolist() == [0, 0, 1, 2, 2, 3]
    copies = count_copies(groups)
    assert (copies.rows, copies.groups, copies.total) == (29, 11, 60)  # the 20 (missing, "b") rows: one group
    assert marker_column(frame, "y") == MARKER
    assert marker_column(frame.assign(**{MARKER: "t"}), "y") is None  # not Balancer's boolean marker


def test_copies_are_copies_to_the_model_whatever_it_leaves_out():
    """Check rows that differ only in columns the model leaves out (a date, free text, a constant
    with gaps) are copies: a distinct date in every row made 23 rows with identical features
    (haberman) distinct, so they could be scored against themselves."""
    source = pd.read_csv(DATA / "haberman.csv")
    plain = count_copies(duplicate_groups(source, "Class"))
    assert plain.rows > 0
    dated = source.assign(
        seen=pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(len(source)), unit="D"),
        comment=[f"visit number {i} went fine, nothing to add" for i in range(len(source))])
    assert (count_copies(duplicate_groups(dated, "Class")).rows, count_copies(duplicate_groups(dated, "Class")).groups) \
        == (plain.rows, plain.groups)


def test_matrix_groups_find_identical_rows():
    """Check identical rows of a matrix share a group (None when all rows differ)."""
    x = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    assert matrix_groups(x).tolist() == [0, 1, 0]
    assert matrix_groups(np.eye(3)) is None


def test_evaluate_says_how_many_copies_and_lowers_folds_for_them(mixed):
    """Check the notice of copies, the counts in the result and its JSON, and folds lowered when a
    class has fewer distinct rows than folds."""
    twice = pd.concat([mixed, mixed.iloc[:20]], ignore_index=True)
    result = evaluate(twice, "label", "none", folds=3)
    assert "20 rows are copies of another row (20 groups); copies are kept in the same fold" in result.notices
    assert result.copies.rows == 20 and result.to_dict()["copies"]["groups"] == 20
    assert not result.warnings
    small = mixed_table(n=120, minority=4)
    minority = small[small["label"] == "c1"]
    copied = pd.concat([small, minority.iloc[[0, 0, 1, 1]]], ignore_index=True)  # 8 rows, still 4 distinct
    lowered = evaluate(copied, "label", "none", folds=5)
    assert lowered.folds == 4
    one = pd.concat([small[small["label"] == "c0"], minority.iloc[[0, 0, 0]]], ignore_index=True)
    with pytest.raises(TargetError, match="1 distinct row"):
        evaluate(one, "label", "none")


def _random_labels_twice() -> pd.DataFrame:
    data = load_sample("customer_churn")
    data["churn"] = np.random.default_rng(42).permutation(data["churn"].to_numpy())
    return pd.concat([data, data], ignore_index=True).sample(frac=1.0, random_state=0).reset_index(drop=True)


def test_random_labels_on_a_doubled_table_score_like_a_coin(monkeypatch):
    """Check that with every row twice and random labels a random forest scores like a coin (ROC AUC
    0.5 +/- 0.08) and a warning says the table is mostly copies; row-by-row folds (the copies'
    groups ignored) score far above chance, so the check has teeth."""
    data = _random_labels_twice()
    result = evaluate(data, "churn", "none", model="random_forest", baseline=False)
    assert abs(result.metrics["roc_auc"] - 0.5) <= 0.08
    assert abs(result.metrics["balanced_accuracy"] - 0.5) <= 0.08
    assert any(w.startswith("Warning: 50% of the rows are copies") for w in result.warnings)
    plain = evaluation_module.splits
    monkeypatch.setattr(evaluation_module, "splits", lambda y, groups=None, *a, **k: plain(y, None, *a, **k))
    leaky = evaluate(data, "churn", "none", model="random_forest", baseline=False)
    assert leaky.metrics["roc_auc"] > 0.8


def test_a_file_balancer_oversampled_is_flagged_and_its_marker_is_no_feature():
    """Check that re-evaluating a file Balancer over-sampled (with its synthetic marker) warns, leaves
    the marker out of the features, and keeps the copies together: random labels stay at chance."""
    data = load_sample("customer_churn")
    data["churn"] = np.random.default_rng(1).permutation(data["churn"].to_numpy())
    balanced = resample(data, "churn", "RandomOverSampler").with_marker()
    result = evaluate(balanced, "churn", "none", model="random_forest", baseline=False)
    assert any(f"Balancer's '{MARKER}' column" in w and "measures the resampling" in w for w in result.warnings)
    assert result.copies is not None and result.copies.marked == 0  # random over-sampling copies rows
    assert abs(result.metrics["roc_auc"] - 0.5) <= 0.08


def test_learning_curve_keeps_copies_together(monkeypatch):
    """Check the learning curve's folds are evaluate's grouped folds."""
    seen = []
    plain = evaluation_module.splits

    def spy(y, groups=None, *args, **kwargs):
        seen.append(groups)
        return plain(y, groups, *args, **kwargs)

    monkeypatch.setattr(evaluation_module, "splits", spy)
    data = mixed_table()
    learning_curve(pd.concat([data, data], ignore_index=True), "label", "none", folds=3,
                   fractions=(0.5, 1.0))
    assert seen and seen[0] is not None and len(np.unique(seen[0])) == len(data)
