"""Session state: the keys that survive page switches, and the current dataset.

Widgets own short-lived keys (``w_...``); what must survive a page switch is copied to plain
keys that no widget owns, because Streamlit forgets a widget's state when its page is not shown.
Nothing user-specific lives in module globals.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from typing import Any

import pandas as pd
import streamlit as st

from balancer.profiling import Profile

DATASET = "dataset"          # the current Dataset
CHOICES = "choices"          # widget key -> last value, restored when a page is shown again
RESULTS = "results"          # request key -> result, bounded
LOAD_ERROR = "load_error"    # the last upload error, shown until the next good load
MAX_RESULTS = 12


@dataclasses.dataclass(frozen=True)
class Dataset:
    """The table a user works on: its name, content key, frame and how it was loaded."""

    name: str
    key: str
    frame: pd.DataFrame
    source: str  # "upload" or "sample"
    suggested_target: str | None = None
    sha256: str | None = None  # of the uploaded bytes (samples: of their CSV export, on demand)


def content_key(data: bytes) -> str:
    """A short stable key for uploaded bytes (SHA-256)."""
    return hashlib.sha256(data).hexdigest()[:20]


def dataset() -> Dataset | None:
    """The current dataset, or None."""
    return st.session_state.get(DATASET)


def set_dataset(value: Dataset) -> None:
    """Make ``value`` the current dataset; choices tied to the old table (target, per-class
    counts) are forgotten, the others (strategy, model, seed) kept."""
    st.session_state[DATASET] = value
    choices = st.session_state.setdefault(CHOICES, {})
    for key in [k for k in list(choices) + list(st.session_state) if str(k).startswith(("w_target", "w_ss"))]:
        choices.pop(key, None)
        st.session_state.pop(key, None)
    st.session_state.pop(LOAD_ERROR, None)


def target() -> str | None:
    """The chosen target column (kept across pages)."""
    return st.session_state.get(CHOICES, {}).get("w_target")


def remember(key: str, default: Any = None) -> None:
    """Before a widget is drawn: give it back the value it had when its page was last shown."""
    choices = st.session_state.setdefault(CHOICES, {})
    if key not in st.session_state:
        if key in choices:
            st.session_state[key] = choices[key]
        elif default is not None:
            st.session_state[key] = default


def save(key: str) -> Any:
    """After a widget is drawn: keep its value for the next time its page is shown."""
    value = st.session_state.get(key)
    st.session_state.setdefault(CHOICES, {})[key] = value
    return value


def result(key: tuple[Any, ...]) -> Any:
    """A stored result for this request, or None."""
    return st.session_state.get(RESULTS, {}).get(key)


def store(key: tuple[Any, ...], value: Any) -> None:
    """Keep a result for this request (the oldest are dropped past MAX_RESULTS)."""
    results: OrderedDict[tuple[Any, ...], Any] = st.session_state.setdefault(RESULTS, OrderedDict())
    results[key] = value
    results.move_to_end(key)
    while len(results) > MAX_RESULTS:
        results.popitem(last=False)


def latest(kind: str) -> Any:
    """The most recent stored result of a kind (``"resample"``, ``"evaluate"``, ...) for this dataset."""
    current = dataset()
    for key, value in reversed(list(st.session_state.get(RESULTS, {}).items())):
        if key[0] == kind and current is not None and key[1] == current.key:
            return value
    return None


def shown(request: tuple[Any, ...]) -> tuple[Any, bool]:
    """What a page shows: the result of this request if there is one (and True), else the latest
    result of the same kind for this dataset (and False: the choices above it have changed)."""
    own = result(request)
    if own is not None:
        return own, True
    return latest(str(request[0])), False


def profile_of(current: Dataset, chosen_target: str | None) -> Profile:
    """The profile of the current dataset for a target (cached per content and target)."""
    from .cache import cached_profile

    return cached_profile(current.key, current.frame, chosen_target)
