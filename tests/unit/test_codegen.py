"""The exported Python script: no column name, label or recipe value can leave its string literal, and
the script reproduces the app: the same metrics and the same balanced file."""

from __future__ import annotations

import ast
import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from balancer import evaluate, read_table, resample
from balancer.codegen import literal, python_script
from balancer.errors import DataError
from balancer.recipe import Recipe, make
from balancer.tables import write_csv
from tests.conftest import DATA, mixed_table, run_cli

MODEL_SIDE = {"class_weight", "threshold", "anomaly", "decompose", "BalancedRandomForestClassifier",
              "EasyEnsembleClassifier", "RUSBoostClassifier", "BalancedBaggingClassifier"}
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


@pytest.mark.parametrize("value", [float("nan"), float("inf"), object(), b"bytes", {(1, 2): 3},
                                   pytest.param(10 ** 5000, id="an integer of 5,001 digits")])
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
    # built from parts in the script (codegen._BUILT)
    (2, "SMOTEENN", "logistic_regression", None),
    (4, "ClusterCentroids", "logistic_regression", None),
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


def _euro_cp1252(path: Path) -> str:
    """A spreadsheet's export in a French locale: Windows-1252, a title and a blank row above the
    header, semicolons, decimal commas and thousands dots, accented labels."""
    rng = np.random.default_rng(0)
    y = np.where(rng.random(300) < 0.15, "fraude", "régulier")
    amount = np.round(rng.gamma(2, 600, 300) + (y == "fraude") * 900, 2)
    lines = ["Export des transactions – 2026", "", "id;montant;articles;catégorie"]
    for i in range(300):
        shown = f"{amount[i]:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
        lines.append(f"T{i:04d};{shown};{rng.integers(1, 9)};{y[i]}")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return "catégorie"


def _spaces(path: Path) -> str:
    """Columns aligned with runs of spaces, as a report prints them."""
    rng = np.random.default_rng(1)
    lines = ["x   z    label"] + [f"{rng.normal():.3f}  {rng.integers(0, 5)}   {'yes' if i % 6 == 0 else 'no'}"
                                  for i in range(300)]
    path.write_text("\n".join(lines) + "\n")
    return "label"


def _excel_utf8(path: Path) -> str:
    """Excel's "CSV UTF-8": a byte order mark, semicolons, amounts always with two decimals."""
    rng = np.random.default_rng(4)
    lines = ["Kunde;Betrag;Größe;Klasse"] + [
        f"K{i:03d};{rng.integers(0, 500000) / 100:.2f};{rng.integers(1, 5)};{'Betrug' if i % 6 == 0 else 'normal'}"
        .replace(".", ",") for i in range(300)]
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return "Klasse"


def _utf16_tabs(path: Path) -> str:
    rng = np.random.default_rng(2)
    lines = ["größe\tz\tlabel"] + [f"{rng.normal():.3f}\t{rng.integers(0, 5)}\t{'ja' if i % 5 == 0 else 'nein'}"
                                  for i in range(300)]
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-16"))
    return "label"


def _titled_workbook(path: Path) -> str:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Kunden"
    sheet.append(["Customer table, November"])
    sheet.append([])
    sheet.append(["x", "z", "visits", "branch", "label"])
    rng = np.random.default_rng(3)
    for i in range(200):
        # whole numbers with gaps (written 85.0 before) and codes stored as text (written 6 before)
        sheet.append([float(np.round(rng.normal(), 3)), int(rng.integers(0, 5)),
                      None if i % 9 == 0 else int(rng.integers(1, 90)), f"{i % 7:04d}",
                      "yes" if i % 6 == 0 else "no"])
    book.save(path)
    return "label"


def _mixed_gaps(path: Path) -> str:
    """Gaps written '?' in one column and empty in another (a merged export)."""
    rng = np.random.default_rng(6)
    lines = ["a,b,c,label"]
    for i in range(300):
        lines.append(f"{rng.normal():.3f},{'?' if i % 11 == 3 else f'{rng.normal():.2f}'},"
                     f"{'' if i % 13 == 5 else int(rng.integers(0, 9))},{'y' if i % 6 == 0 else 'n'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "label"


def _late_odd_group(path: Path) -> str:
    """Comma thousands proven by the first rows (which alone decide the number format), and a cell
    far below that they do not read ("12,34"): the app keeps that column text, and so must the
    script (pandas, told the file's thousands, read 1234 and wrote other bytes)."""
    target = _us_groups(path, rows=1_200)
    with path.open("a", encoding="utf-8") as sink:
        sink.write('"12,34",0.5,n\n')
    return target


def _us_groups(path: Path, rows: int = 300) -> str:
    """A US export: quoted amounts with comma thousands in a comma-delimited file."""
    rng = np.random.default_rng(5)
    lines = ["amount,x,label"]
    for i in range(rows):
        lines.append(f'"{rng.normal(1500, 600):,.2f}",{rng.normal():.3f},{"y" if i % 7 == 0 else "n"}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "label"


def _nbsp_groups(path: Path) -> str:
    """Thousands grouped by no-break spaces (U+00A0, U+202F), as French Excel exports write them."""
    rng = np.random.default_rng(4)
    lines = ["id;montant;label"]
    for i in range(300):
        whole, cents = divmod(int(rng.integers(100_000, 900_000_00)), 100)
        space = "\u00a0" if i % 2 else "\u202f"
        lines.append(f"R{i};{whole // 1000}{space}{whole % 1000:03d},{cents:02d};{'oui' if i % 7 == 0 else 'non'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "label"


def _semicolons_named_tsv(path: Path) -> str:
    """A cp1252 semicolon export with a title row, saved under a .tsv name."""
    _euro_cp1252(path)
    return "catégorie"


@pytest.mark.parametrize(("name", "make_file"), [("export.csv", _euro_cp1252), ("report.txt", _spaces),
                                                  ("utf16.tsv", _utf16_tabs), ("book.xlsx", _titled_workbook),
                                                  ("groups.csv", _nbsp_groups), ("semi.tsv", _semicolons_named_tsv),
                                                  ("excel.csv", _excel_utf8), ("us.csv", _us_groups),
                                                  ("gaps.csv", _mixed_gaps), ("odd.csv", _late_odd_group)])
def test_the_script_reads_the_file_as_the_app_read_it(name, make_file, tmp_path, capsys):
    """Check the script reads what the app found in the file (encoding, title rows above the
    header, thousands separators, runs of spaces, the worksheet) and writes the app's file byte for
    byte. Before, it read every text file as UTF-8 from its first line and a workbook from its first
    row: a Windows-1252 export stopped with a UnicodeDecodeError, a titled workbook with a KeyError."""
    path = tmp_path / name
    target = make_file(path)
    data = read_table(path)
    made = make("resample", target, "SMOTE", {}, 0)
    script = _start_script(tmp_path, python_script(made, data), path, "out.csv")
    code, _, err = run_cli(capsys, "resample", path, "--target", target, "--method", "SMOTE", "--out",
                           tmp_path / "app.csv")
    assert code == 0, err
    script()
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "app.csv").read_bytes()
    written = (tmp_path / "out.csv").read_bytes()
    if name == "excel.csv":  # the input's rows first, byte for byte: its mark, its decimals
        assert written.startswith(path.read_bytes())
    if name == "export.csv":  # in the input's encoding (the title rows and thousands dots are not written)
        assert written.decode("cp1252").splitlines()[0] == "id;montant;articles;catégorie"
    if name == "book.xlsx":  # whole numbers as whole numbers, codes padded as the workbook stored them
        assert data["visits"].dtype == "Int64" and data["branch"].dtype == "int64"
        out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
        assert not out["visits"].str.contains(".", regex=False).any() and (out["visits"] == "").any()
        assert out["branch"].str.fullmatch(r"\d{4}").all()
    if name == "gaps.csv":  # each column's gaps as the input wrote them: the input's rows first, byte for byte
        assert written.startswith(path.read_bytes()[:-1])
    if name == "us.csv":  # amounts read as numbers (thousands not written)
        assert data["amount"].dtype == "float64" and "," not in written.decode().splitlines()[1].split(",")[0]


@pytest.mark.parametrize("how", [("--dialect", "standard"), ("--out", "app.tsv")])
def test_the_script_writes_as_the_command_asked(how, tmp_path, capsys):
    """Check a script exported with --dialect standard, or beside an --out ending in .tsv, writes
    its file as the command did (it wrote the input's dialect: semicolons where the command wrote
    commas or tabs), while still reading the input as it is (Windows-1252, decimal commas)."""
    path = tmp_path / "export.csv"
    target = _euro_cp1252(path)
    out = tmp_path / (how[1] if how[0] == "--out" else "app.csv")
    extra = [] if how[0] == "--out" else list(how)
    code, _, err = run_cli(capsys, "resample", path, "--target", target, "--method", "SMOTE", "--out", out,
                           "--code", tmp_path / "s.py", *extra)
    assert code == 0, err
    _run_script(tmp_path, (tmp_path / "s.py").read_text(), path, "script.out")
    assert (tmp_path / "script.out").read_bytes() == out.read_bytes()


def test_the_script_shows_labels_without_obeying_them(tmp_path):
    """Check the script prints a label holding escape sequences (window title, clear screen), a
    carriage return or a right-to-left override as escapes, as the command line does, and still
    writes the label itself into the file."""
    frame = _table("label", ["a", "b"], ("ok", "fraud\x1b]0;owned\x07\x1b[2J\r\u202e"))
    path = tmp_path / "esc.parquet"
    frame.to_parquet(path)
    script = python_script(make("resample", "label", "RandomOverSampler", {}, 0, folds=3), read_table(path))
    _, err = _run_script(tmp_path, script, path, "out.csv")
    assert r"fraud\x1b]0;owned\x07\x1b[2J\r\u202e" in err
    assert not any(char in err for char in "\x1b\x07\r\u202e")
    assert set(pd.read_csv(tmp_path / "out.csv")["label"]) == {"ok", "fraud\x1b]0;owned\x07\x1b[2J\r\u202e"}


def test_the_script_reads_another_workbook_without_that_sheet(tmp_path, capsys):
    """Check the script made from a workbook's sheet 'Kunden' reads another workbook's first sheet,
    with a note, rather than stopping."""
    from openpyxl import Workbook

    target = _titled_workbook(tmp_path / "book.xlsx")
    made = make("resample", target, "SMOTE", {}, 0)
    script = python_script(made, read_table(tmp_path / "book.xlsx"))
    other = Workbook()
    sheet = other.active
    sheet.append(["x", "z", "visits", "branch", "label"])
    rng = np.random.default_rng(5)
    for i in range(120):
        sheet.append([float(rng.normal()), int(rng.integers(0, 5)), int(rng.integers(1, 90)), f"{i % 5:04d}",
                      "yes" if i % 6 == 0 else "no"])
    other.save(tmp_path / "other.xlsx")
    _, note = _start_script(tmp_path, script, tmp_path / "other.xlsx", "out.csv")()
    assert "no worksheet 'Kunden'" in note and (tmp_path / "out.csv").exists()


def test_a_tactic_registered_after_an_export_exports_too():
    """Check the check's list of template statements follows the registry (it was cached once)."""
    from balancer import strategies

    data = _table("label", ["a", "b"], ("no", "yes"))
    python_script(make("resample", "label", "SMOTE", {}, 0), data)
    entry = strategies.get("RandomUnderSampler")
    with strategies.registered(dataclasses.replace(entry, name="RandomUnderSamplerCopy")):
        script = python_script(make("resample", "label", "RandomUnderSamplerCopy", {}, 0), data)
    assert "RandomUnderSamplerCopy(" in script


FORGED = [
    ({"kind": "csv", "delimiter": '"\nimport os#', "decimal": "'", "thousands": "\\", "encoding": "x'); import os; ('",
      "header_row": "3"}, {"sep": ",", "decimal": "."}),
    ({"kind": "csv", "delimiter": ";", "decimal": ",", "thousands": ",", "encoding": "rot13", "header_row": True},
     {"sep": ";", "decimal": ","}),
    ({"kind": "xlsx", "sheet": '"""); import os; ("""', "header_row": 10 ** 9},
     {"sheet_name": '"""); import os; ("""', "skiprows": 10 ** 9 - 1}),
    ({"kind": ["csv"], "delimiter": ";"}, {}),
]


@pytest.mark.parametrize(("found", "expected"), FORGED)
def test_a_forged_format_record_stays_a_constant(found, expected):
    """Check a format record Balancer's reader would never write (a forged frame, a future reader)
    gives pandas' defaults or a plain string constant, never code: only a real delimiter, decimal
    mark, thousands separator, fallback encoding and header row pass."""
    data = _table("label", ["a", "b"], ("no", "yes"))
    data.attrs["format"] = found
    tree = ast.parse(python_script(make("resample", "label", "SMOTE", {}, 0), data))
    constants = _constants(tree)
    assert constants["READ"] == expected
    assert (constants["DELIMITER"], constants["DECIMAL"]) in ((",", "."), (";", ","))


@pytest.mark.parametrize("planted", [
    "import os",  # no string at all: the old check, which looked at string constants only, let it pass
    "exec(bytes([112, 114, 105, 110, 116]).decode())",
    "TARGET = 'label'",  # a constant written twice
    "EXTRA = 1",  # a constant nobody wrote
])
def test_the_check_refuses_any_statement_the_template_does_not_write(planted):
    """Check the last guard of python_script: a script is the template's statements and the written
    constants, each once, or it is refused."""
    from balancer.codegen import _check_template, _settings

    data = _table("label", ["a", "b"], ("no", "yes"))
    made = make("evaluate", "label", "SMOTEENN", {}, 0)
    script = python_script(made, data)
    names = list(_settings(made, data))  # the constants python_script writes, in order
    _check_template(script, names)
    planted_script = script.replace("\ndef make_model(weights):", f"\n{planted}\n\n\ndef make_model(weights):")
    with pytest.raises(DataError, match="internal check failed"):
        _check_template(planted_script, names)


def test_only_a_registry_sampler_is_written_as_code(monkeypatch):
    """Check the sampler's name, the one value written as code (an import and a call), must be a
    registry entry."""
    import balancer.codegen as codegen

    settings = codegen._settings
    monkeypatch.setattr(codegen, "_settings", lambda *a: {**settings(*a), "SAMPLER": "system"})
    data = _table("label", ["a", "b"], ("no", "yes"))
    with pytest.raises(DataError, match="cannot export a script for 'system'"):
        python_script(make("resample", "label", "SMOTE", {}, 0), data)


def _constants(tree: ast.Module) -> dict[str, object]:
    """The script's constants: upper-case names assigned a literal (Balancer's copied code has others)."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id.isupper():
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return out


def test_script_names_the_target_only_in_a_constant():
    """Check the target's name is not in the docstring or any comment, only in TARGET = ..."""
    name = 'amount"""'
    data = _table(name, ["a", "b"], ("no", "yes"))
    script = python_script(make("resample", name, "SMOTE", {}, 0), data)
    tree = ast.parse(script)
    assert ast.get_docstring(tree) and name not in ast.get_docstring(tree)
    assert not [line for line in script.splitlines() if line.lstrip().startswith("#") and name in line]
    constants = _constants(tree)
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


# --------------------------------------------------------------------------------------------
# the script reproduces the app: the same metrics, the same balanced file


def _plain_table(n: int = 240, seed: int = 0, classes: int = 2) -> pd.DataFrame:
    """Numbers, integers, a category and a flag, no missing values: the case the script's file is
    byte for byte Balancer's."""
    frame = mixed_table(n=n, minority=30, classes=classes, seed=seed)
    frame["x_float"] = frame["x_float"].fillna(0.5)
    frame["colour"] = frame["colour"].where(frame["colour"].notna(), "red")
    return frame


#: scripts started in the background by the running test (stopped after it, whatever happened)
_RUNNING: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _no_script_left_running():
    yield
    while _RUNNING:
        process = _RUNNING.pop()
        if process.poll() is None:
            process.kill()
        process.communicate()


def _start_script(tmp_path, script: str, data_path, *args: str, name: str = "reproduce.py"):
    """Run the script as a user would (``python NAME DATA ...`` in its folder) in the background;
    the returned function waits for it and gives its printed metrics and its stderr. The tests ask
    the app for the same figures meanwhile: the two use both cores."""
    (tmp_path / name).write_text(script, encoding="utf-8")
    process = subprocess.Popen([sys.executable, name, str(data_path), *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    _RUNNING.append(process)

    def result() -> tuple[dict, str]:
        try:
            out, err = process.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
        assert process.returncode == 0, err[-3000:]
        return json.loads(out), err

    return result


def _run_script(tmp_path, script: str, data_path, *args: str) -> tuple[dict, str]:
    return _start_script(tmp_path, script, data_path, *args)()


@pytest.mark.parametrize(("method", "model", "missing"), [
    ("none", "logistic_regression", False),
    ("RandomUnderSampler", "random_forest", False),
    ("SMOTE", "logistic_regression", False),
    ("SMOTE", "random_forest", True),  # SMOTENC, and synthetic rows keep their donors' missing cells
    ("class_weight", "logistic_regression", False),
    ("class_weight", "random_forest", True),
    # the tactics that change the model: their builders and classes travel with the script
    ("threshold", "logistic_regression", False),
    ("threshold", "random_forest", True),
    ("anomaly", "logistic_regression", True),
    ("decompose", "logistic_regression", False),
    ("BalancedRandomForestClassifier", "logistic_regression", True),
    ("EasyEnsembleClassifier", "logistic_regression", False),
    ("RUSBoostClassifier", "logistic_regression", False),
    ("BalancedBaggingClassifier", "logistic_regression", True),
])
def test_the_script_prints_the_apps_metrics_and_writes_its_file(method, model, missing, tmp_path, capsys):
    """Check the script's metrics equal `balancer evaluate --json`'s (to 1e-9; unrounded with
    --exact, Python's evaluate()), and its balanced file is `balancer resample`'s, byte for byte."""
    frame = mixed_table() if missing else _plain_table()
    path = tmp_path / "data.csv"
    path.write_bytes(write_csv(frame))
    data = read_table(path)  # the table as the app reads it
    made = make("evaluate", "label", method, {}, 3, model=model, folds=4)
    script = _start_script(tmp_path, python_script(made, data), path, "out.csv")
    code, out, err = run_cli(capsys, "evaluate", path, "--target", "label", "--method", method, "--model", model,
                             "--folds", 4, "--seed", 3, "--json")
    assert code == 0, err
    expected = json.loads(out)["metrics"]
    if method not in MODEL_SIDE:  # the app's file, while the script runs
        code, _, err = run_cli(capsys, "resample", path, "--target", "label", "--method", method, "--seed", 3,
                               "--out", tmp_path / "app.csv")
        assert code == 0, err
    printed, note = script()
    assert set(printed) == set(expected)
    for name, value in expected.items():
        assert printed[name] == pytest.approx(value, abs=1e-9), name
    if missing:  # every digit, against Python's evaluate() (the other tests do it too)
        script = _start_script(tmp_path, python_script(made, data), path, "exact.csv", "--exact", name="exact.py")
        direct = evaluate(data, "label", method, model=model, folds=4, seed=3, baseline=False)
        exact, _ = script()
        for name, value in direct.metrics.items():
            assert exact[name] == pytest.approx(value, abs=1e-9, nan_ok=True), name
    if method in MODEL_SIDE:  # a model-side tactic has no balanced file
        assert not (tmp_path / "out.csv").exists() and "wrote" not in note
        return
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "app.csv").read_bytes()


def _assert_smote_file_is_the_apps(tmp_path, capsys, path, data: pd.DataFrame, target: str, folds: int) -> None:
    """The balanced file the script writes with SMOTE is `balancer resample`'s, byte for byte."""
    made = make("evaluate", target, "SMOTE", {}, 0, model="logistic_regression", folds=folds)
    _run_script(tmp_path, python_script(made, data), path, "out.csv")
    code, _, err = run_cli(capsys, "resample", path, "--target", target, "--method", "SMOTE", "--out",
                           tmp_path / "app.csv")
    assert code == 0, err
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "app.csv").read_bytes()


def test_the_script_writes_whole_numbers_with_gaps_as_balancer_does(tmp_path, capsys):
    """Check a real table whose integer columns have gaps (hepatitis, `?` for missing) gives the
    app's file byte for byte: pandas alone would read those columns as floats and write 85.0."""
    path = tmp_path / "hepatitis.csv"
    path.write_bytes((DATA / "hepatitis.csv").read_bytes())
    data = read_table(path)
    assert str(data["protime"].dtype) == "Int64"
    _assert_smote_file_is_the_apps(tmp_path, capsys, path, data, "class", folds=5)


def test_the_script_keeps_copies_together_repeats_and_scales_class_counts(tmp_path):
    """Check the script's folds are the app's with copies (grouped), repeats and per-class counts
    scaled to the training folds, and its default file name is <stem>_<method>.csv next to DATA."""
    frame = _plain_table(seed=2)
    frame = pd.concat([frame, frame.iloc[:60]], ignore_index=True).sample(frac=1.0, random_state=1)
    path = tmp_path / "copies.csv"
    path.write_bytes(write_csv(frame))
    data = read_table(path)
    params = {"sampling_strategy": {"c1": 150}}
    made = make("evaluate", "label", "RandomOverSampler", params, 5, model="logistic_regression", folds=3)
    script = python_script(made, data, repeats=2)
    printed, _ = _run_script(tmp_path, script, path, "--exact")
    direct = evaluate(data, "label", "RandomOverSampler", model="logistic_regression", folds=3, seed=5,
                      params=params, repeats=2, baseline=False)
    assert any("copies of another row" in n for n in direct.notices)
    assert any("per-class counts were scaled" in n for n in direct.notices)
    for name, value in direct.metrics.items():
        assert printed[name] == pytest.approx(value, abs=1e-9), name
    app = resample(data, "label", "RandomOverSampler", params=params, seed=5)
    assert (tmp_path / "copies_RandomOverSampler.csv").read_bytes() == write_csv(app.data)


def test_the_script_marks_synthetic_rows_when_the_recipe_asks(tmp_path):
    """Check a resample recipe with the synthetic marker writes the app's marked file."""
    frame = _plain_table(seed=4)
    path = tmp_path / "d.csv"
    path.write_bytes(write_csv(frame))
    data = read_table(path)
    made = make("resample", "label", "SMOTE", {"k_neighbors": 3}, 0, mark_synthetic=True)
    _run_script(tmp_path, python_script(made, data), path, "marked.csv")
    app = resample(data, "label", "SMOTE", params={"k_neighbors": 3}, seed=0)
    assert (tmp_path / "marked.csv").read_bytes() == write_csv(app.with_marker())


@pytest.mark.parametrize(("method", "model", "costs", "calibration", "classes"), [
    ("SMOTE", "logistic_regression", {"fn": 20, "fp": 1}, None, 2),  # prior (the default), Bayes threshold
    ("SMOTE", "logistic_regression", {"fn": 20, "fp": 1}, "none", 2),  # threshold searched on inner folds
    ("RandomUnderSampler", "random_forest", None, "sigmoid", 2),
    ("none", "logistic_regression", {"fn": 5, "fp": 2}, "isotonic", 2),
    ("threshold", "logistic_regression", {"fn": 10, "fp": 1}, "sigmoid", 2),  # a model-side tactic, calibrated
    ("class_weight", "logistic_regression", {"c2,c0": 8, "c1,c0": 3}, None, 3),  # a cost matrix
    ("SMOTE", "random_forest", None, "isotonic", 3),
    ("anomaly", "logistic_regression", {"fn": 500, "fp": 5}, None, 2),  # ranked by cost: tuned for its metric
])
def test_the_script_applies_the_apps_costs_and_calibration(method, model, costs, calibration, classes, tmp_path,
                                                           capsys):
    """Check error costs and every calibration travel with the script: its metrics equal `balancer
    evaluate --json`'s to 1e-9 (and Python's evaluate(), unrounded), and it names nothing as left out."""
    frame = _plain_table(n=300, classes=classes)
    path = tmp_path / "d.csv"
    path.write_bytes(write_csv(frame))
    data = read_table(path)
    metric = "expected_cost" if method == "anomaly" else "f2"
    params = {"n_estimators": 10} if method == "anomaly" else {}
    extra = {"costs": costs} if costs else {}
    made = make("evaluate", "label", method, params, 1, model=model, folds=3, calibration=calibration,
                metric=metric, **extra)
    script = _start_script(tmp_path, python_script(made, data), path, "out.csv", "--exact")
    args = ["--costs", json.dumps(costs)] if costs else []
    args += ["--calibration", calibration] if calibration else []
    args += [a for key, value in params.items() for a in ("--param", f"{key}={value}")]
    code, out, err = run_cli(capsys, "evaluate", path, "--target", "label", "--method", method, "--model", model,
                             "--folds", 3, "--seed", 1, "--metric", metric, "--json", *args)
    assert code == 0, err
    shown = json.loads(out)
    printed, note = script()
    assert "note:" not in note
    assert shown["calibration_method"] == (calibration or ("prior" if method not in ("none", "anomaly") else "none"))
    assert set(printed) == set(shown["metrics"])
    for name, value in shown["metrics"].items():
        assert (printed[name] is None) if value is None else printed[name] == pytest.approx(value, abs=1e-6), name
    direct = evaluate(data, "label", method, model=model, folds=3, seed=1, baseline=False, costs=costs,
                      calibration=calibration, metric=metric, params=params)
    for name, value in direct.metrics.items():
        assert printed[name] == pytest.approx(value, abs=1e-9, nan_ok=True), name
    without = evaluate(data, "label", method, model=model, folds=3, seed=1, baseline=False, params=params)
    assert any(direct.metrics[m] != without.metrics[m] for m in direct.metrics), "costs or calibration changed nothing"


def test_the_script_reads_booleans_and_spaced_headers_as_balancer_does(tmp_path, capsys):
    """Check true/false written in any case with spaces around, and a header with a trailing space
    over whole numbers, come out of the script's file as out of the app's (pandas alone would read
    them as text and as floats), byte for byte."""
    rng = np.random.default_rng(0)
    n = 200
    label = np.where(rng.random(n) < 0.2, "yes", "no")
    flags = np.where(rng.random(n) < 0.5, "true", "FaLsE ")
    whole = rng.integers(0, 50, n).astype(float)
    whole[::17] = np.nan
    lines = ["x,flag,count ,label"] + [
        f"{rng.normal():.4f},{f},{'' if np.isnan(w) else int(w)},{lab}" for f, w, lab in zip(flags, whole, label)]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n")
    data = read_table(path)
    assert str(data["flag"].dtype) == "bool" and str(data["count"].dtype) == "Int64"
    _assert_smote_file_is_the_apps(tmp_path, capsys, path, data, "label", folds=3)


def test_the_script_keeps_another_tables_values(tmp_path):
    """Check the script made for one table, given another whose column holds fractions where the
    first had whole numbers, keeps the fractions (no silent cut to integers)."""
    frame = _plain_table()
    frame["count"] = np.arange(len(frame)) % 7
    first = tmp_path / "first.csv"
    first.write_bytes(write_csv(frame))
    script = python_script(make("evaluate", "label", "RandomOverSampler", {}, 0, folds=3), read_table(first))
    other = frame.copy()
    other["count"] = other["count"] + 0.5
    second = tmp_path / "second.csv"
    second.write_bytes(write_csv(other))
    _run_script(tmp_path, script, second, "out.csv")
    written = pd.read_csv(tmp_path / "out.csv")
    assert (written["count"] % 1 == 0.5).all()


@pytest.mark.skipif(shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
                    reason="ruff is a development tool")
def test_every_name_in_the_script_is_defined(tmp_path):
    """Check no generated script uses a name it does not define or import (ruff's F821), for every
    model-side tactic and a few samplers, so that no path of the copied code fails at run time."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    data = mixed_table()
    for method in sorted(MODEL_SIDE | {"SMOTE", "TomekLinks", "none"}):
        script = tmp_path / f"{method}.py"
        # not logistic regression: the copied tactics fall back on it, whose import must not depend on the model
        made = make("evaluate", "label", method, {}, 0, folds=3, model="random_forest")
        script.write_text(python_script(made, data))
        done = subprocess.run([ruff, "check", "--no-cache", "--isolated", "--select", "F821", str(script)],
                              capture_output=True, text=True)
        assert done.returncode == 0, (method, done.stdout[-2000:])


def test_every_sampler_built_from_parts_has_its_script_builder():
    """Check every registry entry Balancer builds from parts (its own parts, seeds, estimators) has
    a make_sampler of its own in the script, and that it builds the same sampler as Balancer."""
    from imblearn import combine, over_sampling, under_sampling
    from sklearn.cluster import KMeans

    from balancer import codegen, strategies

    built = {s.name for s in strategies.STRATEGIES.values() if s.builder is not None}
    assert built == set(codegen._BUILT)
    for name in sorted(built):
        namespace = {"SEED": 3, "combine": combine, "over_sampling": over_sampling,
                     "under_sampling": under_sampling, "KMeans": KMeans}
        exec(codegen._sampler_function(name), namespace)  # noqa: S102 - the template's own code
        params = strategies.get(name).defaults()
        ours = namespace["make_sampler"](params, "auto", None)
        theirs = strategies.build(name, params, "auto", 3, engine="imblearn")
        assert type(ours) is type(theirs), name
        assert {k: repr(v) for k, v in ours.get_params(deep=True).items()} == \
            {k: repr(v) for k, v in theirs.get_params(deep=True).items()}, name


def test_the_script_reads_a_european_export_and_runs_smoteenn_as_the_app(tmp_path, capsys):
    """Check a semicolon-separated file with decimal commas: the script for SMOTEENN (built from
    parts) reads it, prints the app's metrics and writes the app's file, byte for byte."""
    frame = _plain_table(n=300)
    path = tmp_path / "euro.csv"
    frame.to_csv(path, sep=";", decimal=",", index=False)
    data = read_table(path)
    made = make("evaluate", "label", "SMOTEENN", {}, 3, model="logistic_regression", folds=3)
    printed, _ = _run_script(tmp_path, python_script(made, data), path, "out.csv")
    code, out, err = run_cli(capsys, "evaluate", path, "--target", "label", "--method", "SMOTEENN", "--model",
                             "logistic_regression", "--folds", 3, "--seed", 3, "--json")
    assert code == 0, err
    for name, value in json.loads(out)["metrics"].items():
        assert printed[name] == pytest.approx(value, abs=1e-9), name
    code, _, err = run_cli(capsys, "resample", path, "--target", "label", "--method", "SMOTEENN", "--seed", 3,
                           "--out", tmp_path / "app.csv")
    assert code == 0, err
    assert b";" in (tmp_path / "app.csv").read_bytes()[:200]
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "app.csv").read_bytes()
