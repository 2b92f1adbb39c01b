"""Resampling keeps the schema, records provenance, and checks its input once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from imblearn import over_sampling

from balancer import resample, strategies
from balancer.errors import DataError, EngineError, LimitError, MethodError, ParameterError, TargetError
from tests.conftest import mixed_table

#: methods whose 'auto' target counts are exact (the others approximate or clean)
EXACT = {"RandomOverSampler", "SMOTE", "SMOTENC", "BorderlineSMOTE", "RandomUnderSampler",
         "NearMiss", "ClusterCentroids"}


def check_schema(data: pd.DataFrame, result) -> None:
    out = result.data
    assert list(out.columns) == list(data.columns)
    assert (out.dtypes == data.dtypes).all(), (out.dtypes, data.dtypes)
    for column in ("colour", "label", "flag"):
        assert set(out[column].dropna()) <= set(data[column].dropna()), column
    for column in ("x_float", "x_int"):
        values = out[column].dropna()
        assert values.min() >= data[column].min() and values.max() <= data[column].max(), column
    assert (out["x_int"] == out["x_int"].round()).all()
    # every non-synthetic row is an input row, missing cells included
    originals = ~result.synthetic
    assert (result.source_rows[originals] >= 0).all()
    assert (result.source_rows[result.synthetic] == -1).all()
    expected = data.iloc[result.source_rows[originals]].reset_index(drop=True)
    pd.testing.assert_frame_equal(out[originals].reset_index(drop=True), expected)
    # synthetic rows have no identity, never invent a category, and have gaps only where their
    # class has gaps (the missing cells of the rows they are made from)
    assert out.loc[result.synthetic, "row_id"].isna().all()
    made = out[result.synthetic]
    for label, rows in made.groupby("label"):
        for column in ("colour", "x_float"):
            if not data.loc[data["label"] == label, column].isna().any():
                assert rows[column].notna().all(), (label, column)
    assert result.after == out["label"].value_counts().to_dict() | {
        k: 0 for k in result.before if k not in set(out["label"])}


@pytest.mark.parametrize("name", strategies.SAMPLERS)
def test_every_sampler_keeps_the_schema(name, mixed):
    """Check schema, categories, ranges, provenance and reproducibility for each sampler."""
    if name == "SMOTEN":
        data = mixed[["colour", "flag", "label"]].dropna().reset_index(drop=True)
        result = resample(data, "label", name, seed=3)
        assert list(result.data.columns) == list(data.columns)
        assert (result.data.dtypes == data.dtypes).all()
        assert set(result.data["colour"]) <= set(data["colour"])
        return
    result = resample(mixed, "label", name, seed=3)
    check_schema(mixed, result)
    strategy = strategies.get(name)
    if strategy.row_selecting:
        assert result.synthetic_rows == 0
    if name in EXACT:
        target = max(result.before.values()) if strategy.family == "over" else min(result.before.values())
        assert set(result.after.values()) == {target}, result.after
    again = resample(mixed, "label", name, seed=3)
    pd.testing.assert_frame_equal(result.data, again.data)
    assert (result.synthetic == again.synthetic).all()


@pytest.mark.parametrize("name", ["SMOTE", "RandomUnderSampler", "ADASYN", "TomekLinks",
                                  "SMOTEENN", "NearMiss", "EditedNearestNeighbours"])
def test_multiclass(name, mixed3):
    """Check three classes through representative samplers."""
    result = resample(mixed3, "label", name)
    check_schema(mixed3, result)
    assert len(result.after) == 3


def test_smote_becomes_smotenc_with_a_notice(mixed):
    """Check that SMOTE on mixed columns runs SMOTENC and says so."""
    result = resample(mixed, "label", "SMOTE")
    assert result.method == "SMOTENC"
    assert any("SMOTENC used instead of SMOTE" in n for n in result.notices)
    numeric = mixed[["x_float", "x_int", "label"]]
    assert resample(numeric, "label", "SMOTE").method == "SMOTE"
    categorical = mixed[["colour", "flag", "label"]]
    assert resample(categorical, "label", "SMOTE").method == "SMOTEN"


@pytest.mark.parametrize(
    ("name", "columns", "ran", "notice"),
    [
        ("SMOTE", ["x_float", "colour", "label"], "SMOTENC",
         "SMOTENC used instead of SMOTE: the features are mixed numeric and categorical (colour categorical)"),
        ("SMOTENC", ["colour", "flag", "label"], "SMOTEN",
         "SMOTEN used instead of SMOTENC: the features are only categorical (colour, flag categorical)"),
        ("SMOTENC", ["x_float", "x_int", "label"], "SMOTE",
         "SMOTE used instead of SMOTENC: there are no categorical features"),
        ("SMOTEN", ["colour", "flag", "label"], "SMOTEN", None),
    ],
)
def test_variant_for_the_kinds_of_columns(name, columns, ran, notice, mixed):
    """Check that the entry's variants pick the method that runs, and say so when it changes."""
    result = resample(mixed[columns].dropna(), "label", name)
    assert result.method == ran
    assert (notice in result.notices) if notice else not any("instead of" in n for n in result.notices)


def test_variant_refused_for_numeric_columns(mixed):
    """Check that SMOTEN on numeric columns is refused with the variants that would work."""
    with pytest.raises(ParameterError, match="SMOTEN works on all-categorical tables, but x_float, x_int are "
                                             "numeric; use SMOTENC, or SMOTE"):
        resample(mixed, "label", "SMOTEN")


class _Flaky(over_sampling.RandomOverSampler):
    """Fails (as KMeansSMOTE can) unless shrinkage is set."""

    def _fit_resample(self, X, y):
        if self.shrinkage is None:
            raise ValueError("No cluster found with enough minority rows")
        return super()._fit_resample(X, y)


FLAKY = strategies.Strategy(
    "DummyFlaky", "over", "Test only: fails with the default, runs with shrinkage.",
    (strategies.Param("shrinkage", "float", None, "jitter", low=0, high=10, optional=True),),
    over_sampling.RandomOverSampler, builder=lambda params, ctx: ctx.construct(params, _Flaky),
    retry=strategies.Retry("shrinkage", 0.1, "shrinkage raised from off to 0.1"),
    hints=(strategies.Hint(" Set shrinkage.", when="No cluster"),),
)


def test_retry_and_hints_come_from_the_entry(mixed):
    """Check that a failure with the default is retried as the entry says, and explained otherwise."""
    with strategies.registered(FLAKY):
        result = resample(mixed, "label", "DummyFlaky")
        assert "shrinkage raised from off to 0.1" in result.notices and result.params["shrinkage"] == 0.1
        assert result.synthetic_rows == 180
        with pytest.raises(EngineError, match="DummyFlaky could not run on this data: No cluster found with "
                                              "enough minority rows. Set shrinkage."):
            resample(mixed, "label", "DummyFlaky", params={"shrinkage": "auto"})


@pytest.mark.parametrize(
    ("name", "ss", "expected"),
    [
        ("RandomOverSampler", {"c1": 100}, {"c0": 210, "c1": 100}),
        ("SMOTE", "0.5", {"c0": 210, "c1": 105}),
        ("RandomUnderSampler", '{"c0": 60}', {"c0": 60, "c1": 30}),
        ("RandomUnderSampler", 1.0, {"c0": 30, "c1": 30}),
    ],
)
def test_counts_as_asked(name, ss, expected, mixed):
    """Check that per-class counts and ratios give exactly the counts asked for."""
    result = resample(mixed, "label", name, params={"sampling_strategy": ss})
    assert result.after == expected


def test_k_lowered_when_left_at_default():
    """Check that a default k_neighbors is lowered to fit a small class, with a notice."""
    data = mixed_table(n=100, minority=4)
    result = resample(data, "label", "SMOTE")
    assert result.params["k_neighbors"] == 3
    assert any("k_neighbors lowered from 5 to 3" in n for n in result.notices)
    assert result.after == {"c0": 96, "c1": 96}


def test_k_set_by_user_is_refused_with_advice():
    """Check that an explicit k_neighbors too large for a class is refused, saying what works."""
    data = mixed_table(n=100, minority=4)
    with pytest.raises(ParameterError, match=r"has 4 rows; SMOTE with k_neighbors=5 needs at least 6\. Lower k_neighbors to 3"):
        resample(data, "label", "SMOTE", params={"k_neighbors": 5})


def test_single_row_class_is_refused():
    """Check that a class of one row cannot be over-sampled by SMOTE but can by RandomOverSampler."""
    data = mixed_table(n=100, minority=1)
    with pytest.raises(EngineError, match="single row.*RandomOverSampler"):
        resample(data, "label", "SMOTE")
    assert resample(data, "label", "RandomOverSampler").after == {"c0": 99, "c1": 99}


def test_rows_without_target_are_left_out(mixed):
    """Check that rows with a missing target are dropped, said, and provenance still points right."""
    data = mixed.copy()
    data.loc[[0, 5, 9], "label"] = None
    result = resample(data, "label", "RandomUnderSampler")
    assert any("3 rows without a target" in n for n in result.notices)
    assert not set(result.source_rows) & {0, 5, 9}
    assert result.data["row_id"].tolist() == data.iloc[result.source_rows]["row_id"].tolist()


def test_output_row_cap(mixed):
    """Check that an output over the row cap is refused before any work."""
    with pytest.raises(LimitError, match="would make 420 rows; the limit is 300"):
        resample(mixed, "label", "SMOTE", max_rows=300)


def test_integer_identifier_becomes_nullable_for_synthetic_rows(mixed):
    """Check that an integer id column left empty in synthetic rows stays an integer dtype."""
    data = mixed.copy()
    data["row_id"] = np.arange(len(data), dtype="int64")
    result = resample(data, "label", "SMOTE")
    assert str(result.data["row_id"].dtype) == "Int64"
    assert result.data.loc[~result.synthetic, "row_id"].tolist() == result.source_rows[~result.synthetic].tolist()


@pytest.mark.parametrize(
    ("target", "method", "params", "error", "match"),
    [
        ("nope", "SMOTE", None, TargetError, "no column 'nope'"),
        ("label", "SMOOTE", None, MethodError, "Did you mean 'SMOTE'"),
        ("label", "class_weight", None, MethodError, "changes the model"),
        ("label", "SMOTE", {"k_neighbors": -1}, ParameterError, "from 1 to 100"),
        ("x_float", "SMOTE", None, TargetError, "continuous"),
        ("row_id", "SMOTE", None, TargetError, "continuous|classes"),
        ("label", "SMOTEN", None, ParameterError, "all-categorical"),
    ],
)
def test_bad_requests(target, method, params, error, match, mixed):
    """Check that bad requests raise the right BalancerError with a useful message."""
    with pytest.raises(error, match=match):
        resample(mixed, target, method, params=params)


def test_one_class_is_refused(mixed):
    """Check that a target with one class is refused."""
    data = mixed.assign(label="same")
    with pytest.raises(TargetError, match="single class"):
        resample(data, "label", "SMOTE")


def test_features_needed_for_neighbour_methods(mixed):
    """Check that a neighbour method with no usable features explains what to use instead."""
    data = mixed[["row_id", "label"]]
    with pytest.raises(DataError, match="RandomOverSampler"):
        resample(data, "label", "TomekLinks")
    assert resample(data, "label", "RandomOverSampler").after == {"c0": 210, "c1": 210}


@pytest.mark.parametrize("name", ["SMOTE", "TomekLinks", "EditedNearestNeighbours", "CondensedNearestNeighbour",
                                  "SMOTEENN", "RandomOverSampler"])
def test_asking_the_sampler_for_less_changes_nothing(name, monkeypatch):
    """Check the result is the same, row for row and dtype for dtype, whether the fast sampler makes
    its whole output or only what resample keeps of it (the new rows, or the indices): that saving
    is what keeps a resample within its memory budget (benchmarks/bench_memory.py)."""
    from balancer import samplers

    data = mixed_table(n=600, minority=80)
    lean = resample(data, "label", name, seed=3)
    monkeypatch.setattr(samplers, "rows_only", lambda sampler: sampler)
    whole = resample(data, "label", name, seed=3)
    pd.testing.assert_frame_equal(lean.data, whole.data)
    assert np.array_equal(lean.source_rows, whole.source_rows)
    assert lean.after == whole.after


def test_rows_only_is_honoured_by_the_fast_samplers():
    """Check the drop-ins asked for less return it: an under-sampler X's first 0 rows with y and
    sample_indices_ as usual, SMOTE its new rows only (and y whole)."""
    from balancer import samplers

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    y = (rng.random(400) < 0.15).astype(int)
    for cls in (samplers.FastTomekLinks, samplers.FastEditedNearestNeighbours):
        full_X, full_y = cls().fit_resample(X, y)
        sampler = samplers.rows_only(cls())
        lean_X, lean_y = sampler.fit_resample(X, y)
        assert lean_X.shape == (0, 4) and np.array_equal(lean_y, full_y)
        assert np.array_equal(X[sampler.sample_indices_], full_X)
    full_X, full_y = samplers.FastSMOTE(random_state=1).fit_resample(X, y)
    lean_X, lean_y = samplers.rows_only(samplers.FastSMOTE(random_state=1)).fit_resample(X, y)
    assert np.array_equal(lean_y, full_y) and np.array_equal(lean_X, full_X[len(X):])


def test_every_path_that_resamples_keeps_the_output_caps(monkeypatch):
    """Check the row cap and the memory one table may take hold wherever a sampler runs: evaluate's
    folds, the learning curve and the model to ship ran RandomOverSampler to 200,000 rows a class
    under a cap of 1,000 (only resample and compare checked it), and 10,000,000 rows of 100
    columns (the default cap) are about 17 GB."""
    from balancer import evaluate, learning_curve, profile
    from balancer.shipping import fit_final

    data = mixed_table()
    huge = {"sampling_strategy": {"c0": 200_000, "c1": 200_000}}
    monkeypatch.setenv("BALANCER_MAX_OUTPUT_ROWS", "1000")
    for run in (lambda: resample(data, "label", "RandomOverSampler", params=huge),
                lambda: evaluate(data, "label", "RandomOverSampler", params=huge, folds=2),
                lambda: learning_curve(data, "label", "RandomOverSampler", params=huge),
                lambda: fit_final(data, "label", "RandomOverSampler", params=huge)):
        with pytest.raises(LimitError, match="would make 400,000 rows; the limit is 1,000"):
            run()
    monkeypatch.setenv("BALANCER_MAX_OUTPUT_ROWS", "1000000")
    monkeypatch.setenv("BALANCER_MAX_MEMORY_MB", "10")  # 400,000 rows of this table take about 16 MB
    for run in (lambda: resample(data, "label", "RandomOverSampler", params=huge),
                lambda: evaluate(data, "label", "RandomOverSampler", params=huge, folds=2)):
        with pytest.raises(LimitError, match=r"would make 400,000 rows, about \d\d MB in memory; the limit for one "
                                             r"table is 10 MB \(set BALANCER_MAX_MEMORY_MB"):
            run()
    # columns the sampler leaves empty in new rows (a 4 KB note each) are not counted
    noted = data.assign(note=["word " * 800 + str(i) for i in range(len(data))])
    monkeypatch.setenv("BALANCER_MAX_MEMORY_MB", "1")
    assert profile(noted, "label").kinds["note"] == "text"
    assert len(resample(noted, "label", "SMOTE", seed=0).data) == 420
    assert len(resample(data, "label", "RandomOverSampler").data) == 420  # what fits is made as before
