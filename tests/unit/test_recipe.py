"""Recipes replay byte for byte; code export and reports reproduce the result."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from balancer import profile, resample
from balancer.codegen import python_script
from balancer.errors import DataError
from balancer.recipe import Recipe, make
from balancer.report import build
from tests.conftest import csv_of, mixed_table, run_cli


@pytest.fixture
def csv_file(tmp_path):
    return csv_of(tmp_path / "data.csv", mixed_table(n=300, minority=40))


cli = run_cli


def test_cli_recipe_replays_byte_identical(csv_file, tmp_path, capsys):
    """Check resample --recipe then run gives the same CSV bytes, with no warning."""
    first, second, recipe = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "r.json"
    code, _, err = cli(capsys, "resample", csv_file, "--target", "label", "--method", "SMOTE",
                       "--param", "k_neighbors=3", "--seed", "4", "--out", first, "--recipe", recipe)
    assert code == 0, err
    payload = json.loads(recipe.read_text())
    assert payload["format"] == "balancer-recipe/1"
    assert payload["params"]["k_neighbors"] == 3 and payload["seed"] == 4
    assert len(payload["input_sha256"]) == 64
    assert {"balancer", "scikit-learn", "imbalanced-learn"} <= set(payload["versions"])
    assert "missing_values" in payload["handling"] and payload["max_output_rows"] > 0
    code, _, err = cli(capsys, "run", recipe, csv_file, "--out", second)
    assert code == 0, err
    assert "warning" not in err
    assert first.read_bytes() == second.read_bytes()


def test_run_on_new_data_and_other_versions_warns(csv_file, tmp_path, capsys):
    """Check new data gets the same tactic with a warning, and a version mismatch warns."""
    recipe = tmp_path / "r.json"
    cli(capsys, "resample", csv_file, "--target", "label", "--method", "RandomUnderSampler", "--recipe", recipe)
    other = tmp_path / "other.csv"
    other.write_bytes(mixed_table(n=200, minority=30, seed=9).to_csv(index=False).encode())
    code, out, err = cli(capsys, "run", recipe, other, "--json")
    assert code == 0
    assert "input differs" in err
    assert json.loads(out)["after"] == {"c0": 30, "c1": 30}
    payload = json.loads(recipe.read_text())
    payload["versions"]["imbalanced-learn"] = "0.1.0"
    recipe.write_text(json.dumps(payload))
    code, _, err = cli(capsys, "run", recipe, csv_file, "--out", tmp_path / "x.csv")
    assert code == 0 and "imbalanced-learn 0.1.0" in err


@pytest.mark.parametrize(("content", "match"), [
    (b"not json", "not valid JSON"),
    (b'{"format": "something else"}', "not a Balancer recipe"),
    (b'{"format": "balancer-recipe/1", "target": "y"}', "lacks"),
    (b'{"format": "balancer-recipe/1", "kind": "resample", "target": "y", "method": "SMOTE", '
     b'"params": {}, "seed": 0, "surprise": 1}', "unknown fields"),
])
def test_bad_recipes(content, match, tmp_path, csv_file, capsys):
    """Check a broken recipe gives exit 2 and one line."""
    path = tmp_path / "r.json"
    path.write_bytes(content)
    with pytest.raises(DataError, match=match):
        Recipe.load(path)
    code, _, err = cli(capsys, "run", path, csv_file)
    assert code == 2 and err.count("\n") == 1


@pytest.mark.parametrize("method", ["SMOTE", "TomekLinks", "RandomUnderSampler"])
def test_exported_script_gives_the_same_class_counts(method, csv_file, tmp_path):
    """Check the pandas + imbalanced-learn script, run in a subprocess, gives the same counts."""
    data = mixed_table(n=300, minority=40)
    result = resample(data, "label", method, seed=2)
    script = tmp_path / "reproduce.py"
    script.write_text(python_script(make("resample", "label", method, result.params, 2), data))
    done = subprocess.run([sys.executable, str(script), str(csv_file)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    counts = dict(re.findall(r"^(c\d)\s+(\d+)$", done.stderr, flags=re.M))
    assert {k: int(v) for k, v in counts.items()} == result.after
    assert "balanced_accuracy" in done.stdout


def test_report_is_self_contained_and_escaped(tmp_path):
    """Check the report embeds plotly once, has every section, and escapes user text."""
    data = mixed_table(n=200, minority=30).rename(columns={"colour": "<script>alert(1)</script>"})
    from balancer import evaluate

    result = resample(data, "label", "SMOTE")
    evaluation = evaluate(data, "label", "SMOTE", folds=3)
    text = build("my <data>.csv", profile(data, "label"), resampled=result, evaluation=evaluation,
                 recipe=make("resample", "label", "SMOTE", result.params, 0))
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    # the data's, the resampling's two, the evaluation's five (no balancing's confusion matrix among
    # them), the reliability diagram
    assert text.count('class="plotly-graph-div"') == 9
    assert not re.search(r"<script[^>]*\bsrc=", text)  # plotly.js is inline: no network needed
    assert text.count("Plotly.newPlot") == 9
    for heading in ("Data", "Warnings", "Resampling", "Evaluation", "Recipe"):
        assert f"<h2>{heading}" in text
