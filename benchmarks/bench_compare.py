"""The default comparison against the straightforward way, on the same folds, in one run.

Balancer: `compare(frame, target)` with its defaults (the default tactics, logistic regression,
the plain counterparts of the ensembles, 5 folds repeated `default_repeats(rows)` times, worker
processes). The straightforward way: for every (tactic, model) the comparison fitted, one
imbalanced-learn `Pipeline` (a `ColumnTransformer` that imputes, scales and one-hot encodes, then
imbalanced-learn's own sampler, then the model; for tactics that change the model, the tactic's
estimator) through scikit-learn's `cross_validate` on the same splits, scored with the same
metrics by scikit-learn's own functions (`benchmarks.common.sklearn_score`; Balancer computes the
same values, bit for bit, from each fold's confusion matrix and sorted scores), one process with
the libraries' default threads, as a user would write it.

Tables: a satimage-like one (4,435 x 36, 6 classes, generated with `make_classification`:
imbalanced-learn's `fetch_datasets` downloads, so it does not run offline) and 100,000 x 20
(`benchmarks.common.table`, numeric). Also: histogram gradient boosting on 1,500 rows, one fit per
fold. `--quick` uses small sizes (1,500 and 10,000 rows). `python benchmarks/bench_compare.py
[--quick]`.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from benchmarks.common import machine, sklearn_score, table, write_section  # noqa: E402


def satimage_like(rows: int = 4_435, seed: int = 0) -> pd.DataFrame:
    """36 integer band values and 6 classes with satimage's class shares."""
    from sklearn.datasets import make_classification

    counts = np.array([1072, 479, 961, 415, 470, 1038])
    x, y = make_classification(n_samples=rows, n_features=36, n_informative=18, n_redundant=10, n_classes=6,
                               n_clusters_per_class=2, weights=counts / counts.sum(), class_sep=1.0, flip_y=0.01,
                               random_state=seed)
    frame = pd.DataFrame(np.round(x * 20 + 80).clip(0, 160).astype("int64"), columns=[f"b{i}" for i in range(36)])
    frame["label"] = y
    return frame


def straightforward(frame: pd.DataFrame, target: str, result, splits) -> tuple[float, int]:
    """Every (tactic, model) of ``result`` the obvious way; returns the seconds and the fits."""
    from imblearn.pipeline import Pipeline
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection import cross_validate
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from balancer import strategies
    from balancer.compare import COUNTERPARTS
    from balancer.evaluate import MODELS
    from balancer.profiling import class_counts
    from balancer.resample import encode_labels

    x = frame.drop(columns=[target])
    labels, y = encode_labels(frame[target], class_counts(frame[target]))
    n = len(labels)
    positive = n - 1 if n == 2 else None
    numeric = [c for c in x.columns if pd.api.types.is_numeric_dtype(x[c])]
    other = [c for c in x.columns if c not in numeric]

    def prepare():
        parts = [("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric)]
        if other:
            parts.append(("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                               OneHotEncoder(handle_unknown="ignore")), other))
        return ColumnTransformer(parts)

    def scorer(estimator, xs, ys):
        proba = np.zeros((len(ys), n))
        proba[:, estimator.classes_] = estimator.predict_proba(xs)
        return sklearn_score(np.asarray(ys), np.asarray(estimator.predict(xs)), proba, n, positive)

    seed = result.seed
    started = time.perf_counter()
    fits = 0
    for entry in result.results:
        strategy = strategies.get(entry.method)
        if entry.method == "none" and entry.model not in MODELS:
            counterpart = next(c for c in COUNTERPARTS.values() if entry.model.startswith(c.key.split("{")[0]))
            model = counterpart.build(int(entry.model.rsplit("_", 1)[1]), seed)
        elif strategy.estimator is not None:
            base = MODELS[entry.model if entry.model in MODELS else "logistic_regression"][1](None, seed)
            model = strategy.estimator(base, strategy.defaults(), seed, result.metric, n - 1)
        else:
            weights = "balanced" if entry.method == "class_weight" else None
            model = MODELS[entry.model][1](weights, seed)
        steps = [("prepare", prepare())]
        if strategy.sampler is not None:
            steps.append(("sample", strategies.build(entry.method, strategy.defaults(), "auto", seed,
                                                     engine="imblearn")))
        steps.append(("model", model))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cross_validate(Pipeline(steps), x, y, cv=splits, scoring=scorer, error_score=np.nan)
        fits += len(splits)
    return time.perf_counter() - started, fits


def run(name: str, frame: pd.DataFrame, target: str) -> tuple[str, str]:
    from balancer import compare
    from balancer.evaluate import splits
    from balancer.profiling import class_counts
    from balancer.resample import encode_labels

    started = time.perf_counter()
    result = compare(frame, target)
    ours = time.perf_counter() - started
    _, y = encode_labels(frame[target], class_counts(frame[target]))
    the_splits = splits(y, None, result.folds, result.repeats, result.seed)
    theirs, fits = straightforward(frame, target, result, the_splits)
    # Balancer's own worker time in the entries without a sampler (baselines, class weights, the
    # ensembles: fits no engine makes faster) shared perfectly among its workers: the least time it
    # could take were every sampler entry free, hence the most it could gain
    from balancer import strategies

    models = sum(e.seconds for e in result.results if strategies.get(e.method).sampler is None)
    samplers = sum(e.seconds for e in result.results if strategies.get(e.method).sampler is not None)
    bound = theirs / (models / result.workers) if models else float("inf")
    slowest = sorted(result.results, key=lambda e: -e.seconds)[:3]
    row = (f"| {name} | {len(frame):,} x {frame.shape[1] - 1} | {result.folds} x {result.repeats} | "
           f"{len(result.results)} | {fits:,} | {result.workers} | {ours:.1f} s | {theirs:.1f} s | "
           f"**{theirs / ours:.1f}x** | {models:.0f} s + {samplers:.0f} s | {bound:.1f}x | "
           + ", ".join(f"{e.method} ({e.model}) {e.seconds:.0f} s" for e in slowest) + " |")
    best = result.best
    tied = [e.method for e in result.tied]
    note = (f"{name}: best by F2 {best.method} ({best.model}) {best.metrics['f2']:.3f}, tied with "
            f"{len(tied) - 1} others; clearly better than their baseline: "
            f"{sum(bool(e.clearly_better) for e in result.results)}; best balanced file: "
            f"{result.best_balanced_file.method if result.best_balanced_file else 'none'}") if best else ""
    print(row, note, sep="\n", flush=True)
    return row, note


def boosting(rows: int) -> str:
    """Histogram gradient boosting in a comparison: seconds per fit on ``rows`` rows."""
    from balancer import compare

    frame = table(rows, strings=0)
    started = time.perf_counter()
    result = compare(frame, "target", ["class_weight"], models="hist_gradient_boosting", folds=5, repeats=1,
                     workers=2)
    total = time.perf_counter() - started
    fits = {e.method: e.seconds / len(e.fold_scores) for e in result.results}
    return (f"Histogram gradient boosting on {rows:,} rows x 20 (5 folds of {rows * 4 // 5:,} training rows, "
            f"2 workers, one thread each): {total:.1f} s in all; per fit: "
            + ", ".join(f"{m} {s:.2f} s" for m, s in fits.items()) + ".")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small sizes (1,500 and 10,000 rows)")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave RESULTS.md as it is")
    args = parser.parse_args()
    satimage_rows, big_rows = (1_500, 10_000) if args.quick else (4_435, 100_000)
    rows, notes = [], []
    for name, frame, target in (
        (f"satimage-like {satimage_rows:,} x 36, 6 classes", satimage_like(satimage_rows), "label"),
        (f"generated {big_rows:,} x 20, 5% minority", table(big_rows, strings=0), "target"),
    ):
        row, note = run(name, frame, target)
        rows.append(row)
        notes.append(note)
    boost = boosting(1_500)
    print(boost)
    body = ("The default comparison (`compare(frame, target)`: the default tactics, logistic regression, the "
            "ensembles' plain counterparts, 5 stratified folds x `default_repeats(rows)`, worker processes of one "
            "thread each) against the straightforward way on the same splits: an imbalanced-learn `Pipeline` "
            "(ColumnTransformer, imbalanced-learn's own sampler, the model) per (tactic, model) through "
            "scikit-learn's `cross_validate`, the same metrics, one process, default threads. "
            f"{'Quick sizes (`--quick`). ' if args.quick else ''}Machine: {machine()}.\n\n"
            "\"Worker time\" is what Balancer's results report (`seconds`, summed): first the entries without a "
            "sampler (the baselines, class weights, the ensembles and their plain counterparts: model fits no "
            "engine makes faster), then the sampler entries (the sampler and the model's fit on its rows). "
            "Not included: each sampler's run on the whole table, for the \"best balanced file\" Balancer "
            "names (the straightforward way does not make it), and preparing each fold. \"Bound\" is the "
            "straightforward time over (the first / workers): the speed-up were every sampler entry free (its model "
            "fits included) and no worker ever idle.\n\n"
            "| data | rows x features | folds x repeats | results | fits | workers | Balancer | straightforward | "
            "speed-up | worker time: no sampler + samplers | bound | slowest (seconds of fits) |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
            + "\n".join(rows) + "\n\n" + "  \n".join(notes) + "\n\n" + boost)
    print(body)
    if not args.no_write:
        write_section("Default comparison", body)


if __name__ == "__main__":
    main()
