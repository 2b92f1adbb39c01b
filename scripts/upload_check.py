"""Upload a CSV through the running app's page (HTTP, as a user would) and check it is profiled.

It also checks that the page is self-contained: no request leaves the app's origin (no outside font
or icon host), the favicon is not an outside URL, the class chart draws, and the browser reports no
Content-Security-Policy violation (so headers a proxy adds do not break the page).
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

from playwright.sync_api import expect, sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
LOCAL_SCHEMES = ("data", "blob", "about")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def main(url: str, path: str) -> None:
    home = _origin(url)
    outside: list[str] = []
    violations: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = browser.new_page()
        page.set_default_timeout(60_000)
        page.on("request", lambda request: outside.append(request.url)
                if urlsplit(request.url).scheme not in LOCAL_SCHEMES and _origin(request.url) != home
                else None)
        page.on("console", lambda message: violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.goto(url)
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
        page.locator("input[type=file]").set_input_files(path)
        name = path.rsplit("/", 1)[-1]
        expect(page.get_by_role("heading", name=name).first).to_be_visible()
        expect(page.get_by_text("Imbalance ratio").first).to_be_visible()
        expect(page.locator(".js-plotly-plot").first).to_be_visible()
        page.wait_for_timeout(1_000)  # late requests (fonts, icons) and console messages
        icon = page.evaluate("document.querySelector(\"link[rel='shortcut icon']\")?.href ?? ''")
        browser.close()
    print(f"uploaded {name} over HTTP and saw its profile and class chart")
    problems = []
    if outside:
        problems.append("the page fetched from outside its origin: " + ", ".join(sorted(set(outside))))
    if urlsplit(icon).scheme not in LOCAL_SCHEMES and _origin(icon) != home:
        problems.append(f"the favicon is an outside URL: {icon}")
    if violations:
        problems.append("Content-Security-Policy violations:\n  " + "\n  ".join(violations))
    if problems:
        sys.exit("\n".join(problems))
    print(f"self-contained: no request left {url}, favicon {icon[:40]}..., no CSP violation")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
