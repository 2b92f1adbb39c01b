"""A tactic registered in the library reaches the dashboard without touching the dashboard."""

from __future__ import annotations

from balancer import strategies
from tests.unit.test_registry import DUMMY


def test_registered_tactic_is_a_strategy_on_the_balance_page(app):
    """Check that a registered tactic is among the Strategy options, and resamples when chosen."""
    with strategies.registered(DUMMY):
        app.switch_page("pages/balance.py").run()
        assert not app.exception
        box = app.selectbox(key="w_strategy")
        assert box.label == "Strategy"
        assert any(str(option).endswith(DUMMY.name) for option in box.options), box.options
        box.select(DUMMY.name).run()
        assert not app.exception
        assert "Test only" in " ".join(str(c.value) for c in app.caption)
        app.button(key="resample").click().run()
        assert not app.exception and not app.error
        result = next(v for k, v in app.session_state["results"].items() if k[0] == "resample")
        assert result.requested == DUMMY.name
        assert len(set(result.after.values())) == 1
