"""What the readers share about Arrow: its memory pool, bytes handed to it, and its tables.

Nothing here changes Arrow's process-wide settings at import: the pool is chosen, and jemalloc told
to hand freed pages back, on the first parse (:func:`memory_pool`), and the pool is passed to each
call rather than made Arrow's default.
"""

from __future__ import annotations

import functools
import time

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .limits import Limits, cell_too_big


@functools.cache
def memory_pool() -> pa.MemoryPool:
    """jemalloc (else the system allocator) for parsing: pyarrow's default here, mimalloc, takes
    twice as long to parse a large CSV in a fresh process (measured: 1.35 s against 0.70 s for
    1,000,000 x 21), because every new page it touches is first handed out by the OS.

    Chosen on the first call, not at import; that first call also sets jemalloc's decay to 0 (a
    server reads many uploads: freed pages go back at once).
    """
    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(0)
        return pool
    except NotImplementedError:  # a pyarrow built without jemalloc
        return pa.system_memory_pool()


class ArrowInput:
    """Bytes handed to Arrow as a buffer, and a wait for Arrow to let go of them after a failure.

    Arrow's CSV and Parquet readers read ahead on background threads. When a read fails, a block
    may still be in flight; if the process then ends at once (the command line exits right after
    printing the error), that thread releases the Python-owned buffer after the interpreter has
    finalized and the process aborts ("terminate called without an active exception", exit 134).
    :meth:`settle` waits (at most a second) until no Arrow buffer exports the bytes any more.
    """

    def __init__(self, data: bytes | memoryview) -> None:
        self.view = memoryview(data)

    def buffer(self) -> pa.Buffer:
        return pa.py_buffer(self.view)

    def settle(self) -> None:
        deadline = time.monotonic() + 1.0
        while True:
            try:
                self.view.release()
                return
            except BufferError:  # still exported to an Arrow buffer
                if time.monotonic() > deadline:
                    return
                time.sleep(0.002)


def arrow_to_pandas(table: pa.Table) -> pd.DataFrame:
    """The table as pandas; the table must not be used afterwards (its buffers are released as
    columns are converted, so the peak is one copy of the data, not two)."""
    fixes = [(field.name, "Int64" if pa.types.is_integer(field.type) else "float64")
             for i, field in enumerate(table.schema)
             if (pa.types.is_integer(field.type) and table.column(i).null_count) or pa.types.is_null(field.type)]
    frame = table.to_pandas(memory_pool=memory_pool(), self_destruct=True)
    del table
    frame.attrs = {}  # pandas restores attrs from a file's metadata: a file must not forge notices or a format
    for name, dtype in fixes:
        frame[name] = frame[name].astype(dtype)
    return frame


def is_bytes(kind: pa.DataType) -> bool:
    """Whether an Arrow type holds strings or binaries."""
    return (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind)
            or pa.types.is_large_binary(kind))


def check_cells(table: pa.Table, name: str, limits: Limits) -> None:
    """Refuse a string cell longer than the cell limit."""
    for column_name, column in zip(table.column_names, table.columns):
        kind = column.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if not is_bytes(kind):
            continue
        longest = 0
        for chunk in column.chunks:
            values = chunk.dictionary if pa.types.is_dictionary(chunk.type) else chunk
            if len(values):
                longest = max(longest, pc.max(pc.binary_length(values)).as_py() or 0)
        if longest > limits.max_cell_bytes:
            raise cell_too_big(name, f"a cell of column {column_name!r}", longest, limits)
