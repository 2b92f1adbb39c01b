"""Property-based tests of resample and the export on random tables (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balancer import read_table, resample, write_csv
from balancer.errors import EngineError

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROW_SELECTING = ["RandomUnderSampler", "RandomOverSampler", "TomekLinks", "EditedNearestNeighbours", "NearMiss"]
SYNTHESIZING = ["SMOTE", "ADASYN", "BorderlineSMOTE"]
TEXT = st.text(alphabet=st.sampled_from(list("abcXYZ=+-@ ,\"'\t\n;é")), min_size=1, max_size=6)


@st.composite
def tables(draw):
    """A table with float, integer, categorical and text-ish columns, gaps, and 2-3 classes."""
    n = draw(st.integers(30, 120))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    classes = draw(st.integers(2, 3))
    minority = draw(st.integers(8, max(8, n // 3)))
    sizes = [n - minority * (classes - 1)] + [minority] * (classes - 1)
    labels = np.concatenate([np.full(s, f"k{i}") for i, s in enumerate(sizes)])
    rng.shuffle(labels)
    frame = pd.DataFrame({
        "f": rng.normal(size=n).round(draw(st.integers(0, 6))),
        "i": rng.integers(-50, 50, n).astype("int64"),
        "c": rng.choice(draw(st.lists(TEXT, min_size=2, max_size=4, unique=True)), n),
        "label": labels,
    })
    if draw(st.booleans()):
        frame.loc[rng.random(n) < 0.1, "f"] = np.nan
    frame["c"] = frame["c"].astype("str")
    frame["label"] = frame["label"].astype("str")
    return frame


@SETTINGS
@given(tables(), st.sampled_from(ROW_SELECTING + SYNTHESIZING), st.integers(0, 1000))
def test_resample_keeps_the_schema(frame, method, seed):
    """Check columns, order, dtypes, categories, ranges and provenance on random tables."""
    try:
        result = resample(frame, "label", method, seed=seed)
    except EngineError as exc:  # the one documented refusal: classes already apart
        assert method == "ADASYN" and "Use SMOTE" in str(exc)
        return
    out = result.data
    assert list(out.columns) == list(frame.columns)
    assert (out.dtypes == frame.dtypes).all()
    assert set(out["c"]) <= set(frame["c"])
    assert set(out["label"]) <= set(frame["label"])
    assert out["i"].between(frame["i"].min(), frame["i"].max()).all()
    finite = out["f"].dropna()
    assert finite.empty or (finite.min() >= frame["f"].min() and finite.max() <= frame["f"].max())
    originals = ~result.synthetic
    expected = frame.iloc[result.source_rows[originals]].reset_index(drop=True)
    pd.testing.assert_frame_equal(out[originals].reset_index(drop=True), expected)
    if method in ROW_SELECTING:
        assert result.synthetic_rows == 0
    counts = out["label"].value_counts().to_dict()
    assert {k: v for k, v in result.after.items() if v} == counts


@SETTINGS
@given(tables(), st.integers(0, 1000))
def test_counts_as_asked(frame, seed):
    """Check RandomUnderSampler and SMOTE reach exactly the counts of 'auto'."""
    under = resample(frame, "label", "RandomUnderSampler", seed=seed)
    assert set(under.after.values()) == {min(under.before.values())}
    over = resample(frame, "label", "SMOTE", seed=seed)
    assert set(over.after.values()) == {max(over.before.values())}


@SETTINGS
@given(tables())
def test_export_round_trips_and_never_writes_a_formula(frame):
    """Check the CSV reads back equal (text cells maybe quote-prefixed) and no cell starts a formula."""
    payload = write_csv(frame)
    back = read_table(payload, name="t.csv")
    assert list(back.columns) == list(frame.columns)
    assert np.allclose(back["f"].to_numpy(dtype=float), frame["f"].to_numpy(dtype=float), equal_nan=True)
    assert back["i"].tolist() == frame["i"].tolist()
    risky = tuple("=+-@\t\r")
    expected = [("'" + v if v.startswith(risky) else v).strip() for v in frame["c"]]
    # cells are stripped on reading, and a cell of spaces only is missing (by design)
    got = [None if pd.isna(v) else str(v) for v in back["c"]]
    assert got == [e or None for e in expected]
    import csv
    import io

    for row in csv.reader(io.StringIO(payload.decode())):
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell.lstrip("+-").replace(".", "", 1).isdigit()
