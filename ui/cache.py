"""Cached wrappers around the library. Keys are plain, hashable values (content keys, names).

Uploads, profiles and CSV exports are kept in :class:`ContentCache`, a cache of Balancer's own
rather than ``st.cache_data``, because ``st.cache_data`` is bounded only in entries (sixteen
500 MB tables would stay held for an hour after their sessions closed) and gives no way to take a
job slot only when the work is really done. The choice, on purpose:

- **Keyed by content, like st.cache_data.** An entry's key is a digest of what it was computed
  from (the upload's SHA-256, its name and the reading limits; a table's content key and target;
  a result's key), never a session: two users share an entry only when they uploaded the same
  bytes, and then they would see the same table anyway. Nothing else user-specific is kept in
  this module.
- **Bounded in bytes, entries and time.** ``BALANCER_CACHE_MB`` (default 512) bounds the cached
  uploads' size in memory; CSV exports get a quarter of it and profiles a sixteenth. An entry
  larger than its cache's bound is not cached at all. ``BALANCER_CACHE_ENTRIES`` (default 16) and
  ``BALANCER_CACHE_TTL`` (seconds, default 3600) bound entries and their age. The least recently
  used entries go first. The bounds are read through :mod:`balancer.config` when an entry is
  kept, not at import (:class:`ConfiguredCache`).
- **Never shared mutable state.** A cached table is handed out as a shallow copy (pandas'
  copy-on-write keeps a change in one session from reaching another, and ``attrs`` are copied);
  a profile as a deep copy; CSV bytes are immutable.
- **Slots for the work, not for the hits.** Reading an upload and profiling a table run in a
  job slot (``ui/jobs.py``) only when the result is not cached.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import pandas as pd
import streamlit as st

import balancer
from balancer import config
from balancer.profiling import Profile
from balancer.samples import load_sample
from balancer.tables import Dialect, Limits, writable

from .jobs import heavy

_MB = 1024 * 1024


@dataclasses.dataclass
class _Entry:
    value: Any
    size: int
    expires: float


class ContentCache:
    """A thread-safe LRU keyed by content, bounded in bytes, entries and age (see the module)."""

    def __init__(self, max_bytes: int, max_entries: int, ttl: float) -> None:
        self._max_bytes = max_bytes
        self._max_entries = max(1, max_entries)
        self._ttl = ttl
        self._items: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        """The value cached under ``key`` (and now most recently used), or None."""
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                return None
            if entry.expires < time.monotonic():
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return entry.value

    @property
    def max_bytes(self) -> int:
        """The most bytes the entries may take together."""
        return self._max_bytes

    @property
    def max_entries(self) -> int:
        """The most entries kept."""
        return self._max_entries

    @property
    def ttl(self) -> float:
        """Seconds an entry is kept."""
        return self._ttl

    def put(self, key: Hashable, value: Any, size: int) -> bool:
        """Keep ``value`` (``size`` bytes) unless it is larger than the whole cache; evict the
        expired and then the least recently used entries to stay within the bounds."""
        max_bytes, max_entries, ttl = self.max_bytes, self.max_entries, self.ttl
        if size > max_bytes:
            return False
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = _Entry(value, size, time.monotonic() + ttl)
            self._bytes += size
            now = time.monotonic()
            for old in [k for k, e in self._items.items() if e.expires < now]:
                self._drop(old)
            while self._bytes > max_bytes or len(self._items) > max_entries:
                self._drop(next(iter(self._items)))
            return key in self._items

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def _drop(self, key: Hashable) -> None:
        entry = self._items.pop(key)
        self._bytes -= entry.size


class ConfiguredCache(ContentCache):
    """A :class:`ContentCache` whose bounds are read from the configuration each time an entry is
    kept: ``BALANCER_CACHE_MB`` divided by ``share``, ``BALANCER_CACHE_ENTRIES`` times
    ``entries_times``, and ``BALANCER_CACHE_TTL``."""

    def __init__(self, share: int = 1, entries_times: int = 1) -> None:
        super().__init__(0, 1, 0.0)
        self.share, self.entries_times = share, entries_times

    @property
    def max_bytes(self) -> int:
        return int(config.number("BALANCER_CACHE_MB") * _MB) // self.share

    @property
    def max_entries(self) -> int:
        return config.whole("BALANCER_CACHE_ENTRIES") * self.entries_times

    @property
    def ttl(self) -> float:
        return float(config.whole("BALANCER_CACHE_TTL"))


UPLOADS = ConfiguredCache()
PROFILES = ConfiguredCache(share=16, entries_times=4)
EXPORTS = ConfiguredCache(share=4)


def frame_bytes(frame: pd.DataFrame) -> int:
    """A table's size in memory (object columns counted deeply)."""
    return int(frame.memory_usage(index=True, deep=True).sum())


def read_upload(data: bytes, name: str, digest: str | None = None, *, sheet: str | None = None,
                header_row: int | None = None) -> pd.DataFrame:
    """Parse uploaded bytes in a job slot, or return the cached table for the same bytes, name,
    sheet, header row and limits (a BalancerError is raised, not cached). ``digest``: the bytes'
    SHA-256 when the caller has it already."""
    key = ("upload", digest or hashlib.sha256(data).hexdigest(), name, sheet, header_row, Limits.from_env())
    frame = UPLOADS.get(key)
    if frame is None:
        frame = heavy(lambda: balancer.read_table(data, name=name, sheet=sheet, header_row=header_row))
        UPLOADS.put(key, frame, frame_bytes(frame))
    return frame.copy(deep=False)


@st.cache_data(max_entries=8, show_spinner=False)
def sample(name: str) -> pd.DataFrame:
    """A bundled sample (a few small tables that never change: ``st.cache_data``, without an
    expiry, is enough)."""
    return load_sample(name)


def cached_profile(key: str, _frame: pd.DataFrame, target: str | None, *,
                   strict: bool = False) -> Profile:
    """The profile of a table identified by its content key, computed in a job slot when it is not
    cached. ``strict``: raise ``ServerBusy`` when no slot frees up in time (the Data page, where
    the error is shown); otherwise profile anyway after the wait, so a page can draw."""
    cache_key = ("profile", key, target)
    found = PROFILES.get(cache_key)
    if found is None:
        found = heavy(lambda: balancer.profile(_frame, target), run_when_busy=not strict)
        PROFILES.put(cache_key, found, len(pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL)))
    return copy.deepcopy(found)


def csv_bytes(key: tuple[object, ...], _frame: pd.DataFrame, dialect: Dialect | None = None) -> bytes:
    """The CSV export of a result identified by ``key``, in ``dialect`` (cached when it fits the
    exports' share of ``BALANCER_CACHE_MB``)."""
    cache_key = ("csv", *key, dialect)
    payload = EXPORTS.get(cache_key)
    if payload is None:
        # (UTF-8 with a byte order mark if the input's legacy encoding cannot hold a character)
        payload = balancer.write_csv(_frame, dialect=None if dialect is None else writable(_frame, dialect))
        EXPORTS.put(cache_key, payload, len(payload))
    return payload


def clear() -> None:
    """Forget every cached upload, profile and export."""
    for cache in (UPLOADS, PROFILES, EXPORTS):
        cache.clear()

