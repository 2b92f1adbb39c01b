"""User text in the real browser: class labels with HTML and URLs in notices stay text, never links."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import choose, shot, wait_idle

pytestmark = pytest.mark.browser
LABEL = '<a href="https://evil.example/label">click me</a>'


def test_labels_and_notices_are_not_links(page, tmp_path):
    """Check a hostile class label shows as text in the chart and a URL in a notice is no link."""
    rng = np.random.default_rng(0)
    rows = ["https://evil.example/x,https://evil.example/x,www.evil.example,label"]
    for _ in range(200):
        minority = rng.random() < 0.2
        label = f'"{LABEL.replace(chr(34), chr(34) * 2)}"' if minority else "plain"
        rows.append(f"{rng.normal() + minority:.3f},{rng.normal():.3f},{rng.normal():.3f},{label}")
    path = tmp_path / "hostile.csv"
    path.write_text("\n".join(rows) + "\n")
    page.locator("input[type=file]").set_input_files(str(path))
    wait_idle(page)
    choose(page, "Target column", "label")
    notice = page.get_by_role("alert").filter(has_text="duplicate column names were renamed").first
    expect(notice).to_be_visible()
    assert notice.locator("a").count() == 0
    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_be_visible()
    expect(chart.get_by_text("click me", exact=False).first).to_be_attached()
    assert page.locator('a[href*="evil.example"]').count() == 0
    assert "click me</a>" not in chart.inner_html().replace("&lt;", "<").split("<text", 1)[0]
    shot(page, "hostile_labels")
