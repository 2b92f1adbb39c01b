"""Neighbour-based samplers: Balancer's fast engine against imbalanced-learn, same run, same matrix.

Every (table, method) runs in its own process on the same seeded prepared matrix, the two engines
in turns (so that a change in the machine's load touches both alike): each engine's best time, its
peak memory above what the process held just before its first run (Linux ``VmHWM`` after resetting
it), and a hash of the output (X, y and ``sample_indices_``) so that the two engines can be
compared for identity. Each row of the table gives both engines' times from the
same run, their ratio, whether the outputs are identical, and the peak memory of each.

The tables (rows for the full run / ``--quick``):

* ``isotropic``: 20 Gaussian features, standardised, 5% minority shifted by 0.8 (100,000 / 8,000);
  CondensedNearestNeighbour runs on its first 20,000 (2,000) rows;
* ``one-hot``: 8 categorical columns (3 to 6 levels) one-hot encoded as Balancer prepares them:
  every distance ties with many others (40,000 / 6,000);
* ``integer``: 20 integer columns (0 to 4) drawn from a pool of rows, so with many duplicate rows
  and duplicates with different labels (40,000 / 6,000);
* ``20k x 40``: 40 Gaussian features (20,000 / 6,000);
* ``wide``: 200 Gaussian features (10,000 / 3,000).

For SMOTE, ADASYN, BorderlineSMOTE, SVMSMOTE and NearMiss the *arithmetic bound* is the time the
distances the method must compute would take at the float64 matrix-product rate measured in the
same run (2 d flops per query-row pair; SMOTE: the minority against itself; ADASYN, BorderlineSMOTE
and SVMSMOTE: the minority against every row; NearMiss: the majority against the minority).

    python benchmarks/bench_neighbours.py [--quick] [--tables A,B] [--methods A,B] [--repeats N] [--write]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine, write_section  # noqa: E402

CLEANING = ["TomekLinks", "EditedNearestNeighbours", "RepeatedEditedNearestNeighbours", "AllKNN",
            "OneSidedSelection", "NeighbourhoodCleaningRule", "CondensedNearestNeighbour", "SMOTEENN",
            "SMOTETomek"]
SYNTHETIC = ["SMOTE", "ADASYN", "BorderlineSMOTE", "SVMSMOTE"]
NEARMISS = ["NearMiss-1", "NearMiss-2", "NearMiss-3"]
METHODS = CLEANING + SYNTHETIC + NEARMISS
BOUNDED = SYNTHETIC + NEARMISS
#: rows of each table: (full run, --quick)
TABLES = {"isotropic": (100_000, 8_000), "one-hot": (40_000, 6_000), "integer": (40_000, 6_000),
          "20k x 40": (20_000, 6_000), "wide": (10_000, 3_000)}
#: CondensedNearestNeighbour is quadratic in imbalanced-learn: it runs on this many rows at most
CNN_ROWS = (20_000, 2_000)
#: seconds after which a child is stopped (its row then says so)
TIMEOUT = 3600


# --------------------------------------------------------------------------------------------
# the data


def matrix(name: str, rows: int):  # type: ignore[no-untyped-def]
    """The prepared matrix (float64) and labels of a benchmark table."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    if name in ("isotropic", "20k x 40", "wide"):
        d = {"isotropic": 20, "20k x 40": 40, "wide": 200}[name]
        y = (rng.random(rows) < 0.05).astype(np.int64)
        X = rng.normal(size=(rows, d)) + 0.8 * y[:, None]
        return (X - X.mean(axis=0)) / X.std(axis=0), y
    if name == "integer":
        pool = rng.integers(0, 5, (max(50, rows // 4), 20))
        X = pool[rng.integers(0, len(pool), rows)].astype(np.float64)
        y = ((X[:, 0] + X[:, 1] >= 7) ^ (rng.random(rows) < 0.03)).astype(np.int64)
        return (X - X.mean(axis=0)) / X.std(axis=0), y
    if name == "one-hot":
        from balancer.prepare import Preparer, column_roles

        levels = [3, 4, 5, 6, 3, 4, 5, 6]
        frame = pd.DataFrame({f"c{j}": pd.array(rng.integers(0, n, rows).astype(str), dtype="str")
                              for j, n in enumerate(levels)})
        y = (((frame["c0"] == "0") & (frame["c1"].isin(["0", "1"]))) ^ (rng.random(rows) < 0.02)).astype(np.int64)
        frame["target"] = y
        X = Preparer(column_roles(frame, "target"), categories="onehot").fit(frame).transform(frame)
        return np.ascontiguousarray(X, dtype=np.float64), y.to_numpy()
    raise ValueError(name)


def sampler(method: str, engine: str):  # type: ignore[no-untyped-def]
    """The sampler Balancer builds for a method (defaults), in one engine."""
    from balancer import strategies

    name, _, version = method.partition("-")
    params = strategies.get(name).defaults()
    if version:
        params["version"] = int(version)
    return strategies.build(name, params, "auto", 0, engine=engine)


# --------------------------------------------------------------------------------------------
# one measurement, in its own process


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def child(table: str, rows: int, method: str, engines: list[str], repeats: int) -> None:
    """Time the engines in turns (imbalanced-learn, Balancer, Balancer, imbalanced-learn, ...) on the
    same matrix in this process, so that a change in the machine's load touches both alike, after an
    untimed run of each on a slice; the first timed run of each measures its peak memory (the peak
    reset before it)."""
    import gc

    import numpy as np

    X, y = matrix(table, rows)
    report: dict[str, dict] = {e: {"seconds": [], "peak_mb": 0.0} for e in engines}
    warm = min(len(y), 3_000)  # a first untimed run of each engine on a slice: lazy imports, thread pools
    for engine in engines:
        with contextlib.suppress(Exception):
            sampler(method, engine).fit_resample(X[:warm], y[:warm])
    for round_ in range(repeats):
        for engine in (engines if round_ % 2 == 0 else engines[::-1]):
            fresh = sampler(method, engine)
            gc.collect()
            with contextlib.suppress(OSError):  # reset the peak to what the process holds now (Linux 4.0+)
                Path("/proc/self/clear_refs").write_text("5")
            base = _status("VmRSS")
            start = time.perf_counter()
            X_res, y_res = fresh.fit_resample(X, y)
            report[engine]["seconds"].append(time.perf_counter() - start)
            if round_ == 0:
                report[engine]["peak_mb"] = (_status("VmHWM") - base) / 1e6
            hashed = hashlib.sha256(np.ascontiguousarray(X_res).tobytes() + np.ascontiguousarray(y_res).tobytes())
            if hasattr(fresh, "sample_indices_"):
                hashed.update(np.asarray(fresh.sample_indices_, dtype=np.int64).tobytes())
            report[engine].update(digest=hashed.hexdigest()[:16], rows_out=len(y_res), input_mb=X.nbytes / 1e6,
                                  minority=int(np.bincount(y).min()), rows=len(y), features=X.shape[1])
            del X_res, y_res, fresh
    print(json.dumps(report))


def run_child(*args: str, timeout: float) -> dict | None:
    """Run one measurement in a fresh process (None when it ran out of time)."""
    try:
        done = subprocess.run([sys.executable, str(Path(__file__)), "--child", *args], capture_output=True,
                              text=True, timeout=timeout, env=os.environ.copy())
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(table: str, n: int, method: str, repeats: int, timeout: float) -> tuple[dict | None, dict | None]:
    """Both engines in one process, in turns; if that runs out of time, Balancer's alone."""
    both = run_child(table, str(n), method, "imblearn,fast", "--repeats", str(repeats), timeout=timeout)
    if both is not None:
        return both["imblearn"], both["fast"]
    alone = run_child(table, str(n), method, "fast", "--repeats", str(repeats), timeout=timeout)
    return None, alone["fast"] if alone else None


# --------------------------------------------------------------------------------------------
# the arithmetic bound


def gemm_rate(d: int) -> float:
    """float64 matrix-product flops per second for (4096 x d) @ (d x 8192), as the searches use it."""
    import numpy as np

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4096, d)), rng.normal(size=(d, 8192))
    a @ b
    times = []
    for _ in range(5):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * 4096 * 8192 * d / min(times)


def bound_seconds(method: str, rows: int, minority: int, features: int, rate: float) -> float:
    """Seconds the distances the method must compute take at ``rate`` (see the module docstring)."""
    majority = rows - minority
    pairs = {"SMOTE": minority * minority, "ADASYN": minority * rows, "BorderlineSMOTE": minority * rows,
             "SVMSMOTE": minority * rows}.get(method, majority * minority)
    return 2 * features * pairs / rate


# --------------------------------------------------------------------------------------------
# the run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs=4, metavar=("TABLE", "ROWS", "METHOD", "ENGINES"))
    parser.add_argument("--quick", action="store_true", help="small tables (seconds per case)")
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--repeats", type=int, default=None,
                        help="runs per case and engine (default 5 quick, 3 full: the first run in a process pays "
                             "one-time costs, thread pools and libraries' first use, in both engines)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds before a case is stopped")
    parser.add_argument("--write", action="store_true", help="write the section of benchmarks/RESULTS.md")
    args = parser.parse_args()
    repeats = args.repeats or (5 if args.quick else 3)
    if args.child:
        table, rows, method, engines = args.child
        child(table, int(rows), method, engines.split(","), repeats)
        return
    size = 1 if args.quick else 0
    lines, ratios, rates = [], {}, {}
    for table in args.tables.split(","):
        rows = TABLES[table][size]
        for method in args.methods.split(","):
            n = min(rows, CNN_ROWS[size]) if method == "CondensedNearestNeighbour" else rows
            try:
                ref, ours = measure(table, n, method, repeats, args.timeout)
            except RuntimeError as exc:  # the method refuses this table (in both engines: the same code raises)
                last = str(exc).strip().splitlines()[-1] if str(exc).strip() else "failed"
                lines.append(f"| {table} | {method} | {n:,} | refused: {last[:120]} | | | | | |")
                print(lines[-1], flush=True)
                continue
            line, ratio = _row(table, n, method, ref, ours, rates, args.timeout)
            if ratio is not None:
                ratios.setdefault(table, {})[method] = ratio
            lines.append(line)
            print(line, flush=True)
    body = _body(lines, ratios, args.quick, repeats)
    print(body)
    if args.write:
        write_section("Neighbour-based samplers", body)


def _row(table: str, n: int, method: str, ref: dict | None, ours: dict | None, rates: dict,
         timeout: float) -> tuple[str, float | None]:
    def cell(result: dict | None) -> str:
        return f"{min(result['seconds']):.2f}" if result else f"> {timeout:.0f}"

    ratio = None
    if ref and ours:
        ratio = min(ref["seconds"]) / max(min(ours["seconds"]), 1e-9)
    known = ours or ref
    bound = ""
    if known and method.split("-")[0] in ("SMOTE", "ADASYN", "BorderlineSMOTE", "SVMSMOTE", "NearMiss"):
        d = known["features"]
        rates.setdefault(d, gemm_rate(d))
        seconds = bound_seconds(method.split("-")[0], known["rows"], known["minority"], d, rates[d])
        ours_s = min(ours["seconds"]) if ours else float("nan")
        bound = f"{seconds:.3f} ({ours_s / seconds:.1f}x)"
    same = "yes" if ref and ours and ref["digest"] == ours["digest"] else ("NO" if ref and ours else "?")
    memory = " / ".join(f"{r['peak_mb']:.0f}" if r else "?" for r in (ref, ours))
    input_mb = f"{known['input_mb']:.0f}" if known else "?"
    line = (f"| {table} | {method} | {n:,} | {cell(ref)} | {cell(ours)} | "
            f"{f'**{ratio:.1f}x**' if ratio else '-'} | {same} | {memory} ({input_mb}) | {bound} |")
    return line, ratio


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _body(lines: list[str], ratios: dict, quick: bool, repeats: int) -> str:
    summary = []
    for table, by_method in ratios.items():
        cleaning = [by_method[m] for m in CLEANING if m in by_method]
        if cleaning:
            summary.append(f"- {table}: cleaning family ({len(cleaning)} methods) geometric-mean speed-up "
                           f"**{_geomean(cleaning):.1f}x**; slowest ratio {min(by_method.values()):.2f}x "
                           f"({min(by_method, key=by_method.get)})")
    return f"""
Balancer's fast engine (`BALANCER_ENGINE=fast`) against imbalanced-learn 0.14.2's own classes
(`BALANCER_ENGINE=imblearn`) on the same prepared matrix, default parameters,
`sampling_strategy="auto"`. Each (table, method) runs in its own process, the two engines in
turns on the same matrix; the best of {repeats} run(s) each{' (quick sizes)' if quick else ''}.
"identical" compares a hash of the resampled X, y and `sample_indices_`. Peak memory is each
engine's peak above what the process held just before its first run (MB; the matrix's own size in
brackets). The bound is the time of the distances the method
must compute at the float64 matrix-product rate measured in this run, and our time as a multiple
of it. NearMiss-1 and NearMiss-3 have no fast variant (they rank rows by scikit-learn's distance
bits): both columns run imbalanced-learn's code, so their rows show the measurement's own noise.
NearMiss-2 has one: imbalanced-learn asks scikit-learn for every minority row of every row, sorted
(a distance and an index per pair: 7.6 GB at 100,000 rows); Balancer finds the few farthest from a
matrix product per block and asks scikit-learn only where its bound cannot order two rows.
`python benchmarks/bench_neighbours.py{' --quick' if quick else ''}`. Machine: {machine()}.

| table | method | rows | imbalanced-learn s | Balancer s | speed-up | identical | peak MB imblearn / Balancer (input) | bound s (ours / bound) |
|---|---|---:|---:|---:|---:|---|---|---:|
{chr(10).join(lines)}

{chr(10).join(summary)}
"""


if __name__ == "__main__":
    main()
