"""The whole job on 1,000,000 x 20: read, profile, SMOTE, a hold-out evaluation, export.

Balancer (`read_table`, `profile`, `resample`, `evaluate(holdout=0.2)`, `write_csv_file`) against the
same steps written the obvious way with pandas + imbalanced-learn (`pd.read_csv`,
`value_counts`, `SMOTE().fit_resample`, `train_test_split` + an imblearn Pipeline of scaler,
SMOTE and logistic regression, `DataFrame.to_csv`). Each runs in its own process; the table gives
each step's seconds, the total, and peak memory relative to the table's in-memory size.
`python benchmarks/bench_job.py [--rows N]`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import child_report, machine, run_child, table, write_section  # noqa: E402

STEPS = ["read", "profile", "SMOTE", "hold-out evaluation", "export"]


def make_file(rows: int) -> tuple[Path, float]:
    frame = table(rows, strings=0)
    path = Path(tempfile.gettempdir()) / f"balancer-job-{rows}.csv"
    if not path.exists():
        frame.to_csv(path, index=False)
    return path, frame.memory_usage(deep=True).sum() / 1e6


def rss_mb() -> float:
    """This process's resident memory now (MB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


BASELINE: dict[str, float] = {}


def balancer_job(path: Path) -> dict[str, float]:
    import balancer
    import balancer.evaluate
    import balancer.resample  # noqa: F401  (the libraries loaded before the clock starts, as below)

    BASELINE["mb"] = rss_mb()
    times = {}
    start = time.perf_counter()
    frame = balancer.read_table(path)
    times["read"] = time.perf_counter() - start
    start = time.perf_counter()
    balancer.profile(frame, "target")
    times["profile"] = time.perf_counter() - start
    start = time.perf_counter()
    result = balancer.resample(frame, "target", "SMOTE")
    times["SMOTE"] = time.perf_counter() - start
    start = time.perf_counter()
    balancer.evaluate(frame, "target", "SMOTE", holdout=0.2, baseline=False)
    times["hold-out evaluation"] = time.perf_counter() - start
    start = time.perf_counter()
    balancer.write_csv_file(result.data, str(path) + ".balancer.out")
    times["export"] = time.perf_counter() - start
    return times


def obvious_job(path: Path) -> dict[str, float]:
    import pandas as pd
    from imblearn.over_sampling import SMOTE
    from imblearn.pipeline import make_pipeline
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import fbeta_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    BASELINE["mb"] = rss_mb()
    times = {}
    start = time.perf_counter()
    frame = pd.read_csv(path)
    times["read"] = time.perf_counter() - start
    start = time.perf_counter()
    frame["target"].value_counts()
    frame.isna().sum()
    frame.dtypes.to_dict()
    times["profile"] = time.perf_counter() - start
    start = time.perf_counter()
    x, y = frame.drop(columns="target"), frame["target"]
    x_res, y_res = SMOTE(random_state=0).fit_resample(x, y)
    out = x_res.assign(target=y_res)
    times["SMOTE"] = time.perf_counter() - start
    start = time.perf_counter()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, stratify=y, random_state=0)
    model = make_pipeline(StandardScaler(), SMOTE(random_state=0), LogisticRegression(max_iter=2000))
    model.fit(x_train, y_train)
    fbeta_score(y_test, model.predict(x_test), beta=2)
    times["hold-out evaluation"] = time.perf_counter() - start
    start = time.perf_counter()
    out.to_csv(str(path) + ".pandas.out", index=False)
    times["export"] = time.perf_counter() - start
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    path, table_mb = make_file(args.rows)
    if args.child:
        times = balancer_job(path) if args.child == "balancer" else obvious_job(path)
        child_report(list(times.values()), steps=list(times), baseline_mb=BASELINE["mb"])
        return
    script = Path(__file__)
    ours = run_child(script, "balancer", "--rows", str(args.rows))
    theirs = run_child(script, "obvious", "--rows", str(args.rows))
    rows = "\n".join(f"| {step} | {b:.2f} | {a:.2f} |" for step, a, b in
                     zip(STEPS, ours["seconds"], theirs["seconds"]))
    total_ours, total_theirs = sum(ours["seconds"]), sum(theirs["seconds"])
    body = f"""
{args.rows:,} rows x 20 numeric features, 5% minority, a {path.stat().st_size / 1e6:.0f} MB CSV; the
table takes {table_mb:.0f} MB in memory. Each job runs once in its own process. Machine: {machine()}.

| step | obvious way (pandas + imbalanced-learn) s | Balancer s |
|---|---:|---:|
{rows}
| **total** | **{total_theirs:.1f}** | **{total_ours:.1f}** ({total_ours / total_theirs:.0%} of the obvious way) |
| peak memory | {theirs['peak_mb']:.0f} MB ({theirs['peak_mb'] / table_mb:.1f}x the table) | {ours['peak_mb']:.0f} MB ({ours['peak_mb'] / table_mb:.1f}x the table) |
| peak above the loaded libraries | {theirs['peak_mb'] - theirs['baseline_mb']:.0f} MB ({(theirs['peak_mb'] - theirs['baseline_mb']) / table_mb:.1f}x) | {ours['peak_mb'] - ours['baseline_mb']:.0f} MB ({(ours['peak_mb'] - ours['baseline_mb']) / table_mb:.1f}x) |

"Peak memory" is the process's peak resident size; the last row subtracts what the process held
once its libraries were imported, before the job began ({theirs['baseline_mb']:.0f} MB and
{ours['baseline_mb']:.0f} MB). The job keeps the input and the resampled table alive together (2.9x the
input between them, since SMOTE nearly doubles the rows), as a user's script would.
"""
    write_section("Whole job", body)
    print(body)


if __name__ == "__main__":
    main()
