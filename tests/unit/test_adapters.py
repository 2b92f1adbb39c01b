"""Other libraries' internals are reached in balancer/adapters.py only, and only on checked versions."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest
from imblearn import over_sampling, under_sampling
from imblearn.utils import check_sampling_strategy

from balancer import adapters, samplers, strategies
from balancer.resample import resample
from tests.conftest import mixed_table

ROOT = Path(__file__).resolve().parents[2]
#: imbalanced-learn's private methods and attributes Balancer relies on (``_fit_resample`` is the
#: method every sampler implements, and may be overridden anywhere).
PRIVATE = {"_validate_estimator", "_make_samples", "_generate_samples", "_sampling_type", "_count_class_sample",
           "_fit_X", "_fit_method", "_tree", "_y", "_mode", "_safe_indexing"}


def test_checked_versions_are_the_pinned_ones():
    """Check that the versions the adapters were checked against are requirements.txt's pins."""
    pins = dict(re.findall(r"^([\w-]+)==([\w.]+)", (ROOT / "requirements.txt").read_text(), re.M))
    for name, version in adapters.CHECKED.items():
        assert pins[name] == version, name


def test_mismatch_is_described():
    """Check the notice for other versions, and none for the checked ones."""
    assert adapters.version_mismatch(dict(adapters.CHECKED)) is None
    text = adapters.version_mismatch({"imbalanced-learn": "0.15.0", "scikit-learn": "1.9.1"})
    assert text is not None and "imbalanced-learn 0.15.0 (checked: 0.14.2)" in text
    assert "scikit-learn" not in text


def test_other_versions_fall_back_to_imbalanced_learn_with_a_notice(monkeypatch):
    """Check that with unchecked versions the fast engine steps aside and the result says so."""
    monkeypatch.setenv("BALANCER_ENGINE", "fast")
    notice = adapters.version_mismatch({"imbalanced-learn": "9.9", "scikit-learn": "9.9"})
    data = mixed_table()[["x_float", "x_int", "label"]].dropna()
    fast = resample(data, "label", "SMOTE", seed=4)
    assert not any("instead of Balancer's fast ones" in n for n in fast.notices)
    monkeypatch.setattr(adapters, "MISMATCH", notice)
    assert type(strategies.build("SMOTE", {"k_neighbors": 5})) is over_sampling.SMOTE
    assert type(strategies.build("SMOTEENN", strategies.get("SMOTEENN").defaults()).enn) is \
        under_sampling.EditedNearestNeighbours
    fallen = resample(data, "label", "SMOTE", seed=4)
    assert notice in fallen.notices
    assert fallen.data.equals(fast.data)
    assert notice not in resample(data, "label", "RandomOverSampler", seed=4).notices  # no fast variant


def test_every_fast_entry_steps_aside_on_other_versions(monkeypatch):
    """Check that with unchecked versions every entry with a fast variant builds imbalanced-learn's class."""
    monkeypatch.setattr(adapters, "MISMATCH", "other versions")
    for strategy in strategies.STRATEGIES.values():
        if strategy.fast is None:
            continue
        built = strategies.build(strategy.name, strategy.defaults(), "auto", 0, engine="fast")
        assert type(built) is strategy.sampler, strategy.name
        assert strategies.fallback_notice(strategy.name, "fast") == "other versions"
        for part in ("smote", "enn", "tomek"):
            inner = getattr(built, part, None)
            assert inner is None or type(inner).__module__.startswith("imblearn."), (strategy.name, part)


def test_the_mismatch_is_read_at_import():
    """Check MISMATCH is what version_mismatch says of the installed versions (None here: the pins)."""
    assert adapters.version_mismatch() == adapters.MISMATCH
    assert adapters.installed_versions() == adapters.CHECKED
    assert adapters.internals_checked() and strategies.engine_in_use("fast") == "fast"


def test_private_names_only_in_the_adapters():
    """Check that no other module imports a private name of imbalanced-learn or scikit-learn, or
    calls their private methods."""
    for path in sorted((ROOT / "balancer").rglob("*.py")):
        if path.name == "adapters.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("imblearn", "sklearn"):
                private = any(part.startswith("_") for part in (node.module or "").split("."))
                assert not private and not any(a.name.startswith("_") for a in node.names), (path.name, node.lineno)
            if isinstance(node, ast.Attribute):
                assert node.attr not in PRIVATE, (path.name, node.lineno, node.attr)
            if isinstance(node, ast.Constant):
                assert node.value not in PRIVATE, (path.name, node.lineno)


@pytest.mark.parametrize("counts", [[50, 20, 7], [9, 9, 3], [100, 1], [13, 40], [5, 5]])
def test_target_counts_from_counts_alone_match_imbalanced_learn(counts):
    """Check the reading of sampling_strategy from counts against imbalanced-learn's on a real y."""
    y = np.repeat(np.arange(len(counts)), counts)
    forms: list = ["auto", "majority", "minority", "not majority", "not minority", "all",
                   {0: counts[0]}, {len(counts) - 1: counts[-1]}, [0], 0.9, 0.5, 1.0]
    for kind in ("over-sampling", "under-sampling", "clean-sampling"):
        for form in forms:
            try:
                expected = {int(c): int(n) for c, n in check_sampling_strategy(form, y, kind).items()}
            except ValueError as exc:
                with pytest.raises(ValueError, match=re.escape(str(exc)[:30])):
                    adapters.target_counts(form, counts, kind)
                continue
            assert adapters.target_counts(form, counts, kind) == expected, (kind, form)


def test_target_counts_checks_itself_on_other_versions(monkeypatch):
    """Check that on unchecked versions the stand-in is first compared with a real y."""
    monkeypatch.setattr(adapters, "MISMATCH", "other versions")
    assert adapters.target_counts("auto", [10, 4], "over-sampling") == {1: 6}
    assert adapters._stand_in_agrees()


def test_smote_draws_are_imbalanced_learns():
    """Check that the draws handed back are the ones SMOTE itself makes its rows from."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    nns = rng.integers(0, 40, size=(40, 5))
    draws = adapters.smote_draws(over_sampling.SMOTE(random_state=7), nns, 25, 1, np.int64)
    rows, cols, steps = draws
    made, labels = over_sampling.SMOTE(random_state=7)._make_samples(X, np.int64, 1, X, nns, 25, 1.0)
    assert np.array_equal(made, X[rows] + steps * (X[nns[rows, cols]] - X[rows]))
    assert (labels == 1).all()


def test_one_sided_selection_leaves_imbalanced_learn_as_it_is():
    """Check that the fast one-sided selection does not touch imbalanced-learn's module."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 4))
    y = (rng.random(300) < 0.2).astype(int)
    fast = strategies.build("OneSidedSelection", {"n_neighbors": None, "n_seeds_S": 1}, "auto", 0, engine="fast")
    assert type(fast) is samplers.FastOneSidedSelection
    fast.fit_resample(X, y)
    assert under_sampling.OneSidedSelection._fit_resample.__globals__["TomekLinks"] is under_sampling.TomekLinks
    reference = under_sampling.OneSidedSelection(random_state=0)
    reference.fit_resample(X, y)
    assert np.array_equal(fast.sample_indices_, reference.sample_indices_)
