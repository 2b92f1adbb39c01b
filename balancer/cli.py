"""The ``balancer`` command: sub-commands, JSON output, exit codes.

Exit codes: 0 success; 2 bad input or usage (one line ``error: ...`` on stderr, no traceback);
1 an internal error. DATA is a file path, or ``sample:NAME`` for a bundled sample.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from . import __version__, config
from .compare import compare
from .decision import CALIBRATIONS
from .errors import BalancerError, DataError
from .evaluate import MODELS, Evaluation, LearningCurve, evaluate, learning_curve
from .metrics import METRICS, metric_label
from .profiling import label_str, profile
from .recipe import Recipe, output_frame, replay, version_warnings
from .recipe import make as make_recipe
from .resample import resample
from .samples import SAMPLES, load_sample
from .strategies import FAMILIES, STRATEGIES, parse_params
from .strategies import get as get_strategy
from .tables import Dialect, read_file, read_table, writable, write_csv, write_csv_file
from .terminal import SafeText, safe


class UsageError(BalancerError, ValueError):
    """The command line itself is wrong."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, as for bad input
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="balancer", description="Measure and fix class imbalance in a table.")
    parser.add_argument("--version", action="version", version=f"balancer {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="print the traceback with an error (anywhere on the line; or BALANCER_DEBUG=1)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("methods", help="list every tactic and its parameters")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = sub.add_parser("samples", help="list the bundled sample datasets (use DATA=sample:NAME)")
    p.add_argument("--json", action="store_true", help="print JSON")
    _data_args(sub.add_parser("profile", help="column kinds, class counts, imbalance and warnings"),
               False, spark=True)
    _resample_args(sub.add_parser("resample", help="balance the table and write the result as CSV"))
    _evaluate_args(sub.add_parser("evaluate", help="cross-validated metrics, the sampler inside the folds"))
    _compare_args(sub.add_parser("compare", help="every tactic side by side on the same folds, ranked"))
    _run_args(sub.add_parser("run", help="replay a recipe on a table (the same or new data)"))
    _predict_args(sub.add_parser("predict", help="predict a table with a model saved by evaluate --model-out"))
    return parser


def _output_args(p: argparse.ArgumentParser, code: bool = True) -> None:
    """--recipe, --report and (unless ``code`` is False) --code."""
    p.add_argument("--recipe", metavar="FILE", help="write the recipe (JSON) that replays this")
    p.add_argument("--report", metavar="FILE", help="write a self-contained HTML report")
    if code:
        p.add_argument("--code", metavar="FILE",
                       help="write a pandas + imbalanced-learn script that reproduces this")


def _data_args(p: argparse.ArgumentParser, target_required: bool, spark: bool = False) -> None:
    """DATA, --target, --json and --engine (with the Spark engine's options where it runs)."""
    p.add_argument("data", metavar="DATA", help="CSV/TSV/TXT/XLSX/Parquet file, or sample:NAME"
                   + ("; with --engine spark a Parquet/CSV file, folder or glob, at any location "
                      "Spark reads" if spark else ""))
    p.add_argument("--target", required=target_required, metavar="COL", help="the class column")
    _reading_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--engine", choices=("local", "spark"), default="local",
                   help="local (default: this machine, in memory) or spark (tables that do not fit)"
                   if spark else argparse.SUPPRESS)
    if spark:
        _spark_args(p)


def _reading_args(p: argparse.ArgumentParser) -> None:
    """--sheet and --header-row: how DATA is read when detection is not what the user wants."""
    p.add_argument("--sheet", metavar="NAME",
                   help="the worksheet of an .xlsx to read (default: the first sheet with data)")
    p.add_argument("--header-row", type=int, metavar="N",
                   help="the row (line) number of the header, counting from 1 (default: detected; "
                        "title and blank rows above it are skipped)")


def _dialect_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dialect", choices=("input", "standard"), default="input",
                   help="the written CSV's delimiter and decimal mark: as the input's (default) or "
                        "standard (comma, decimal point)")


def _spark_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("Spark engine")
    g.add_argument("--master", metavar="URL",
                   help="Spark master: local[*] (default), local[2], spark://host:7077, yarn, ...")
    g.add_argument("--driver-memory", metavar="SIZE", help="Spark driver memory, e.g. 1g")
    if p.prog.endswith("resample"):
        g.add_argument("--undersample-to", type=int, metavar="N",
                       help="first keep at most N rows of every class (exact, on Spark); the method "
                            "then grows the small classes, e.g. SMOTE up to N")
        # resample only: profile brings nothing to the driver
        g.add_argument("--driver-rows", type=int, metavar="N",
                       help="most rows synthetic methods may bring to the driver "
                            "(default BALANCER_SPARK_DRIVER_ROWS or 1,000,000)")


def _resample_args(p: argparse.ArgumentParser) -> None:
    _data_args(p, True, spark=True)
    p.add_argument("--method", required=True, metavar="NAME", help="sampler name, e.g. SMOTE")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a parameter of the method (repeatable), e.g. k_neighbors=3 or "
                        "sampling_strategy=0.5")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", metavar="FILE", help="write the resampled CSV here ('-' for stdout)")
    p.add_argument("--mark-synthetic", action="store_true",
                   help="add a 'synthetic' column marking made-up rows")
    _dialect_arg(p)
    p.add_argument("--format", choices=("parquet", "csv", "tsv"),
                   help="with --engine spark: the output folder's format (default: from --out's "
                        "suffix, else parquet)")
    _output_args(p)


def _evaluate_args(p: argparse.ArgumentParser) -> None:
    _data_args(p, True)
    p.add_argument("--method", default="none", metavar="NAME", help="tactic (default none)")
    p.add_argument("--model", default="logistic_regression", metavar="NAME",
                   help=f"one of {', '.join(MODELS)}")
    p.add_argument("--folds", type=int, default=5, metavar="K", help="stratified folds (default 5)")
    p.add_argument("--repeats", type=int, default=1, metavar="N",
                   help="repeat the K folds N times with other shuffles (default 1; copies of a row "
                        "always share a fold)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a parameter of the method (repeatable)")
    p.add_argument("--class-weight", metavar="W",
                   help="'balanced' or per-class costs as JSON, e.g. '{\"yes\": 10}'")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--learning-curve", action="store_true",
                   help="also answer 'would more data help?' with a learning curve")
    p.add_argument("--metric", default="f2", metavar="NAME",
                   help="metric that threshold-tuned tactics optimize (default f2)")
    _decision_args(p)
    p.add_argument("--model-out", metavar="FILE",
                   help="refit the tactic on every row and save the model (skops, with its model card) here")
    _output_args(p)


def _compare_args(p: argparse.ArgumentParser) -> None:
    _data_args(p, True)
    p.add_argument("--methods", metavar="A,B,...", help="tactics to compare (default: a representative set)")
    p.add_argument("--model", default="logistic_regression", metavar="NAME", help="the model")
    p.add_argument("--models", metavar="A,B", help="several models, each with every tactic")
    p.add_argument("--folds", type=int, default=5, metavar="K", help="stratified folds (default 5)")
    p.add_argument("--repeats", type=int, default=None, metavar="N",
                   help="repeat the K folds N times with other shuffles (default: 3 up to 5,000 rows, "
                        "2 up to 50,000, then 1)")
    p.add_argument("--metric", default="f2", metavar="NAME",
                   help=f"rank by this metric (default f2): {', '.join(METRICS)}, or expected_cost with --costs")
    p.add_argument("--param", action="append", default=[], metavar="METHOD.KEY=VALUE",
                   help="a tactic's parameter (repeatable), e.g. class_weight.weights='{\"yes\": 10}' "
                        "or SMOTE.k_neighbors=3")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _decision_args(p)
    _output_args(p, code=False)


def _decision_args(p: argparse.ArgumentParser) -> None:
    """--costs and --calibration (evaluate, compare)."""
    p.add_argument("--costs", metavar="JSON",
                   help="error costs: '{\"fn\": 500, \"fp\": 5}' (a missed positive, a false alarm) or for more "
                        "classes '{\"true,pred\": cost, ...}' (cells left out cost 1); decisions then minimise "
                        "the expected cost (rank with --metric expected_cost)")
    p.add_argument("--calibration", choices=tuple(CALIBRATIONS), metavar="{" + ",".join(CALIBRATIONS) + "}",
                   help="calibrate the probabilities (default: prior when the tactic changes the class balance "
                        "the model sees, else none)")


def _predict_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", metavar="MODEL", help="a model file written by 'balancer evaluate --model-out'")
    p.add_argument("data", metavar="DATA", help="CSV/TSV/TXT/XLSX/Parquet file, or sample:NAME")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="write the table with 'predicted' and 'probability_<class>' columns here ('-' for stdout)")
    _dialect_arg(p)
    _reading_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")


def _run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("recipe", metavar="RECIPE", help="a recipe JSON written by --recipe or the dashboard")
    p.add_argument("data", metavar="DATA", help="CSV/TSV/TXT/XLSX/Parquet file, or sample:NAME")
    p.add_argument("--out", metavar="FILE", help="write the resampled CSV here ('-' for stdout)")
    _dialect_arg(p)
    _reading_args(p)
    p.add_argument("--report", metavar="FILE", help="write a self-contained HTML report")
    p.add_argument("--json", action="store_true", help="print JSON")


def _load(args: argparse.Namespace) -> pd.DataFrame:
    """The table DATA names (see :func:`_load_with_bytes`), saying nothing of how it was read:
    ``profile`` shows that among its warnings, ``predict`` among its notices."""
    return _load_with_bytes(args, quiet=True)[0]


def _load_with_bytes(args: argparse.Namespace, quiet: bool = False) -> tuple[pd.DataFrame, bytes | None]:
    """The table DATA names, read with --sheet and --header-row, and the file's bytes (None for a
    bundled sample) for the recipe's SHA-256. What the reader did to the input (an encoding it
    fell back to, title rows skipped, columns renamed or named) is said on stderr, as ``note:``
    lines, unless ``quiet``."""
    data, raw = _read_data(args)
    if not quiet:
        for notice in data.attrs.get("notices", []):
            print(f"note: {notice['message']}", file=sys.stderr)
    return data, raw


def _read_data(args: argparse.Namespace) -> tuple[pd.DataFrame, bytes | None]:
    source = args.data
    how = {"sheet": getattr(args, "sheet", None), "header_row": getattr(args, "header_row", None)}
    if source.startswith("sample:") or (not Path(source).exists() and source in SAMPLES):
        if how["sheet"] is not None or how["header_row"] is not None:
            raise UsageError("--sheet and --header-row are for files; a bundled sample is read as it is")
        return load_sample(source.split(":", 1)[1] if source.startswith("sample:") else source), None
    path = Path(source)
    if path.is_fifo():  # a pipe can be read once: read it (bounded), then parse those bytes
        raw = read_file(path)
        return read_table(raw, name=path.name, **how), raw
    frame = read_table(path, **how)
    return frame, read_file(path)


def _write_table(frame: pd.DataFrame, out: str, args: argparse.Namespace, data: pd.DataFrame) -> bool:
    """Write ``frame`` to ``out`` (``-``: stdout) as --dialect says for the input ``data``; True
    when it went to stdout. A table holding a character the input's encoding cannot (labels of a
    model trained on another file) is written in UTF-8 with a byte order mark, with a note, rather
    than refused after a part of it was written."""
    dialect = _dialect(args, data)
    fitting = writable(frame, dialect)
    if fitting != dialect:
        print(f"note: the file holds characters {dialect.encoding}, the input's encoding, cannot; it is "
              "written in UTF-8 with a byte order mark", file=sys.stderr)
    if out == "-":
        sys.stdout.buffer.write(write_csv(frame, dialect=fitting))
        sys.stdout.flush()
        return True
    try:
        write_csv_file(frame, out, dialect=fitting)
    except OSError as exc:
        raise DataError(f"cannot write {out}: {exc.strerror or exc}") from None
    return False


def _dialect(args: argparse.Namespace, data: pd.DataFrame) -> Dialect:
    """--dialect: the input's delimiter, decimal mark and encoding, or standard CSV (either way with
    the decimals the input's float columns were written with); tab-separated for an --out ending
    in .tsv."""
    found = Dialect.of(data)
    found = found if getattr(args, "dialect", "input") == "input" else found.standard()
    if str(getattr(args, "out", None) or "").lower().endswith(".tsv"):
        found = dataclasses.replace(found, delimiter="\t")
    return found


def _write_text(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None


def _outputs(args: argparse.Namespace, data: pd.DataFrame, raw: bytes | None, made: Recipe, **results: Any) -> None:
    """Write --recipe, --report and --code when asked."""
    if getattr(args, "recipe", None):
        _write_text(args.recipe, made.to_json())
    if getattr(args, "report", None):
        from . import report

        _write_text(args.report, report.build(Path(args.data).name, profile(data, made.target),
                                              recipe=made, **results))
    if getattr(args, "code", None):
        from .codegen import python_script

        # the script writes its file as this command does (--dialect, an --out ending in .tsv)
        _write_text(args.code, python_script(made, data, dialect=_dialect(args, data)))


def _print_json(payload: Any) -> None:
    print(json.dumps(payload, indent=2, default=_json_default, allow_nan=False))


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _fmt(value: float | None) -> str:
    return "   n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:6.3f}"


def cmd_methods(args: argparse.Namespace) -> int:
    entries = [s.to_dict() for s in STRATEGIES.values()]
    if args.json:
        _print_json({"methods": entries, "models": list(MODELS), "metrics": list(METRICS)})
        return 0
    for family, label in FAMILIES.items():
        members = [s for s in STRATEGIES.values() if s.family == family]
        if not members:
            continue
        print(f"{label}:")
        for s in members:
            params = ", ".join(f"{p.name}={p.default if p.default is not None else p.none_label}"
                               for p in s.params)
            print(f"  {s.name:33s} {s.description}")
            if params:
                print(f"  {'':33s} [{params}]")
    print(f"Models: {', '.join(MODELS)}")
    return 0


def cmd_samples(args: argparse.Namespace) -> int:
    if args.json:
        _print_json([{"name": s.name, "target": s.target, "description": s.description}
                     for s in SAMPLES.values()])
        return 0
    for s in SAMPLES.values():
        print(f"sample:{s.name:18s} target={s.target:10s} {s.description}")
    return 0


def _spark_frame(args: argparse.Namespace) -> tuple[Any, Any, bool]:
    """The Spark engine module, the table as a Spark DataFrame, and whether this call started Spark."""
    from . import spark as engine

    engine.check_exists(args.data)
    if getattr(args, "sheet", None) is not None or getattr(args, "header_row", None) is not None:
        raise UsageError("--sheet and --header-row are for the local engine; Spark reads Parquet, or "
                         "CSV with the header on the first line")
    if getattr(args, "driver_rows", None) is not None and args.driver_rows < 1:
        raise UsageError("--driver-rows must be at least 1")
    from_before = engine.active_session() is not None
    session = engine.session(args.master, args.driver_memory)
    try:
        with engine.spark_errors():
            return engine, engine.read(session, args.data), not from_before
    except BaseException:
        _stop_spark(not from_before)
        raise


def _stop_spark(started: bool) -> None:
    if started:
        from . import spark as engine

        engine.stop()


def cmd_profile(args: argparse.Namespace) -> int:
    if args.engine == "spark":
        engine, frame, started = _spark_frame(args)
        try:
            with engine.spark_errors():
                result = engine.profile(frame, args.target)
        finally:
            _stop_spark(started)
    else:
        result = profile(_load(args), args.target)
    return _print_profile(args, result)


def _print_profile(args: argparse.Namespace, result: Any) -> int:
    if args.json:
        _print_json(result.to_dict())
        return 0
    print(f"{result.rows:,} rows, {len(result.columns)} columns")
    for column in result.columns:
        print(f"  {column.name:30s} {column.kind:12s} missing {column.missing:,}")
    print(f"target: {result.target}  (candidates: {', '.join(result.target_candidates[:5]) or 'none'})")
    for label, count in result.classes.items():
        print(f"  {label_str(label):20s} {count:10,}")
    if result.imbalance_ratio:
        print(f"imbalance ratio (majority / minority): {result.imbalance_ratio:.2f}")
    for finding in result.warnings:
        print(f"warning [{finding.code}]: {finding.message}")
    return 0


def cmd_resample_spark(args: argparse.Namespace) -> int:
    for flag in ("recipe", "report", "code", "mark_synthetic"):
        if getattr(args, flag, None):
            raise UsageError(f"--{flag.replace('_', '-')} works with the local engine only")
    if args.out == "-":
        raise UsageError("with --engine spark, --out is a folder that Spark writes, not '-'")
    from . import spark

    spark.check_method(args.method, parse_params(args.param))  # before Spark's start, seconds long
    engine, frame, started = _spark_frame(args)
    try:
        with engine.spark_errors():
            if args.out:  # before the work: a folder that cannot be written is known at once
                engine.check_output(frame.sparkSession, args.out, args.data)
            result = engine.resample(frame, args.target, args.method, params=parse_params(args.param),
                                     seed=args.seed, max_driver_rows=args.driver_rows,
                                     undersample_to=args.undersample_to)
            kind = engine.write(result.data, args.out, args.format, source=args.data) if args.out else None
    finally:
        _stop_spark(started)
    if args.json:
        _print_json(result.to_dict(args.out) | {"format": kind})
        return 0
    _print_resampled(result, f"{result.method} on Spark", sum(result.after.values()),
                     f"{args.out} ({kind} folder)" if args.out else None)
    return 0


def cmd_resample(args: argparse.Namespace) -> int:
    if args.engine == "spark":
        return cmd_resample_spark(args)
    if args.format or args.undersample_to is not None:
        raise UsageError("--format and --undersample-to are for --engine spark; the local engine writes CSV "
                         "(use RandomUnderSampler, then the method)")
    data, raw = _load_with_bytes(args)
    params = parse_params(args.param)
    result = resample(data, args.target, args.method, params=params, seed=args.seed)
    made = make_recipe("resample", args.target, result.requested, result.params, result.seed,
                       source=raw if raw is not None else data, name=Path(args.data).name,
                       mark_synthetic=bool(args.mark_synthetic))
    _outputs(args, data, raw, made, resampled=result)
    out = args.out
    if out:
        frame = result.with_marker() if args.mark_synthetic else result.data
        if _write_table(frame, out, args, data):
            _notes_on_stderr(result.notices)  # (the table is on stdout: what it leaves out is said beside it)
            return 0
    if args.json:
        _print_json(result.to_dict(out))
        return 0
    _print_resampled(result, result.method, len(result.data), out)
    return 0


def _notes_on_stderr(notices: Sequence[str]) -> None:
    for notice in notices:
        print(f"note: {notice}", file=sys.stderr)


def _print_resampled(result: Any, title: str, rows_out: int, wrote: str | None) -> None:
    """The plain-text summary of a resample, from either engine's result."""
    print(f"{title}: {result.rows_in:,} rows in, {rows_out:,} out ({result.synthetic_rows:,} synthetic)")
    for label in result.before:
        print(f"  {label_str(label):20s} {result.before[label]:10,} -> {result.after[label]:10,}")
    for notice in result.notices:
        print(f"note: {notice}")
    if wrote:
        print(f"wrote {wrote}")


def cmd_evaluate(args: argparse.Namespace) -> int:
    data, raw = _load_with_bytes(args)
    params = parse_params(args.param)
    result = evaluate(data, args.target, args.method, model=args.model, folds=args.folds,
                      params=params, seed=args.seed, class_weight=args.class_weight, metric=args.metric,
                      costs=args.costs, calibration=args.calibration, repeats=args.repeats)
    made = make_recipe("evaluate", args.target, result.requested, params, args.seed,
                       source=raw if raw is not None else data, name=Path(args.data).name,
                       model=result.model, folds=result.folds, repeats=result.repeats, metric=args.metric,
                       class_weight=args.class_weight, costs=result.costs.to_dict() if result.costs else None,
                       calibration=result.calibration.method if result.calibration else None,
                       threshold=result.threshold)
    _outputs(args, data, raw, made, evaluation=result)
    if args.model_out:
        _save_model(args, data, raw, params, result)
    curve = None
    if args.learning_curve:  # a tactic that changes the model is left out of the curve, with a notice
        curve = learning_curve(data, args.target, args.method, model=args.model, folds=result.folds,
                               repeats=result.repeats,
                               params=params, seed=args.seed)
    if args.json:
        payload = result.to_dict()
        if curve is not None:
            payload["learning_curve"] = curve.to_dict()
        if args.model_out:
            payload["model_out"] = args.model_out
        _print_json(payload)
    else:
        _print_evaluation(result, curve)
        _print_decision(result)
        if args.model_out:
            print(f"wrote the model to {args.model_out}")
    return 0


def _save_model(args: argparse.Namespace, data: pd.DataFrame, raw: bytes | None, params: dict[str, Any],
                result: Evaluation) -> None:
    """--model-out: the tactic refitted on every row, saved with its model card."""
    from .shipping import fit_final, save

    shipped = fit_final(data, args.target, args.method, args.model, params, args.seed, args.calibration,
                        args.costs, class_weight=args.class_weight, metric=args.metric, evaluation=result,
                        source=raw, name=Path(args.data).name)
    save(shipped, args.model_out)


def _print_decision(result: Evaluation) -> None:
    """The plain-text lines of the costs, the threshold and the calibration."""
    if result.expected_cost is not None:
        base = result.baseline.expected_cost if result.baseline is not None else None
        print(f"expected cost per 1,000 rows: {result.expected_cost:,.2f} (no balancing "
              f"{'n/a' if base is None else f'{base:,.2f}'}, doing nothing {result.expected_cost_baseline:,.2f}, "
              "a perfect model 0)")
    if result.threshold is not None:
        print(f"decision threshold (mean over folds): {result.threshold:.4f}")
    if result.calibration is not None:
        print(f"calibration ({result.calibration.method}): " + "; ".join(
            f"{name} " + ("n/a" if values is None else ", ".join(f"{k} {v:.4f}" for k, v in values.items()))
            for name, values in result.calibration.scores.items()))


def _print_evaluation(result: Evaluation, curve: LearningCurve | None) -> None:
    """The plain-text table of an evaluation against its baseline, its notices, and the curve."""
    print(f"{result.method} with {result.model}, {result.folds}-fold stratified CV "
          f"({'positive class ' + label_str(result.positive) if result.positive is not None else 'macro averages'})")
    base = result.baseline
    print(f"  {'metric':20s} {'tactic':>8s} {'± std':>8s}" + (f" {'baseline':>9s}" if base else ""))
    for name, (label, _) in METRICS.items():
        line = f"  {label:20s} {_fmt(result.metrics[name]):>8s} {_fmt(result.std[name]):>8s}"
        if base:
            line += f" {_fmt(base.metrics[name]):>9s}"
        print(line)
    print("  (accuracy misleads on imbalanced data: predicting the majority always scores high)")
    for line in result.verdict:
        print(f"verdict: {line}")
    for line in result.notes():
        print(f"  {line}")
    for notice in result.notices:
        print(f"{'warning' if notice.startswith('Warning: ') else 'note'}: {notice.removeprefix('Warning: ')}")
    if curve is not None:
        print(f"learning curve ({curve.metric}): " + ", ".join(
            f"{r:,} rows {m:.3f}" for r, m in zip(curve.train_rows, curve.mean)))
        for notice in curve.notices:
            print(f"note: {notice}")
        print(curve.verdict)


def cmd_compare(args: argparse.Namespace) -> int:
    data, _ = _load_with_bytes(args)
    progress = None
    if not args.json and sys.stderr.isatty():
        def progress(share: float, text: str) -> None:
            # the carriage return is the bar's own (SafeText would show it as "\r")
            terminal = getattr(sys.stderr, "stream", sys.stderr)
            print(f"\r{share:4.0%} {safe(text[:60]):60s}", end="", file=terminal, flush=True)
    per_method: dict[str, dict[str, str]] = {}
    for key, value in parse_params(args.param).items():
        method, dot, name = key.partition(".")
        if not dot or not name:
            raise UsageError(f"--param {key!r} should look like METHOD.KEY=VALUE, e.g. SMOTE.k_neighbors=3")
        per_method.setdefault(get_strategy(method).name, {})[name] = value
    for flag in ("methods", "models"):
        given = getattr(args, flag)
        if given is not None and not given.replace(",", "").strip():
            raise UsageError(f"--{flag} names none; leave it out for the default, or name some (A,B,...)")
    result = compare(data, args.target, args.methods, model=args.model, models=args.models,
                     folds=args.folds, repeats=args.repeats, metric=args.metric, seed=args.seed,
                     params=per_method, progress=progress, costs=args.costs, calibration=args.calibration)
    if progress is not None:
        print(file=sys.stderr)
    made = make_recipe("compare", args.target, "none", {}, args.seed, source=data,
                       name=Path(args.data).name, folds=result.folds, repeats=result.repeats,
                       metric=result.metric, methods=[e.method for e in result.results if not e.is_baseline],
                       models=list(result.models), costs=result.costs, calibration=args.calibration)
    _outputs(args, data, None, made, comparison=result)
    if args.json:
        _print_json(result.to_dict())
        return 0
    label = metric_label(result.metric)
    print(f"{len(result.results)} results ranked by {label}, {result.folds}-fold stratified CV x "
          f"{result.repeats} repeats ({result.seconds:.1f} s)")
    print(f"  {'#':>3s} {'tactic':32s} {'model':22s} {label:>8s} {'± std':>7s} {'p':>6s}  verdict")
    for rank, entry in enumerate(result.results, start=1):
        if entry.is_baseline:
            verdict = "baseline"
        else:
            against = f"{entry.baseline['method']} ({entry.baseline['model']})" if entry.baseline else "none"
            verdict = ("clearly better than " if entry.clearly_better else "not clearly better than ") + against
        if entry.tied_with_best:
            verdict += "; tied with the best"
        p = "" if entry.p_value is None else f"{entry.p_value:.3f}"
        print(f"  {rank:3d} {entry.method:32s} {entry.model:22s} {_fmt(entry.metrics[result.metric]):>8s} "
              f"{_fmt(entry.std[result.metric]):>7s} {p:>6s}  {verdict}")
    balanced = result.best_balanced_file
    if balanced is not None:
        print(f"best tactic whose file is balanced: {balanced.method} ({balanced.model})")
    for notice in result.notices:
        print(f"note: {notice}")
    for skipped in result.skipped:
        print(f"skipped {skipped['method']} ({skipped['model']}): {skipped['reason']}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    made = Recipe.load(args.recipe)
    data, raw = _load_with_bytes(args)
    warnings_ = version_warnings(made)
    payload: dict[str, Any] = {"kind": made.kind, "method": made.method}
    if made.kind == "resample" or args.out:
        result, warnings_ = replay(made, data, source=raw)
        if args.out:
            if args.out == "-":
                for warning in warnings_:
                    print(f"warning: {warning}", file=sys.stderr)
            if _write_table(output_frame(made, result), args.out, args, data):
                _notes_on_stderr(result.notices)
                return 0
        payload.update(result.to_dict(args.out))
        if args.report:
            from . import report

            _write_text(args.report, report.build(Path(args.data).name, profile(data, made.target),
                                                  resampled=result, recipe=made))
    elif made.kind == "evaluate":
        evaluation = evaluate(data, made.target, made.method, model=made.model or "logistic_regression",
                              folds=made.folds or 5, repeats=made.repeats or 1, params=made.params, seed=made.seed,
                              class_weight=made.class_weight, metric=made.metric or "f2",
                              costs=made.costs, calibration=made.calibration)
        payload.update(evaluation.to_dict())
    else:
        comparison = compare(data, made.target, made.methods, models=made.models, folds=made.folds or 5,
                             repeats=made.repeats,
                             metric=made.metric or "f2", seed=made.seed, costs=made.costs,
                             calibration=made.calibration)
        payload.update(comparison.to_dict())
    payload["warnings"] = warnings_
    for warning in warnings_:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        _print_json(payload)
    else:
        print(f"replayed {made.kind} of {made.method} on {args.data}" + (f"; wrote {args.out}" if args.out else ""))
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from .shipping import load, predict

    shipped = load(args.model)
    data = _load(args)
    result = predict(shipped, data)
    notices = [n["message"] for n in result.attrs.get("notices", [])]
    _notes_on_stderr(notices)
    if _write_table(result, args.out, args, data):
        return 0
    counts = {label_str(k): int(v) for k, v in result["predicted"].value_counts().items()}
    if args.json:
        _print_json({"model": args.model, "rows": len(result), "out": args.out, "predicted": counts,
                     "calibration": shipped.card.get("calibration"), "threshold": shipped.card.get("threshold"),
                     "notices": notices})
    else:
        print(f"predicted {len(result):,} rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
              + f"; wrote {args.out}")
    return 0


COMMANDS = {
    "methods": cmd_methods,
    "samples": cmd_samples,
    "profile": cmd_profile,
    "resample": cmd_resample,
    "evaluate": cmd_evaluate,
    "compare": cmd_compare,
    "run": cmd_run,
    "predict": cmd_predict,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    ``--debug`` anywhere on the line (or ``BALANCER_DEBUG=1``) adds the traceback to an error; a
    value of ``BALANCER_DEBUG`` that is neither on nor off is an error like any other bad setting.
    Text goes out through :class:`~balancer.terminal.SafeText`: a label or column name holding an
    escape sequence is shown, not obeyed, by the terminal.
    """
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeText(sys.stdout), SafeText(sys.stderr)  # type: ignore[assignment]
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = streams


def _main(argv: Sequence[str] | None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in words
    try:
        debug = debug or config.flag("BALANCER_DEBUG")
        code = _run([w for w in words if w != "--debug"])
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
        return code
    except BalancerError as exc:
        _debug(debug)
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        _debug(debug)
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except OSError as exc:  # the output could not be written: a full disk, a vanished folder
        _debug(debug)
        _quiet_stdout()
        print(f"error: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: say so on one line, never a traceback unless asked
        _debug(debug)
        print(f"error: internal error ({type(exc).__name__}: {' '.join(str(exc).split())[:300]}); "
              "please report it (run again with --debug for the traceback)", file=sys.stderr)
        return 1


def _run(words: list[str]) -> int:
    args = _parser().parse_args(words)
    spark_only = [flag for flag in ("master", "driver_memory", "driver_rows")
                  if getattr(args, flag, None) is not None]
    if spark_only and getattr(args, "engine", "local") != "spark":
        raise UsageError(f"--{spark_only[0].replace('_', '-')} is for --engine spark")
    if getattr(args, "out", None) == "-" and getattr(args, "json", False):
        raise UsageError("--out - and --json both write to standard output; give --out a file name")
    if getattr(args, "engine", "local") == "spark" and args.command not in ("profile", "resample"):
        raise UsageError(f"'{args.command}' runs on the local engine only; with --engine spark, "
                         "profile or resample the big table, then evaluate a sample of the output")
    _check_outputs(args)
    return COMMANDS[args.command](args)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return os.path.abspath(a) == os.path.abspath(b)


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any work, a command line that would write over one of its own inputs (the
    table, the model, the recipe) or write two outputs to one file: what the user had is never lost
    to a slip of the tab key."""
    inputs = [("DATA", getattr(args, "data", None))]
    if args.command == "predict":  # (elsewhere --model names a learner, not a file)
        inputs.append(("MODEL", args.model))
    names = ["out", "report", "code", "model_out"]
    if args.command == "run":
        inputs.append(("RECIPE", args.recipe))
    else:
        names.append("recipe")
    given_outputs = [(f"--{n.replace('_', '-')}", getattr(args, n, None)) for n in names]
    outputs = [(flag, path) for flag, path in given_outputs  # ('--out -' is standard output; '-' elsewhere a file)
               if isinstance(path, str) and path and not (flag == "--out" and path == "-")]
    if getattr(args, "engine", "local") == "spark":  # (Spark's --out is a folder: spark.check_output)
        outputs = [(flag, path) for flag, path in outputs if flag != "--out"]
    for i, (flag, path) in enumerate(outputs):
        for role, given in inputs:
            if isinstance(given, str) and not given.startswith("sample:") and _same_file(path, given):
                raise UsageError(f"{flag} {path} is the {role} file itself; writing it would replace your "
                                 "input: choose another name")
        for other, earlier in outputs[:i]:
            if _same_file(path, earlier):
                raise UsageError(f"{other} and {flag} name the same file ({path}); give each its own")


def _debug(on: bool) -> None:
    if on:
        traceback.print_exc()


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so Python's own flush at exit cannot fail again."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


__all__ = ["main"]
