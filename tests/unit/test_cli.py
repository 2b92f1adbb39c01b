"""The command line: the contract of docs/ARCHITECTURE.md, exit codes and one-line errors."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from balancer import read_table
from balancer.cli import main
from tests.conftest import DATA, mixed_table


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_methods_json_lists_all_samplers(capsys):
    """Check that 'methods --json' lists the 21 samplers with their parameters."""
    code, out, _ = run(capsys, "methods", "--json")
    assert code == 0
    methods = json.loads(out)["methods"]
    samplers = [m for m in methods if m["sampling_type"]]
    assert len(samplers) == 21
    smote = next(m for m in methods if m["name"] == "SMOTE")
    assert smote["params"][0] == {"name": "k_neighbors", "type": "int", "default": 5, "help":
                                  smote["params"][0]["help"], "min": 1, "max": 100}


def test_profile_json(capsys):
    """Check the profile JSON keys on a real table."""
    code, out, _ = run(capsys, "profile", DATA / "flare-F.csv", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["target"] == "Class"
    assert payload["classes"] == {"negative": 1023, "positive": 43}
    assert payload["imbalance_ratio"] == pytest.approx(1023 / 43, rel=1e-3)


def test_resample_writes_balanced_csv(capsys, tmp_path):
    """Check resample --out --json: counts, file and schema."""
    out_file = tmp_path / "out.csv"
    code, out, err = run(capsys, "resample", DATA / "flare-F.csv", "--target", "Class", "--method",
                         "smote", "--out", out_file, "--json", "--seed", "1")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["method"] == "SMOTENC"
    assert payload["after"] == {"negative": 1023, "positive": 1023}
    assert payload["rows_out"] == 2046 and payload["synthetic_rows"] == 980
    back = read_table(out_file)
    source = read_table(DATA / "flare-F.csv")
    assert list(back.columns) == list(source.columns)
    assert set(back["LargestSpotSize"]) <= set(source["LargestSpotSize"])


def test_an_output_never_replaces_an_input(capsys, tmp_path):
    """Check that no command writes over its own table, model or recipe, or writes two outputs to
    one file: refused before any work (exit 2), the input left byte for byte (``--out data.csv``
    replaced the user's table with its resampled rows)."""
    data = tmp_path / "data.csv"
    data.write_bytes((DATA / "haberman.csv").read_bytes())
    original = data.read_bytes()
    (tmp_path / "link.csv").symlink_to(data)
    recipe = tmp_path / "recipe.json"
    code, _, err = run(capsys, "resample", data, "--target", "Class", "--method", "SMOTE", "--recipe", recipe)
    assert code == 0, err
    kept = recipe.read_bytes()
    cases = [
        (["resample", data, "--target", "Class", "--method", "SMOTE", "--out", data], "--out .* is the DATA file"),
        (["resample", data, "--target", "Class", "--method", "SMOTE", "--out", tmp_path / "link.csv"],
         "is the DATA file"),
        (["resample", data, "--target", "Class", "--method", "SMOTE", "--report", data], "--report .* DATA"),
        (["evaluate", data, "--target", "Class", "--method", "SMOTE", "--code", data], "--code .* DATA"),
        (["evaluate", data, "--target", "Class", "--method", "SMOTE", "--model-out", data], "--model-out"),
        (["run", recipe, data, "--out", recipe], "is the RECIPE file"),
        (["resample", data, "--target", "Class", "--method", "SMOTE", "--out", tmp_path / "o.csv",
          "--report", tmp_path / "o.csv"], "--out and --report name the same file"),
    ]
    for args, match in cases:
        code, out, err = run(capsys, *args)
        assert code == 2 and err.startswith("error: ") and re.search(match, err), (args, err)
    assert data.read_bytes() == original and recipe.read_bytes() == kept
    assert not (tmp_path / "o.csv").exists()


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/stat") as stat:
                if name.isdigit() and int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def assert_group_ends(group: int, seconds: float, message: str) -> None:
    """Wait until no process of the process group is left; else kill them and fail with ``message``."""
    for _ in range(int(seconds * 10)):
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(group, signal.SIGKILL)
    raise AssertionError(message)


def test_ctrl_c_stops_compare_cleanly():
    """Check what a terminal's Ctrl-C does to a comparison at several moments after its worker
    processes begin (workers starting, fits running): exit 130, one line, no traceback from any
    worker, no process left. A worker starting at that moment printed a KeyboardInterrupt
    traceback, and one forked but not yet recorded outlived the parent to print another. (The
    moments count from the first child process, the resource tracker, not from the start. Not at
    that very moment: the forkserver is spawned right after it, and in those milliseconds the
    parent ignores Ctrl-C so that the forkserver inherits "ignore" (a Ctrl-C the kernel hands to
    another thread then is lost; compare._start_forkserver_deaf_to_ctrl_c). A Ctrl-C while the
    command loads is test_ctrl_c_while_the_command_loads's.)"""
    for delay in (0.2, 0.8, 2.5):
        process = subprocess.Popen(
            [sys.executable, "-m", "balancer", "compare", str(DATA / "page-blocks0.csv"), "--target", "Class",
             "--folds", "3"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        for _ in range(600):  # until the comparison starts its processes (at most a minute)
            if _children(process.pid) or process.poll() is not None:
                break
            time.sleep(0.1)
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGINT)
        err = process.communicate(timeout=120)[1]
        assert process.returncode == 130 and err.strip() == "error: interrupted", (delay, err[-3000:])
        # the forkserver and the workers end with the parent
        assert_group_ends(process.pid, 5.0, f"processes of the comparison outlived it (Ctrl-C {delay} s after it began)")


@pytest.mark.slow
@pytest.mark.parametrize("entry", ["command", "module"])
def test_ctrl_c_while_the_command_loads(entry):
    """Check a Ctrl-C at moments while the command's modules load (the first second or so: pandas,
    scikit-learn, imbalanced-learn) and just after: exit 130 and one line, for the ``balancer``
    command and ``python -m balancer``. It was Python's KeyboardInterrupt traceback; numpy's compiled
    import turned some into "ImportError: numpy._core.multiarray failed to import" (exit 1), and
    some were dropped, the comparison then running to its end (exit 0)."""
    start = ([str(Path(sys.executable).parent / "balancer")] if entry == "command"
             else [sys.executable, "-m", "balancer"])
    failures = []
    for delay in np.arange(0.05, 1.6, 0.2):
        process = subprocess.Popen(
            [*start, "compare", str(DATA / "haberman.csv"), "--target", "Class", "--folds", "3"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGINT)
        err = process.communicate(timeout=120)[1]
        if process.returncode != 130 or err.strip() != "error: interrupted":
            failures.append((round(float(delay), 2), process.returncode, err[-300:]))
    assert not failures, failures


@pytest.mark.parametrize("args", [
    ["evaluate", "--seed", "-5"], ["compare", "--seed", "-5", "--methods", "SMOTE"],
    ["evaluate", "--seed", str(2**32), "--method", "none"],
    ["compare", "--methods", "SMOTE", "--param", "SMOTE.k_neighbors=999"],
])
def test_a_bad_seed_or_parameter_is_the_users_error(args, capsys):
    """Check that evaluate and compare refuse a seed numpy cannot take, and compare a parameter the
    user gave that is out of range (exit 2, one line): a negative seed was an internal error
    (exit 1), a seed of 2**32 with 'none' ran (exit 0), and compare listed the tactic as skipped
    and exited 0."""
    code, out, err = run(capsys, args[0], DATA / "haberman.csv", "--target", "Class", "--folds", "3",
                         *args[1:])
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert ("seed must be from 0 to 4294967295" in err) or ("k_neighbors" in err), err


def test_stdout_is_one_thing_and_empty_lists_are_refused(tmp_path, capsys):
    """Check --out - with --json is refused (the JSON was dropped silently), the notices of a table
    written to stdout go to stderr (they were dropped), and an empty --methods is refused (it ran
    the default set)."""
    data = tmp_path / "gap.csv"
    data.write_text("x,y\n1,a\n2,\n3,b\n4,a\n5,b\n6,a\n7,b\n")
    code, out, err = run(capsys, "resample", data, "--target", "y", "--method", "RandomOverSampler", "--out", "-",
                         "--json")
    assert code == 2 and "both write to standard output" in err and not out
    code, out, err = run(capsys, "resample", data, "--target", "y", "--method", "RandomOverSampler", "--out", "-")
    assert code == 0 and out.startswith("x,y") and "note: 1 row without a target value was left out" in err
    code, out, err = run(capsys, "compare", data, "--target", "y", "--methods", "")
    assert code == 2 and "--methods names none" in err
    recipe = tmp_path / "r.json"
    assert run(capsys, "resample", data, "--target", "y", "--method", "RandomOverSampler", "--recipe", recipe)[0] == 0
    code, out, err = run(capsys, "run", recipe, data, "--out", "-")  # the replay says it too
    assert code == 0 and out.startswith("x,y") and "note: 1 row without a target value was left out" in err


def test_outputs_checked_against_files_not_names(tmp_path, monkeypatch, capsys):
    """Check --model (a learner's name outside predict) is no file to protect, and '-' is standard
    output only for --out: '--report - --recipe -' wrote both to one file named '-'."""
    monkeypatch.chdir(tmp_path)
    data = DATA / "haberman.csv"
    code, _, err = run(capsys, "evaluate", data, "--target", "Class", "--folds", "3", "--model", "decision_tree",
                       "--report", "decision_tree")
    assert code == 0 and (tmp_path / "decision_tree").read_text().startswith("<!DOCTYPE html>"), err
    code, _, err = run(capsys, "resample", data, "--target", "Class", "--method", "RandomOverSampler", "--out", "o.csv",
                       "--report", "-", "--recipe", "-")
    assert code == 2 and "--report and --recipe name the same file (-)" in err and not (tmp_path / "-").exists()


def test_a_constant_y_in_the_middle_is_no_target(tmp_path, capsys):
    """Check a one-valued column named y between others does not displace the real target."""
    table = tmp_path / "t.csv"
    table.write_text("x,y,purchased\n" + "".join(f"{i},0,{'yes' if i % 4 == 0 else 'no'}\n" for i in range(40)))
    code, out, _ = run(capsys, "profile", table, "--json")
    assert code == 0 and json.loads(out)["target"] == "purchased"


def test_a_target_with_one_class_is_named_not_replaced(tmp_path, capsys):
    """Check that a table whose 'Class' holds one value profiles with Class as the target and says
    it has one class, instead of quietly choosing another column (pima's Preg, 13 classes)."""
    source = read_table(DATA / "pima.csv")
    one = tmp_path / "one.csv"
    source[source["Class"] == "negative"].to_csv(one, index=False)
    code, out, err = run(capsys, "profile", one, "--json")
    payload = json.loads(out)
    assert code == 0 and payload["target"] == "Class", err
    assert any(w["code"] == "one_class" for w in payload["warnings"])


def test_evaluate_json(capsys):
    """Check evaluate --json keys and the baseline."""
    code, out, err = run(capsys, "evaluate", "sample:breast_cancer", "--target", "diagnosis",
                         "--method", "RandomUnderSampler", "--folds", "3", "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert {"method", "model", "folds", "metrics", "per_class", "confusion_matrix"} <= set(payload)
    assert set(payload["metrics"]) >= {"accuracy", "balanced_accuracy", "precision", "recall", "f1",
                                       "f2", "roc_auc", "pr_auc", "g_mean", "mcc"}
    assert payload["positive"] == "malignant"
    assert payload["method"] == "RandomUnderSampler" and payload["folds"] == 3
    assert set(payload["baseline"]["metrics"]) == set(payload["metrics"])
    assert payload["baseline"]["metrics"]["recall"] != payload["metrics"]["recall"]
    # the baseline's fold scores are there, so its p-values can be recomputed independently
    from balancer.verdict import corrected_ttest

    ours = [f["recall"] for f in payload["fold_scores"]]
    theirs = [f["recall"] for f in payload["baseline"]["fold_scores"]]
    _, p = corrected_ttest(np.subtract(ours, theirs), 1 / 2)  # (3 folds: n_test / n_train about 1/2)
    assert p == pytest.approx(payload["vs_baseline"]["p_values"]["recall"], rel=0.02, abs=1e-6)


def test_evaluate_learning_curve_json_and_text(capsys):
    """Check --learning-curve adds the curve with its verdict, and says a model-side tactic is left out."""
    args = ["evaluate", "sample:breast_cancer", "--target", "diagnosis", "--folds", "3", "--learning-curve"]
    code, out, err = run(capsys, *args, "--method", "SMOTE", "--json")
    assert code == 0, err
    curve = json.loads(out)["learning_curve"]
    assert curve["fractions"] == [0.2, 0.4, 0.6, 0.8, 1.0] and curve["train_rows"] == sorted(curve["train_rows"])
    assert len(curve["mean"]) == 5 and curve["verdict"].startswith("PR AUC ")
    # 20% of a training fold leaves SMOTE fewer minority rows than its 5 neighbours
    assert [n[:40] for n in curve["notices"]] == ["neighbour counts were lowered where a sh"]
    code, out, err = run(capsys, *args, "--method", "class_weight")
    assert code == 0, err
    assert "note: class_weight changes the model, not the rows: the curve shows logistic regression" in out
    assert "learning curve (pr_auc): " in out


def _workbook_that_is_not() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<not a workbook")
    return buffer.getvalue()


def _continuous() -> bytes:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": rng.normal(size=100), "y": rng.normal(size=100)}).to_csv(index=False).encode()


def _thousand_classes() -> bytes:
    return pd.DataFrame({"x": np.arange(3000) % 17, "y": [f"k{i % 1000}" for i in range(3000)]}).to_csv(
        index=False).encode()


GOOD = mixed_table(n=80, minority=10).to_csv(index=False).encode()

BAD = [
    ("empty.csv", b"", ["--target", "y", "--method", "SMOTE"], "empty"),
    ("header.csv", b"x,y\n", ["--target", "y", "--method", "SMOTE"], "no data rows"),
    ("garbage.csv", bytes(np.random.default_rng(1).integers(0, 256, 2000, dtype=np.uint8)),
     ["--target", "y", "--method", "SMOTE"], "binary"),
    ("book.xlsx", _workbook_that_is_not(), ["--target", "y", "--method", "SMOTE"], "not a readable Excel"),
    ("one.csv", b"x,y\n1,a\n2,a\n3,a\n", ["--target", "y", "--method", "SMOTE"], "single class"),
    ("cont.csv", _continuous(), ["--target", "y", "--method", "SMOTE"], "continuous"),
    ("many.csv", _thousand_classes(), ["--target", "y", "--method", "SMOTE"], "1,000 classes"),
    ("good.csv", GOOD, ["--target", "nope", "--method", "SMOTE"], "no column 'nope'"),
    ("good.csv", GOOD, ["--target", "label", "--method", "SMOOTE"], "Did you mean 'SMOTE'"),
    ("good.csv", GOOD, ["--target", "label", "--method", "SMOTE", "--param", "k_neighbors=abc"],
     "k_neighbors got 'abc'"),
    ("good.csv", GOOD, ["--target", "label", "--method", "SMOTE", "--param", "k_neighbors"],
     "KEY=VALUE"),
    ("good.csv", GOOD, ["--target", "label", "--method", "SMOTE", "--seed", "x"], "invalid int"),
]


@pytest.mark.parametrize(("name", "content", "args", "match"), BAD, ids=[b[0] + ":" + b[3] for b in BAD])
def test_bad_input_exits_2_with_one_line(name, content, args, match, tmp_path, capsys):
    """Check that bad input exits 2 with one line 'error: ...' and no traceback."""
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = run(capsys, "resample", path, *args)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert match in err
    assert "Traceback" not in err + out


def test_missing_file_and_usage(capsys, tmp_path):
    """Check a missing file and a missing argument exit 2 with one line."""
    code, _, err = run(capsys, "profile", tmp_path / "none.csv")
    assert code == 2 and "no such file" in err and err.count("\n") == 1
    code, _, err = run(capsys, "resample", "sample:customer_churn")
    assert code == 2 and "required" in err and err.count("\n") == 1


def test_flags_that_do_nothing_are_refused(capsys):
    """Check profile refuses --driver-rows (it brings nothing to the driver; it used to accept and
    ignore it) and --undersample-to, and that a Spark flag without --engine spark is refused."""
    for flag in ("--driver-rows", "--undersample-to"):
        code, _, err = run(capsys, "profile", "sample:customer_churn", "--engine", "spark", flag, "5")
        assert code == 2 and f"unrecognized arguments: {flag} 5" in err and err.count("\n") == 1
    code, _, err = run(capsys, "resample", "sample:customer_churn", "--target", "churn", "--method", "SMOTE",
                       "--driver-rows", "5")
    assert code == 2 and "--driver-rows is for --engine spark" in err


AWKWARD = [
    ("semi.csv", lambda t: t.replace(",", ";").encode()),
    ("tabs.tsv", lambda t: t.replace(",", "\t").encode()),
    ("latin.csv", lambda t: t.replace("red", "rouge-é").encode("latin-1")),
    ("utf16.csv", lambda t: t.encode("utf-16")),
    ("bom.csv", lambda t: b"\xef\xbb\xbf" + t.encode()),
]


@pytest.mark.parametrize(("name", "encode"), AWKWARD, ids=[a[0] for a in AWKWARD])
def test_awkward_but_valid_inputs_work(name, encode, tmp_path, capsys):
    """Check semicolons, tabs, latin-1, UTF-16 and BOM files with missing values resample."""
    path = tmp_path / name
    path.write_bytes(encode(GOOD.decode()))
    code, out, err = run(capsys, "resample", path, "--target", "label", "--method", "SMOTE", "--json")
    assert code == 0, err
    assert json.loads(out)["after"] == {"c0": 70, "c1": 70}


def test_minority_of_three_rows_works(tmp_path, capsys):
    """Check that a minority of 3 rows resamples with k lowered, and evaluates."""
    path = tmp_path / "three.csv"
    path.write_bytes(mixed_table(n=60, minority=3).to_csv(index=False).encode())
    code, out, err = run(capsys, "resample", path, "--target", "label", "--method", "SMOTE", "--json")
    assert code == 0, err
    assert any("lowered" in n for n in json.loads(out)["notices"])
    code, out, err = run(capsys, "evaluate", path, "--target", "label", "--method", "SMOTE", "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["folds"] == 3
    assert any(n.startswith("k_neighbors lowered from 5 to 1") and "training folds" in n for n in payload["notices"])


def test_python_dash_m_is_the_same_program():
    """Check that 'python -m balancer' runs the same CLI, with exit code 2 on bad input."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "balancer", "resample", "nowhere.csv", "--target", "y",
                           "--method", "SMOTE"], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.startswith("error: no such file")
