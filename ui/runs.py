"""Saved runs in the dashboard: the store, saving a result once, and the History page's viewer.

- **The store.** One :class:`~balancer.store.Store` per server and database
  (``st.cache_resource`` keyed by the database's URL, so a test's temporary file or a changed
  ``BALANCER_DB`` gets its own), opened lazily: a server starts, and pages draw, with the database
  down. The store is server-wide plumbing, nothing user-specific; who asks is a
  :class:`~balancer.store.Viewer` made per run from :mod:`ui.auth`.
- **Saving.** :func:`save_run` is called by Balance, Evaluate and Compare at the end of the page,
  with the page's request key (the tuple its result is stored under in ``ui.state``). A result is
  saved when it is new for its request: once, not on every rerun. Pressing the button again for the
  same request saves again only when the last save failed, or when the file is now to be kept and
  was not. The recipe is the one the page's download buttons give and the report the one
  ``Download report`` builds (``balancer.report.build``). A save never stops a page: the store's
  own failures and anything else come back as a "Not saved: ..." notice under the result.
- **The viewer.** :func:`show_run` and :func:`side_by_side` draw one run or two (pages/history.py
  chooses them); every text from a run (dataset, target, tactic, user names) goes through
  ``plain()``; the report is offered as a download, never embedded in the page.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

import pandas as pd
import streamlit as st

from balancer import METRICS, config, report
from balancer.compare import Comparison, model_label
from balancer.errors import BalancerError
from balancer.evaluate import Evaluation, mean_and_std
from balancer.metrics import CALIBRATION, COST_METRICS
from balancer.profiling import Profile, label_str
from balancer.recipe import Recipe
from balancer.resample import Resampled
from balancer.store import NewRun, NotFound, Run, RunSummary, Saved, Store, open_store
from balancer.store.database import configured_url

from . import state
from .auth import Identity, identity, refuse
from .widgets import plain

log = logging.getLogger("balancer.ui")

#: Seconds any wait on the database may take (connecting, a pooled connection, SQLite's lock).
TIMEOUT = 5.0
#: Runs the History page lists at once (the filters narrow them).
LISTED = 100
#: Requests whose save outcome a session remembers.
MAX_SAVED = 64
HISTORY = "pages/history.py"
#: Every figure a run's scores may hold, by name: (label, meaning).
FIGURES = {**METRICS, **COST_METRICS, **CALIBRATION}


# --------------------------------------------------------------------------------------------
# the store and who asks


def _close(opened: Store) -> None:
    opened.close()


@st.cache_resource(show_spinner=False, max_entries=4, on_release=_close)
def _opened(url: str) -> Store:
    return open_store(url, timeout=TIMEOUT)


def run_store() -> Store:
    """The configured run store (one per server and database); a ConfigError for a bad URL."""
    return _opened(configured_url().render_as_string(hide_password=False))


def saving_on() -> bool:
    """Whether this server saves runs (BALANCER_SAVE_RUNS)."""
    return config.flag("BALANCER_SAVE_RUNS")


def user() -> Identity:
    """Who this session is. app.py refuses a session the server cannot name before any page
    runs; a page run some other way (AppTest reruns a page without app.py) is refused here too."""
    found = identity()
    if found is None:
        refuse()
    assert found is not None  # refuse() stops the script
    return found


# --------------------------------------------------------------------------------------------
# saving


@dataclasses.dataclass(frozen=True)
class _Outcome:
    """How the result of one request was saved: which result object, the store's answer, and
    whether the user asked for the file."""

    result_id: int
    saved: Saved
    wanted_file: bool


def keep_file_choice() -> bool:
    """``Keep the resampled file`` (Balance): keep the CSV with the saved run, up to
    BALANCER_KEEP_MB. False when saving is off or the server keeps no files."""
    if not saving_on():
        return False
    limit = config.number("BALANCER_KEEP_MB")
    state.remember(state.W_KEEP_FILE, False)
    keep = st.checkbox(
        "Keep the resampled file", key=state.W_KEEP_FILE, disabled=limit == 0,
        help=("This server keeps no files (BALANCER_KEEP_MB=0)." if limit == 0 else
              f"Save the resampled CSV with the run, to download it again from the History page. "
              f"Files up to {limit:,g} MB are kept (BALANCER_KEEP_MB); the recipe always is."))
    state.save(state.W_KEEP_FILE)
    return bool(keep) and limit > 0


def share_choice() -> bool:
    """Whether runs saved now are shared with the team (the sidebar's ``Share with the team``)."""
    return bool(state.choice(state.W_SHARE, True))


def save_run(request: tuple[Any, ...], made: Recipe, *, resampled: Resampled | None = None,
             evaluation: Evaluation | None = None, comparison: Comparison | None = None,
             file: bytes | None = None) -> None:
    """Save the result a page shows for ``request`` once, and say how it went (see the module).

    ``made`` is the recipe the page's ``Download recipe`` gives; the result is the one given as
    ``resampled``, ``evaluation`` or ``comparison``; ``file`` the CSV to keep with it, if asked.
    A result shown for older choices (not ``request``'s own) is not saved again: its notice is.
    """
    if not saving_on():
        return
    result = next((r for r in (resampled, evaluation, comparison) if r is not None), None)
    if result is None:
        return
    outcomes: OrderedDict[tuple[Any, ...], _Outcome] = st.session_state.setdefault(state.SAVED_RUNS, OrderedDict())
    found = outcomes.get(request)
    if state.result(request) is result:
        if _save_again(found, result, file):
            with st.spinner("Saving the run..."):
                saved = _save(made, file, resampled=resampled, evaluation=evaluation, comparison=comparison)
            found = _Outcome(id(result), saved, file is not None)
            outcomes[request] = found
            outcomes.move_to_end(request)
            while len(outcomes) > MAX_SAVED:
                outcomes.popitem(last=False)
    else:
        found = next((o for o in outcomes.values() if o.result_id == id(result)), None)
    if found is not None and found.result_id == id(result):
        _notice(found)


def _save_again(found: _Outcome | None, result: Any, file: bytes | None) -> bool:
    """Whether to save now: never for a rerun of a saved result; for a new result of the same
    request, when the last save failed or the file it did not keep is wanted now."""
    if found is None:
        return True
    if found.result_id == id(result):
        return False
    return not found.saved.saved or (file is not None and not found.saved.file_kept)


def _save(made: Recipe, file: bytes | None, **results: Any) -> Saved:
    """Build the run (recipe, report, metrics) and hand it to the store; never raises."""
    who = user()
    try:
        current = state.dataset()
        if current is None:
            return Saved(False, None, "Not saved: the dataset is no longer loaded.")
        made = dataclasses.replace(made, input_sha256=state.sample_digest(current), input_name=current.name)
        profile = state.profile_of(current, made.target)
        html = report.build(current.name, profile, recipe=made, **results)
        new = NewRun.from_recipe(made, rows=len(current.frame), columns=current.frame.shape[1],
                                 metrics=summarise(profile, **results), report=html,
                                 shared=share_choice(), file=file)
        return run_store().save(who.viewer, new)
    except BalancerError as exc:  # a bad BALANCER_DATABASE_URL, a report that cannot be built
        return Saved(False, None, f"Not saved: {exc}")
    except Exception as exc:  # a bug: the page goes on, the log has it
        log.exception("saving a run failed")
        return Saved(False, None, f"Not saved: an internal error ({type(exc).__name__}; it is in the "
                                  "server log). The result above is unaffected.")


def _notice(outcome: _Outcome) -> None:
    """Under the result: where it was saved (with a link to it), or why it was not."""
    saved = outcome.saved
    if not saved.saved:
        st.warning(plain(saved.message), icon=":material/cloud_off:")
        return
    if outcome.wanted_file and not saved.file_kept:
        st.warning(plain(saved.message), icon=":material/info:")
    else:
        st.caption(plain(saved.message) + (" The resampled file is kept with it." if saved.file_kept else ""))
    st.page_link(HISTORY, label=f"Open run {plain(saved.run_id)} in History", icon=":material/history:",
                 query_params={state.QUERY_RUN: str(saved.run_id)})


def summarise(profile: Profile, *, resampled: Resampled | None = None, evaluation: Evaluation | None = None,
              comparison: Comparison | None = None) -> dict[str, Any]:
    """What a saved run keeps as its metrics: the input's class counts, and per kind the counts
    before and after (resample), the scores and the baseline's (evaluate), or the ranking and the
    best tactic's scores (compare)."""
    out: dict[str, Any] = {"classes": _counts(profile.classes)}
    if resampled is not None:
        out |= {"ran": resampled.method, "rows_in": resampled.rows_in, "rows_out": len(resampled.data),
                "synthetic_rows": resampled.synthetic_rows, "classes_before": _counts(resampled.before),
                "classes_after": _counts(resampled.after)}
    if evaluation is not None:
        out |= {"ran": evaluation.method, "model": evaluation.model, "scores": dict(evaluation.metrics),
                "std": dict(evaluation.std),
                "positive": None if evaluation.positive is None else label_str(evaluation.positive)}
        if evaluation.baseline is not None:
            out["baseline"] = dict(evaluation.baseline.metrics)
        _decision_figures(evaluation, out)
    if comparison is not None:
        best = comparison.best
        out |= {"metric": comparison.metric, "best": None if best is None else best.method,
                "best_model": None if best is None else best.model,
                "scores": {} if best is None else dict(best.metrics),
                "ranking": comparison.table().to_dict("records"),
                "costs": dict(comparison.costs) if comparison.costs else None,
                "skipped": [dict(s) for s in comparison.skipped]}
    return out


def _decision_figures(evaluation: Evaluation, out: dict[str, Any]) -> None:
    """Add an evaluation's costs and calibration to what a run keeps (they were left out, and runs
    with other costs looked alike in History): the expected cost among the scores (its spread from
    the fold costs) and the baseline's, what doing nothing costs, the threshold and the costs; the
    Brier score, log loss and ECE of the probabilities as the tactic gives them (after the
    calibration) and of no balancing."""
    scores, std, baseline = out["scores"], out["std"], out.setdefault("baseline", {})
    if evaluation.expected_cost is not None:
        scores["expected_cost"] = evaluation.expected_cost
        if len(evaluation.fold_costs) > 1:
            std["expected_cost"] = mean_and_std(evaluation.fold_costs)[1]
        if evaluation.baseline is not None and evaluation.baseline.expected_cost is not None:
            baseline["expected_cost"] = evaluation.baseline.expected_cost
        out |= {"doing_nothing": evaluation.expected_cost_baseline, "threshold": evaluation.threshold,
                "costs": None if evaluation.costs is None else evaluation.costs.to_dict()}
    if evaluation.calibration is not None:
        out["calibration"] = evaluation.calibration.method
        scores |= evaluation.calibration.scores.get("corrected") or {}
        baseline |= evaluation.calibration.scores.get("baseline") or {}
    if not baseline:
        del out["baseline"]


def _counts(counts: Mapping[Hashable, int]) -> dict[str, int]:
    return {label_str(k): int(v) for k, v in counts.items()}


# --------------------------------------------------------------------------------------------
# the sidebar


def sidebar(who: Identity) -> None:
    """Saving off, or (with sign-in) ``Share with the team`` for the runs saved from now on."""
    with st.sidebar:
        if not saving_on():
            st.caption("Saving runs is off on this server (BALANCER_SAVE_RUNS=0).")
            return
        if who.mode != "open":
            state.remember(state.W_SHARE, True)
            st.checkbox("Share with the team", key=state.W_SHARE,
                        help="Runs you save from now on are visible to the whole team; untick to keep "
                             "them to yourself (and the admins). Change a saved run on the History page.")
            state.save(state.W_SHARE)


# --------------------------------------------------------------------------------------------
# the viewer


def when(run: RunSummary) -> str:
    """The run's time in UTC, to the minute."""
    return run.created_at.strftime("%Y-%m-%d %H:%M UTC")


def headline(run: RunSummary) -> str:
    """The run's result in a few words, for the list."""
    m = run.metrics
    try:
        if run.kind == "resample":
            return f"{m['rows_in']:,} → {m['rows_out']:,} rows ({m['synthetic_rows']:,} synthetic)"
        if run.kind == "evaluate":
            cost = m["scores"].get("expected_cost")
            return ("" if cost is None else f"expected cost {_number(cost)}, ") + \
                f"F2 {_number(m['scores'].get('f2'))}, PR AUC {_number(m['scores'].get('pr_auc'))}"
        metric = str(m.get("metric") or "")
        label = _label(metric)
        return f"best {m.get('best') or 'none'} ({label} {_number(m['scores'].get(metric))})"
    except (KeyError, TypeError, AttributeError):
        return ""


def label(run: RunSummary) -> str:
    """One line naming a run (the ``Open runs`` choices)."""
    return f"{when(run)} · {run.kind} · {run.dataset} · {', '.join(run.tactics)} · {run.user} · {run.id}"


def listing(found: list[RunSummary]) -> pd.DataFrame:
    """The runs as the History page's table (plain values: a table never renders markup)."""
    return pd.DataFrame([{
        "when": when(run), "run": run.id, "kind": run.kind, "dataset": run.dataset, "target": run.target,
        "tactic": ", ".join(run.tactics), "result": headline(run), "user": run.user,
        "shared": run.shared, "file": _size(run.file_size),
    } for run in found])


def run_link(run_id: str) -> str:
    """The address that opens a run on the History page (``.../history?run=ID``)."""
    here = st.context.url
    path = f"history?{state.QUERY_RUN}={quote(run_id, safe='')}"
    return urljoin(here, path) if here else path


def show_run(found: Run, who: Identity, *, compact: bool = False) -> None:
    """One run: what, who, when, its link; results (metrics, class counts), parameters;
    downloads (recipe, report, kept file); for its owner or an admin, sharing and deleting."""
    tactics = ", ".join(found.tactics) or "-"
    if found.kind == "compare" and len(found.tactics) > 3:  # (all of them made a title of six lines)
        tactics = f"{len(found.tactics)} tactics"
    st.subheader(plain(f"{found.kind.capitalize()}: {tactics} on {found.dataset}"))
    seed = "" if found.seed is None else f" · seed {found.seed}"
    st.caption(plain(f"Run {found.id} by {found.user}, {when(found)} · target {found.target} · "
                     f"{found.rows:,} rows × {found.columns:,} columns{seed} · SHA-256 "
                     f"{found.dataset_sha256[:16]}… · {'shared with the team' if found.shared else 'private'}"))
    if found.note:
        st.caption(plain(f"Note: {found.note}"))
    st.code(run_link(found.id), language=None, wrap_lines=True)
    _results(found, compact)
    with st.expander("Parameters", expanded=not compact):
        st.json(found.parameters, expanded=True)
    _downloads(found, who)
    if found.user == who.name or who.admin:
        _owner_controls(found, who)


def _results(found: Run, compact: bool) -> None:
    m = found.metrics
    if found.kind == "resample":
        before, after = m.get("classes_before", {}), m.get("classes_after", {})
        ran = m.get("ran")
        if ran and ran not in found.tactics:
            st.caption(plain(f"{ran} ran (chosen for the table's columns)."))
        st.dataframe(pd.DataFrame({"class": list(before), "before": list(before.values()),
                                   "after": [after.get(k) for k in before]}),
                     hide_index=True, key=f"hist_counts_{found.id}")
        return
    decision = _decision_text(m)
    if decision:
        st.caption(plain(decision))
    st.dataframe(_scores_table(m), hide_index=True, key=f"hist_scores_{found.id}")
    if found.kind == "compare" and m.get("ranking"):
        st.dataframe(pd.DataFrame(m["ranking"]), hide_index=True, key=f"hist_ranking_{found.id}")
    classes = m.get("classes", {})
    if classes and not compact:
        st.dataframe(pd.DataFrame({"class": list(classes), "rows": list(classes.values())}),
                     hide_index=True, key=f"hist_classes_{found.id}")


def _decision_text(m: Mapping[str, Any]) -> str:
    """An evaluation's costs, the threshold they gave, what doing nothing costs and the calibration,
    in one line ("" when it had none)."""
    parts = []
    costs = m.get("costs")
    if costs:
        parts.append("error costs " + ", ".join(f"{k} {v:g}" for k, v in costs.items()))
    if isinstance(m.get("threshold"), (int, float)):
        parts.append(f"decision threshold {m['threshold']:.3f} (mean over folds)")
    if isinstance(m.get("doing_nothing"), (int, float)):
        parts.append(f"doing nothing costs {m['doing_nothing']:,.1f} per 1,000 rows")
    if m.get("calibration"):
        parts.append(f"calibration {m['calibration']}")
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:] if parts else ""


def _scores_table(m: Mapping[str, Any]) -> pd.DataFrame:
    scores, std, base = m.get("scores", {}), m.get("std", {}), m.get("baseline")
    names = _ordered(scores)
    table = pd.DataFrame({"metric": [_label(n) for n in names],
                          "value": [scores[n] for n in names]})
    if std:
        table["± std"] = [std.get(n) for n in names]
    if base:
        table["no balancing"] = [base.get(n) for n in names]
    return table


def _downloads(found: Run, who: Identity) -> None:
    stem = Path(found.dataset).stem or "run"
    left, middle, right = st.columns(3)
    left.download_button("Download recipe", found.recipe, file_name=f"{stem}_{found.kind}_{found.id}_recipe.json",
                         mime="application/json", key=f"hist_recipe_{found.id}", on_click="ignore",
                         help="Replay anywhere: balancer run recipe.json DATA --out out.csv")
    report_html = found.report
    middle.download_button("Download report", lambda: report_html, on_click="ignore",
                           file_name=f"{stem}_{found.kind}_{found.id}_report.html", mime="text/html",
                           key=f"hist_report_{found.id}", disabled=not report_html,
                           help="The HTML report saved with the run; opens offline.")
    if found.file_size is not None:
        run_id, viewer = found.id, who.viewer

        def kept() -> bytes:
            try:
                return run_store().get_file(viewer, run_id) or b""
            except BalancerError:  # the database went away since the page was drawn: the log says why
                log.exception("reading a kept file failed")
                return b""

        right.download_button("Download resampled file", kept, file_name=f"{stem}_{found.id}.csv",
                              mime="text/csv", on_click="ignore", key=f"hist_file_{found.id}",
                              help=f"The resampled CSV kept with the run ({_size(found.file_size)}).")


def _owner_controls(found: Run, who: Identity) -> None:
    """``Share with the team`` (not on an open server, where everyone is the same ``anonymous``)
    and ``Delete run`` (confirmed), for the run's owner or an admin."""
    key = f"w_hist_share_{found.id}"
    if who.mode != "open":
        st.toggle("Share with the team", value=found.shared, key=key, on_change=_share, args=(found.id, key),
                  help="Shared: everyone signed in sees this run. Not shared: you and the admins only.")
    if st.session_state.get(state.DELETING) == found.id:
        st.warning(plain(f"Delete run {found.id} for good? Its recipe, report and file go with it."))
        yes, no = st.columns(2)
        yes.button("Yes, delete", key=f"hist_delete_yes_{found.id}", type="primary",
                   on_click=_delete, args=(found.id,))
        no.button("Cancel", key=f"hist_delete_no_{found.id}", on_click=_forget_delete)
    else:
        st.button("Delete run", key=f"hist_delete_{found.id}", on_click=_ask_delete, args=(found.id,),
                  icon=":material/delete:")


def _share(run_id: str, key: str) -> None:
    try:
        run_store().set_shared(user().viewer, run_id, bool(st.session_state.get(key)))
    except (BalancerError, ValueError) as exc:
        st.session_state[state.HISTORY_MESSAGE] = str(exc)


def _ask_delete(run_id: str) -> None:
    st.session_state[state.DELETING] = run_id


def _forget_delete() -> None:
    st.session_state.pop(state.DELETING, None)


def _delete(run_id: str) -> None:
    st.session_state.pop(state.DELETING, None)
    try:
        run_store().delete_run(user().viewer, run_id)
    except (BalancerError, ValueError) as exc:
        st.session_state[state.HISTORY_MESSAGE] = str(exc)
        return
    st.session_state[state.HISTORY_MESSAGE] = f"Run {run_id} was deleted."
    opened = st.session_state.get(state.W_OPEN)
    if isinstance(opened, list):
        st.session_state[state.W_OPEN] = [r for r in opened if r != run_id]


def scores(found: RunSummary) -> dict[str, Any]:
    """A run's numbers by name, for side by side: counts for a resample, scores otherwise."""
    m = found.metrics
    if found.kind == "resample":
        out: dict[str, Any] = {"rows in": m.get("rows_in"), "rows out": m.get("rows_out"),
                               "synthetic rows": m.get("synthetic_rows")}
        out |= {f"after: {k}": v for k, v in m.get("classes_after", {}).items()}
        return out
    values = m.get("scores", {})
    out = {_label(n): values[n] for n in _ordered(values)}
    if isinstance(m.get("threshold"), (int, float)):
        out["decision threshold"] = m["threshold"]
    if isinstance(m.get("doing_nothing"), (int, float)):
        out["doing nothing (cost)"] = m["doing_nothing"]
    return out


def side_by_side(first: Run, second: Run, who: Identity) -> None:
    """Two runs: their numbers in two columns with the difference, then each run in a column."""
    st.subheader("Side by side")
    a, b = scores(first), scores(second)
    names = list(a) + [n for n in b if n not in a]
    head_a, head_b = f"A: {_short(first)}", f"B: {_short(second)}"
    if head_a == head_b:
        head_a, head_b = f"A: {first.id}", f"B: {second.id}"
    table = pd.DataFrame({"": names, head_a: [a.get(n) for n in names], head_b: [b.get(n) for n in names],
                          "B − A": [_difference(a.get(n), b.get(n)) for n in names]})
    st.dataframe(table, hide_index=True, key="hist_side_by_side")
    differ = setting_differences(first, second)
    if differ:
        st.markdown("**Settings that differ**")
        st.dataframe(pd.DataFrame({"setting": list(differ), head_a: [a_ for a_, _ in differ.values()],
                                   head_b: [b_ for _, b_ in differ.values()]}),
                     hide_index=True, key="hist_settings_differ")
    left, right = st.columns(2)
    with left:
        show_run(first, who, compact=True)
    with right:
        show_run(second, who, compact=True)


def setting_differences(first: RunSummary, second: RunSummary) -> dict[str, tuple[str, str]]:
    """The settings (target, tactics, seed and every stored parameter) whose values differ between
    two runs, each as the two runs' values in text ("-": not set)."""
    def settings(found: RunSummary) -> dict[str, Any]:
        return {"target": found.target, "tactics": ", ".join(found.tactics), "seed": found.seed,
                **dict(found.parameters or {})}

    a, b = settings(first), settings(second)
    shown = {}
    for name in list(a) + [n for n in b if n not in a]:
        left, right = (json.dumps(s.get(name), sort_keys=True, default=str) if name in s else "-" for s in (a, b))
        if left != right:
            shown[name] = (left, right)
    return shown


def _label(name: str) -> str:
    return FIGURES.get(name, (name,))[0]


def _ordered(values: Mapping[str, Any]) -> list[str]:
    """The figures' names in the order Balancer lists them, unknown ones last."""
    return [n for n in FIGURES if n in values] + [n for n in values if n not in FIGURES]


def _short(found: RunSummary) -> str:
    """A run in a column's heading: its tactic, or for a comparison the best of how many (whose
    numbers the column shows; the heading listed every tactic compared)."""
    if found.kind == "compare":
        best = found.metrics.get("best") or "none"
        model = found.metrics.get("best_model")
        shown = best if not model or model == "-" else f"{best} ({model_label(model)})"
        return f"best of {len(found.tactics)}: {shown} (compare, {found.id})"
    return f"{', '.join(found.tactics)} ({found.kind}, {found.id})"


def _difference(a: Any, b: Any) -> float | None:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return b - a
    return None


def _number(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) else "n/a"


def _size(size: int | None) -> str:
    if size is None:
        return ""
    return f"{size / 1024 / 1024:,.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:,.1f} KB"


def get_visible(store: Store, who: Identity, run_id: str) -> Run | None:
    """The run ``run_id`` if this user may see it; else say "no such run" (the same for a run
    that does not exist and one that is not shared with them) and give None."""
    try:
        return store.get_run(who.viewer, run_id)
    except NotFound:
        st.error(plain(f"No such run: {run_id[:40]}. It does not exist, or it is not shared with you."),
                 icon=":material/search_off:")
    except BalancerError as exc:
        st.error(plain(f"The run cannot be read now: {exc}"), icon=":material/error:")
    return None

