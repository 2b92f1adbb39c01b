"""A representative few of the bad-input corpus in the real browser: clear error, state kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import choose, wait_idle
from tests.conftest import DATA

pytestmark = pytest.mark.browser
BAD = Path(__file__).resolve().parents[1] / "data" / "bad"


@pytest.mark.parametrize(("name", "message"), [
    ("garbage.csv", "binary, not a text table"),
    ("header_only.csv", "no data rows"),
    ("archive.zip", "zip archive, not a table"),
])
def test_bad_file_in_browser(page, name, message):
    """Check the alert names the problem and the previous dataset stays."""
    page.locator("input[type=file]").set_input_files(str(DATA / "flare-F.csv"))
    wait_idle(page)
    # the picker offers only what Balancer reads: a zip archive arrives renamed, if at all
    upload_as = name if not name.endswith(".zip") else name + ".csv"
    page.locator("input[type=file]").set_input_files(
        {"name": upload_as, "mimeType": "application/octet-stream", "buffer": (BAD / name).read_bytes()})
    wait_idle(page)
    expect(page.get_by_role("alert").filter(has_text=message).first).to_be_visible()
    expect(page.get_by_text("Still working on flare-F.csv").first).to_be_visible()
    assert "Traceback" not in page.content()


def test_unusable_target_in_browser(page):
    """Check choosing a one-class target shows an error in plain words."""
    page.locator("input[type=file]").set_input_files(str(BAD / "one_class.csv"))
    wait_idle(page)
    choose(page, "Target column", "y")
    expect(page.get_by_role("alert").filter(has_text="single class").first).to_be_visible()
