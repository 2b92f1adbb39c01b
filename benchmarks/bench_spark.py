"""Beyond one machine: 20,000,000 x 20 rows of Parquet, balanced with --engine spark vs the local engine.

Writes the table once (in 1,000,000-row groups, never all in memory), then runs each command in
its own process group while a watchdog sums the resident memory of every process in the group
(the JVM included) every half second. The local engine gets every limit raised and a memory budget
(default 16 GiB of this machine's 24); passing it counts as running out of memory. Spark runs on
local[2] with a 1 GB driver.

    python benchmarks/bench_spark.py [--rows 20000000] [--dir /tmp/balancer-spark-bench]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine, write_section  # noqa: E402

CHUNK = 1_000_000
FEATURES = 17


def generate(path: Path, rows: int, minority: float = 0.01) -> None:
    """17 float, one integer and one text feature, and a 0/1 target: 20 columns."""
    if path.exists() and pq.ParquetFile(path).metadata.num_rows == rows:
        return
    tmp = path.with_suffix(".tmp")
    writer = None
    for start in range(0, rows, CHUNK):
        n = min(CHUNK, rows - start)
        rng = np.random.default_rng(start)
        y = (rng.random(n) < minority).astype("int64")
        columns = {f"f{j}": rng.normal(y * 0.8, 1.0) for j in range(FEATURES)}
        columns["visits"] = rng.integers(0, 50, n) + 3 * y
        columns["channel"] = np.array(["web", "store", "phone", "partner"])[rng.integers(0, 4, n)]
        columns["label"] = y
        table = pa.table(columns)
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table, row_group_size=CHUNK)
    assert writer is not None
    writer.close()
    tmp.rename(path)


def _group_rss(pgid: int) -> int:
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            for line in Path(f"/proc/{entry}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    return total


def measure(cmd: list[str], env: dict[str, str], budget: int, timeout: float) -> dict:
    """Run ``cmd``; return seconds, peak memory of its process group, and how it ended."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    peak, outcome = 0, None
    while proc.poll() is None:
        peak = max(peak, _group_rss(proc.pid))
        elapsed = time.perf_counter() - start
        if peak > budget:
            outcome = f"out of memory: passed {budget / 2**30:.0f} GiB after {elapsed:.0f} s"
        elif elapsed > timeout:
            outcome = f"stopped after {timeout:.0f} s"
        if outcome:
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.5)
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    if outcome is None and proc.returncode != 0:
        outcome = f"failed: {err.strip().splitlines()[-1] if err.strip() else proc.returncode}"
    return {"seconds": seconds, "peak_bytes": peak, "outcome": outcome or "ok", "stdout": out[-3000:]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "balancer-spark-bench"))
    parser.add_argument("--budget-gb", type=float, default=16.0)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--skip-local", action="store_true")
    args = parser.parse_args()
    root = Path(args.dir)
    root.mkdir(parents=True, exist_ok=True)
    data = root / f"events-{args.rows}.parquet"
    t0 = time.perf_counter()
    generate(data, args.rows)
    print(f"table: {data} ({data.stat().st_size / 2**30:.2f} GiB on disk, {time.perf_counter() - t0:.0f} s)",
          flush=True)
    in_memory = pq.read_metadata(data).num_rows * (FEATURES + 2) * 8  # numbers as float64/int64
    balancer = [sys.executable, "-m", "balancer"]
    spark = ["--engine", "spark", "--master", "local[2]", "--driver-memory", "1g"]
    env = os.environ | {"BALANCER_MAX_UPLOAD_MB": "1000000", "BALANCER_MAX_ROWS": "1000000000",
                        "BALANCER_MAX_OUTPUT_ROWS": "1000000000"}
    budget = int(args.budget_gb * 2**30)
    smote = ["--method", "SMOTE", "--param", "sampling_strategy=0.03"]
    steps = [
        ("profile", ["profile", str(data), "--target", "label", "--json"], None),
        ("RandomUnderSampler", ["resample", str(data), "--target", "label", "--method", "RandomUnderSampler",
                                "--json"], "rus"),
        ("SMOTE, sampling_strategy=0.03", ["resample", str(data), "--target", "label", *smote, "--json"],
         "smote"),
    ]
    rows = []
    for title, command, out in steps:
        results = {}
        for engine in ("spark", "local"):
            if engine == "local" and args.skip_local:
                continue
            extra = list(spark) if engine == "spark" else []
            if out:
                target = root / f"{out}-{engine}{'.csv' if engine == 'local' else ''}"
                shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
                extra += ["--out", str(target)]
            result = measure(balancer + command + extra, env, budget, args.timeout)
            if result["outcome"] == "ok":
                try:
                    payload = json.loads(result["stdout"])
                    result["rows_out"] = payload.get("rows_out", payload.get("rows"))
                except json.JSONDecodeError:
                    pass
            results[engine] = result
            print(f"{title:32s} {engine:6s} {result['seconds']:7.1f} s  peak {result['peak_bytes'] / 2**30:5.1f} GiB"
                  f"  {result['outcome']}  rows_out={result.get('rows_out')}", flush=True)
        rows.append((title, results))
        shutil.rmtree(root / f"{out}-spark", ignore_errors=True) if out else None
        (root / f"{out}-local.csv").unlink(missing_ok=True) if out else None

    def cell(result: dict | None) -> str:
        if result is None:
            return "not run"
        text = f"{result['seconds']:.0f} s, peak {result['peak_bytes'] / 2**30:.1f} GiB"
        return text if result["outcome"] == "ok" else f"{result['outcome']} (peak {result['peak_bytes'] / 2**30:.1f} GiB)"

    body = [
        f"Machine: {machine()}. Table: {args.rows:,} rows x 20 columns (17 float, 1 integer, 1 text "
        f"feature, a 0/1 target with 1% ones), one Parquet file of {data.stat().st_size / 2**30:.1f} GiB; "
        f"{in_memory / 2**30:.1f} GiB as numbers in memory. Spark: `--engine spark --master local[2] "
        "--driver-memory 1g`, writing a Parquet folder. Local engine: the same command without "
        f"`--engine`, every limit raised, writing CSV, stopped if its processes pass "
        f"{args.budget_gb:.0f} GiB of this machine's 24. Peak = resident memory of all the command's "
        "processes (the JVM included), sampled every 0.5 s. `python benchmarks/bench_spark.py`.",
        "",
        "| step | Spark engine | local engine | rows out |",
        "|---|---|---|---|",
    ]
    for title, results in rows:
        rows_out = next((r.get("rows_out") for r in results.values() if r.get("rows_out")), None)
        body.append(f"| {title} | {cell(results.get('spark'))} | {cell(results.get('local'))} | "
                    f"{rows_out:,} |" if rows_out else f"| {title} | {cell(results.get('spark'))} | "
                    f"{cell(results.get('local'))} | |")
    write_section("Beyond one machine (Spark)", "\n".join(body))
    print("\n".join(body))


if __name__ == "__main__":
    main()
