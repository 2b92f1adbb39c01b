"""Two browser sessions on different datasets never see each other's data."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_idle
from tests.conftest import DATA, mixed_table

pytestmark = pytest.mark.browser


def test_two_sessions_stay_apart(browser, server, tmp_path):
    """Check each session shows only its own upload, before and after the other acts."""
    secret = tmp_path / "secret_payroll.csv"
    frame = mixed_table(n=120, minority=20).rename(columns={"colour": "salary_band_XYZ"})
    secret.write_bytes(frame.to_csv(index=False).encode())
    pages = []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1300, "height": 1200})
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(server)
        wait_idle(page)
        pages.append((context, page))
    (_, alice), (_, bob) = pages
    alice.locator("input[type=file]").set_input_files(str(secret))
    wait_idle(alice)
    bob.locator("input[type=file]").set_input_files(str(DATA / "flare-F.csv"))
    wait_idle(bob)
    expect(alice.get_by_text("secret_payroll.csv").first).to_be_visible()
    expect(bob.get_by_text("flare-F.csv").first).to_be_visible()
    bob.reload()
    wait_idle(bob)
    for page, foreign in ((alice, ["flare-F.csv", "LargestSpotSize"]), (bob, ["secret_payroll", "salary_band_XYZ"])):
        body = page.content()
        for word in foreign:
            assert word not in body, word
    for context, _ in pages:
        context.close()
