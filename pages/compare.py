"""Compare: every tactic on the same folds, ranked by the metric that matters to you."""

from __future__ import annotations

import json

import streamlit as st

from balancer import METRICS, MODELS, plots, recipe, strategies
from balancer.compare import compare
from balancer.metrics import COST_METRICS, metric_label
from ui import state
from ui.runs import save_run
from ui.widgets import (
    cancelled,
    costs_input,
    export_buttons,
    need_dataset,
    plain,
    run_with_progress,
    shown_result,
)

st.title("Compare")
st.caption("Every tactic is scored on the same repeated stratified folds (copies of a row share a "
           "fold), its sampler inside the training folds, against no balancing with the same model "
           "(an ensemble against its plain counterpart). 'Clearly better' means better than that "
           "baseline and than the best guess without information (always one class, or random), by "
           "a corrected resampled t-test with Holm's correction over every tactic here; for threshold "
           "metrics, PR AUC and ROC AUC must not fall. 'Tied with the best' means the gap to the best "
           "is within the noise.")
ready = need_dataset()
if ready is None:
    st.stop()
current, target = ready
profile = state.profile_of(current, target)
binary = len(profile.classes) == 2
available = [s.name for s in strategies.STRATEGIES.values() if binary or not s.binary_only]
defaults = [n for n in strategies.compare_defaults() if n in available and n != strategies.BASELINE]

with st.container(border=True):
    state.remember("w_cmp_methods", defaults)
    methods = st.multiselect("Tactics", [n for n in available if n != "none"], key="w_cmp_methods",
                             help="No balancing is always included as the baseline.")
    state.save("w_cmp_methods")
    left, middle, right = st.columns(3)
    with left:
        state.remember("w_cmp_models", ["logistic_regression"])
        models = st.multiselect("Models", list(MODELS), key="w_cmp_models",
                                format_func=lambda m: MODELS[m][0],
                                help="Each tactic runs with each model (ensembles bring their own).")
        state.save("w_cmp_models")
    error_costs = costs_input(dict(profile.classes), page="cmp_")
    with middle:
        state.remember("w_cmp_metric", "f2")
        rankings = [*METRICS, *(COST_METRICS if error_costs else {})]
        if st.session_state.get("w_cmp_metric") not in rankings:
            st.session_state["w_cmp_metric"] = "f2"
        metric = st.selectbox("Metric", rankings, key="w_cmp_metric", format_func=metric_label,
                              help="Rank by this metric (Expected cost, lowest first, once error "
                                   "costs are set).")
        state.save("w_cmp_metric")
    with right:
        state.remember("w_cmp_folds", 5)
        folds_column, repeats_column = st.columns(2)
        folds = folds_column.number_input("Folds", min_value=2, max_value=10, step=1, key="w_cmp_folds")
        state.save("w_cmp_folds")
        state.remember("w_cmp_repeats", "auto")
        repeats_text = repeats_column.selectbox(
            "Repeats", ["auto", "1", "2", "3", "5", "10"], key="w_cmp_repeats",
            help="Run the folds again with other shuffles. auto: 3 up to 5,000 rows, 2 up to 50,000, then 1.")
        state.save("w_cmp_repeats")
        repeats = None if repeats_text == "auto" else int(repeats_text)
    params = {}
    if "class_weight" in methods:
        state.remember("w_cmp_costs", "balanced")
        costs = st.text_input("Class weights", key="w_cmp_costs",
                              help="'balanced', or a cost per class as JSON, e.g. {\"yes\": 10}")
        state.save("w_cmp_costs")
        if costs.strip() and costs.strip() != "balanced":
            params["class_weight"] = {"weights": costs}
    go = st.button("Compare strategies", type="primary", key="compare")

seed = int(state.choice(state.W_SEED, 0))
request = ("compare", current.key, target, json.dumps(sorted(methods)), json.dumps(models), metric,
           int(folds), seed, json.dumps(params, sort_keys=True), json.dumps(error_costs, sort_keys=True), repeats)
if go:
    if not models:
        st.error("Pick at least one model.")
    else:
        result = run_with_progress(lambda progress: compare(
            current.frame, target, methods, models=models, folds=int(folds), metric=metric, seed=seed,
            params=params, progress=progress, costs=error_costs, repeats=repeats), prefix="Running ",
            cancel_key="cancel_compare", timing=False)
        if result is not None:
            state.store(request, result)
cancelled("cancel_compare")

result = shown_result(request, "Pick tactics and models, then press Compare strategies.",
                      "Showing the last comparison, made with other choices than those above; press Compare "
                      "strategies to apply them.")

best = result.best
st.subheader(f"Best by {metric_label(result.metric)}: {plain(result.label(best)) if best else 'none'}")
tied = [e for e in result.tied if e is not best]
st.caption(f"{len(result.results)} results, {result.folds} folds x {result.repeats} repeats, "
           f"{result.seconds:.1f} s." + (f" Tied with the best (within the noise): "
                                         f"{plain(', '.join(result.label(e) for e in tied))}." if tied else ""))
if best is not None:
    st.markdown(plain(result.standing(best)))
for notice in result.notices:
    st.info(plain(notice), icon=":material/info:")
spread = st.toggle("Show mean ± std", key="w_cmp_spread",
                   help="Every metric's standard deviation over the folds (ddof=1) next to its mean.")
table = result.table(spread=spread)
st.dataframe(table.round(3), hide_index=True, key="ranking")
st.plotly_chart(plots.comparison(result), key="comparison_chart")
made = recipe.make(
    "compare", target, "none", {}, result.seed, folds=result.folds, metric=result.metric,
    repeats=result.repeats, methods=[e.method for e in result.results if not e.is_baseline],
    models=list(result.models), costs=result.costs, calibration=result.calibration)
export_buttons("compare", made, comparison=result)
save_run(request, made, comparison=result)
for skipped in result.skipped:
    st.warning(plain(f"Skipped {skipped['method']} ({skipped['model']}): {skipped['reason']}"),
               icon=":material/block:")

# click-through: the best tactic that changes the data can be applied on the Balance page
samplers = [e for e in result.results if strategies.get(e.method).sampler is not None]
if samplers:
    top = samplers[0]
    note = "" if best is None or best is top else (
        f" (the best overall, {result.label(best)}, is a baseline: no balancing)" if best.is_baseline else
        f" (the best overall, {result.label(best)}, changes the model rather than the data)")
    balanced = result.best_balanced_file
    st.markdown(f"Best tactic that changes the data: **{plain(result.label(top))}**{plain(note)}. "
                + plain(result.standing(top))
                + ("" if balanced is None else
                   f" Best whose file has equal classes: **{plain(balanced.method)}**."))
    if st.button(f"Apply {top.method} on the Balance page", key="apply_winner",
                 help="Resamples the table with it and opens the result on the Balance page."):
        state.apply(top.method)
        st.switch_page("pages/balance.py")
