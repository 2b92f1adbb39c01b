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


def run_cli(capsys, *args) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """Run ``balancer ARGS`` in-process; return the exit code, stdout and stderr."""
    from balancer.cli import main

    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def csv_of(path: Path, frame: pd.DataFrame) -> Path:
    """Write ``frame`` as CSV to ``path`` and return the path."""
    path.write_bytes(frame.to_csv(index=False).encode())
    return path


@pytest.fixture
def mixed() -> pd.DataFrame:
    return mixed_table()


@pytest.fixture
def mixed3() -> pd.DataFrame:
    return mixed_table(n=300, minority=40, classes=3, seed=1)
