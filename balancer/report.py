"""A self-contained HTML report: profile, warnings, before/after, evaluation or comparison, recipe.

plotly.js is embedded once, so the file opens with no network. Every piece of user text (column
names, labels, messages) is HTML-escaped.
"""

from __future__ import annotations

import html
import math
from typing import Any

import plotly.graph_objects as go

from . import __version__, plots
from .compare import Comparison, model_label
from .evaluate import Evaluation
from .metrics import CALIBRATION, METRICS, metric_label
from .profiling import Profile, label_str
from .recipe import Recipe
from .resample import Resampled

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #222; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .3rem; }
table { border-collapse: collapse; margin: .6rem 0; } th, td { padding: .3rem .7rem; border: 1px solid #ddd; }
th { background: #f4f6f8; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.warn { background: #fff8e1; border-left: 4px solid #f0b400; padding: .4rem .8rem; margin: .3rem 0; }
.note { color: #555; font-size: .92rem; } pre { background: #f6f8fa; padding: 1rem; overflow-x: auto; }
.figure { margin: 1rem 0; }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="n">{_e(c)}</td>' if isinstance(c, (int, float)) or (isinstance(c, str) and c.lstrip("-")[:1].isdigit())
            else f"<td>{_e(c)}</td>" for c in row) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _Figures:
    def __init__(self) -> None:
        self.count = 0

    def add(self, figure: go.Figure) -> str:
        self.count += 1
        include = "inline" if self.count == 1 else False
        return '<div class="figure">' + figure.to_html(full_html=False, include_plotlyjs=include,
                                                       config={"displaylogo": False}) + "</div>"


def build(
    name: str,
    profile: Profile,
    *,
    resampled: Resampled | None = None,
    evaluation: Evaluation | None = None,
    comparison: Comparison | None = None,
    recipe: Recipe | None = None,
) -> str:
    """Return the report as one HTML document (UTF-8 text): the sections for what is given."""
    figures = _Figures()
    parts = [f"<h1>Balancer report: {_e(name)}</h1>",
             f'<p class="note">Made by Balancer {_e(__version__)}. Open in any browser; no network needed.</p>',
             *_data_section(profile, figures)]
    if resampled is not None:
        parts += _resampling_section(resampled, profile.target, figures)
    if evaluation is not None:
        parts += _evaluation_section(evaluation, figures)
        parts += _decision_section(evaluation, figures)
    if comparison is not None:
        parts += _comparison_section(comparison, figures)
    if recipe is not None:
        parts += _recipe_section(recipe)
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>Balancer report: {_e(name)}</title><style>{_STYLE}</style></head>"
            f"<body>\n{body}\n</body></html>\n")


def _data_section(profile: Profile, figures: _Figures) -> list[str]:
    """Size, target, imbalance ratio, class chart, column kinds and the profile's warnings."""
    ratio = f"{profile.imbalance_ratio:,.2f} : 1" if profile.imbalance_ratio else "n/a"
    parts = ["<h2>Data</h2>",
             _table(["rows", "columns", "target", "classes", "imbalance ratio"],
                    [[f"{profile.rows:,}", len(profile.columns), profile.target or "-",
                      len(profile.classes), ratio]])]
    if profile.classes:
        parts.append(figures.add(plots.class_distribution(profile.classes)))
    parts.append(_table(["column", "kind", "missing", "distinct"],
                        [[c.name, c.kind, c.missing, c.unique] for c in profile.columns]))
    if profile.warnings:
        parts.append("<h2>Warnings</h2>")
        parts += [f'<div class="warn"><b>{_e(w.code)}</b>: {_e(w.message)}</div>' for w in profile.warnings]
    return parts


def _resampling_section(resampled: Resampled, target: str | None, figures: _Figures) -> list[str]:
    """Counts before and after, notices, and the charts (the projection when there is a target)."""
    parts = [f"<h2>Resampling: {_e(resampled.method)}</h2>",
             _table(["class", "before", "after"],
                    [[label_str(k), f"{v:,}", f"{resampled.after.get(k, 0):,}"]
                     for k, v in resampled.before.items()]),
             f'<p class="note">{resampled.rows_in:,} rows in, {len(resampled.data):,} out, '
             f"{resampled.synthetic_rows:,} synthetic.</p>"]
    parts += [f'<div class="warn">{_e(n)}</div>' for n in resampled.notices]
    parts.append(figures.add(plots.before_after(resampled.before, resampled.after)))
    if target:
        points = plots.projection_points(resampled, target, seed=resampled.seed)
        if len(points):
            parts.append(figures.add(plots.projection(points)))
    return parts


def _evaluation_section(evaluation: Evaluation, figures: _Figures) -> list[str]:
    """Every metric next to no balancing, the accuracy caveat, the matrix and the curves."""
    base = evaluation.baseline
    rows = [[METRICS[m][0], _num(evaluation.metrics[m]), _num(evaluation.std[m]),
             _num(base.metrics[m]) if base else "-", METRICS[m][1]] for m in METRICS]
    return [
        f"<h2>Evaluation: {_e(evaluation.method)} with {_e(model_label(evaluation.model))}, {evaluation.folds} fold(s)</h2>",
        _table(["metric", evaluation.method, "± std", "no balancing", "meaning"], rows),
        '<p class="note">Accuracy misleads on imbalanced data: always predicting the '
        "majority class scores high while finding no rare case.</p>",
        figures.add(plots.metric_comparison(evaluation)),
        figures.add(plots.confusion(evaluation, f"Confusion matrix: {evaluation.method}")),
        *([figures.add(plots.confusion(base, "Confusion matrix: no balancing"))] if base else []),
        figures.add(plots.curves(evaluation, "roc")),
        figures.add(plots.curves(evaluation, "pr")),
    ]


def _decision_section(evaluation: Evaluation, figures: _Figures) -> list[str]:
    """The costs, the expected cost against doing nothing and no balancing, the threshold with the
    cost curve, and the calibration table."""
    parts = ["<h2>Decision and calibration</h2>"]
    if evaluation.costs is not None:
        base = evaluation.baseline.expected_cost if evaluation.baseline is not None else None
        parts += [
            _table(["error", "cost"], [[k, _num(v, 2)] for k, v in evaluation.costs.to_dict().items()]),
            _table(["expected cost per 1,000 rows", "value"],
                   [[evaluation.method, _num(evaluation.expected_cost, 2)], ["no balancing", _num(base, 2)],
                    ["doing nothing (never the positive class / always the majority)",
                     _num(evaluation.expected_cost_baseline, 2)], ["a perfect model", _num(0.0, 2)]]),
        ]
        if evaluation.threshold is not None:
            parts.append(f'<p class="note">Decision threshold (chosen inside the training folds, mean over '
                         f"folds): {_num(evaluation.threshold, 4)}.</p>")
            parts.append(figures.add(plots.cost_curve(evaluation)))
    else:
        parts.append('<p class="note">No error costs were given: the decisions are the tactic\'s own.</p>')
    if evaluation.calibration is not None:
        scores = evaluation.calibration.scores
        names = plots.calibration_names(evaluation)  # as the page and the diagram name them
        parts += [
            f'<p class="note">Calibration: {_e(evaluation.calibration.method)}.</p>',
            _table(["", *(CALIBRATION[m][0] for m in CALIBRATION)],
                   [[names[key], *(_num(values[m], 4) if values else "-" for m in CALIBRATION)]
                    for key, values in scores.items() if key in names]),
            figures.add(plots.reliability(evaluation)),
        ]
    return parts


def _comparison_section(comparison: Comparison, figures: _Figures) -> list[str]:
    """The ranking table, the skipped tactics with reasons, and the ranking chart."""
    table = comparison.table()
    parts = [f"<h2>Comparison, ranked by {_e(metric_label(comparison.metric))}</h2>",
             _table(list(table.columns), [[_num(v) if isinstance(v, float) else v for v in row]
                                          for row in table.itertuples(index=False)])]
    parts += [f'<div class="warn">skipped {_e(s["method"])}: {_e(s["reason"])}</div>' for s in comparison.skipped]
    parts.append(figures.add(plots.comparison(comparison)))
    return parts


def _recipe_section(recipe: Recipe) -> list[str]:
    """The recipe's JSON and how to replay it."""
    return ["<h2>Recipe</h2>",
            '<p class="note">Replay with <code>balancer run recipe.json DATA --out out.csv</code>.</p>',
            f"<pre>{_e(recipe.to_json())}</pre>"]


__all__ = ["build"]
