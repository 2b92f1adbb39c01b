"""Bundled sample datasets: built from data that ships with scikit-learn, or generated.

Nothing is downloaded. Every sample is deterministic, so recipes made on it replay byte for byte.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_digits

from .errors import DataError


@dataclasses.dataclass(frozen=True)
class Sample:
    """A bundled dataset: its name, target column, a one-line description and a loader."""

    name: str
    target: str
    description: str
    load: Callable[[], pd.DataFrame]


def _customer_churn() -> pd.DataFrame:
    """Generated telecom churn: mixed categorical, integer, float and boolean columns, ~4% churn."""
    rng = np.random.default_rng(7)
    n = 3000
    plan = rng.choice(["basic", "plus", "premium"], size=n, p=[0.55, 0.3, 0.15])
    contract = rng.choice(["monthly", "one_year", "two_year"], size=n, p=[0.5, 0.3, 0.2])
    region = rng.choice(["north", "south", "east", "west"], size=n)
    tenure = rng.integers(1, 73, size=n)
    fee = {"basic": 25.0, "plus": 55.0, "premium": 90.0}
    monthly = np.round(np.array([fee[p] for p in plan]) + rng.normal(0, 6, size=n), 2)
    calls = rng.poisson(1.2, size=n)
    paperless = rng.random(n) < 0.6
    logit = (
        -3.2 + 0.9 * (contract == "monthly") - 0.035 * tenure + 0.55 * calls
        + 0.012 * (monthly - 50) - 0.8 * (contract == "two_year")
    )
    churn = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    frame = pd.DataFrame({
        "customer_id": [f"C{100000 + i}" for i in range(n)],
        "plan": plan,
        "contract": contract,
        "region": region,
        "tenure_months": tenure.astype("int64"),
        "monthly_charges": monthly,
        "support_calls": calls.astype("int64"),
        "paperless_billing": paperless,
        "churn": churn,
    })
    # real exports have gaps: a few missing regions and charges
    frame.loc[rng.random(n) < 0.02, "region"] = None
    frame.loc[rng.random(n) < 0.01, "monthly_charges"] = np.nan
    frame["region"] = frame["region"].astype("str")
    frame["plan"] = frame["plan"].astype("str")
    frame["contract"] = frame["contract"].astype("str")
    frame["churn"] = frame["churn"].astype("str")
    frame["customer_id"] = frame["customer_id"].astype("str")
    return frame


def _breast_cancer() -> pd.DataFrame:
    """scikit-learn's Wisconsin breast cancer data with the malignant class thinned to 1 in 6."""
    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.copy()
    frame.columns = [str(c).replace(" ", "_") for c in frame.columns]
    frame["diagnosis"] = np.where(frame.pop("target") == 0, "malignant", "benign")
    rng = np.random.default_rng(3)
    malignant = np.flatnonzero(frame["diagnosis"].to_numpy() == "malignant")
    drop = rng.choice(malignant, size=len(malignant) - len(malignant) // 6, replace=False)
    frame = frame.drop(index=drop).reset_index(drop=True)
    frame["diagnosis"] = frame["diagnosis"].astype("str")
    return frame


def _digits_multiclass() -> pd.DataFrame:
    """scikit-learn's handwritten digits 0-4 (8x8 pixel counts) with a long-tailed class count."""
    bunch = load_digits(as_frame=True)
    frame = bunch.frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    keep_per_class = {0: 178, 1: 90, 2: 45, 3: 22, 4: 12}
    parts = [frame[frame["target"] == digit].head(count) for digit, count in keep_per_class.items()]
    out = pd.concat(parts).sort_index().reset_index(drop=True)
    pixels = [c for c in out.columns if c != "target"]
    out[pixels] = out[pixels].astype("int64")
    out = out.rename(columns={"target": "digit"})
    out["digit"] = out["digit"].astype("int64")
    return out


def _credit_fraud() -> pd.DataFrame:
    """Generated card transactions: 20 numeric features, 2% fraud, a few missing amounts."""
    from sklearn.datasets import make_classification

    x, y = make_classification(
        n_samples=10_000, n_features=18, n_informative=8, n_redundant=4, weights=[0.98],
        class_sep=1.2, flip_y=0.002, random_state=11,
    )
    frame = pd.DataFrame(x, columns=[f"v{i + 1}" for i in range(x.shape[1])]).round(5)
    rng = np.random.default_rng(11)
    frame.insert(0, "amount", np.round(np.exp(rng.normal(3.5, 1.1, size=len(frame))) + 15 * y, 2))
    frame.insert(1, "hour", rng.integers(0, 24, size=len(frame)).astype("int64"))
    frame.loc[rng.random(len(frame)) < 0.005, "amount"] = np.nan
    frame["is_fraud"] = y.astype("int64")
    return frame


SAMPLES: dict[str, Sample] = {
    sample.name: sample
    for sample in (
        Sample("customer_churn", "churn",
               "Telecom customers (generated): plan, contract, region, tenure; 3,000 rows, ~4% churn",
               _customer_churn),
        Sample("credit_fraud", "is_fraud",
               "Card transactions (generated): 20 numeric features; 10,000 rows, 2% fraud",
               _credit_fraud),
        Sample("breast_cancer", "diagnosis",
               "Wisconsin breast cancer (scikit-learn), malignant thinned to 1 in 6; 392 rows",
               _breast_cancer),
        Sample("digits_longtail", "digit",
               "Handwritten digits 0-4 (scikit-learn), long-tailed: 178/90/45/22/12 rows",
               _digits_multiclass),
    )
}


def sample_names() -> list[str]:
    """Return the names of the bundled samples, the default first."""
    return list(SAMPLES)


def load_sample(name: str) -> pd.DataFrame:
    """Return a bundled sample as a new DataFrame (``attrs['name']`` is ``NAME.csv``)."""
    try:
        sample = SAMPLES[name]
    except KeyError:
        raise DataError(
            f"unknown sample {name!r}; the samples are: {', '.join(SAMPLES)}"
        ) from None
    frame = sample.load()
    frame.attrs["name"] = f"{name}.csv"
    frame.attrs["suggested_target"] = sample.target
    return frame


__all__ = ["SAMPLES", "Sample", "load_sample", "sample_names"]
