"""Text tables (CSV, TSV, TXT): decoding, the delimiter, the header, and the parse.

Title and blank rows above the header are found from the first 64 KB (the delimiter is taken from
the rows the table agrees on, so a title does not fool it), and so is the number format (the
decimal mark and thousands separator, :mod:`balancer.tables.numbers`). The header is parsed by
Balancer (quoted newlines, any length; its true number of fields is counted); the table's size is
estimated from the line count before Arrow parses it (once, with the file's decimal mark); Arrow's
block is grown for long rows (no "straddling object" error) and Arrow's background threads are
waited for after a failed parse (see :class:`~balancer.tables.arrow.ArrowInput`).
Whitespace-separated tables go through pandas.
"""

from __future__ import annotations

import codecs
import dataclasses
import io
import re
from collections.abc import Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import DataError, LimitError
from .arrow import ArrowInput, arrow_to_pandas, check_cells, memory_pool
from .clean import NULL_TOKENS, Shared, clean_frame, clean_headers, is_code, notice, report_renamed, spelled
from .files import SNIFF_BYTES
from .header import MAX_ABOVE, WINDOW, header_index, most_common, report_skipped, row_text
from .limits import Budget, Limits, cell_too_big, check_names, first_line, too_wide
from .numbers import Decimals, NumberFormat, Width, detect

_DELIMITERS = (",", ";", "\t", "|")
WHITESPACE = "whitespace"
_BLOCK_SIZE = 1 << 20  # Arrow's CSV block; grown for rows longer than it
_MAX_BLOCK = (1 << 31) - 1
_HEADER_FIELD: dict[bytes, re.Pattern[bytes]] = {}
_LINE_END = re.compile(rb"\r\n|\r|\n")
_NUMBER_LINES = 1_000  # body lines whose cells show the number format


class NotUtf8(Exception):
    """The parser met bytes that are not UTF-8."""


# --------------------------------------------------------------------------------------------
# decoding


def decode_text(data: bytes, name: str, verify: bool = True) -> tuple[bytes, str | None]:
    """Return the content as UTF-8 bytes and the name of the encoding used when it was not UTF-8.

    Understands UTF-8 (with or without BOM), UTF-16 with BOM, and falls back to cp1252 (then
    latin-1) for legacy files. Raises :class:`DataError` for binary content. With ``verify=False``
    BOM-less content is assumed UTF-8 without checking (the CSV parser checks it anyway).
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):], None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").encode("utf-8"), "UTF-16"
        except UnicodeDecodeError:
            raise DataError(f"{name} starts like UTF-16 text but cannot be decoded") from None
    head = data[:SNIFF_BYTES]
    controls = sum(head.count(bytes([b])) for b in range(32) if b not in (9, 10, 13))
    if b"\x00" in head or controls > max(2, len(head) // 100):
        raise DataError(
            f"{name} is binary, not a text table; upload CSV, TSV, TXT, Excel .xlsx or Parquet"
        )
    if not verify:
        return data, None
    try:
        data.decode("utf-8")
        return data, None
    except UnicodeDecodeError:
        return legacy_text(data)


def legacy_text(data: bytes) -> tuple[bytes, str]:
    """Decode non-UTF-8 text as cp1252 (or latin-1 where cp1252 has holes); return UTF-8 bytes."""
    try:
        return data.decode("cp1252").encode("utf-8"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1").encode("utf-8"), "latin-1"


# --------------------------------------------------------------------------------------------
# the delimiter


def sniff_delimiter(sample: str) -> str | None:
    """Return the delimiter of a text table: one of ``, ; TAB |``, ``"whitespace"`` or None.

    A header whose quoted cell spans lines (``"Amount\\n(EUR)"``) counts as one line.
    """
    lines = _records([line for line in sample.splitlines() if line.strip()])[:50]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of a sample may be cut short
    if not lines:
        return None
    best: tuple[float, int, str] | None = None
    for delimiter in _DELIMITERS:
        counts = [_count_outside_quotes(line, delimiter) for line in lines]
        if counts[0] == 0:
            continue
        agree = sum(1 for c in counts if c == counts[0]) / len(counts)
        candidate = (agree, counts[0], delimiter)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is not None and best[0] >= 0.8:
        return best[2]
    widths = [len(line.split()) for line in lines]
    if widths[0] > 1 and sum(1 for w in widths if w == widths[0]) / len(widths) >= 0.8:
        return WHITESPACE
    return best[2] if best is not None else None


def _records(lines: list[str]) -> list[str]:
    """The lines, with the header's lines joined while one of its quotes is open (a header cell
    such as ``"Amount\n(EUR)"``). Later lines stay as they are, so one stray quote in the data
    does not change the sniffing of the rest."""
    quotes = 0
    for end, line in enumerate(lines[:200]):
        quotes += line.count('"')
        if quotes % 2 == 0:
            return ["\n".join(lines[:end + 1]), *lines[end + 1:]] if end else lines
    return lines


def _count_outside_quotes(line: str, delimiter: str) -> int:
    if '"' not in line:
        return line.count(delimiter)
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


# --------------------------------------------------------------------------------------------
# the layout: where the header is, what separates the fields


@dataclasses.dataclass(frozen=True)
class _Layout:
    """Where a text table's header starts and how its fields are separated."""

    delimiter: str | None  # one of , ; TAB |, WHITESPACE, or None (a single column)
    start: int  # the header's offset in the content
    line: int  # the header's line number (from 1, blank lines counted)
    skipped: tuple[str, ...] = ()  # the title rows skipped above the header


def _layout(utf8: bytes, name: str, header_row: int | None = None) -> _Layout:
    """The delimiter and the header: the line ``header_row`` names, else the first line after any
    title or blank rows (:func:`~balancer.tables.header.header_index`), found with the delimiter
    the rows agree on from the header down, so the title lines do not fool the sniffer. When no
    row is skipped (or the table is whitespace-separated), the sniffer's delimiter and the first
    line, as before."""
    if header_row is not None:
        start = _line_start(utf8, header_row, name)
        return _Layout(sniff_delimiter(_text(utf8[start:start + SNIFF_BYTES])), start, header_row)
    sample = utf8[:SNIFF_BYTES]
    sniffed = sniff_delimiter(_text(sample))
    if sniffed != WHITESPACE:
        records = _leading_records(sample)
        delimiter = _table_delimiter([text for _, _, text in records])
        if delimiter is not None:
            rows = [_split_fields(text, delimiter) for _, _, text in records]
            index = header_index(rows)
            if index:
                line, start, _ = records[index]
                titles = tuple(row_text(row) for row in rows[:index] if any(row))
                return _Layout(delimiter, start, line, titles)
    start = 0
    while start < len(utf8) and utf8[start] in (10, 13):
        start += 1
    return _Layout(sniffed, start, 1 + len(_LINE_END.findall(utf8, 0, start)))


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="ignore")


def _leading_records(sample: bytes) -> list[tuple[int, int, str]]:
    """The first rows of a sample as (line number, offset, text). The first row whose quotes stay
    open (a header cell such as ``"Amount\\n(EUR)"``) is joined with the lines that close them;
    a last line cut short by the end of the sample is left out."""
    lines: list[tuple[int, str]] = []
    start = 0
    for match in _LINE_END.finditer(sample):
        lines.append((start, _text(sample[start:match.start()])))
        start = match.end()
        if len(lines) >= WINDOW + 200:
            break
    if not lines:
        lines.append((0, _text(sample)))
    records: list[tuple[int, int, str]] = []
    joined, index = False, 0
    while index < len(lines) and len(records) < WINDOW:
        offset, text = lines[index]
        end = index + 1
        if not joined and len(records) <= MAX_ABOVE and text.count('"') % 2:
            joined = True
            end = _quotes_closed(lines, index)
            text = "\n".join(line for _, line in lines[index:end])
        records.append((index + 1, offset, text))
        index = end
    return records


def _quotes_closed(lines: list[tuple[int, str]], index: int) -> int:
    """The line after the one that closes the quote opened on line ``index`` (within 200 lines;
    else the next line: a stray quote)."""
    quotes = 0
    for end in range(index, min(len(lines), index + 200)):
        quotes += lines[end][1].count('"')
        if quotes % 2 == 0:
            return end + 1
    return index + 1


def _table_delimiter(texts: list[str]) -> str | None:
    """The delimiter the rows agree on, counted from the first row that has the table's number of
    them (title rows above it do not count): the most rows in agreement (80% at least), then the
    most fields, then the earliest row. None when no delimiter is agreed on."""
    texts = [text for text in texts if text.strip()]
    best: tuple[tuple[float, int, int], str] | None = None
    for delimiter in _DELIMITERS:
        counts = [_count_outside_quotes(text, delimiter) for text in texts]
        present = [count for count in counts if count]
        if not present:
            continue
        usual = most_common(present)
        first = counts.index(usual)
        window = counts[first:first + 50]
        key = (sum(1 for count in window if count == usual) / len(window), usual, -first)
        if first <= MAX_ABOVE and (best is None or key > best[0]):
            best = (key, delimiter)
    return best[1] if best is not None and best[0][0] >= 0.8 else None


def _split_fields(text: str, delimiter: str) -> list[str]:
    """A row's fields, stripped, with quotes removed (``""`` read as ``"``)."""
    if '"' not in text:
        return [field.strip() for field in text.split(delimiter)]
    fields: list[str] = []
    current: list[str] = []
    quoted, previous = False, ""
    for char in text:
        if char == '"':
            quoted = not quoted
            if quoted and previous == '"':
                current.append('"')
        elif char == delimiter and not quoted:
            fields.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        previous = char
    fields.append("".join(current).strip())
    return fields


def _line_start(utf8: bytes, number: int, name: str) -> int:
    """Where line ``number`` starts (from 1, blank lines counted); a :class:`DataError` beyond the
    last line and for a blank line."""
    line, start = 1, 0
    if number > 1:
        for match in _LINE_END.finditer(utf8):
            line, start = line + 1, match.end()
            if line == number:
                break
    if line < number or start >= len(utf8):
        total = line - 1 if start >= len(utf8) else line
        raise DataError(f"{name} has {total:,} lines; header_row={number:,} is beyond its end")
    if not utf8[start:line_end(utf8, start)].strip():
        raise DataError(f"{name}: line {number:,} is blank; header_row must name the line with the "
                        "column names")
    return start


def _number_format(utf8: bytes, body_start: int, delimiter: str) -> NumberFormat:
    """The decimal mark and thousands separator the first rows of the table's body show."""
    end = body_start + SNIFF_BYTES
    lines = _text(utf8[body_start:end]).splitlines()
    if end < len(utf8):
        lines = lines[:-1]  # the last line of the sample may be cut short
    lines = lines[:_NUMBER_LINES]
    cells = (cell for line in lines
             for cell in (line.split() if delimiter == WHITESPACE else _split_fields(line, delimiter)))
    return detect(cells, delimiter)


# --------------------------------------------------------------------------------------------
# the header


def _header_field(delimiter: bytes) -> re.Pattern[bytes]:
    """One header field as pandas' tokenizer reads it: a quoted part (``""`` is a quote) and
    the unquoted rest up to the delimiter or the line end, or an unquoted field."""
    pattern = _HEADER_FIELD.get(delimiter)
    if pattern is None:
        d = re.escape(delimiter)
        pattern = re.compile(rb'"((?:[^"]+|"")*)"([^' + d + rb'\r\n]*)|([^' + d + rb'\r\n]*)')
        _HEADER_FIELD[delimiter] = pattern
    return pattern


def parse_header(utf8: bytes, start: int, delimiter: str, name: str,
                 limits: Limits) -> tuple[list[str], int, int]:
    """The header's fields, the offset just after it, and its true number of fields.

    Parsed from the whole content (not a sample), so a header longer than the sniff sample and
    quoted cells with newlines (``"Amount\\n(EUR)"``) are read as pandas reads them. Beyond the
    column limit the fields are only counted.
    """
    pattern = _header_field(delimiter.encode())
    sep = ord(delimiter)
    fields: list[bytes] = []
    count, pos, size = 0, start, len(utf8)
    while True:
        match = pattern.match(utf8, pos)
        assert match is not None  # the unquoted branch matches the empty string
        value = _field_value(match, name)
        count += 1
        if len(value) > limits.max_cell_bytes:
            raise cell_too_big(name, f"the name of column {count}", len(value), limits)
        if count <= limits.max_columns:
            fields.append(value)
        pos = match.end()
        if not (pos < size and utf8[pos] == sep):
            break
        pos += 1
        if count > limits.max_columns:  # only count the rest, fast when it has no quotes
            end = line_end(utf8, pos)
            if utf8.find(b'"', pos, end) == -1:
                count += utf8.count(delimiter.encode(), pos, end) + 1
                pos = end
                break
    pos = _after_newline(utf8, pos)
    if count > limits.max_columns:
        raise LimitError(too_wide(name, count, limits))
    try:
        return [value.decode("utf-8") for value in fields], pos, count
    except UnicodeDecodeError:
        raise NotUtf8 from None


def _field_value(match: re.Match[bytes], name: str) -> bytes:
    """One header field's value: quotes removed (``""`` read as ``"``)."""
    if match.group(1) is not None:
        return match.group(1).replace(b'""', b'"') + match.group(2)
    value = match.group(3)
    if value.startswith(b'"'):
        raise DataError(f"{name}: the header has a quote that is never closed; fix the "
                        "quoting of the first row and upload again")
    return value


def _after_newline(data: bytes, pos: int) -> int:
    """``pos`` moved past one line end (``\\r\\n``, ``\\n`` or ``\\r``) there, if any."""
    if pos < len(data) and data[pos] == 13:
        pos += 1
    if pos < len(data) and data[pos] == 10:
        pos += 1
    return pos


def line_end(data: bytes, pos: int) -> int:
    """Where the line that holds ``pos`` ends."""
    ends = [i for i in (data.find(b"\n", pos), data.find(b"\r", pos)) if i != -1]
    return min(ends) if ends else len(data)


def _whitespace_header(utf8: bytes, start: int, name: str, limits: Limits) -> tuple[list[str], int]:
    """The first line's words (a whitespace-separated table) and where the body starts."""
    end = line_end(utf8, start)
    try:
        header = utf8[start:end].decode("utf-8").split()
    except UnicodeDecodeError:
        raise NotUtf8 from None
    if len(header) > limits.max_columns:
        raise LimitError(too_wide(name, len(header), limits))
    return header, end


# --------------------------------------------------------------------------------------------
# the table


def read_text(data: bytes, name: str, limits: Limits, budget: Budget, *,
              header_row: int | None = None) -> pd.DataFrame:
    """Read a text table: as UTF-8 (or the encoding of its BOM), else as a legacy encoding.

    ``header_row``: the line of the column names (from 1, blank lines counted); by default the
    first line after any title or blank rows. ``frame.attrs["format"]`` records what was found.
    """
    utf8, encoding = decode_text(data, name, verify=False)
    try:
        frame = _read_utf8(utf8, encoding, name, limits, budget, header_row)
        if data.startswith(codecs.BOM_UTF8):  # written back with it (a spreadsheet needs it to see UTF-8)
            frame.attrs["format"] = Shared(frame.attrs["format"], encoding="utf-8-sig")
        return frame
    except (NotUtf8, UnicodeDecodeError):
        if encoding is not None:
            raise DataError(f"{name} could not be decoded as {encoding}") from None
        utf8, encoding = legacy_text(data)
        return _read_utf8(utf8, encoding, name, limits, budget, header_row)


def _read_utf8(utf8: bytes, encoding: str | None, name: str, limits: Limits, budget: Budget,
               header_row: int | None) -> pd.DataFrame:
    layout = _layout(utf8, name, header_row)
    delimiter = layout.delimiter or ","
    if delimiter == WHITESPACE:
        header, body_start = _whitespace_header(utf8, layout.start, name, limits)
    else:
        header, body_start, _ = parse_header(utf8, layout.start, delimiter, name, limits)
    names, renamed = clean_headers(header)
    if not names:
        raise DataError(f"{name} has no header row")
    check_names(names, name, limits)
    # the table's size before it is parsed: at most 8 bytes a cell (a number, or a string's
    # offset and validity) plus the text itself
    lines = utf8.count(b"\n", body_start) + 1
    budget.check(len(utf8) - body_start + lines * len(names) * 8.0, name)
    numbers = _number_format(utf8, body_start, delimiter)
    body = memoryview(utf8)[body_start:]  # no copy of a large file
    if delimiter == WHITESPACE:
        frame = _parse_whitespace(body, names, name)
        _check_text_cells(frame, name, limits)
        decimals: dict[str, int] = {}
        widths: dict[str, int] = {}
        missing: str | None = None
        spellings: dict[str, str] = {}
        missings: dict[str, str] = {}
    else:
        quoted = utf8.find(b'"', body_start) != -1
        frame = _parse_delimited(body, names, delimiter, name, quoted, limits, numbers.decimal)
        codes = _long_codes(body, names, delimiter, quoted, numbers.decimal, frame)
        for column, cells in codes.items():
            frame[column] = cells
        decimals, widths = _number_text(body, names, delimiter, quoted, numbers.decimal, frame)
        missing, spellings, missings = _first_block_text(body, names, delimiter, quoted, frame)
    _encoding_notice(frame, encoding, name)
    report_renamed(frame, renamed)
    report_skipped(frame, layout.line, list(layout.skipped))
    frame = clean_frame(frame, convert_objects=delimiter == WHITESPACE, numbers=numbers, decimals=decimals,
                        widths=widths, spellings=spellings)
    frame.attrs["format"] = Shared({"kind": _kind(name, delimiter), "delimiter": delimiter,
                             "decimal": numbers.decimal, "thousands": numbers.thousands,
                             "header_row": layout.line, "encoding": (encoding or "utf-8").lower(),
                             "decimals": Shared((c, decimals[c]) for c in map(str, frame.columns) if c in decimals),
                             "widths": Shared((c, widths[c]) for c in map(str, frame.columns) if c in widths),
                             "missing": missing,
                             "booleans": Shared((str(c), spellings[str(c)]) for c in frame.columns
                                                if str(c) in spellings and pd.api.types.is_bool_dtype(frame[c].dtype)),
                             "line_end": _line_end(utf8, body_start)}
                            | ({"missings": Shared((c, missings[c]) for c in map(str, frame.columns) if c in missings)}
                               if missings else {}))
    return frame


def _line_end(utf8: bytes, body_start: int) -> str:
    """``"\\n"`` when the header's line ends with a bare line feed, else ``"\\r\\n"`` (a quoted
    line break inside the header does not count). ``body_start``: just after the header's line
    end (delimited text) or at it (a whitespace-separated table)."""
    if utf8[body_start - 1:body_start] == b"\n":
        ended = utf8[body_start - 2:body_start]
    else:
        ended = utf8[body_start:body_start + 2]
    return "\n" if ended[-1:] == b"\n" and ended != b"\r\n" or ended[:1] == b"\n" else "\r\n"


def _kind(name: str, delimiter: str) -> str:
    """``"csv"``, ``"tsv"`` or ``"txt"``: the name's ending, else what the delimiter suggests."""
    ending = name.lower().rpartition(".")[2]
    if ending in ("csv", "tsv", "txt"):
        return ending
    return {"\t": "tsv", WHITESPACE: "txt"}.get(delimiter, "csv")


def _encoding_notice(frame: pd.DataFrame, encoding: str | None, name: str) -> None:
    if encoding == "UTF-16":
        notice(frame, "encoding", f"{name} was read as UTF-16")
    elif encoding:
        notice(frame, "encoding",
               f"{name} is not UTF-8; it was read as {encoding}. Check accented characters.")


def _check_text_cells(frame: pd.DataFrame, name: str, limits: Limits) -> None:
    """Refuse a cell of a frame of strings longer than the cell limit."""
    for column in frame.columns:
        longest = frame[column].str.len().max()
        if pd.notna(longest) and longest > limits.max_cell_bytes // 4:
            size = int(frame[column].str.encode("utf-8").str.len().max())
            if size > limits.max_cell_bytes:
                raise cell_too_big(name, f"a cell of column {column!r}", size, limits)


def _csv_options(names: list[str], delimiter: str, quoted: bool, block: int,
                 decimal: str) -> tuple[pacsv.ReadOptions, pacsv.ParseOptions, pacsv.ConvertOptions]:
    return (pacsv.ReadOptions(column_names=names, use_threads=True, block_size=block),
            pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted),
            pacsv.ConvertOptions(null_values=list(NULL_TOKENS), strings_can_be_null=True,
                                 quoted_strings_can_be_null=True, decimal_point=decimal))


def _parse_delimited(
    body: memoryview, names: list[str], delimiter: str, name: str, quoted: bool, limits: Limits,
    decimal: str = ".",
) -> pd.DataFrame:
    """The body parsed by Arrow, numbers with the file's decimal mark (numbers with a thousands
    separator stay text here; :func:`~balancer.tables.clean.clean_frame` reads them)."""
    block = _BLOCK_SIZE
    while True:
        source = ArrowInput(body)
        read, parse, convert = _csv_options(names, delimiter, quoted, block, decimal)
        try:
            table = pacsv.read_csv(pa.BufferReader(source.buffer()), memory_pool=memory_pool(),
                                   read_options=read, parse_options=parse, convert_options=convert)
            break
        except pa.ArrowInvalid as exc:
            source.settle()
            message = first_line(exc)
            if ("straddling" in message or "block size" in message) and block < min(len(body) + 1, _MAX_BLOCK):
                # a row longer than the block: read again with a block that holds it (the whole
                # file at most, so this ends)
                block = min(max(block * 16, 1), len(body) + 1, _MAX_BLOCK)
                continue
            return _csv_failure(message, names, delimiter, name)
    if any(pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type) for field in table.schema):
        raise NotUtf8  # Arrow types text that is not valid UTF-8 as binary
    check_cells(table, name, limits)
    return arrow_to_pandas(table)


def _as_text(body: memoryview, names: list[str], delimiter: str, quoted: bool, decimal: str,
             columns: list[str], block: int, *, nulls: bool = True,
             first: bool = False) -> Iterator[pa.RecordBatch]:
    """``columns`` of the body as Arrow reads them but as text (the null tokens as nulls, or with
    ``nulls=False`` as they are written), a block of rows at a time; only the first with
    ``first``. Raises ``pa.ArrowInvalid`` for a row longer than the block, once Arrow let go of
    the bytes (see :class:`ArrowInput`)."""
    source = ArrowInput(body)
    read, parse, convert = _csv_options(names, delimiter, quoted, block, decimal)
    convert.column_types = {column: pa.string() for column in columns}
    convert.include_columns = columns
    if not nulls:
        convert.null_values, convert.strings_can_be_null, convert.quoted_strings_can_be_null = [], False, False
    try:
        reader = pacsv.open_csv(pa.BufferReader(source.buffer()), memory_pool=memory_pool(),
                                read_options=read, parse_options=parse, convert_options=convert)
        for batch in reader:
            yield batch
            if first:
                break
        reader.close()  # (after the first block: no read-ahead left running)
    except pa.ArrowInvalid:
        source.settle()
        raise


def _number_text(body: memoryview, names: list[str], delimiter: str, quoted: bool, decimal: str,
                 frame: pd.DataFrame) -> tuple[dict[str, int], dict[str, int]]:
    """How the numbers of each column were written, for the writer to write them the same way:
    the decimals of float columns (:class:`~balancer.tables.numbers.Decimals`) and the width of
    zero-padded whole numbers (:class:`~balancer.tables.numbers.Width`). Arrow keeps no text of
    the numbers it parsed, so the text of those columns is read again, streamed a block of rows at
    a time. The first block decides which columns may need a record at all (a whole number beside
    decimals, trailing zeros, leading zeros); only those are read to the end, so a table of
    full-precision floats and plain integers costs one block more, not a second pass."""
    found: dict[str, Decimals | Width] = {
        str(c): Decimals() if frame[c].dtype == "float64" else Width()
        for c in frame.columns if frame[c].dtype == "float64" or pd.api.types.is_integer_dtype(frame[c].dtype)}
    for first in (True, False):
        if not first:  # the columns the first block says may need a record, from their start
            columns = [c for c, seen in found.items() if seen.places() is not None and not seen.settled]
            found = {c: type(seen)() if c in columns else seen for c, seen in found.items()}
        else:
            columns = list(found)
        if not columns:
            break
        try:
            for batch in _as_text(body, names, delimiter, quoted, decimal, columns,
                                  _BLOCK_SIZE if first else _BLOCK_SIZE * 8, first=first):
                for column, cells in zip(batch.schema.names, batch.columns):
                    if not found[column].settled:
                        found[column].add(cells, decimal)
        except pa.ArrowInvalid:  # a row longer than the block: written as each value's shortest text
            return {}, {}
    places = {column: seen.places() for column, seen in found.items()}
    decimals = {c: n for c, n in places.items() if n is not None and isinstance(found[c], Decimals)}
    widths = {c: n for c, n in places.items() if n is not None and isinstance(found[c], Width)}
    return decimals, widths


def _long_codes(body: memoryview, names: list[str], delimiter: str, quoted: bool, decimal: str,
                frame: pd.DataFrame) -> dict[str, pd.Series]:
    """The text of float columns that are codes (:func:`~balancer.tables.clean.is_code`): digits
    beyond a 64-bit integer, which Arrow reads as floats with other digits (``09999999999999999999``
    as 1e19). Only columns whose floats reach 2**63 are read again."""
    candidates = [str(c) for c in frame.columns
                  if frame[c].dtype == "float64" and bool((frame[c].abs() >= 2.0 ** 63).any())]
    if not candidates:
        return {}
    try:
        table = pa.Table.from_batches(list(_as_text(body, names, delimiter, quoted, decimal, candidates,
                                                    _BLOCK_SIZE * 8)))
    except pa.ArrowInvalid:
        return {}
    found = {}
    for column in candidates:
        cells = table.column(column).to_pandas().str.strip()
        if is_code(cells.dropna()):
            found[column] = cells.astype("str")
    return found


def _first_block_text(body: memoryview, names: list[str], delimiter: str, quoted: bool,
                      frame: pd.DataFrame) -> tuple[str | None, dict[str, str], dict[str, str]]:
    """What the first block of rows shows as text, for the writer to write the same way: the
    token the file writes a missing cell as, when it is one and not an empty cell (``?``, ``NA``),
    how each true/false column spells them (``TRUE``/``FALSE`` or ``True``/``False``; lower
    case, the writer's own, is not recorded), and, in a file whose columns write missing cells
    differently (``?`` in one, empty in another), each column's own token where it has one. A
    block (1 MB), not the whole file: these are a file's habits, not its values."""
    try:  # (a list: the reader runs to its end and is closed)
        batches = list(_as_text(body, names, delimiter, quoted, ".", names, _BLOCK_SIZE, nulls=False, first=True))
    except pa.ArrowInvalid:
        return None, {}, {}
    if not batches:
        return None, {}, {}
    batch = batches[0]
    tokens: set[str] = set()
    spellings: dict[str, str] = {}
    per_column: dict[str, set[str]] = {}
    null_tokens = pa.array(list(NULL_TOKENS), type=pa.string())
    for column, cells in zip(batch.schema.names, batch.columns):
        found = set(pc.unique(pc.filter(cells, pc.is_in(cells, value_set=null_tokens))).to_pylist())
        tokens.update(found)
        per_column[column] = found
        # (Arrow reads these as true/false: a column of them with gaps comes to pandas as objects)
        spelling = spelled(pc.unique(pc.filter(cells, pc.invert(pc.is_in(cells, value_set=null_tokens))))
                           .to_pylist())
        if spelling is not None:
            spellings[column] = spelling
    if len(tokens) == 1 and "" not in tokens:
        return tokens.pop(), spellings, {}
    # mixed: each column that writes its gaps one way keeps that way (the others: empty cells)
    missings = {c: next(iter(found)) for c, found in per_column.items() if len(found) == 1 and "" not in found}
    return None, spellings, missings


def _csv_failure(message: str, names: list[str], delimiter: str, name: str) -> pd.DataFrame:
    """What a failed Arrow parse means: not UTF-8, no rows at all (an empty frame), ragged rows."""
    if "UTF8" in message or "UTF-8" in message:
        raise NotUtf8 from None
    if message.startswith("Empty CSV file"):  # a header and nothing else
        return pd.DataFrame({n: pd.Series(dtype="str") for n in names})
    match = re.search(r"Expected (\d+) columns, got (\d+)", message)
    if match:
        raise DataError(
            f"{name}: some rows have {match.group(2)} fields but the header has "
            f"{match.group(1)}; fix the ragged rows (or quote cells that contain "
            f"'{delimiter}') and upload again"
        ) from None
    raise DataError(f"{name} could not be parsed as a table ({message})") from None


def _parse_whitespace(body: memoryview, names: list[str], name: str) -> pd.DataFrame:
    try:
        return pd.read_csv(
            io.BytesIO(body), sep=r"\s+", header=None, names=names, dtype=str,
            na_values=list(NULL_TOKENS), keep_default_na=False, engine="c", encoding="utf-8",
        )
    except UnicodeDecodeError:
        raise NotUtf8 from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{name} could not be parsed as a table ({first_line(exc)})") from None
