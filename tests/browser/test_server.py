"""The server as it is hosted (serve.py): security headers, nothing loaded from outside, no CSP violation."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_idle
from tests.conftest import DATA

pytestmark = pytest.mark.browser


def test_headers_and_policy_hold_through_an_upload(browser, server):
    """Check the page carries the security headers and an upload runs with no policy violation
    and no request to another host."""
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    violations: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    origin = urlparse(server).netloc
    page.on("request", lambda r: outside.append(r.url)
            if urlparse(r.url).scheme in ("http", "https", "ws", "wss") and urlparse(r.url).netloc != origin
            else None)
    response = page.goto(server)
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    wait_idle(page)
    page.locator("input[type=file]").set_input_files(str(DATA / "flare-F.csv"))
    wait_idle(page)
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    assert not violations, violations
    assert not outside, outside
    context.close()
