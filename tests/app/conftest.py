"""AppTest helpers: a fresh app per test, pages by path, uploads by key."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["pages/data.py", "pages/balance.py", "pages/evaluate.py", "pages/compare.py", "pages/history.py"]


@pytest.fixture(autouse=True)
def own_run_store(monkeypatch, tmp_path) -> None:
    """Saved runs go to a throwaway SQLite file: tests never write to the user's own database."""
    monkeypatch.setenv("BALANCER_DB", str(tmp_path / "runs.db"))
    monkeypatch.delenv("BALANCER_DATABASE_URL", raising=False)


@pytest.fixture
def app(monkeypatch) -> AppTest:
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def upload(at: AppTest, name: str, data: bytes, mime: str = "text/csv") -> AppTest:
    at.file_uploader(key="upload").upload(name, data, mime).run()
    return at


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements).replace("\\", "")
