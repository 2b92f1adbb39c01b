"""Every file of the bad-input corpus through the dashboard: a clear error, the previous state kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.conftest import texts, upload
from tests.app.downloads import capture, download
from tests.conftest import DATA

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"

UNREADABLE = {
    "empty.csv": "is empty",
    "header_only.csv": "no data rows",
    "garbage.csv": "binary, not a text table",
    "fake.xlsx": "not an Excel workbook",
    "archive.zip": "zip archive, not a table",
    "corrupt.csv.gz": "cannot be decompressed",
    "ragged.csv": "fields but the header has 3",
    "old_excel.xls": "old Excel .xls",
    "very_wide.csv": "2,500 columns; the limit is 2,000",
    "very_long.csv": "6,000 rows; the limit is 5,000",
    "dictionary_bomb.parquet": "in memory once read",
    "forged_rows.parquet": "100,000 rows; the limit is 5,000",
    "binary_column.parquet": "holds binary data that is not text",
    "shared_string_bomb.xlsx": "in memory once read",
    "entities.xlsx": "declares a DTD or entities",
}
UNUSABLE_TARGET = {
    "one_class.csv": ("y", "single class"),
    "continuous_target.csv": ("y", "looks continuous"),
    "thousand_classes.csv": ("y", "1,000 classes"),
}
AWKWARD = {
    "duplicate_headers.csv": "duplicate column names were renamed",
    "all_missing_column.csv": "is empty; it is left out",
    "infinite_values.csv": "infinite values",
    "column_identical_to_target.csv": "predicts the target almost perfectly",
    "formulas.csv": "",
    "newline_in_header.csv": "",
    "formula_header.csv": "",
}


def test_corpus_is_complete():
    """Check every corpus file has an expectation here (and the generator wrote them all)."""
    files = {p.name for p in BAD.iterdir() if p.suffix != ".py"}
    assert files == set(UNREADABLE) | set(UNUSABLE_TARGET) | set(AWKWARD)


def prepared(app):
    """A good dataset with choices made, so we can see they survive."""
    upload(app, "flare-F.csv", (DATA / "flare-F.csv").read_bytes())
    app.selectbox(key="w_target").select("Class").run()
    app.switch_page("pages/balance.py").run()
    app.selectbox(key="w_strategy").select("TomekLinks").run()
    app.switch_page("pages/data.py").run()
    return app


def offered(name: str) -> str:
    """The name a user can upload the file under: the picker offers only what Balancer reads, so
    a zip archive or an old .xls reaches Balancer only renamed (its content then gets the plain
    message)."""
    from balancer.tables import UPLOAD_EXTENSIONS

    return name if name.rsplit(".", 1)[-1] in UPLOAD_EXTENSIONS else name + ".csv"


def test_the_picker_offers_only_what_balancer_reads(app):
    from balancer.tables import UPLOAD_EXTENSIONS

    offered_types = {t.lstrip(".") for t in app.file_uploader(key="upload").proto.type}
    assert offered_types == set(UPLOAD_EXTENSIONS)
    assert not offered_types & {"zip", "xls"}


@pytest.mark.parametrize("name", list(UNREADABLE))
def test_unreadable_file_gives_error_and_keeps_state(name, app, monkeypatch):
    """Check a clear st.error, no exception, and the previous dataset, target and strategy kept."""
    monkeypatch.setenv("BALANCER_MAX_ROWS", "5000")
    prepared(app)
    upload(app, offered(name), (BAD / name).read_bytes(), "application/octet-stream")
    assert not app.exception
    assert UNREADABLE[name] in texts(app.error), texts(app.error)
    assert app.session_state["dataset"].name == "flare-F.csv"
    assert app.selectbox(key="w_target").value == "Class"
    app.switch_page("pages/balance.py").run()
    assert app.selectbox(key="w_strategy").value == "TomekLinks"


@pytest.mark.parametrize("name", list(UNUSABLE_TARGET))
def test_unusable_target_gives_error(name, app):
    """Check choosing a target that cannot be balanced shows st.error on Data and Balance."""
    prepared(app)
    upload(app, name, (BAD / name).read_bytes())
    column, message = UNUSABLE_TARGET[name]
    app.selectbox(key="w_target").select(column).run()
    assert not app.exception
    assert message in texts(app.error)
    app.switch_page("pages/balance.py").run()
    assert not app.exception and message in texts(app.error)
    assert app.session_state["choices"]["w_strategy"] == "TomekLinks"


@pytest.mark.parametrize("name", list(AWKWARD))
def test_awkward_file_loads_with_its_warning(name, app):
    """Check awkward but valid files load, explain themselves, and resample."""
    upload(app, name, (BAD / name).read_bytes())
    assert not app.exception and not app.error
    assert AWKWARD[name] in texts(app.warning)
    app.selectbox(key="w_target").select("label").run()
    app.switch_page("pages/balance.py").run()
    app.selectbox(key="w_strategy").select("RandomOverSampler").run()
    with capture() as stored:
        app.button(key="resample").click().run()
    assert not app.exception and not app.error
    payload = download(app, "download", stored).decode()
    if name == "formulas.csv":
        assert "'=HYPERLINK" in payload and '\n=HYPERLINK' not in payload and ",=HYPERLINK" not in payload
    if name == "formula_header.csv":  # column names are escaped like cells
        assert payload.startswith('"\'=HYPERLINK(""http://x"",""click"")",\'@SUM(1+1),label')
    if name == "newline_in_header.csv":  # one column, no bogus row or class
        assert payload.startswith('"Amount\n(EUR)",label\n72,common\n')  # the file's line feeds
        assert set(app.session_state["dataset"].frame["label"]) == {"rare", "common"}
