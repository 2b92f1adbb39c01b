"""The Spark engine on local[2]: same class counts as the local engine, the input's schema, exact and
reproducible selection, refusals, and one-line errors from the command line.

These tests need Java (Spark runs on the JVM). Without it they fail, on purpose: ``make test``
installs Debian's OpenJDK when none is found.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from balancer import resample as local_resample
from balancer import spark as engine
from balancer.cli import main
from balancer.errors import DataError, EngineError, LimitError, MethodError, ParameterError, TargetError
from tests.conftest import mixed_table

pytestmark = pytest.mark.slow  # Spark starts a JVM: minutes in all, and needs Java


@pytest.fixture(scope="module")
def spark():
    session = engine.session("local[2]", "1g")
    session.conf.set("spark.sql.shuffle.partitions", "4")
    yield session
    session.stop()


def _table(n: int = 600, seed: int = 0, classes: int = 2) -> pd.DataFrame:
    """Numeric, integer (with gaps), categorical, boolean and date columns; an imbalanced target."""
    frame = mixed_table(n=n, minority=n // 10, classes=classes, seed=seed).drop(columns=["row_id"])
    rng = np.random.default_rng(seed)
    frame["when"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    frame["count"] = pd.array(rng.integers(0, 9, n), dtype="Int64")
    frame.loc[rng.random(n) < 0.05, "count"] = pd.NA
    return frame


def _numeric(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.1, "yes", "no")
    shift = (y == "yes").astype(float)
    return pd.DataFrame({f"x{i}": rng.normal(shift, 1.0) for i in range(5)} | {"y": y})


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("spark-data")
    paths = {}
    for name, frame in {"mixed": _table(), "multi": _table(900, 1, classes=3), "numeric": _numeric()}.items():
        path = root / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        paths[name] = path
    return paths


def _counts(frame, target):
    return {r[target]: r["count"] for r in frame.groupBy(target).count().collect()}


def _sorted_rows(frame):
    return sorted(tuple(map(repr, row)) for row in frame.collect())


def _same_schema(a, b) -> bool:
    return [(f.name, f.dataType) for f in a.schema.fields] == [(f.name, f.dataType) for f in b.schema.fields]


# ---------------------------------------------------------------------------------------------
# the same class counts as the local engine, the input's schema


CASES = [
    ("numeric", "y", "none", {}),
    ("numeric", "y", "RandomUnderSampler", {}),
    ("numeric", "y", "RandomUnderSampler", {"sampling_strategy": "0.5"}),
    ("numeric", "y", "RandomOverSampler", {}),
    ("numeric", "y", "RandomOverSampler", {"sampling_strategy": "0.35"}),
    ("multi", "label", "RandomUnderSampler", {"sampling_strategy": "not minority"}),
    ("multi", "label", "RandomUnderSampler", {"sampling_strategy": '{"c0": 400, "c1": 50}'}),
    ("multi", "label", "RandomOverSampler", {"sampling_strategy": "minority"}),
    ("multi", "label", "RandomOverSampler", {"sampling_strategy": '{"c1": 700}'}),
    ("multi", "label", "RandomOverSampler", {"sampling_strategy": "all"}),
    ("numeric", "y", "SMOTE", {}),
    ("numeric", "y", "SMOTE", {"sampling_strategy": "0.5", "k_neighbors": "3"}),
    ("mixed", "label", "SMOTE", {}),
    ("multi", "label", "SMOTE", {"sampling_strategy": "not majority"}),
    ("numeric", "y", "BorderlineSMOTE", {}),
    ("numeric", "y", "ADASYN", {}),
    ("numeric", "y", "SVMSMOTE", {}),
    ("numeric", "y", "RandomOverSampler", {"shrinkage": "0.5"}),
]


@pytest.mark.parametrize(("name", "target", "method", "params"), CASES,
                         ids=[f"{c[0]}-{c[2]}-{'-'.join(c[3].values()) or 'default'}" for c in CASES])
def test_same_counts_as_local_engine_and_same_schema(spark, files, name, target, method, params):
    """Check that Spark gives the local engine's class counts, exactly, and the input's schema."""
    frame = engine.read(spark, str(files[name]))
    result = engine.resample(frame, target, method, params=params, seed=3)
    local = local_resample(pd.read_parquet(files[name]), target, method, params=params, seed=3)
    assert {str(k): v for k, v in result.after.items()} == {str(k): v for k, v in local.after.items()}
    assert _counts(result.data, target) == result.after
    assert _same_schema(result.data, frame)
    assert result.synthetic_rows == local.synthetic_rows


def test_same_seed_same_rows_other_seed_other_rows(spark, files):
    """Check that a seed fixes the rows chosen, whatever the partitioning."""
    frame = engine.read(spark, str(files["numeric"]))
    for method in ("RandomUnderSampler", "RandomOverSampler", "SMOTE"):
        first = _sorted_rows(engine.resample(frame, "y", method, seed=7).data)
        again = _sorted_rows(engine.resample(frame.repartition(5), "y", method, seed=7).data)
        other = _sorted_rows(engine.resample(frame, "y", method, seed=8).data)
        assert first == again, method
        assert first != other, method


def test_written_output_has_the_input_schema(spark, files, tmp_path):
    """Check that the written Parquet and CSV folders read back with the input's schema and counts."""
    frame = engine.read(spark, str(files["mixed"]))
    result = engine.resample(frame, "label", "SMOTE", seed=1)
    engine.write(result.data, str(tmp_path / "out"))
    back = engine.read(spark, str(tmp_path / "out"))
    assert _same_schema(back, frame)
    assert _counts(back, "label") == result.after
    synthetic = back.subtract(frame)
    assert synthetic.filter("`when` IS NOT NULL").count() == 0  # dates are not made up
    assert engine.write(result.data, str(tmp_path / "out.csv")) == "csv"
    assert _counts(engine.read(spark, str(tmp_path / "out.csv")), "label") == result.after
    arrow = pq.read_table(tmp_path / "out")
    assert arrow.schema.field("count").type == pa.int64()


def test_folders_and_globs_are_read(spark, files, tmp_path):
    """Check that a folder of CSV files and a glob of Parquet files are read by Spark itself."""
    parts = tmp_path / "parts"
    parts.mkdir()
    data = _numeric(300)
    for i, chunk in enumerate((data.iloc[:100], data.iloc[100:200], data.iloc[200:])):
        chunk.to_csv(parts / f"part-{i}.csv", index=False)
        chunk.to_parquet(tmp_path / f"chunk-{i}.parquet", index=False)
    from_folder = engine.profile(engine.read(spark, str(parts)), "y")
    from_glob = engine.profile(engine.read(spark, str(tmp_path / "chunk-*.parquet")), "y")
    expected = Counter(data["y"])
    assert from_folder.classes == from_glob.classes == dict(expected.most_common())


def test_exact_counts_with_duplicates_and_near_total(spark):
    """Check exact counts where keys tie (identical rows) and where a class keeps almost all rows."""
    rows = [("a", 1)] * 500 + [("a", 2)] * 500 + [("b", i) for i in range(40)]
    frame = spark.createDataFrame(rows, "c string, v long").repartition(3)
    before = {"a": 1000, "b": 40}
    for after in ({"a": 999, "b": 1}, {"a": 501, "b": 39}, {"a": 3, "b": 40}, {"a": 2500, "b": 77},
                  {"a": 1000, "b": 0}):
        chosen = engine.select_counts(frame, "c", before, after, seed=5)
        assert _counts(chosen, "c") == {k: v for k, v in after.items() if v}


def test_a_backtick_in_a_column_name_is_that_column(spark):
    """Check names holding backticks (quoted without doubling them, ``a`b`` was a parse error, and
    a crafted name could select another column) are used as they are, target included."""
    rows = [("a", 1, 9)] * 30 + [("b", 2, 8)] * 6
    frame = spark.createDataFrame(rows, ["c`lass", "v` + 1 AS `w", "w"])
    assert engine.class_counts(frame, "c`lass") == ({"a": 30, "b": 6}, 0)
    out = engine.select_counts(frame, "c`lass", {"a": 30, "b": 6}, {"a": 30, "b": 30}, seed=0)
    assert out.columns == ["c`lass", "v` + 1 AS `w", "w"]
    assert len(engine.select_counts(frame, "c`lass", {"a": 30, "b": 6}, {"a": 7, "b": 6}, seed=0).collect()) == 13
    collected = out.collect()
    assert Counter(r[0] for r in collected) == {"a": 30, "b": 30}
    assert {(r[1], r[2]) for r in collected} == {(1, 9), (2, 8)}


def test_over_sampling_repeats_rows_evenly(spark):
    """Check that over-sampling repeats every row (n - N) // N or one more times."""
    frame = spark.createDataFrame([("a", i) for i in range(10)] + [("b", i) for i in range(30)], "c string, v long")
    out = engine.select_counts(frame, "c", {"a": 10, "b": 30}, {"a": 37, "b": 30}, seed=0)
    copies = Counter(r["v"] for r in out.filter("c = 'a'").collect())
    assert sorted(set(copies.values())) == [3, 4] and sum(copies.values()) == 37


def test_profile_matches_local_counts(spark, files):
    """Check rows, class counts, missing cells and kinds from the schema."""
    frame = engine.read(spark, str(files["mixed"]))
    result = engine.profile(frame, "label")
    data = pd.read_parquet(files["mixed"])
    assert result.rows == len(data)
    assert result.classes == dict(Counter(data["label"]).most_common())
    missing = {c.name: c.missing for c in result.columns}
    assert missing == {c: int(data[c].isna().sum()) for c in data.columns}
    kinds = {c.name: c.kind for c in result.columns}
    assert kinds["x_float"] == "numeric" and kinds["flag"] == "boolean" and kinds["when"] == "datetime"
    assert kinds["colour"] == "categorical" and kinds["count"] == "integer"
    assert "label" in result.target_candidates


def test_refusals_name_what_runs_on_spark(spark, files):
    """Check that methods needing all-row neighbours, and model-side tactics, are refused clearly."""
    frame = engine.read(spark, str(files["numeric"]))
    for method in ("TomekLinks", "SMOTEENN", "NearMiss", "EditedNearestNeighbours", "KMeansSMOTE"):
        with pytest.raises(MethodError, match="RandomUnderSampler.*SMOTE"):
            engine.resample(frame, "y", method)
    with pytest.raises(MethodError, match="changes the model"):
        engine.resample(frame, "y", "class_weight")


def test_driver_cap_refuses_with_what_would_work(spark, files):
    """Check that a minority too big for the driver is refused, saying what would work."""
    frame = engine.read(spark, str(files["numeric"]))
    with pytest.raises(LimitError, match="driver cap of 100.*sampling_strategy.*RandomOverSampler"):
        engine.resample(frame, "y", "SMOTE", max_driver_rows=100)
    fits = engine.resample(frame, "y", "SMOTE", params={"sampling_strategy": "0.2"}, max_driver_rows=200)
    assert fits.driver_rows + fits.synthetic_rows <= 200


def test_undersample_then_synthesize(spark, files):
    """Check --undersample-to: the majority cut by Spark, the minority synthesized up to it."""
    frame = engine.read(spark, str(files["numeric"]))
    result = engine.resample(frame, "y", "SMOTE", seed=2, undersample_to=200)
    before = dict(Counter(pd.read_parquet(files["numeric"])["y"]))
    assert result.before == before
    assert result.after == {"no": 200, "yes": 200} == _counts(result.data, "y")
    assert result.synthetic_rows == 200 - before["yes"]
    assert _same_schema(result.data, frame)


def test_context_sample_is_bounded(spark, files):
    """Check that ADASYN sees a bounded sample of the majority when all of it would not fit."""
    frame = engine.read(spark, str(files["numeric"]))
    result = engine.resample(frame, "y", "ADASYN", params={"sampling_strategy": "0.3"}, max_driver_rows=300)
    planned = int(0.3 * result.before["no"]) - result.before["yes"]
    assert result.driver_rows + planned <= 300
    assert any("sample" in n for n in result.notices)
    assert _counts(result.data, "y") == result.after


def test_bad_target_errors(spark, files, tmp_path):
    """Check the errors for an unknown column and a target with one class."""
    frame = engine.read(spark, str(files["numeric"]))
    with pytest.raises(TargetError, match="Did you mean 'y'"):
        engine.resample(frame, "yy", "RandomUnderSampler")
    one = spark.createDataFrame([(1.0, "a"), (2.0, "a")], "x double, y string")
    with pytest.raises(DataError, match="single class"):
        engine.resample(one, "y", "RandomUnderSampler")


def test_cli_in_process_writes_and_reports_json(spark, files, tmp_path, capsys):
    """Check 'balancer resample --engine spark --json' and 'profile --engine spark' reuse the session."""
    out = tmp_path / "balanced"
    code = main(["resample", str(files["numeric"]), "--target", "y", "--method", "RandomUnderSampler",
                 "--engine", "spark", "--master", "local[2]", "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    payload = json.loads(captured.out)
    assert payload["engine"] == "spark" and payload["format"] == "parquet"
    assert payload["after"]["no"] == payload["after"]["yes"] == payload["before"]["yes"]
    assert pq.read_table(out).num_rows == payload["rows_out"]
    code = main(["profile", str(out), "--target", "y", "--engine", "spark", "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["rows"] == payload["rows_out"]
    code = main(["resample", str(files["numeric"]), "--target", "y", "--method", "SMOTE", "--engine", "spark",
                 "--out", str(files["numeric"])])
    assert code == 2 and "overwrite the input" in capsys.readouterr().err
    code = main(["evaluate", str(files["numeric"]), "--target", "y", "--engine", "spark"])
    assert code == 2 and "local engine only" in capsys.readouterr().err


def test_output_folder_with_other_files_is_refused_and_kept(spark, files, tmp_path, capsys):
    """Check that --out never deletes what the user had: Spark's overwrite mode empties the whole
    folder, so a folder holding anything but a previous Spark output, or a file, is refused before
    any work, and a previous output is replaced."""
    home = tmp_path / "projects"
    home.mkdir()
    (home / "thesis.tex").write_text("years of work")
    (home / "data").mkdir()
    args = ["resample", str(files["numeric"]), "--target", "y", "--method", "RandomUnderSampler",
            "--engine", "spark", "--master", "local[2]", "--out"]
    assert main([*args, str(home)]) == 2
    assert "already holds other files (data, thesis.tex)" in capsys.readouterr().err
    assert (home / "thesis.tex").read_text() == "years of work" and (home / "data").is_dir()
    note = tmp_path / "notes.txt"
    note.write_text("keep")
    assert main([*args, str(note)]) == 2
    assert "is a file" in capsys.readouterr().err and note.read_text() == "keep"
    out = tmp_path / "balanced"
    assert main([*args, str(out)]) == 0
    first = sorted(p.name for p in out.iterdir())
    assert "_SUCCESS" in first and any(n.startswith("part-") for n in first)
    assert main([*args, str(out), "--seed", "1"]) == 0, capsys.readouterr().err  # a previous output
    assert pq.read_table(out).num_rows == 2 * int((pd.read_parquet(files["numeric"])["y"] == "yes").sum())


def test_cli_bad_input_exit_2_one_line(files, tmp_path):
    """Check that bad input gives exit 2 and one line on stderr, the JVM's own noise kept out (the
    three commands run side by side: each starts its own JVM)."""
    one = tmp_path / "one.parquet"
    pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": ["a", "a", "a"]}).to_parquet(one)
    cases = {"missing path": ([str(tmp_path / "nowhere" / "*.parquet"), "--target", "y"], "no such file"),
             "unknown column": ([str(files["numeric"]), "--target", "yes"], "no column 'yes'"),
             "one class": ([str(one), "--target", "y"], "single class")}
    running = {case: subprocess.Popen([sys.executable, "-m", "balancer", "resample", *args, "--method", "SMOTE",
                                       "--engine", "spark", "--master", "local[2]", "--out", str(tmp_path / case)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for case, (args, _) in cases.items()}
    try:
        for case, process in running.items():
            _, stderr = process.communicate(timeout=180)
            assert process.returncode == 2, (case, stderr)
            lines = stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: "), (case, stderr)
            assert cases[case][1] in lines[0], (case, lines[0])
    finally:
        for process in running.values():
            if process.poll() is None:
                process.kill()


def test_spark_submit_runs_the_command(files):
    """Check that spark-submit, which chooses the master itself, runs the command file unchanged."""
    import os
    from pathlib import Path

    import balancer.__main__ as entry

    bin_dir = Path(sys.executable).parent
    env = os.environ | {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
                        "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    done = subprocess.run([str(bin_dir / "spark-submit"), "--master", "local[2]", entry.__file__, "profile",
                           str(files["numeric"]), "--target", "y", "--engine", "spark", "--json"],
                          capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["classes"] == dict(Counter(pd.read_parquet(files["numeric"])["y"]).most_common())


def test_target_counts_follow_imbalanced_learn():
    """Check the reading of sampling_strategy from counts alone against imbalanced-learn's on a y."""
    from imblearn.utils import check_sampling_strategy

    from balancer import strategies

    counts = {"a": 50, "b": 20, "c": 7}
    y = np.repeat(list(counts), list(counts.values()))
    for method, kind in (("RandomUnderSampler", "under-sampling"), ("RandomOverSampler", "over-sampling")):
        strategy = strategies.get(method)
        for ss in ("auto", "majority", "minority", "not majority", "not minority", "all"):
            try:
                wanted = check_sampling_strategy(ss, y, kind)
            except ValueError:
                with pytest.raises(ParameterError):
                    engine.target_counts(strategy, ss, counts)
                continue
            got = engine.target_counts(strategy, ss, counts)
            expected = ({c: counts[c] + wanted.get(c, 0) for c in counts} if kind == "over-sampling"
                        else {c: wanted.get(c, counts[c]) for c in counts})
            assert got == expected, (method, ss)


def test_dates_survive(spark):
    """Check that date and timestamp columns come back as dates for synthesized tables."""
    rows = [(float(i % 7), "yes" if i % 10 == 0 else "no", dt.date(2024, 1, 1 + i % 28)) for i in range(200)]
    frame = spark.createDataFrame(rows, "x double, y string, d date")
    result = engine.resample(frame, "y", "SMOTE", params={"k_neighbors": "3"})
    assert _same_schema(result.data, frame)
    assert _counts(result.data, "y") == {"no": 180, "yes": 180}


class _NoFolder:
    """Hadoop's file system as :class:`_Failing` shows it to ``check_output``: no folder there yet."""

    def __init__(self):
        self.org = SimpleNamespace(apache=SimpleNamespace(hadoop=SimpleNamespace(fs=SimpleNamespace(
            Path=lambda out: self))))

    def getFileSystem(self, conf):
        return self

    def exists(self, path):
        return False


class _Failing:
    """A stand-in for Spark's reader and writer whose last step raises ``error``."""

    def __init__(self, error: BaseException):
        self.error = error
        self.read = self.write = self.sparkSession = self
        self._jvm, self._jsc = _NoFolder(), SimpleNamespace(hadoopConfiguration=lambda: None)

    def option(self, *args):
        return self

    def format(self, *args):
        return self

    def mode(self, *args):
        return self

    def load(self, *args):
        raise self.error

    parquet = csv = load


def test_only_input_errors_become_user_errors(tmp_path):
    """Check that what Spark says about the input is a DataError/EngineError, and a bug stays a bug."""
    from pyspark.errors import AnalysisException, PySparkTypeError

    path = tmp_path / "t.parquet"
    path.write_bytes(b"PAR1")
    with pytest.raises(DataError, match="cannot read .* Path does not exist"):
        engine.read(_Failing(AnalysisException("Path does not exist")), str(path))
    with pytest.raises(DataError, match="cannot write .* Permission denied"):
        engine.write(_Failing(AnalysisException("Permission denied")), str(tmp_path / "out"))
    with pytest.raises(EngineError, match="Spark failed: Column 'x' does not exist"), engine.spark_errors():
        raise AnalysisException("Column 'x' does not exist")
    for bug in (TypeError("a bug"), PySparkTypeError("a bug in a call")):
        with pytest.raises(type(bug)):
            engine.read(_Failing(bug), str(path))
        with pytest.raises(type(bug)):
            engine.write(_Failing(bug), str(tmp_path / "out"))
        with pytest.raises(type(bug)), engine.spark_errors():
            raise bug


# ---------------------------------------------------------------------------------------------
# reading and writing CSV as the local engine does (a user's audit found each of these)


def _everyday_csv(path, rows: int = 40) -> None:
    """Semicolons, Windows-1252, '?' for missing, zero-padded codes, a quoted field holding a line
    break and doubled quotes, and a target named "count"."""
    lines = ["id;code;note;x;count"]
    for i in range(rows):
        note = {0: '"line one\nline two"', 1: '"say ""hi"""', 2: "Besançon"}.get(i, f"n{i}")
        x = "?" if i % 7 == 3 else f"{i / 4}"
        lines.append(f"{i};{i * 37 % 1000:05d};{note};{x};{'yes' if i % 5 == 0 else 'no'}")
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))


def test_csv_is_read_as_the_local_engine_reads_it_and_written_back_readable(spark, tmp_path):
    """Check a semicolon, Windows-1252 file with '?' gaps, zero-padded codes and a quoted line break:
    every row read (20 of 60 were lost to the line breaks), '?' missing (it was a category), the
    accent kept (it became U+FFFD), 00050 kept (it became 50), a target named "count" counted (it
    crashed), and the CSV written back readable by pandas (quotes were escaped with a backslash)."""
    path = tmp_path / "everyday.csv"
    _everyday_csv(path)
    frame = engine.read(spark, str(path))
    assert frame.count() == 40
    types = {f.name: f.dataType.simpleString() for f in frame.schema.fields}
    assert types["x"] == "double" and types["code"] == "string", types
    rows = {r["id"]: r for r in frame.collect()}
    assert rows[0]["note"] == "line one\nline two" and rows[1]["note"] == 'say "hi"' and rows[2]["note"] == "Besançon"
    assert rows[3]["x"] is None and rows[1]["code"] == "00037" and rows[0]["code"] == "00000"
    assert engine.class_counts(frame, "count") == ({"no": 32, "yes": 8}, 0)
    out = tmp_path / "out.csv"
    engine.write(frame, str(out), "csv")
    back = pd.concat(pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(out.glob("part-*.csv")))
    assert sorted(back["note"])[:3] == sorted(rows[i]["note"] for i in range(40))[:3]
    assert set(back["note"]) == {r["note"] for r in rows.values()}


def test_the_head_of_a_file_is_sniffed_with_care(tmp_path):
    """Check the sniff of a local file's first MB: a UTF-16 file over 1 MB (refused as undecodable:
    the cut fell inside a character), a gzip file (refused as binary: Spark reads it), a file that
    writes '?' in one column and empty cells in another (no token given), quotes escaped with a
    backslash as Spark writes them (read as doubled), and a cut inside a quoted line break (the
    head did not read, and the semicolons were lost)."""
    import gzip

    rows = ["a,b,y"] + [f"{i},x{i % 7},{'yes' if i % 9 == 0 else 'no'}" for i in range(120_000)]
    (tmp_path / "u16.csv").write_bytes(("\n".join(rows) + "\n").encode("utf-16"))
    assert engine.sniff(str(tmp_path / "u16.csv"), "csv")["encoding"] == "UTF-16"
    (tmp_path / "g.csv.gz").write_bytes(gzip.compress(("\n".join(rows[:100]) + "\n").encode()))
    assert engine.sniff(str(tmp_path / "g.csv.gz"), "csv") == {}
    (tmp_path / "gz.csv").write_bytes(gzip.compress(("\n".join(rows[:100]) + "\n").encode()))
    assert engine.sniff(str(tmp_path / "gz.csv"), "csv") == {}
    mixed = ["a,b,y"] + [f"{'?' if i % 5 == 0 else i},{'' if i % 7 == 0 else 'k'},no" for i in range(50)]
    (tmp_path / "mixq.csv").write_text("\n".join(mixed) + "\n")
    assert engine.sniff(str(tmp_path / "mixq.csv"), "csv")["nullValue"] == "?"
    (tmp_path / "bs.csv").write_text('a,b\n1,"say \\"hi\\""\n2,x\n')
    assert engine.sniff(str(tmp_path / "bs.csv"), "csv")["escape"] == "\\"
    (tmp_path / "rfc.csv").write_text('a,b\n1,"say ""hi"" now"\n2,x\n')
    assert "escape" not in engine.sniff(str(tmp_path / "rfc.csv"), "csv")
    lines = ["a;b;y"] + [f'{i};"t{i}";no' for i in range(90_000)]
    text = "\n".join(lines)
    before = text[:(1 << 20) - 20]
    before = before[:before.rfind("\n")]
    after = text[(1 << 20) - 20:].split("\n", 1)[1]
    (tmp_path / "cut.csv").write_text(before + '\n9;"line\n' + "x" * 40 + '";yes\n' + after)
    assert engine.sniff(str(tmp_path / "cut.csv"), "csv")["sep"] == ";"


def test_what_spark_cannot_read_is_refused_with_the_reason(spark, tmp_path):
    """Check a binary file (it was profiled as a table of control characters), a decimal comma (the
    numbers became text) and a column named like one of the engine's own (its values were replaced
    by hashes) are refused."""
    binary = tmp_path / "notatable.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DataError, match="binary"):
        engine.read(spark, str(binary))
    comma = tmp_path / "comma.csv"
    comma.write_text("a;b;y\n" + "".join(f"{i},5;{i},25;{'yes' if i % 4 else 'no'}\n" for i in range(30)))
    with pytest.raises(DataError, match="decimal comma"):
        engine.read(spark, str(comma))
    own = tmp_path / "own.csv"
    own.write_text("__balancer_key,y\n" + "".join(f"{i},{'a' if i % 3 else 'b'}\n" for i in range(30)))
    with pytest.raises(DataError, match="__balancer_key"):
        engine.read(spark, str(own))


def test_decimals_are_interpolated_and_dates_left_empty_as_locally(spark, tmp_path):
    """Check SMOTE on Spark treats a decimal column as numbers and a date column as the local engine
    does (left empty in synthetic rows): the driver got Decimal and date objects, categorical to the
    sampler, so SMOTE became SMOTENC, every synthetic price a copy and every date filled in."""
    from decimal import Decimal

    rng = np.random.default_rng(3)
    n = 200
    y = np.where(np.arange(n) % 10 == 0, "yes", "no")
    table = pa.table({
        "price": pa.array([Decimal(f"{v:.2f}") for v in rng.uniform(1, 100, n)], pa.decimal128(10, 2)),
        "day": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 300, n)]),
        "x": rng.normal(size=n), "y": y})
    path = tmp_path / "types.parquet"
    pq.write_table(table, path)
    frame = engine.read(spark, str(path))
    result = engine.resample(frame, "y", "SMOTE", seed=0)
    assert not any("categorical" in notice or "price" in notice for notice in result.notices), result.notices
    out = result.data.toPandas()
    assert len(out) == 360 and str(result.data.schema["price"].dataType) == "DecimalType(10,2)"
    made = out[~out["x"].isin(set(table.column("x").to_pylist()))]  # synthetic rows: x interpolated
    assert len(made) == 160 and made["day"].isna().all(), made.head()
    assert made["price"].notna().all()  # (it was left empty, or copied)
    assert (~made["price"].isin(set(table.column("price").to_pylist()))).mean() > 0.9


def test_a_method_spark_does_not_run_is_refused_before_spark_starts(files, monkeypatch, capsys):
    """Check an unknown method, a model-side tactic or a bad parameter exits 2 before the JVM starts
    (they waited 10 to 15 seconds for it)."""
    def no_spark(*args, **kwargs):
        raise AssertionError("Spark was started")

    monkeypatch.setattr(engine, "session", no_spark)
    for method, extra in (("TomekLinks", []), ("class_weight", []), ("SMOTE", ["--param", "k_neighbors=0"]),
                          ("NoSuchMethod", [])):
        code = main(["resample", str(files["numeric"]), "--target", "y", "--method", method, "--engine", "spark",
                     *extra])
        err = capsys.readouterr().err
        assert code == 2 and err.startswith("error: "), (method, err)


def test_spark_that_cannot_start_says_why(files, capsys, monkeypatch, tmp_path):
    """Check a bad master names the JVM's own reason and a bad driver memory is refused before the
    JVM starts: both printed only "Java gateway process exited before sending its port number"."""
    import os

    done = subprocess.run(  # (a process of its own: this one's Spark is running)
        [sys.executable, "-m", "balancer", "profile", str(files["numeric"]), "--engine", "spark",
         "--master", "foo://x"], capture_output=True, text=True, timeout=120,
        env=os.environ | {"BALANCER_SPARK_LOG": str(tmp_path / "spark.log")})
    assert done.returncode == 2 and "Master must either be yarn or start with spark, k8s, or local" in done.stderr, \
        done.stderr[-2000:]
    code = main(["profile", str(files["numeric"]), "--engine", "spark", "--driver-memory", "lots"])
    err = capsys.readouterr().err
    assert code == 2 and "--driver-memory must be a size such as 4g" in err, err


def test_profile_reports_gaps_by_class_and_duplicates_as_the_local_engine(spark, tmp_path):
    """Check the Spark profile's missing cells (with each class's share) and duplicates equal the
    local engine's on a table with gaps, exact copies and copies with another label: it said
    "missing": [] beside columns with gaps, and 0 duplicates where there were 17."""
    from balancer import profile as local_profile
    from balancer import read_table

    rng = np.random.default_rng(5)
    n = 300
    frame = pd.DataFrame({"a": rng.integers(0, 4, n).astype(float), "b": rng.choice(["p", "q", "r"], n),
                          "count": rng.integers(0, 3, n), "y": np.where(rng.random(n) < 0.2, "yes", "no")})
    frame.loc[rng.random(n) < 0.1, "a"] = np.nan
    frame.loc[rng.random(n) < 0.05, "b"] = None
    path = tmp_path / "gaps.csv"
    frame.to_csv(path, index=False)
    mine = engine.profile(engine.read(spark, str(path)), "y")
    theirs = local_profile(read_table(path), "y")
    assert theirs.duplicates.rows > 100 and theirs.duplicates.conflicting_groups > 5
    assert mine.duplicates == theirs.duplicates
    assert [m.to_dict() for m in mine.missing] == [m.to_dict() for m in theirs.missing]
    kinds = {f.code for f in mine.warnings}
    assert {"missing_values", "duplicate_rows", "conflicting_labels"} <= kinds, kinds


def test_a_row_id_is_an_identifier_over_the_whole_table_not_the_drivers_rows(spark, tmp_path):
    """Check a row id column is left empty in synthetic rows, as locally: the driver saw only the
    minority's 10 rows, too few to call it an identifier, so it was interpolated and synthetic rows
    got the ids of real rows."""
    rng = np.random.default_rng(2)
    n = 60
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": np.arange(n), "label": ["yes"] * 10 + ["no"] * 50,
                          "income": rng.permutation(np.arange(1000, 1000 + 7 * n, 7))})  # all distinct
    path = tmp_path / "ids.parquet"
    frame.to_parquet(path, index=False)
    result = engine.resample(engine.read(spark, str(path)), "label", "SMOTE", seed=0)
    out = result.data.toPandas()
    made = out[~out["a"].isin(set(frame["a"]))]
    assert len(made) == 40 and made["b"].isna().all(), made.head()
    assert any("b (an identifier" in notice for notice in result.notices), result.notices
    # a feature whose values are all distinct is not an identifier unless named like one or a
    # counter, as locally (a looser rule emptied it in every synthetic row)
    assert made["income"].notna().all() and not any("income" in notice for notice in result.notices)
    kinds = {c.name: c.kind for c in engine.profile(engine.read(spark, str(path)), "label").columns}
    assert kinds["b"] == "identifier" and kinds["income"] == "integer", kinds


def test_ctrl_c_stops_a_spark_run_with_one_line(tmp_path):
    """Check a terminal's Ctrl-C while Spark starts, works and writes: exit 130 and one line. Once
    Spark ran, py4j logged each interrupted call with its traceback (49 lines on stderr), and a
    Ctrl-C late in the run was "error: Spark failed: ... getResult" (exit 2): the job pyspark
    cancelled failed, and that failure was reported."""
    import os
    import signal
    import time

    from tests.unit.test_cli import _children, assert_group_ends

    data = tmp_path / "big.csv"
    _numeric(100_000).to_csv(data, index=False)
    for delay in (0.0, 1.5, 8.0):
        out = tmp_path / f"out{delay}"
        process = subprocess.Popen(
            [sys.executable, "-m", "balancer", "resample", str(data), "--target", "y", "--method", "SMOTE",
             "--engine", "spark", "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            start_new_session=True, env=os.environ | {"BALANCER_SPARK_LOG": str(tmp_path / "spark.log")},
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        for _ in range(600):  # until the JVM is started (its process is the command's child)
            if _children(process.pid) or process.poll() is not None:
                break
            time.sleep(0.1)
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGINT)
        err = process.communicate(timeout=180)[1]
        assert process.returncode == 130 and err.strip() == "error: interrupted", (delay, err[-3000:])
        # the JVM ends with the command (one Ctrl-C'd in its start ran on, orphaned)
        assert_group_ends(process.pid, 10.0, f"the JVM outlived the command (Ctrl-C {delay} s after it started)")
