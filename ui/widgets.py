"""Shared widgets: the sidebar, error display, plain text, and registry-driven parameter forms."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from balancer.decision import MAX_COST
from balancer.errors import BalancerError
from balancer.profiling import label_str
from balancer.strategies import SAMPLING_STRATEGY_NAMES, Param, Strategy
from balancer.tables import Dialect

from . import state

T = TypeVar("T")
log = logging.getLogger("balancer.ui")
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
_LINKS = re.compile(r"(?i):/|www\.|@")


def plain(text: object) -> str:
    """Escape text from a user's data so Markdown shows it as it is (never as markup, HTML or a link).

    Escaping alone does not stop links: Streamlit's Markdown turns bare URLs, ``www.`` names and
    e-mail addresses into links after escapes are resolved, so an invisible word joiner (U+2060)
    is put inside ``://``, ``www.`` and ``@``, which breaks those patterns.
    """
    text = _LINKS.sub(lambda m: m.group(0)[:-1] + "\u2060" + m.group(0)[-1], str(text))
    return _MARKDOWN.sub(r"\\\1", text)


def run_safely(fn: Callable[[], T]) -> T | None:
    """Run library work; show a BalancerError with st.error and anything else as a plain bug note.

    The user's dataset and choices are untouched either way.
    """
    try:
        return fn()
    except BalancerError as exc:
        st.error(plain(exc), icon=":material/error:")
    except MemoryError:
        st.error("This needs more memory than the server has. Try a smaller table or a sampler "
                 "that removes rows.", icon=":material/error:")
    except Exception as exc:  # a bug: log the traceback on the server, show one line
        log.exception("internal error")
        st.error(plain(f"Something went wrong inside Balancer ({type(exc).__name__}). Your data "
                       "and choices are kept; please report this."), icon=":material/error:")
    return None


def sidebar(slot: Any = None) -> None:
    """The dataset's name, rows, target and imbalance ratio, on every page; into ``slot`` (an
    ``st.sidebar.empty()``, whose content a second call replaces) when given."""
    current = state.dataset()
    with slot.container() if slot is not None else st.sidebar:
        st.markdown("### Dataset")
        if current is None:
            st.caption("No dataset yet: open the Data page.")
            return
        st.markdown(f"**{plain(current.name)}**")
        st.caption(f"{len(current.frame):,} rows · {current.frame.shape[1]} columns")
        chosen = state.target()
        if chosen and chosen in current.frame.columns:
            profile = state.profile_of(current, chosen)
            st.caption(f"Target: {plain(chosen)}")
            if profile.imbalance_ratio:
                st.metric("Imbalance ratio", f"{profile.imbalance_ratio:,.1f} : 1",
                          help="rows of the largest class per row of the smallest")


def need_dataset() -> tuple[state.Dataset, str] | None:
    """The dataset and target, or a note pointing to the Data page."""
    current = state.dataset()
    chosen = state.target()
    if current is None or not chosen or chosen not in current.frame.columns:
        st.info("Choose a dataset and its target column on the Data page first.")
        st.page_link("pages/data.py", label="Go to Data", icon=":material/table:")
        return None
    return current, chosen


def param_input(strategy: Strategy, param: Param) -> Any:
    """Draw one parameter's input from the registry (bounds, default, help); return its value."""
    key = f"w_param_{strategy.name}_{param.name}"
    state.remember(key)
    label = param.name
    kwargs: dict[str, Any] = {"key": key, "help": param.help}
    if param.kind in ("int", "float"):
        is_int = param.kind == "int"
        cast: Callable[[float], Any] = int if is_int else float
        if key not in st.session_state:
            kwargs["value"] = None if param.default is None else cast(param.default)
        value = st.number_input(
            label,
            min_value=None if param.low is None else cast(param.low),
            max_value=None if param.high is None else cast(param.high),
            step=1 if is_int else 0.05,
            placeholder=param.none_label if param.optional else None,
            **kwargs,
        )
    elif param.kind == "bool":
        if key not in st.session_state:
            kwargs["value"] = bool(param.default)
        value = st.checkbox(label, **kwargs)
    elif param.kind == "choice":
        options = list(param.choices)
        if key not in st.session_state:
            kwargs["index"] = options.index(param.default)
        value = st.selectbox(label, options, **kwargs)
    else:
        if key not in st.session_state:
            kwargs["value"] = str(param.default)
        value = st.text_input(label, **kwargs)
    state.save(key)
    return value


# --------------------------------------------------------------------------------------------
# the strategy form, shared by Balance and Evaluate

SS_HELP = ("Which classes to resample. 'auto' balances every class against the largest (over-) or "
           "smallest (under-sampling); a ratio sets minority/majority after resampling; counts set "
           "each class's rows.")


def strategy_choice(key: str = state.W_STRATEGY, include: tuple[str, ...] = ()) -> Strategy:
    """The Strategy selectbox, grouped by family, with the chosen tactic's one-line description."""
    from balancer import strategies

    names = [*include, *strategies.sampler_names()]
    state.remember(key, "SMOTE")
    if st.session_state.get(key) not in names:
        st.session_state[key] = "SMOTE"
    name = st.selectbox(
        "Strategy", names, key=key,
        format_func=lambda n: f"{strategies.FAMILIES[strategies.get(n).family]} · {n}",
        help="Every imbalanced-learn sampler, grouped by family.")
    state.save(key)
    chosen = strategies.get(name)
    st.caption(chosen.description)
    return chosen


def sampling_strategy_input(strategy: Strategy, counts: dict[Any, int]) -> Any:
    """Sampling strategy: a name, a ratio (two classes) or per-class counts in an editable table."""
    import pandas as pd

    kind = strategy.sampling_type or "over-sampling"
    options = list(SAMPLING_STRATEGY_NAMES[kind])
    if strategy.counts_controllable:
        if len(counts) == 2:
            options.append("ratio")
        options.append("per-class counts")
    key = f"w_ss_mode_{strategy.name}"
    state.remember(key, "auto")
    if st.session_state.get(key) not in options:
        st.session_state[key] = "auto"
    mode = st.selectbox("Sampling strategy", options, key=key, help=SS_HELP)
    state.save(key)
    if mode == "ratio":
        current = min(counts.values()) / max(counts.values())
        low = min(1.0, round(current + 0.005, 2))
        ratio_key = f"w_ss_ratio_{strategy.name}"
        state.remember(ratio_key, 1.0)
        value = st.slider("Minority / majority after resampling", low, 1.0, key=ratio_key, step=0.01)
        state.save(ratio_key)
        return float(value)
    if mode == "per-class counts":
        over = kind == "over-sampling"
        table_key = f"w_ss_counts_{strategy.name}"
        target_count = max(counts.values()) if over else min(counts.values())
        frame = pd.DataFrame({"class": [label_str(k) for k in counts], "rows now": list(counts.values()),
                              "rows wanted": [target_count if (over and v < target_count) or
                                              (not over and v > target_count) else v
                                              for v in counts.values()]})
        edited = st.data_editor(frame, key=table_key, hide_index=True, disabled=["class", "rows now"],
                                column_config={"rows wanted": st.column_config.NumberColumn(min_value=0, step=1)})
        return {row["class"]: int(row["rows wanted"]) for _, row in edited.iterrows()
                if int(row["rows wanted"]) != int(row["rows now"])} or "auto"
    return mode


def strategy_params(strategy: Strategy) -> dict[str, Any]:
    """The registry-generated parameter form; returns the values that differ from the defaults."""
    values: dict[str, Any] = {}
    if not strategy.params:
        return values
    columns = st.columns(min(3, len(strategy.params)))
    for i, param in enumerate(strategy.params):
        with columns[i % len(columns)]:
            value = param_input(strategy, param)
        if value is not None and value != param.default:
            values[param.name] = value
    return values


def chosen_request() -> tuple[str, dict[str, Any]]:
    """The strategy and parameters last chosen on the Balance page (for Evaluate)."""
    from balancer import strategies

    name = state.choice(state.W_STRATEGY, "SMOTE")
    strategy = strategies.get(name)
    params: dict[str, Any] = {}
    for param in strategy.params:
        value = state.choice(f"w_param_{name}_{param.name}")
        if value is not None and value != param.default:
            params[param.name] = value
    ss = state.sampling_strategy(name)
    if ss not in (None, "auto"):
        params["sampling_strategy"] = ss
    return name, params


# --------------------------------------------------------------------------------------------
# recipes, reports and code export


def export_buttons(kind: str, made: Any, dialect: Dialect | None = None, **results: Any) -> None:
    """`Download recipe`, `Download report` and `Download Python script` for a result (the
    script writes its balanced file in ``dialect``, the page's `Format`; default: the input's).

    The recipe is sent with the page; the report and the script are built only when their button
    is pressed.
    """
    from pathlib import Path

    from balancer import report
    from balancer.codegen import python_script

    current = state.dataset()
    if current is None:
        return
    import dataclasses

    made = dataclasses.replace(made, input_sha256=state.sample_digest(current), input_name=current.name)
    text = made.to_json()
    stem = Path(current.name).stem
    frame, target = current.frame, made.target
    left, middle, right = st.columns(3)
    left.download_button("Download recipe", text, file_name=f"{stem}_{kind}_recipe.json",
                         mime="application/json", key=f"recipe_{kind}", on_click="ignore",
                         help="Replay anywhere: balancer run recipe.json DATA --out out.csv")
    middle.download_button(
        "Download report",
        lambda: report.build(current.name, state.profile_of(current, target), recipe=made, **results),
        file_name=f"{stem}_{kind}_report.html", mime="text/html", key=f"report_{kind}", on_click="ignore",
        help="One HTML file with the charts and tables; opens offline.")
    if kind != "compare":
        right.download_button(
            "Download Python script", lambda: python_script(made, frame, dialect=dialect),
            file_name=f"{stem}_{kind}.py", mime="text/x-python", key=f"code_{kind}", on_click="ignore",
            help="pandas + imbalanced-learn code that reproduces this without Balancer.")


def signed(change: float, digits: int) -> str:
    """A change with its sign, rounded first: a change that rounds to zero is "+0.000", never
    "-0.000" (shown as a loss)."""
    return f"{round(change, digits) + 0.0:+,.{digits}f}"


def costs_input(classes: dict[Any, int], page: str = "") -> dict[str, float] | None:
    """Error costs, or None when the user set none. Two classes: ``Cost of a missed positive`` and
    ``Cost of a false alarm`` (the minority class is the positive); more classes: a cost matrix (true
    class in rows, predicted in columns; 1 for every error at first). An error cost left blank
    counts as 1, and the page says so. The costs are kept across page switches (the matrix for the
    same classes); a negative or a correct prediction's cost reaches the library, which refuses it
    with its reason when the user runs.

    ``page`` prefixes the widgets' keys (``w_cost_fn`` on Evaluate, ``w_cmp_cost_fn`` on Compare):
    two pages' widgets with one key do not share a value in Streamlit (going from Evaluate straight
    to Compare showed the costs as not set). Both pages keep their costs under the same names, so
    costs set on one page are there on the other."""
    labels = list(classes)
    fn_key, fp_key, use_key, matrix_key = (f"w_{page}cost_fn", f"w_{page}cost_fp", f"w_{page}use_costs",
                                           f"w_{page}cost_matrix")
    if len(labels) == 2:
        positive, negative = label_str(labels[-1]), label_str(labels[0])
        missed, alarm = st.columns(2)
        state.remember_as(fn_key, "cost_fn")
        state.remember_as(fp_key, "cost_fp")
        fn = missed.number_input("Cost of a missed positive", min_value=0.0, max_value=MAX_COST, value=None, step=1.0,
                                 key=fn_key, placeholder="not set",
                                 help=f"What it costs when a {plain(repr(positive))} row is predicted "
                                      f"{plain(repr(negative))}.")
        fp = alarm.number_input("Cost of a false alarm", min_value=0.0, max_value=MAX_COST, value=None, step=1.0,
                                key=fp_key, placeholder="not set",
                                help=f"What it costs when a {plain(repr(negative))} row is predicted "
                                     f"{plain(repr(positive))}.")
        state.save_as(fn_key, "cost_fn")
        state.save_as(fp_key, "cost_fp")
        if fn is None and fp is None:
            return None
        if fn is None or fp is None:
            st.caption(f"The {'cost of a missed positive' if fn is None else 'cost of a false alarm'} is not "
                       "set: it counts as 1.")
        return {"fn": 1.0 if fn is None else float(fn), "fp": 1.0 if fp is None else float(fp)}
    state.remember_as(use_key, "use_costs", False)
    use = st.toggle("Error costs", key=use_key,
                    help="What each kind of error costs: the decisions then minimise the expected cost.")
    state.save_as(use_key, "use_costs")
    if not use:
        return None
    names = [label_str(label) for label in labels]
    kept = f"cost_matrix {names!r}"  # the edited matrix, kept for these classes (CHOICES, not a widget's)
    # the editor's data stays the same while it is on the page (its edits are relative to it; new
    # data made it send a second update that cancelled the click that came with an edit): the kept
    # matrix when the page is shown anew, then that until the page is left
    base_key = f"{matrix_key} base"
    base = st.session_state.get(base_key)
    if matrix_key not in st.session_state or not base or base[0] != names:
        saved = state.choice(kept)
        base = (names, saved if saved is not None else [[0.0 if t == p else 1.0 for p in names] for t in names])
        st.session_state[base_key] = base
    start = pd.DataFrame(base[1], index=names, columns=names, dtype=float)
    # no min_value: the editor dropped a typed minus sign (-7 became 7, silently); the library says why
    # a negative cost is refused
    matrix = st.data_editor(start, key=matrix_key, disabled=False,
                            column_config={n: st.column_config.NumberColumn(max_value=MAX_COST) for n in names})
    state.choose_value(kept, matrix.to_numpy(dtype=float).tolist())
    blank = [(t, p) for t in names for p in names if t != p and pd.isna(matrix.loc[t, p])]
    st.caption("Rows: the true class; columns: the class predicted. A correct prediction costs 0."
               + (f" {len(blank)} error cost{'s' if len(blank) > 1 else ''} left blank count{'' if len(blank) > 1 else 's'}"
                  " as 1." if blank else ""))
    costs = {f"{t},{p}": 1.0 if pd.isna(matrix.loc[t, p]) else float(matrix.loc[t, p])
             for t in names for p in names if t != p}
    costs.update({f"{t},{t}": float(matrix.loc[t, t]) for t in names
                  if not pd.isna(matrix.loc[t, t]) and matrix.loc[t, t] != 0})  # refused, with the reason
    return costs


CALIBRATIONS = {
    "auto": "auto (prior when the tactic changes the class balance)",
    "none": "none",
    "prior": "prior (closed form from the class rates)",
    "sigmoid": "sigmoid (Platt, inside the training folds)",
    "isotonic": "isotonic (inside the training folds)",
}


def calibration_choice() -> str | None:
    """``Calibration``: None lets Balancer choose (prior when the tactic changes the balance)."""
    state.remember("w_calibration", "auto")
    chosen = st.selectbox("Calibration", list(CALIBRATIONS), key="w_calibration",
                          format_func=CALIBRATIONS.__getitem__,
                          help="Resampling and class weights bend probabilities towards the rare "
                               "classes; a correction brings them back to the real rates.")
    state.save("w_calibration")
    return None if chosen == "auto" else chosen


def dialect_choice(found: Dialect) -> Dialect:
    """``Format`` next to the download: the input's delimiter, decimal mark and encoding (the
    default, so a spreadsheet opens the file as it opened the input) or standard CSV."""
    words = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
    mark = "decimal comma" if found.decimal == "," else "decimal point"
    encoding = {"utf-8-sig": ", UTF-8 with BOM", "utf-16": ", UTF-16", "cp1252": ", Windows-1252",
                "latin-1": ", Latin-1"}.get(found.encoding, "")
    options = {"input": f"As the input ({words.get(found.delimiter, repr(found.delimiter))}, {mark}{encoding})",
               "standard": "Standard CSV (comma, decimal point, UTF-8)"}
    state.remember("w_dialect", "input")
    chosen = st.radio("Format", list(options), format_func=options.__getitem__, key="w_dialect",
                      horizontal=True, help="Either way the file is RFC 4180 CSV, with cells that a "
                      "spreadsheet would run as formulas escaped.")
    state.save("w_dialect")
    return found if chosen == "input" else found.standard()


def shown_result(request: tuple[Any, ...], prompt: str,
                 stale: str | Callable[[Any], str] | None = None) -> Any:
    """The result a page shows for ``request`` (see ``state.shown``); with none yet, ``prompt`` and
    stop the page; with an older one, say so above it (``stale``, or ``stale(result)``)."""
    result, fresh = state.shown(request)
    if result is None:
        st.info(prompt)
        st.stop()
    if not fresh and stale:
        st.caption(stale(result) if callable(stale) else stale)
    return result


def run_with_progress(work: Callable[[Callable[[float, str], None]], T], prefix: str = "",
                      cancel_key: str = "cancel", timing: bool = True) -> T | None:
    """Run heavy library work in a job slot with a progress bar and a ``Cancel`` button, errors
    shown as ``run_safely`` does.

    ``work`` receives the progress callback ``(share, text)`` that the library functions accept;
    the bar says what runs, the time spent and an estimate of what is left (``timing=False``: the
    work's own text says it already). ``Cancel`` asks
    Streamlit for a rerun, which stops this run at its next progress report (between folds):
    the job slot is released on the way out, the previous result stays on screen, and the page
    says the work was cancelled (:func:`cancelled`).
    """
    from .jobs import heavy

    bar = st.progress(0.0, text="Starting...")
    stop = st.empty()  # the button leaves the page with the bar when the work ends
    stop.button("Cancel", key=cancel_key, help="Stop this job (within a few seconds, between folds); "
                                               "the previous result stays on screen.")
    started = time.monotonic()

    def report(share: float, text: str) -> None:
        spent = _timing(time.monotonic() - started, share) if timing else ""
        bar.progress(min(1.0, share), text=prefix + text + spent)

    try:
        return run_safely(lambda: heavy(lambda: work(report)))
    finally:
        bar.empty()
        stop.empty()


def cancelled(cancel_key: str = "cancel") -> None:
    """Say so when this run follows a click on ``Cancel`` (the work it stopped left no result)."""
    if st.session_state.get(cancel_key):
        st.info("Cancelled: the job was stopped and its server slot freed; the previous result, "
                "if any, is kept.", icon=":material/cancel:")


def _timing(elapsed: float, share: float) -> str:
    """" · 42 s so far, about 1 min left" (no estimate before a tenth of the work is done)."""
    text = f" · {_duration(elapsed)} so far"
    if 0.1 <= share < 1:
        text += f", about {_duration(elapsed / share * (1 - share))} left"
    return text


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{seconds // 60:.0f} min {seconds % 60:02.0f} s"
