"""The measurements behind the fast search's cost model (:func:`balancer.neighbours._plan`).

For fitted sets of several sizes and widths, the time per (query, fitted row) pair of scikit-learn's
brute-force ``kneighbors`` (what imbalanced-learn runs) and of Balancer's :class:`~balancer.neighbours.Index`
(screen, re-rank, confirm) on the same continuous data, every row a query, k = 4; and their ratio,
which is the cost model's ``_FAST_SHARE``. Run it on a quiet machine:

    python benchmarks/calibrate_neighbours.py [--sizes 6000,12000,25000,50000] [--features 16,20,40,100,200]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def best_of(fn, repeats: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    import numpy as np
    from sklearn.neighbors import NearestNeighbors

    from balancer.neighbours import Index

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="6000,12000,25000,50000")
    parser.add_argument("--features", default="16,20,40,100,200")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print("| fitted rows | features | scikit-learn ns/pair | Balancer ns/pair | ratio |")
    print("|---:|---:|---:|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        for d in (int(s) for s in args.features.split(",")):
            X = rng.normal(size=(n, d))
            nn = NearestNeighbors(n_neighbors=5, algorithm="brute").fit(X)
            theirs = best_of(lambda nn=nn, X=X: nn.kneighbors(X, return_distance=False), args.repeats)
            ours = best_of(lambda X=X: Index(X).query(X, 5), args.repeats)
            pairs = n * n
            print(f"| {n:,} | {d} | {theirs / pairs * 1e9:.2f} | {ours / pairs * 1e9:.2f} | {ours / theirs:.2f} |",
                  flush=True)


if __name__ == "__main__":
    main()
