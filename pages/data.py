"""Data: upload a table or pick a sample, see its profile, choose the target.

Reading and profiling an upload run in a job slot (``ui/cache.py``, ``ui/jobs.py``). What is sent
to the browser is bounded whatever the table holds: the preview shows at most
``PREVIEW_ROWS`` x ``PREVIEW_COLUMNS`` cells, each cut to ``PREVIEW_CHARS`` characters, and column
names, class labels and warnings are shortened for display (a 127 KB workbook whose cells expand
to megabytes must not become a message larger than Streamlit's limit).
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from balancer import plots
from balancer.profiling import label_str
from balancer.samples import SAMPLES
from balancer.tables import UPLOAD_EXTENSIONS, sheet_names
from ui import state
from ui.cache import cached_profile, read_upload, sample
from ui.widgets import plain, run_safely

PREVIEW_ROWS = 100
PREVIEW_COLUMNS = 100
PREVIEW_CHARS = 200
NAME_CHARS = 80
MAX_WARNINGS = 50
MAX_CLASS_COLUMNS = 10


def short(text: object, limit: int = NAME_CHARS) -> str:
    """Text cut for display (the data itself is untouched)."""
    value = str(text)
    return value if len(value) <= limit else value[:limit] + "…"


def preview(table: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The first rows and columns of a table with long cells and names cut, and a note saying
    what was left out (None when nothing was)."""
    shown = table.iloc[:PREVIEW_ROWS, :PREVIEW_COLUMNS].copy()
    cut_cells = False
    for position in range(shown.shape[1]):
        column = shown.iloc[:, position]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            lengths = column.map(lambda v: len(v) if isinstance(v, str) else 0)
            if bool((lengths > PREVIEW_CHARS).any()):
                cut_cells = True
                shown.isetitem(position, column.map(
                    lambda v: short(v, PREVIEW_CHARS) if isinstance(v, str) else v).astype(column.dtype))
    names, seen = [], set()
    for position, name in enumerate(shown.columns):
        label = short(name)
        while label in seen:
            label = f"{label} ({position + 1})"
        seen.add(label)
        names.append(label)
    shown.columns = names
    left_out = []
    if len(table) > PREVIEW_ROWS:
        left_out.append(f"the first {PREVIEW_ROWS:,} of {len(table):,} rows")
    if table.shape[1] > PREVIEW_COLUMNS:
        left_out.append(f"the first {PREVIEW_COLUMNS:,} of {table.shape[1]:,} columns")
    note = ("Showing " + " and ".join(left_out) + ".") if left_out else ""
    if cut_cells or any(len(str(c)) > NAME_CHARS for c in table.columns[:PREVIEW_COLUMNS]):
        note += (" " if note else "") + (f"Cells longer than {PREVIEW_CHARS} characters and names "
                                         f"longer than {NAME_CHARS} are cut here (not in the data).")
    return shown, note or None

def reading_choices(upload: object) -> tuple[str | None, int | None]:
    """``Sheet`` (a workbook with several sheets) and ``Header row`` under the uploader: None
    means what Balancer detects (the first sheet with data; the row after any title rows)."""
    if upload is None:
        return None, None
    content, name = upload.getvalue(), upload.name  # type: ignore[attr-defined]
    names = run_safely(lambda: sheet_names(content, name)) or []
    sheet_column, header_column = st.columns(2)
    sheet = None
    if len(names) > 1:
        sheet = sheet_column.selectbox("Sheet", names, index=None, key="w_sheet",
                                       placeholder="the first sheet with data",
                                       help="The workbook's worksheet to read.")
    header_row = header_column.number_input(
        "Header row", min_value=1, max_value=1_000_000, value=None, step=1, key="w_header_row",
        placeholder="detected", help="The row number of the column names, as a spreadsheet counts "
        "rows. Leave empty to detect it (title and blank rows above the header are skipped).")
    return sheet, None if header_row is None else int(header_row)


def format_note(found: dict[str, object]) -> str | None:
    """What the reader found, in words: "semicolon-separated, decimal comma, header on row 3"."""
    if not found:
        return None
    parts = []
    if found.get("kind") == "xlsx":
        sheets = found.get("sheets") or []
        parts.append(f"sheet {plain(short(found.get('sheet')))!r}"
                     + (f" of {len(sheets)}" if isinstance(sheets, list) and len(sheets) > 1 else ""))
    elif found.get("delimiter"):
        names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", "whitespace": "whitespace"}
        delimiter = str(found["delimiter"])
        parts.append(f"{names.get(delimiter, repr(delimiter))}-separated")
        parts.append("decimal comma" if found.get("decimal") == "," else "decimal point")
        if found.get("thousands"):
            parts.append(f"thousands separator {found['thousands']!r}")
    if found.get("header_row"):
        parts.append(f"header on row {found['header_row']}")
    return ("Read as " + ", ".join(parts) + ".") if parts else None


st.title("Data")
st.caption("Upload a table or start from a bundled sample, then choose the column to predict.")

left, right = st.columns([3, 2])
with left:
    upload = st.file_uploader("Upload a dataset", type=list(UPLOAD_EXTENSIONS), key="upload",
                              help="CSV, TSV, TXT, Excel .xlsx or Parquet; the delimiter, decimal "
                                   "mark, encoding and header row are detected.")
    sheet, header_row = reading_choices(upload)
with right:
    state.remember("w_sample", next(iter(SAMPLES)))
    chosen_sample = st.selectbox("Sample dataset", list(SAMPLES), key="w_sample",
                                 format_func=lambda n: f"{n}: {SAMPLES[n].description}")
    state.save("w_sample")
    reload_sample = st.button("Use this sample", key="use_sample")

# -- load what changed; a failed load keeps the previous dataset and choices
first_run = state.SAMPLE_SEEN not in st.session_state
sample_changed = state.seen(state.SAMPLE_SEEN, chosen_sample) and not first_run
if state.dataset() is None or reload_sample or sample_changed:
    state.set_dataset(state.Dataset(f"{chosen_sample}.csv", f"sample:{chosen_sample}",
                                    sample(chosen_sample), "sample", SAMPLES[chosen_sample].target))
read_as = None if upload is None else (upload.file_id, sheet, header_row)
if state.seen(state.UPLOAD_SEEN, read_as) and upload is not None:
    content = upload.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    upload_name = upload.name
    loaded = run_safely(lambda: read_upload(content, upload_name, digest, sheet=sheet, header_row=header_row))
    if loaded is not None:
        key = state.content_key(content) + ("" if sheet is None and header_row is None else f":{sheet}:{header_row}")
        state.set_dataset(state.Dataset(upload_name, key, loaded, "upload", sha256=digest))
    else:
        st.session_state[state.LOAD_ERROR] = upload.name

current = state.dataset()
if current is None:
    st.stop()
if st.session_state.get(state.LOAD_ERROR):
    st.caption(f"Still working on {plain(current.name)}; the upload above was not loaded.")

frame = current.frame
columns = [str(c) for c in frame.columns]
# profiling a table not profiled yet takes a job slot; a busy server says so here
shown_key, shown_frame = current.key, current.frame
base = run_safely(lambda: cached_profile(shown_key, shown_frame, None, strict=True))
if base is None:
    st.stop()
default_target = current.suggested_target or base.target or columns[-1]
state.remember(state.W_TARGET, default_target)
if st.session_state.get(state.W_TARGET) not in columns:
    st.session_state[state.W_TARGET] = default_target
ranked = list(base.target_candidates) + [c for c in columns if c not in base.target_candidates]
target = st.selectbox("Target column", ranked, key=state.W_TARGET, format_func=short,
                      help="The class to predict. Likely targets are listed first.")
state.save(state.W_TARGET)
profile = run_safely(lambda: cached_profile(shown_key, shown_frame, target, strict=True))
if profile is None:
    st.stop()

st.subheader(plain(short(current.name)))
read_note = format_note(profile.format)
if read_note:
    st.caption(read_note)
a, b, c, d = st.columns(4)
a.metric("Rows", f"{profile.rows:,}")
b.metric("Columns", f"{len(profile.columns)}")
c.metric("Classes", f"{len(profile.classes)}")
d.metric("Imbalance ratio", f"{profile.imbalance_ratio:,.1f} : 1" if profile.imbalance_ratio else "n/a",
         help="rows of the largest class per row of the smallest")

BLOCKING = ("one_class", "continuous_target", "too_many_classes")
for finding in profile.warnings:
    if finding.code in BLOCKING and finding.column == target:
        st.error(plain(short(finding.message, 2_000)), icon=":material/error:")
notes = [f for f in profile.warnings if not (f.code in BLOCKING and f.column == target)]
if notes:
    with st.container(border=True):
        st.markdown("**What to know about this table**")
        for finding in notes[:MAX_WARNINGS]:
            st.warning(plain(short(finding.message, 2_000)), icon=":material/warning:")
        if len(notes) > MAX_WARNINGS:
            st.caption(f"... and {len(notes) - MAX_WARNINGS:,} more.")

if profile.missing:
    st.markdown("**Missing values**")
    labels = list(profile.classes)[:MAX_CLASS_COLUMNS]
    st.dataframe(pd.DataFrame([
        {"column": short(m.column), "missing": m.missing, "share": m.share}
        | {f"in {short(label_str(k), 30)}": m.by_class.get(k, 0.0) for k in labels}
        for m in profile.missing[:MAX_WARNINGS]]),
        hide_index=True, key="missing_table",
        column_config={name: st.column_config.NumberColumn(format="percent")
                       for name in ["share", *(f"in {short(label_str(k), 30)}" for k in labels)]})
    st.caption("Share of missing cells in each column, overall and within each class. Balancer "
               "imputes them inside the computation only: rows a method keeps are written as they "
               "were, and each synthetic row has the gaps of the original row it was made from.")

chart, table = st.columns([3, 2])
with chart:
    if profile.classes:
        st.plotly_chart(plots.class_distribution(profile.classes), key="class_chart")
with table:
    st.markdown("**Columns**")
    st.dataframe(
        pd.DataFrame([{"column": short(col.name), "kind": col.kind, "missing": col.missing,
                       "distinct": col.unique} for col in profile.columns]),
        hide_index=True, height=320, key="columns_table",
    )
st.markdown("**First rows**")
shown, note = preview(frame)
st.dataframe(shown, key="preview")
if note:
    st.caption(note)
if profile.classes:
    st.caption("Classes: " + ", ".join(f"{plain(short(label_str(k)))} ({v:,})"
                                       for k, v in list(profile.classes.items())[:MAX_WARNINGS]))
