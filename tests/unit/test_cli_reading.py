"""The command line reads everyday exports and writes in their dialect: --dialect, --sheet,
--header-row (files written here, read back as a user's spreadsheet would)."""

from __future__ import annotations

import io
import json

import pandas as pd
from openpyxl import Workbook

from tests.app.test_true_to_input import european_export, two_sheets
from tests.conftest import run_cli


def test_resample_keeps_the_input_dialect_unless_asked(capsys, tmp_path):
    source = tmp_path / "export.csv"
    source.write_bytes(european_export())
    out = tmp_path / "out.csv"
    code, _, err = run_cli(capsys, "resample", str(source), "--target", "label", "--method", "SMOTE",
                           "--out", str(out))
    assert code == 0, err
    text = out.read_text()
    assert text.splitlines()[0] == "id;amount;items;label"
    written = pd.read_csv(io.StringIO(text), sep=";", decimal=",")
    original = pd.read_csv(io.StringIO(european_export().decode()), sep=";", decimal=",", skiprows=2)
    assert written["amount"].dtype == "float64" and len(written) > len(original)
    assert (written["amount"].round(2) == written["amount"]).all()  # two decimals in, two out
    assert written.iloc[: len(original)].equals(original)  # the input's rows, as they were
    standard = tmp_path / "standard.csv"
    code, _, _ = run_cli(capsys, "resample", str(source), "--target", "label", "--method", "SMOTE",
                         "--out", str(standard), "--dialect", "standard")
    assert code == 0
    assert pd.read_csv(standard).equals(written)


def test_profile_reports_what_it_found(capsys, tmp_path):
    source = tmp_path / "export.csv"
    source.write_bytes(european_export())
    code, out, _ = run_cli(capsys, "profile", str(source), "--target", "label", "--json")
    assert code == 0
    found = json.loads(out)
    assert found["format"]["delimiter"] == ";" and found["format"]["decimal"] == ","
    assert found["format"]["header_row"] == 3
    assert {c["name"]: c["kind"] for c in found["columns"]}["amount"] == "numeric"
    assert any(w["code"] == "header_row" for w in found["warnings"])


def test_sheet_and_header_row(capsys, tmp_path):
    book = tmp_path / "book.xlsx"
    book.write_bytes(two_sheets())
    code, out, _ = run_cli(capsys, "profile", str(book), "--json")
    assert code == 0 and [c["name"] for c in json.loads(out)["columns"]] == ["x", "z", "label"]
    code, out, _ = run_cli(capsys, "profile", str(book), "--sheet", "Other", "--json")
    assert code == 0 and [c["name"] for c in json.loads(out)["columns"]] == ["a", "b", "label"]
    code, _, err = run_cli(capsys, "profile", str(book), "--sheet", "Missing")
    assert code == 2 and "Notes" in err and len(err.strip().splitlines()) == 1
    code, out, _ = run_cli(capsys, "profile", str(book), "--sheet", "Data", "--header-row", "3", "--json")
    assert code == 0 and [c["name"] for c in json.loads(out)["columns"]] == ["x", "z", "label"]
    source = tmp_path / "export.csv"
    source.write_bytes(european_export())
    code, out, _ = run_cli(capsys, "profile", str(source), "--header-row", "3", "--json")
    assert code == 0 and [c["name"] for c in json.loads(out)["columns"]] == ["id", "amount", "items", "label"]
    code, _, err = run_cli(capsys, "profile", str(source), "--header-row", "1")  # the title as header
    assert code == 2 and "the header has 1" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(capsys, "profile", str(source), "--header-row", "99999")
    assert code == 2 and "error:" in err
    code, _, err = run_cli(capsys, "profile", str(source), "--sheet", "Data")
    assert code == 2 and "sheet" in err
    code, _, err = run_cli(capsys, "profile", "sample:customer_churn", "--sheet", "Data")
    assert code == 2 and "bundled sample" in err


def test_excel_title_rows_are_skipped_and_named(capsys, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Quarterly report"])
    sheet.append([])
    sheet.append(["amount", "label"])
    for i in range(40):
        sheet.append([i * 1.5, "a" if i % 4 else "b"])
    path = tmp_path / "report.xlsx"
    book.save(path)
    code, out, _ = run_cli(capsys, "profile", str(path), "--target", "label", "--json")
    found = json.loads(out)
    assert code == 0 and [c["name"] for c in found["columns"]] == ["amount", "label"]
    assert found["classes"] == {"a": 30, "b": 10}  # the header is not a third class
    assert any(w["code"] == "header_row" and "Quarterly report" in w["message"] for w in found["warnings"])


def test_resample_says_how_the_file_was_read_and_writes_it_back_so(capsys, tmp_path):
    """Check resample says what the reader did to the input on stderr (it said nothing: a
    Windows-1252 export was read as such without a word, and --json gave no notice), writes the
    file in the input's encoding, and writes tabs for an --out ending in .tsv (it wrote commas)."""
    source = tmp_path / "export.csv"
    text = "id;montant;catégorie\r\n" + "".join(
        f"T{i};{i},50;{'fraude' if i % 5 == 0 else 'régulier'}\r\n" for i in range(60))
    source.write_bytes(text.encode("cp1252"))
    for extra in ([], ["--json"]):
        code, out, err = run_cli(capsys, "resample", source, "--target", "catégorie", "--method",
                                 "RandomOverSampler", "--out", tmp_path / "out.csv", *extra)
        assert code == 0
        assert "note: export.csv is not UTF-8; it was read as cp1252" in err
        if extra:
            json.loads(out)  # stdout stays JSON
    written = (tmp_path / "out.csv").read_bytes()
    assert written.startswith(text.encode("cp1252"))  # the input's rows first, as they were
    code, _, err = run_cli(capsys, "resample", source, "--target", "catégorie", "--method",
                           "RandomOverSampler", "--out", tmp_path / "out.tsv")
    assert code == 0, err
    assert (tmp_path / "out.tsv").read_bytes().startswith(text.replace(";", "\t").encode("cp1252"))


def test_predict_writes_labels_the_input_encoding_cannot_hold(capsys, tmp_path):
    """Check predicting on a Windows-1252 file with a model whose labels Windows-1252 cannot hold
    ('Ωmega') writes the file in UTF-8 with a byte order mark, with a note; it stopped with an
    error and left an empty file."""
    lines = ["a,b,label"] + [f"{i % 7 / 3:.3f},{i % 5 / 2:.3f},{'Ωmega' if i % 4 == 0 else 'x'}" for i in range(80)]
    (tmp_path / "train.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "evaluate", tmp_path / "train.csv", "--target", "label", "--method", "none",
                           "--model-out", tmp_path / "m.bal")
    assert code == 0, err
    rows = ["a;b;notiz"] + [f"{i % 7 / 3:.3f};{i % 5 / 2:.3f};é{i}".replace(".", ",") for i in range(20)]
    (tmp_path / "pred.csv").write_bytes(("\n".join(rows) + "\n").encode("cp1252"))
    code, _, err = run_cli(capsys, "predict", tmp_path / "m.bal", tmp_path / "pred.csv", "--out", tmp_path / "p.csv")
    assert code == 0, err
    assert "written in UTF-8 with a byte order mark" in err
    written = (tmp_path / "p.csv").read_bytes()
    assert written.startswith(b"\xef\xbb\xbfa;b;notiz;predicted")
    assert "é3" in written.decode("utf-8-sig")
