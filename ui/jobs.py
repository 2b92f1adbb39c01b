"""A cap on heavy jobs running at once, so several users on one server cannot exhaust memory.

The semaphore is a server resource (not user data), so it lives at module level on purpose:
``BALANCER_MAX_JOBS`` (default 2) jobs run together; others wait up to ``BALANCER_JOB_WAIT``
seconds (default 120), then get a clear message and can press the button again.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from balancer.errors import BalancerError

T = TypeVar("T")
MAX_JOBS = max(1, int(os.environ.get("BALANCER_MAX_JOBS", 2)))
WAIT = float(os.environ.get("BALANCER_JOB_WAIT", 120))
_SLOTS = threading.BoundedSemaphore(MAX_JOBS)


class ServerBusy(BalancerError):
    """Every job slot stayed taken for the whole wait."""


def heavy(work: Callable[[], T]) -> T:
    """Run ``work`` in a job slot; wait for one (saying so), or raise :class:`ServerBusy`."""
    if not _SLOTS.acquire(blocking=False):
        with st.spinner("Other people's jobs are running on this server; waiting for a free slot..."):
            if not _SLOTS.acquire(timeout=WAIT):
                raise ServerBusy(
                    f"The server is busy with {MAX_JOBS} other jobs. Nothing you chose is lost: "
                    "press the button again in a minute.")
    try:
        return work()
    finally:
        _SLOTS.release()
