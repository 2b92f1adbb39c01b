"""The HTML report opens in headless Chromium with no network and shows every chart."""

from __future__ import annotations

import pytest

from balancer import evaluate, profile, resample
from balancer.recipe import make
from balancer.report import build
from balancer.samples import load_sample
from tests.browser.conftest import SHOTS

pytestmark = pytest.mark.browser


def test_report_renders_offline(browser, tmp_path):
    """Check every plotly chart of the report draws with the network cut off, and screenshot it."""
    data = load_sample("customer_churn")
    result = resample(data, "churn", "SMOTE")
    evaluation = evaluate(data, "churn", "SMOTE", folds=3)
    path = tmp_path / "report.html"
    path.write_text(build("customer_churn.csv", profile(data, "churn"), resampled=result,
                          evaluation=evaluation, recipe=make("resample", "churn", "SMOTE", result.params, 0)),
                    encoding="utf-8")
    context = browser.new_context(offline=True, viewport={"width": 1200, "height": 1000})
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 9", timeout=60_000)
    charts = page.locator(".js-plotly-plot")
    assert charts.count() == 9  # no balancing's confusion matrix and the reliability diagram among them
    for i in range(charts.count()):
        assert charts.nth(i).locator(".main-svg").count() >= 1
        assert charts.nth(i).bounding_box()["height"] > 100
    assert all(url.startswith("file://") for url in requests), requests
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "report.png"), full_page=True)
    context.close()
