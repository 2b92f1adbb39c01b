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
