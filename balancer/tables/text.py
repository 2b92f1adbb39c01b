"""Text tables (CSV, TSV, TXT): decoding, the delimiter, the header, and the parse.

The header is parsed by Balancer (quoted newlines, any length; its true number of fields is
counted); the table's size is estimated from the line count before Arrow parses it; Arrow's block
is grown for long rows (no "straddling object" error) and Arrow's background threads are waited
for after a failed parse (see :class:`~balancer.tables.arrow.ArrowInput`). Whitespace-separated
tables go through pandas.
"""

from __future__ import annotations

import codecs
import io
import re

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import DataError, LimitError
from .arrow import ArrowInput, arrow_to_pandas, check_cells, memory_pool
from .clean import NULL_TOKENS, clean_frame, clean_headers, notice, report_renamed
from .files import SNIFF_BYTES
from .limits import Budget, Limits, cell_too_big, check_names, first_line, too_wide

_DELIMITERS = (",", ";", "\t", "|")
WHITESPACE = "whitespace"
_BLOCK_SIZE = 1 << 20  # Arrow's CSV block; grown for rows longer than it
_MAX_BLOCK = (1 << 31) - 1
_HEADER_FIELD: dict[bytes, re.Pattern[bytes]] = {}


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


def read_text(data: bytes, name: str, limits: Limits, budget: Budget) -> pd.DataFrame:
    """Read a text table: as UTF-8 (or the encoding of its BOM), else as a legacy encoding."""
    utf8, encoding = decode_text(data, name, verify=False)
    try:
        return _read_utf8(utf8, encoding, name, limits, budget)
    except (NotUtf8, UnicodeDecodeError):
        if encoding is not None:
            raise DataError(f"{name} could not be decoded as {encoding}") from None
        utf8, encoding = legacy_text(data)
        return _read_utf8(utf8, encoding, name, limits, budget)


def _read_utf8(utf8: bytes, encoding: str | None, name: str, limits: Limits,
               budget: Budget) -> pd.DataFrame:
    delimiter = sniff_delimiter(utf8[:SNIFF_BYTES].decode("utf-8", errors="ignore"))
    start = 0
    while start < len(utf8) and utf8[start] in (10, 13):
        start += 1
    if delimiter == WHITESPACE:
        header, body_start = _whitespace_header(utf8, start, name, limits)
    else:
        header, body_start, _ = parse_header(utf8, start, delimiter or ",", name, limits)
    names, renamed = clean_headers(header)
    if not names:
        raise DataError(f"{name} has no header row")
    check_names(names, name, limits)
    # the table's size before it is parsed: at most 8 bytes a cell (a number, or a string's
    # offset and validity) plus the text itself
    lines = utf8.count(b"\n", body_start) + 1
    budget.check(len(utf8) - body_start + lines * len(names) * 8.0, name)
    body = memoryview(utf8)[body_start:]  # no copy of a large file
    if delimiter == WHITESPACE:
        frame = _parse_whitespace(body, names, name)
        _check_text_cells(frame, name, limits)
    else:
        quoted = utf8.find(b'"', body_start) != -1
        frame = _parse_delimited(body, names, delimiter or ",", name, quoted, limits)
    _encoding_notice(frame, encoding, name)
    report_renamed(frame, renamed)
    return clean_frame(frame, convert_objects=delimiter == WHITESPACE)


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


def _csv_options(names: list[str], delimiter: str, quoted: bool,
                 block: int) -> tuple[pacsv.ReadOptions, pacsv.ParseOptions, pacsv.ConvertOptions]:
    return (pacsv.ReadOptions(column_names=names, use_threads=True, block_size=block),
            pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted),
            pacsv.ConvertOptions(null_values=list(NULL_TOKENS), strings_can_be_null=True,
                                 quoted_strings_can_be_null=True))


def _parse_delimited(
    body: memoryview, names: list[str], delimiter: str, name: str, quoted: bool, limits: Limits,
) -> pd.DataFrame:
    block = _BLOCK_SIZE
    while True:
        source = ArrowInput(body)
        read, parse, convert = _csv_options(names, delimiter, quoted, block)
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
