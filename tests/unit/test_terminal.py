"""Text from tables reaches terminals and server logs as text: escape sequences are shown, not obeyed."""

from __future__ import annotations

import io
import json
import logging

from balancer.terminal import SafeText, safe


def test_safe_shows_what_would_act_on_a_terminal_and_keeps_the_rest():
    """Check escapes, bells, carriage returns, one-byte CSIs and bidirectional overrides become
    visible escapes, while tabs, line breaks, accents, CJK and emoji pass unchanged."""
    assert safe("a\x1b[2Jb\x07c\rd\x9be\u202ef\u2066g\x00") == r"a\x1b[2Jb\x07c\rd\x9be\u202ef\u2066g\x00"
    kept = "tab\there\nnext line: é ß 中文 🙂 ‘quotes’ \u00a0nbsp"
    assert safe(kept) == kept


def test_json_passes_through_unchanged():
    """Check the command line's JSON (ASCII with every control escaped by json) is written as is,
    so a label holding escape sequences is still exact in --json output."""
    payload = {"label\x1b[31m": "x\x7f\x9b\u202e\r\n", "n": 1}
    text = json.dumps(payload, indent=2)
    sink = io.StringIO()
    SafeText(sink).write(text)
    assert sink.getvalue() == text and json.loads(sink.getvalue()) == payload


def test_safe_text_leaves_bytes_alone():
    """Check ``--out -`` (CSV bytes to stdout) keeps the values: only text goes through safe()."""
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8")
    wrapped = SafeText(stream)
    wrapped.buffer.write(b"fraud\x1b[2J\r\n")
    wrapped.write("label \x1b[2J\n")
    wrapped.flush()
    assert raw.getvalue() == b"fraud\x1b[2J\r\n" + b"label \\x1b[2J\n"


def test_the_server_log_shows_hostile_text_not_obeys_it():
    """Check the dashboard's log (an error with its traceback) shows a hostile column name as
    escapes on the operator's terminal."""
    import ui  # noqa: F401  (sets up the log)

    log = logging.getLogger("balancer.ui")
    sink = io.StringIO()
    handler = log.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(sink)
    try:
        try:
            raise KeyError("column '\x1b]0;owned\x07'")
        except KeyError as exc:
            log.error("uncaught error in a page", exc_info=exc)
    finally:
        handler.setStream(previous)
    text = sink.getvalue()
    assert "uncaught error in a page" in text and "Traceback" in text
    assert "\x1b" not in text and "\x07" not in text and r"\x1b]0;owned\x07" in text
