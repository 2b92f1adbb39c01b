"""Peak memory of a resample at 1,000,000 x 20: SMOTE and a cleaning method, Balancer and the obvious way.

Each case runs in its own process. The process first imports what it needs; its resident memory
then is the *baseline*. It makes the table (20 numeric features, 5% minority), hands the memory
freed while making it back to the system (``malloc_trim``: pandas leaves the size of the table
again freed but held, which is not the input), resets its peak
(Linux ``/proc/self/clear_refs``), resamples, and reports its peak resident memory (``VmHWM``) above
the baseline, beside the budget: the input table + the output table + one more copy of the input.

* Balancer: ``balancer.resample(frame, "target", METHOD)`` (the fast engine).
* the obvious way: the features to numpy, ``StandardScaler``, imbalanced-learn's class, the scaler
  undone, a DataFrame built from the result.

    python benchmarks/bench_memory.py [--rows 1000000] [--methods SMOTE,TomekLinks] [--timeout 1800] [--ways obvious,balancer] [--write]

The obvious way's TomekLinks searches every row (about half an hour at 1,000,000 rows on two cores);
past ``--timeout`` it is stopped and its row gives the peak it had reached by then.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine, table, write_section  # noqa: E402


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def child(way: str, method: str, rows: int) -> None:
    import gc

    import pandas as pd
    from imblearn import combine, over_sampling, under_sampling  # noqa: F401
    from sklearn.preprocessing import StandardScaler

    import balancer

    base = _status("VmRSS")
    print(json.dumps({"base": base}), flush=True)  # for the parent, should this run be stopped
    frame = table(rows, strings=0)
    input_bytes = int(frame.memory_usage(deep=True).sum())
    gc.collect()
    # making the table leaves as much again freed but still held by the C allocator (pandas joins the
    # columns into one block); hand it back, so that the peak counts the live input, not its making
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with contextlib.suppress(OSError):  # reset the peak to what the process holds now (Linux 4.0+)
        Path("/proc/self/clear_refs").write_text("5")
    start = time.perf_counter()
    if way == "balancer":
        out = balancer.resample(frame, "target", method).data
    else:
        features = [c for c in frame.columns if c != "target"]
        scaler = StandardScaler()
        X = scaler.fit_transform(frame[features].to_numpy(dtype=float))
        sampler_class = next(getattr(m, method) for m in (over_sampling, under_sampling, combine) if hasattr(m, method))
        kwargs = {"random_state": 0} if "random_state" in sampler_class().get_params() else {}
        X_res, y_res = sampler_class(**kwargs).fit_resample(X, frame["target"].to_numpy())
        out = pd.DataFrame(scaler.inverse_transform(X_res), columns=features)
        out["target"] = y_res
    seconds = time.perf_counter() - start
    peak = _status("VmHWM") - base
    print(json.dumps({"seconds": seconds, "peak": peak, "input": input_bytes,
                      "output": int(out.memory_usage(deep=True).sum()), "rows_out": len(out)}))


def run_child(way: str, method: str, rows: int, timeout: float) -> dict | None:
    """The child's report; if it runs past ``timeout``, it is stopped and the report says so, with
    the peak it had reached (a lower bound)."""
    child = subprocess.Popen([sys.executable, str(Path(__file__)), "--child", way, method, str(rows)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    base = json.loads(child.stdout.readline())["base"]
    deadline, peak = time.monotonic() + timeout, 0
    while child.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError, IndexError):
            status = Path(f"/proc/{child.pid}/status").read_text()
            peak = int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) * 1024
        time.sleep(0.5)
    if child.poll() is None:
        child.kill()
        child.communicate()
        return {"stopped": True, "peak": peak - base, "seconds": timeout}
    out, err = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(err[-3000:])
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs=3, metavar=("WAY", "METHOD", "ROWS"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--methods", default="SMOTE,TomekLinks")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--ways", default="obvious,balancer", help="which of obvious,balancer to run")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if args.child:
        way, method, rows = args.child
        child(way, method, int(rows))
        return
    rows = 100_000 if args.quick else args.rows
    lines = []
    for method in args.methods.split(","):
        for way in args.ways.split(","):
            got = run_child(way, method, rows, args.timeout)
            if got.get("stopped"):
                lines.append(f"| {method} | {'the obvious way' if way == 'obvious' else 'Balancer'} | "
                             f"stopped after {args.timeout:.0f} | at least {got['peak'] / 1e6:.0f} | ? | ? | ? |")
            else:
                mb = {k: got[k] / 1e6 for k in ("peak", "input", "output")}
                budget = 2 * mb["input"] + mb["output"]
                lines.append(f"| {method} | {'the obvious way' if way == 'obvious' else 'Balancer'} | "
                             f"{got['seconds']:.1f} | {mb['peak']:.0f} | {mb['input']:.0f} + {mb['output']:.0f} | "
                             f"{budget:.0f} | {'yes' if mb['peak'] <= budget else 'no'} |")
            print(lines[-1], flush=True)
    body = f"""
Peak resident memory of one resample of {rows:,} rows x 20 numeric features (5% minority) above
what the process held once its libraries were imported; the budget is input + output + one more
input. Each case in its own process (`python benchmarks/bench_memory.py`). Machine: {machine()}.

| method | way | seconds | peak above baseline MB | input + output MB | budget MB | within |
|---|---|---:|---:|---:|---:|---|
{chr(10).join(lines)}
"""
    print(body)
    if args.write:
        write_section("Peak memory of a resample", body)


if __name__ == "__main__":
    main()
