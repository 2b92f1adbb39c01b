"""Cached wrappers around the library. Keys are plain, hashable values (content keys, names).

Caches are bounded (entries and time to live) so a shared server cannot grow without limit, and
what they return is never mutated by the caller.
"""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

import balancer
from balancer.profile import Profile
from balancer.samples import load_sample

TTL = int(os.environ.get("BALANCER_CACHE_TTL", 3600))
ENTRIES = int(os.environ.get("BALANCER_CACHE_ENTRIES", 16))


@st.cache_data(max_entries=ENTRIES, ttl=TTL, show_spinner=False)
def read_upload(data: bytes, name: str) -> pd.DataFrame:
    """Parse uploaded bytes (a BalancerError is raised, not cached)."""
    return balancer.read_table(data, name=name)


@st.cache_data(max_entries=8, ttl=TTL, show_spinner=False)
def sample(name: str) -> pd.DataFrame:
    """A bundled sample."""
    return load_sample(name)


@st.cache_data(max_entries=4 * ENTRIES, ttl=TTL, show_spinner=False)
def cached_profile(key: str, _frame: pd.DataFrame, target: str | None) -> Profile:
    """The profile of a table identified by its content key."""
    return balancer.profile(_frame, target)


@st.cache_data(max_entries=ENTRIES, ttl=TTL, show_spinner=False)
def csv_bytes(key: tuple[object, ...], _frame: pd.DataFrame) -> bytes:
    """The CSV export of a result identified by ``key``."""
    return balancer.write_csv(_frame)
