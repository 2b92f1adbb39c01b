"""A user's whole journey in a real browser: upload, target, SMOTE, download, evaluate, bad file."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import choose, shot, wait_idle
from tests.conftest import DATA

pytestmark = pytest.mark.browser


def go_to(page, name: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True).click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=name, exact=True).first).to_be_visible()


def test_upload_smote_download_evaluate_and_bad_file(page, tmp_path):
    """Check the journey end to end, with screenshots of every page."""
    source = pd.read_csv(DATA / "flare-F.csv")
    page.locator("input[type=file]").set_input_files(str(DATA / "flare-F.csv"))
    wait_idle(page)
    expect(page.get_by_text("flare-F.csv").first).to_be_visible()
    choose(page, "Target column", "Class")
    expect(page.get_by_text("Imbalance ratio").first).to_be_visible()
    shot(page, "data")

    go_to(page, "Balance")
    choose(page, "Strategy", "Over-sampling · SMOTE")
    page.get_by_role("button", name="Resample", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("SMOTENC used instead of SMOTE").first).to_be_visible()
    expect(page.get_by_text("2-D projection (PCA)").first).to_be_visible()
    assert page.get_by_text("WebGL is not supported").count() == 0
    shot(page, "balance")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download resampled CSV").click()
    download = info.value
    assert download.suggested_filename == "flare-F_SMOTENC.csv"
    path = tmp_path / "out.csv"
    download.save_as(path)
    out = pd.read_csv(path)
    assert list(out.columns) == list(source.columns)
    counts = out["Class"].value_counts()
    assert counts["positive"] == counts["negative"] == 1023
    for column in ("LargestSpotSize", "SpotDistribution"):
        assert set(out[column]) <= set(source[column])

    go_to(page, "Evaluate")
    page.get_by_role("button", name="Evaluate", exact=True).click()
    wait_idle(page)
    expect(page.get_by_test_id("stMetricLabel").filter(has_text="PR AUC").first).to_be_visible()
    expect(page.get_by_text("Accuracy misleads").first).to_be_visible()
    shot(page, "evaluate")

    go_to(page, "Data")
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "broken.csv", "mimeType": "text/csv", "buffer": b"a,b\n1,2\n3,4,5\n"}])
    wait_idle(page)
    alert = page.get_by_role("alert").filter(has_text="fields but the header has 2")
    expect(alert.first).to_be_visible()
    # the previous dataset and target are kept
    expect(page.get_by_text("Still working on flare-F.csv").first).to_be_visible()
    shot(page, "bad-file")
    body = page.content()
    assert "Traceback" not in body


def test_download_is_valid_csv_for_a_sample(page):
    """Check the default sample resamples and downloads with RandomUnderSampler, and that three
    downloads clicked one right after the other all arrive (a download's click reran the page and
    dropped the other buttons' files: the second click within a second did nothing)."""
    go_to(page, "Balance")
    # the sidebar names the dataset before any result (the page stops early: it was drawn after)
    expect(page.get_by_test_id("stSidebar").get_by_text("Dataset", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_text("customer_churn").first).to_be_visible()
    choose(page, "Strategy", "Under-sampling · RandomUnderSampler")
    page.get_by_role("button", name="Resample", exact=True).click()
    wait_idle(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download resampled CSV").click()
    with page.expect_download(timeout=15_000) as script:
        page.get_by_role("button", name="Download Python script").click()
    with page.expect_download(timeout=15_000) as recipe:
        page.get_by_role("button", name="Download recipe").click()
    data = info.value.path().read_bytes()
    frame = pd.read_csv(io.BytesIO(data))
    assert frame["churn"].value_counts().to_dict() == {"no": 126, "yes": 126}
    assert script.value.suggested_filename.endswith(".py") and b"RandomUnderSampler" in script.value.path().read_bytes()
    assert b'"kind": "resample"' in recipe.value.path().read_bytes()


def test_compare_page_ranks_tactics(page):
    """Check a comparison run from the Compare page, reading the ranking in the browser."""
    go_to(page, "Compare")
    page.get_by_role("button", name="Compare strategies", exact=True).click()
    wait_idle(page, settle=1.0)
    heading = page.get_by_role("heading").filter(has_text="Best by F2")
    expect(heading.first).to_be_visible(timeout=180_000)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    expect(page.get_by_role("button", name="on the Balance page")).to_be_visible()
    shot(page, "compare")
