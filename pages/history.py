"""History: the saved runs this user may see, newest first; open one, or put two side by side.

A run opens from the ``Open runs`` choice, kept in step with the ``?run=ID`` query parameter: the
link a run shows opens it here for any teammate who may see it ("no such run" for anyone else).
"""

from __future__ import annotations

import streamlit as st

from balancer.errors import BalancerError
from balancer.recipe import KINDS
from balancer.store import MAX_LIMIT, Run
from ui import runs, state
from ui.widgets import plain

st.title("History")
if not runs.saving_on():
    st.info("Saving runs is off on this server (BALANCER_SAVE_RUNS=0): results are not saved, so "
            "there is no history to show.", icon=":material/cloud_off:")
    st.stop()
who = runs.user()
message = st.session_state.pop(state.HISTORY_MESSAGE, None)
if message:
    st.info(plain(message), icon=":material/info:")

try:
    store = runs.run_store()
    visible = store.list_runs(who.viewer, limit=MAX_LIMIT)  # the filters' choices
except BalancerError as exc:
    st.error(plain(f"The saved runs cannot be shown: {exc}"), icon=":material/error:")
    st.stop()

filters = st.columns(4)
choices = {
    "Dataset": sorted({r.dataset for r in visible}),
    "Tactic": sorted({t for r in visible for t in r.tactics}),
    "User": sorted({r.user for r in visible}),
    "Kind": list(KINDS),
}
chosen: dict[str, str | None] = {}
for column, (name, options) in zip(filters, choices.items(), strict=True):
    chosen[name] = column.selectbox(name, options, index=None, placeholder="all",
                                    key=f"w_hist_{name.lower()}")
try:
    found = store.list_runs(who.viewer, dataset=chosen["Dataset"], tactic=chosen["Tactic"],
                            user=chosen["User"], kind=chosen["Kind"], limit=runs.LISTED)
except BalancerError as exc:
    st.error(plain(f"The saved runs cannot be shown: {exc}"), icon=":material/error:")
    st.stop()

if found:
    st.dataframe(runs.listing(found), hide_index=True, key="hist_table")
    more = f" (the newest {runs.LISTED}: narrow them with the filters)" if len(found) == runs.LISTED else ""
    st.caption(f"{len(found):,} run{'' if len(found) == 1 else 's'}{more}, newest first. Yours, and "
               "those shared with the team"
               + (", all of them: you are an admin." if who.admin else "."))
else:
    st.info("No saved runs here yet: the results of Balance, Evaluate and Compare are saved when "
            "they finish.", icon=":material/history:")

# runs to open: those listed, and those a link (?run=ID) or an earlier choice names, if this user
# may see them; the choice is written back to the address, so it is always the link to what is open
listed: dict[str, Run | None] = {r.id: None for r in found}
labels = {r.id: runs.label(r) for r in found}
linked = st.query_params.get_all(state.QUERY_RUN)[:2]
if linked != st.session_state.get(state.HISTORY_LINK):  # a new link: open what it names
    st.session_state[state.HISTORY_LINK] = linked
    st.session_state[state.W_OPEN] = linked
for run_id in dict.fromkeys(st.session_state.get(state.W_OPEN, [])):
    if run_id not in listed:
        extra = runs.get_visible(store, who, run_id)
        if extra is not None:
            listed[run_id] = extra
            labels[run_id] = runs.label(extra)
if any(r not in listed for r in st.session_state.get(state.W_OPEN, [])):
    st.session_state[state.W_OPEN] = [r for r in st.session_state[state.W_OPEN] if r in listed]
opened = st.multiselect("Open runs", list(listed), format_func=labels.__getitem__, key=state.W_OPEN,
                        max_selections=2,
                        placeholder="Choose a run to open it, or two to see them side by side")
if opened != linked:
    st.session_state[state.HISTORY_LINK] = opened
    if opened:
        st.query_params[state.QUERY_RUN] = opened
    else:
        st.query_params.pop(state.QUERY_RUN, None)

shown = [listed[r] or runs.get_visible(store, who, r) for r in opened]
ready = [r for r in shown if r is not None]
if len(ready) == 1:
    runs.show_run(ready[0], who)
elif len(ready) == 2:
    runs.side_by_side(ready[0], ready[1], who)
