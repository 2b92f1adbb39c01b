"""Balancer's fast engine gives exactly imbalanced-learn's results: rows, order, synthetic values and
``sample_indices_``, on tables full of ties and duplicate rows too.

The fast search hands small searches to scikit-learn; :data:`balancer.neighbours.FORCE` makes it
search itself wherever it may (the ``forced`` fixture), and the tests marked slow run at sizes where
it does so on its own (over 6,000 fitted rows).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from imblearn import under_sampling
from scipy import sparse
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

from balancer import adapters, neighbours, resample, samplers, strategies
from balancer.errors import BalancerError
from balancer.neighbours import FastKNeighboursClassifier, FastNeighbours, Index, Question
from balancer.prepare import Preparer, column_roles
from tests.conftest import mixed_table

SHARED = Path(__file__).resolve().parents[1] / "data"  # copies of ../shared/data's tables (a clone has no ../shared)
#: every neighbour-based tactic the registry has (CondensedNearestNeighbour is too slow for many
#: runs; SMOTEN and KMeansSMOTE have no fast variant and no fast search)
NEIGHBOUR_METHODS = [s.name for s in strategies.STRATEGIES.values()
                     if s.neighbour_based and s.name not in ("SMOTEN", "KMeansSMOTE", "CondensedNearestNeighbour")]
FAST_METHODS = [s.name for s in strategies.STRATEGIES.values() if s.fast is not None]


@pytest.fixture
def forced(monkeypatch):
    """Make the fast search answer wherever it may (scikit-learn only for unsettled queries)."""
    monkeypatch.setattr(neighbours, "FORCE", True)
    # several tiles and short groups, as on big tables (both group-maximum paths run)
    monkeypatch.setattr(neighbours, "_TILE", 256)


# --------------------------------------------------------------------------------------------
# tables


def numeric(n: int = 700, features: int = 20, classes: int = 2, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    weights = [0.85] + [0.15 / (classes - 1)] * (classes - 1)
    y = rng.choice(classes, size=n, p=weights)
    x = rng.normal(size=(n, features)) + y[:, None] * 0.7
    frame = pd.DataFrame(x.round(6), columns=[f"f{i}" for i in range(features)])
    frame["target"] = pd.array(np.array(["maj", "min", "mid"])[y], dtype="str")
    return frame


def binary(n: int = 600, features: int = 18, seed: int = 0) -> pd.DataFrame:
    """0/1 features: distances are small integers, so nearly every neighbour ties with others."""
    rng = np.random.default_rng(seed)
    x = (rng.random((n, features)) < 0.3).astype("int64")
    y = (x[:, :3].sum(axis=1) + (rng.random(n) < 0.15) >= 3)
    frame = pd.DataFrame(x, columns=[f"b{i}" for i in range(features)])
    frame["target"] = pd.array(np.where(y, "yes", "no"), dtype="str")
    return frame


def integers(n: int = 600, features: int = 17, seed: int = 0) -> pd.DataFrame:
    """Small integer features, many duplicate rows, and duplicates with different labels."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 3, (n // 3, features))
    x = base[rng.integers(0, len(base), n)]
    y = (x[:, 0] + (rng.random(n) < 0.2) >= 2)
    frame = pd.DataFrame(x, columns=[f"i{i}" for i in range(features)])
    frame["target"] = pd.array(np.where(y, "pos", "neg"), dtype="str")
    return frame


def car(repeat: int = 1, seed: int = 0) -> pd.DataFrame:
    """The all-categorical car table (every combination of six attributes; 'vgood' the minority)."""
    levels = {"buying": ["vhigh", "high", "med", "low"], "maint": ["vhigh", "high", "med", "low"],
              "doors": ["2", "3", "4", "5more"], "persons": ["2", "4", "more"],
              "lug_boot": ["small", "med", "big"], "safety": ["low", "med", "high"]}
    rows = list(itertools.product(*levels.values())) * repeat
    frame = pd.DataFrame(rows, columns=list(levels)).astype("str")
    good = ((frame["safety"] == "high") & (frame["buying"].isin(["low", "med"]))
            & (frame["persons"] != "2") & (frame["lug_boot"] != "small"))
    noise = np.random.default_rng(seed).random(len(frame)) < (0.05 if repeat > 1 else 0.0)
    frame["Class"] = pd.array(np.where(good ^ noise, "vgood", "other"), dtype="str")
    return frame


def wide(n: int = 500, features: int = 120, seed: int = 0) -> pd.DataFrame:
    return numeric(n=n, features=features, seed=seed)


TABLES = {
    "numeric-binary": lambda: numeric(),
    "numeric-multiclass": lambda: numeric(n=900, classes=3, seed=1),
    "mixed-binary": lambda: mixed_table(n=400, minority=60, seed=2),
    "mixed-duplicates": lambda: mixed_table(n=300, minority=50, seed=2),
    "low-dimensional": lambda: numeric(n=800, features=6, seed=3),
    "binary-features": lambda: binary(),
    "integer-duplicates": lambda: integers(),
    "one-hot-car": lambda: car(),
    "wide": lambda: wide(),
}


def _target(data: pd.DataFrame) -> str:
    return next(c for c in ("label", "target", "Class") if c in data.columns)


def run(data: pd.DataFrame, method: str, seed: int, engine: str, monkeypatch, **params):
    monkeypatch.setenv("BALANCER_ENGINE", engine)
    try:
        return resample(data, _target(data), method, params=params or None, seed=seed)
    except BalancerError as exc:
        return f"{type(exc).__name__}: {exc}"


def assert_same(fast, reference) -> None:
    if isinstance(reference, str) or isinstance(fast, str):
        assert fast == reference
        return
    pd.testing.assert_frame_equal(fast.data, reference.data)
    assert np.array_equal(fast.source_rows, reference.source_rows)
    assert np.array_equal(fast.synthetic, reference.synthetic)


@pytest.mark.parametrize("table", list(TABLES))
@pytest.mark.parametrize("method", NEIGHBOUR_METHODS)
def test_same_rows_as_imblearn(method, table, monkeypatch, forced):
    """Check kept and synthesized rows are identical to imbalanced-learn's, ties and duplicates included."""
    data = TABLES[table]()
    for seed in (0, 7):
        assert_same(run(data, method, seed, "fast", monkeypatch), run(data, method, seed, "imblearn", monkeypatch))


@pytest.mark.parametrize("table", list(TABLES))
def test_nearmiss_version_2_as_imblearn(table, monkeypatch):
    """Check NearMiss-2 (Balancer's own ranking of the farthest minority rows) keeps imbalanced-learn's
    rows in its order, through resample, on every table (integer ones are exact, others bounded)."""
    data = TABLES[table]()
    for params in ({"version": 2}, {"version": 2, "n_neighbors": 1}):
        assert_same(run(data, "NearMiss", 0, "fast", monkeypatch, **params),
                    run(data, "NearMiss", 0, "imblearn", monkeypatch, **params))


def test_the_real_tables_are_here():
    """Check the real tables below are collected: from ../shared they vanished from a clone's run."""
    assert len(sorted(SHARED.glob("*.csv"))) == 7


@pytest.mark.parametrize("path", sorted(SHARED.glob("*.csv")), ids=lambda p: p.stem)
@pytest.mark.parametrize("method", FAST_METHODS)
def test_real_tables(path, method, monkeypatch, forced):
    """Check the shared real tables (target ``Class``, prepared as resample prepares them)."""
    data = pd.read_csv(path, na_values=["?"])
    if "Class" not in data.columns:
        pytest.skip("no Class column")
    params = {"version": 2} if method == "NearMiss" else {}  # 1 and 3 are imbalanced-learn's own code
    assert_same(run(data, method, 0, "fast", monkeypatch, **params),
                run(data, method, 0, "imblearn", monkeypatch, **params))


# --------------------------------------------------------------------------------------------
# the samplers on the prepared matrix, at the sizes where the fast search runs by itself


def prepared(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The matrix and codes resample hands a sampler (one-hot categories, standardised numbers)."""
    target = _target(data)
    matrix = Preparer(column_roles(data, target), categories="onehot").fit(data).transform(data)
    return matrix, np.unique(data[target].astype(str), return_inverse=True)[1]


def assert_same_as_imblearn(original: type, X: np.ndarray, y: np.ndarray, **params) -> None:
    """Assert the drop-in for ``original`` gives imbalanced-learn's output (rows, order, dtype,
    ``sample_indices_``) on ``X, y``, or fails with the same error."""
    fast_class = samplers.DROP_INS[original]
    if "random_state" in original().get_params():
        params.setdefault("random_state", 0)
    if original is under_sampling.NearMiss:  # versions 1 and 3 are imbalanced-learn's own code
        params.setdefault("version", 2)
    reference, fast = original(**params), fast_class(**params)
    try:
        expected = reference.fit_resample(X, y)
    except (ValueError, RuntimeError) as exc:
        with pytest.raises(type(exc), match=re.escape(str(exc)[:40])):
            fast.fit_resample(X, y)
        return
    got = fast.fit_resample(X, y)
    assert got[0].dtype == expected[0].dtype
    assert np.array_equal(got[0], expected[0]) and np.array_equal(got[1], expected[1])
    if hasattr(reference, "sample_indices_"):
        assert np.array_equal(fast.sample_indices_, reference.sample_indices_)


LARGE = {
    "isotropic": lambda: numeric(n=7_000, features=20, seed=4),
    "binary-features": lambda: binary(n=7_000, features=20, seed=4),
    "integer-duplicates": lambda: integers(n=7_000, features=18, seed=4),
    "one-hot-car": lambda: car(repeat=4, seed=4),
    "wide": lambda: wide(n=6_500, features=150, seed=4),
}
LARGE_METHODS = [c for c in samplers.DROP_INS if c is not under_sampling.CondensedNearestNeighbour]


@pytest.mark.slow
@pytest.mark.parametrize("force", [None, True], ids=["cost-model", "forced"])
@pytest.mark.parametrize("table", list(LARGE))
@pytest.mark.parametrize("original", LARGE_METHODS, ids=lambda c: c.__name__)
def test_large_tables(original, table, force, monkeypatch):
    """Check every drop-in against imbalanced-learn's class on 6,500-7,000 rows (the search runs)."""
    monkeypatch.setattr(neighbours, "FORCE", force)
    X, y = prepared(LARGE[table]())
    assert_same_as_imblearn(original, X, y)


@pytest.mark.parametrize("original", list(samplers.DROP_INS), ids=lambda c: c.__name__)
def test_duplicate_rows_with_other_labels(original, forced):
    """Check duplicate rows (several with different labels) and whole groups of them."""
    rng = np.random.default_rng(3)
    base = rng.normal(size=(40, 16))
    X = np.vstack([base, base[:25], base[:10], base[:10]]).round(3)
    y = np.concatenate([(rng.random(40) < 0.3), rng.random(25) < 0.5, np.ones(10, bool), np.zeros(10, bool)])
    assert_same_as_imblearn(original, X, y.astype(int))


CONDENSING = {
    "numeric": lambda: numeric(n=600, features=20, seed=8),
    "low-dimensional": lambda: numeric(n=600, features=5, seed=8),
    "numeric-multiclass": lambda: numeric(n=600, classes=3, seed=8),
    "binary-features": lambda: binary(n=400, seed=8),
    "integer-duplicates": lambda: integers(n=400, seed=8),
    "one-hot-car": lambda: car(),
}


@pytest.mark.parametrize("table", list(CONDENSING))
def test_condensed_nearest_neighbour(table):
    """Check the condensing that follows each row's nearest kept rows keeps imbalanced-learn's rows."""
    X, y = prepared(CONDENSING[table]())
    for seed in (0, 3):
        assert_same_as_imblearn(under_sampling.CondensedNearestNeighbour, X, y, random_state=seed)
    assert_same_as_imblearn(under_sampling.CondensedNearestNeighbour, X, y, n_seeds_S=5, sampling_strategy="all")


@pytest.mark.slow
def test_condensed_nearest_neighbour_large():
    """Check the condensing on 4,000 rows (imbalanced-learn takes a while)."""
    X, y = prepared(numeric(n=4_000, features=20, seed=9))
    assert_same_as_imblearn(under_sampling.CondensedNearestNeighbour, X, y)


def test_one_sided_selection_on_duplicates(forced):
    """Check the case found by hand: one-sided selection keeps what imbalanced-learn keeps (224 rows)."""
    X, y = prepared(mixed_table(n=300, minority=50, seed=2))
    assert_same_as_imblearn(under_sampling.OneSidedSelection, X, y)
    assert len(samplers.FastOneSidedSelection(random_state=0).fit_resample(X, y)[1]) == \
        len(under_sampling.OneSidedSelection(random_state=0).fit_resample(X, y)[1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("original", list(samplers.DROP_INS), ids=lambda c: c.__name__)
def test_float32_stays_float32(original, dtype, forced):
    """Check float32 input gives imbalanced-learn's float32 output (and float64 float64)."""
    X, y = prepared(numeric(n=400, features=18, seed=5))
    assert_same_as_imblearn(original, X.astype(dtype), y)


# --------------------------------------------------------------------------------------------
# the neighbour search


@pytest.mark.parametrize(("n", "d", "k"), [(500, 20, 1), (3000, 20, 5), (3000, 40, 11), (2000, 8, 3),
                                           (300_000, 17, 2)])
def test_index_matches_sklearn(n, d, k):
    """Check the exact search returns scikit-learn's neighbours and distances (several tiles too)."""
    rng = np.random.default_rng(n + d)
    data = rng.normal(size=(n, d))
    queries = np.vstack([rng.normal(size=(200, d)), data[:50]])
    squared, index, certain = Index(data).query(queries, k)
    ref_dist, ref_index = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(data).kneighbors(queries)
    assert certain.all()
    assert np.array_equal(index, ref_index)
    assert np.allclose(np.sqrt(squared), ref_dist, atol=1e-6)


def test_index_excludes_self_and_falls_back_exactly(forced):
    """Check self-exclusion and the float64 fallback on near-ties beyond float32: exact where it can
    tell, uncertain where float64 cannot either, and scikit-learn's answers through FastNeighbours."""
    rng = np.random.default_rng(5)
    for scale in (1e2, 1e4):
        base = rng.normal(size=(1, 20)) * scale
        data = base + rng.normal(size=(400, 20)) * 1e-3   # far from the origin: float32 cannot separate
        squared, index, certain = Index(data).query(data[:30], 2, exclude=np.arange(30))
        diffs = ((data[:30, None, :] - data[None, :, :]) ** 2).sum(axis=2)
        diffs[np.arange(30), np.arange(30)] = np.inf
        expected = np.argsort(diffs, axis=1, kind="stable")[:, :2]
        assert certain.all() == (scale < 1e3)
        assert np.array_equal(index[certain], expected[certain])
        assert not np.any(index[certain] == np.arange(30)[certain, None])
        assert np.array_equal(FastNeighbours(n_neighbors=2).fit(data).kneighbors(return_distance=False),
                              NearestNeighbors(n_neighbors=2).fit(data).kneighbors(return_distance=False))


def test_index_says_when_ties_leave_it_unsure():
    """Check a query tied with very many rows is reported uncertain rather than answered."""
    data = np.zeros((500, 18))
    data[:, 0] = np.arange(500) % 2
    _, _, certain = Index(data).query(np.zeros((3, 18)), 4)
    assert not certain.any()


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
    dist, index, certain = neighbours.Index(data).query(queries, 3)
    brute = ((queries[:, None, :] - data[None, :, :]) ** 2).sum(axis=2)
    expected = np.argsort(brute, axis=1, kind="stable")[:, :3]
    assert certain.all() and np.array_equal(index, expected)
    assert np.allclose(dist, np.take_along_axis(brute, expected, axis=1))


def _tie_heavy(n: int, d: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 3, (n // 2, d)).astype(float)
    return np.vstack([X, X[rng.integers(0, len(X), n - len(X))]])


@pytest.mark.parametrize("kind", ["gaussian", "ties", "float32", "low-dimensional"])
@pytest.mark.parametrize("k", [1, 2, 5])
def test_fast_neighbours_are_sklearns(kind, k, forced):
    """Check FastNeighbours and FastKNeighboursClassifier answer as scikit-learn's, ties included."""
    rng = np.random.default_rng(k)
    X = {"gaussian": lambda: rng.normal(size=(900, 20)), "ties": lambda: _tie_heavy(900, 20),
         "float32": lambda: _tie_heavy(900, 20).astype(np.float32),
         "low-dimensional": lambda: _tie_heavy(900, 5)}[kind]()
    labels = rng.integers(0, 3, len(X))
    ours, theirs = FastNeighbours(n_neighbors=k).fit(X), NearestNeighbors(n_neighbors=k).fit(X)
    assert np.array_equal(ours.kneighbors(X[:400], return_distance=False),
                          theirs.kneighbors(X[:400], return_distance=False))
    assert np.array_equal(ours.kneighbors(return_distance=False), theirs.kneighbors(return_distance=False))
    for got, expected in zip(ours.kneighbors(X[:50]), theirs.kneighbors(X[:50])):
        assert np.array_equal(got, expected)  # distances: scikit-learn's own bits
    fast = FastKNeighboursClassifier(n_neighbors=k).fit(X[:500], labels[:500])
    slow = KNeighborsClassifier(n_neighbors=k).fit(X[:500], labels[:500])
    assert np.array_equal(fast.predict(X[500:]), slow.predict(X[500:]))
    assert np.array_equal(fast.kneighbors(X[500:], k + 1, return_distance=False),
                          slow.kneighbors(X[500:], k + 1, return_distance=False))


def test_fast_neighbours_other_metrics_and_sparse_are_sklearns(forced):
    """Check another metric, sparse rows and a tree are scikit-learn's own answers."""
    X = _tie_heavy(600, 20)
    for params in ({"metric": "manhattan"}, {"algorithm": "ball_tree"}, {"p": 1}, {"algorithm": "kd_tree"}):
        ours = FastNeighbours(n_neighbors=3, **params).fit(X)
        theirs = NearestNeighbors(n_neighbors=3, **params).fit(X)
        assert np.array_equal(ours.kneighbors(X, return_distance=False), theirs.kneighbors(X, return_distance=False))
    ours = FastNeighbours(n_neighbors=3).fit(sparse.csr_matrix(X))
    theirs = NearestNeighbors(n_neighbors=3).fit(sparse.csr_matrix(X))
    assert np.array_equal(ours.kneighbors(sparse.csr_matrix(X), return_distance=False),
                          theirs.kneighbors(sparse.csr_matrix(X), return_distance=False))


@pytest.mark.parametrize("n_queries", [37, 700, 3000, 9000])
@pytest.mark.parametrize("train", [False, True])
def test_sklearn_rows_are_the_whole_calls(n_queries, train):
    """Check scikit-learn asked about some queries (whole chunks, the whole call's strategy) answers
    them as the whole call does, on ties and duplicates, in both parallel strategies."""
    rng = np.random.default_rng(n_queries)
    X = _tie_heavy(2500, 20, seed=n_queries)
    queries = None if train else _tie_heavy(n_queries, 20, seed=n_queries + 1)
    nn = NearestNeighbors(n_neighbors=4).fit(X)
    whole = nn.kneighbors(queries, return_distance=False)
    rows = np.sort(rng.choice(len(whole), size=min(60, len(whole)), replace=False))
    assert np.array_equal(adapters.sklearn_kneighbors(nn, queries, rows, 4), whole[rows])
    if not train:
        labels = rng.integers(0, 2, len(X))
        clf = KNeighborsClassifier(n_neighbors=3).fit(X, labels)
        assert np.array_equal(adapters.sklearn_predict(clf, queries, rows), clf.predict(queries)[rows])


def test_settled_labels_groups():
    """Check which candidate lists have certain labels."""
    links = np.array([[False, True, False], [True, False, False], [False, False, True], [False, False, True]])
    labels = np.array([[0, 1, 1, 2], [0, 1, 1, 1], [0, 1, 1, 1], [0, 1, 1, 2]])
    # take 2: row 0 cuts the tied pair (1, 1) -> fine; rows 2 and 3 do not cut; row 1 drops one of a tied pair
    assert settled_labels_rows(links, labels, take=2, drop_first=False) == [True, True, True, True]
    assert settled_labels_rows(links, labels, take=2, drop_first=True) == [True, False, True, True]
    # take 3: row 2 and 3 cut the last pair, which row 3 cannot decide (1 or 2) and is not complete
    assert settled_labels_rows(links, labels, take=3, drop_first=False) == [True, True, False, False]


def settled_labels_rows(links, labels, take, drop_first):
    return list(neighbours.settled_labels(links, labels, take, complete=False, drop_first=drop_first))


def test_duplicates_and_zero_distances_are_never_settled():
    """Check a row with a duplicate (or at distance 0) is left to scikit-learn."""
    X = np.vstack([np.eye(20), np.eye(20)[:3]])
    index = Index(X)
    squared, found, _ = index.query(X, 3)
    qnorm = np.einsum("ij,ij->i", X, X)
    links = neighbours.linked(squared, neighbours.tolerance(squared, qnorm, 20, index.max_norm))
    assert not neighbours.settled_order(links).any()  # eye: every other row at the same distance


@pytest.mark.parametrize("kind", ["ties", "gaussian"])
def test_asking_scikit_learn_about_some_chunks_gives_its_whole_answer(kind):
    """Check the "chunks" answer (scikit-learn asked about only the chunks of queries holding the
    rows asked) is its whole call's, bit for bit, on a table of ties and duplicate rows too."""
    rng = np.random.default_rng(3)
    X = _tie_heavy(3_000, 20) if kind == "ties" else rng.normal(size=(3_000, 20))
    nn = FastNeighbours(n_neighbors=3).fit(X)
    whole = NearestNeighbors(n_neighbors=3).fit(X).kneighbors(X, return_distance=False)
    for rows in (np.arange(40, 90), np.array([5, 700, 2_999]), np.arange(0, 3_000, 7)):
        got = neighbours.answer(nn, Question(X, rows, 3), "chunks")
        np.testing.assert_array_equal(got, whole[rows])
    train = NearestNeighbors(n_neighbors=3).fit(X).kneighbors(None, return_distance=False)
    rows = np.arange(256, 300)
    np.testing.assert_array_equal(neighbours.answer(nn, Question(None, rows, 3), "chunks"), train[rows])


def test_cost_model_hands_tie_heavy_tables_to_sklearn():
    """Check the plan: scikit-learn's own call on small or tie-heavy work, ours on large continuous work."""
    rng = np.random.default_rng(0)
    smooth = rng.normal(size=(12_000, 20))
    nn = FastNeighbours(n_neighbors=4).fit(smooth)
    assert neighbours.plan(nn, Question(smooth, np.arange(12_000), 4)) == "fast"
    # little work: scikit-learn, asked about the one chunk of queries that holds them
    assert neighbours.plan(nn, Question(smooth, np.arange(50), 4)) == "chunks"
    # few queries, but spread over every chunk of scikit-learn's: it would search them all
    assert neighbours.plan(nn, Question(smooth, np.arange(0, 12_000, 24), 4)) == "fast"
    # below 8,000 fitted rows only a question much smaller than scikit-learn's search is ours
    few = rng.normal(size=(6_000, 20))
    small = FastNeighbours(n_neighbors=4).fit(few)
    assert neighbours.plan(small, Question(few, np.arange(6_000), 4)) == "whole"
    assert neighbours.plan(small, Question(few, np.arange(0, 6_000, 20), 4)) == "fast"
    ties = _tie_heavy(12_000, 20)
    assert neighbours.plan(FastNeighbours(n_neighbors=4).fit(ties), Question(ties, np.arange(12_000), 4)) == "whole"
    low = rng.normal(size=(12_000, 6))
    assert neighbours.plan(FastNeighbours(n_neighbors=4).fit(low), Question(low, np.arange(12_000), 4)) == "rows"


def test_tomek_links_searches_no_chunk_twice_when_scikit_learn_answers(monkeypatch):
    """Check TomekLinks asked by chunks (the minority in a few chunks, ties everywhere) searches
    each of scikit-learn's chunks of queries at most once, partners included, and gives
    imbalanced-learn's rows."""
    rng = np.random.default_rng(0)
    n = 9_000
    X = rng.integers(0, 3, (n, 20)).astype(float)
    y = np.zeros(n, dtype=int)
    y[rng.choice(int(n * 0.6), 900, replace=False)] = 1
    nn = FastNeighbours(n_neighbors=2).fit(X)
    assert neighbours.plan(nn, Question(X, np.flatnonzero(y == 1), 2)) == "chunks"
    searched: list[np.ndarray] = []
    original = adapters.sklearn_kneighbors

    def counted(estimator, X, rows, n_neighbors, query_rows=None):
        searched.append(adapters.whole_chunks(np.asarray(rows), len(X)))
        return original(estimator, X, rows, n_neighbors, query_rows)

    monkeypatch.setattr(adapters, "sklearn_kneighbors", counted)
    ours = samplers.FastTomekLinks().fit_resample(X, y)
    theirs = under_sampling.TomekLinks().fit_resample(X, y)
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])
    rows = np.concatenate([np.unique(t) for t in searched if len(t)])
    assert len(rows) == len(np.unique(rows)) <= n  # no query searched twice


# --------------------------------------------------------------------------------------------
# proofs against the other classes (every pair of classes searched once)


def test_nearest_between_bounds_the_exact_distance_from_below():
    """Check both sides' bounds never exceed the exact nearest distance, stay close to it far from
    the origin (centred), give 0 for a duplicate across the sets, and refuse float32's overflow."""
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(3)
    for shift, scale in ((0.0, 1.0), (1e4, 1.0), (0.0, 1e-20), (5.0, 1e12)):
        A = rng.normal(size=(1_300, 20)) * scale + shift
        B = rng.normal(size=(900, 20)) * scale + shift
        B[:40] = A[:40]
        to_b, to_a = neighbours.nearest_between(A, B)
        exact = cdist(A, B, "sqeuclidean")
        assert (to_b <= exact.min(axis=1)).all() and (to_a <= exact.min(axis=0)).all()
        assert (to_b[:40] == 0).all() and (to_a[:40] == 0).all()
        assert np.median(exact.min(axis=1) - to_b) <= 1e-3 * np.median(exact.min(axis=1))
        # rows picked from one matrix (no copies): the same bounds
        both = np.vstack([A, B])
        picked = neighbours.nearest_between(both, both, np.arange(len(A)), np.arange(len(A), len(both)))
        assert (picked[0] <= exact.min(axis=1)).all() and (picked[1] <= exact.min(axis=0)).all()
        np.testing.assert_allclose(picked[0], to_b, rtol=1e-3, atol=1e-3 * np.median(to_b))
    with pytest.raises(ValueError):
        neighbours.nearest_between(np.full((3, 2), 1e20), np.zeros((2, 2)))
    empty_a, empty_b = neighbours.nearest_between(np.zeros((0, 3)), np.ones((4, 3)))
    assert empty_a.size == 0 and np.isinf(empty_b).all()


def _balanced(n: int, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Classes of equal size apart enough that most rows' neighbours share their class, as after
    SMOTE; a few duplicate rows carry another class's label."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(classes), n // classes)
    X = rng.normal(size=(y.size, 20)) + 2.0 * y[:, None]
    X[-30:] = X[:30]  # duplicates across classes: distance 0, never proved
    return X, y


@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("original", [under_sampling.EditedNearestNeighbours, under_sampling.TomekLinks],
                         ids=lambda c: c.__name__)
def test_proofs_on_large_classes_give_imblearns_rows(original, classes, monkeypatch):
    """Check the proofs run where every class is large (each pair of classes searched once) and
    that the rows kept are imbalanced-learn's: the proved rows are most, the rest asked."""
    monkeypatch.setattr(neighbours, "FORCE", True)
    X, y = _balanced(8_000 * classes, classes, seed=classes)
    pairs: list[tuple[int, int]] = []
    proved: list[float] = []
    between, safe = neighbours.nearest_between, samplers._proved_safe

    def counted(A, B, rows_a, rows_b):
        if len(rows_a) == 8_000:  # a whole class (a pilot asks 256 rows): which classes, by their first row
            pairs.append((int(rows_a[0]) // 8_000, int(rows_b[0]) // 8_000))
        return between(A, B, rows_a, rows_b)

    def share(*args):
        got = safe(*args)
        proved.append(float(got[0].mean()))
        return got

    monkeypatch.setattr(neighbours, "nearest_between", counted)
    monkeypatch.setattr(samplers, "_proved_safe", share)
    params = {"sampling_strategy": "all"} if original is under_sampling.EditedNearestNeighbours else {}
    assert_same_as_imblearn(original, X, y, **params)
    searched = [frozenset(pair) for pair in pairs]
    assert searched and len(searched) == len(set(searched))  # no pair of classes searched twice
    if original is under_sampling.EditedNearestNeighbours:
        assert len(searched) == classes * (classes - 1) // 2  # every class proved, each pair once
    assert max(proved) > 0.5 and min(proved) < 1.0


def test_smoteenn_and_smotetomek_prove_their_balanced_classes(monkeypatch):
    """Check SMOTEENN and SMOTETomek, whose cleaning step sees classes of equal size, give
    imbalanced-learn's rows with the proofs running."""
    rng = np.random.default_rng(5)
    y = (rng.random(12_000) < 0.1).astype(int)
    X = rng.normal(size=(y.size, 20)) + 1.5 * y[:, None]
    from imblearn import combine

    calls: list[int] = []
    between = neighbours.nearest_between
    monkeypatch.setattr(neighbours, "nearest_between",
                        lambda A, B, rows_a, rows_b: calls.append(len(rows_a)) or between(A, B, rows_a, rows_b))
    for original in (combine.SMOTEENN, combine.SMOTETomek):
        calls.clear()
        assert_same_as_imblearn(original, X, y)
        assert max(calls) > 10_000  # the whole class against the other, not only a pilot


@pytest.mark.parametrize("original", [under_sampling.RepeatedEditedNearestNeighbours, under_sampling.AllKNN],
                         ids=lambda c: c.__name__)
def test_rounds_reuse_the_previous_rounds_bounds(original, monkeypatch):
    """Check RepeatedEditedNearestNeighbours and AllKNN hand each round's bounds to the next (the
    later rounds' proofs start from them) and still give imbalanced-learn's rows."""
    monkeypatch.setattr(neighbours, "FORCE", True)
    rng = np.random.default_rng(8)
    y = (rng.random(14_000) < 0.1).astype(int)
    X = rng.normal(size=(y.size, 20)) + 0.9 * y[:, None]
    hints: list[bool] = []
    safe = samplers._proved_safe

    def noted(X, asked, rows, lower, k, hint=None):
        got = safe(X, asked, rows, lower, k, hint)
        if len(asked) > 256:
            hints.append(hint is not None)
            assert got[0].mean() > 0.5
        return got

    whole: list[int] = []
    between = neighbours.nearest_between

    def counted(A, B, rows_a=None, rows_b=None):
        if rows_a is not None and len(rows_a) > 256:
            whole.append(len(rows_a))
        return between(A, B, rows_a, rows_b)

    monkeypatch.setattr(samplers, "_proved_safe", noted)
    monkeypatch.setattr(neighbours, "nearest_between", counted)
    assert_same_as_imblearn(original, X, y)
    assert len(hints) >= 2 and len(whole) == 1  # the other classes searched in the first round only
    if original is under_sampling.RepeatedEditedNearestNeighbours:
        # the same k every round: the rows measured in the previous round start the proof
        assert hints[0] is False and all(hints[1:])


def test_a_round_bound_is_not_reused_for_other_rows(monkeypatch):
    """Check an ENN that carries bounds between rounds uses them only for its own output: the same
    output changed in place, or another table, is proved from scratch and gives imbalanced-learn's rows."""
    monkeypatch.setattr(neighbours, "FORCE", True)
    rng = np.random.default_rng(9)
    y = (rng.random(12_000) < 0.1).astype(int)
    X = rng.normal(size=(y.size, 20)) + 0.9 * y[:, None]
    fast = samplers.FastEditedNearestNeighbours()
    fast._balancer_carry = True
    X1, y1 = fast.fit_resample(X, y)
    assert fast._balancer_carried is not None
    X1[y1 == 0] += 0.5  # the majority moves towards the minority: old bounds would be wrong
    ours = fast.fit_resample(X1, y1)
    theirs = under_sampling.EditedNearestNeighbours().fit_resample(X1, y1)
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])


@pytest.mark.parametrize("shift", [0.6, 50.0], ids=["overlapping", "apart"])
def test_cleaning_rule_asks_only_the_misclassified_minority(shift, monkeypatch):
    """Check NeighbourhoodCleaningRule asks for the neighbours of only its misclassified minority rows
    (none when the classes lie apart) and gives imbalanced-learn's rows."""
    monkeypatch.setattr(neighbours, "FORCE", True)
    rng = np.random.default_rng(11)
    y = (rng.random(9_000) < 0.1).astype(int)
    X = rng.normal(size=(y.size, 20)) + shift * y[:, None]
    asked: list[int] = []
    answer = neighbours.answer

    def counted(estimator, question, how=None):
        if question.k == 4 and question.labels is None:
            asked.append(len(question.rows))
        return answer(estimator, question, how)

    monkeypatch.setattr(neighbours, "answer", counted)
    assert_same_as_imblearn(under_sampling.NeighbourhoodCleaningRule, X, y)
    assert (asked == []) if shift > 10 else (0 < asked[0] < (y == 1).sum())


def test_within_groups_never_picks_the_row_itself():
    """Check a query's own row gets no finite distance even where it is the only row of its group
    (its score is then the only one), and that rows beyond float32's range are refused."""
    rng = np.random.default_rng(12)
    X = rng.normal(size=(40, 20))
    groups = [np.array([i]) for i in range(40)]
    found, measured = neighbours.within_groups(X, X, groups, 40, own=np.arange(40))
    assert (np.isinf(measured[found == np.arange(40)[:, None]])).all()
    assert np.isfinite(measured[found != np.arange(40)[:, None]]).all()
    with pytest.raises(neighbours.OutOfRange):
        neighbours.within_groups(X * 1e20, X * 1e20, groups[:5], 3)


def test_proofs_for_more_neighbours_than_the_sample_has_groups_for():
    """Check a proof for many neighbours (4k groups would outnumber the sample's rows: one row a
    group) runs, and every row it proves has its k + 1 nearest in its class."""
    rng = np.random.default_rng(13)
    y = np.repeat([0, 1], [1_300, 200])
    X = rng.normal(size=(y.size, 20)) + 6.0 * y[:, None]
    rows, k = np.flatnonzero(y == 0), 200
    lower = neighbours.nearest_between(X, X, rows, np.flatnonzero(y == 1))[0]
    safe, picks, measured = samplers._proved_safe(X, rows, rows, lower, k)
    assert safe.mean() > 0.5 and picks.shape == (rows.size, k)
    found = NearestNeighbors(n_neighbors=k + 1, algorithm="brute").fit(X).kneighbors(X[rows[safe]], return_distance=False)
    assert (y[found] == 0).all()


def test_a_tie_at_the_kth_distance_is_never_proved():
    """Check a row with another class's row exactly as far as its k-th own row is not proved (either
    may come first in scikit-learn), and is proved once that row lies further."""
    base = np.zeros((1_500, 20))
    base[1:] = np.random.default_rng(14).integers(3, 6, (1_499, 20))  # the others far from row 0
    y = np.zeros(1_500, dtype=int)
    own = [1, 2, 3]
    for j, r in enumerate(own):
        base[r] = 0
        base[r, j] = 1.0  # row 0's three own neighbours at squared distance 1
    base[4] = 0
    base[4, 5] = 1.0      # another class's row, also at squared distance 1
    y[4] = 1
    y[1_000:] = 1
    rows = np.flatnonzero(y == 0)
    for far, expected in ((1.0, False), (1.5, True)):
        X = base.copy()
        X[4, 5] = far
        lower = neighbours.nearest_between(X, X, rows, np.flatnonzero(y == 1))[0]
        safe = samplers._proved_safe(X, rows, rows, lower, 3, (np.tile(own, (rows.size, 1)), np.ones((rows.size, 3))))[0]
        assert bool(safe[0]) is expected


# --------------------------------------------------------------------------------------------
# NearMiss version 2: the farthest minority rows


def _far_table(n: int, d: int, seed: int, integer: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.1).astype(int)
    X = rng.integers(-3, 4, (n, d)).astype(float) if integer else rng.normal(size=(n, d)) + 0.6 * y[:, None]
    return X, y


def _spied_asks(monkeypatch) -> list[int]:
    """The rows each call of adapters.sklearn_distances asks about, from now on in the test."""
    asked: list[int] = []
    theirs = adapters.sklearn_distances
    monkeypatch.setattr(adapters, "sklearn_distances", lambda *a, **kw: asked.append(len(a[2])) or theirs(*a, **kw))
    return asked


def _assert_nearmiss_2_is_imblearns(monkeypatch, X: np.ndarray, y: np.ndarray, **params) -> None:
    """Run FastNearMiss under the test's patches, undo them, and check imbalanced-learn's output."""
    fast = samplers.FastNearMiss(version=2, **params)
    got = fast.fit_resample(X, y)
    monkeypatch.undo()
    reference = under_sampling.NearMiss(version=2, **params)
    expected = reference.fit_resample(X, y)
    assert np.array_equal(got[0], expected[0]) and np.array_equal(fast.sample_indices_, reference.sample_indices_)


@pytest.mark.parametrize(("d", "integer"), [(20, False), (8, False), (20, True), (8, True)])
@pytest.mark.parametrize("minority", [5, 40, 1_000, 1_037])
def test_farthest_are_scikit_learns(minority, d, integer):
    """Check the k farthest rows' squared distances against scikit-learn's full sorted search: within
    the tolerance on real numbers, bit for bit (after the square root) on integers; few rows take the
    plain sort, many the grouped one (with columns past the last whole group)."""
    X, _ = _far_table(minority + 300, d, seed=minority + d, integer=integer)
    data, queries = X[:minority], X[minority:]
    k = min(3, minority)
    nn = NearestNeighbors(n_neighbors=k).fit(data)
    theirs = nn.kneighbors(queries, n_neighbors=minority)[0][:, -k:]
    ours = neighbours.farthest(queries, data, k)
    if integer:
        assert neighbours.exact_in_float64(queries, data)
        assert np.array_equal(np.sqrt(ours), theirs)
    else:
        assert not neighbours.exact_in_float64(queries, data)
        tol = neighbours.tolerance(ours, np.einsum("ij,ij->i", queries, queries), d,
                                   float(np.einsum("ij,ij->i", data, data).max()))
        assert (np.abs(ours - theirs ** 2) <= tol).all()


@pytest.mark.parametrize(("queries", "d"), [(3_000, 20), (300, 20), (500, 6)])
def test_scikit_learns_distances_for_some_rows(queries, d):
    """Check adapters.sklearn_distances gives some rows the bits of the whole call, whichever search
    scikit-learn runs (brute force over query chunks, over fitted chunks, a tree)."""
    X, _ = _far_table(queries + 900, d, seed=queries)
    nn = NearestNeighbors(n_neighbors=3).fit(X[:900])
    Q = X[900:]
    whole = nn.kneighbors(Q, n_neighbors=900)[0]
    rows = np.array([0, 5, 257, queries - 1])
    assert np.array_equal(adapters.sklearn_distances(nn, Q, rows, 900), whole[rows])


@pytest.mark.parametrize("budget", [1 << 30, 1])
def test_nearmiss_asks_scikit_learn_where_the_bound_cannot_order(budget, monkeypatch):
    """Check rows whose sums tie within the bound (duplicate rows of real numbers) take scikit-learn's
    own distances, all at once or a chunk of queries a thread at a time (a tiny memory budget), with
    imbalanced-learn's output and without its whole call."""
    X, y = _far_table(3_000, 20, seed=11)
    X = X.round(1)
    X[:1_500] = X[1_500:]
    asked = _spied_asks(monkeypatch)
    monkeypatch.setattr(samplers, "_NEARMISS_ASK_BYTES", budget)
    monkeypatch.setattr(under_sampling.NearMiss, "_fit_resample", None)  # its whole call never runs
    _assert_nearmiss_2_is_imblearns(monkeypatch, X, y)
    assert sum(asked) > 100
    if budget == 1:  # one chunk of 256 queries per call and thread of scikit-learn's
        assert len(asked) > 2 and max(asked) <= 256 * adapters.search_threads()


def test_nearmiss_version_2_on_integers_asks_nothing(monkeypatch):
    """Check integer rows (one-hot, counts) are ranked with scikit-learn's bits and no help."""
    monkeypatch.setattr(adapters, "sklearn_distances", None)
    monkeypatch.setattr(under_sampling.NearMiss, "_fit_resample", None)
    X, y = _far_table(4_000, 18, seed=2, integer=True)
    X[:2_000] = X[2_000:]  # duplicate rows: equal sums, kept in row order
    _assert_nearmiss_2_is_imblearns(monkeypatch, X, y)


@pytest.mark.parametrize("params", [
    {"sampling_strategy": "all"}, {"sampling_strategy": "not minority", "n_neighbors": 5},
    {"sampling_strategy": {0: 50, 1: 120}}, {"n_neighbors": 500},
    {"n_neighbors": NearestNeighbors(n_neighbors=3, metric="manhattan")},
    {"n_neighbors": NearestNeighbors(n_neighbors=2, algorithm="ball_tree")},
])
def test_nearmiss_version_2_parameters(params):
    """Check NearMiss-2's other settings: several classes, a dictionary, more neighbours than
    minority rows, another metric (imbalanced-learn's code) and a tree's distances."""
    X, y = _far_table(1_500, 20, seed=5)
    y = y + (X[:, 1] > 1.2)
    assert_same_as_imblearn(under_sampling.NearMiss, X, y, **params)


def test_nearmiss_order_with_an_interval_reaching_back():
    """Check the review's case: a majority row that copies a minority row (k = the minority's three
    rows) has a sum known only to about 1e-7, whose interval reaches back past rows before it; the
    rows it overlaps take scikit-learn's sums (before, a row before it was taken as certain)."""
    X = np.array([[-0.7186666666666667, -1.2913333333333332], [-0.7386666666666667, -1.3113333333333332],
                  [0.8143960228457282, -1.9498176847610025], [0.8143960228548609, -1.9498176847648403],
                  [0.162, 0.818], [50.162, 50.818], [0.162, 0.818], [-2.947, -3.322], [0.599, -1.4]])
    y = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1])
    assert_same_as_imblearn(under_sampling.NearMiss, X, y)
    low = samplers._overlapping(np.array([0, 1, 2]), np.array([1.0, 1.5, 2.0]), np.array([0.1, 0.1, 5.0]), 1)
    assert sorted(low) == [0, 1, 2]


@pytest.mark.parametrize("case", ["huge", "overflowing", "many-neighbours", "k-none", "k-float", "small-chunks",
                                  "no-cython"])
def test_nearmiss_version_2_edges(case):
    """Check inputs where Balancer's own NearMiss-2 steps aside or must not differ: values whose
    squares overflow float64 (a crash, then NaN sums ordered otherwise), more farthest rows than it
    sums itself, neighbour counts imbalanced-learn rejects with its own error, scikit-learn's search
    configured otherwise (an error imbalanced-learn raises; the whole call once, not per chunk)."""
    import warnings

    import sklearn

    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(600, 20)), (rng.random(600) < 0.1).astype(int)
    params, config = {}, {}
    if case == "huge":
        X, y = np.array([[0.0], [1.0], [2.0], [3.0], [1e160]]), np.array([0, 0, 0, 1, 1])
        params = {"n_neighbors": 1}
    elif case == "overflowing":
        X = X * 1.2e154
    elif case == "many-neighbours":
        params = {"n_neighbors": 65}
    elif case in ("k-none", "k-float"):
        params = {"n_neighbors": NearestNeighbors(n_neighbors=None if case == "k-none" else 2.0)}
    elif case == "small-chunks":
        config = {"pairwise_dist_chunk_size": 10}
    else:
        config = {"enable_cython_pairwise_dist": False}
    def outcome(cls: type) -> tuple:
        sampler = cls(version=2, **params)
        with sklearn.config_context(**config), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                X_out, y_out = sampler.fit_resample(X, y)
                got: tuple = (X_out.tobytes(), y_out.tobytes(), sampler.sample_indices_.tobytes())
            except Exception as exc:  # noqa: BLE001 - the same error is the point
                got = (type(exc).__name__, str(exc))
        return got, sorted(f"{w.category.__name__}: {w.message}" for w in caught)

    assert outcome(samplers.FastNearMiss) == outcome(under_sampling.NearMiss)


def test_nearmiss_far_from_the_origin_asks_scikit_learn_for_all(monkeypatch):
    """Check rows far from the origin (scikit-learn's errors as wide as the gaps between sums): a
    pilot of 256 rows sees the bound would order nothing, so every row takes scikit-learn's sums
    at once, without Balancer's own pass over all of them, and the result is imbalanced-learn's."""
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(3_000, 20)) + 1e6, (rng.random(3_000) < 0.1).astype(int)
    asked, passes = _spied_asks(monkeypatch), []
    ours = neighbours.farthest
    monkeypatch.setattr(neighbours, "farthest", lambda *a: passes.append(len(a[0])) or ours(*a))
    _assert_nearmiss_2_is_imblearns(monkeypatch, X, y)
    assert sum(asked) == int((y == 0).sum()) and passes == [samplers._NEARMISS_PILOT]


def test_nearmiss_with_many_neighbours_keeps_to_its_memory(monkeypatch):
    """Check more than 64 farthest rows summed: every row takes scikit-learn's sums a few chunks at
    a time (imbalanced-learn's one call holds every minority distance of every row: a dashboard's
    n_neighbors must not be a way to exhaust the server), with imbalanced-learn's output."""
    rng = np.random.default_rng(8)
    X, y = rng.normal(size=(1_500, 20)), (rng.random(1_500) < 0.15).astype(int)
    asked = _spied_asks(monkeypatch)
    monkeypatch.setattr(under_sampling.NearMiss, "_fit_resample", None)  # its whole call never runs
    monkeypatch.setattr(samplers, "_NEARMISS_ASK_BYTES", 1)
    _assert_nearmiss_2_is_imblearns(monkeypatch, X, y, n_neighbors=100)
    assert sum(asked) == int((y == 0).sum()) and max(asked) <= 256 * adapters.search_threads()
