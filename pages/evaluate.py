"""Evaluate: honest cross-validated metrics of the chosen tactic next to no balancing."""

from __future__ import annotations

import json
import math

import pandas as pd
import streamlit as st

from balancer import METRICS, MODELS, evaluate, learning_curve, plots, recipe
from ui import state
from ui.decision import decision_section, model_download
from ui.runs import save_run
from ui.widgets import (
    calibration_choice,
    cancelled,
    chosen_request,
    costs_input,
    export_buttons,
    need_dataset,
    plain,
    run_with_progress,
    shown_result,
    signed,
)

st.title("Evaluate")
st.caption("Stratified K-fold: imputation, encoding, the sampler and the model are fitted on the "
           "training folds only, so the scores come from rows the sampler never saw.")
ready = need_dataset()
if ready is None:
    st.stop()
current, target = ready
method, params = chosen_request()

with st.container(border=True):
    left, middle, right = st.columns(3)
    with left:
        state.remember("w_model", "logistic_regression")
        model = st.selectbox("Model", list(MODELS), key="w_model", format_func=lambda m: MODELS[m][0])
        state.save("w_model")
    with middle:
        state.remember("w_folds", 5)
        state.remember("w_repeats", 1)
        folds_column, repeats_column = st.columns(2)
        folds = folds_column.number_input("Folds", min_value=2, max_value=10, step=1, key="w_folds",
                                          help="Stratified folds; lowered automatically for tiny classes. "
                                               "Copies of a row always share a fold.")
        repeats = repeats_column.number_input("Repeats", min_value=1, max_value=20, step=1, key="w_repeats",
                                              help="Run the folds again with other shuffles: more splits, "
                                                   "a surer verdict, longer to wait.")
        state.save("w_folds")
        state.save("w_repeats")
    with right:
        state.remember("w_use_sampler", True)
        use_sampler = st.checkbox(f"Resample with {method}", key="w_use_sampler",
                                  help="The strategy and parameters chosen on the Balance page.")
        state.save("w_use_sampler")
        state.remember("w_class_weight", False)
        weighted = st.toggle("Class weights", key="w_class_weight",
                             help="Penalize errors on rare classes more (class_weight='balanced').")
        state.save("w_class_weight")
    profile = state.profile_of(current, target)
    costs = costs_input(dict(profile.classes))
    calibration = calibration_choice()
    shown = ", ".join(f"{k}={v}" for k, v in params.items()) if use_sampler and params else ""
    st.caption(f"Tactic: {plain(method) if use_sampler else 'no resampling'}"
               f"{' (' + plain(shown) + ')' if shown else ''}{' + class weights' if weighted else ''}."
               " Change the strategy on the Balance page.")
    go = st.button("Evaluate", type="primary", key="evaluate")

seed = int(state.choice(state.W_SEED, 0))
run_method = method if use_sampler else "none"
run_params = params if use_sampler else {}
request = ("evaluate", current.key, target, run_method, json.dumps(run_params, sort_keys=True, default=str),
           model, int(folds), bool(weighted), seed, json.dumps(costs, sort_keys=True), calibration, int(repeats))
if go:
    result = run_with_progress(lambda progress: evaluate(
        current.frame, target, run_method, model=model, folds=int(folds), params=run_params, seed=seed,
        class_weight="balanced" if weighted else None, progress=progress, costs=costs,
        calibration=calibration, repeats=int(repeats)), cancel_key="cancel_evaluate")
    if result is not None:
        state.store(request, result)
cancelled("cancel_evaluate")

result = shown_result(request, "Press Evaluate to score the tactic with cross-validation.",
                      "Showing the last evaluation; press Evaluate to apply the choices above.")

title = result.method + (" + class weights" if result.class_weight is not None and result.method != "class_weight" else "")
repeated = f" x {result.repeats} repeats" if result.repeats > 1 else ""
st.subheader(f"{plain(title)} with {MODELS[result.model][0]}, {result.folds} folds{repeated}")
supports = {row["support"] for row in result.per_class}
st.caption("Positive class: " + (plain(str(result.positive)) + (" (the minority)" if len(supports) > 1 else
                                                                " (the classes are equally large)")
                                  if result.positive is not None else "none (more than two classes: macro averages)"))
if result.verdict:
    with st.container(border=True):
        st.markdown("**Verdict**")
        for line in result.verdict:
            st.markdown("- " + plain(line))
for notice in result.notices:
    if notice.startswith("Warning: "):
        st.warning(plain(notice.removeprefix("Warning: ")), icon=":material/warning:")
    else:
        st.info(plain(notice), icon=":material/info:")

base = result.baseline
rows = [st.columns(5), st.columns(5)]
for i, (name, (label, explanation)) in enumerate(METRICS.items()):
    value = result.metrics[name]
    delta = None
    if base is not None and not math.isnan(value) and not math.isnan(base.metrics[name]):
        delta = f"{signed(value - base.metrics[name], 3)} vs no balancing"
    # a change within the fold-to-fold noise is not coloured as a gain or a loss
    real = name != "accuracy" and bool(result.significant.get(name))
    rows[i // 5][i % 5].metric(label, "n/a" if math.isnan(value) else f"{value:.3f}", delta,
                               help=explanation, delta_color="normal" if real else "off")
st.caption("Accuracy misleads on imbalanced data: always predicting the majority class scores "
           "high while finding no rare case. Judge by recall, F2, PR AUC, G-mean or MCC instead. "
           "A change is coloured only when it is beyond the fold-to-fold noise.")
for line in result.notes():
    st.caption(plain(line))

table = pd.DataFrame({"metric": [METRICS[m][0] for m in METRICS],
                      result.method: [result.metrics[m] for m in METRICS],
                      "± std": [result.std[m] for m in METRICS]})
if base is not None:
    table["no balancing"] = [base.metrics[m] for m in METRICS]
chart, numbers = st.columns([3, 2])
with chart:
    st.plotly_chart(plots.metric_comparison(result), key="metrics_chart")
with numbers:
    st.dataframe(table.round(3), hide_index=True, key="metrics_table")

left, right = st.columns(2)
with left:
    st.plotly_chart(plots.confusion(result, f"Confusion matrix: {result.method}"), key="cm_tactic")
with right:
    if base is not None:
        st.plotly_chart(plots.confusion(base, "Confusion matrix: no balancing"), key="cm_base")
left, right = st.columns(2)
with left:
    st.plotly_chart(plots.curves(result, "roc"), key="roc")
with right:
    st.plotly_chart(plots.curves(result, "pr"), key="pr")
st.markdown("**Per class** (pooled over the held-out predictions)")
st.dataframe(plots.per_class_table(result).round(3), hide_index=True, key="per_class_table")

decision_section(result)
model_download(current.name, current.frame, target, result, run_method, run_params, seed, calibration, costs,
               current=state.result(request) is result)

made = recipe.make(
    "evaluate", target, result.requested, run_params if result.requested != "class_weight" else {}, seed,
    model=result.model, folds=result.folds, repeats=result.repeats, class_weight=result.class_weight,
    costs=result.costs.to_dict() if result.costs else None,
    calibration=result.calibration.method if result.calibration else None, threshold=result.threshold)
export_buttons("evaluate", made, evaluation=result)
save_run(request, made, evaluation=result)

st.subheader("Would collecting more data help?")
st.caption("The tactic is scored on growing shares of each training fold. A curve still rising at "
           "the right says more rows would help; a flat one says look elsewhere.")
curve_request = ("curve", *request[1:])
if st.button("Draw learning curve", key="learning_curve"):
    curve = run_with_progress(lambda progress: learning_curve(
        current.frame, target, run_method, model=model, folds=int(folds), params=run_params, seed=seed,
        repeats=int(repeats), progress=progress), cancel_key="cancel_curve")
    if curve is not None:
        state.store(curve_request, curve)
curve = state.result(curve_request)
if curve is not None:
    st.plotly_chart(plots.learning_curve(curve), key="curve_chart")
    (st.success if curve.still_rising and curve.judged else st.info)(plain(curve.verdict))
    for notice in curve.notices:
        st.info(plain(notice), icon=":material/info:")
