"""Data: upload a table or pick a sample, see its profile, choose the target."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from balancer import plots
from balancer.io import UPLOAD_EXTENSIONS
from balancer.profile import label_str
from balancer.samples import SAMPLES
from ui import state
from ui.cache import read_upload, sample
from ui.widgets import plain, run_safely

st.title("Data")
st.caption("Upload a table or start from a bundled sample, then choose the column to predict.")

left, right = st.columns([3, 2])
with left:
    upload = st.file_uploader("Upload a dataset", type=list(UPLOAD_EXTENSIONS), key="upload",
                              help="CSV, TSV, TXT, Excel .xlsx or Parquet; the delimiter and "
                                   "encoding are detected.")
with right:
    state.remember("w_sample", next(iter(SAMPLES)))
    chosen_sample = st.selectbox("Sample dataset", list(SAMPLES), key="w_sample",
                                 format_func=lambda n: f"{n}: {SAMPLES[n].description}")
    state.save("w_sample")
    reload_sample = st.button("Use this sample", key="use_sample")

# -- load what changed; a failed load keeps the previous dataset and choices
sample_changed = st.session_state.get("_sample_seen") not in (None, chosen_sample)
st.session_state["_sample_seen"] = chosen_sample
if state.dataset() is None or reload_sample or sample_changed:
    state.set_dataset(state.Dataset(f"{chosen_sample}.csv", f"sample:{chosen_sample}",
                                    sample(chosen_sample), "sample", SAMPLES[chosen_sample].target))
if upload is not None and st.session_state.get("_upload_id") != upload.file_id:
    st.session_state["_upload_id"] = upload.file_id
    content = upload.getvalue()
    loaded = run_safely(lambda: read_upload(content, upload.name))
    if loaded is not None:
        state.set_dataset(state.Dataset(upload.name, state.content_key(content), loaded, "upload",
                                        sha256=hashlib.sha256(content).hexdigest()))
    else:
        st.session_state[state.LOAD_ERROR] = upload.name
elif upload is None:
    st.session_state.pop("_upload_id", None)

current = state.dataset()
if current is None:
    st.stop()
if st.session_state.get(state.LOAD_ERROR):
    st.caption(f"Still working on {plain(current.name)}; the upload above was not loaded.")

frame = current.frame
columns = [str(c) for c in frame.columns]
base = state.profile_of(current, None)
default_target = current.suggested_target or base.target or columns[-1]
state.remember("w_target", default_target)
if st.session_state.get("w_target") not in columns:
    st.session_state["w_target"] = default_target
ranked = list(base.target_candidates) + [c for c in columns if c not in base.target_candidates]
target = st.selectbox("Target column", ranked, key="w_target",
                      help="The class to predict. Likely targets are listed first.")
state.save("w_target")
profile = state.profile_of(current, target)

st.subheader(plain(current.name))
a, b, c, d = st.columns(4)
a.metric("Rows", f"{profile.rows:,}")
b.metric("Columns", f"{len(profile.columns)}")
c.metric("Classes", f"{len(profile.classes)}")
d.metric("Imbalance ratio", f"{profile.imbalance_ratio:,.1f} : 1" if profile.imbalance_ratio else "n/a",
         help="rows of the largest class per row of the smallest")

BLOCKING = ("one_class", "continuous_target", "too_many_classes")
for finding in profile.warnings:
    if finding.code in BLOCKING and finding.column == target:
        st.error(plain(finding.message), icon=":material/error:")
notes = [f for f in profile.warnings if not (f.code in BLOCKING and f.column == target)]
if notes:
    with st.container(border=True):
        st.markdown("**What to know about this table**")
        for finding in notes:
            st.warning(plain(finding.message), icon=":material/warning:")

chart, table = st.columns([3, 2])
with chart:
    if profile.classes:
        st.plotly_chart(plots.class_distribution(profile.classes), key="class_chart")
with table:
    st.markdown("**Columns**")
    st.dataframe(
        pd.DataFrame([{"column": col.name, "kind": col.kind, "missing": col.missing,
                       "distinct": col.unique} for col in profile.columns]),
        hide_index=True, height=320, key="columns_table",
    )
st.markdown("**First rows**")
st.dataframe(frame.head(100), key="preview")
if profile.classes:
    st.caption("Classes: " + ", ".join(f"{plain(label_str(k))} ({v:,})" for k, v in profile.classes.items()))
