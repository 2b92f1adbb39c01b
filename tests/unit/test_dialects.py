"""True to the input: decimal commas, title rows above the header, sheets, what was found, and
CSV written back in the input's dialect (every file is generated here, except the shared tables)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from balancer import read_table, write_csv
from balancer.errors import DataError, LimitError
from balancer.tables import UPLOAD_EXTENSIONS, Dialect, sheet_names, write_csv_file

SHARED = Path(__file__).resolve().parents[1] / "data"  # copies of ../shared/data's tables
NBSP, NNBSP = "\u00a0", "\u202f"


def _semicolon_file() -> bytes:
    """A semicolon file with decimal commas, dot thousands, negatives, gaps, text and ids."""
    rows = ["id;zip;amount;total;delta;label;code",
            "1;01234;46,11;1.234,56;-0,5;north;A1",
            "2;00123;-0,5;12,00;-12,25;south;B2",
            "3;04000;;1.000.000,25;3;east;C3",
            "4;12345;7,25;999,9;;west;D4"]
    return ("\r\n".join(rows) + "\r\n").encode()


def _workbook(build) -> bytes:  # type: ignore[no-untyped-def]
    import openpyxl

    book = openpyxl.Workbook()
    build(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _notices(frame: pd.DataFrame, code: str) -> list[str]:
    return [n["message"] for n in frame.attrs.get("notices", []) if n["code"] == code]


# ---- decimal commas


def test_semicolon_decimal_comma_columns_become_numbers():
    """Check decimal commas, dot thousands and negatives are numbers; text stays text."""
    frame = read_table(_semicolon_file(), name="sales.csv")
    assert frame["amount"].dtype == "float64"
    assert frame["amount"].tolist()[:2] == [46.11, -0.5] and np.isnan(frame["amount"].iloc[2])
    assert frame["total"].tolist() == [1234.56, 12.0, 1_000_000.25, 999.9]
    assert frame["delta"].tolist()[:3] == [-0.5, -12.25, 3.0] and np.isnan(frame["delta"].iloc[3])
    assert frame["label"].tolist() == ["north", "south", "east", "west"]
    assert frame["code"].tolist() == ["A1", "B2", "C3", "D4"]
    assert pd.api.types.is_integer_dtype(frame["id"].dtype)
    assert frame.attrs["format"] == {"kind": "csv", "delimiter": ";", "decimal": ",", "thousands": ".",
                                     "header_row": 1, "encoding": "utf-8", "decimals": {"delta": 0},
                                     "widths": {"zip": 5}, "missing": None, "booleans": {}, "line_end": "\r\n"}


def test_leading_zeros_read_as_before():
    """Check ids with leading zeros are typed as before the change (numbers), in either format."""
    today = read_table(b"zip,v\n01234,1.5\n00123,2.5\n", name="z.csv")
    ours = read_table(_semicolon_file(), name="z.csv")
    assert today["zip"].dtype == ours["zip"].dtype == "int64"
    assert ours["zip"].tolist() == [1234, 123, 4000, 12345]


@pytest.mark.parametrize("space", [" ", NBSP, NNBSP])
def test_space_thousands(space):
    """Check a space, a no-break space or a narrow no-break space as the thousands separator."""
    text = f"id\tvalue\tname\n1\t1{space}234,56\tx y\n2\t-12{space}345\tz\n3\t0,5\tw\n"
    frame = read_table(text.encode(), name="t.tsv")
    assert frame["value"].tolist() == [1234.56, -12345.0, 0.5]
    assert frame["name"].tolist() == ["x y", "z", "w"]
    assert frame.attrs["format"]["thousands"] == " "
    assert frame.attrs["format"]["kind"] == "tsv" and frame.attrs["format"]["delimiter"] == "\t"


def test_comma_thousands_in_a_comma_file():
    """Check a US export's quoted grouped numbers ("1,090.62") are numbers in a comma file (they
    were text, then an identifier left out of every model), and that a quoted "1,5" keeps its
    column text: commas group thousands only where a cell proves it."""
    frame = read_table(b'amount,count,y\n"1,090.62","1,234,567",a\n12.5,7,b\n"2,000.00",12,a\n', name="us.csv")
    assert frame["amount"].tolist() == [1090.62, 12.5, 2000.0] and frame["count"].tolist() == [1234567, 7, 12]
    assert frame.attrs["format"]["thousands"] == ","
    other = read_table(b'a,b,y\n"1,5",2.5,a\n"2,25",3.5,b\n', name="eu.csv")
    assert other["a"].tolist() == ["1,5", "2,25"] and other.attrs["format"]["thousands"] is None


def test_whole_numbers_with_thousands_are_integers():
    """Check a decimal-comma column of whole numbers with dot groups reads as integers."""
    frame = read_table(b"n;v\n1.234;0,5\n12.500;1,5\n7;2\n", name="w.csv")
    assert frame["n"].dtype == "int64" and frame["n"].tolist() == [1234, 12500, 7]


def test_a_column_that_does_not_fully_parse_stays_text():
    """Check one value that is not a number in the file's format keeps the column text."""
    frame = read_table(b"a;b\n1,5;1,5\n2,5;n/a x\n3,25;2,0\n", name="m.csv")
    assert frame["a"].dtype == "float64"
    assert frame["b"].tolist() == ["1,5", "n/a x", "2,0"]


def test_ambiguous_dot_groups_in_a_decimal_comma_file():
    """Check the documented rule: in a decimal-comma file '1.234' is 1234 only when the file says
    '.' groups thousands (a value like 1.234,56, or every dotted value grouped in threes);
    otherwise its column stays text (never 1.234)."""
    grouped = read_table(b"v;w\n1.234;0,5\n2.500;1,5\n", name="g.csv")
    assert grouped["v"].tolist() == [1234, 2500]
    mixed = read_table(b"v;w\n1.234;0,5\n1.5;1,5\n", name="m.csv")
    assert mixed.attrs["format"]["thousands"] is None
    assert mixed["v"].tolist() == ["1.234", "1.5"] and mixed["w"].tolist() == [0.5, 1.5]
    proved = read_table(b"v;w\n1.234;1.234,5\n1.5;1,5\n", name="p.csv")
    assert proved["w"].tolist() == [1234.5, 1.5] and proved["v"].tolist() == ["1.234", "1.5"]


def test_comma_files_with_decimal_points_are_unchanged():
    """Check comma-delimited files keep decimal points and read '1,234' (quoted) as text."""
    frame = read_table(b'a,b,c\n1.5,"1,234",x\n-2.25,"5,6",y\n', name="c.csv")
    assert frame["a"].tolist() == [1.5, -2.25]
    assert frame["b"].tolist() == ["1,234", "5,6"]
    assert frame.attrs["format"]["decimal"] == "." and frame.attrs["format"]["thousands"] is None


def test_semicolon_file_with_decimal_points_and_comma_thousands():
    """Check a semicolon file that shows decimal points reads comma groups as thousands."""
    frame = read_table(b"id;v\n1;1,234.5\n2;12.25\n3;1,000\n", name="u.csv")
    assert frame["v"].tolist() == [1234.5, 12.25, 1000.0]
    assert frame.attrs["format"]["decimal"] == "." and frame.attrs["format"]["thousands"] == ","


def test_no_mark_shown_reads_as_before():
    """Check a semicolon file whose values show no decimal mark is read as before."""
    frame = read_table(b"id;v\n1;1,234\n2;2,345\n", name="a.csv")
    assert frame["v"].tolist() == ["1,234", "2,345"]
    assert frame.attrs["format"]["decimal"] == "."


def test_legacy_encoding_is_recorded():
    """Check a cp1252 file with decimal commas records its encoding."""
    frame = read_table("Stadt;Betrag\nZürich;1.234,5\nMünchen;-0,75\n".encode("cp1252"), name="e.csv")
    assert frame["Betrag"].tolist() == [1234.5, -0.75]
    assert frame.attrs["format"]["encoding"] == "cp1252"


# ---- header rows


def test_title_and_blank_rows_above_the_header_in_text():
    """Check a title and a blank line above the header are skipped and named in a notice."""
    data = b"Sales report 2023\n\nid;amount;label\n1;46,11;a\n2;0,5;b\n3;7;a\n"
    frame = read_table(data, name="r.csv")
    assert list(frame.columns) == ["id", "amount", "label"]
    assert frame["amount"].tolist() == [46.11, 0.5, 7.0]
    assert _notices(frame, "header_row") == [
        "rows 1-2 above the header were skipped (a title or blank rows): 'Sales report 2023'"]
    assert frame.attrs["format"]["header_row"] == 3 and frame.attrs["format"]["delimiter"] == ";"


def test_padded_titles_as_spreadsheets_export_them():
    """Check title rows padded with delimiters (as Excel saves them) are skipped too."""
    data = b"Sales report;;\nRegion: North;;\n;;\nid;amount;label\n1;2,5;a\n2;3,5;b\n"
    frame = read_table(data, name="p.csv")
    assert list(frame.columns) == ["id", "amount", "label"] and len(frame) == 2
    assert "'Sales report', 'Region: North'" in _notices(frame, "header_row")[0]


def test_title_with_a_comma_does_not_fool_the_sniffer():
    """Check a title with a comma above a semicolon table with decimal commas."""
    data = b"Umsatz, Januar 2023\n\nid;amount\n1;46,11\n2;3,5\n3;7,25\n4;1,5\n"
    frame = read_table(data, name="u.csv")
    assert list(frame.columns) == ["id", "amount"] and frame["amount"].tolist() == [46.11, 3.5, 7.25, 1.5]


@pytest.mark.parametrize("data", [
    b",a,b\n0,1,x\n1,2,y\n",  # an unnamed index column
    b"a,b,\n1,x,3\n2,y,4\n",  # an unnamed last column
    b"\n\na,b\n1,2\n",  # blank lines only: skipped silently, as before
    b"a\n1\n2\n",  # one column
])
def test_ordinary_headers_are_not_skipped(data):
    """Check headers with an empty name, and leading blank lines, keep the header they had."""
    frame = read_table(data, name="o.csv")
    assert _notices(frame, "header_row") == []
    assert str(frame.columns[-1]) in ("b", "column_3", "a")


def test_header_row_override_in_text():
    """Check header_row names the line (blank lines counted), and bad values are clear errors."""
    data = b"Sales report 2023\n\nid;amount;label\n1;2,5;a\n2;3,5;b\n"
    frame = read_table(data, name="r.csv", header_row=3)
    assert list(frame.columns) == ["id", "amount", "label"] and frame.attrs["format"]["header_row"] == 3
    assert _notices(frame, "header_row") == []
    assert list(read_table(data, name="r.csv", header_row=4).columns) == ["1", "2,5", "a"]
    with pytest.raises(DataError, match="has 5 lines; header_row=9 is beyond its end"):
        read_table(data, name="r.csv", header_row=9)
    with pytest.raises(DataError, match="line 2 is blank"):
        read_table(data, name="r.csv", header_row=2)
    for bad in (0, -1, True, "3"):
        with pytest.raises(DataError, match="header_row must be a row number"):
            read_table(data, name="r.csv", header_row=bad)


def _titled_book(book) -> None:  # type: ignore[no-untyped-def]
    sheet = book.active
    sheet.title = "Data"
    sheet["A1"] = "Sales report 2023"
    sheet.append([])
    sheet.append(["id", "amount", "when", "label"])
    for i in range(6):
        sheet.append([i, i * 1.5, dt.datetime(2023, 5, 17 + i), "ab"[i % 2]])


def test_title_and_blank_rows_above_the_header_in_a_workbook():
    """Check a title in A1, a blank row 2 and the header in row 3 of a workbook."""
    frame = read_table(_workbook(_titled_book), name="t.xlsx")
    assert list(frame.columns) == ["id", "amount", "when", "label"] and len(frame) == 6
    assert _notices(frame, "header_row") == [
        "rows 1-2 above the header were skipped (a title or blank rows): 'Sales report 2023'"]
    assert frame.attrs["format"] == {"kind": "xlsx", "sheet": "Data", "sheets": ["Data"], "header_row": 3}


def test_header_row_override_in_a_workbook():
    """Check header_row in a workbook: the sheet's row number; empty and missing rows refused."""
    data = _workbook(_titled_book)
    frame = read_table(data, name="t.xlsx", header_row=4)
    assert frame.attrs["format"]["header_row"] == 4 and len(frame) == 5
    with pytest.raises(DataError, match="row 2 of sheet 'Data' is empty"):
        read_table(data, name="t.xlsx", header_row=2)
    with pytest.raises(DataError, match="has 9 rows; header_row=50 is beyond its end"):
        read_table(data, name="t.xlsx", header_row=50)


def test_header_detection_is_bounded():
    """Check at most 50 rows above the header are skipped: below 60 title lines the first line
    stays the header, as before."""
    titles = [b"note-%d\n" % i for i in range(60)]
    table = b"a;b\n" + b"1;2\n" * 30
    found = read_table(b"".join(titles[:40]) + table, name="n.csv")
    assert list(found.columns) == ["a", "b"] and found.attrs["format"]["header_row"] == 41
    assert "rows 1-40 above the header" in _notices(found, "header_row")[0]
    kept = read_table(b"".join(titles) + table, name="n.csv")
    assert list(kept.columns) == ["note-0"] and kept.attrs["format"]["header_row"] == 1
    assert _notices(kept, "header_row") == []


# ---- sheets


def _several_sheets(book) -> None:  # type: ignore[no-untyped-def]
    book.active.title = "Empty"
    book.create_chartsheet("Chart", 1)
    first = book.create_sheet("Data")
    first.append(["a", "b"])
    first.append([1, "x"])
    second = book.create_sheet("More")
    second.append(["c", "d", "e"])
    second.append([2.5, "y", True])


def test_sheets_default_choice_and_unknown_name():
    """Check the first worksheet with data is read (empty and chart sheets passed over), sheet=
    picks one (ignoring case), an unknown name lists the sheets, sheet_names is cheap."""
    data = _workbook(_several_sheets)
    assert sheet_names(data, "b.xlsx") == ["Empty", "Data", "More"]
    frame = read_table(data, name="b.xlsx")
    assert list(frame.columns) == ["a", "b"]
    assert frame.attrs["format"] == {"kind": "xlsx", "sheet": "Data", "sheets": ["Empty", "Data", "More"],
                                     "header_row": 1}
    more = read_table(data, name="b.xlsx", sheet="more")
    assert list(more.columns) == ["c", "d", "e"] and more.attrs["format"]["sheet"] == "More"
    with pytest.raises(DataError, match=r"has no sheet named 'Nope'; its sheets are 'Empty', 'Data', 'More'"):
        read_table(data, name="b.xlsx", sheet="Nope")
    with pytest.raises(DataError, match="sheet 'Empty' has no data"):
        read_table(data, name="b.xlsx", sheet="Empty")


def _empty_sheets(count: int, cells: int) -> bytes:
    """A workbook of ``count`` sheets, each ``cells`` empty cells (nothing a table holds)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheets = "".join(f'<sheet name="S{i}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i in range(count))
    relations = "".join(f'<Relationship Id="rId{i + 1}" Type="{rel}/worksheet" Target="worksheets/s{i}.xml"/>'
                        for i in range(count))
    rows = b'<row r="1">' + b'<c r="A1"/>' * cells + b"</row>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>{sheets}</sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels",
                         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                         f"{relations}</Relationships>")
        for i in range(count):
            archive.writestr(f"xl/worksheets/s{i}.xml", f'<worksheet xmlns="{main}"><sheetData>'.encode()
                             + rows + b"</sheetData></worksheet>")
    return buffer.getvalue()


def test_empty_sheets_are_passed_over_within_one_bound():
    """Check the search for the first sheet with data is bounded for all sheets together: many
    empty sheets cannot each take the bound of one sheet."""
    assert sheet_names(_empty_sheets(3, 10), "e.xlsx") == ["S0", "S1", "S2"]
    with pytest.raises(DataError, match="no data in any of its sheets"):
        read_table(_empty_sheets(3, 10), name="e.xlsx")
    small = 16 * 1024 * 1024  # a budget whose element bound is 1,000,000
    with pytest.raises(DataError, match="no data in any"):  # each sheet alone is within it
        read_table(_empty_sheets(1, 900_000), name="e.xlsx", max_memory=small)
    with pytest.raises(LimitError, match="XML elements"):
        read_table(_empty_sheets(12, 100_000), name="e.xlsx", max_memory=small)


def test_sheet_names_of_other_content_is_empty():
    """Check sheet_names gives an empty list for text, Parquet, a zip archive and an old .xls."""
    buffer = io.BytesIO()
    pd.DataFrame({"a": [1]}).to_parquet(buffer)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("d.csv", "a\n1\n")
    for data, name in ((b"a,b\n1,2\n", "t.csv"), (buffer.getvalue(), "t.parquet"),
                       (archive.getvalue(), "d.zip"), (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "o.xls")):
        assert sheet_names(data, name) == []


def test_sheet_and_header_row_for_formats_without_them(tmp_path):
    """Check sheet= on text or Parquet, and header_row= on Parquet, are clear errors."""
    with pytest.raises(DataError, match="has no sheets"):
        read_table(b"a,b\n1,2\n", name="t.csv", sheet="Data")
    path = tmp_path / "t.parquet"
    pd.DataFrame({"a": [1, 2]}).to_parquet(path)
    for source in (path, path.read_bytes()):
        with pytest.raises(DataError, match="has no sheets"):
            read_table(source, name="t.parquet", sheet="Data")
        with pytest.raises(DataError, match="no header row to choose"):
            read_table(source, name="t.parquet", header_row=1)
    assert read_table(path).attrs["format"] == {"kind": "parquet"}


def test_macro_workbook_is_read_and_offered():
    """Check a .xlsm (macro-enabled content type, a VBA part) reads like .xlsx; the picker offers
    only what is read."""
    plain = zipfile.ZipFile(io.BytesIO(_workbook(_titled_book)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in plain.infolist():
            content = plain.read(info.filename)
            if info.filename == "[Content_Types].xml":
                macro = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
                content = content.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", macro)
                assert macro in content
            archive.writestr(info.filename, content)
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 512)
    frame = read_table(out.getvalue(), name="m.xlsm")
    assert list(frame.columns) == ["id", "amount", "when", "label"]
    assert set(UPLOAD_EXTENSIONS) == {"csv", "tsv", "txt", "xlsx", "xlsm", "parquet", "gz"}


# ---- writing in the input's dialect


def test_dialect_of_a_frame():
    """Check Dialect.of reads attrs['format']: the text's dialect; standard otherwise."""
    assert Dialect.of(read_table(_semicolon_file(), name="s.csv")) == Dialect(";", ",", (("delta", 0),),
                                                                               widths=(("zip", 5),))
    assert Dialect.of(read_table(b"a\tb\n1.5\t2\n", name="t.tsv")) == Dialect("\t", ".", line_end="\n")
    assert Dialect.of(read_table(b"a\tb\r\n1.5\t2\r\n", name="t.tsv")) == Dialect("\t", ".")
    assert Dialect.of(read_table(b"a  b\n1,5  2\n2,5  3\n", name="w.txt")) == Dialect("\t", ",", line_end="\n")
    assert Dialect.of(read_table(_workbook(_titled_book), name="t.xlsx")) is Dialect.STANDARD
    assert Dialect.of(pd.DataFrame({"a": [1]})) == Dialect.STANDARD == Dialect()
    with pytest.raises(ValueError):
        Dialect(",", ",")
    with pytest.raises(ValueError):
        Dialect(":", ".")
    with pytest.raises(ValueError):
        Dialect(",", ".", (("a", 18),))
    forged = pd.DataFrame({"a": [1.5]})
    forged.attrs["format"] = {"kind": "csv", "delimiter": ";", "decimal": ",",
                              "decimals": {"a": 2, "b": -1, "c": True, "d": "2", "e": 99, "f": 2.0},
                              "widths": {"a": 5, "b": 1, "c": 20, "d": "5"}, "encoding": "ebcdic"}
    assert Dialect.of(forged) == Dialect(";", ",", (("a", 2),), "utf-8", (("a", 5),))


def test_write_in_the_input_dialect_round_trips():
    """Check read -> write in the input's dialect -> read gives an equal frame, written with ';'
    and decimal commas, quoting what holds the delimiter, escaping formulas in text only."""
    frame = read_table(_semicolon_file(), name="s.csv")
    frame.loc[0, "label"] = "semi;colon"
    frame.loc[1, "label"] = "=SUM(A1)"
    data = write_csv(frame, dialect=Dialect.of(frame))
    lines = data.decode().split("\r\n")
    assert lines[0] == "id;zip;amount;total;delta;label;code"
    assert lines[1] == '1;01234;46,11;1234,56;-0,5;"semi;colon";A1'  # the postcode keeps its zero
    assert lines[2] == "2;00123;-0,5;12,0;-12,25;'=SUM(A1);B2"
    back = read_table(data, name="back.csv")
    frame.loc[1, "label"] = "'=SUM(A1)"
    pd.testing.assert_frame_equal(back, frame)
    assert Dialect.of(back) == Dialect(";", ",", (("delta", 0),), widths=(("zip", 5),))


def test_header_quoted_for_the_delimiter():
    """Check header names holding the dialect's delimiter are quoted, and a comma is not."""
    frame = pd.DataFrame({"a;b": [1.5], "c,d": [2.25]})
    assert write_csv(frame, dialect=Dialect(";", ",")) == b'"a;b";c,d\r\n1,5;2,25\r\n'
    assert write_csv(frame) == b'a;b,"c,d"\r\n1.5,2.25\r\n'


def test_default_write_is_standard_and_the_file_writer_agrees(tmp_path):
    """Check the default output is standard CSV, and write_csv_file writes the same bytes in any
    dialect across blocks."""
    frame = read_table(_semicolon_file(), name="s.csv")
    assert write_csv(frame).decode().split("\r\n")[1] == "1,1234,46.11,1234.56,-0.5,north,A1"
    assert write_csv(frame) == write_csv(frame, dialect=Dialect.STANDARD)
    path = tmp_path / "out.csv"
    for dialect in (None, Dialect(";", ","), Dialect("\t", ",")):
        write_csv_file(frame, path, chunk_rows=1, dialect=dialect)
        assert path.read_bytes() == write_csv(frame, dialect=dialect)


# ---- dates


def test_dates_from_a_workbook_are_written_as_dates(tmp_path):
    """Check datetimes at midnight are written as dates, others to the second."""
    frame = read_table(_workbook(_titled_book), name="t.xlsx")
    lines = write_csv(frame).decode().split("\r\n")
    assert lines[1] == "0,0.0,2023-05-17,a"

    def timed(book) -> None:  # type: ignore[no-untyped-def]
        book.active.append(["at", "n"])
        book.active.append([dt.datetime(2023, 5, 17, 14, 3), 1])
        book.active.append([dt.datetime(2023, 5, 18), 2])

    timed_frame = read_table(_workbook(timed), name="d.xlsx")
    assert write_csv(timed_frame).decode().split("\r\n")[1:3] == ["2023-05-17 14:03:00,1",
                                                                 "2023-05-18 00:00:00,2"]
    path = tmp_path / "d.csv"
    write_csv_file(timed_frame, path, chunk_rows=1)
    assert path.read_bytes() == write_csv(timed_frame)


def test_dates_from_parquet_fractions_and_offsets(tmp_path):
    """Check Parquet datetimes: dates, fractions only when needed, time zones keep their offset;
    date strings stay as they were."""
    berlin = pd.to_datetime(["2023-05-17 14:03:00", "2023-05-18 00:00:00"]).tz_localize("Europe/Berlin")
    frame = pd.DataFrame({
        "day": pd.to_datetime(["2023-05-17", "2023-05-18"]),
        "when": pd.to_datetime(["2023-05-17 14:03:00", "2023-05-18 09:00:00.250"], format="ISO8601"),
        "zoned": berlin,
        "text": ["2023-05-17", "17.05.2023"],
    })
    path = tmp_path / "d.parquet"
    frame.to_parquet(path)
    lines = write_csv(read_table(path)).decode().split("\r\n")
    assert lines[1] == "2023-05-17,2023-05-17 14:03:00.000,2023-05-17 14:03:00+02:00,2023-05-17"
    assert lines[2] == "2023-05-18,2023-05-18 09:00:00.250,2023-05-18 00:00:00+02:00,17.05.2023"


def test_datetimes_read_from_text_round_trip():
    """Check datetimes with times read from text are written back as they were."""
    data = b"at;v\r\n2023-05-17 14:03:00;1,5\r\n2023-05-18 08:00:00;2,5\r\n"
    frame = read_table(data, name="t.csv")
    assert write_csv(frame, dialect=Dialect.of(frame)) == data


# ---- the shared real tables


@pytest.mark.parametrize("path", sorted(SHARED.glob("*.csv")), ids=lambda p: p.name)
def test_shared_tables_format_and_round_trips(path):
    """Check each shared table (comma-separated, decimal points, header on line 1) records that
    format, and round-trips through standard CSV and through semicolons with decimal commas."""
    frame = read_table(path)
    assert {k: v for k, v in frame.attrs["format"].items() if k not in ("decimals", "widths", "missing")} == {
        "kind": "csv", "delimiter": ",", "decimal": ".", "thousands": None, "header_row": 1, "encoding": "utf-8",
        "booleans": {}, "line_end": "\n"}
    assert _notices(frame, "header_row") == []
    found = Dialect.of(frame)
    assert (found.delimiter, found.decimal, found.encoding) == (",", ".", "utf-8")
    pd.testing.assert_frame_equal(read_table(write_csv(frame, dialect=Dialect.of(frame))), frame)
    european = write_csv(frame, dialect=Dialect(";", ","))
    back = read_table(european, name="european.csv")
    pd.testing.assert_frame_equal(back, frame)
    floats = [c for c in frame.columns if frame[c].dtype == "float64"]
    if floats:
        assert back.attrs["format"]["decimal"] == ","


def test_shared_table_decimal_points_without_leading_zero():
    """Check page-blocks0's '.400'-style cells are floats, also when written with decimal commas."""
    frame = read_table(SHARED / "page-blocks0.csv")
    assert frame["P_black"].dtype == "float64" and frame["P_black"].iloc[0] == 0.4
    european = write_csv(frame, dialect=Dialect(";", ","))
    assert european.split(b"\r\n")[1].startswith(b"5;7;35,0;1,4;0,4;0,657;2,33;")


# ---- decimals as the input wrote them


def _ledger(rows: int = 40) -> bytes:
    """A European ledger export: amounts always with two decimals (``12,00``, ``-53,70``), a rate
    written as short as it goes (``2`` beside ``0,5``), a measurement at full precision, a column
    in exponent form, counts with a gap, and a class."""
    rng = np.random.default_rng(3)
    lines = ["id;betrag;satz;messung;winzig;anzahl;klasse"]
    for i in range(rows):
        amount = f"{rng.integers(-9000, 90000) / 100:.2f}".replace(".", ",")
        rate = ["2", "0,5", "1,25", "3", "0,75"][i % 5]
        exact = repr(float(rng.normal())).replace(".", ",")
        tiny = f"{rng.random() * 1e-6:.3e}".replace(".", ",")
        count = "" if i % 7 == 3 else str(rng.integers(0, 9))
        lines.append(f"{i};{amount};{rate};{exact};{tiny};{count};{'ja' if i % 4 == 0 else 'nein'}")
    return ("\r\n".join(lines) + "\r\n").encode()


def test_decimals_come_back_as_the_input_wrote_them():
    """Check read -> write in the input's dialect gives the input's text back line for line:
    ``12,00`` stays ``12,00`` (it was ``12,0``), ``2`` beside ``0,5`` stays ``2`` (it was ``2,0``),
    and full-precision and exponent columns are written as before. Standard CSV keeps the digits."""
    data = _ledger()
    frame = read_table(data, name="ledger.csv")
    assert frame.attrs["format"]["decimals"] == {"betrag": 2, "satz": 0}
    written = write_csv(frame, dialect=Dialect.of(frame)).decode().split("\r\n")
    for ours, theirs in zip(written, data.decode().split("\r\n"), strict=True):
        # every field as written, but exponents (5,123e-07 is written 5,123e-7, as before)
        assert ours.split(";")[:4] + ours.split(";")[5:] == theirs.split(";")[:4] + theirs.split(";")[5:]
    standard = write_csv(frame, dialect=Dialect.of(frame).standard()).decode().split("\r\n")
    source = data.decode().split("\r\n")
    for ours, theirs in zip(standard[1:-1], source[1:-1]):
        betrag, satz = theirs.split(";")[1:3]
        assert ours.split(",")[1:3] == [betrag.replace(",", "."), satz.replace(",", ".")]
    pd.testing.assert_frame_equal(read_table(write_csv(frame, dialect=Dialect.of(frame)), name="b.csv"), frame)


def test_decimals_are_read_to_the_end_of_a_large_file():
    """Check a file larger than the first block (where the columns that may need a record are
    chosen) is read to its end: one amount written without decimals on the last line sets the
    record to 0 for the whole column, as the fewest decimals of every line is what counts."""
    lines = ["id;betrag;klasse"] + [f"{i};{i % 1000},{i % 100:02d};{'a' if i % 9 else 'b'}" for i in range(160_000)]
    lines.append("160000;7;a")
    data = ("\n".join(lines) + "\n").encode()
    assert len(data) > 2 << 20
    frame = read_table(data, name="big.csv")
    assert frame.attrs["format"]["decimals"] == {"betrag": 0}
    head = data[:5000].split(b"\n")[1:4]
    written = write_csv(frame.head(3), dialect=Dialect.of(frame)).split(b"\n")[1:4]  # (line feeds, as read)
    assert [w.split(b";")[1] for w in written] == [b"0", b"1,01", b"2,02"]  # "0,00" has fewer digits now
    assert [h.split(b";")[1] for h in head] == [b"0,00", b"1,01", b"2,02"]
    without = read_table(("\n".join(lines[:-1]) + "\n").encode(), name="big.csv")
    assert without.attrs["format"]["decimals"] == {"betrag": 2}


def test_padding_keeps_whole_columns_floats_and_changes_no_value(tmp_path):
    """Check the writer's two ways (a decimal of that scale when every value has at most that many
    places, else each value's shortest text padded) write the same text, across blocks too; a
    column of whole values keeps its ``.0`` (or it would read back as integers); values with more
    places, exponents and gaps are written as before; reading the file back gives every value."""
    frame = pd.DataFrame({"a": [12.0, -53.7, 0.05, np.nan, 1e-7, 123456789.5, 2.125],
                          "b": [2.0, 0.5, 1.25, 3.0, np.nan, -4.0, 0.0],
                          "w": [1.0, 2.0, np.nan, 4.0, 5.0, 6.0, 7.0]})
    dialect = Dialect(";", ",", (("a", 2), ("b", 0), ("w", 0)))
    lines = write_csv(frame, dialect=dialect).decode().split("\r\n")
    assert [line.split(";")[0] for line in lines[1:-1]] == ["12,00", "-53,70", "0,05", "", "1e-7",
                                                            "123456789,50", "2,125"]
    assert [line.split(";")[1] for line in lines[1:-1]] == ["2", "0,5", "1,25", "3", "", "-4", "0"]
    assert [line.split(";")[2] for line in lines[1:-1]] == ["1,0", "2,0", "", "4,0", "5,0", "6,0", "7,0"]
    exact = frame.iloc[:3]  # every value with at most two places: the decimal way
    assert write_csv(exact, dialect=dialect).split(b"\r\n")[1:4] == [line.encode() for line in lines[1:4]]
    path = tmp_path / "out.csv"
    write_csv_file(frame, path, chunk_rows=2, dialect=dialect)
    assert path.read_bytes() == write_csv(frame, dialect=dialect)
    back = pd.read_csv(path, sep=";", decimal=",")
    pd.testing.assert_frame_equal(back, frame)


# ---- the input's encoding


@pytest.mark.parametrize(("encode", "encoding"), [
    (lambda text: text.encode("cp1252"), "cp1252"),
    (lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"), "utf-8-sig"),
    (lambda text: text.encode("utf-16"), "utf-16"),
    (lambda text: text.encode("utf-8"), "utf-8"),
])
def test_the_file_is_written_in_the_input_encoding(encode, encoding, tmp_path):
    """Check a Windows-1252 export comes back in Windows-1252 (it came back as UTF-8, which the
    spreadsheet that made it shows as 'rÃ©gulier'), a UTF-8 file with a byte order mark gets the
    mark back, UTF-16 stays UTF-16 (its mark once, also across blocks): byte for byte the input;
    standard CSV is UTF-8 without a mark."""
    text = "id;montant;catégorie\r\nT1;12,50;régulier\r\nT2;-3,75;fraude\r\nT3;1 234,00;régulier\r\n"
    data = encode(text)
    frame = read_table(data, name="export.csv")
    assert frame.attrs["format"]["encoding"] == encoding
    dialect = Dialect.of(frame)
    assert dialect.encoding == encoding
    written = write_csv(frame, dialect=dialect)
    assert written == encode(text.replace("1 234,00", "1234,00"))  # (thousands are not written)
    path = tmp_path / "out.csv"
    write_csv_file(frame, path, chunk_rows=1, dialect=dialect)
    assert path.read_bytes() == written
    standard = write_csv(frame, dialect=dialect.standard())
    assert standard.decode("utf-8").startswith("id,montant,catégorie\r\nT1,12.50,régulier")


def test_a_character_the_input_encoding_cannot_hold_is_a_clear_error():
    """Check a value from elsewhere that Windows-1252 cannot hold is refused with a message that
    says what to do, not written as '?' or a crash."""
    frame = read_table("a;b\n1;é\n".encode("cp1252"), name="x.csv")
    frame.loc[0, "b"] = "中"
    with pytest.raises(DataError, match="cannot be written in cp1252.*standard CSV"):
        write_csv(frame, dialect=Dialect.of(frame))
    assert write_csv(frame, dialect=Dialect.of(frame).standard()).decode().endswith("1,中\r\n")


def test_columns_without_a_name_are_named_with_a_notice():
    """Check a trailing delimiter's empty header is named column_N and a notice says so (it was
    named silently), beside the notice for renamed duplicates."""
    frame = read_table(b"a;a;klasse;\n1;2;x;\n3;4;y;\n", name="t.csv")
    assert list(frame.columns) == ["a", "a_2", "klasse", "column_4"]
    assert _notices(frame, "unnamed_columns") == ["columns without a name in the header were named column_4"]
    assert _notices(frame, "duplicate_headers") == ["duplicate column names were renamed: 'a' -> 'a_2'"]


# ---- zero-padded whole numbers


@pytest.mark.parametrize("delimiter", [",", ";"])  # Arrow's integers; text typed by the cleaner
def test_zero_padded_codes_come_back_padded(delimiter, tmp_path):
    """Check customer numbers and postcodes written zero-padded to one width (00117, 01234) are
    read as numbers, as before, and written padded again (they came back as 117 and 1234), across
    blocks too; a column whose cells differ in length, carry a sign or are a lone 0 is not padded."""
    lines = ["kunde,plz,menge,saldo,flag,klasse"] + [
        f"{i * 37 % 100000:05d},{(i * 7919) % 99999:05d},{i % 12},{i - 20},0,{'a' if i % 3 else 'b'}"
        for i in range(60)]
    text = ("\r\n".join(lines) + "\r\n").replace(",", delimiter)
    frame = read_table(text.encode(), name="codes.csv")
    assert pd.api.types.is_integer_dtype(frame["kunde"].dtype) and frame["kunde"].iloc[1] == 37
    assert frame.attrs["format"]["widths"] == {"kunde": 5, "plz": 5}
    dialect = Dialect.of(frame)
    assert write_csv(frame, dialect=dialect).decode() == text
    path = tmp_path / "out.csv"
    write_csv_file(frame, path, chunk_rows=7, dialect=dialect)
    assert path.read_bytes() == text.encode()
    bigger = frame.copy()
    bigger.loc[0, "kunde"] = 1_234_567  # a value wider than the column: not padded, not cut
    assert write_csv(bigger, dialect=dialect).decode().split("\r\n")[1].split(delimiter)[0:2] == ["1234567", "00000"]


def test_zero_padded_codes_are_read_to_the_end_of_a_large_file():
    """Check the width is confirmed on every line of a file larger than the first block: one code
    of another width on the last line and the column is not padded."""
    lines = ["code,x,klasse"] + [f"{i % 100000:05d},{i % 7},{'a' if i % 4 else 'b'}" for i in range(240_000)]
    data = ("\n".join(lines) + "\n").encode()
    assert len(data) > 2 << 20
    assert read_table(data, name="c.csv").attrs["format"]["widths"] == {"code": 5}
    assert read_table(data + b"123456,1,a\n", name="c.csv").attrs["format"]["widths"] == {}


# ---- missing cells and true/false as the input wrote them


@pytest.mark.parametrize("delimiter", [",", ";"])  # Arrow's true/false; text typed by the cleaner
def test_missing_cells_and_true_false_come_back_as_written(delimiter, tmp_path):
    """Check a file that writes missing cells as '?' (the KEEL tables: hepatitis came back with 290
    empty cells) and true/false as a spreadsheet does (TRUE/FALSE; they came back as true/false)
    is written the same way, gaps in a true/false column included, across blocks too; standard
    CSV writes missing cells empty. Two tokens in one file, or an empty cell beside '?': empty."""
    lines = ["age,bilirubin,steroid,class"] + [
        f"{20 + i},{'?' if i % 5 == 2 else f'{i % 4}.{i % 10}0'},{'?' if i % 7 == 3 else ('TRUE' if i % 2 else 'FALSE')},"
        f"{'die' if i % 4 == 0 else 'live'}" for i in range(40)]
    text = ("\r\n".join(lines) + "\r\n").replace(",", delimiter)
    frame = read_table(text.encode(), name="hepatitis.csv")
    assert frame["bilirubin"].isna().sum() == 8 and frame["steroid"].isna().sum() == 6
    assert frame.attrs["format"]["missing"] == "?" and frame.attrs["format"]["booleans"] == {"steroid": "TRUE"}
    dialect = Dialect.of(frame)
    assert write_csv(frame, dialect=dialect).decode() == text
    path = tmp_path / "out.csv"
    write_csv_file(frame, path, chunk_rows=3, dialect=dialect)
    assert path.read_bytes() == text.encode()
    assert write_csv(frame, dialect=dialect.standard()).decode().split("\r\n")[3] == "22,,FALSE,live"
    mixed = read_table(text.replace("?", "NA", 1).encode(), name="h.csv")
    assert mixed.attrs["format"]["missing"] is None
    assert read_table(text.replace("?", "", 1).encode(), name="h.csv").attrs["format"]["missing"] is None


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_each_column_keeps_its_own_missing_token(delimiter, tmp_path):
    """Check a file whose columns write their gaps differently ('?' in one, empty cells in another,
    'NA' in a third) comes back byte for byte: every '?' in the original rows was written empty
    (56 of 326 rows of a cp1252 export changed). A column that mixes tokens itself: empty cells."""
    lines = ["x,code,amount,flag,label"] + [
        f"{i},{'?' if i % 5 == 2 else i % 7},{'' if i % 6 == 1 else f'{i / 4}'},"
        f"{'NA' if i % 9 == 4 else ('TRUE' if i % 2 else 'FALSE')},{'ab'[i % 3 == 0]}" for i in range(60)]
    text = ("\r\n".join(lines) + "\r\n").replace(",", delimiter).replace(".", "," if delimiter == ";" else ".")
    frame = read_table(text.encode(), name="mixed.csv")
    assert frame.attrs["format"]["missing"] is None
    assert frame.attrs["format"]["missings"] == {"code": "?", "flag": "NA"}
    dialect = Dialect.of(frame)
    assert write_csv(frame, dialect=dialect).decode() == text
    write_csv_file(frame, tmp_path / "o.csv", chunk_rows=7, dialect=dialect)
    assert (tmp_path / "o.csv").read_bytes() == text.encode()
    assert "?" not in write_csv(frame, dialect=dialect.standard()).decode()  # standard CSV: empty cells


def test_line_ends_come_back_as_the_input_had_them(tmp_path):
    """Check a file with bare line feeds (what pandas, R and most programs write) comes back with
    them, byte for byte, so that a diff of input and output shows only the new rows (every line
    differed by its carriage return); a spreadsheet's CRLF stays CRLF; standard CSV is CRLF."""
    text = "id,x,flag,label\n" + "".join(f"{i:03d},{i / 4},{'TRUE' if i % 2 else 'FALSE'},{'ab'[i % 3 == 0]}\n"
                                         for i in range(30))
    for data in (text.encode(), text.replace("\n", "\r\n").encode()):
        frame = read_table(data, name="lf.csv")
        assert write_csv(frame, dialect=Dialect.of(frame)) == data
        write_csv_file(frame, tmp_path / "o.csv", chunk_rows=4, dialect=Dialect.of(frame))
        assert (tmp_path / "o.csv").read_bytes() == data
        assert write_csv(frame, dialect=Dialect.of(frame).standard()).count(b"\r\n") == 31


# ---- from a review of the writer: digits, signs, wide tables


@pytest.mark.parametrize("text", [
    "x,k\n111079851638612.31,a\n1.50,b\n",  # more digits than a float holds at that scale
    "x,k\n9.245473010076099,a\n1.500000000000000,b\n",
    "t,k\n2320719422.063524000,a\n1.500000000,b\n",  # an epoch time with nine decimals
    "x,k\n-0.00,a\n1.50,b\n2.25,a\n",  # a negative zero keeps its sign
])
def test_long_decimals_keep_every_digit(text):
    """Check the fast way (a polars decimal) is taken only when every digit is exact: values of
    about 16 significant digits came out with other last digits (111079851638612.31 written as
    .32), and -0.00 as 0.00; the file is now the input's text, byte for byte."""
    frame = read_table(text.encode(), name="long.csv")
    assert write_csv(frame, dialect=Dialect.of(frame)) == text.encode()


def test_infinite_cells_do_not_count_as_whole_numbers():
    """Check an 'inf' cell (read as missing, with a notice) does not make its column's fewest
    decimals 0: 1.50 beside it stays 1.50."""
    frame = read_table(b"x,k\ninf,a\n1.50,b\n2.25,a\n", name="inf.csv")
    assert frame.attrs["format"]["decimals"] == {"x": 2}
    assert write_csv(frame, dialect=Dialect.of(frame)).split(b"\n")[2] == b"1.50,b"


def test_per_column_records_are_shared_not_copied():
    """Check the format record (an entry per column) is shared by the copies pandas makes of
    attrs on every column access: a 2,000-column table's write took 6.5 s (0.45 s shared)."""
    import copy

    frame = read_table(_ledger(), name="ledger.csv")
    assert copy.deepcopy(frame.attrs)["format"] is frame.attrs["format"]
    assert frame["betrag"].attrs["format"]["decimals"] is frame.attrs["format"]["decimals"]
    import json
    import pickle

    again = pickle.loads(pickle.dumps(frame))
    assert again.attrs["format"] == frame.attrs["format"]
    json.dumps(frame.attrs["format"])  # still plain JSON for profile --json


@pytest.mark.parametrize(("name", "sep"), [("codes.csv", ","), ("codes.txt", "   ")])
def test_codes_longer_than_a_number_holds_stay_text(name, sep):
    """Check 20-digit codes (beyond a 64-bit integer) are read as text and written back digit for
    digit: they were read as floats and written as 1e+19 and 1.2345678901234567e+19, other
    numbers; a 19-digit code fits an integer and stays one."""
    rows = [["code", "short", "x", "k"], ["09999999999999999999", "1234567890123456789", "1.5", "a"],
            ["12345678901234567890", "9223372036854775807", "2.5", "b"],
            ["00000000000000000001", "0000000000000000001", "3.5", "a"]]
    text = "\n".join(sep.join(row) for row in rows) + "\n"
    frame = read_table(text.encode(), name=name)
    assert frame["code"].tolist() == ["09999999999999999999", "12345678901234567890", "00000000000000000001"]
    assert pd.api.types.is_integer_dtype(frame["short"].dtype)
    if sep == ",":
        assert write_csv(frame, dialect=Dialect.of(frame)).decode() == text
    else:  # a whitespace table is written tab-separated
        assert write_csv(frame, dialect=Dialect.of(frame)).decode() == text.replace("   ", "\t")
