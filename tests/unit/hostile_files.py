"""Hostile table files, generated small (never committed): expansion bombs, forged footers,
row bombs, long lines. Each builder returns bytes; sizes are kept to a few MB at most."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

# ---- Parquet


def parquet_bytes(table: pa.Table, **options: object) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, **options)
    return sink.getvalue()


def dictionary_bomb(rows: int = 1_000_000, width: int = 1024) -> bytes:
    """One dictionary-encoded column: ``rows`` references to one ``width``-byte string, written
    without the Arrow schema (about 0.1 MB on disk, ``rows * width`` bytes once decoded)."""
    values = pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, dtype=np.int32)),
                                            pa.array(["x" * width]))
    table = pa.table({"a": values.cast(pa.string())})
    return parquet_bytes(table, store_schema=False, compression="zstd")


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


Patch = Callable[[tuple[int, ...]], "int | None"]


def _rewrite_struct(buf: bytes, pos: int, path: tuple[int, ...], patch: Patch) -> tuple[bytes, int]:
    out = bytearray()
    last = 0
    while True:
        byte = buf[pos]
        head_start = pos
        pos += 1
        if byte == 0:
            out.append(0)
            return bytes(out), pos
        kind, delta = byte & 0x0F, byte >> 4
        if delta:
            field = last + delta
        else:
            raw, pos = _read_varint(buf, pos)
            field = (raw >> 1) ^ -(raw & 1)
        last = field
        out += buf[head_start:pos]
        value, pos = _rewrite_value(buf, pos, kind, path + (field,), patch)
        out += value


def _rewrite_value(buf: bytes, pos: int, kind: int, path: tuple[int, ...], patch: Patch) -> tuple[bytes, int]:
    start = pos
    if kind in (1, 2):
        return b"", pos
    if kind == 3:
        return buf[pos:pos + 1], pos + 1
    if kind in (4, 5, 6):
        _, pos = _read_varint(buf, pos)
        new = patch(path)
        if new is None:
            return buf[start:pos], pos
        return _varint((new << 1) ^ (new >> 63)), pos
    if kind == 7:
        return buf[pos:pos + 8], pos + 8
    if kind == 8:
        size, pos = _read_varint(buf, pos)
        return buf[start:pos + size], pos + size
    if kind in (9, 10):
        head = buf[pos]
        pos += 1
        size, element = head >> 4, head & 0x0F
        if size == 15:
            size, pos = _read_varint(buf, pos)
        out = bytearray(buf[start:pos])
        for i in range(size):
            if element in (1, 2):
                out += buf[pos:pos + 1]
                pos += 1
            else:
                value, pos = _rewrite_value(buf, pos, element, path + (i,), patch)
                out += value
        return bytes(out), pos
    if kind == 11:
        size, pos = _read_varint(buf, pos)
        if size == 0:
            return buf[start:pos], pos
        types = buf[pos]
        pos += 1
        out = bytearray(buf[start:pos])
        for _ in range(size):
            key, pos = _rewrite_value(buf, pos, types >> 4, path, lambda p: None)
            value, pos = _rewrite_value(buf, pos, types & 0x0F, path, lambda p: None)
            out += key + value
        return bytes(out), pos
    if kind == 12:
        return _rewrite_struct(buf, pos, path, patch)
    raise ValueError(kind)


def forge_footer(data: bytes, patch: Patch) -> bytes:
    """Rewrite integer fields of a Parquet footer (FileMetaData) by their Thrift field path.

    Paths: ``(3,)`` the file's num_rows; ``(4, g, 3)`` row group g's num_rows;
    ``(4, g, 1, c, 3, 5)`` the num_values of column c in row group g.
    """
    assert data.endswith(b"PAR1")
    length = struct.unpack("<I", data[-8:-4])[0]
    footer_start = len(data) - 8 - length
    footer, end = _rewrite_struct(data, footer_start, (), patch)
    assert end == len(data) - 8
    return data[:footer_start] + footer + struct.pack("<I", len(footer)) + b"PAR1"


def forged_row_count(rows: int = 3_000_000, claim: int = 10, *, groups_too: bool = True) -> bytes:
    """``rows`` rows of one constant integer column (RLE: a few KB) whose footer claims ``claim``
    rows for the file (and, with ``groups_too``, for every row group)."""
    table = pa.table({"x": pa.array(np.zeros(rows, dtype=np.int64))})
    data = parquet_bytes(table, compression="zstd", row_group_size=rows)

    def patch(path: tuple[int, ...]) -> int | None:
        if path == (3,):
            return claim
        if groups_too and len(path) == 3 and path[0] == 4 and path[2] == 3:
            return claim
        return None

    return forge_footer(data, patch)


def binary_column(valid_utf8: bool = False) -> bytes:
    """A Parquet file with a binary (not string) column: bytes that are, or are not, UTF-8."""
    values = [b"abc", "é".encode(), b"x"] if valid_utf8 else [b"\xff\xfe\x00", b"\x80abc", b"ok"]
    table = pa.table({"blob": pa.array(values * 20, type=pa.binary()),
                      "label": pa.array(["a", "b", "a"] * 20)})
    return parquet_bytes(table)


# ---- Excel


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    '</Relationships>'
)
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_SHEET_TAIL = '</sheetData></worksheet>'


def workbook(sheet_rows: bytes | Callable[[], Iterable[bytes]], shared: list[str] | bytes = (),
             *, level: int = 9) -> bytes:
    """A minimal .xlsx: the sheet's ``<row>`` elements (bytes, or an iterator of byte blocks,
    streamed into the zip) and the shared strings (a list, or the raw XML of ``<si>`` items)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        if isinstance(shared, bytes):
            items = shared
        else:
            from xml.sax.saxutils import escape

            items = "".join(f"<si><t>{escape(s)}</t></si>" for s in shared).encode()
        archive.writestr("xl/sharedStrings.xml",
                         b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                         b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                         + items + b"</sst>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_HEAD.encode())
            if isinstance(sheet_rows, bytes):
                sheet.write(sheet_rows)
            else:
                for block in sheet_rows():
                    sheet.write(block)
            sheet.write(_SHEET_TAIL.encode())
    return buffer.getvalue()


def xlsx_row_bomb(rows: int = 5_000_002) -> bytes:
    """A header and ``rows`` rows of one number each, without row numbers (about 1 MB)."""
    def blocks():
        yield b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
        block = b"<row><c><v>1</v></c></row>" * 100_000
        for _ in range(rows // 100_000):
            yield block
        yield b"<row><c><v>1</v></c></row>" * (rows % 100_000)
    return workbook(blocks)


def xlsx_shared_string_bomb(rows: int = 100_000, columns: int = 10, width: int = 32_000) -> bytes:
    """Every cell references one ``width``-character shared string: a few hundred KB on disk,
    ``rows * columns * width`` characters once read."""
    header = "".join(f'<c t="inlineStr"><is><t>h{j}</t></is></c>' for j in range(columns))
    cells = "".join('<c t="s"><v>0</v></c>' for _ in range(columns))

    def blocks():
        yield f"<row>{header}</row>".encode()
        block = (f"<row>{cells}</row>" * 1000).encode()
        for _ in range(rows // 1000):
            yield block
    return workbook(blocks, ["y" * width])


def xlsx_shared_strings_part_bomb(megabytes: int = 400) -> bytes:
    """A shared strings part that decompresses to ``megabytes`` MB (one huge, compressible run of
    short items), with a tiny sheet."""
    sheet = b'<row><c t="inlineStr"><is><t>a</t></is></c></row><row><c><v>1</v></c></row>'
    buffer = io.BytesIO()
    item = b"<si><t>z</t></si>"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            block = item * (1 << 16)
            for _ in range(megabytes * (1 << 20) // len(block)):
                part.write(block)
            part.write(b"</sst>")
        archive.writestr("xl/worksheets/sheet1.xml", _SHEET_HEAD.encode() + sheet + _SHEET_TAIL.encode())
    return buffer.getvalue()


def xlsx_with_entities(levels: int = 9) -> bytes:
    """A workbook whose sheet declares nested entities (a "billion laughs" bomb)."""
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, levels + 1))
    sheet = (b'<?xml version="1.0"?><!DOCTYPE worksheet [' + entities + b']>'
             b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             b'<row><c t="inlineStr"><is><t>&lol%d;</t></is></c></row></sheetData></worksheet>' % levels)
    plain = workbook(b"")
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, sheet if info.filename == "xl/worksheets/sheet1.xml"
                            else source.read(info))
    return buffer.getvalue()


def lying_zip_sizes(data: bytes, member: str, claimed: int) -> bytes:
    """Rewrite the uncompressed size a zip declares for ``member`` (local and central headers)."""
    out = bytearray(data)
    name = member.encode()
    # (signature, where the name length is, where the name starts, where the size is)
    for signature, length_at, name_at, size_at in ((b"PK\x03\x04", 26, 30, 22), (b"PK\x01\x02", 28, 46, 24)):
        pos = out.find(signature)
        while pos != -1:
            name_len = struct.unpack("<H", out[pos + length_at:pos + length_at + 2])[0]
            if out[pos + name_at:pos + name_at + name_len] == name:
                out[pos + size_at:pos + size_at + 4] = struct.pack("<I", claimed)
            pos = out.find(signature, pos + 4)
    return bytes(out)



def zip_directory_bomb(members: int = 1_000_000) -> bytes:
    """A "workbook" whose zip directory lists ``members`` entries, all pointing at one tiny
    workbook.xml (zip64 end records past 65,535): zipfile builds an object per entry on opening."""
    import zlib

    body = b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    crc, first = zlib.crc32(body), b"xl/workbook.xml"
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, len(body), len(body), len(first), 0)
    local += first + body

    def central(name: bytes) -> bytes:
        return struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, crc, len(body), len(body),
                           len(name), 0, 0, 0, 0, 0, 0) + name

    directory = central(first) + b"".join(central(b"%x" % i) for i in range(members - 1))
    end64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, members, members, len(directory), len(local))
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, len(local) + len(directory), 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return local + directory + end64 + locator + end
