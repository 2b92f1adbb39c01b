"""The registry: every imbalanced-learn sampler, typed parameters, sampling_strategy forms."""

from __future__ import annotations

import inspect

import pytest
from imblearn import combine, over_sampling, under_sampling

from balancer import strategies
from balancer.errors import MethodError, ParameterError


def test_every_imblearn_sampler_is_registered():
    """Check that the registry has all 21 samplers of imbalanced-learn: 8 over, 11 under, 2 combined."""
    expected = set(over_sampling.__all__) | set(under_sampling.__all__) | set(combine.__all__)
    assert set(strategies.SAMPLERS) == expected
    families = strategies.by_family()
    assert len(families["over"]) == 8
    assert len(families["under"]) == 11
    assert len(families["combined"]) == 2


@pytest.mark.parametrize("name", strategies.SAMPLERS)
def test_params_exist_on_the_imblearn_class(name):
    """Check that registered parameters and defaults match imbalanced-learn's signature."""
    strategy = strategies.get(name)
    signature = inspect.signature(strategy.sampler).parameters
    for param in strategy.params:
        if name in ("SMOTEENN", "SMOTETomek"):
            continue  # their parameters configure the inner SMOTE / ENN
        assert param.name in signature, param.name
        if param.default is not None:
            assert signature[param.name].default == param.default, param.name
        assert param.help


@pytest.mark.parametrize(
    ("name", "key", "value", "expected"),
    [
        ("SMOTE", "k_neighbors", "3", 3),
        ("SMOTE", "k_neighbors", 4.0, 4),
        ("RandomUnderSampler", "replacement", "true", True),
        ("NearMiss", "version", "2", 2),
        ("RandomOverSampler", "shrinkage", "off", None),
        ("RandomOverSampler", "shrinkage", "0.5", 0.5),
        ("BorderlineSMOTE", "kind", "Borderline-2", "borderline-2"),
        ("class_weight", "weights", '{"yes": 10}', {"yes": 10.0}),
    ],
)
def test_parameter_coercion(name, key, value, expected):
    """Check that text and typed values are coerced to the parameter's type."""
    assert strategies.get(name).validate({key: value})[key] == expected


@pytest.mark.parametrize(
    ("name", "params", "match"),
    [
        ("SMOTE", {"k_neighbors": "0"}, "from 1 to 100"),
        ("SMOTE", {"k_neighbors": "2.5"}, "whole number"),
        ("SMOTE", {"k_neighbor": "3"}, "Did you mean 'k_neighbors'"),
        ("NearMiss", {"version": "4"}, "one of 1, 2, 3"),
        ("RandomUnderSampler", {"replacement": "maybe"}, "true or false"),
        ("class_weight", {"weights": '{"yes": -1}'}, "balanced"),
    ],
)
def test_bad_parameters(name, params, match):
    """Check that bad values raise ParameterError naming what is expected."""
    with pytest.raises(ParameterError, match=match):
        strategies.get(name).validate(params)


def test_lookup_is_case_insensitive_with_suggestions():
    """Check name matching and the did-you-mean for unknown names."""
    assert strategies.get("smote").name == "SMOTE"
    assert strategies.get("random_under_sampler").name == "RandomUnderSampler"
    with pytest.raises(MethodError, match="Did you mean 'TomekLinks'"):
        strategies.get("TomekLink")


COUNTS = {"no": 90, "yes": 10}


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("SMOTE", "minority", "minority"),
        ("SMOTE", "Not Majority", "not majority"),
        ("SMOTE", "0.5", 0.5),
        ("SMOTE", '{"yes": 50}', {"yes": 50}),
        ("RandomUnderSampler", {"no": 20}, {"no": 20}),
        ("TomekLinks", '["no"]', ["no"]),
    ],
)
def test_sampling_strategy_forms(name, value, expected):
    """Check names, ratios, per-class counts and class lists."""
    assert strategies.parse_sampling_strategy(value, strategies.get(name), COUNTS) == expected


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("SMOTE", "0.05", "below the current"),
        ("SMOTE", "1.5", "at most 1"),
        ("SMOTE", '{"maybe": 5}', "does not have"),
        ("SMOTE", '{"yes": 5}', "at least 10"),
        ("RandomUnderSampler", '{"no": 100}', "at most 90"),
        ("RandomUnderSampler", "minority", "not understood"),
        ("TomekLinks", "0.5", "cannot aim at a ratio"),
        ("SMOTE", "{bad json", "not valid JSON"),
    ],
)
def test_bad_sampling_strategy(name, value, match):
    """Check that impossible sampling strategies are refused with the numbers."""
    with pytest.raises(ParameterError, match=match):
        strategies.parse_sampling_strategy(value, strategies.get(name), COUNTS)


def test_ratio_needs_two_classes():
    """Check that a ratio is refused for a multiclass target."""
    with pytest.raises(ParameterError, match="two classes"):
        strategies.parse_sampling_strategy(0.5, strategies.get("SMOTE"), {"a": 5, "b": 3, "c": 9})


def test_methods_json_lists_parameters():
    """Check that each entry's JSON form has the fields the CLI promises."""
    for strategy in strategies.STRATEGIES.values():
        out = strategy.to_dict()
        assert {"name", "family", "description", "params"} <= set(out)
        for param in out["params"]:
            assert {"name", "type", "default", "help"} <= set(param)
