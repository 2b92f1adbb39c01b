"""One registry: an entry says everything about a tactic, and one function builds any of them."""

from __future__ import annotations

import json

import pytest
from imblearn import combine, over_sampling, under_sampling

from balancer import compare, samplers, spark, strategies
from balancer.cli import main
from balancer.compare import DEFAULT_METHODS
from balancer.parameters import Param
from balancer.resample import resample
from tests.conftest import mixed_table

#: A tactic only the tests know: random under-sampling under another name.
DUMMY = strategies.Strategy(
    "DummyUnderSampler", "under", "Test only: drop random rows of the larger classes.",
    (Param("replacement", "bool", False, "draw with replacement"),),
    under_sampling.RandomUnderSampler, row_selecting=True, labels_only=True,
)


def test_registered_tactic_is_listed_by_balancer_methods(capsys):
    """Check that a tactic registered in a test appears in 'balancer methods --json', then goes."""
    with strategies.registered(DUMMY):
        assert main(["methods", "--json"]) == 0
        listed = {m["name"]: m for m in json.loads(capsys.readouterr().out)["methods"]}
        assert listed["DummyUnderSampler"]["family"] == "under"
        assert listed["DummyUnderSampler"]["params"][0]["name"] == "replacement"
        assert "DummyUnderSampler" in strategies.SAMPLERS
        assert strategies.get("dummy_under_sampler") is DUMMY
    assert main(["methods", "--json"]) == 0
    assert "DummyUnderSampler" not in {m["name"] for m in json.loads(capsys.readouterr().out)["methods"]}
    assert "DummyUnderSampler" not in strategies.SAMPLERS


def test_registered_tactic_runs_in_compare_and_resample():
    """Check that the comparison and resampling run a registered tactic like any other."""
    data = mixed_table(n=160, minority=30)
    with strategies.registered(DUMMY):
        result = compare(data, "label", ["DummyUnderSampler", "none"], folds=3)
        assert {e.method for e in result.results} == {"none", "DummyUnderSampler"}
        assert not result.skipped
        balanced = resample(data, "label", "DummyUnderSampler", seed=1)
        assert set(balanced.after.values()) == {30}


def test_register_refuses_duplicates_and_unknown_families():
    """Check that a name already taken (in any spelling) or an unknown family is refused."""
    with pytest.raises(ValueError, match="already registered"):
        strategies.register(strategies.Strategy("smote", "over", "a second SMOTE"))
    with pytest.raises(ValueError, match="unknown family"):
        strategies.register(strategies.Strategy("Other", "sideways", "nowhere"))


@pytest.mark.parametrize("name", [s.name for s in strategies.STRATEGIES.values() if s.sampler is not None])
def test_build_gives_the_fast_variant_or_imbalanced_learns_class(name):
    """Check that build() gives the fast drop-in where the entry has one, imbalanced-learn's class else."""
    strategy = strategies.get(name)
    params = strategy.defaults()
    reference = strategies.build(name, params, "auto", 3, categorical_indices=[0], engine="imblearn")
    assert type(reference) is strategy.sampler
    fast = strategies.build(name, params, "auto", 3, categorical_indices=[0], engine="fast")
    assert isinstance(fast, strategy.sampler)
    assert (repr(fast) != repr(reference)) == (strategy.fast is not None)  # sklearn's repr shows the params
    if "random_state" in reference.get_params():
        assert reference.random_state == fast.random_state == 3


@pytest.mark.parametrize(("name", "step", "fast_step", "cleaner", "fast_cleaner"), [
    ("SMOTEENN", "smote", samplers.FastSMOTE, "enn", samplers.FastEditedNearestNeighbours),
    ("SMOTETomek", "smote", samplers.FastSMOTE, "tomek", samplers.FastTomekLinks),
])
def test_combined_tactics_build_their_steps_through_the_registry(name, step, fast_step, cleaner, fast_cleaner):
    """Check that SMOTEENN/SMOTETomek get their steps from the entries, fast or not with the engine."""
    params = dict(strategies.get(name).defaults(), k_neighbors=3)
    fast = strategies.build(name, params, "auto", 2, engine="fast")
    assert type(getattr(fast, step)) is fast_step and type(getattr(fast, cleaner)) is fast_cleaner
    assert getattr(fast, cleaner).sampling_strategy == "all"
    reference = strategies.build(name, params, "auto", 2, engine="imblearn")
    assert type(getattr(reference, step)) is over_sampling.SMOTE
    assert getattr(reference, step).k_neighbors == 3 and getattr(reference, step).random_state == 2
    assert type(reference) in (combine.SMOTEENN, combine.SMOTETomek)


def test_smotenc_gets_the_categorical_columns():
    """Check that build() hands SMOTENC the categorical positions in both engines."""
    for engine in ("fast", "imblearn"):
        sampler = strategies.build("SMOTENC", {"k_neighbors": 5}, "auto", 0, categorical_indices=[2, 3],
                                   engine=engine)
        assert list(sampler.categorical_features) == [2, 3]


def test_flags_replace_name_lists():
    """Check what the other modules read off the entries: defaults, Spark support, label-only."""
    assert DEFAULT_METHODS[0] == "none" and set(DEFAULT_METHODS) == set(strategies.compare_defaults())
    assert set(strategies.spark_methods("spark")) == {"none", "RandomUnderSampler", "RandomOverSampler"}
    assert set(strategies.spark_methods("driver")) == {"SMOTE", "SMOTENC", "SMOTEN", "BorderlineSMOTE", "SVMSMOTE",
                                                       "ADASYN"}
    assert "RandomUnderSampler" in spark.runs_on_spark() and "SVMSMOTE" in spark.runs_on_spark()
    ros = strategies.get("RandomOverSampler")
    assert not ros.needs_features({"shrinkage": None}) and ros.needs_features({"shrinkage": 0.5})
    assert strategies.get("SMOTE").needs_features({})
    for strategy in strategies.STRATEGIES.values():
        assert strategy.family in strategies.FAMILIES
        assert (strategy.sampler is None) or strategy.estimator is None
        if strategy.spark is not None:
            assert strategy.resamples and strategy.spark.mode in ("spark", "driver")


def test_engine_from_the_environment(monkeypatch):
    """Check that build() without an engine follows BALANCER_ENGINE."""
    monkeypatch.setenv("BALANCER_ENGINE", "imblearn")
    assert type(strategies.build("TomekLinks", {})) is under_sampling.TomekLinks
    monkeypatch.setenv("BALANCER_ENGINE", "fast")
    assert type(strategies.build("TomekLinks", {})) is samplers.FastTomekLinks
