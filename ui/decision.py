"""Evaluate's decision part: the error costs and their threshold, the calibration of the
probabilities, and the model to ship (``Download model``)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from balancer import plots
from balancer.evaluate import Evaluation
from balancer.metrics import CALIBRATION
from balancer.shipping import fit_final, save

from . import state
from .jobs import heavy
from .widgets import plain, signed


def decision_section(result: Evaluation) -> None:
    """What the errors cost (with the cost curve), and how well the probabilities are calibrated."""
    if result.expected_cost is not None:
        st.subheader("What the errors cost")
        cost, nothing, threshold = st.columns(3)
        base = result.baseline.expected_cost if result.baseline is not None else None
        # coloured only beyond the fold-to-fold noise, as the metrics above and the verdict judge it
        real = bool(result.significant.get("expected_cost"))
        cost.metric("Expected cost per 1,000 rows", f"{result.expected_cost:,.1f}",
                    None if base is None else f"{signed(result.expected_cost - base, 1)} vs no balancing",
                    delta_color="inverse" if real else "off",
                    help="From the out-of-fold predictions; a perfect model costs 0.")
        if result.expected_cost_baseline is not None:
            nothing.metric("Doing nothing", f"{result.expected_cost_baseline:,.1f}",
                           help="Always predicting the largest class (no positives).")
        if result.threshold is not None:
            threshold.metric("Decision threshold", f"{result.threshold:.3f}",
                             help="Chosen inside each training fold to minimise the expected cost "
                                  "(the mean over the folds).")
        if result.cost_curve:
            st.plotly_chart(plots.cost_curve(result), key="cost_curve")
            st.caption("Expected cost per 1,000 rows at each threshold, from the out-of-fold "
                       "probabilities (pooled over the folds); the point is the threshold chosen.")
    if result.calibration is None:
        return
    st.subheader("Are the probabilities true?")
    chart, numbers = st.columns([3, 2])
    with chart:
        st.plotly_chart(plots.reliability(result), key="reliability")
    with numbers:
        rows = [{"": label} | {CALIBRATION[name][0]: value for name, value in result.calibration.scores[key].items()}
                for key, label in plots.calibration_names(result).items() if result.calibration.scores.get(key)]
        st.dataframe(pd.DataFrame(rows).round(4), hide_index=True, key="calibration_table")
        st.caption(f"Correction: {plain(result.calibration.method)}. Brier score and log loss: lower "
                   "is better; ECE: the mean gap between predicted and observed rates (10 bins). "
                   "Out-of-fold probabilities, pooled over the folds.")


def model_download(name: str, frame: pd.DataFrame, target: str, result: Evaluation, method: str,
                   params: dict[str, Any], seed: int, calibration: str | None, costs: Any,
                   current: bool) -> None:
    """``Download model``: the tactic and model refitted on every row with the calibration and
    decision rule just scored, saved with skops and a model card. Offered for the result of the
    choices on screen only (an older result shown is not what would be fitted)."""
    if not current:
        st.caption("Press Evaluate to fit a model for the choices above.")
        return
    st.download_button(
        "Download model", _model_bytes(name, frame, target, result, method, params, seed, calibration, costs),
        file_name=f"{Path(name).stem}_{result.requested}_{result.model}.skops", mime="application/zip",
        key="download_model", on_click="ignore",
        help="The preprocessing, tactic and model refitted on every row, with the calibration and "
             "threshold above; a skops file (no pickle) with a model card. Score new rows with "
             "`balancer predict MODEL DATA --out FILE`.")


def _model_bytes(name: str, frame: pd.DataFrame, target: str, result: Evaluation, method: str,
                 params: dict[str, Any], seed: int, calibration: str | None, costs: Any) -> Callable[[], bytes]:
    """The model file, made when the button is pressed (fitting on every row takes a job slot)."""
    shown = state.dataset()
    digest = shown.sha256 if shown is not None else None  # an upload's; a sample's: its CSV's

    def make() -> bytes:
        shipped = heavy(lambda: fit_final(
            frame, target, method, result.model, params, seed, calibration, costs,
            class_weight=result.class_weight, evaluation=result, name=name, digest=digest))
        buffer = io.BytesIO()
        save(shipped, buffer)
        return buffer.getvalue()

    return make
