"""Load test (`make load`, not part of `make test`): concurrent browser sessions against one server.

Phase 1: SESSIONS (default 6) headless Chromium sessions, each in its own process, loop
upload -> resample (with `Keep the resampled file`) -> download -> evaluate for MINUTES (default 3);
errors (exceptions, error alerts, tracebacks, a run not saved) are counted, step times recorded, the
server's memory sampled every second.
Phase 2: SEQUENTIAL (default 100) short sessions one after the other (upload, resample, close);
the server's memory before and after says whether sessions are released.
Every resample and evaluation is saved in the run store (a fresh SQLite file, or
BALANCER_DATABASE_URL when set); at the end the runs in the store are counted and must equal the
resamples and evaluations done. Traffic goes only to 127.0.0.1. Results go to benchmarks/RESULTS.md
(WRITE=0 leaves it alone, for a short trial run such as `MINUTES=0.5 SEQUENTIAL=3 WRITE=0`).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import machine, write_section  # noqa: E402
from tests.browser.conftest import ARGS, CHROMIUM, free_port, start_server  # noqa: E402

CSV = ROOT / "tests" / "data" / "flare-F.csv"


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (MB), from /proc."""
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def idle(page) -> None:
    time.sleep(0.3)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=180_000)


def check(page) -> None:
    """Raise if the page shows a bug, a refusal for load, or a traceback."""
    body = page.content()
    for text in ("Traceback", "Something went wrong inside Balancer", "The server is busy", "Not saved"):
        if text in body:
            raise RuntimeError(f"the page says: {text}")
    if page.locator('[data-testid="stException"]').count():
        raise RuntimeError("an exception box is shown")


def saved(page) -> None:
    """Wait for the notice that the result just shown was saved (check() fails on "Not saved")."""
    page.get_by_role("link", name="in History").first.wait_for()


def journey(page, url: str, times: dict[str, list[float]], full: bool) -> None:
    def step(name: str, action, then=None) -> None:
        start = time.perf_counter()
        action()
        idle(page)
        check(page)
        if then is not None:
            then()
        times.setdefault(name, []).append(time.perf_counter() - start)

    def uploaded() -> None:
        page.locator("input[type=file]").set_input_files(str(CSV))
        # as a user does: wait to see the table's own heading, not just an idle script
        page.get_by_role("heading", name=CSV.name).first.wait_for()

    step("open", lambda: page.goto(url))
    step("upload", uploaded)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Balance", exact=True).click()
    idle(page)
    page.get_by_role("button", name="Resample", exact=True).wait_for()
    if full:  # keep the file too: the store writes it with the run
        page.get_by_text("Keep the resampled file", exact=True).click()
        idle(page)
    step("resample", lambda: page.get_by_role("button", name="Resample", exact=True).click(), lambda: saved(page))
    if not full:
        return
    page.get_by_role("button", name="Download resampled CSV").wait_for()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download resampled CSV").click()
    if info.value.path().stat().st_size < 1000:
        raise RuntimeError("the download is empty")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Evaluate", exact=True).click()
    idle(page)
    page.get_by_role("button", name="Evaluate", exact=True).wait_for()
    step("evaluate", lambda: page.get_by_role("button", name="Evaluate", exact=True).click(), lambda: saved(page))
    page.get_by_test_id("stMetricLabel").filter(has_text="PR AUC").first.wait_for()


def worker(url: str, seconds: float, queue: mp.Queue) -> None:
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {}
    loops, errors, messages = 0, 0, []
    deadline = time.time() + seconds
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        while time.time() < deadline:
            context = browser.new_context(accept_downloads=True, viewport={"width": 1300, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(180_000)
            try:
                journey(page, url, times, full=True)
                loops += 1
            except Exception as exc:  # counted and reported, the loop goes on
                errors += 1
                messages.append(f"{type(exc).__name__}: {str(exc)[:200]}")
            context.close()
        browser.close()
    queue.put({"times": times, "loops": loops, "errors": errors, "messages": messages})


def stored_runs(database: str) -> dict[str, int]:
    """The runs in the store by kind, counted through the store's own listing (as an admin)."""
    from balancer.store import MAX_LIMIT, Viewer, open_store

    store = open_store(database)
    counts: dict[str, int] = {}
    try:
        for kind in ("resample", "evaluate"):
            offset = 0
            while batch := store.list_runs(Viewer("load-test", admin=True), kind=kind, limit=MAX_LIMIT,
                                           offset=offset):
                offset += len(batch)
            counts[kind] = offset
    finally:
        store.close()
    return counts


def main() -> None:
    sessions = int(os.environ.get("SESSIONS", 6))
    minutes = float(os.environ.get("MINUTES", 3))
    sequential = int(os.environ.get("SEQUENTIAL", 100))
    write = os.environ.get("WRITE", "1") != "0"
    database = os.environ.get("BALANCER_DATABASE_URL", "")
    folder = None
    if not database:  # a fresh SQLite file, so the count below is this run's
        folder = tempfile.mkdtemp(prefix="balancer-load-")
        database = f"sqlite:///{folder}/runs.db"
    port = free_port()
    server = start_server(port, {"BALANCER_DATABASE_URL": database, "BALANCER_SAVE_RUNS": "1"})
    url = f"http://127.0.0.1:{port}"
    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append(rss_mb(server.pid))
            time.sleep(1)

    threading.Thread(target=sample, daemon=True).start()
    start_mb = rss_mb(server.pid)
    try:
        queue: mp.Queue = mp.Queue()
        procs = [mp.Process(target=worker, args=(url, minutes * 60, queue)) for _ in range(sessions)]
        for proc in procs:
            proc.start()
        results = [queue.get(timeout=minutes * 60 + 900) for _ in procs]
        for proc in procs:
            proc.join()
        peak_concurrent = max(samples) if samples else 0.0
        after_concurrent = rss_mb(server.pid)

        # phase 2: sequential short sessions
        from playwright.sync_api import sync_playwright

        seq_times: dict[str, list[float]] = {}
        seq_errors = 0
        before_seq = rss_mb(server.pid)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            for _ in range(sequential):
                context = browser.new_context()
                page = context.new_page()
                page.set_default_timeout(120_000)
                try:
                    journey(page, url, seq_times, full=False)
                except Exception:
                    seq_errors += 1
                context.close()
            browser.close()
        time.sleep(15)  # let the server drop the closed sessions
        after_seq = rss_mb(server.pid)
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=20)

    errors = sum(r["errors"] for r in results)
    loops = sum(r["loops"] for r in results)
    merged: dict[str, list[float]] = {}
    for r in results:
        for k, v in r["times"].items():
            merged.setdefault(k, []).extend(v)
    done = {"resample": len(merged.get("resample", [])) + len(seq_times.get("resample", [])),
            "evaluate": len(merged.get("evaluate", []))}
    counted = stored_runs(database)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    runs_ok = counted == done
    print(f"runs in the store: {counted['resample']} resamples and {counted['evaluate']} evaluations; "
          f"done: {done['resample']} resamples and {done['evaluate']} evaluations"
          f" -> {'equal' if runs_ok else 'NOT EQUAL'}")
    rows = "\n".join(
        f"| {k} | {len(v)} | {statistics.median(v):.2f} | {sorted(v)[int(0.95 * (len(v) - 1))]:.2f} | {max(v):.2f} |"
        for k, v in merged.items())
    messages = sorted({m for r in results for m in r["messages"]})[:5]
    body = f"""
Server: `streamlit run serve.py` on 127.0.0.1. Machine: {machine()}.

**{sessions} concurrent sessions for {minutes:g} minutes**, each a headless Chromium looping upload
(flare-F.csv) -> Resample (SMOTE, `Keep the resampled file`) -> Download resampled CSV -> Evaluate:
{loops} full loops, **{errors} errors**{(': ' + '; '.join(messages)) if messages else ''}.

| step | count | median s | 95th percentile s | max s |
|---|---:|---:|---:|---:|
{rows}

Server memory: {start_mb:.0f} MB at start, {peak_concurrent:.0f} MB peak under load,
{after_concurrent:.0f} MB when the sessions ended.

**{sequential} sequential sessions** (open, upload, resample, close): {seq_errors} errors; server memory
{before_seq:.0f} MB before, {after_seq:.0f} MB after ({after_seq - before_seq:+.0f} MB).

**Saved runs** ({"SQLite" if database.startswith("sqlite") else "PostgreSQL"}): every resample and
evaluation is saved as it finishes, the concurrent sessions' files too. The store holds
{counted['resample']} resamples and {counted['evaluate']} evaluations for {done['resample']} resamples
and {done['evaluate']} evaluations done ({'equal' if runs_ok else '**not equal**'}).
"""
    if write:
        write_section("Load test", body)
    print(body)
    sys.exit(1 if errors or seq_errors or not runs_ok else 0)


if __name__ == "__main__":
    main()
