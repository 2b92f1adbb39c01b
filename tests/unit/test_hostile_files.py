"""Hostile files: each is refused before it expands, quickly, with a message naming the limit.

Every file is generated here (tests/unit/hostile_files.py), never committed. Peak memory is
measured in a child process (VmHWM from /proc, reset between files where the kernel allows).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from balancer import read_table, write_csv
from balancer.errors import DataError, LimitError
from balancer.tables import Limits, read_file, write_csv_file
from tests.unit import hostile_files as hostile

ROOT = Path(__file__).resolve().parents[2]
GB = 1024 ** 3


# ---- peak memory and time, in a child process


_MEASURE = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import balancer
from balancer.errors import BalancerError

def peak_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0

def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False

balancer.read_table(b"a,b\n1,2\n")  # load every lazily imported module first
results = {"baseline_mb": peak_mb()}
for path in sys.argv[2:]:
    reset = reset_peak()
    start = time.monotonic()
    try:
        balancer.read_table(path)
        outcome = "read"
    except BalancerError as exc:
        outcome = type(exc).__name__ + ": " + str(exc)
    results[path] = {"outcome": outcome, "seconds": time.monotonic() - start,
                     "peak_mb": peak_mb(), "reset": reset}
print(json.dumps(results))
"""


def _measure(paths: list[Path]) -> dict:
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(ROOT), *map(str, paths)],
                          capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout)


def _gzip_bomb(megabytes: int) -> bytes:
    stream = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"0,0,0,0,0,0,0,0\n" * 65_536  # 1 MB
    parts = [stream.compress(b"a,b,c,d,e,f,g,h\n")]
    parts += [stream.compress(block) for _ in range(megabytes)]
    parts.append(stream.flush())
    return b"".join(parts)


@pytest.mark.slow
def test_hostile_files_are_refused_quickly_below_2_gb(tmp_path):
    """Check small bombs of every kind are refused in seconds with a peak below 2 GB."""
    files = {
        "dictionary.parquet": hostile.dictionary_bomb(1_000_000, 1024),  # 1 GB once decoded
        "forged_file_rows.parquet": hostile.forged_row_count(6_000_000, 10, groups_too=False),
        "forged_all_rows.parquet": hostile.forged_row_count(6_000_000, 10, groups_too=True),
        "row_bomb.xlsx": hostile.xlsx_row_bomb(5_000_002),
        "shared_string.xlsx": hostile.xlsx_shared_string_bomb(100_000, 10, 32_000),
        "shared_strings_part.xlsx": hostile.xlsx_shared_strings_part_bomb(100),
        "bomb.csv.gz": _gzip_bomb(100),
    }
    for name, data in files.items():
        assert len(data) < 2_500_000, (name, len(data))
        (tmp_path / name).write_bytes(data)
    results = _measure([tmp_path / name for name in files])
    for name in files:
        result = results[str(tmp_path / name)]
        assert result["outcome"].startswith(("LimitError", "DataError")), (name, result)
        assert result["seconds"] < 15, (name, result)
        assert result["peak_mb"] < 2048, (name, result)
    refused = {name: results[str(tmp_path / name)]["outcome"] for name in files}
    assert "BALANCER_MAX_EXPANSION" in refused["dictionary.parquet"]
    assert "6,000,000 rows" in refused["forged_file_rows.parquet"]
    assert "6,000,000 rows" in refused["forged_all_rows.parquet"]
    assert "BALANCER_MAX_ROWS" in refused["forged_all_rows.parquet"]
    assert "1,048,576" in refused["row_bomb.xlsx"]
    assert "BALANCER_MAX_EXPANSION" in refused["shared_string.xlsx"]
    assert "shared strings part" in refused["shared_strings_part.xlsx"]
    assert "decompresses to more than" in refused["bomb.csv.gz"]
    # the peak of the one process that read every file (getrusage's RUSAGE_CHILDREN would also count
    # the children of earlier tests, such as compare's worker processes)
    assert max(results[str(tmp_path / name)]["peak_mb"] for name in files) < 2048


# ---- Parquet


def test_dictionary_bomb_names_the_limit_and_can_be_allowed():
    """Check a dictionary column that decodes to 100x its file is refused, and allowed when the
    expansion limit is raised (and the table is then read exactly)."""
    data = hostile.dictionary_bomb(200_000, 1024)  # 200 MB decoded from ~25 KB
    with pytest.raises(LimitError, match="BALANCER_MAX_EXPANSION") as caught:
        read_table(data, name="d.parquet")
    assert "in memory" in str(caught.value)
    frame = read_table(data, name="d.parquet", max_expansion=100_000)
    assert frame.shape == (200_000, 1)
    assert frame["a"].iloc[-1] == "x" * 1024


def test_dictionary_bomb_under_a_duplicate_name_is_bounded_too():
    """Check dictionary columns Arrow cannot read as dictionaries (a duplicated name) are bounded
    by their value count times their dictionary's size."""
    bomb = pa.DictionaryArray.from_arrays(pa.array(np.zeros(200_000, dtype=np.int32)),
                                          pa.array(["x" * 1024])).cast(pa.string())
    table = pa.Table.from_arrays([bomb, bomb], names=["a", "a"])
    data = hostile.parquet_bytes(table, store_schema=False, compression="zstd")
    with pytest.raises(LimitError, match="in memory"):
        read_table(data, name="d.parquet")
    small = pa.Table.from_arrays([pa.array(["u", "v"] * 50), pa.array(["w", "z"] * 50)], names=["a", "a"])
    frame = read_table(hostile.parquet_bytes(small), name="s.parquet")
    assert list(frame.columns) == ["a", "a_2"] and frame["a_2"].iloc[0] == "w"


def test_memory_limit_caps_every_file(monkeypatch):
    """Check BALANCER_MAX_MEMORY_MB caps what any file may take, whatever its expansion."""
    monkeypatch.setenv("BALANCER_MAX_MEMORY_MB", "16")
    data = hostile.dictionary_bomb(40_000, 1024)  # 40 MB decoded
    with pytest.raises(LimitError, match="BALANCER_MAX_MEMORY_MB"):
        read_table(data, name="d.parquet", max_expansion=1e9)


def test_forged_footer_row_counts_are_not_trusted():
    """Check the real row count is found whether the file's or also every group's count is forged."""
    for groups_too in (False, True):
        data = hostile.forged_row_count(300_000, 10, groups_too=groups_too)
        with pytest.raises(LimitError, match=r"300,000 rows; the limit is 100,000.*BALANCER_MAX_ROWS"):
            read_table(data, name="f.parquet", max_rows=100_000)


def test_page_decompression_bomb_is_refused_from_its_page_headers():
    """Check a page that decompresses to 100 MB is refused before Arrow decompresses it, even when
    the footer's uncompressed sizes are forged small (the page headers are read, not trusted)."""
    table = pa.table({"blob": pa.array([b"\0" * (100 * 1024 * 1024)], type=pa.binary())})
    data = hostile.parquet_bytes(table, compression="zstd", use_dictionary=False)
    assert len(data) < 100_000

    def small(path):  # ColumnMetaData.total_uncompressed_size and RowGroup.total_byte_size
        if len(path) == 6 and path[0] == 4 and path[2] == 1 and path[4] == 3 and path[5] == 6:
            return 100
        if len(path) == 3 and path[0] == 4 and path[2] == 2:
            return 100
        return None

    forged = hostile.forge_footer(data, small)
    with pytest.raises(LimitError, match="pages decompressed"):
        read_table(forged, name="p.parquet")


def test_run_length_bomb_is_refused_by_its_value_count():
    """Check 10M integers stored in a few KB are refused by their size in memory (80 MB)."""
    data = hostile.parquet_bytes(pa.table({"x": pa.array(np.zeros(10_000_000, dtype=np.int64))}),
                                 compression="zstd")
    assert len(data) < 200_000
    with pytest.raises(LimitError, match="in memory"):
        read_table(data, name="r.parquet", max_rows=20_000_000)


def test_binary_parquet_column():
    """Check a binary column of UTF-8 text is read as text, and one of other bytes gets a clear
    DataError naming the column (not an internal error)."""
    frame = read_table(hostile.binary_column(valid_utf8=True), name="b.parquet")
    assert frame["blob"].tolist()[:3] == ["abc", "é", "x"]
    with pytest.raises(DataError, match="column 'blob' holds binary data that is not text"):
        read_table(hostile.binary_column(valid_utf8=False), name="b.parquet")


def test_binary_parquet_column_exits_2_on_the_command_line(tmp_path):
    """Check the command line prints one error line and exits 2 for a binary column."""
    path = tmp_path / "b.parquet"
    path.write_bytes(hostile.binary_column(valid_utf8=False))
    done = subprocess.run([sys.executable, "-m", "balancer", "profile", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and "not text" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


# ---- Excel


def test_xlsx_row_bomb_stops_at_the_row_limit():
    """Check the row limit applies while the sheet is read, not after."""
    data = hostile.xlsx_row_bomb(300_000)
    start = time.monotonic()
    with pytest.raises(LimitError, match=r"more than 1,000 rows.*BALANCER_MAX_ROWS"):
        read_table(data, name="r.xlsx", max_rows=1_000)
    assert time.monotonic() - start < 1.0


def test_xlsx_empty_cell_bomb_is_bounded_by_its_element_count():
    """Check millions of empty cells (no memory, only parsing time) stop at the element limit."""
    def rows():
        yield b'<row r="1"><c t="inlineStr"><is><t>h</t></is></c></row>'
        block = (b"<row>" + b"<c/>" * 16_000 + b"</row>") * 60
        for _ in range(6):  # 5.8 million elements in 23 MB of XML
            yield block

    data = hostile.workbook(rows)
    assert len(data) < 500_000
    start = time.monotonic()
    with pytest.raises(LimitError, match="more than 1,048,576 XML elements"):
        read_table(data, name="e.xlsx", max_memory=16 * 1024 * 1024)
    assert time.monotonic() - start < 5


def test_xlsx_sheet_beyond_excel_rows_is_refused():
    """Check a sheet longer than Excel's 1,048,576 rows is refused at that row."""
    rows = b'<row r="1"><c t="inlineStr"><is><t>x</t></is></c></row><row r="1048577"><c><v>1</v></c></row>'
    with pytest.raises(DataError, match="beyond Excel's last row"):
        read_table(hostile.workbook(rows), name="x.xlsx")


def test_xlsx_shared_string_expansion_is_refused():
    """Check one long shared string referenced by every cell is refused by its expansion."""
    data = hostile.xlsx_shared_string_bomb(20_000, 10, 32_000)
    assert len(data) < 100_000
    with pytest.raises(LimitError, match="would take more than 64 MB in memory.*BALANCER_MAX_EXPANSION"):
        read_table(data, name="s.xlsx")


def test_xlsx_declared_and_actual_member_sizes_are_bounded():
    """Check a shared strings part larger than the budget is refused from its declared size, and
    a part that lies about its size is refused too."""
    data = hostile.xlsx_shared_strings_part_bomb(100)
    with pytest.raises(LimitError, match=r"shared strings part \(xl/sharedStrings.xml\) decompresses to 100 MB"):
        read_table(data, name="s.xlsx")
    lying = hostile.lying_zip_sizes(data, "xl/sharedStrings.xml", 1_000)
    with pytest.raises(DataError):
        read_table(lying, name="s.xlsx")


def test_xlsx_zip_directory_is_bounded_before_it_is_read():
    """Check a workbook whose zip directory lists 100,000 members (5 MB) is refused from its end
    record, before zipfile builds an object per member (1,000,000 took 810 MB and 12 s, gzipped
    from 2.7 MB the same), by the reader, by the sheet list and in a gzip; a workbook of a few
    hundred members is read as before."""
    import gzip

    from balancer.tables import sheet_names

    bomb = hostile.zip_directory_bomb(100_000)
    for data, name in ((bomb, "m.xlsx"), (gzip.compress(bomb), "m.xlsx.gz")):
        with pytest.raises(LimitError, match="directory lists 100,000 members in 4.[0-9] MB; the limit is 1 MB"):
            read_table(data, name=name)
    assert sheet_names(bomb, name="m.xlsx") == []  # no sheets to offer; reading it says why
    with pytest.raises(DataError, match="has no worksheet"):  # a few members: zipfile reads them
        read_table(hostile.zip_directory_bomb(300), name="m.xlsx")


def test_the_zip_directory_checked_is_the_one_zipfile_reads():
    """Check the two end records a review forged to pass Balancer's own parser while zipfile read
    the whole directory: the end record's signature planted in its entry counts (the parser took
    the planted one and stopped), and a zip64 record beside a classic record claiming 100 bytes."""
    import struct
    import zipfile

    from balancer.tables.files import check_zip_directory

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        for i in range(40_000):
            archive.writestr(f"{i:05d}", b"")
    raw = buffer.getvalue()
    end = raw[-22:]
    signature, _, _, _, members, size, offset, _ = struct.unpack("<4s4H2LH", end)
    planted = raw[:-22] + end[:8] + b"PK\x05\x06" + end[12:]
    body = raw[:-22]
    record64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, members, members, size, offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, len(body), 1)
    zip64 = body + record64 + locator + struct.pack("<4s4H2LH", signature, 0, 0, 1, 1, 100, offset, 0)
    for forged in (raw, planted, zip64):
        assert len(zipfile.ZipFile(io.BytesIO(forged)).infolist()) == 40_001  # what zipfile would read
        with pytest.raises(LimitError, match=r"members in 1\.9 MB; the limit is 1 MB"):
            check_zip_directory(forged, "m.xlsx")
    # zipfile's own refusal of the end records is a clear error too (it was an internal error)
    small = io.BytesIO()
    with zipfile.ZipFile(small, "w") as archive:
        archive.writestr("xl/workbook.xml", b"<x/>")
    disks = small.getvalue()[:-22] + struct.pack("<4sLQL", b"PK\x06\x07", 1, 0, 2) + small.getvalue()[-22:]
    with pytest.raises(DataError, match="w.xlsx is a damaged zip archive .*multiple disks"):
        read_table(disks, name="w.xlsx")


def test_xlsx_xml_entities_are_refused():
    """Check a sheet with a DTD (an entity expansion bomb) is refused, not expanded."""
    with pytest.raises(DataError, match="DTD"):
        read_table(hostile.xlsx_with_entities(), name="lol.xlsx")


def test_xlsx_reads_like_pandas(tmp_path):
    """Check the streaming reader gives what pandas' read_excel (openpyxl) gave, through the same
    cleaning: numbers, dates, times, booleans, rich text, errors, gaps, offsets, null tokens."""
    import datetime as dt

    import openpyxl
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    from balancer.tables import NULL_TOKENS, clean_headers
    from balancer.tables.clean import clean_frame as _clean_frame

    book = openpyxl.Workbook()
    sheet = book.active
    sheet["B3"], sheet["C3"], sheet["E3"], sheet["F3"] = "id", "id", "when", 7
    for i in range(40):
        row = 4 + i + (3 if i > 20 else 0)
        sheet.cell(row, 2, i)
        sheet.cell(row, 3, [1.5, "x", None, "NA", " y ", "=z", True][i % 7])
        sheet.cell(row, 5, dt.datetime(2021, 1, 1) + dt.timedelta(days=i, minutes=i))
        sheet.cell(row, 6, CellRichText(["a", TextBlock(InlineFont(b=True), str(i))]) if i % 3 else 2.0)
    path = tmp_path / "t.xlsx"
    book.save(path)

    raw = pd.read_excel(path, sheet_name=0, header=None, engine="openpyxl", dtype=object,
                        na_values=list(NULL_TOKENS), keep_default_na=False)
    raw = raw.dropna(how="all").dropna(axis=1, how="all")
    names, _ = clean_headers(["" if pd.isna(v) else str(v) for v in raw.iloc[0].tolist()])
    expected = raw.iloc[1:].reset_index(drop=True)
    expected.columns = names
    expected = _clean_frame(expected.infer_objects(), convert_objects=True)
    ours = read_table(path)
    pd.testing.assert_frame_equal(ours, expected)
    assert list(ours.columns) == ["id", "id_2", "when", "7"]


# ---- CSV and text


def test_quoted_newlines_in_the_header_read_like_pandas():
    """Check a header cell with a quoted newline (Balancer's own writer makes them) is one column,
    with no bogus row or class."""
    for data in (b'"Amount\n(EUR)",label\n1,a\n2,b\n',
                 b'"Amount\r\n(EUR)","a ""q"" b",c\r\n1,x,"two\nlines"\r\n2,y,z\r\n',
                 write_csv(pd.DataFrame({"Amount\n(EUR)": [1, 2, 3], "label": ["a", "b", "a"]}))):
        ours = read_table(data, name="q.csv")
        theirs = pd.read_csv(io.BytesIO(data))
        assert list(ours.columns) == list(theirs.columns)
        assert ours.shape == theirs.shape
        for column in ours.columns:
            assert ours[column].astype(str).tolist() == theirs[column].astype(str).tolist()


def test_header_longer_than_the_sniff_sample():
    """Check a 1,500-column header longer than 64 KB reads as pandas reads it."""
    names = [f"a_rather_long_column_name_number_{i:05d}_in_a_wide_export" for i in range(1_500)]
    frame = pd.DataFrame(np.arange(4 * 1_500).reshape(4, 1_500), columns=names)
    data = frame.to_csv(index=False).encode()
    assert data.index(b"\n") > 64 * 1024
    ours = read_table(data, name="w.csv")
    pd.testing.assert_frame_equal(ours, pd.read_csv(io.BytesIO(data)), check_dtype=False)


def test_column_count_in_messages_is_true():
    """Check a 100,000-column file is reported with 100,000 columns (not what the sample held)."""
    header = ",".join(f"c{i}" for i in range(100_000)).encode()
    data = header + b"\n" + b",".join(b"1" for _ in range(100_000)) + b"\n"
    with pytest.raises(LimitError, match=r"has 100,000 columns; the limit is 2,000 .*BALANCER_MAX_COLUMNS"):
        read_table(data, name="wide.csv")
    quoted = b'"a,1",' + header + b"\n"  # quotes in the header: every field is parsed, not counted
    with pytest.raises(LimitError, match=r"has 100,001 columns"):
        read_table(quoted, name="wide.csv")


def test_64_mb_line_without_newline_is_a_clear_error():
    """Check a 64 MB line is refused by the cell limit, and Arrow's background threads have let
    go of the bytes when read_table returns (their late release aborted the process, exit 134)."""
    data = b"x" * (64 * 1024 * 1024)
    before = sys.getrefcount(data)
    with pytest.raises(LimitError, match="BALANCER_MAX_CELL_KB"):
        read_table(data, name="line.csv")
    ragged = b"a,b\n" + data
    with pytest.raises(DataError, match="1 fields but the header has 2"):
        read_table(ragged, name="line.csv")
    assert sys.getrefcount(data) == before


def test_long_rows_are_read_not_refused_by_arrow_blocks():
    """Check a row longer than Arrow's 1 MB block is read (the block grows), not an Arrow error."""
    data = b"a,b\n" + b"1," + b"y" * (3 * 1024 * 1024) + b"\n2,z\n"
    frame = read_table(data, name="long.csv", max_cell_bytes=8 * 1024 * 1024)
    assert frame.shape == (2, 2) and len(frame["b"].iloc[0]) == 3 * 1024 * 1024


@pytest.mark.slow
def test_64_mb_line_exits_2_on_the_command_line(tmp_path):
    """Check the command line exits 2 with one error line, never 134 (abort), for a 64 MB line."""
    path = tmp_path / "line.csv"
    path.write_bytes(b"a,b\n" + b"x" * (64 * 1024 * 1024))
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "balancer", "profile", str(path)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, (done.returncode, done.stderr[-300:])
        assert done.stderr.startswith("error: ")


def test_cell_limit():
    """Check a cell longer than the cell limit is refused with the variable that raises it, in
    delimited and whitespace-separated text and in workbooks."""
    data = b"a,b\n1," + b"y" * (2 * 1024 * 1024) + b"\n"
    with pytest.raises(LimitError, match="column 'b'.*BALANCER_MAX_CELL_KB"):
        read_table(data, name="c.csv")
    spaced = b"a   b\n1   " + b"y" * 5_000 + b"\n2   z\n3   w\n"
    with pytest.raises(LimitError, match="column 'b'.*BALANCER_MAX_CELL_KB"):
        read_table(spaced, name="c.txt", max_cell_bytes=4_096)
    sheet = b'<row><c t="inlineStr"><is><t>a</t></is></c></row><row><c t="s"><v>0</v></c></row>'
    with pytest.raises(LimitError, match="BALANCER_MAX_CELL_KB"):
        read_table(hostile.workbook(sheet, ["y" * 5_000]), name="c.xlsx", max_cell_bytes=4_096)


def test_csv_size_is_estimated_before_parsing():
    """Check a CSV whose cells would exceed the memory budget is refused before Arrow parses it."""
    data = b"a,b,c,d\n" + b",,,\n" * 2_000_000  # 8 MB of text, 64 MB of cells
    with pytest.raises(LimitError, match="in memory"):
        read_table(data, name="s.csv", max_memory=32 * 1024 * 1024)


def test_gzip_bomb_is_bounded_by_the_budget():
    """Check gzip stops at the compressed file's budget, not only at the upload limit."""
    data = _gzip_bomb(100)
    with pytest.raises(LimitError, match="decompresses to more than 64 MB.*BALANCER_MAX_EXPANSION"):
        read_table(data, name="g.csv.gz")
    assert read_table(gzip.compress(b"a,b\n1,2\n"), name="g.csv.gz").shape == (1, 2)


# ---- paths that are not regular files


def test_devices_are_refused_without_reading():
    """Check /dev/zero (its stat size is 0) is refused at once, by read_table and read_file."""
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    start = time.monotonic()
    with pytest.raises(DataError, match="device"):
        read_table("/dev/zero")
    with pytest.raises(DataError, match="device"):
        read_file("/dev/zero")
    assert time.monotonic() - start < 1.0


def _fifo(tmp_path: Path, produce) -> Path:
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)

    def write() -> None:
        try:
            with open(path, "wb") as pipe:
                produce(pipe)
        except (BrokenPipeError, OSError):
            pass

    threading.Thread(target=write, daemon=True).start()
    return path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_read_with_a_bound(tmp_path):
    """Check a FIFO is read (a small table), refused past the upload limit (endless text), and
    refused from its first block when it streams zeros."""
    frame = read_table(_fifo(tmp_path, lambda pipe: pipe.write(b"a,b\n1,2\n3,4\n")))
    assert frame.shape == (2, 2)
    (tmp_path / "pipe.csv").unlink()

    def endless_text(pipe):
        block = b"1,2\n" * 65_536
        pipe.write(b"a,b\n")
        while True:
            pipe.write(block)

    with pytest.raises(LimitError, match="more than 1.0 MB.*BALANCER_MAX_UPLOAD_MB"):
        read_table(_fifo(tmp_path, endless_text), max_bytes=1024 * 1024)
    (tmp_path / "pipe.csv").unlink()

    def zeros(pipe):
        while True:
            pipe.write(b"\0" * 65_536)

    start = time.monotonic()
    with pytest.raises(DataError, match="binary"):
        read_table(_fifo(tmp_path, zeros))
    assert time.monotonic() - start < 2.0


def test_proc_files_are_read_with_a_bound():
    """Check a /proc file (size 0 by stat) is read to its end with a bound, never without."""
    if not os.path.exists("/proc/self/status"):
        pytest.skip("no /proc")
    with pytest.raises(LimitError, match="more than"):
        read_file("/proc/self/status", max_bytes=64)
    assert b"VmRSS" in read_file("/proc/self/status")


# ---- writing


def test_header_cells_are_escaped_in_every_export(tmp_path):
    """Check formula-like column names are escaped like cells by write_csv and write_csv_file,
    and that names that collide once escaped are still written."""
    frame = pd.DataFrame({'=HYPERLINK("http://x","y")': ["=1+1", "ok"], "@SUM(1+1)": [1, 2],
                          "'=A1": ["a", "b"], "+x": [True, False], "-y": [0.5, 1.5],
                          "plain": ["\tz", "w"]})
    text = write_csv(frame).decode()
    header = text.split("\r\n")[0]
    assert header == """"'=HYPERLINK(""http://x"",""y"")",'@SUM(1+1),'=A1,'+x,'-y,plain"""
    assert text.split("\r\n")[1].startswith("'=1+1,")
    path = tmp_path / "out.csv"
    write_csv_file(frame, path, chunk_rows=1)
    assert path.read_bytes() == text.encode()
    doubled = pd.DataFrame([[1, 2]], columns=["=a", "'=a"])
    assert write_csv(doubled).decode().split("\r\n")[0] == "'=a,'=a"
    assert write_csv(frame, escape=False).decode().startswith('"=HYPERLINK')


# ---- the limits themselves


def test_limits_from_environment(monkeypatch):
    """Check the new limits come from their variables and the budget follows the file's size."""
    monkeypatch.setenv("BALANCER_MAX_UPLOAD_MB", "100")
    monkeypatch.setenv("BALANCER_MAX_EXPANSION", "10")
    monkeypatch.setenv("BALANCER_MAX_CELL_KB", "64")
    limits = Limits.from_env()
    assert limits.max_memory == 400 * 1024 * 1024  # four times the upload limit by default
    assert limits.max_expansion == 10 and limits.max_cell_bytes == 64 * 1024
    assert limits.budget(1_000).limit == 64 * 1024 * 1024  # every file may take 64 MB
    assert limits.budget(20 * 1024 * 1024).limit == 200 * 1024 * 1024
    assert limits.budget(80 * 1024 * 1024).limit == 400 * 1024 * 1024
    assert "BALANCER_MAX_MEMORY_MB" in limits.budget(80 * 1024 * 1024).hint
    monkeypatch.setenv("BALANCER_MAX_MEMORY_MB", "32")
    assert Limits.from_env().budget(1).limit == 32 * 1024 * 1024


def test_parquet_metadata_cannot_forge_notices_or_the_format():
    """Check attrs that pandas keeps in a Parquet file's metadata (and restores on reading) do not
    reach the table: a file could forge the reader's notices or the format the output is written in."""
    frame = pd.DataFrame({"x": [1.5, 2.5], "label": ["a", "b"]})
    frame.attrs = {"notices": [{"code": "forged", "message": "click here"}],
                   "format": {"kind": "text", "delimiter": ";", "decimal": ","}, "suggested_target": "x"}
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    read = read_table(buffer.getvalue(), name="f.parquet")
    assert "forged" not in str(read.attrs) and "suggested_target" not in read.attrs
    assert read.attrs["format"]["kind"] == "parquet"
