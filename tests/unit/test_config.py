"""One configuration module reads and checks every environment variable Balancer uses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from balancer import config
from balancer.errors import BalancerError, ConfigError
from balancer.tables import Limits

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*sorted((ROOT / "balancer").rglob("*.py")), *sorted((ROOT / "ui").glob("*.py")),
           *sorted((ROOT / "pages").glob("*.py")), ROOT / "app.py", ROOT / "serve.py"]
NAMES = [setting.name for setting in config.SETTINGS]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Every test starts from the defaults, whatever the shell running the tests has set."""
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def _readme_rows() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("|")]


# ---- the table itself


def test_every_setting_is_well_formed():
    """Check each entry's kind, bounds, default and one-line meaning, and that names are unique."""
    assert len(set(NAMES)) == len(NAMES)
    for setting in config.SETTINGS:
        assert setting.kind in config.KINDS, setting.name
        assert setting.meaning and "\n" not in setting.meaning, setting.name
        assert re.fullmatch(r"(BALANCER|STREAMLIT)_[A-Z0-9_]+", setting.name)
        if setting.kind in ("whole", "number"):
            assert setting.low is not None and setting.high is not None and setting.low <= setting.high
        if setting.kind == "choice":
            assert setting.default in setting.choices
        assert config.get(setting.name) == setting.default_value(), setting.name


def test_defaults():
    """Check the defaults the README promises, including the ones computed from others."""
    assert config.whole("BALANCER_MAX_UPLOAD_MB") == 500
    assert config.whole("BALANCER_MAX_ROWS") == 5_000_000
    assert config.number("BALANCER_MAX_MEMORY_MB") == 2_000
    assert config.flag("BALANCER_DEBUG") is False
    assert config.text("BALANCER_ENGINE") == "fast"
    assert 1 <= config.whole("BALANCER_THREADS") <= 8
    assert config.text("BALANCER_SPARK_LOG").endswith("balancer-spark.log")


def test_every_variable_read_in_the_code_is_in_the_table():
    """Check every BALANCER_* name the code mentions (messages included) is a known setting."""
    mentioned = set()
    for path in SOURCES:
        mentioned |= set(re.findall(r"\bBALANCER_[A-Z0-9_]*[A-Z0-9]\b", path.read_text()))
    assert mentioned <= set(NAMES), mentioned - set(NAMES)


def test_only_the_config_module_reads_the_environment_for_settings():
    """Check no other module reads a BALANCER_* (or the upload) variable itself."""
    reading = re.compile(r"(environ|getenv)[^\n]*(BALANCER_|STREAMLIT_SERVER_MAX_UPLOAD_SIZE)")
    offenders = [str(path.relative_to(ROOT)) for path in SOURCES
                 if path.name != "config.py" and reading.search(path.read_text())]
    assert offenders == []


def test_readme_configuration_table_lists_every_variable():
    """Check every variable in config is in README's Configuration table, and nothing else is."""
    in_readme = {m.group(1) for row in _readme_rows() for m in [re.match(r"\| `([A-Z0-9_]+)` \|", row)] if m}
    assert in_readme == set(NAMES)


def test_readme_configuration_table_is_made_from_the_config():
    """Check README's table is config.markdown_table() (regenerate it from there after a change)."""
    assert "\n".join(_readme_rows()) == config.markdown_table()


# ---- reading values


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("BALANCER_MAX_ROWS", "2", 2),
        ("BALANCER_MAX_ROWS", " 5,000,000 ", 5_000_000),
        ("BALANCER_MAX_ROWS", "5_000_000", 5_000_000),
        ("BALANCER_MAX_ROWS", "", 5_000_000),
        ("BALANCER_MAX_MEMORY_MB", "16.5", 16.5),
        ("BALANCER_CACHE_MB", "0", 0.0),
        ("BALANCER_DEBUG", "1", True),
        ("BALANCER_DEBUG", "Yes", True),
        ("BALANCER_DEBUG", "off", False),
        ("BALANCER_DEBUG", "0", False),
        ("BALANCER_ENGINE", "IMBLEARN", "imblearn"),
        ("BALANCER_SPARK_LOG", "/tmp/x.log", "/tmp/x.log"),
    ],
)
def test_good_values(monkeypatch, name, value, expected):
    """Check values are read when asked for (not at import), with their type."""
    monkeypatch.setenv(name, value)
    assert config.get(name) == expected
    assert type(config.get(name)) is type(expected)


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("BALANCER_MAX_ROWS", "lots", "BALANCER_MAX_ROWS='lots' is not a whole number; it accepts a "
                                      "whole number from 1 to 1,000,000,000"),
        ("BALANCER_MAX_ROWS", "0", "BALANCER_MAX_ROWS='0' is too small; it accepts a whole number from 1"),
        ("BALANCER_MAX_ROWS", "2.5", "'2.5' is not a whole number"),
        ("BALANCER_MAX_COLUMNS", "1e9", "BALANCER_MAX_COLUMNS='1e9' is not a whole number"),
        ("BALANCER_MAX_CLASSES", "1", "BALANCER_MAX_CLASSES='1' is too small; it accepts a whole number from 2"),
        ("BALANCER_MAX_MEMORY_MB", "nan", "BALANCER_MAX_MEMORY_MB='nan' is not a finite number; it accepts a number"),
        ("BALANCER_MAX_EXPANSION", "lots", "BALANCER_MAX_EXPANSION='lots' is not a number"),
        ("BALANCER_MAX_CELL_KB", "-5", "BALANCER_MAX_CELL_KB='-5' is too small"),
        ("BALANCER_CACHE_TTL", "1h", "BALANCER_CACHE_TTL='1h' is not a whole number"),
        ("BALANCER_MAX_JOBS", "100000", "BALANCER_MAX_JOBS='100000' is too large; it accepts a whole number "
                                       "from 1 to 1,000"),
        ("BALANCER_DEBUG", "maybe", "BALANCER_DEBUG='maybe' is neither on nor off; it accepts 1, true"),
        ("BALANCER_ENGINE", "turbo", "BALANCER_ENGINE='turbo' is not a choice it has; it accepts fast or imblearn"),
        ("BALANCER_THREADS", "0", "BALANCER_THREADS='0' is too small"),
        ("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", "big", "STREAMLIT_SERVER_MAX_UPLOAD_SIZE='big' is not a whole number"),
    ],
)
def test_bad_values_name_the_variable_the_value_and_what_it_accepts(monkeypatch, name, value, match):
    """Check a bad value raises ConfigError saying which variable, which value, what it accepts."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=re.escape(match)):
        config.get(name)


def test_config_error_is_a_balancer_error():
    """Check ConfigError is caught where every user error is (BalancerError) and is a ValueError."""
    assert issubclass(ConfigError, BalancerError) and issubclass(ConfigError, ValueError)


def test_typed_reads_refuse_the_wrong_kind():
    """Check the typed readers are used for the kind of variable they read."""
    with pytest.raises(TypeError):
        config.flag("BALANCER_MAX_ROWS")
    with pytest.raises(KeyError):
        config.get("BALANCER_NO_SUCH_THING")


def test_upload_limit_falls_back_to_streamlit(monkeypatch):
    """Check STREAMLIT_SERVER_MAX_UPLOAD_SIZE is the upload limit only when ours is unset, and the
    memory limit follows the upload limit unless set."""
    monkeypatch.setenv("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", "20")
    assert config.whole("BALANCER_MAX_UPLOAD_MB") == 20
    assert config.number("BALANCER_MAX_MEMORY_MB") == 80
    monkeypatch.setenv("BALANCER_MAX_UPLOAD_MB", "7")
    monkeypatch.setenv("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", "big")  # not read: ours is set
    assert config.whole("BALANCER_MAX_UPLOAD_MB") == 7
    monkeypatch.setenv("BALANCER_MAX_UPLOAD_MB", "")
    with pytest.raises(ConfigError, match="STREAMLIT_SERVER_MAX_UPLOAD_SIZE='big'"):
        Limits.from_env()


def test_values_reads_everything(monkeypatch):
    """Check values() gives every variable, and the first bad one raises."""
    assert set(config.values()) == set(NAMES)
    monkeypatch.setenv("BALANCER_CACHE_ENTRIES", "many")
    with pytest.raises(ConfigError, match="BALANCER_CACHE_ENTRIES"):
        config.values()


def test_bad_limit_is_a_one_line_error_on_the_command_line(tmp_path):
    """Check BALANCER_MAX_ROWS=lots exits 2 with one line naming the variable, not an internal error."""
    data = tmp_path / "t.csv"
    data.write_text("a,b\n1,x\n2,y\n")
    env = {**os.environ, "BALANCER_MAX_ROWS": "lots"}
    done = subprocess.run([sys.executable, "-m", "balancer", "profile", str(data)], capture_output=True,
                          text=True, timeout=120, env=env, cwd=ROOT)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == ("error: BALANCER_MAX_ROWS='lots' is not a whole number; it accepts a "
                                   "whole number from 1 to 1,000,000,000")


def test_bad_debug_flag_is_a_one_line_error_on_the_command_line():
    """Check BALANCER_DEBUG=maybe exits 2 with one line, like any other bad setting."""
    env = {**os.environ, "BALANCER_DEBUG": "maybe"}
    done = subprocess.run([sys.executable, "-m", "balancer", "methods"], capture_output=True,
                          text=True, timeout=120, env=env, cwd=ROOT)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: BALANCER_DEBUG='maybe' is neither on nor off")
    assert len(done.stderr.strip().splitlines()) == 1


def test_dashboard_modules_read_no_setting_at_import():
    """Check ui.cache and ui.jobs import with bad values set, and raise ConfigError only when used."""
    code = """
import ui.cache, ui.jobs
from balancer.errors import ConfigError
for use in (lambda: ui.jobs.MAX_JOBS, lambda: ui.cache.UPLOADS.put("k", 1, 1)):
    try:
        use()
    except ConfigError as exc:
        print(str(exc).split("=")[0])
"""
    env = {**os.environ, "BALANCER_MAX_JOBS": "two", "BALANCER_CACHE_MB": "lots"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["BALANCER_MAX_JOBS", "BALANCER_CACHE_MB"]


def test_cache_bounds_follow_the_environment_without_a_reload(monkeypatch):
    """Check the dashboard's caches read their bounds when they keep an entry."""
    from ui import cache

    monkeypatch.setenv("BALANCER_CACHE_MB", "2")
    monkeypatch.setenv("BALANCER_CACHE_ENTRIES", "3")
    assert cache.UPLOADS.max_bytes == 2 * 1024 * 1024
    assert cache.PROFILES.max_bytes == 2 * 1024 * 1024 // 16 and cache.PROFILES.max_entries == 12
    assert cache.EXPORTS.max_bytes == 2 * 1024 * 1024 // 4 and cache.EXPORTS.max_entries == 3
