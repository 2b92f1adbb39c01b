"""Upload a CSV through the running app's page (HTTP, as a user would) and check it is profiled."""

from __future__ import annotations

import sys

from playwright.sync_api import expect, sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def main(url: str, path: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = browser.new_page()
        page.set_default_timeout(60_000)
        page.goto(url)
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
        page.locator("input[type=file]").set_input_files(path)
        name = path.rsplit("/", 1)[-1]
        expect(page.get_by_role("heading", name=name).first).to_be_visible()
        expect(page.get_by_text("Imbalance ratio").first).to_be_visible()
        browser.close()
    print(f"uploaded {name} over HTTP and saw its profile")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
