"""From scores to a decision in a real browser: error costs on Evaluate, the cost curve and the
reliability diagram, and the model downloaded and used with `balancer predict`."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from playwright.sync_api import expect

from balancer.samples import load_sample
from tests.browser.conftest import choose, shot, wait_idle
from tests.browser.test_journey import go_to

pytestmark = pytest.mark.browser


def test_costs_calibration_and_the_model_download(page, tmp_path):
    go_to(page, "Balance")
    choose(page, "Strategy", "Under-sampling · RandomUnderSampler")
    go_to(page, "Evaluate")
    page.get_by_label("Cost of a missed positive", exact=True).fill("50")
    page.get_by_label("Cost of a missed positive", exact=True).press("Enter")
    wait_idle(page)
    page.get_by_label("Cost of a false alarm", exact=True).fill("5")
    page.get_by_label("Cost of a false alarm", exact=True).press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Evaluate", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("What the errors cost").first).to_be_visible()
    expect(page.get_by_text("Expected cost per 1,000 rows").first).to_be_visible()
    expect(page.get_by_text("Are the probabilities true?").first).to_be_visible()
    page.get_by_text("What the errors cost").first.scroll_into_view_if_needed()
    shot(page, "evaluate-decision")

    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="Download model").click()
    model = tmp_path / "model.skops"
    info.value.save_as(model)
    assert info.value.suggested_filename.endswith(".skops")
    rows = tmp_path / "new.csv"
    load_sample("customer_churn").drop(columns="churn").head(50).to_csv(rows, index=False)
    out = tmp_path / "scored.csv"
    done = subprocess.run([sys.executable, "-m", "balancer", "predict", str(model), str(rows), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    scored = pd.read_csv(out)
    assert len(scored) == 50 and "predicted" in scored.columns
    assert any(c.startswith("probability_") for c in scored.columns)
    assert "Traceback" not in page.content()
