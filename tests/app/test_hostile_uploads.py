"""Uploads against a shared server: job slots for reading and profiling, caches bounded in
bytes, and what the Data page sends to the browser bounded whatever the table holds."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from tests.app.conftest import texts, upload
from tests.conftest import DATA
from tests.unit import hostile_files as hostile


class _Slots:
    """Every job slot held (as if other users' jobs were running), with a short wait."""

    def __init__(self, monkeypatch):
        from ui import jobs

        self.jobs = jobs
        monkeypatch.setattr(jobs, "WAIT", 0.1)
        self.taken: list[bool] = []

    def __enter__(self):
        self.taken = [self.jobs._SLOTS.acquire(blocking=False) for _ in range(self.jobs.MAX_JOBS)]
        return self

    def __exit__(self, *exc):
        for ok in self.taken:
            if ok:
                self.jobs._SLOTS.release()


def _table(seed: int, rows: int = 60) -> bytes:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x": rng.normal(size=rows).round(4), "label": np.where(rng.random(rows) < 0.3, "a", "b")})
    return frame.to_csv(index=False).encode()


def test_upload_waits_for_a_job_slot(app, monkeypatch):
    """Check reading an upload takes a job slot: with every slot busy the user gets the busy
    message and keeps the previous table."""
    upload(app, "flare-F.csv", (DATA / "flare-F.csv").read_bytes())
    assert not app.exception and not app.error
    with _Slots(monkeypatch):
        upload(app, "busy.csv", _table(seed=int(time.time() * 1000) % 100_000, rows=61))
    assert not app.exception
    assert "server is busy" in texts(app.error)
    assert app.session_state["dataset"].name == "flare-F.csv"


@pytest.fixture
def fresh_caches():
    from ui import cache

    cache.clear()
    yield
    cache.clear()


def test_upload_and_profile_take_a_slot_only_when_not_cached(app, monkeypatch, fresh_caches):
    """Check a cached upload and profile are served with every slot busy, and a new one is not."""
    from ui import jobs

    content = _table(seed=7)
    upload(app, "seven.csv", content)
    assert not app.exception and not app.error
    with _Slots(monkeypatch):
        app.switch_page("pages/balance.py").run()
        app.switch_page("pages/data.py").run()
        assert not app.exception and not app.error
        from ui.cache import read_upload

        start = time.monotonic()
        assert read_upload(content, "seven.csv").shape == (60, 2)  # a hit: no slot, no wait
        assert time.monotonic() - start < 0.1
        assert jobs.MAX_JOBS >= 1


def test_caches_are_bounded_in_bytes():
    """Check the content cache evicts by bytes, refuses entries larger than itself, expires
    entries, and hands out copies a session cannot change for another."""
    from ui.cache import ContentCache, frame_bytes

    cache = ContentCache(max_bytes=1_000, max_entries=10, ttl=60)
    assert cache.put("a", "A", 400) and cache.put("b", "B", 400)
    assert cache.put("c", "C", 400)  # 1,200 bytes: the least recently used goes
    assert cache.get("a") is None and cache.get("b") == "B" and cache.nbytes == 800
    assert not cache.put("huge", "H", 1_001) and cache.get("huge") is None
    cache.put("d", "D", 400)  # b was used more recently than c
    assert cache.get("c") is None and cache.get("b") == "B"
    short = ContentCache(max_bytes=1_000, max_entries=10, ttl=-1)
    short.put("x", "X", 1)
    assert short.get("x") is None and len(short) == 0

    from ui import cache as module

    module.clear()
    frame = module.read_upload(_table(seed=11), "eleven.csv")
    assert module.UPLOADS.nbytes == frame_bytes(frame)
    frame.loc[0, "x"] = 12345.0
    frame.attrs["name"] = "changed"
    again = module.read_upload(_table(seed=11), "eleven.csv")
    assert again.loc[0, "x"] != 12345.0 and again.attrs["name"] == "eleven.csv"
    module.clear()


def test_cache_size_comes_from_the_environment(monkeypatch):
    """Check BALANCER_CACHE_MB sets the bytes the cached uploads may hold."""
    import importlib

    import ui.cache

    monkeypatch.setenv("BALANCER_CACHE_MB", "3")
    try:
        reloaded = importlib.reload(ui.cache)
        assert reloaded.UPLOADS.max_bytes == 3 * 1024 * 1024
        assert reloaded.EXPORTS.max_bytes == 3 * 1024 * 1024 // 4
    finally:
        monkeypatch.delenv("BALANCER_CACHE_MB")
        importlib.reload(ui.cache)


def test_preview_sent_to_the_browser_is_bounded(app):
    """Check a workbook whose cells expand to megabytes loads with a bounded preview (cells and
    names cut, a note saying so), never Streamlit's message-size error."""
    rows, columns, width = 40, 30, 30_000  # 36 MB of text in memory, within the budget
    header = "".join(f'<c t="inlineStr"><is><t>{"n" * 300}{j}</t></is></c>' for j in range(columns - 1))
    header += '<c t="inlineStr"><is><t>label</t></is></c>'
    cells = "".join('<c t="s"><v>0</v></c>' for _ in range(columns - 1))
    body = "".join(f'<row>{cells}<c t="s"><v>{1 + i % 2}</v></c></row>' for i in range(rows))
    data = hostile.workbook(f"<row>{header}</row>{body}".encode(), ["y" * width, "a", "b"])
    assert len(data) < 200_000
    upload(app, "wide_cells.xlsx", data)
    assert not app.exception and not app.error
    assert app.session_state["dataset"].frame.shape == (rows, columns)
    sizes = [len(element.proto.SerializeToString()) for element in app.dataframe]
    assert max(sizes) < 1_000_000, sizes
    assert "are cut here (not in the data)" in texts(app.caption)
    assert all(len(option) < 100 for option in app.selectbox(key="w_target").options)


def test_preview_helper_limits_rows_columns_and_cells():
    """Check the preview shows at most its rows and columns, with unique shortened names."""
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "pages" / "data.py"
    helpers = source.read_text().split('st.title("Data")')[0]  # the definitions, not the widgets
    namespace: dict = {"__name__": "data_page_helpers"}
    exec(compile(helpers, str(source), "exec"), namespace)  # noqa: S102
    preview = namespace["preview"]
    frame = pd.DataFrame({f"{'x' * 500}{i}": ["z" * 5_000] * 300 for i in range(150)})
    shown, note = preview(frame)
    assert shown.shape == (100, 100)
    assert len(set(shown.columns)) == 100 and max(len(c) for c in shown.columns) < 100
    assert shown.iloc[0, 0].endswith("…") and len(shown.iloc[0, 0]) == 201
    assert "first 100 of 300 rows" in note and "first 100 of 150 columns" in note
    small, nothing = preview(pd.DataFrame({"a": [1, 2]}))
    assert nothing is None and small.shape == (2, 1)


def test_bad_setting_is_shown_as_an_error(app, monkeypatch, fresh_caches):
    """Check a bad BALANCER_* value reaches the user as its one-line message, not an exception."""
    monkeypatch.setenv("BALANCER_MAX_ROWS", "lots")
    upload(app, "lots.csv", _table(seed=5))
    assert not app.exception
    assert "BALANCER_MAX_ROWS='lots' is not a whole number" in texts(app.error), texts(app.error)
