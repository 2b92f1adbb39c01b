"""Balancer's drop-ins behave as imbalanced-learn's estimators: parameters, clones, sparse and float32
input, a neighbours object's metric, nested samplers set up at fit time.

imbalanced-learn's own test suite with the drop-ins in place of its classes is
``benchmarks/imblearn_suite.py`` (too slow for the unit tests).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from imblearn import combine, over_sampling, under_sampling
from scipy import sparse
from sklearn.base import clone
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

from balancer import adapters, neighbours, samplers
from balancer.neighbours import FastKNeighboursClassifier, FastNeighbours

DROP_INS = list(samplers.DROP_INS.items())


@pytest.fixture(autouse=True)
def forced(monkeypatch):
    """The fast search wherever it may, even on these small tables."""
    monkeypatch.setattr(neighbours, "FORCE", True)


def data(n: int = 300, d: int = 18, seed: int = 0, ties: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 3, (n, d)).astype(float) if ties else rng.normal(size=(n, d))
    y = (X[:, 0] + rng.normal(size=n) > (1.5 if ties else 1.0)).astype(int)
    return X, y


def _params(original: type) -> dict:
    return {"random_state": 0} if "random_state" in original().get_params() else {}


def outcome(sampler, X, y):
    """The sampler's output, or its error (type and message) where it raises one."""
    try:
        return sampler.fit_resample(X, y)
    except Exception as exc:  # noqa: BLE001 - the comparison is the point
        return f"{type(exc).__name__}: {exc}"


def _same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if sparse.issparse(a[0]):
        return bool((a[0] != b[0]).nnz == 0) and np.array_equal(a[1], b[1]) and a[0].format == b[0].format
    return a[0].dtype == b[0].dtype and np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


@pytest.mark.parametrize(("original", "fast"), DROP_INS, ids=[o.__name__ for o, _ in DROP_INS])
def test_parameters_are_imbalanced_learns(original, fast):
    """Check the drop-in takes exactly imbalanced-learn's parameters and defaults, and clones."""
    assert issubclass(fast, original)
    assert fast().get_params() == original().get_params()
    sampler = fast(**_params(original))
    assert type(clone(sampler)) is fast and clone(sampler).get_params() == sampler.get_params()
    assert type(pickle.loads(pickle.dumps(sampler))) is fast


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize(("original", "fast"), DROP_INS, ids=[o.__name__ for o, _ in DROP_INS])
def test_sparse_input_is_imbalanced_learns(original, fast, fmt):
    """Check sparse input (which the tags accept) gives imbalanced-learn's result."""
    X, y = data(ties=True)
    X = sparse.csr_matrix(X) if fmt == "csr" else sparse.csc_matrix(X)
    assert _same(fast(**_params(original)).fit_resample(X, y), original(**_params(original)).fit_resample(X, y))


@pytest.mark.parametrize(("original", "fast"), DROP_INS, ids=[o.__name__ for o, _ in DROP_INS])
def test_float32_stays_float32(original, fast):
    """Check float32 input comes back float32, with imbalanced-learn's values."""
    X, y = data(ties=True)
    X = X.astype(np.float32) / 3
    got = fast(**_params(original)).fit_resample(X, y)
    assert got[0].dtype == np.float32
    assert _same(got, original(**_params(original)).fit_resample(X, y))


def test_cleaning_rule_follows_set_params():
    """Check a later set_params(sampling_strategy=...) reaches the cleaning rule's inner editing."""
    X, y = data(n=400, seed=3)
    y = y + (X[:, 1] > 0.8)
    fast = samplers.FastNeighbourhoodCleaningRule()
    reference = under_sampling.NeighbourhoodCleaningRule()
    for strategy in ("auto", [0], "majority", "all"):
        fast.set_params(sampling_strategy=strategy)
        reference.set_params(sampling_strategy=strategy)
        assert _same(fast.fit_resample(X, y), reference.fit_resample(X, y))
        assert np.array_equal(fast.sample_indices_, reference.sample_indices_)
        assert type(fast.edited_nearest_neighbours_) is samplers.FastEditedNearestNeighbours
        assert fast.edited_nearest_neighbours_.sampling_strategy == strategy


def test_nested_samplers_are_fast_and_follow_their_parent():
    """Check SMOTEENN, SMOTETomek, RENN and AllKNN set up fast inner samplers from their own parameters."""
    X, y = data(n=400, seed=4)
    for original, fast, inner in [(combine.SMOTEENN, samplers.FastSMOTEENN, "enn_"),
                                  (combine.SMOTETomek, samplers.FastSMOTETomek, "tomek_"),
                                  (under_sampling.RepeatedEditedNearestNeighbours,
                                   samplers.FastRepeatedEditedNearestNeighbours, "enn_"),
                                  (under_sampling.AllKNN, samplers.FastAllKNN, "enn_")]:
        sampler, reference = fast(**_params(original)), original(**_params(original))
        sampler.set_params(sampling_strategy="all" if "Edited" in original.__name__ or original is
                           under_sampling.AllKNN else "auto")
        reference.set_params(**{"sampling_strategy": sampler.sampling_strategy})
        assert _same(sampler.fit_resample(X, y), reference.fit_resample(X, y))
        assert type(getattr(sampler, inner)).__name__.startswith("Fast")


@pytest.mark.parametrize("metric", [{"metric": "manhattan"}, {"p": 1}, {"metric": "chebyshev"}])
@pytest.mark.parametrize(("original", "parameter"), [
    (under_sampling.EditedNearestNeighbours, "n_neighbors"), (under_sampling.RepeatedEditedNearestNeighbours,
                                                             "n_neighbors"),
    (under_sampling.AllKNN, "n_neighbors"), (over_sampling.SMOTE, "k_neighbors"),
    (over_sampling.ADASYN, "n_neighbors"), (over_sampling.BorderlineSMOTE, "m_neighbors"),
    (combine.SMOTEENN, None)])
def test_a_neighbours_objects_metric_is_honoured(original, parameter, metric):
    """Check a neighbours object with another metric is used as imbalanced-learn uses it."""
    X, y = data(n=300, seed=5, ties=True)
    params = _params(original)
    if parameter is None:
        params["enn"] = under_sampling.EditedNearestNeighbours(n_neighbors=NearestNeighbors(n_neighbors=4, **metric))
    else:
        params[parameter] = NearestNeighbors(n_neighbors=4, **metric)
    assert _same(samplers.DROP_INS[original](**params).fit_resample(X, y), original(**params).fit_resample(X, y))


@pytest.mark.parametrize("original", [under_sampling.OneSidedSelection, under_sampling.CondensedNearestNeighbour,
                                      under_sampling.NeighbourhoodCleaningRule])
def test_a_classifiers_metric_is_honoured(original):
    """Check a KNeighborsClassifier with another metric (or weights) is used as imbalanced-learn uses it."""
    X, y = data(n=200, seed=6, ties=True)
    for extra in ({"metric": "manhattan"}, {"weights": "distance"}, {"algorithm": "brute"}):
        params = dict(_params(original), n_neighbors=KNeighborsClassifier(n_neighbors=1, **extra))
        assert _same(outcome(samplers.DROP_INS[original](**params), X, y), outcome(original(**params), X, y))


def test_another_neighbours_object_is_kept():
    """Check an object that is not scikit-learn's own neighbours class is used as it is."""
    from imblearn.utils.testing import _CustomNearestNeighbors

    X, y = data(n=200, seed=7)
    for original in (under_sampling.EditedNearestNeighbours, over_sampling.SMOTE):
        parameter = "k_neighbors" if original is over_sampling.SMOTE else "n_neighbors"
        params = dict(_params(original), **{parameter: _CustomNearestNeighbors(n_neighbors=4)})
        assert _same(outcome(samplers.DROP_INS[original](**params), X, y), outcome(original(**params), X, y))


def test_drop_in_neighbours_take_every_parameter():
    """Check FastNeighbours and FastKNeighboursClassifier take scikit-learn's parameters unchanged."""
    assert FastNeighbours().get_params() == NearestNeighbors().get_params()
    assert FastKNeighboursClassifier().get_params() == KNeighborsClassifier().get_params()
    assert samplers.fast_neighbours(NearestNeighbors(n_neighbors=7, metric="cosine")).get_params() == \
        NearestNeighbors(n_neighbors=7, metric="cosine").get_params()


@pytest.mark.parametrize(("original", "fast"), DROP_INS, ids=[o.__name__ for o, _ in DROP_INS])
def test_drop_ins_step_aside_on_other_versions(original, fast, monkeypatch):
    """Check that with unchecked library versions a drop-in runs imbalanced-learn's own code and objects."""
    monkeypatch.setattr(adapters, "MISMATCH", "other versions")
    X, y = data(n=200, seed=8, ties=True)
    sampler = fast(**_params(original))
    assert _same(outcome(sampler, X, y), outcome(original(**_params(original)), X, y))
    for name in ("nn_", "nn_k_", "nn_m_", "enn_", "smote_", "tomek_", "edited_nearest_neighbours_"):
        inner = getattr(sampler, name, None)
        assert inner is None or not type(inner).__module__.startswith("balancer"), name
