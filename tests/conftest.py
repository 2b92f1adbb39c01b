"""Shared fixtures: small tables with the quirks real exports have."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"


def mixed_table(n: int = 240, minority: int = 30, classes: int = 2, seed: int = 0) -> pd.DataFrame:
    """Numeric, integer, categorical, boolean and id columns with missing values."""
    rng = np.random.default_rng(seed)
    sizes = [n - minority * (classes - 1)] + [minority] * (classes - 1)
    labels = np.concatenate([np.full(size, f"c{i}") for i, size in enumerate(sizes)])
    rng.shuffle(labels)
    shift = np.array([int(label[1:]) for label in labels], dtype=float)
    frame = pd.DataFrame({
        "row_id": [f"r{i:05d}" for i in range(n)],
        "x_float": rng.normal(shift, 1.0).round(4),
        "x_int": (rng.integers(0, 50, n) + 10 * shift).astype("int64"),
        "colour": rng.choice(["red", "green", "blue"], n),
        "flag": rng.random(n) < 0.3,
        "label": labels,
    })
    frame.loc[rng.random(n) < 0.05, "x_float"] = np.nan
    colour = frame["colour"].astype(object)
    colour[rng.random(n) < 0.05] = None
    frame["colour"] = colour.astype("str")
    frame["label"] = frame["label"].astype("str")
    frame["row_id"] = frame["row_id"].astype("str")
    return frame


@pytest.fixture
def mixed() -> pd.DataFrame:
    return mixed_table()


@pytest.fixture
def mixed3() -> pd.DataFrame:
    return mixed_table(n=300, minority=40, classes=3, seed=1)
