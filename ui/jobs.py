"""A cap on heavy jobs running at once, so several users on one server cannot exhaust memory.

The semaphore is a server resource (not user data), so it lives at module level on purpose:
``BALANCER_MAX_JOBS`` (default 2) jobs run together; others wait up to ``BALANCER_JOB_WAIT``
seconds (default 120), then get a clear message and can press the button again.

Heavy means everything whose memory grows with a user's table: resampling, evaluating and
comparing, and also reading an upload and profiling it (``ui/cache.py`` takes a slot when the
result is not cached yet), so parallel uploads cannot add up beyond the slots either. A job that
already holds a slot in this thread (a report that profiles, ...) does not wait for a second one.
"""

from __future__ import annotations

import logging
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
_HELD = threading.local()  # per thread (Streamlit runs each session's script in its own thread)
log = logging.getLogger("balancer.ui")


class ServerBusy(BalancerError):
    """Every job slot stayed taken for the whole wait."""


def holding() -> bool:
    """Whether this thread runs inside a job slot now."""
    return bool(getattr(_HELD, "depth", 0))


def heavy(work: Callable[[], T], *, run_when_busy: bool = False) -> T:
    """Run ``work`` in a job slot; wait for one (saying so), or raise :class:`ServerBusy`.

    ``run_when_busy``: after the whole wait, run anyway instead of raising (for work a page needs
    in order to draw at all, such as profiling a table again after its cache entry expired).
    """
    if holding():
        return work()
    acquired = _SLOTS.acquire(blocking=False)
    if not acquired:
        with st.spinner("Other people's jobs are running on this server; waiting for a free slot..."):
            acquired = _SLOTS.acquire(timeout=WAIT)
        if not acquired:
            if not run_when_busy:
                raise ServerBusy(
                    f"The server is busy with {MAX_JOBS} other jobs. Nothing you chose is lost: "
                    "press the button again in a minute.")
            log.warning("every job slot stayed taken for %.0f s; running outside a slot", WAIT)
    _HELD.depth = 1
    try:
        return work()
    finally:
        _HELD.depth = 0
        if acquired:
            _SLOTS.release()
