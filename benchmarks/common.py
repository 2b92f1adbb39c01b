"""Helpers shared by the benchmarks: synthetic tables, child-process timing, result tables."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
RESULTS = HERE / "RESULTS.md"


def table(rows: int, features: int = 20, minority: float = 0.05, seed: int = 0,
          strings: int = 2, decimals: int | None = None) -> pd.DataFrame:
    """A numeric table like users have: floats, a few integer and text columns, a 0/1 target."""
    rng = np.random.default_rng(seed)
    y = (rng.random(rows) < minority).astype("int64")
    data = {}
    n_float = features - 2 - strings
    for j in range(n_float):
        values = rng.normal(y * 0.8, 1.0)
        data[f"f{j}"] = values if decimals is None else np.round(values, decimals)
    data["count_a"] = rng.integers(0, 1000, rows)
    data["count_b"] = rng.integers(0, 10, rows) + y
    for j in range(strings):
        data[f"s{j}"] = pd.array(rng.choice(["alpha", "beta", "gamma", "=danger"], rows), dtype="str")
    data["target"] = y
    return pd.DataFrame(data)


def timed(fn: Callable[[], object], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def child_report(seconds: list[float], **extra: object) -> None:
    """Print the child's result (times and its own peak memory) as one JSON line."""
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, **extra}))


def run_child(script: Path, *args: str, timeout: float = 3600) -> dict:
    """Run one measurement in a fresh process so peak memory is its own."""
    done = subprocess.run([sys.executable, str(script), "--child", *args], capture_output=True,
                          text=True, timeout=timeout, env=os.environ.copy())
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> str:
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}")


def median(values: list[float]) -> float:
    return statistics.median(values)


def write_section(title: str, body: str) -> None:
    """Replace (or add) one '## title' section of RESULTS.md."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\nMade by `make bench`.\n"
    start = text.find(f"\n## {title}\n")
    section = f"\n## {title}\n\n{body.strip()}\n"
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end:] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n" + section
    RESULTS.write_text(text)


def sklearn_score(y: np.ndarray, predicted: np.ndarray, proba: np.ndarray, n: int, positive: int | None) -> dict:
    """Every metric of ``balancer.metrics.score`` with scikit-learn's own functions, as a user who
    does not have Balancer computes them (the straightforward way's scorer; the reference that
    ``tests/unit/test_evaluate.py`` holds Balancer's values to, bit for bit)."""
    from sklearn import metrics as skm

    kw = ({"pos_label": positive, "average": "binary"} if positive is not None
          else {"labels": list(range(n)), "average": "macro"})
    present = [c for c in range(n) if np.any(y == c)]
    recalls = skm.recall_score(y, predicted, labels=list(range(n)), average=None, zero_division=0)

    def ranking(metric):
        values = [metric((y == c).astype(int), proba[:, c]) for c in ([positive] if positive is not None else present)
                  if 0 < np.sum(y == c) < len(y)]
        return (values[0] if positive is not None else np.mean(values)) if values else np.nan

    # balanced accuracy by scikit-learn's function; the G-mean is Balancer's definition (the
    # geometric mean of the recalls of the classes present), from scikit-learn's recalls
    return {"accuracy": skm.accuracy_score(y, predicted),
            "balanced_accuracy": skm.balanced_accuracy_score(y, predicted),
            "precision": skm.precision_score(y, predicted, zero_division=0, **kw),
            "recall": skm.recall_score(y, predicted, zero_division=0, **kw),
            "f1": skm.f1_score(y, predicted, zero_division=0, **kw),
            "f2": skm.fbeta_score(y, predicted, beta=2, zero_division=0, **kw),
            "roc_auc": ranking(skm.roc_auc_score), "pr_auc": ranking(skm.average_precision_score),
            "g_mean": float(np.prod([recalls[c] for c in present])) ** (1 / len(present)),
            "mcc": skm.matthews_corrcoef(y, predicted)}
