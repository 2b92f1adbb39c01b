"""The Spark engine: profile and balance tables that do not fit in one machine's memory.

The steps are the local engine's, each supplied by Spark where the data is big:

- **read**: Spark reads the Parquet or CSV file, folder or glob itself, so any location the
  cluster can read works (``hdfs://``, ``s3a://``, ...).
- **count**: class counts and missing cells are Spark aggregations.
- **select rows**: the tactics whose registry entry runs them on Spark (``none``,
  ``RandomUnderSampler``, ``RandomOverSampler``) run entirely on Spark with *exact* per-class
  counts. Every row gets a key, ``xxhash64(seed, row)``; a class that
  keeps ``m`` of its ``N`` rows keeps the ``m`` rows with the smallest keys (over-sampling repeats
  every row ``(n - N) // N`` times and one more time for the ``(n - N) % N`` smallest keys). The
  ``m`` smallest keys are found without sorting the class: a threshold on the uniform key keeps a
  few more than ``m`` candidates, and only those are ranked. The same seed and rows give the same
  output whatever the partitioning or file order, and identical rows are interchangeable.
- **synthesize**: the minority classes are small. For the tactics synthesized on the driver, the
  rows of the classes that grow (and, for those that look at the other classes, a bounded exact
  sample of those) come to the driver when they fit under ``driver_rows``; the local engine
  synthesizes, and the synthetic rows go back to Spark beside the original rows, cast to the
  input's schema.
- **write**: Spark writes a Parquet (or CSV) folder with the input's schema.

Methods that need neighbours over all rows (cleaning, NearMiss, the SMOTE + cleaning
combinations) are refused with a message naming what runs here. pandas only ever holds the rows
that come to the driver (pyspark 4.3 does not fully support pandas 3, so large data stays in Spark
and Arrow).

``pyspark`` is imported only when this engine is used.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import logging
import math
import os
import re
import shutil
import signal
import sys
import threading
import warnings
from collections.abc import Hashable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import adapters, config, strategies
from .errors import (
    BalancerError,
    DataError,
    EngineError,
    LimitError,
    MethodError,
    ParameterError,
    TargetError,
)
from .profiling import (
    ColumnInfo,
    Duplicates,
    Finding,
    MissingInfo,
    Profile,
    imbalance_ratio,
    label_str,
    max_classes,
    suggest,
)

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import Column, DataFrame, SparkSession

_KEY = "__balancer_key"
_COPIES = "__balancer_copies"
_RANK = "__balancer_rank"
_DATA_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
                  ".txt": "csv"}


def _column(name: str) -> Any:
    """A column by its exact name: quoted, with a backtick in the name doubled (Spark's escape), so
    that a name such as ``a`b`` is that column, not a parse error or another one."""
    from pyspark.sql import functions as F

    return F.col("`" + str(name).replace("`", "``") + "`")


def driver_rows() -> int:
    """The most rows that may travel through the driver (``BALANCER_SPARK_DRIVER_ROWS``, default 1,000,000)."""
    return config.whole("BALANCER_SPARK_DRIVER_ROWS")


def runs_on_spark() -> str:
    """The sentence that says which methods the Spark engine runs."""
    return (f"on Spark: {', '.join(strategies.spark_methods('spark'))} (exact counts), and "
            f"{', '.join(strategies.spark_methods('driver'))} (synthesized on the driver)")


# --------------------------------------------------------------------------------------------
# session


def session(master: str | None = None, driver_memory: str | None = None) -> SparkSession:
    """Return the active SparkSession, or start one.

    ``master`` is a Spark master URL (``local[2]``, ``spark://host:7077``, ``yarn``...). Without one,
    a session started by ``spark-submit`` keeps its master, and a plain Python process runs
    ``local[*]``.
    """
    if driver_memory is not None and not re.fullmatch(r"[1-9][0-9]*[kmgt]?", driver_memory.strip(), re.I):
        raise ParameterError(f"--driver-memory must be a size such as 4g or 512m, got {driver_memory[:40]!r}")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError("the Spark engine needs pyspark: pip install -r requirements-spark.txt") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if not os.environ.get("PYSPARK_GATEWAY_PORT") and not _java_available():
        raise EngineError("the Spark engine needs Java 17 (set JAVA_HOME or put java on PATH); "
                          "on Debian: apt-get install openjdk-17-jre-headless")
    builder = SparkSession.builder.appName("balancer")
    if master:
        builder = builder.master(master)
    elif not os.environ.get("PYSPARK_GATEWAY_PORT"):  # not under spark-submit
        builder = builder.master("local[*]")
    if driver_memory:
        builder = builder.config("spark.driver.memory", driver_memory)
    log_config = Path(__file__).with_name("spark-log4j2.properties").as_uri()
    builder = (builder.config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log_config}")
               .config("spark.sql.session.timeZone", "UTC"))
    if master is None or master.startswith("local"):
        builder = builder.config("spark.ui.enabled", "false")
    from pyspark.errors import PySparkRuntimeError

    not_started: tuple[type[BaseException], ...] = (PySparkRuntimeError, *_jvm_errors())
    try:
        start = log_file().stat().st_size
    except OSError:
        start = 0
    heard: list[int] = []
    held = _hold_ctrl_c(heard)
    try:
        with _quiet(), _jvm_output_to(log_file()):
            spark = builder.getOrCreate()
    except not_started as exc:  # the JVM did not start: its own reason is in its log, not in exc
        cause = _jvm_cause(log_file(), start)
        raise EngineError(f"Spark could not start: {cause or _spark_message(exc)} (the JVM's log: {log_file()})"
                          ) from None
    finally:
        if held is not None and signal.getsignal(signal.SIGINT) is held[1]:  # (pyspark may have set its own)
            signal.signal(signal.SIGINT, held[0])
    if heard:  # a Ctrl-C while the JVM started: it is up now, and stopping it ends it
        spark.stop()
        raise KeyboardInterrupt
    spark.sparkContext.setLogLevel("ERROR")
    _python_log_to_file()
    _hear_ctrl_c()
    return spark


def _python_log_to_file() -> None:
    """Send py4j's log records to the JVM's log file (``BALANCER_SPARK_LOG``): on a Ctrl-C py4j logs
    every interrupted call to the JVM with its traceback (49 lines before "error: interrupted"),
    through Python's root logger, which prints them on stderr. A filter on the root logger takes
    only py4j's records; everything else is logged as before."""
    root = logging.getLogger()
    if not any(isinstance(f, _Py4jToFile) for f in root.filters):
        root.addFilter(_Py4jToFile())


class _Py4jToFile(logging.Filter):
    """Writes a record py4j logs on the root logger to the JVM's log file, and keeps it off the
    root logger's handlers (the terminal)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if f"{os.sep}py4j{os.sep}" not in record.pathname:
            return True
        try:
            with open(log_file(), "a", encoding="utf-8") as handle:
                handle.write(logging.Formatter("%(asctime)s %(levelname)s py4j: %(message)s").format(record) + "\n")
        except OSError:
            pass
        return False


def _hold_ctrl_c(heard: list[int]) -> tuple[Any, Any] | None:
    """While the JVM starts, note a Ctrl-C in ``heard`` instead of raising it: raised inside
    pyspark's launch of the JVM, it left a JVM running with no one to end it (its thread that ends
    it with this process had failed). Returns (the previous handler, ours), or None where nothing
    was changed (not the main thread, or Ctrl-C ignored)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    previous = signal.getsignal(signal.SIGINT)
    if not callable(previous):
        return None

    def note(number: int, frame: Any) -> None:
        heard.append(number)

    signal.signal(signal.SIGINT, note)
    return previous, note


def _jvm_cause(path: Path, start: int) -> str:
    """The first line of the JVM's log after ``start`` that says why it stopped ("Master must either
    be yarn or start with spark, k8s, or local", "Invalid initial heap size"), or ""."""
    try:
        with open(path, "rb") as handle:
            handle.seek(start)
            text = handle.read(1 << 16).decode("utf-8", "replace")
    except OSError:
        return ""
    for line in (raw.strip() for raw in text.splitlines()):
        if (re.search(r"Exception|Invalid|Error", line) and not line.startswith("at ")
                and "Could not create the Java Virtual Machine" not in line):
            return " ".join(re.sub(r'^Exception in thread "[^"]*"\s*', "", line).split())[:300]
    return ""


def log_file() -> Path:
    """Where the JVM Balancer starts writes its own output (``BALANCER_SPARK_LOG``)."""
    return Path(config.text("BALANCER_SPARK_LOG"))


@contextlib.contextmanager
def _jvm_output_to(path: Path) -> Iterator[None]:
    """Start the JVM with its stderr in ``path``: the command line keeps its one-line messages."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError:  # no file descriptors to play with (embedded interpreter): leave stderr alone
        yield
        return
    try:
        os.dup2(target, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(target)


def active_session() -> SparkSession | None:
    """The SparkSession already running in this process, if any (None without pyspark)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    return SparkSession.getActiveSession()


def stop() -> None:
    """Stop the active SparkSession (the command line stops only one it started)."""
    active = active_session()
    if active is not None:
        active.stop()


def _jvm_errors() -> tuple[type[BaseException], ...]:
    """What Spark raises for what it was asked to do: errors from the JVM, converted to Python
    (``AnalysisException`` for a missing path or column, ...) or not (``Py4JJavaError``), and a
    lost connection to it. Python-side errors, ours or pyspark's (bugs), are not among them."""
    from py4j.protocol import Py4JError
    from pyspark.errors import AnalysisException
    from pyspark.errors.exceptions.captured import CapturedException

    return (CapturedException, AnalysisException, Py4JError)


#: Whether a Ctrl-C came while Spark ran (:func:`_hear_ctrl_c`).
_CTRL_C = {"heard": False}


def _hear_ctrl_c() -> None:
    """Note a Ctrl-C before pyspark's own handler (which cancels Spark's jobs, then raises
    KeyboardInterrupt) runs: the cancelled job then fails in the JVM, and that failure, not the
    interrupt, reached the user ("Spark failed: ... getResult", exit 2). Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        return
    theirs = signal.getsignal(signal.SIGINT)
    if not callable(theirs) or getattr(theirs, "balancer", False):
        return

    def heard(number: int, frame: Any) -> None:
        _CTRL_C["heard"] = True
        theirs(number, frame)

    heard.balancer = True  # type: ignore[attr-defined]
    signal.signal(signal.SIGINT, heard)


@contextlib.contextmanager
def spark_errors() -> Iterator[None]:
    """Turn what the JVM raises into an :class:`EngineError` of one line (bugs stay bugs); after a
    Ctrl-C, whatever Spark made of it is the interrupt."""
    _CTRL_C["heard"] = False  # (a Ctrl-C an earlier call caught is not this call's)
    try:
        yield
    except KeyboardInterrupt:
        raise
    except (*_jvm_errors(), BalancerError) as exc:  # type: ignore[misc]
        if _CTRL_C["heard"]:
            raise KeyboardInterrupt from None
        if isinstance(exc, BalancerError):
            raise
        raise EngineError(f"Spark failed: {_spark_message(exc)} (the JVM's log: {log_file()})") from None


def _java_available() -> bool:
    home = os.environ.get("JAVA_HOME")
    return bool(home and Path(home, "bin", "java").exists()) or shutil.which("java") is not None


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Hide pyspark's warning about pandas 3 (this engine keeps large data out of pandas)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*PySpark does not yet fully support pandas.*")
        warnings.filterwarnings("ignore", category=FutureWarning, module="pyspark")
        yield


# --------------------------------------------------------------------------------------------
# read and write


def _is_local(path: str) -> bool:
    return "://" not in path or path.startswith("file://")


def _local_path(path: str) -> str:
    return path[len("file://"):] if path.startswith("file://") else path


def detect_format(path: str, fmt: str | None = None) -> str:
    """Return ``parquet``, ``csv`` or ``tsv`` for a file, folder or glob (``fmt`` wins)."""
    if fmt:
        fmt = fmt.lower()
        if fmt not in ("parquet", "csv", "tsv"):
            raise ParameterError(f"format {fmt!r} is not one of parquet, csv, tsv")
        return fmt
    suffix = Path(path.rstrip("/")).suffix.lower()
    if suffix in _DATA_SUFFIXES:
        return _DATA_SUFFIXES[suffix]
    if _is_local(path):
        local = _local_path(path)
        names = glob.glob(os.path.join(local, "*")) if os.path.isdir(local) else glob.glob(local)
        for name in sorted(names):
            found = _DATA_SUFFIXES.get(Path(name).suffix.lower())
            if found:
                return found
    return "parquet"


def check_exists(path: str) -> None:
    """Raise :class:`DataError` for a local path or glob that matches nothing (before Spark starts)."""
    if _is_local(path):
        local = _local_path(path)
        if not glob.glob(local):
            raise DataError(f"no such file or folder: {path}")


#: How much of a local text file's head the local reader reads to find how the file is written.
_SNIFF = 1 << 20
#: The local reader's encodings by Java's names.
_JAVA_ENCODINGS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "cp1252": "windows-1252",
                   "latin-1": "ISO-8859-1"}
#: The columns Balancer's own steps add to a frame (and any name starting ``__balancer_``, which its
#: aggregations use): a user's column of that name would be overwritten.
_OWN = frozenset({"__balancer_key", "__balancer_copies", "__balancer_rank"})


def _first_file(path: str) -> str | None:
    """The first file of a local file, folder or glob, or None."""
    local = _local_path(path)
    names = sorted(glob.glob(os.path.join(local, "*")) if os.path.isdir(local) else glob.glob(local))
    return next((n for n in names if os.path.isfile(n) and not Path(n).name.startswith(("_", "."))), None)


#: Compressed files Spark reads itself (by their ending): their bytes are not sniffed.
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".lz4", ".snappy", ".deflate", ".zip")


def _heads(head: bytes) -> list[bytes]:
    """The head cut at a line end, then shorter (a cut inside a quoted line break does not read):
    at most three tries; for UTF-16 at a whole character."""
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    ends = [head.rfind(b"\n")] if not utf16 and b"\n" in head else []
    if utf16:  # "\n" is 0a 00 (little endian) or 00 0a: cut after a whole character
        little = head.startswith(b"\xff\xfe")
        for i in range(len(head) - 2, -1, -2):
            if head[i:i + 2] == (b"\n\x00" if little else b"\x00\n"):
                ends = [i + 1]
                break
    if not ends:
        return [head]
    cut = ends[0] + 1
    return [head[:cut], head[:max(cut // 2, 1)].rsplit(b"\n", 1)[0] + b"\n",
            head[:max(cut // 8, 1)].rsplit(b"\n", 1)[0] + b"\n"] if not utf16 else [head[:cut]]


def sniff(path: str, kind: str) -> dict[str, Any]:
    """How a local CSV/TSV file writes its table, as the local reader finds it in the first MB of
    the (first) file: the delimiter, the encoding, the missing-value token, how quotes inside a
    quoted field are written and the zero-padded whole-number columns; ``{}`` for other
    locations and compressed files (Spark's defaults: commas, UTF-8, empty cells, ``\\"``).

    Raises :class:`DataError` for a binary file (it was profiled as a table of control characters)
    and for a decimal comma, which Spark's CSV reader does not read (its numbers became text).
    Only the head is read: an encoding or a missing-value token that shows only later is not seen."""
    from .tables import read_table
    from .tables.text import decode_text

    first = _first_file(path) if _is_local(path) else None
    if first is None or first.lower().endswith(_COMPRESSED):
        return {}
    with open(first, "rb") as handle:
        head = handle.read(_SNIFF)
    if head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"\x28\xb5\x2f\xfd")):  # compressed, any name
        return {}
    if not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        decode_text(head, Path(first).name, verify=False)  # binary content: refused as the local engine does
    found: dict[str, Any] = {}
    for part in (_heads(head) if len(head) == _SNIFF else [head]):
        try:
            found = read_table(part, name=Path(first).name).attrs.get("format") or {}
            break
        except (DataError, LimitError):  # a cut inside a quoted field: a shorter head
            continue
    if found.get("kind") not in ("csv", "tsv", "txt"):
        return {}
    if found.get("decimal") == ",":
        raise DataError(f"{path} writes numbers with a decimal comma, which Spark's CSV reader does not read "
                        "(they would become text): use --engine local, or write the file with decimal points")
    delimiter = found.get("delimiter")
    if delimiter == "whitespace":
        raise DataError(f"{path} separates its columns with spaces, which Spark's CSV reader does not read: "
                        "use --engine local")
    out: dict[str, Any] = {"sep": delimiter if delimiter in (",", ";", "\t", "|") else
                           ("\t" if kind == "tsv" else ","),
                           "encoding": _JAVA_ENCODINGS.get(found.get("encoding") or "utf-8", "UTF-8")}
    # one token for Spark (it reads empty cells as missing anyway): the file's, or a column's
    tokens = [found.get("missing")] + list((found.get("missings") or {}).values())
    token = next((t for t in tokens if isinstance(t, str) and t), None)
    if token:
        out["nullValue"] = token
    # quotes in a quoted field: doubled (RFC 4180, the default here) or escaped with a backslash, as
    # Spark itself writes them by default (an older Spark output)
    if b'\\"' in head and not re.search(rb'[^\\,;\t|\r\n"]""[^,;\t|\r\n"]', head):
        out["escape"] = "\\"
    widths = found.get("widths")
    out["padded"] = sorted(widths) if isinstance(widths, dict) else []
    return out


def read(spark: SparkSession, path: str, fmt: str | None = None) -> DataFrame:
    """Read a Parquet or CSV file, folder or glob with Spark.

    CSV is read as the local engine reads it, where Spark can: quoted fields may hold line breaks
    and doubled quotes (so each file is read by one task: a big table reads faster as several
    files, or as Parquet); for a local file, the delimiter, encoding and missing-value token the
    local reader finds (:func:`sniff`), and zero-padded codes (``00050``) kept as text."""
    check_exists(path)
    kind = detect_format(path, fmt)
    reader = spark.read
    padded: list[str] = []
    if kind in ("csv", "tsv"):
        found = sniff(path, kind)
        padded = found.pop("padded", [])
        reader = (reader.option("header", "true").option("inferSchema", "true")
                  .option("sep", "\t" if kind == "tsv" else ",").option("mode", "PERMISSIVE")
                  .option("multiLine", "true"))
        if _is_local(path):  # RFC 4180's doubled quotes, unless the head shows Spark's backslashes
            reader = reader.option("escape", '"')
        for key, value in found.items():
            reader = reader.option(key, value)
        if found.get("encoding") not in (None, "UTF-8", "UTF-16", "ISO-8859-1"):
            # Spark 4 reads a short list of charsets unless asked for Java's (Windows-1252 among them)
            spark.conf.set("spark.sql.legacy.javaCharsets", "true")
    try:
        frame = reader.format("csv" if kind == "tsv" else kind).load(path)
        if padded and any(f.name in padded for f in frame.schema.fields):
            from pyspark.sql.types import StringType, StructField, StructType

            schema = StructType([StructField(f.name, StringType(), True) if f.name in padded else f
                                 for f in frame.schema.fields])
            frame = reader.schema(schema).format("csv").load(path)
    except _jvm_errors() as exc:  # a path, a file or a format Spark cannot use: say what it said
        raise DataError(f"cannot read {path} as {kind}: {_spark_message(exc)}") from None
    if not frame.columns:
        raise DataError(f"{path} has no columns")
    own = sorted(c for c in frame.columns if c in _OWN or c.startswith("__balancer_"))
    if own:
        raise DataError(f"{path} has a column named {own[0]!r}, a name the Spark engine keeps for its own "
                        "steps (its values would be replaced): rename it")
    return frame


def _spark_message(exc: BaseException) -> str:
    text = " ".join(str(getattr(exc, "desc", None) or exc).split())
    return text[:300]


#: What Spark itself leaves in a folder it wrote (data parts, checksums, commit markers): a folder
#: holding only these is a previous output, which ``write`` may replace.
_SPARK_OUTPUT = re.compile(r"(part-.*|\..*\.crc|_SUCCESS|_committed_.*|_started_.*|_temporary|\.spark-staging-.*)")


def check_output(spark: SparkSession, out: str, source: str | None = None) -> None:
    """Refuse an output that would destroy something: the input (or a folder holding it), a file,
    or a folder holding anything other than a previous Spark output. Spark's overwrite mode deletes
    the whole folder first, so ``--out ~/projects`` would take every file in it."""
    if source is not None and _is_local(out) and _is_local(source):
        target = Path(_local_path(out)).resolve()
        for name in glob.glob(_local_path(source)) or [_local_path(source)]:
            src = Path(name).resolve()
            if target == src or target in src.parents or src in target.parents:
                raise DataError(f"the output {out} would overwrite the input {source}; write elsewhere")
    try:
        jvm = spark._jvm
        assert jvm is not None  # (a classic session: Spark Connect has no JVM here, nor this engine)
        path = jvm.org.apache.hadoop.fs.Path(out)
        fs = path.getFileSystem(spark._jsc.hadoopConfiguration())
        if not fs.exists(path):
            return
        if fs.getFileStatus(path).isFile():
            raise DataError(f"the output {out} is a file; Spark writes a folder there and would delete it: "
                            "choose a new folder")
        others = sorted(name for name in (s.getPath().getName() for s in fs.listStatus(path))
                        if not _SPARK_OUTPUT.fullmatch(name))
    except _jvm_errors() as exc:
        raise DataError(f"cannot write {out}: {_spark_message(exc)}") from None
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise DataError(f"the output folder {out} already holds other files ({shown}); Spark replaces the "
                        "whole folder: choose a new folder or empty it")


def write(frame: DataFrame, out: str, fmt: str | None = None, *, source: str | None = None) -> str:
    """Write ``frame`` to the folder ``out`` as Parquet (default) or CSV, replacing a previous
    output there (:func:`check_output` refuses any other folder)."""
    kind = fmt or ("csv" if Path(out.rstrip("/")).suffix.lower() in (".csv", ".txt") else
                   "tsv" if Path(out.rstrip("/")).suffix.lower() in (".tsv", ".tab") else "parquet")
    check_output(frame.sparkSession, out, source)
    writer = frame.write.mode("overwrite")
    try:
        if kind in ("csv", "tsv"):
            # quotes doubled, as RFC 4180 (and pandas, Excel, the local engine) read them; Spark's
            # default escapes them with a backslash, and the file did not read back
            writer.option("header", "true").option("sep", "\t" if kind == "tsv" else ",") \
                .option("escape", '"').csv(out)
        else:
            writer.parquet(out)
    except _jvm_errors() as exc:  # a folder Spark cannot write, a type the format cannot hold
        raise DataError(f"cannot write {out}: {_spark_message(exc)}") from None
    return kind


# --------------------------------------------------------------------------------------------
# count


def require_column(frame: DataFrame, target: str) -> None:
    """Raise :class:`TargetError` (naming the closest column) when ``target`` is not a column."""
    if target not in frame.columns:
        columns = list(frame.columns)
        shown = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
        raise TargetError(f"there is no column {target!r}.{suggest(target, columns)} The columns are: {shown}")


def class_counts(frame: DataFrame, target: str) -> tuple[dict[Hashable, int], int]:
    """Return ``{label: rows}`` (largest first) and the number of rows without a target value."""
    require_column(frame, target)
    limit = max_classes()
    # by position: a target named "count" is also the count's name (it crashed)
    rows = frame.groupBy(_column(target)).count().limit(limit + 2).collect()
    missing = sum(int(r[1]) for r in rows if r[0] is None)
    counts = {r[0]: int(r[1]) for r in rows if r[0] is not None}
    if len(counts) > limit:
        raise DataError(f"the target {target!r} has more than {limit} classes; it looks continuous or "
                        "like an identifier (set BALANCER_MAX_CLASSES to allow more)")
    if isinstance(frame.schema[target].dataType, _float_types()) and any(
            isinstance(k, float) and math.isnan(k) for k in counts):
        nan = [k for k in counts if isinstance(k, float) and math.isnan(k)]
        missing += sum(counts.pop(k) for k in nan)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], label_str(kv[0])))), missing


def _float_types() -> tuple[type, ...]:
    from pyspark.sql import types as T

    return (T.FloatType, T.DoubleType)


def _kind(data_type: Any, distinct: int, rows: int, name: str) -> str:
    from pyspark.sql import types as T

    if isinstance(data_type, T.BooleanType):
        return "boolean"
    if isinstance(data_type, (T.DateType, T.TimestampType, T.TimestampNTZType)):
        return "datetime"
    if isinstance(data_type, (T.ByteType, T.ShortType, T.IntegerType, T.LongType)):
        return "integer"  # (identifiers: _identifiers, by the local engine's rules)
    if isinstance(data_type, (T.FloatType, T.DoubleType, T.DecimalType)):
        return "numeric"
    if isinstance(data_type, T.StringType):
        return "categorical"
    return "text"


def profile(frame: DataFrame, target: str | None = None) -> Profile:
    """Rows, column kinds from the schema, missing and (approximate) distinct counts, class counts."""
    from pyspark.sql import functions as F

    if target is not None:
        require_column(frame, target)
    floats = _float_types()
    aggs = [F.count(F.lit(1)).alias("__rows")]
    for i, field in enumerate(frame.schema.fields):
        col = _column(field.name)
        empty = col.isNull() | F.isnan(col) if isinstance(field.dataType, floats) else col.isNull()
        aggs.append(F.sum(F.when(empty, 1).otherwise(0)).alias(f"m{i}"))
        aggs.append(F.approx_count_distinct(col).alias(f"d{i}"))
    stats = frame.agg(*aggs).collect()[0]
    rows = int(stats["__rows"])
    columns = []
    findings: list[Finding] = []
    identifiers = _identifiers(frame, target) if rows else {}
    for i, field in enumerate(frame.schema.fields):
        missing, distinct = int(stats[f"m{i}"] or 0), int(stats[f"d{i}"] or 0)
        kind = "identifier" if field.name in identifiers else _kind(field.dataType, distinct, rows, field.name)
        columns.append(ColumnInfo(field.name, kind, missing, distinct))
        if rows and missing == rows:
            findings.append(Finding("all_missing", f"{field.name!r} has no values", field.name))
        elif distinct <= 1 and rows:
            findings.append(Finding("constant", f"{field.name!r} has a single value", field.name))
    candidates = [c.name for c in columns
                  if c.kind in ("categorical", "boolean", "integer") and 2 <= c.unique <= 20]
    classes: dict[Hashable, int] = {}
    ratio = None
    if target is not None:
        classes, missing_target = class_counts(frame, target)
        if missing_target:
            findings.append(Finding("missing_target", f"{missing_target:,} rows have no {target!r} value "
                                    "and are left out", target))
        if len(classes) < 2:
            findings.append(Finding("one_class", f"the target {target!r} has a single class", target))
        ratio = imbalance_ratio(classes)
        for label, count in classes.items():
            if count < 6:
                findings.append(Finding("small_class", f"class {label_str(label)!r} has only {count} "
                                        f"{'row' if count == 1 else 'rows'}; "
                                        "neighbour-based methods need at least 6", target))
    # the missing cells by class and the duplicates, as the local engine reports them (the JSON said
    # "missing": [] beside columns with gaps, and 0 duplicates on a table with 17)
    from .profiling import _duplicate_findings, _missing_finding

    missing_info = _missing_by_class(frame, columns, target, rows)
    duplicates = _duplicates(frame, columns, target) if rows > 1 else Duplicates()
    findings += _missing_finding(missing_info) + _duplicate_findings(duplicates, target)
    return Profile(rows, tuple(columns), target, tuple(candidates), classes, ratio, tuple(findings),
                   missing_info, duplicates)


def _missing_by_class(frame: DataFrame, columns: list[ColumnInfo], target: str | None,
                      rows: int) -> tuple[MissingInfo, ...]:
    """Each column with gaps (not the target): its missing cells, their share, and the share in each
    class (one aggregation by class)."""
    from pyspark.sql import functions as F

    gappy = [(i, c) for i, c in enumerate(columns) if c.missing and c.name != target]
    if not gappy:
        return ()
    floats = _float_types()
    fields = frame.schema.fields
    by_class: dict[str, dict[Hashable, float]] = {c.name: {} for _, c in gappy}
    if target is not None:
        aggs = [F.count(F.lit(1)).alias("__balancer_n")]
        for i, c in gappy:
            col = _column(c.name)
            empty = col.isNull() | F.isnan(col) if isinstance(fields[i].dataType, floats) else col.isNull()
            aggs.append(F.sum(F.when(empty, 1).otherwise(0)).alias(f"__balancer_m{i}"))
        for row in frame.filter(_has_value(frame, target)).groupBy(_column(target)).agg(*aggs).collect():
            for i, c in gappy:
                by_class[c.name][row[0]] = int(row[f"__balancer_m{i}"] or 0) / int(row["__balancer_n"])
    out = [MissingInfo(c.name, c.missing, c.missing / rows if rows else 0.0, by_class[c.name]) for _, c in gappy]
    return tuple(sorted(out, key=lambda m: (-m.missing, m.column)))


def _duplicates(frame: DataFrame, columns: list[ColumnInfo], target: str | None) -> Duplicates:
    """Rows repeating an earlier row exactly, and groups of equal features with different labels,
    as :func:`balancer.profiling.find_duplicates` counts them (identifiers not compared): two
    aggregations over the whole table."""
    from pyspark.sql import functions as F

    compared = [_column(c.name) for c in columns if c.name != target and c.kind != "identifier"]
    if not compared:
        return Duplicates()
    whole = compared + ([_column(target)] if target is not None else [])
    # (own names: a user's column may be called "count"; __balancer_* are refused when read)
    n = "__balancer_n"
    copies = frame.groupBy(*whole).agg(F.count(F.lit(1)).alias(n)).filter(F.col(n) > 1) \
        .agg(F.sum(F.col(n) - 1).alias("rows"), F.count(F.lit(1)).alias("groups")).collect()[0]
    rows, groups = int(copies["rows"] or 0), int(copies["groups"] or 0)
    if target is None:
        return Duplicates(rows, groups)
    label = _column(target)
    per_features = frame.groupBy(*compared).agg(
        F.count(F.lit(1)).alias(n),
        (F.countDistinct(label) + F.max(F.when(label.isNull(), 1).otherwise(0))).alias("__balancer_labels"))
    conflict = per_features.filter(F.col("__balancer_labels") > 1) \
        .agg(F.count(F.lit(1)).alias("groups"), F.sum(n).alias("rows")).collect()[0]
    return Duplicates(rows, groups, int(conflict["groups"] or 0), int(conflict["rows"] or 0))


# --------------------------------------------------------------------------------------------
# plan: what each class becomes, with imbalanced-learn's own reading of sampling_strategy

def target_counts(strategy: strategies.Strategy, sampling_strategy: Any,
                  counts: Mapping[Hashable, int]) -> dict[Hashable, int]:
    """Return the rows each class will have, as imbalanced-learn would decide from these counts.

    imbalanced-learn reads the counts off ``y``; here the counts come from Spark, so its reading
    is asked of the counts themselves (:func:`balancer.adapters.target_counts`: no ``y`` of
    billions of labels is built).
    """
    kind = strategy.sampling_type
    if kind is None or kind == "clean-sampling":
        return dict(counts)
    labels = list(counts)
    codes = {label: i for i, label in enumerate(labels)}
    coded: Any = sampling_strategy
    if isinstance(sampling_strategy, Mapping):
        coded = {codes[k]: v for k, v in sampling_strategy.items()}
    elif isinstance(sampling_strategy, list):
        coded = [codes[k] for k in sampling_strategy]
    try:
        wanted = adapters.target_counts(coded, [counts[label] for label in labels], kind)
    except ValueError as exc:
        raise ParameterError(f"sampling_strategy {sampling_strategy!r}: {exc}") from None
    if kind == "over-sampling":
        return {label: counts[label] + wanted.get(codes[label], 0) for label in labels}
    return {label: wanted.get(codes[label], counts[label]) for label in labels}


@dataclasses.dataclass
class Result:
    """What :func:`resample` did. ``data`` is a lazy Spark DataFrame; nothing is written yet."""

    data: DataFrame
    method: str
    requested: str
    params: dict[str, Any]
    seed: int
    before: dict[Hashable, int]
    after: dict[Hashable, int]
    synthetic_rows: int
    driver_rows: int  # rows brought to the driver (synthetic rows are made there too)
    notices: list[str]
    rows_in: int

    def to_dict(self, out: str | None = None) -> dict[str, Any]:
        """Return the JSON of ``balancer resample --engine spark --json``."""
        from .resample import _json_ss

        ss = _json_ss(self.params.get("sampling_strategy", "auto"))
        return {
            "engine": "spark",
            "method": self.method,
            "requested": self.requested,
            "params": {k: v for k, v in self.params.items() if k != "sampling_strategy"} | {"sampling_strategy": ss},
            "seed": self.seed,
            "before": {label_str(k): v for k, v in self.before.items()},
            "after": {label_str(k): v for k, v in self.after.items()},
            "rows_in": self.rows_in,
            "rows_out": sum(self.after.values()),
            "synthetic_rows": self.synthetic_rows,
            "driver_rows": self.driver_rows,
            "notices": list(self.notices),
            "out": out,
        }


def check_method(method: str, params: Mapping[str, Any] | None) -> None:
    """Refuse a method the Spark engine does not run, or a bad parameter, before Spark starts (it
    was found after the JVM's 10 to 15 seconds)."""
    strategy = strategies.get(method)
    _refuse(strategy)
    strategy.validate(params)


def _refuse(strategy: strategies.Strategy) -> None:
    name = strategy.name
    if not strategy.resamples:
        raise MethodError(f"{name} changes the model, not the data, so it has no resampled output; "
                          "evaluate it with the local engine on a sample")
    if strategy.spark is None:
        raise MethodError(f"{name} needs nearest neighbours or clusters over all rows, which the Spark engine does "
                          f"not compute. Runs {runs_on_spark()}. Or use --engine local on a sample.")


# --------------------------------------------------------------------------------------------
# select rows: exact per-class counts


def _row_key(frame: DataFrame, seed: int) -> Column:
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    hashable = [_column(f.name) for f in frame.schema.fields if not isinstance(f.dataType, T.MapType)]
    return F.xxhash64(F.lit(int(seed)), *hashable)


def _threshold(share: float) -> int:
    """The key below which a share of uniform 64-bit keys fall."""
    return max(-(2**63), min(2**63 - 1, -(2**63) + math.floor(share * 2.0**64)))


def _slack(m: int, total: int, tries: int) -> float:
    return min(1.0, (m + 6.0 * math.sqrt(m) + 20.0) / total * (2.0**tries))


def select_counts(frame: DataFrame, target: str, before: Mapping[Hashable, int],
                  after: Mapping[Hashable, int], seed: int) -> DataFrame:
    """Return ``frame`` with exactly ``after[c]`` rows of each class ``c`` (which has ``before[c]``).

    A class keeps its rows with the smallest keys, or repeats every row ``(n - N) // N`` times
    and once more for the ``(n - N) % N`` smallest keys. Rows of classes missing from ``after``
    (and rows without a target) are left out.
    """
    from pyspark.sql import functions as F

    keyed = frame.withColumn(_KEY, _row_key(frame, seed))
    label_col = _column(target)
    base_expr, cand_expr, rules = _candidates(keyed, target, _copy_plans(before, after))
    parts = [keyed.filter(~cand_expr).withColumn(_COPIES, base_expr)]
    if rules:
        parts += _ranked(keyed.filter(cand_expr), label_col, rules)
    out = parts[0]
    for part in parts[1:]:
        out = out.unionByName(part)
    out = out.filter(F.col(_COPIES) > 0)
    repeated = out.withColumn(_COPIES, F.explode(F.array_repeat(F.lit(True), F.col(_COPIES))))
    return repeated.select(*[_column(c) for c in frame.columns])


#: (label, copies of every row, m: rows with the smallest keys that get one copy more, N: rows)
_CopyPlan = tuple[Hashable, int, int, int]
#: label -> ("asc": the ``need`` smallest keys get ``base + 1`` copies, or "desc": the ``need``
#: largest keys get ``base``, the others ``base + 1``; need; base)
_Rules = dict[Hashable, tuple[str, int, int]]


def _copy_plans(before: Mapping[Hashable, int], after: Mapping[Hashable, int]) -> list[_CopyPlan]:
    """How many copies each class's rows get to go from ``before`` to ``after`` rows."""
    plans = []
    for label, total in before.items():
        wanted = int(after.get(label, 0))
        if total <= 0 or wanted < 0:
            continue
        if wanted <= total:
            plans.append((label, 0, wanted, total))
        else:
            extra = wanted - total
            plans.append((label, 1 + extra // total, extra % total, total))
    return plans


def _candidates(keyed: DataFrame, target: str, plans: list[_CopyPlan]) -> tuple[Column, Column, _Rules]:
    """The copies of the rows that need no ranking, which rows need ranking, and their rules.

    A threshold on the uniform key keeps a few more candidates than needed; where too few fall
    below it (checked with one count per class), the share is doubled until enough do.
    """
    tries = {label: 0 for label, *_ in plans}
    while True:
        base_expr, cand_expr, rules = _candidate_rules(target, plans, tries)
        if not rules:
            return base_expr, cand_expr, rules
        found = {r[0]: int(r[1]) for r in  # (by position: the target may be named "count")
                 keyed.filter(cand_expr).groupBy(_column(target)).count().collect()}
        short = [label for label, (_, need, _) in rules.items() if found.get(label, 0) < need]
        if not short:
            return base_expr, cand_expr, rules
        for label in short:
            tries[label] += 1
            if tries[label] > 40:  # the share is 1 long before this: the data changed under us
                raise EngineError(f"class {label_str(label)!r} has fewer rows than counted; did the input "
                                  "change while it was read?")


def _candidate_rules(target: str, plans: list[_CopyPlan], tries: Mapping[Hashable, int]
                     ) -> tuple[Column, Column, _Rules]:
    """For the current thresholds: base copies, candidate rows, ranking rules (asc picks the m
    smallest keys, desc drops the N - m largest)."""
    from pyspark.sql import functions as F

    label_col = _column(target)
    base_expr = F.lit(0)
    cand_expr = F.lit(False)
    rules: _Rules = {}
    for label, base, m, total in plans:
        is_class = label_col == F.lit(label)
        if m == 0 or m == total:
            base_expr = F.when(is_class, F.lit(base + (1 if m == total else 0))).otherwise(base_expr)
            continue
        if m <= total / 2:
            cand = F.col(_KEY) < F.lit(_threshold(_slack(m, total, tries[label])))
            base_expr = F.when(is_class, F.lit(base)).otherwise(base_expr)
            rules[label] = ("asc", m, base)
        else:
            drop = total - m
            cand = F.col(_KEY) >= F.lit(_threshold(1.0 - _slack(drop, total, tries[label])))
            base_expr = F.when(is_class, F.lit(base + 1)).otherwise(base_expr)
            rules[label] = ("desc", drop, base)
        cand_expr = cand_expr | (is_class & cand)
    return base_expr, cand_expr, rules


def _ranked(cands: DataFrame, label_col: Column, rules: _Rules) -> list[DataFrame]:
    """The candidate rows with their copies, ranked by key within their class."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    copies = F.lit(0)
    for label, (order, need, base) in rules.items():
        is_class = label_col == F.lit(label)
        rank = F.col(_RANK)
        if order == "asc":
            value = F.when(rank <= need, base + 1).otherwise(base)
        else:
            value = F.when(rank <= need, base).otherwise(base + 1)
        copies = F.when(is_class, value).otherwise(copies)
    asc = Window.partitionBy(label_col).orderBy(F.col(_KEY).asc())
    desc = Window.partitionBy(label_col).orderBy(F.col(_KEY).desc())
    parts = []
    for wanted, window in (("asc", asc), ("desc", desc)):
        labels = [label for label, (order, *_r) in rules.items() if order == wanted]
        if labels:
            parts.append(cands.filter(label_col.isin(*labels)).withColumn(_RANK, F.row_number().over(window))
                         .withColumn(_COPIES, copies).drop(_RANK))
    return parts


# --------------------------------------------------------------------------------------------
# resample


def resample(frame: DataFrame, target: str, method: str, *, params: Mapping[str, Any] | None = None,
             seed: int = 0, max_driver_rows: int | None = None, undersample_to: int | None = None) -> Result:
    """Balance a Spark DataFrame; see the module's docstring for what runs where.

    ``undersample_to``: first, every class with more rows keeps exactly that many (seeded, on
    Spark); the method then runs on those counts. With a synthetic method this is the usual recipe
    for big tables: the majority under-sampled by Spark, the minority synthesized up to it.
    """
    strategy = strategies.get(method)
    _refuse(strategy)
    require_column(frame, target)
    validated = strategy.validate(params)
    counts, notices = _counted(frame, target)
    validated["sampling_strategy"] = strategies.parse_sampling_strategy(
        validated.pop("sampling_strategy", None), strategy, counts)
    rows_in = sum(counts.values())
    with_target = frame.filter(_has_value(frame, target))
    whole = with_target
    original = counts
    if undersample_to is not None:
        with_target, counts = _undersampled_first(with_target, target, counts, undersample_to, seed, notices)
    name = strategy.name
    if strategy.is_baseline:
        return Result(with_target, name, method, validated, seed, original, dict(counts), 0, 0, notices, rows_in)
    after = target_counts(strategy, validated["sampling_strategy"], counts)
    assert strategy.spark is not None  # _refuse let it through
    if strategy.spark.mode == "spark" and not strategy.needs_features(validated):
        notices.extend(text for param, text in strategy.spark.notes if param is None or validated.get(param))
        data = select_counts(with_target, target, counts, after, seed)
        return Result(data, name, method, validated, seed, original, after, 0, 0, notices, rows_in)
    result = _synthesize(with_target, target, strategy, validated, counts, after, seed, notices, rows_in,
                         max_driver_rows if max_driver_rows is not None else driver_rows(),
                         _identifiers(whole, target))
    result.before = original
    return result


def _counted(frame: DataFrame, target: str) -> tuple[dict[Hashable, int], list[str]]:
    """The class counts of the rows with a target value, and a notice for those without one."""
    counts, missing = class_counts(frame, target)
    notices: list[str] = []
    if missing:
        notices.append(f"{missing:,} {'row' if missing == 1 else 'rows'} without a target value "
                       f"{'was' if missing == 1 else 'were'} left out")
    if len(counts) < 2:
        raise DataError(f"the target {target!r} has a single class among rows that have a value")
    return counts, notices


def _undersampled_first(frame: DataFrame, target: str, counts: dict[Hashable, int], most: int, seed: int,
                        notices: list[str]) -> tuple[DataFrame, dict[Hashable, int]]:
    """Every class with more than ``most`` rows cut to exactly ``most`` (seeded, on Spark)."""
    if most < 1:
        raise ParameterError("undersample_to must be at least 1 row")
    cut = {label: min(n, most) for label, n in counts.items()}
    if cut == counts:
        return frame, counts
    shrunk = [label_str(k) for k in counts if cut[k] < counts[k]]
    notices.append(f"under-sampled to {most:,} rows first: {', '.join(shrunk[:8])}")
    return select_counts(frame, target, counts, cut, seed), cut


def _has_value(frame: DataFrame, target: str) -> Column:
    from pyspark.sql import functions as F

    col = _column(target)
    if isinstance(frame.schema[target].dataType, _float_types()):
        return col.isNotNull() & ~F.isnan(col)
    return col.isNotNull()


def _identifiers(frame: DataFrame, target: str | None) -> dict[str, str]:
    """The whole-number and text columns that are identifiers over the whole table, by the local
    engine's rules (:func:`balancer.profiling.column_kind`), as ``{name: "identifier"}``: whole
    numbers named like ids and all distinct, or consecutive (a counter); text with more than 20
    values nearly all distinct and not prose. One aggregation (exact distinct counts for whole
    numbers). The driver's few rows of a small class cannot tell: a row id among 10 rows was a
    feature, and synthetic rows got made-up ids of real rows."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from .profiling import id_name

    whole = (T.ByteType, T.ShortType, T.IntegerType, T.LongType)
    fields = [f for f in frame.schema.fields if f.name != target and isinstance(f.dataType, (*whole, T.StringType))]
    if not fields:
        return {}
    aggs = []
    for i, f in enumerate(fields):
        col = _column(f.name)
        aggs.append(F.count(col).alias(f"__balancer_n{i}"))
        if isinstance(f.dataType, whole):
            aggs += [F.countDistinct(col).alias(f"__balancer_d{i}"), F.min(col).alias(f"__balancer_lo{i}"),
                     F.max(col).alias(f"__balancer_hi{i}")]
        else:
            aggs += [F.approx_count_distinct(col).alias(f"__balancer_d{i}"),
                     F.avg(F.length(col)).alias(f"__balancer_len{i}"),
                     F.avg(col.contains(" ").cast("double")).alias(f"__balancer_sp{i}")]
    stats = frame.agg(*aggs).collect()[0]
    found = {}
    for i, f in enumerate(fields):
        n, distinct = int(stats[f"__balancer_n{i}"] or 0), int(stats[f"__balancer_d{i}"] or 0)
        if isinstance(f.dataType, whole):
            low, high = stats[f"__balancer_lo{i}"], stats[f"__balancer_hi{i}"]
            counter = low is not None and high - low + 1 == n
            if n >= 20 and distinct == n and (id_name(f.name) or counter):
                found[f.name] = "identifier"
        elif distinct > 20 and distinct >= 0.95 * n and not (
                (stats[f"__balancer_sp{i}"] or 0) > 0.5 and (stats[f"__balancer_len{i}"] or 0) > 15):
            found[f.name] = "identifier"
    return found


def _synthesize(frame: DataFrame, target: str, strategy: strategies.Strategy, params: dict[str, Any],
                counts: dict[Hashable, int], after: dict[Hashable, int], seed: int, notices: list[str],
                rows_in: int, cap: int, kinds: Mapping[str, str] | None = None) -> Result:
    """Bring the growing classes (and a sample of the others) to the driver; synthesize; send back.
    ``kinds``: the columns' kinds over the whole table (:func:`_identifiers`), which win over what
    the driver's rows alone suggest."""
    from .resample import resample as local_resample

    grow = {label: n for label, n in after.items() if n > counts[label]}
    if not grow:
        notices.append("no class needs more rows; the table is returned as it is")
        return Result(frame, strategy.name, strategy.name, params, seed, counts, dict(counts), 0, 0, notices,
                      rows_in)
    synthetic = sum(n - counts[label] for label, n in grow.items())
    context = _context_rows(strategy, counts, grow, synthetic, cap, notices)
    local = _to_driver(frame, target, counts, {label: counts[label] for label in grow} | context, seed)
    run_params = {k: v for k, v in params.items() if k != "sampling_strategy"}
    run_params["sampling_strategy"] = {label_str(label): n for label, n in grow.items()}
    result = local_resample(local, target, strategy.name, params=run_params, seed=seed,
                            max_rows=len(local) + synthetic, kinds=kinds)
    notices.extend(n for n in result.notices if n not in notices)
    made = result.data.loc[result.synthetic]
    data = frame.unionByName(_to_spark(frame, made))
    made_counts = {label: int(made[target].eq(label).sum()) for label in grow}
    final = {label: counts[label] + made_counts.get(label, 0) for label in counts}
    return Result(data, result.method, strategy.name, params, seed, counts, final, int(len(made)),
                  len(local), notices, rows_in)


def _context_rows(strategy: strategies.Strategy, counts: Mapping[Hashable, int], grow: Mapping[Hashable, int],
                  synthetic: int, cap: int, notices: list[str]) -> dict[Hashable, int]:
    """How many rows of each class that does not grow come to the driver: a bounded exact sample
    for tactics that look at them, else a token row (refused when even the growing classes and
    their synthetic rows exceed the driver cap)."""
    minority_rows = sum(counts[label] for label in grow)
    others = {label: n for label, n in counts.items() if label not in grow}
    if minority_rows + synthetic > cap:
        raise LimitError(
            f"{strategy.name} would bring {minority_rows:,} rows of the classes it grows to the driver and "
            f"make {synthetic:,} synthetic rows there: {minority_rows + synthetic:,} rows, more than the "
            f"driver cap of {cap:,} (--driver-rows or BALANCER_SPARK_DRIVER_ROWS). What would work: ask for "
            "fewer rows with sampling_strategy (a ratio such as 0.1, or per-class counts), under-sample the "
            "majority in the same run (--undersample-to N), RandomOverSampler (all on Spark), or a bigger "
            "driver (--driver-memory) with a higher cap."
        )
    if strategy.spark is None or not strategy.spark.context:
        return {label: min(n, 1) for label, n in others.items()}
    room = cap - minority_rows - synthetic
    total_others = sum(others.values())
    share = min(1.0, room / total_others) if total_others else 1.0
    context = {label: n if share >= 1.0 else max(1, int(n * share)) for label, n in others.items()}
    if share < 1.0:
        notices.append(
            f"{strategy.name} looks at the other classes' rows; it saw an exact random sample of "
            f"{sum(context.values()):,} of their {total_others:,} rows (all would exceed the driver cap "
            f"of {cap:,}), so its choice of where to synthesize approximates the local engine's")
    return context


def _to_driver(frame: DataFrame, target: str, counts: Mapping[Hashable, int], wanted: Mapping[Hashable, int],
               seed: int) -> Any:
    """``wanted`` rows of each class as a pandas DataFrame on the driver, in the same order on every
    run whatever order Spark returns them in."""
    picked = select_counts(frame, target, counts, wanted, seed)
    keyed = picked.withColumn(_KEY, _row_key(picked, seed))
    with _quiet():
        table = keyed.toArrow()
    table = table.sort_by([(_KEY, "ascending")]).drop_columns([_KEY])
    table = _as_local_reads(table)
    from .tables import arrow_to_pandas

    return arrow_to_pandas(table)


def _as_local_reads(table: Any) -> Any:
    """The driver's rows typed as the local engine reads the same file: decimals as floats (they
    came as Python Decimal objects, categorical to the sampler, so SMOTE became SMOTENC and copied
    them) and dates as their text (left empty in synthetic rows, not copied)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for i, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            table = table.set_column(i, field.name, pc.cast(table.column(i), pa.float64()))
        elif pa.types.is_date(field.type):
            table = table.set_column(i, field.name, pc.cast(table.column(i), pa.string()))
    return table


def _to_spark(frame: DataFrame, rows: Any) -> DataFrame:
    """Synthetic rows (pandas) as a Spark DataFrame with ``frame``'s exact schema."""
    import pyarrow as pa
    from pyspark.sql.pandas.types import to_arrow_schema

    schema = to_arrow_schema(frame.schema)
    columns = []
    for field in schema:
        values = rows[field.name]
        try:
            columns.append(pa.array(values, type=field.type, from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            columns.append(pa.array(values, from_pandas=True).cast(field.type, safe=False))
    table = pa.Table.from_arrays(columns, schema=schema)
    spark = frame.sparkSession
    with _quiet():
        back = spark.createDataFrame(table, schema=frame.schema)
    return back


__all__ = [
    "Result",
    "check_method",
    "sniff",
    "class_counts",
    "detect_format",
    "driver_rows",
    "profile",
    "read",
    "resample",
    "select_counts",
    "session",
    "target_counts",
    "write",
]
