"""Compare's Apply resamples with the tactic and opens the new result on Balance; Cancel says what
it did (the browser test stops a running job for real)."""

from __future__ import annotations


def test_apply_resamples_and_shows_the_new_result(app):
    app.switch_page("pages/balance.py").run()
    app.selectbox(key="w_strategy").select("RandomOverSampler").run()
    app.button(key="resample").click().run()
    before = next(v for k, v in app.session_state["results"].items() if k[0] == "resample")
    assert before.requested == "RandomOverSampler"
    app.switch_page("pages/compare.py").run()
    app.multiselect(key="w_cmp_methods").set_value(["RandomUnderSampler"]).run()
    app.button(key="compare").click().run()
    assert not app.exception and not app.error
    app.button(key="apply_winner").click().run()
    assert not app.exception and not app.error
    # Balance now shows a RandomUnderSampler result, made by the click, not the old one
    assert app.selectbox(key="w_strategy").value.endswith("RandomUnderSampler") or \
        app.session_state["w_strategy"] == "RandomUnderSampler"
    shown = [s.value for s in app.subheader]
    assert any(s.startswith("RandomUnderSampler:") for s in shown), shown
    assert not any("Showing the last result" in str(c.value) for c in app.caption)
