"""Saved runs in a real browser against real servers: a run survives a restart, its link opens it,
and the trusted user header (sent by Playwright, as a sign-in proxy would) decides who sees what.

These tests start their own servers (the session's shared one saves elsewhere): each with its own
SQLite file, restarted on the same file to show the runs are in the database, not in memory.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from balancer import config
from tests.browser.conftest import choose, free_port, shot, start_server, wait_idle

pytestmark = pytest.mark.browser
HEADER = "X-Forwarded-User"


@contextmanager
def serving(**env: str) -> Iterator[str]:
    """A server with these settings (every other BALANCER_* variable unset); its URL."""
    clean = {setting.name: "" for setting in config.SETTINGS if setting.name.startswith("BALANCER_")}
    port = free_port()
    process = start_server(port, {**clean, **env})
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log = Path(__file__).parent / f"server-{port}.log"
        if log.exists() and "Traceback" not in log.read_text(errors="replace"):
            log.unlink()


@pytest.fixture
def open_page(browser) -> Iterator[Callable[..., object]]:
    """``open_page(url, user=None)``: a new browser session, with the trusted header when ``user``
    is given, on ``url``."""
    contexts = []

    def opened(url: str, user: str | None = None):  # type: ignore[no-untyped-def]
        headers = {HEADER: user} if user is not None else {}
        context = browser.new_context(viewport={"width": 1400, "height": 1600}, accept_downloads=True,
                                      extra_http_headers=headers)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(url)
        wait_idle(page)
        return page

    yield opened
    for context in contexts:
        context.close()


def go_to(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True).click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=name, exact=True).first).to_be_visible()


def resample(page, *, keep: bool = False, strategy: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """Resample on the Balance page; the id of the saved run, read from its link."""
    go_to(page, "Balance")
    if strategy is not None:
        choose(page, "Strategy", strategy)
    if keep:
        page.get_by_text("Keep the resampled file", exact=True).click()
        wait_idle(page)
    page.get_by_role("button", name="Resample", exact=True).click()
    wait_idle(page)
    link = page.get_by_role("link", name=re.compile(r"^Open run \S+ in History$"))
    expect(link).to_be_visible()
    found = re.search(r"Open run (\S+) in History", link.inner_text())
    assert found, link.inner_text()
    return found.group(1)


def test_a_run_survives_a_restart_and_its_link_opens_it(open_page, tmp_path):
    """Check a resample is saved with its file, is still on the History page after the server
    restarts on the same database, and its ?run=ID link opens it with its downloads."""
    database = str(tmp_path / "runs.db")
    with serving(BALANCER_DB=database) as url:
        page = open_page(url)
        expect(page.get_by_text("Open access: anyone who can reach this server").first).to_be_visible()
        run_id = resample(page, keep=True)
        expect(page.get_by_text("The resampled file is kept with it").first).to_be_visible()
        expect(page.get_by_text("Open access: anyone who can reach this server").first).to_be_visible()
        shot(page, "history_saved")
        with page.expect_download() as info:
            page.get_by_role("button", name="Download resampled CSV").click()
        csv = Path(info.value.path()).read_bytes()

    with serving(BALANCER_DB=database) as url:  # a new server process on the same file
        page = open_page(url)
        go_to(page, "History")
        table = page.get_by_test_id("stDataFrame").first
        expect(table).to_be_visible()
        expect(page.get_by_text("1 run, newest first").first).to_be_visible()
        time.sleep(1)  # the table draws on a canvas after the script ends
        shot(page, "history_list")

        linked = open_page(f"{url}/history?run={run_id}")
        expect(linked.get_by_role("heading", name=re.compile("Resample: SMOTE on customer_churn.csv"))).to_be_visible()
        link = linked.get_by_test_id("stCode").first
        expect(link).to_contain_text(f"{url}/history?run={run_id}")
        with linked.expect_download() as info:
            linked.get_by_role("button", name="Download report").click()
        report = Path(info.value.path()).read_text()
        assert report.startswith("<!DOCTYPE html>") and "Balancer report: customer_churn.csv" in report
        with linked.expect_download() as info:
            linked.get_by_role("button", name="Download resampled file").click()
        assert Path(info.value.path()).read_bytes() == csv
        with linked.expect_download() as info:
            linked.get_by_role("button", name="Download recipe").click()
        assert '"method": "SMOTE"' in Path(info.value.path()).read_text()
        assert not linked.locator("iframe").count()  # the report is never embedded
        shot(linked, "history_run")

        missing = open_page(f"{url}/history?run=no-such-id")
        expect(missing.get_by_text("No such run: no-such-id").first).to_be_visible()

        second = resample(page, strategy="Under-sampling · RandomUnderSampler")
        both = open_page(f"{url}/history?run={run_id}&run={second}")
        expect(both.get_by_role("heading", name="Side by side")).to_be_visible()
        expect(both.get_by_role("heading", name=re.compile("RandomUnderSampler on customer_churn.csv"))).to_be_visible()
        time.sleep(1)  # the tables draw on a canvas after the script ends
        shot(both, "history_side_by_side")


def test_the_trusted_header_decides_who_sees_what(open_page, tmp_path):
    """Check that with BALANCER_TRUSTED_USER_HEADER a request without the header is refused (any
    page), and that two users with unshared runs do not see each other's."""
    env = {"BALANCER_DB": str(tmp_path / "runs.db"), "BALANCER_TRUSTED_USER_HEADER": HEADER}
    with serving(**env) as url:
        for address in (url, f"{url}/balance", f"{url}/history"):
            refused = open_page(address)
            expect(refused.get_by_text("Access refused").first).to_be_visible()
            assert not refused.get_by_test_id("stSidebarNav").count()
            assert not refused.get_by_role("button").filter(has_text="Resample").count()
        shot(refused, "history_refused")

        runs = {}
        for user in ("ann", "bob"):
            page = open_page(url, user)
            expect(page.get_by_text(f"Signed in as {user}").first).to_be_visible()
            page.get_by_text("Share with the team", exact=True).click()  # keep this user's runs private
            wait_idle(page)
            runs[user] = resample(page)
            if user == "ann":
                shot(page, "history_signed_in")

        for user, other in (("ann", "bob"), ("bob", "ann")):
            page = open_page(f"{url}/history", user)
            expect(page.get_by_text("1 run, newest first").first).to_be_visible()
            page.get_by_label("Open runs").click()  # its choices name every listed run
            options = " ".join(page.get_by_role("option").all_inner_texts())
            assert runs[user] in options and runs[other] not in options, options
            page.keyboard.press("Escape")
            foreign = open_page(f"{url}/history?run={runs[other]}", user)
            expect(foreign.get_by_text(f"No such run: {runs[other]}").first).to_be_visible()
            own = open_page(f"{url}/history?run={runs[user]}", user)
            expect(own.get_by_role("button", name="Delete run")).to_be_visible()
            if user == "bob":
                time.sleep(1)  # the tables draw on a canvas after the script ends
                shot(own, "history_own_run")

