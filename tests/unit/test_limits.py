"""The limits agree between Streamlit and the library, and can be set by environment variables."""

from __future__ import annotations

import tomllib
from pathlib import Path

from balancer.tables import Limits

ROOT = Path(__file__).resolve().parents[2]


def test_upload_limit_agrees_with_streamlit_config(monkeypatch):
    """Check the library's default upload limit equals server.maxUploadSize in config.toml."""
    monkeypatch.delenv("BALANCER_MAX_UPLOAD_MB", raising=False)
    monkeypatch.delenv("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", raising=False)
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert Limits.from_env().max_bytes == config["server"]["maxUploadSize"] * 1024 * 1024
    assert config["server"]["enableXsrfProtection"] is True
    assert config["client"]["showErrorDetails"] == "none"
    assert config["browser"]["gatherUsageStats"] is False


def test_the_server_watches_no_source_file():
    """Check Streamlit, started from the project's folder, runs without a file watcher: with one, a
    source file changed under a running server (an upgrade in place, an editor) made Streamlit drop
    modules while other sessions imported them, and the load test's sessions failed and hung."""
    import os
    import subprocess
    import sys

    code = "from streamlit import config; print(config.get_option('server.fileWatcherType'))"
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "none"


def test_streamlit_variable_sets_the_library_limit(monkeypatch):
    """Check STREAMLIT_SERVER_MAX_UPLOAD_SIZE also sets the library's limit, and ours wins when both."""
    monkeypatch.delenv("BALANCER_MAX_UPLOAD_MB", raising=False)
    monkeypatch.setenv("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", "20")
    assert Limits.from_env().max_bytes == 20 * 1024 * 1024
    monkeypatch.setenv("BALANCER_MAX_UPLOAD_MB", "7")
    assert Limits.from_env().max_bytes == 7 * 1024 * 1024


def test_make_run_passes_the_same_limit_to_streamlit():
    """Check 'make run' hands BALANCER_MAX_UPLOAD_MB to Streamlit's maxUploadSize."""
    makefile = (ROOT / "Makefile").read_text()
    assert "--server.maxUploadSize $(BALANCER_MAX_UPLOAD_MB)" in makefile
    assert "export BALANCER_MAX_UPLOAD_MB" in makefile


def test_job_slots_refuse_when_busy(monkeypatch):
    """Check a job waits for a slot and, after the wait, gets a clear busy message."""
    import pytest

    from ui import jobs

    monkeypatch.setattr(jobs, "WAIT", 0.05)
    taken = [jobs._SLOTS.acquire(blocking=False) for _ in range(jobs.MAX_JOBS)]
    try:
        with pytest.raises(jobs.ServerBusy, match="Nothing you chose is lost"):
            jobs.heavy(lambda: 1)
    finally:
        for ok in taken:
            if ok:
                jobs._SLOTS.release()
    assert jobs.heavy(lambda: 42) == 42
