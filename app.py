"""Balancer's dashboard: a router over pages/, nothing else."""

from __future__ import annotations

import streamlit as st

from ui import auth, runs
from ui.widgets import sidebar

# An emoji favicon is drawn in the page; a ":material/...:" one is fetched from an outside font host.
st.set_page_config(page_title="Balancer", page_icon="⚖️", layout="wide")
PAGES = [
    ("pages/data.py", "Data", ":material/table:"),
    ("pages/balance.py", "Balance", ":material/balance:"),
    ("pages/evaluate.py", "Evaluate", ":material/monitoring:"),
    ("pages/compare.py", "Compare", ":material/leaderboard:"),
    ("pages/history.py", "History", ":material/history:"),
]
user = auth.identity()
if user is None:  # no trusted header, or not signed in: at every page's address, that message only
    st.navigation([st.Page(auth.refuse, title=title, url_path=path.removeprefix("pages/").removesuffix(".py"),
                           default=i == 0) for i, (path, title, _) in enumerate(PAGES)],
                  position="hidden").run()
    st.stop()
page = st.navigation([st.Page(path, title=title, icon=icon, default=i == 0)
                      for i, (path, title, icon) in enumerate(PAGES)])
auth.sidebar(user)
runs.sidebar(user)
slot = st.sidebar.empty()
sidebar(slot)  # before the page: a page that stops early (no result yet) draws nothing after st.stop()
page.run()
sidebar(slot)  # and again after it, so it shows a dataset loaded on this run
