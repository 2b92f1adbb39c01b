"""Compare: every tactic side by side (the comparison lands with its own issue)."""

from __future__ import annotations

import streamlit as st

st.title("Compare")
st.info("Coming soon: run every tactic on your data with the same folds and rank them. Until "
        "then, evaluate tactics one at a time on the Evaluate page.")
