"""The command line's contract under hostile input: exit 2 and one line for anything the input
causes, exit 1 only for a bug, recipes that cannot raise the operator's limits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from balancer.errors import DataError
from balancer.recipe import Recipe
from tests.conftest import csv_of, mixed_table, run_cli

ROOT = Path(__file__).resolve().parents[2]
BASE = {"format": "balancer-recipe/1", "kind": "resample", "target": "label", "method": "SMOTE",
        "params": {}, "seed": 0}


@pytest.fixture
def csv_file(tmp_path):
    return csv_of(tmp_path / "data.csv", mixed_table(n=200, minority=30))


cli = run_cli


def _text(payload) -> str:
    return payload if isinstance(payload, str) else json.dumps(payload)


@pytest.mark.parametrize(("payload", "match"), [
    ('{"format": "balancer-recipe/1", "kind": "resample", "target": "label", "method": "SMOTE", '
     '"params": {"k_neighbors": Infinity}, "seed": 0}', "Infinity"),
    ('{"format": "balancer-recipe/1", "params": ' + "[" * 5000 + "]" * 5000 + "}", "nested too deeply"),
    ({**BASE, "target": ["label"]}, "target must be text"),
    ({**BASE, "target": None}, "target must be text"),
    ({**BASE, "versions": "0.1"}, "versions must be an object"),
    ({**BASE, "versions": {"balancer": ["x"]}}, "versions must be an object"),
    ({**BASE, "kind": "evaluate", "class_weight": {"c1": "abc"}}, "class_weight must be"),
    ({**BASE, "kind": "evaluate", "class_weight": "{nope"}, "weights got"),
    ({**BASE, "kind": "compare", "methods": 5}, "methods must be a list"),
    ({**BASE, "kind": "compare", "methods": ["nope"]}, "unknown method"),
    ({**BASE, "kind": "explode"}, "kind 'explode' is not one of"),
    ({**BASE, "kind": None}, "kind must be text"),
    ({**BASE, "max_output_rows": 1e15}, "max_output_rows must be"),
    ({**BASE, "seed": -1}, "seed must be"),
    ({**BASE, "seed": True}, "seed must be"),
    ({**BASE, "folds": 1, "kind": "evaluate"}, "folds must be"),
    ({**BASE, "method": 5}, "method must be text"),
    ({**BASE, "params": {"k_neighbors": "abc"}}, "k_neighbors"),
    ({**BASE, "kind": "evaluate", "model": "xx"}, "unknown model"),
    ({**BASE, "kind": "evaluate", "metric": "xx"}, "unknown metric"),
    # values that are JSON text inside a string were parsed again without the recipe's checks
    ({**BASE, "method": "RandomOverSampler", "params": {"sampling_strategy": '{"c1": Infinity}'}},
     "not plain JSON (Infinity is not a finite number)"),
    ({**BASE, "method": "TomekLinks", "params": {"sampling_strategy": "[" * 100_000}}, "nested too deeply"),
    ({**BASE, "kind": "evaluate", "class_weight": '{"c1": Infinity}'}, "weights got"),
    ({**BASE, "kind": "evaluate", "method": "none", "costs": {"," * 300_000: 1}},  # took 9 s, quadratic
     "does not name two classes"),
    ([1, 2], "not a Balancer recipe"),
    ("\xff\xfe not json", "not valid JSON"),
])
def test_hostile_recipes_exit_2_with_one_line(payload, match, tmp_path, csv_file, capsys):
    """Check each broken or hostile recipe gives exit 2 and one line naming the problem."""
    path = tmp_path / "r.json"
    path.write_text(_text(payload), encoding="utf-8")
    code, _, err = cli(capsys, "run", path, csv_file)
    assert code == 2, err
    assert err.count("\n") == 1 and match in err


def test_a_recipe_can_lower_but_never_raise_the_output_cap(tmp_path, csv_file, capsys, monkeypatch):
    """Check max_output_rows in a recipe is capped by BALANCER_MAX_OUTPUT_ROWS, and can lower it."""
    monkeypatch.setenv("BALANCER_MAX_OUTPUT_ROWS", "300")  # SMOTE makes 340 rows of this table
    path = tmp_path / "r.json"
    path.write_text(json.dumps({**BASE, "max_output_rows": 10**15}))
    assert Recipe.load(path).max_output_rows == 300
    code, _, err = cli(capsys, "run", path, csv_file, "--out", tmp_path / "o.csv")
    assert code == 2 and "the limit is 300" in err
    monkeypatch.setenv("BALANCER_MAX_OUTPUT_ROWS", "100000")
    path.write_text(json.dumps({**BASE, "max_output_rows": 100}))
    code, _, err = cli(capsys, "run", path, csv_file, "--out", tmp_path / "o.csv")
    assert code == 2 and "the limit is 100" in err


def test_oversized_recipe_is_refused_without_reading_it_all(tmp_path):
    """Check a recipe file larger than any real one is refused with a clear message."""
    path = tmp_path / "r.json"
    path.write_bytes(b" " * (2 * 1024 * 1024))
    with pytest.raises(DataError, match="over 1024 KB"):
        Recipe.load(path)


def _balancer(*args, stdout=subprocess.PIPE, env=None):
    return subprocess.run([sys.executable, "-m", "balancer", *map(str, args)], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, **(env or {})})


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("extra", [["--out", "-"], ["--json"]])
def test_a_full_disk_is_an_input_error_not_a_crash(extra, csv_file):
    """Check writing to a full device exits 2 with one line, no traceback."""
    with open("/dev/full", "w") as full:
        done = _balancer("resample", csv_file, "--target", "label", "--method", "SMOTE", *extra, stdout=full)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "No space left" in done.stderr


@pytest.mark.slow
def test_debug_prints_the_traceback(csv_file, tmp_path):
    """Check --debug (anywhere on the line) and BALANCER_DEBUG=1 add the traceback; without, one line."""
    args = ("resample", csv_file, "--target", "nope", "--method", "SMOTE")
    plain = _balancer(*args)
    assert plain.returncode == 2 and plain.stderr.count("\n") == 1
    for done in (_balancer(*args, "--debug"), _balancer(*args, env={"BALANCER_DEBUG": "1"})):
        assert done.returncode == 2
        assert "Traceback (most recent call last)" in done.stderr and done.stderr.rstrip().endswith(
            plain.stderr.strip())


_TERMINAL_COMMANDS = ("\x1b]0;owned\x07", "\x1b[2J", "\r", "\u202e", "\x9b31m")


def test_labels_and_names_are_shown_not_obeyed_by_the_terminal(tmp_path, capsys):
    """Check a label or column name holding escape sequences (window title, clear screen, a CSI in
    one byte), a carriage return or a right-to-left override reaches the terminal as escapes, in
    every text the command line prints, while the file and the JSON keep the values as they are."""
    from balancer.terminal import safe

    frame = mixed_table(n=120, minority=30)
    label = "fraud" + "".join(_TERMINAL_COMMANDS)
    frame["label"] = frame["label"].map({"c0": "ok", "c1": label})
    frame = frame.rename(columns={"colour": "colour\x1b[8m"})
    path = tmp_path / "esc.parquet"
    frame.to_parquet(path)
    printed = []
    for args in (("profile", path, "--target", "label"),
                 ("resample", path, "--target", "label", "--method", "RandomOverSampler",
                  "--out", tmp_path / "o.csv"),
                 ("resample", path, "--target", "nope", "--method", "SMOTE")):  # the error lists the columns
        code, out, err = cli(capsys, *args)
        printed.append(out + err)
        assert code in (0, 2)
    text = "".join(printed)
    assert not any(char in text for char in ("\x1b", "\x07", "\r", "\u202e", "\x9b"))
    assert safe(label) in text and "colour\\x1b[8m" in text
    assert safe(label) == r"fraud\x1b]0;owned\x07\x1b[2J\r\u202e\x9b31m"
    written = pd.read_csv(tmp_path / "o.csv")
    assert set(written["label"]) == {"ok", label} and "colour\x1b[8m" in written.columns
    code, out, _ = cli(capsys, "profile", path, "--target", "label", "--json")
    assert code == 0 and "\x1b" not in out  # JSON escapes them itself
    assert label in json.loads(out)["classes"]
