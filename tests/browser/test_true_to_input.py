"""A comma-decimal export with a title row in a real browser: what was detected is said, the
`Header row` override works, and the download keeps the input's dialect unless `Format` says
standard."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.app.test_true_to_input import european_export
from tests.browser.conftest import choose, shot, wait_idle
from tests.browser.test_journey import go_to

pytestmark = pytest.mark.browser


def upload_export(page) -> None:
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "export.csv", "mimeType": "text/csv", "buffer": european_export()}])
    wait_idle(page)


def test_header_row_and_format_choices(page, tmp_path):
    upload_export(page)
    # the upload reaches the server, then the page reruns: give a busy machine time
    expect(page.get_by_text("Read as semicolon-separated, decimal comma, header on row 3").first).to_be_visible(
        timeout=60_000)
    expect(page.get_by_text("above the header were skipped").first).to_be_visible()
    shot(page, "data-decimal-comma")

    # the user says the header is on row 1: the title becomes the header, which does not fit the
    # rows; a clear message, and the detected table stays
    page.get_by_label("Header row", exact=True).fill("1")
    page.get_by_label("Header row", exact=True).press("Enter")
    wait_idle(page)
    expect(page.get_by_role("alert").filter(has_text="the header has 1").first).to_be_visible()
    page.get_by_label("Header row", exact=True).fill("3")
    page.get_by_label("Header row", exact=True).press("Enter")
    wait_idle(page)
    expect(page.get_by_text("Read as semicolon-separated, decimal comma, header on row 3").first).to_be_visible()
    choose(page, "Target column", "label")

    go_to(page, "Balance")
    choose(page, "Strategy", "Over-sampling · SMOTE")
    page.get_by_role("button", name="Resample", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Format", exact=True).first).to_be_visible()
    shot(page, "balance-format")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download resampled CSV").click()
    as_input = info.value.path().read_text()
    assert as_input.splitlines()[0] == "id;amount;items;label"
    table = pd.read_csv(io.StringIO(as_input), sep=";", decimal=",")
    assert table["amount"].dtype == "float64" and (table["amount"].round(2) == table["amount"]).all()

    page.get_by_text("Standard CSV (comma, decimal point, UTF-8)").click()
    wait_idle(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download resampled CSV").click()
    standard = pd.read_csv(info.value.path())
    assert standard.equals(table)
    assert "Traceback" not in page.content()
