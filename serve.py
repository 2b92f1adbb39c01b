"""Balancer's server: ``streamlit run serve.py`` serves the dashboard (app.py) the way it is hosted.

Through Streamlit's ASGI entry point (``st.App``) every HTTP response gets security headers (a
Content-Security-Policy under which the page loads nothing from another host and no other site can
frame it, and its companions), and an error that escapes a page shows Balancer's own message, not
Streamlit's exception box. ``make run``, the Docker image and the browser tests start this file.
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from ui.server import SecurityHeaders, on_script_error

app = st.App("app.py", middleware=[Middleware(SecurityHeaders)], on_script_error=on_script_error)
