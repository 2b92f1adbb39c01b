"""Balancer's fast neighbour paths give exactly imbalanced-learn's results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.neighbors import NearestNeighbors

from balancer import neighbours, resample, strategies
from balancer.neighbours import FastKNeighboursClassifier, FastNeighbours, Index
from tests.conftest import mixed_table

NEIGHBOUR_METHODS = [s.name for s in strategies.STRATEGIES.values()
                     if s.neighbour_based and s.name not in ("SMOTEN", "KMeansSMOTE", "CondensedNearestNeighbour")]


@pytest.fixture(autouse=True)
def always_fast(monkeypatch):
    """Use the fast engine even on small tables (it hands tiny searches to scikit-learn)."""
    monkeypatch.setattr(neighbours, "_SMALL_WORK", 0)
    monkeypatch.setattr(neighbours, "_SMALL_FIT", 0)
    # several tiles and short groups, as on big tables (both group-maximum paths run)
    monkeypatch.setattr(neighbours, "_TILE", 256)


def numeric(n: int = 700, features: int = 20, classes: int = 2, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    weights = [0.85] + [0.15 / (classes - 1)] * (classes - 1)
    y = rng.choice(classes, size=n, p=weights)
    x = rng.normal(size=(n, features)) + y[:, None] * 0.7
    frame = pd.DataFrame(x.round(6), columns=[f"f{i}" for i in range(features)])
    frame["target"] = np.array(["maj", "min", "mid"])[y]
    frame["target"] = frame["target"].astype("str")
    return frame


TABLES = {
    "numeric-binary": lambda: numeric(),
    "numeric-multiclass": lambda: numeric(n=900, classes=3, seed=1),
    "mixed-binary": lambda: mixed_table(n=400, minority=60, seed=2),
    "low-dimensional": lambda: numeric(n=800, features=6, seed=3),
}


def run(data: pd.DataFrame, method: str, seed: int, engine: str, monkeypatch):
    monkeypatch.setenv("BALANCER_ENGINE", engine)
    target = "label" if "label" in data.columns else "target"
    return resample(data, target, method, seed=seed)


@pytest.mark.parametrize("table", list(TABLES))
@pytest.mark.parametrize("method", NEIGHBOUR_METHODS)
def test_same_rows_as_imblearn(method, table, monkeypatch):
    """Check kept and synthesized rows are identical to imbalanced-learn's, for several seeds."""
    data = TABLES[table]()
    for seed in (0, 1, 7):
        fast = run(data, method, seed, "fast", monkeypatch)
        reference = run(data, method, seed, "imblearn", monkeypatch)
        pd.testing.assert_frame_equal(fast.data, reference.data)
        assert np.array_equal(fast.source_rows, reference.source_rows)
        assert np.array_equal(fast.synthetic, reference.synthetic)


@pytest.mark.parametrize(("n", "d", "k"), [(500, 20, 1), (3000, 20, 5), (3000, 40, 11), (2000, 8, 3), (300_000, 17, 2)])
def test_index_matches_sklearn(n, d, k):
    """Check the exact search returns scikit-learn's neighbours and distances (several tiles too)."""
    rng = np.random.default_rng(n + d)
    data = rng.normal(size=(n, d))
    queries = np.vstack([rng.normal(size=(200, d)), data[:50]])
    squared, index = Index(data).query(queries, k)
    ref_dist, ref_index = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(data).kneighbors(queries)
    assert np.array_equal(index, ref_index)
    assert np.allclose(np.sqrt(squared), ref_dist, atol=1e-6)


def test_index_excludes_self_and_falls_back_exactly():
    """Check self-exclusion, and the exhaustive float64 fallback on near-ties beyond float32."""
    rng = np.random.default_rng(5)
    base = rng.normal(size=(1, 20)) * 1e4
    data = base + rng.normal(size=(400, 20)) * 1e-3   # far from the origin: float32 cannot separate
    squared, index = Index(data).query(data[:30], 2, exclude=np.arange(30))
    diffs = ((data[:30, None, :] - data[None, :, :]) ** 2).sum(axis=2)
    diffs[np.arange(30), np.arange(30)] = np.inf
    expected = np.argsort(diffs, axis=1, kind="stable")[:, :2]
    assert np.array_equal(index, expected)
    assert not np.any(index == np.arange(30)[:, None])


def test_fast_neighbours_is_a_drop_in():
    """Check FastNeighbours and FastKNeighboursClassifier answer like scikit-learn's, sparse input too."""
    rng = np.random.default_rng(0)
    data = rng.normal(size=(600, 20))
    labels = rng.integers(0, 3, 600)
    ours = FastNeighbours(n_neighbors=4).fit(sparse.csr_matrix(data))
    theirs = NearestNeighbors(n_neighbors=4).fit(data)
    assert np.array_equal(ours.kneighbors(data[:40], return_distance=False),
                          theirs.kneighbors(data[:40], return_distance=False))
    assert np.array_equal(ours.kneighbors()[1], theirs.kneighbors()[1])
    from sklearn.neighbors import KNeighborsClassifier

    fast = FastKNeighboursClassifier(n_neighbors=3).fit(data, labels)
    slow = KNeighborsClassifier(n_neighbors=3).fit(data, labels)
    assert np.array_equal(fast.predict(data[:100]), slow.predict(data[:100]))


def test_group_maxima_both_paths_agree():
    """Check the running-maximum and the reduction paths of the group screening give the same maxima."""
    rng = np.random.default_rng(0)
    for groups in (7, 1500):
        score = rng.normal(size=(5, neighbours.GROUP * groups)).astype(np.float32)
        expected = score.reshape(5, neighbours.GROUP, groups).max(axis=1)
        assert np.array_equal(neighbours._group_maxima(score, 5, groups), expected)


def test_index_matches_brute_force_on_a_long_tile(monkeypatch):
    """Check exact neighbours against brute force where a tile holds more than 32 x 1024 rows."""
    monkeypatch.setattr(neighbours, "_TILE", 1 << 17)
    rng = np.random.default_rng(1)
    data = rng.normal(size=(40_000, 8))
    queries = rng.normal(size=(50, 8))
    index_obj = neighbours.Index(data)
    index_obj.tree = None  # force the screened search (8 features would use a KD-tree)
    dist, index = index_obj.query(queries, 3)
    brute = ((queries[:, None, :] - data[None, :, :]) ** 2).sum(axis=2)
    expected = np.argsort(brute, axis=1, kind="stable")[:, :3]
    assert np.array_equal(index, expected)
    assert np.allclose(dist, np.take_along_axis(brute, expected, axis=1))
