"""serve.py's handler for errors no page caught."""

from __future__ import annotations


def test_an_uncaught_error_shows_balancers_message_not_a_traceback():
    """Check serve.py's error handler draws Balancer's message and keeps internals out of the page."""
    from streamlit.testing.v1 import AppTest

    def page():
        from ui.server import on_script_error

        assert on_script_error(RuntimeError("secret detail /etc/passwd")) is True

    at = AppTest.from_function(page).run()
    assert not at.exception
    messages = [e.value for e in at.error]
    assert messages and "internal error" in messages[0] and "secret" not in messages[0]
