"""Cancel stops a running job in a real browser: within seconds, the previous result stays on
screen, and the server's job slot is free for the next job; Apply opens the new result."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import choose, shot, wait_idle
from tests.browser.test_journey import go_to

pytestmark = pytest.mark.browser


def test_cancel_keeps_the_previous_result_and_frees_the_server(page):
    go_to(page, "Evaluate")
    page.get_by_role("button", name="Evaluate", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("with Logistic regression, 5 folds").first).to_be_visible()

    choose(page, "Model", "Random forest")
    page.get_by_label("Folds", exact=True).fill("10")
    page.get_by_label("Folds", exact=True).press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Evaluate", exact=True).click()
    cancel = page.get_by_role("button", name="Cancel", exact=True)
    expect(cancel).to_be_visible(timeout=30_000)
    expect(page.get_by_text("so far").first).to_be_visible(timeout=30_000)  # the progress says the time
    shot(page, "evaluate-running")
    clicked = time.monotonic()
    cancel.click()
    expect(page.get_by_text("Cancelled").first).to_be_visible(timeout=30_000)
    wait_idle(page)
    stopped_in = time.monotonic() - clicked
    assert stopped_in < 20, stopped_in
    # the previous result is still there, said to be the last one
    expect(page.get_by_text("with Logistic regression, 5 folds").first).to_be_visible()
    shot(page, "evaluate-cancelled")

    # the slot is free: the next job runs at once
    choose(page, "Model", "Logistic regression")
    page.get_by_label("Folds", exact=True).fill("3")
    page.get_by_label("Folds", exact=True).press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Evaluate", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("with Logistic regression, 3 folds").first).to_be_visible(timeout=60_000)
    assert "waiting for a free slot" not in page.content()
    expect(page.get_by_role("button", name="Cancel", exact=True)).to_have_count(0)  # gone with the job
    assert "Traceback" not in page.content()


def test_apply_opens_balance_with_the_new_result(page):
    go_to(page, "Balance")
    choose(page, "Strategy", "Over-sampling · RandomOverSampler")
    page.get_by_role("button", name="Resample", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("RandomOverSampler:").first).to_be_visible()
    go_to(page, "Compare")
    page.get_by_role("button", name="Compare strategies", exact=True).click()
    wait_idle(page)
    apply = page.get_by_role("button", name="Apply ")
    expect(apply.first).to_be_visible(timeout=300_000)
    name = apply.first.inner_text().split()[1]
    apply.first.click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Balance", exact=True).first).to_be_visible()
    expect(page.get_by_text(f"{name}:").first).to_be_visible(timeout=60_000)
    assert "Showing the last result" not in page.content()
    shot(page, "balance-applied")
