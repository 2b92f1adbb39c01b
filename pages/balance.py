"""Balance: choose a tactic and its parameters, resample, see before/after, download."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from balancer import plots, recipe, resample
from balancer.profiling import label_str
from balancer.tables import Dialect
from ui import state
from ui.cache import csv_bytes
from ui.jobs import heavy
from ui.runs import keep_file_choice, save_run
from ui.widgets import (
    dialect_choice,
    export_buttons,
    need_dataset,
    plain,
    run_safely,
    sampling_strategy_input,
    shown_result,
    strategy_choice,
    strategy_params,
)

st.title("Balance")
ready = need_dataset()
if ready is None:
    st.stop()
current, target = ready
profile = state.profile_of(current, target)
if len(profile.classes) < 2:
    st.error(plain(next((w.message for w in profile.warnings if w.code in
                         ("one_class", "continuous_target", "too_many_classes", "missing_target")),
                        f"The target {target!r} cannot be balanced; pick another on the Data page.")))
    st.stop()

with st.container(border=True):
    strategy = strategy_choice()
    params = strategy_params(strategy)
    left, right = st.columns([3, 1])
    with left:
        ss = sampling_strategy_input(strategy, dict(profile.classes))
        state.set_sampling_strategy(strategy.name, ss)
    with right:
        state.remember(state.W_SEED, 0)
        seed = st.number_input("Seed", min_value=0, max_value=2**32 - 1, step=1, key=state.W_SEED,
                               help="Same data, strategy and seed: same output.")
        state.save(state.W_SEED)
        keep = keep_file_choice()
    go = st.button("Resample", type="primary", key="resample")

if ss != "auto":
    params = {**params, "sampling_strategy": ss}
request = ("resample", current.key, target, strategy.name, json.dumps(params, sort_keys=True, default=str),
           int(seed))
go = state.take_apply(strategy.name) or go  # Apply on Compare: resample with it now
if go:
    with st.spinner(f"Running {strategy.name}..."):
        result = run_safely(lambda: heavy(lambda: resample(current.frame, target, strategy.name, params=params, seed=int(seed))))
    if result is not None:
        state.store(request, result)

result = shown_result(request, "Choose a strategy and press Resample.",
                      lambda old: f"Showing the last result ({plain(old.requested)}); press Resample to "
                                  "apply the choices above.")

st.subheader(f"{plain(result.method)}: {result.rows_in:,} rows in, {len(result.data):,} out")
for notice in result.notices:
    st.info(plain(notice), icon=":material/info:")

chart, table = st.columns([3, 2])
with chart:
    st.plotly_chart(plots.before_after(result.before, result.after), key="before_after")
with table:
    st.dataframe(pd.DataFrame({
        "class": [label_str(k) for k in result.before],
        "before": list(result.before.values()),
        "after": [result.after[k] for k in result.before],
    }), hide_index=True, key="counts_table")
    st.metric("Synthetic rows", f"{result.synthetic_rows:,}")

result_key = (current.key, target, result.requested,
              json.dumps(result.params, sort_keys=True, default=str), result.seed)
points_key = ("projection", *result_key)
points = state.result(points_key)
if points is None:
    points = run_safely(lambda: plots.projection_points(result, target, seed=result.seed))
    if points is not None:
        state.store(points_key, points)
if points is not None and len(points):
    st.plotly_chart(plots.projection(points), key="projection")
    if len(points) < len(result.data):
        st.caption(f"Projection of {len(points):,} of {len(result.data):,} rows.")

mark = st.checkbox("Add a column marking synthetic rows", key="w_mark",
                   help="Adds a true/false column named 'synthetic' to the file.")
frame = result.with_marker() if mark else result.data
dialect = dialect_choice(Dialect.of(current.frame))
payload = csv_bytes(("csv", *result_key, mark), frame, dialect)
stem = Path(current.name).stem
# (on_click="ignore": a click that reran the page dropped the other buttons' files, so a second
# download clicked within a second did nothing; a tab-separated file is named .tsv)
tab = dialect.delimiter == "\t"
st.download_button("Download resampled CSV", payload, file_name=f"{stem}_{result.method}.{'tsv' if tab else 'csv'}",
                   mime="text/tab-separated-values" if tab else "text/csv", key="download", type="primary",
                   on_click="ignore")
made = recipe.make("resample", target, result.requested, result.params, result.seed, mark_synthetic=bool(mark))
export_buttons("resample", made, dialect=dialect, resampled=result)
save_run(request, made, resampled=result, file=payload if keep else None)
