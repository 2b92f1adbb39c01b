"""Balancer's dashboard: a router over pages/, nothing else."""

from __future__ import annotations

import streamlit as st

from ui.widgets import sidebar

# An emoji favicon is drawn in the page; a ":material/...:" one is fetched from an outside font host.
st.set_page_config(page_title="Balancer", page_icon="⚖️", layout="wide")
page = st.navigation([
    st.Page("pages/data.py", title="Data", icon=":material/table:", default=True),
    st.Page("pages/balance.py", title="Balance", icon=":material/balance:"),
    st.Page("pages/evaluate.py", title="Evaluate", icon=":material/monitoring:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/leaderboard:"),
])
page.run()
sidebar()  # after the page, so it shows a dataset loaded on this run
