"""The dashboard is true to the input: decimal commas, title rows, sheets, missing values, the
download's dialect (AppTest, reading what a user would download)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from openpyxl import Workbook

from tests.app.conftest import texts, upload
from tests.app.downloads import capture, download
from tests.conftest import DATA


def european_export(n: int = 300, seed: int = 0) -> bytes:
    """A semicolon file with decimal commas and a title above the header, as a spreadsheet in a
    comma-decimal locale exports it."""
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.15, "fraud", "ok")
    amount = np.round(rng.gamma(2, 30, n) + (y == "fraud") * 40, 2)
    lines = ["Transactions export 2026", "", "id;amount;items;label"]
    for i in range(n):
        lines.append(f"T{i:04d};{str(amount[i]).replace('.', ',')};{rng.integers(1, 9)};{y[i]}")
    return ("\r\n".join(lines) + "\r\n").encode()


def two_sheets() -> bytes:
    book = Workbook()
    notes = book.active
    notes.title = "Notes"
    notes["A1"] = "Read me"
    data = book.create_sheet("Data")
    data.append(["Customer table"])
    data.append([])
    data.append(["x", "z", "label"])
    rng = np.random.default_rng(1)
    for i in range(120):
        data.append([float(np.round(rng.normal(), 3)), int(rng.integers(0, 5)), "yes" if i % 6 == 0 else "no"])
    other = book.create_sheet("Other")
    other.append(["a", "b", "label"])
    for i in range(50):
        other.append([i, i * 2, "p" if i % 5 == 0 else "q"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_decimal_commas_and_a_title_row_are_read_and_the_download_keeps_the_dialect(app):
    upload(app, "export.csv", european_export())
    assert not app.exception and not app.error
    frame = app.session_state["dataset"].frame
    assert list(frame.columns) == ["id", "amount", "items", "label"]
    assert frame["amount"].dtype == "float64"
    captions = texts(app.caption)
    assert "semicolon-separated" in captions and "decimal comma" in captions and "header on row 3" in captions
    assert "rows 1-2" in texts(app.warning) or "rows 1-2" in texts(app.info) or "above the header" in texts(app.warning)
    # the table the page's "Download Python script" is made from still knows how it was read
    from balancer.codegen import python_script
    from balancer.recipe import make

    script = python_script(make("resample", "label", "SMOTE", {}, 0), app.session_state["dataset"].frame)
    assert "\nREAD = {'sep': ';', 'decimal': ',', 'skiprows': 2}\n" in script
    app.selectbox(key="w_target").select("label").run()
    app.switch_page("pages/balance.py").run()
    app.selectbox(key="w_strategy").select("SMOTE").run()
    with capture() as stored:
        app.button(key="resample").click().run()
        assert not app.exception and not app.error
        assert app.radio(key="w_dialect").label == "Format"
        written = download(app, "download", stored).decode()
    header, first = written.splitlines()[:2]
    assert header == "id;amount;items;label" and "," in first.split(";")[1]
    back = pd.read_csv(io.StringIO(written), sep=";", decimal=",")
    assert back["amount"].dtype == "float64" and back["items"].dtype == "int64"
    # two decimals in, at most two out
    assert (back["amount"].round(2) == back["amount"]).all()
    with capture() as stored:
        app.radio(key="w_dialect").set_value("standard").run()
        standard = download(app, "download", stored).decode()
    assert standard.splitlines()[0] == "id,amount,items,label"
    assert pd.read_csv(io.StringIO(standard))["amount"].tolist() == back["amount"].tolist()


def test_the_sheet_and_header_row_choices(app):
    upload(app, "book.xlsx", two_sheets(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert not app.exception and not app.error
    frame = app.session_state["dataset"].frame
    assert list(frame.columns) == ["x", "z", "label"] and len(frame) == 120  # Data: the first sheet with data
    assert "sheet 'Data' of 3" in texts(app.caption) and "header on row 3" in texts(app.caption)
    app.selectbox(key="w_sheet").select("Other").run()
    assert not app.exception and not app.error
    assert list(app.session_state["dataset"].frame.columns) == ["a", "b", "label"]
    app.selectbox(key="w_sheet").select("Data").run()
    app.number_input(key="w_header_row").set_value(1).run()  # the user overrides the detection
    assert not app.exception
    assert list(app.session_state["dataset"].frame.columns)[0] == "Customer table"


def test_missing_values_are_one_table_with_shares_per_class(app):
    content = (DATA / "hepatitis.csv").read_bytes()
    upload(app, "hepatitis.csv", content)
    app.selectbox(key="w_target").select("class").run()
    assert not app.exception and not app.error
    table = next(d.value for d in app.dataframe if "share" in d.value.columns)
    assert table["column"].iloc[0] == "protime"
    assert {"share", "in 1", "in 2"} <= set(table.columns)
    assert sum("missing values" in str(w.value) for w in app.warning) == 1  # one box, not one per column


def test_the_download_is_in_the_input_encoding_with_its_text(app):
    """Check the dashboard's download of a Windows-1252 export with two-decimal amounts and
    zero-padded ids is that file's text for its own rows (it came back as UTF-8, which the
    spreadsheet that made it shows as 'rÃ©gulier', with 12,5 for 12,50), and the `Format`
    choice says which encoding; standard CSV is UTF-8."""
    rng = np.random.default_rng(5)
    lines = ["id;montant;catégorie"] + [
        f"{i:05d};{rng.integers(100, 99999) / 100:.2f};{'fraude' if i % 6 == 0 else 'régulier'}".replace(".", ",")
        for i in range(240)]
    source = ("\r\n".join(lines) + "\r\n").encode("cp1252")
    upload(app, "export.csv", source)
    assert not app.exception and not app.error
    app.selectbox(key="w_target").select("catégorie").run()
    app.switch_page("pages/balance.py").run()
    app.selectbox(key="w_strategy").select("RandomOverSampler").run()
    with capture() as stored:
        app.button(key="resample").click().run()
        assert not app.exception and not app.error
        assert app.radio(key="w_dialect").options[0] == "As the input (semicolon, decimal comma, Windows-1252)"
        written = download(app, "download", stored)
    assert written.startswith(source)  # the input's rows first, byte for byte
    with capture() as stored:
        app.radio(key="w_dialect").set_value("standard").run()
        standard = download(app, "download", stored)
    assert standard.decode("utf-8").startswith("id,montant,catégorie\r\n00000,")
