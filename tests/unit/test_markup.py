"""User text in charts is text: class labels with HTML never reach plotly as markup."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from balancer import evaluate, plots, resample

LABELS = ['<a href="https://evil.example/x">click</a>', "<b>bold</b><br>two & more"]


@pytest.fixture(scope="module")
def hostile():
    rng = np.random.default_rng(0)
    n = 240
    y = np.where(rng.random(n) < 0.2, LABELS[0], LABELS[1])
    frame = pd.DataFrame({"a": rng.normal(size=n) + (y == LABELS[0]), "b": rng.normal(size=n)})
    frame["<i>target</i>"] = y
    return frame


def _strings(figure) -> list[str]:
    out: list[str] = []

    def walk(value):
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif hasattr(value, "tolist"):
            walk(value.tolist())

    walk(json.loads(figure.to_json()))
    return out


def test_shown_turns_markup_into_entities():
    """Check the characters plotly reads as markup become entities, and nothing else changes."""
    assert plots.shown("<a href='x'>y</a> & z") == "&lt;a href='x'&gt;y&lt;/a&gt; &amp; z"
    assert plots.shown("plain ✓") == "plain ✓"


def test_no_chart_carries_a_label_as_markup(hostile):
    """Check no figure built from hostile class labels holds their raw HTML anywhere."""
    target = "<i>target</i>"
    result = resample(hostile, target, "SMOTE")
    evaluation = evaluate(hostile, target, "SMOTE", folds=3)
    figures = [plots.class_distribution(result.before), plots.before_after(result.before, result.after),
               plots.projection(plots.projection_points(result, target)), plots.confusion(evaluation, "cm"),
               plots.curves(evaluation, "roc"), plots.curves(evaluation, "pr")]
    for figure in figures:
        texts = _strings(figure)
        assert not [t for t in texts if "<a " in t or "<b>" in t or "<i>" in t], figure.layout.title.text
    labels = _strings(figures[0])
    assert plots.shown(LABELS[0]) in labels  # still there, as text


def test_the_projection_needs_no_webgl(hostile):
    """Check the projection draws SVG points (at most 5,000), not WebGL ones, which a browser
    without WebGL (a remote desktop, a VM, headless Chromium) replaces with an error box."""
    target = "<i>target</i>"
    figure = plots.projection(plots.projection_points(resample(hostile, target, "SMOTE"), target))
    assert figure.data and {trace.type for trace in figure.data} == {"scatter"}
