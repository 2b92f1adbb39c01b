"""CSV export: balancer.write_csv against DataFrame.to_csv on 1,000,000 x 20.

Each tool runs in its own process (same seeded table), several times; the table gives the
median, the ratio and each process's peak memory. Run with `make bench` or directly:
`python benchmarks/bench_export.py [--rows N] [--repeats K]`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import child_report, machine, median, run_child, table, timed, write_section  # noqa: E402


def child(tool: str, rows: int, repeats: int, decimals: int | None) -> None:
    from balancer import read_table, write_csv

    frame = table(rows, decimals=decimals)
    if tool == "balancer":
        payload = write_csv(frame)
        seconds = timed(lambda: write_csv(frame), repeats)
        back = read_table(payload)
        same = bool(back.shape == frame.shape and (back["f0"] - frame["f0"]).abs().max() == 0)
        child_report(seconds, bytes=len(payload), round_trip=same)
    else:
        seconds = timed(lambda: frame.to_csv(index=False).encode(), repeats)
        child_report(seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--decimals", type=int, default=None)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows, args.repeats, args.decimals)
        return
    script = Path(__file__)
    lines = []
    for decimals, shape in ((None, "full-precision floats (computed features)"),
                            (6, "floats rounded to 6 decimals (typical exports)")):
        extra = [] if decimals is None else ["--decimals", str(decimals)]
        common = ["--rows", str(args.rows), "--repeats", str(args.repeats), *extra]
        ours = run_child(script, "balancer", *common)
        theirs = run_child(script, "pandas", *common)
        ratio = median(theirs["seconds"]) / median(ours["seconds"])
        lines.append(
            f"| {shape}, {ours['bytes'] / 1e6:.0f} MB | {median(theirs['seconds']):.2f} s, "
            f"{theirs['peak_mb']:.0f} MB | {median(ours['seconds']):.2f} s, {ours['peak_mb']:.0f} MB | "
            f"**{ratio:.1f}x** | {ours['round_trip']} |")
    rows_md = "\n".join(lines)
    body = f"""
{args.rows:,} rows x 20 columns (16 float, 2 integer, 2 text, one text value starting with `=`);
median of {args.repeats} runs, each tool in its own process (peak memory is that process's).
Machine: {machine()}.

| table | `DataFrame.to_csv` | `balancer.write_csv` (RFC 4180, formula-escaped) | speed-up | reads back equal |
|---|---:|---:|---:|---|
{rows_md}
"""
    write_section("CSV export", body)
    print(body)


if __name__ == "__main__":
    main()
