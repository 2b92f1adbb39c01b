"""A cap on heavy jobs running at once, so several users on one server cannot exhaust memory.

The slots are a server resource (not user data), so they live at module level on purpose:
``BALANCER_MAX_JOBS`` (default 2) jobs run together; others wait up to ``BALANCER_JOB_WAIT``
seconds (default 120), then get a clear message and can press the button again. Both are read
through :mod:`balancer.config` when they are needed, not at import: the number of slots when the
first job asks for one (it is fixed from then on), the wait at every job. A bad value is a
:class:`~balancer.errors.ConfigError`, shown like any other error.

Heavy means everything whose memory grows with a user's table: resampling, evaluating and
comparing, and also reading an upload and profiling it (``ui/cache.py`` takes a slot when the
result is not cached yet), so parallel uploads cannot add up beyond the slots either. A job that
already holds a slot in this thread (a report that profiles, ...) does not wait for a second one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from balancer import config
from balancer.errors import BalancerError

T = TypeVar("T")
#: Seconds a job waits for a slot; None reads ``BALANCER_JOB_WAIT`` at each job (tests set it).
WAIT: float | None = None
_HELD = threading.local()  # per thread (Streamlit runs each session's script in its own thread)
log = logging.getLogger("balancer.ui")


class ServerBusy(BalancerError):
    """Every job slot stayed taken for the whole wait."""


class _Slots:
    """``BALANCER_MAX_JOBS`` slots, counted the first time a job asks for one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._semaphore: threading.BoundedSemaphore | None = None
        self._size = 0

    @property
    def size(self) -> int:
        """The number of slots."""
        return self._get()[1]

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        return self._get()[0].acquire(blocking, timeout)

    def release(self) -> None:
        self._get()[0].release()

    def _get(self) -> tuple[threading.BoundedSemaphore, int]:
        with self._lock:
            if self._semaphore is None:
                self._size = config.whole("BALANCER_MAX_JOBS")
                self._semaphore = threading.BoundedSemaphore(self._size)
            return self._semaphore, self._size


_SLOTS = _Slots()


def __getattr__(name: str) -> int:
    """``MAX_JOBS``: the number of slots (read from the configuration on first use)."""
    if name == "MAX_JOBS":
        return _SLOTS.size
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def holding() -> bool:
    """Whether this thread runs inside a job slot now."""
    return bool(getattr(_HELD, "depth", 0))


def _wait() -> float:
    return config.number("BALANCER_JOB_WAIT") if WAIT is None else WAIT


def heavy(work: Callable[[], T], *, run_when_busy: bool = False) -> T:
    """Run ``work`` in a job slot; wait for one (saying so), or raise :class:`ServerBusy`.

    ``run_when_busy``: after the whole wait, run anyway instead of raising (for work a page needs
    in order to draw at all, such as profiling a table again after its cache entry expired).
    """
    if holding():
        return work()
    acquired = _SLOTS.acquire(blocking=False)
    if not acquired:
        wait = _wait()
        with st.spinner("Other people's jobs are running on this server; waiting for a free slot..."):
            acquired = _SLOTS.acquire(timeout=wait)
        if not acquired:
            if not run_when_busy:
                raise ServerBusy(
                    f"The server is busy with {_SLOTS.size} other jobs. Nothing you chose is lost: "
                    "press the button again in a minute.")
            log.warning("every job slot stayed taken for %.0f s; running outside a slot", wait)
    _HELD.depth = 1
    try:
        return work()
    finally:
        _HELD.depth = 0
        if acquired:
            _SLOTS.release()
