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

from balancer import config
from balancer.profiling import Profile

# ---- every session_state key that is not a single page's own widget, in one place
DATASET = "dataset"          # the current Dataset
CHOICES = "choices"          # widget key -> last value, restored when a page is shown again
RESULTS = "results"          # request key -> result, bounded
RESULT_BYTES = "result_bytes"  # request key -> memory of the table its result holds
LOAD_ERROR = "load_error"    # the last upload error, shown until the next good load
SAMPLING_STRATEGIES = "sampling_strategies"  # tactic name -> sampling_strategy chosen on Balance
SAMPLE_DIGESTS = "sample_digests"            # sample content key -> SHA-256 of its CSV export
UPLOAD_SEEN = "upload_seen"  # file id of the upload already loaded (a rerun does not load it again)
SAMPLE_SEEN = "sample_seen"  # the sample chosen on the last run (a new choice loads it)
SAVED_RUNS = "saved_runs"    # request key -> how its result was saved in the run store (ui/runs.py)
DELETING = "deleting"        # the run id whose deletion awaits confirmation (History)
HISTORY_MESSAGE = "history_message"  # what the last share/delete on History did, shown once
HISTORY_LINK = "history_link"  # the runs of the ?run= link History has opened (a new link reopens)
APPLY = "apply"              # the tactic Compare's Apply asked the Balance page to resample with
COSTS = ("cost_fn", "cost_fp", "use_costs")  # the error costs both Evaluate and Compare show (kept names)
W_COSTS = ("w_cost_", "w_cmp_cost_", "w_use_costs", "w_cmp_use_costs")  # their widgets' keys begin so
# widget keys that more than one page reads (through CHOICES)
W_TARGET = "w_target"
W_STRATEGY = "w_strategy"
W_SEED = "w_seed"
W_SAMPLING_PREFIX = "w_ss"   # the sampling-strategy widgets (tied to the table's classes)
W_KEEP_FILE = "w_keep_file"  # Balance's `Keep the resampled file`
W_SHARE = "w_share"          # the sidebar's `Share with the team` (for runs saved from now on)
W_OPEN = "w_hist_open"       # History's `Open runs` (kept in step with the `?run=ID` query parameter)
QUERY_RUN = "run"            # the query parameter of a run's link: .../history?run=ID
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
    for key in [k for k in list(choices) + list(st.session_state) if str(k).startswith((W_TARGET, W_SAMPLING_PREFIX))]:
        choices.pop(key, None)
        st.session_state.pop(key, None)
    # error costs name the old table's classes (which one is positive): not carried to another
    for key in COSTS:
        choices.pop(key, None)
    for key in [k for k in st.session_state if str(k).startswith(W_COSTS)]:
        st.session_state.pop(key, None)
    st.session_state.pop(LOAD_ERROR, None)


def target() -> str | None:
    """The chosen target column (kept across pages)."""
    return choice(W_TARGET)


def choice(key: str, default: Any = None) -> Any:
    """The last value of a widget, as kept for the pages that did not draw it."""
    value = st.session_state.get(CHOICES, {}).get(key)
    return default if value is None else value


def choose(key: str, value: Any) -> None:
    """Preselect ``value`` for a widget drawn on another page (it is drawn with it next time)."""
    st.session_state.setdefault(CHOICES, {})[key] = value
    st.session_state.pop(key, None)


def choose_value(key: str, value: Any) -> None:
    """Keep a value that no widget owns (an edited table's content) for the next time its page is
    shown; read it back with :func:`choice`."""
    st.session_state.setdefault(CHOICES, {})[key] = value


def set_sampling_strategy(tactic: str, value: Any) -> None:
    """Keep the sampling_strategy chosen for a tactic on the Balance page (Evaluate reuses it)."""
    st.session_state.setdefault(SAMPLING_STRATEGIES, {})[tactic] = value


def sampling_strategy(tactic: str) -> Any:
    """The sampling_strategy last chosen for a tactic, or None."""
    return st.session_state.get(SAMPLING_STRATEGIES, {}).get(tactic)


def seen(key: str, value: Any) -> bool:
    """Remember ``value`` under ``key`` (UPLOAD_SEEN, SAMPLE_SEEN); True when it is new (it differs
    from the value remembered before, or nothing was)."""
    new = st.session_state.get(key) != value
    if value is None:
        st.session_state.pop(key, None)
    else:
        st.session_state[key] = value
    return new


def sample_digest(current: Dataset) -> str:
    """The SHA-256 of a dataset: of its upload, or of a sample's CSV export (computed once)."""
    if current.sha256 is not None:
        return current.sha256
    from balancer.recipe import frame_sha256

    digests = st.session_state.setdefault(SAMPLE_DIGESTS, {})
    if current.key not in digests:
        digests[current.key] = frame_sha256(current.frame)
    return str(digests[current.key])


def remember(key: str, default: Any = None) -> None:
    """Before a widget is drawn: give it back the value it had when its page was last shown."""
    remember_as(key, key, default)


def save(key: str) -> Any:
    """After a widget is drawn: keep its value for the next time its page is shown."""
    return save_as(key, key)


def remember_as(key: str, kept: str, default: Any = None) -> None:
    """:func:`remember` for a widget whose value is kept under another name, shared by widgets on
    several pages (each page's widget needs its own key: two pages' widgets with one key do not
    share a value)."""
    choices = st.session_state.setdefault(CHOICES, {})
    if key not in st.session_state:
        if kept in choices:
            st.session_state[key] = choices[kept]
        elif default is not None:
            st.session_state[key] = default


def save_as(key: str, kept: str) -> Any:
    """:func:`save` under the name ``kept``."""
    value = st.session_state.get(key)
    st.session_state.setdefault(CHOICES, {})[kept] = value
    return value


def result(key: tuple[Any, ...]) -> Any:
    """A stored result for this request, or None."""
    return st.session_state.get(RESULTS, {}).get(key)


def apply(tactic: str) -> None:
    """Choose ``tactic`` on the Balance page and ask that page to resample with it once it opens
    (Compare's Apply button): the user sees the new result, not the one from before."""
    choose(W_STRATEGY, tactic)
    st.session_state[APPLY] = tactic


def take_apply(tactic: str) -> bool:
    """On the Balance page: whether a resample with ``tactic`` was asked for by Apply (once)."""
    return st.session_state.pop(APPLY, None) == tactic


def store(key: tuple[Any, ...], value: Any) -> None:
    """Keep a result for this request. The oldest are dropped past MAX_RESULTS, and past the
    memory one table may take (``BALANCER_MAX_MEMORY_MB``) for the resampled tables they hold
    together: twelve results of 2 GB each were kept for one session. The newest is always kept."""
    results: OrderedDict[tuple[Any, ...], Any] = st.session_state.setdefault(RESULTS, OrderedDict())
    sizes: dict[tuple[Any, ...], int] = st.session_state.setdefault(RESULT_BYTES, {})
    results[key] = value
    results.move_to_end(key)
    sizes[key] = _table_bytes(value)
    budget = config.number("BALANCER_MAX_MEMORY_MB") * 1024**2
    while len(results) > 1 and (len(results) > MAX_RESULTS or sum(sizes.get(k, 0) for k in results) > budget):
        dropped, _ = results.popitem(last=False)
        sizes.pop(dropped, None)


def _table_bytes(value: Any) -> int:
    """The memory of the table a result holds (a resampled table); 0 for the others (metrics)."""
    frame = getattr(value, "data", None)
    return int(frame.memory_usage(index=True, deep=True).sum()) if isinstance(frame, pd.DataFrame) else 0


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
