"""The exported Python script: no column name, label or recipe value can leave its string literal."""

from __future__ import annotations

import ast
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from balancer.codegen import literal, python_script
from balancer.errors import DataError
from balancer.recipe import Recipe, make
from balancer.tables import write_csv

PAYLOAD = 'import os; os.system("touch {marker}")'
#: Names an attacker (or an unlucky export) can give a column or a class; {marker} is a file path.
HOSTILE = [
    'x"""; ' + PAYLOAD + '; """',
    "x'''; " + PAYLOAD.replace('"', "'") + "; '''",
    'back\\slash\\"""\\',
    'line\n"""\n' + PAYLOAD + '\n#',
    '\\N{LATIN SMALL LETTER A}"""',
    "ünïcødé 名前 \"\"\" ✓",
    '{__import__("os").system("touch {marker}")}',
    'sep\u2028"""\u2029' + PAYLOAD,
    "cr\r# " + PAYLOAD,
    "%s %(x)r \\x00 \\u0000",
]


def _hostile(marker) -> list[str]:
    return [name.replace("{marker}", str(marker)) for name in HOSTILE]


@pytest.mark.parametrize("value", [*HOSTILE, "", 0, -3, 2.5, 1e-300, True, None, [1, "a"],
                                   {"a": 1, "b\"\"\"": [2.0, None]}, np.int64(4), np.float64(0.25)])
def test_literal_round_trips(value):
    """Check every value comes back from the text literal() writes, as the same value."""
    text = literal(value)
    expected = value.item() if hasattr(value, "item") else value
    assert ast.literal_eval(text) == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf"), object(), b"bytes", {(1, 2): 3}])
def test_literal_refuses_what_a_script_cannot_hold(value):
    """Check values without a safe literal are refused, not written."""
    with pytest.raises(DataError):
        literal(value)


def _table(target: str, features: list[str], labels: tuple[str, str], n: int = 160) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    y = np.where(rng.random(n) < 0.2, labels[1], labels[0])
    frame = pd.DataFrame({name: rng.normal(size=n) + (y == labels[1]) for name in features})
    frame["colour"] = rng.choice(["red", "blue"], n)
    frame[target] = y
    return frame


@pytest.mark.parametrize(("target", "method", "model", "weights"), [
    (0, "SMOTE", "logistic_regression", None),
    (3, "SMOTE", "random_forest", None),  # SMOTENC: there is a categorical column
    (1, "RandomUnderSampler", "decision_tree", '{"LABEL1": 5}'),
    (5, "class_weight", "logistic_regression", None),
    (7, "TomekLinks", "logistic_regression", "balanced"),
])
def test_hostile_names_never_run(target, method, model, weights, tmp_path):
    """Check a script made from hostile column names, labels and recipe values runs and runs no payload."""
    marker = tmp_path / "pwned"
    names = _hostile(marker)
    label = names[(target + 1) % len(names)]
    data = _table(names[target], [n for i, n in enumerate(names) if i != target], ("plain", label))
    if weights is not None:
        weights = weights.replace("LABEL1", label.replace("\\", "\\\\").replace('"', '\\"')
                                  .replace("\n", "\\n").replace("\r", "\\r"))
    params = {"weights": weights or "balanced"} if method == "class_weight" else {}
    made = make("evaluate", names[target], method, params, 1, model=model, folds=3,
                class_weight=weights if method != "class_weight" else None)
    made = Recipe.from_dict({**made.to_dict(), "versions": {"balancer": names[0], "imbalanced-learn": names[3]},
                             "input_name": names[1]})
    script = python_script(made, data)
    ast.parse(script)
    path = tmp_path / "data.csv"
    path.write_bytes(write_csv(data))
    (tmp_path / "reproduce.py").write_text(script, encoding="utf-8")
    done = subprocess.run([sys.executable, "reproduce.py", str(path)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert not marker.exists(), "the exported script ran the payload"
    assert done.returncode == 0, done.stderr[-2000:]
    assert "balanced_accuracy" in done.stdout


def test_script_names_the_target_only_in_a_constant():
    """Check the target's name is not in the docstring or any comment, only in TARGET = ..."""
    name = 'amount"""'
    data = _table(name, ["a", "b"], ("no", "yes"))
    script = python_script(make("resample", name, "SMOTE", {}, 0), data)
    tree = ast.parse(script)
    assert ast.get_docstring(tree) and name not in ast.get_docstring(tree)
    assert not [line for line in script.splitlines() if line.lstrip().startswith("#") and name in line]
    constants = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
                 if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                 and node.targets[0].id.isupper()}
    assert constants["TARGET"] == name and constants["METHOD"] == "SMOTE"


def test_json_class_weights_reach_the_script_as_a_dict():
    """Check --class-weight given as JSON text becomes a dict of costs in the script."""
    data = _table("y", ["a", "b"], ("no", "yes"))
    script = python_script(make("evaluate", "y", "none", {}, 0, class_weight='{"yes": 5}'), data)
    assert "CLASS_WEIGHT = {'yes': 5.0}" in script


def test_a_recipe_with_an_unknown_model_is_refused():
    """Check a recipe naming a model the script does not know gives a DataError, not a KeyError."""
    data = _table("y", ["a", "b"], ("no", "yes"))
    made = make("evaluate", "y", "none", {}, 0, model="os.system('x')")
    with pytest.raises(DataError, match="unknown model"):
        python_script(made, data)
