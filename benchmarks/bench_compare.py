"""Time of a default comparison (every default tactic, 5 folds, logistic regression).

On a generated 10,000 x 20 table (5% minority) and on the bundled customer_churn sample; the table
lists the total and the slowest tactics. `python benchmarks/bench_compare.py [--rows N]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine, table, write_section  # noqa: E402


def run(name: str, frame, target: str) -> tuple[str, str]:
    from balancer import compare

    started = time.perf_counter()
    result = compare(frame, target)
    total = time.perf_counter() - started
    slowest = sorted(result.results, key=lambda e: -e.seconds)[:4]
    row = (f"| {name} | {len(frame):,} x {frame.shape[1] - 1} | {len(result.results)} | "
           f"{len(result.skipped)} | {total:.1f} s | "
           + ", ".join(f"{e.method} {e.seconds:.1f} s" for e in slowest) + " |")
    best = f"{name}: best by F2 is {result.best.method} ({result.best.metrics['f2']:.3f})" if result.best else ""
    return row, best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    from balancer.samples import load_sample

    rows, bests = [], []
    for name, frame, target in (
        (f"generated {args.rows:,} x 20", table(args.rows), "target"),
        ("sample customer_churn", load_sample("customer_churn"), "churn"),
    ):
        row, best = run(name, frame, target)
        rows.append(row)
        bests.append(best)
    body = ("Default comparison (`balancer compare DATA --target COL`): the default tactics, 5 "
            f"stratified folds, logistic regression, one process. Machine: {machine()}.\n\n"
            "| data | rows x features | tactics ranked | skipped | total | slowest tactics |\n"
            "|---|---:|---:|---:|---:|---|\n" + "\n".join(rows) + "\n\n" + "  \n".join(bests))
    write_section("Default comparison", body)
    print(body)


if __name__ == "__main__":
    main()
