"""Browser tests: Playwright drives Debian's Chromium against a real `streamlit run`.

The server is started once per session on a free port and polled on /_stcore/health. Screenshots
go to tests/browser/screenshots/. A missing Chromium fails the tests (it does not skip them):
`.ci/run` installs it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(__file__).parent / "screenshots"
CHROMIUM = os.environ.get("BALANCER_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """``streamlit run serve.py`` on ``port``; its saved runs go to a throwaway SQLite file unless
    ``env`` names a database (tests never write to the user's own)."""
    log = open(ROOT / "tests" / "browser" / f"server-{port}.log", "wb")  # noqa: SIM115
    env = {"BALANCER_DB": tempfile.mkdtemp(prefix="balancer-runs-") + "/runs.db", **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
    )
    deadline = time.time() + 90
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("streamlit did not become healthy in 90 s")


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    port = free_port()
    process = start_server(port)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; install Debian's 'chromium' package "
                    "(.ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 2000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server)
    wait_idle(page)
    yield page
    context.close()


def wait_idle(page, settle: float = 0.4) -> None:
    """Wait until Streamlit has finished running the script (its own script-state attribute)."""
    time.sleep(settle)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=120_000)


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the select box ``label``. The list can be re-drawn under the pointer while
    the page settles (the click then opens nothing), so a list that shows no such option within 10 s
    is closed and opened again, three times at most."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(3):
        try:
            page.get_by_label(label, exact=True).click()
            page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            wait_idle(page)
    wait_idle(page)


def shot(page, name: str) -> Path:
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
