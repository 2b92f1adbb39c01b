"""Reading messy tables and writing safe CSV."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from balancer import read_table, write_csv
from balancer.errors import DataError, LimitError
from balancer.tables import sniff_delimiter
from tests.conftest import DATA, mixed_table


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1,5;2;3\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ("a   b c\n1  2    3\n4 5 6\n", "whitespace"),
        ('a,b\n"x,y",2\n"z,w",3\n', ","),
    ],
)
def test_sniff_delimiter(text, delimiter):
    """Check that the delimiter is found, quotes respected."""
    assert sniff_delimiter(text) == delimiter


@pytest.mark.parametrize("sep", [",", ";", "\t", "|", "   "])
def test_read_delimited(sep):
    """Check that every delimiter gives the same typed table."""
    text = sep.join(["id", "value", "kind"]) + "\n" + "\n".join(
        sep.join([str(i), f"{i / 2}", "ab"[i % 2]]) for i in range(10)) + "\n"
    frame = read_table(text.encode(), name="t.txt")
    assert list(frame.columns) == ["id", "value", "kind"]
    assert frame["value"].dtype == "float64"
    assert pd.api.types.is_integer_dtype(frame["id"].dtype)
    assert frame["kind"].tolist()[:2] == ["a", "b"]


def test_nulls_and_spaces():
    """Check that tokens are missing, and headers and cells are stripped."""
    text = " a , b ,c\n 1 , x ,?\nNA, y ,null\n3,N/A,NaN\n4,,z\n"
    frame = read_table(text.encode())
    assert list(frame.columns) == ["a", "b", "c"]
    assert frame["a"].isna().tolist() == [False, True, False, False]
    assert pd.api.types.is_integer_dtype(frame["a"].dtype)
    assert frame["b"].tolist()[:2] == ["x", "y"]
    assert frame["b"].isna().sum() == 2
    assert frame["c"].isna().sum() == 3


@pytest.mark.parametrize(
    ("encode", "notice"),
    [
        (lambda s: s.encode("utf-8"), None),
        (lambda s: b"\xef\xbb\xbf" + s.encode("utf-8"), None),
        (lambda s: s.encode("utf-16"), "UTF-16"),
        (lambda s: s.encode("cp1252"), "cp1252"),
        (lambda s: s.encode("latin-1"), "cp1252"),
    ],
)
def test_encodings(encode, notice):
    """Check UTF-8, BOM, UTF-16 and the reported legacy fallback."""
    text = "name;city\nJosé;Zürich\nAnaïs;Besançon\n"
    frame = read_table(encode(text), name="e.csv")
    assert list(frame.columns) == ["name", "city"]
    assert frame["city"].tolist() == ["Zürich", "Besançon"]
    notices = " ".join(n["message"] for n in frame.attrs.get("notices", []))
    if notice:
        assert notice in notices
    else:
        assert "encoding" not in [n["code"] for n in frame.attrs.get("notices", [])]


def test_duplicate_headers_renamed_with_notice():
    """Check that duplicate header names become unique and are reported."""
    frame = read_table(b"a,a,b,\n1,2,3,4\n")
    assert list(frame.columns) == ["a", "a_2", "b", "column_4"]
    assert any(n["code"] == "duplicate_headers" for n in frame.attrs["notices"])


@pytest.mark.parametrize(
    ("data", "name", "match"),
    [
        (b"", "e.csv", "empty"),
        (b"   \n\n", "e.csv", "empty"),
        (b"a,b,c\n", "h.csv", "no data rows"),
        (bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8)), "g.csv", "binary"),
        (b"a,b\n1,2\n", "fake.xlsx", "not an Excel workbook"),
        (b"a,b\n1,2\n3,4,5\n", "r.csv", "fields but the header has 2"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.xls", "old Excel"),
        (b"not parquet", "x.parquet", "not a Parquet"),
    ],
)
def test_bad_files(data, name, match):
    """Check that bad files raise DataError with a plain message."""
    with pytest.raises(DataError, match=match):
        read_table(data, name=name)


def test_zip_that_is_not_a_workbook():
    """Check that a zip archive is refused with advice."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    with pytest.raises(DataError, match="zip archive"):
        read_table(buffer.getvalue(), name="d.zip")


def test_gzip_csv_is_read():
    """Check that a gzip-compressed CSV is decompressed and read."""
    frame = read_table(gzip.compress(b"a,b\n1,x\n2,y\n"), name="d.csv.gz")
    assert frame.shape == (2, 2)


def test_excel_and_parquet_round_trip(tmp_path):
    """Check that .xlsx and Parquet files read back the same table."""
    frame = mixed_table(n=40, minority=8)
    xlsx = tmp_path / "t.xlsx"
    frame.to_excel(xlsx, index=False)
    back = read_table(xlsx)
    assert list(back.columns) == list(frame.columns)
    assert back["x_int"].tolist() == frame["x_int"].tolist()
    assert back["label"].tolist() == frame["label"].tolist()
    parquet = tmp_path / "t.parquet"
    frame.to_parquet(parquet)
    back = read_table(parquet)
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)


def test_defusedxml_is_active():
    """Check that openpyxl parses workbooks with defusedxml."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML


@pytest.mark.parametrize(
    ("limits", "match"),
    [({"max_bytes": 10}, "MB"), ({"max_rows": 2}, "rows"), ({"max_columns": 1}, "columns")],
)
def test_limits(limits, match):
    """Check that each size limit gives a LimitError naming it."""
    with pytest.raises(LimitError, match=match):
        read_table(b"a,b\n1,2\n3,4\n5,6\n", **limits)


def test_limits_from_environment(monkeypatch):
    """Check that the environment variables set the limits."""
    monkeypatch.setenv("BALANCER_MAX_ROWS", "2")
    with pytest.raises(LimitError, match="BALANCER_MAX_ROWS"):
        read_table(b"a,b\n1,2\n3,4\n5,6\n")


def test_shared_real_tables_read():
    """Check that the real tables with '?' for missing values read with typed columns."""
    frame = read_table(DATA / "hepatitis.csv")
    assert frame.shape == (155, 20)
    assert frame["protime"].isna().sum() > 0
    assert pd.api.types.is_numeric_dtype(frame["protime"].dtype)


# ---- writing


def test_write_csv_escapes_formulas_but_not_numbers():
    """Check that risky string cells are prefixed with a quote and numbers are untouched."""
    frame = pd.DataFrame({
        "text": ["=SUM(A1)", "+1", "-cmd", "@x", "\tq", "ok", None],
        "number": [-1.5, 2, 3, -4, 5, 6, 7],
    })
    text = write_csv(frame).decode()
    lines = text.split("\r\n")
    assert lines[0] == "text,number"
    assert lines[1] == "'=SUM(A1),-1.5"
    assert lines[2:5] == ["'+1,2.0", "'-cmd,3.0", "'@x,-4.0"]
    assert lines[5] == "'\tq,5.0"
    assert lines[6:9] == ["ok,6.0", ",7.0", ""]


def test_write_csv_round_trips():
    """Check that a written table reads back equal, commas, quotes and newlines included."""
    frame = mixed_table(n=120, minority=20)
    frame.loc[0, "colour"] = 'a "quoted", value\nwith newline'
    back = read_table(write_csv(frame))
    assert list(back.columns) == list(frame.columns)
    assert back["colour"].tolist()[:1] == [frame["colour"].iloc[0]]
    assert np.allclose(back["x_float"].to_numpy(dtype=float), frame["x_float"].to_numpy(dtype=float),
                       equal_nan=True)
    assert back["x_int"].tolist() == frame["x_int"].tolist()
    assert back["flag"].tolist() == frame["flag"].tolist()


def test_write_csv_quotes_only_when_needed():
    """Check RFC 4180 quoting: delimiters, quotes and line breaks are quoted, quotes doubled."""
    frame = pd.DataFrame({"a": ["plain", "has,comma", 'has "quote"', "two\nlines"]})
    assert write_csv(frame) == b'a\r\nplain\r\n"has,comma"\r\n"has ""quote"""\r\n"two\nlines"\r\n'


def test_write_csv_large_round_trip():
    """Check that a large table with escaped cells reads back equal."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(60_000, 3)), columns=list("abc"))
    frame["s"] = pd.array(rng.choice(["x", "=y"], len(frame)), dtype="str")
    back = read_table(write_csv(frame))
    assert np.array_equal(back[["a", "b", "c"]].to_numpy(), frame[["a", "b", "c"]].to_numpy())
    assert set(back["s"]) == {"x", "'=y"}


def test_write_csv_file_streams_the_same_bytes(tmp_path):
    """Check that the streamed export equals write_csv byte for byte, across block boundaries."""
    from balancer.tables import write_csv_file

    frame = mixed_table(n=1_001, minority=100)
    frame.loc[3, "colour"] = "=cmd()"
    path = tmp_path / "out.csv"
    written = write_csv_file(frame, path, chunk_rows=97)
    assert path.read_bytes() == write_csv(frame)
    assert written == path.stat().st_size
    empty = frame.iloc[:0]
    write_csv_file(empty, path)
    assert path.read_bytes() == write_csv(empty)


def test_parquet_path_is_read_like_its_bytes(tmp_path):
    """Check that a Parquet path (read by Arrow from the file) gives the frame its bytes give."""
    frame = mixed_table(n=300, minority=40)
    path = tmp_path / "t.parquet"
    frame.to_parquet(path, index=False)
    from_path = read_table(path)
    from_bytes = read_table(path.read_bytes(), name="t.parquet")
    pd.testing.assert_frame_equal(from_path, from_bytes)
    with pytest.raises(LimitError):
        read_table(path, max_rows=10)
    path.write_bytes(path.read_bytes()[:200])  # starts like Parquet, cut off
    with pytest.raises(DataError, match="not a readable Parquet"):
        read_table(path)


# ---- the package


ROOT = Path(__file__).resolve().parents[2]


def test_tables_public_names():
    """Check balancer.tables exports exactly its public names, and each exists."""
    import balancer.tables as tables

    assert set(tables.__all__) == {
        "EXTENSIONS", "UPLOAD_EXTENSIONS", "NULL_TOKENS", "Budget", "Dialect", "Limits",
        "arrow_to_pandas", "clean_headers", "csv_header", "decode_text", "detect_format",
        "escape_formula", "escape_formulas", "read_file", "read_table", "sheet_names",
        "sniff_delimiter", "to_arrow", "writable", "write_csv", "write_csv_file"}
    for name in tables.__all__:
        assert hasattr(tables, name), name


_IMPORT_ONLY = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import pyarrow as pa
calls = []
pa.jemalloc_set_decay_ms = lambda ms: calls.append(ms)  # observe who calls it
before = pa.default_memory_pool().backend_name
import balancer, balancer.tables, balancer.cli
imported = {"calls": list(calls), "backend": pa.default_memory_pool().backend_name}
balancer.read_table(b"a,b\n1,2\n")
try:
    pa.jemalloc_memory_pool()
    jemalloc = True
except NotImplementedError:
    jemalloc = False
print(json.dumps({"before": before, "imported": imported, "jemalloc": jemalloc,
                  "read": {"calls": calls, "backend": pa.default_memory_pool().backend_name}}))
"""


def test_import_leaves_pyarrow_settings_alone():
    """Check importing balancer.tables neither calls jemalloc_set_decay_ms nor changes Arrow's
    default pool; the first parse sets the decay (once), still without changing the default."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _IMPORT_ONLY, str(ROOT)], capture_output=True,
                          text=True, timeout=120, check=True)
    seen = json.loads(done.stdout)
    assert seen["imported"] == {"calls": [], "backend": seen["before"]}
    assert seen["read"]["backend"] == seen["before"]
    assert seen["read"]["calls"] == ([0] if seen["jemalloc"] else [])


def test_the_tables_package_ships():
    """Check every package under balancer/ is listed in pyproject.toml, so the wheel has it."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    packages = {".".join(path.parent.relative_to(ROOT).parts)
                for path in (ROOT / "balancer").rglob("__init__.py")}
    assert packages <= listed, packages - listed


def test_reader_functions_fit_on_a_screen():
    """Check no function of the tables package (or the profiler) is longer than a screen."""
    import ast

    paths = [*(ROOT / "balancer" / "tables").glob("*.py"), ROOT / "balancer" / "profiling.py",
             ROOT / "balancer" / "config.py"]
    long = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno >= 60:
                long.append(f"{path.name}:{node.name}")
    assert long == []
