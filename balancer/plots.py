"""Plotly figure builders: pure functions from results to ``go.Figure`` (no Streamlit here)."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.colors
import plotly.graph_objects as go

from .evaluate import Evaluation, LearningCurve
from .metrics import METRICS, metric_label
from .prepare import Preparer, column_roles
from .profiling import label_str
from .resample import Resampled

ORIGINAL = "#4C78A8"
SYNTHETIC = "#F58518"
BASELINE = "#9D9D9D"
#: One colour per class in multiclass charts (26 distinct colours; more classes cycle).
CLASS_COLOURS: tuple[str, ...] = tuple(plotly.colors.qualitative.Alphabet)
_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "height": 360, "template": "plotly_white"}


def shown(value: object) -> str:
    """A class label or name as plotly must get it to show it as text: plotly renders a subset of
    HTML (``<a href>``, ``<b>``, ``<br>``) in labels, legends and hover text, and entities as the
    characters they stand for, so ``&``, ``<`` and ``>`` go in as entities."""
    return label_str(value).translate(_ENTITIES)


def class_distribution(counts: Mapping[Hashable, int], title: str = "Class distribution") -> go.Figure:
    """Bar chart of rows per class, largest first, with each class's share."""
    labels = [shown(k) for k in counts]
    values = list(counts.values())
    total = sum(values) or 1
    figure = go.Figure(go.Bar(
        x=labels, y=values, marker_color=ORIGINAL,
        text=[f"{v:,} ({v / total:.1%})" for v in values], textposition="auto",
        hovertemplate="%{x}: %{y:,} rows<extra></extra>",
    ))
    figure.update_layout(title=title, xaxis_title="class", yaxis_title="rows", **_LAYOUT)
    figure.update_xaxes(type="category")
    return figure


def before_after(before: Mapping[Hashable, int], after: Mapping[Hashable, int]) -> go.Figure:
    """Grouped bars: rows per class before and after resampling."""
    labels = [shown(k) for k in before]
    figure = go.Figure([
        go.Bar(name="before", x=labels, y=list(before.values()), marker_color=BASELINE,
               text=[f"{v:,}" for v in before.values()], textposition="auto"),
        go.Bar(name="after", x=labels, y=[after.get(k, 0) for k in before], marker_color=ORIGINAL,
               text=[f"{after.get(k, 0):,}" for k in before], textposition="auto"),
    ])
    figure.update_layout(title="Rows per class, before and after", barmode="group",
                         xaxis_title="class", yaxis_title="rows", **_LAYOUT)
    figure.update_xaxes(type="category")
    return figure


def projection_points(result: Resampled, target: str, max_points: int = 5000, seed: int = 0) -> pd.DataFrame:
    """Project (at most ``max_points``) output rows to 2-D with PCA on the encoded features.

    Returns columns ``pc1``, ``pc2``, ``class`` and ``origin`` (original or synthetic).
    """
    from sklearn.decomposition import PCA

    data = result.data
    rng = np.random.default_rng(seed)
    take = np.arange(len(data))
    if len(take) > max_points:
        # keep synthetic and original rows in their proportions
        take = np.sort(rng.choice(take, size=max_points, replace=False))
    sample = data.iloc[take]
    roles = column_roles(sample, target)
    if not roles.features:
        return pd.DataFrame(columns=["pc1", "pc2", "class", "origin"])
    matrix = Preparer(roles).fit(sample).transform(sample)
    components = min(2, matrix.shape[1])
    coords = PCA(n_components=components, random_state=seed).fit_transform(matrix)
    if components == 1:
        coords = np.column_stack([coords[:, 0], np.zeros(len(coords))])
    return pd.DataFrame({
        "pc1": coords[:, 0], "pc2": coords[:, 1],
        "class": [label_str(v) for v in sample[target]],
        "origin": np.where(result.synthetic[take], "synthetic", "original"),
    })


def projection(points: pd.DataFrame) -> go.Figure:
    """Scatter of the 2-D projection: one trace per class and origin, synthetic rows in orange."""
    figure = go.Figure()
    symbols = ["circle", "diamond", "square", "x", "triangle-up", "cross", "star", "hexagon"]
    for i, label in enumerate(sorted(points["class"].unique()) if len(points) else []):
        for origin, colour in (("original", ORIGINAL), ("synthetic", SYNTHETIC)):
            part = points[(points["class"] == label) & (points["origin"] == origin)]
            if part.empty:
                continue
            figure.add_trace(go.Scatter(  # SVG, not WebGL: at most 5,000 points, and a browser
                # without WebGL (a remote desktop, a VM, headless Chromium) showed an error box
                x=part["pc1"], y=part["pc2"], mode="markers", name=f"{shown(label)} · {origin}",
                marker={"color": colour, "symbol": symbols[i % len(symbols)], "size": 6,
                        "opacity": 0.55 if origin == "original" else 0.75},
            ))
    figure.update_layout(title="2-D projection (PCA): original and synthetic rows",
                         xaxis_title="component 1", yaxis_title="component 2", **_LAYOUT)
    return figure


def metric_comparison(evaluation: Evaluation) -> go.Figure:
    """Grouped bars of every metric: the tactic next to no balancing, with fold-to-fold spread
    (± one standard deviation, ddof=1). A change beyond the fold-to-fold noise (see
    ``Evaluation.significant``) is marked on the tactic's bar; the others are not."""
    names = list(METRICS)
    labels = [METRICS[m][0] for m in names]

    def values(e: Evaluation) -> tuple[list[float | None], list[float | None]]:
        return ([None if math.isnan(e.metrics[m]) else e.metrics[m] for m in names],
                [None if math.isnan(e.std[m]) else e.std[m] for m in names])

    traces = []
    if evaluation.baseline is not None:
        mean, std = values(evaluation.baseline)
        traces.append(go.Bar(name="no balancing", x=labels, y=mean, marker_color=BASELINE,
                             error_y={"type": "data", "array": std}))
    mean, std = values(evaluation)
    significant = evaluation.significant
    marks = [("▲" if evaluation.changes.get(m, 0) > 0 else "▼") if significant.get(m) else "" for m in names]
    traces.append(go.Bar(name=shown(evaluation.method), x=labels, y=mean, marker_color=ORIGINAL,
                         error_y={"type": "data", "array": std}, text=marks, textposition="outside"))
    figure = go.Figure(traces)
    note = "; ▲▼ beyond the fold-to-fold noise" if evaluation.baseline is not None else ""
    # (two lines: one was cut off at the chart's width, "beyond the fold-t")
    figure.update_layout(title=f"Metrics: mean over {evaluation.splits} folds<br><sup>bars ± one standard "
                               f"deviation{note}</sup>",
                         barmode="group", yaxis_range=[min(0, *(v for v in mean if v is not None)), 1.1],
                         **_LAYOUT)
    return figure


def per_class_table(evaluation: Evaluation) -> pd.DataFrame:
    """Precision, recall, F1 and support of every class (pooled over the held-out predictions),
    with no balancing's recall next to it when the baseline ran."""
    rows = []
    base = {row["label"]: row for row in evaluation.baseline.per_class} if evaluation.baseline is not None else {}
    for row in evaluation.per_class:
        entry = {"class": row["label"], "precision": row["precision"], "recall": row["recall"], "F1": row["f1"],
                 "support": row["support"]}
        if base:
            entry["recall, no balancing"] = base[row["label"]]["recall"]
        rows.append(entry)
    return pd.DataFrame(rows)


def confusion(evaluation: Evaluation, title: str) -> go.Figure:
    """Heatmap of the confusion matrix pooled over the held-out folds (rows: true, columns:
    predicted; with repeats, the mean over the repeats)."""
    labels = [shown(v) for v in evaluation.labels]
    matrix = np.array(evaluation.confusion_matrix, dtype=float)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)

    def count(value: float) -> str:
        return f"{int(round(value)):,}" if abs(value - round(value)) < 1e-9 else f"{value:,.1f}"

    figure = go.Figure(go.Heatmap(
        z=shares, x=labels, y=labels, colorscale="Blues", zmin=0, zmax=1, showscale=False,
        text=[[f"{count(matrix[i, j])}<br>{shares[i, j]:.0%}" for j in range(len(labels))]
              for i in range(len(labels))],
        texttemplate="%{text}", hovertemplate="true %{y}, predicted %{x}<extra></extra>",
    ))
    figure.update_layout(title=title, xaxis_title="predicted", yaxis_title="true",
                         yaxis_autorange="reversed", **(_LAYOUT | {"height": 320}))
    figure.update_xaxes(type="category")
    figure.update_yaxes(type="category")
    return figure


def curves(evaluation: Evaluation, kind: str) -> go.Figure:
    """ROC (``kind="roc"``) or precision-recall (``"pr"``) curves of the pooled held-out
    predictions, with the chance level: the diagonal for ROC, the class's share of the rows (what a
    guess's precision is) for PR. Two classes: the tactic blue, no balancing grey, PR chance
    dashed. More: one colour per class (:data:`CLASS_COLOURS`), the tactic solid, no balancing
    dashed in the same colour, PR chance dotted in it."""
    figure = go.Figure()
    binary = evaluation.positive is not None
    runs: Sequence[tuple[str, Evaluation, str]] = [(shown(evaluation.method), evaluation, "solid")]
    if evaluation.baseline is not None:
        runs = [*runs, ("no balancing", evaluation.baseline, "dash")]
    rates = evaluation.positive_rates()
    points_of = {name: run.curves() for name, run, _ in runs}
    for i, label in enumerate(rates):
        colour = CLASS_COLOURS[i % len(CLASS_COLOURS)]
        for name, _, dash in runs:
            points = points_of[name].get(label)
            if points is None:
                continue
            x, y = (points["fpr"], points["tpr"]) if kind == "roc" else (points["recall"], points["precision"])
            if binary:  # two classes: blue and grey, both solid (the dashed line is chance)
                style = {"color": ORIGINAL if dash == "solid" else BASELINE}
            else:  # more: one colour per class, no balancing dashed (chance dotted)
                style = {"color": colour, "dash": dash}
            figure.add_trace(go.Scatter(x=x, y=y, mode="lines", name=name + ("" if binary else f" · {shown(label)}"),
                                        line=style, legendgroup=f"class {i}"))
        if kind == "pr":
            figure.add_trace(go.Scatter(
                x=[0, 1], y=[rates[label]] * 2, mode="lines", legendgroup=f"class {i}",
                name=f"chance ({rates[label]:.3f})" + ("" if binary else f" · {shown(label)}"),
                line={"dash": "dash", "color": "#BBBBBB", "width": 1.5} if binary else
                {"dash": "dot", "color": colour, "width": 1},
                hovertemplate=f"a guess: precision {rates[label]:.3f}<extra></extra>"))
    if kind == "roc":
        figure.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance",
                                    line={"dash": "dot", "color": "#BBBBBB"}))
        figure.update_layout(title="ROC curve<br><sup>pooled out-of-fold predictions; the diagonal: chance</sup>",
                             xaxis_title="false positive rate", yaxis_title="true positive rate", **_LAYOUT)
    else:
        figure.update_layout(title="Precision-recall curve<br><sup>pooled out-of-fold predictions; the flat line: chance (a guess's precision)</sup>",
                             xaxis_title="recall", yaxis_title="precision", yaxis_range=[0, 1.02], **_LAYOUT)
    return figure


def learning_curve(curve: LearningCurve) -> go.Figure:
    """The metric against training rows, with ± one standard deviation (ddof=1) over the folds."""
    mean = np.array(curve.mean, dtype=float)
    std = np.nan_to_num(np.array(curve.std, dtype=float))
    figure = go.Figure([
        go.Scatter(x=curve.train_rows + curve.train_rows[::-1],
                   y=list(mean + std) + list((mean - std)[::-1]), fill="toself",
                   fillcolor="rgba(76,120,168,0.15)", line={"width": 0}, hoverinfo="skip",
                   showlegend=False),
        go.Scatter(x=curve.train_rows, y=curve.mean, mode="lines+markers", name=METRICS[curve.metric][0],
                   line={"color": ORIGINAL}),
    ])
    figure.update_layout(title=f"Learning curve: {METRICS[curve.metric][0]} against training rows",
                         xaxis_title="training rows", yaxis_title=METRICS[curve.metric][0], **_LAYOUT)
    return figure


def comparison(result: Any) -> go.Figure:
    """Horizontal bars of the ranking metric with ± one standard deviation, best on top.

    The baseline is grey, tactics clearly better than it are blue, the others pale.
    """
    metric = result.metric
    entries = list(result.results)[::-1]
    names = [result.label(e) for e in entries]  # one bar each: the baselines of several models apart
    colours = [BASELINE if e.method == "none" else ORIGINAL if e.clearly_better else "#A8C3DD"
               for e in entries]
    figure = go.Figure(go.Bar(
        x=[None if math.isnan(e.metrics[metric]) else e.metrics[metric] for e in entries], y=names,
        orientation="h", marker_color=colours,
        error_x={"type": "data", "array": [0 if math.isnan(e.std[metric]) else e.std[metric] for e in entries]},
        hovertemplate="%{y}: %{x:.3f}<extra></extra>",
    ))
    figure.update_layout(title=f"{metric_label(metric)} by tactic (± one standard deviation over folds)",
                         xaxis_title=metric_label(metric),
                         **(_LAYOUT | {"height": max(360, 28 * len(entries) + 80)}))
    return figure


def cost_curve(evaluation: Evaluation) -> go.Figure:
    """Expected cost per 1,000 rows against the decision threshold (out-of-fold probabilities),
    with the threshold chosen and what doing nothing costs; empty without costs or with more
    than two classes."""
    figure = go.Figure()
    if evaluation.cost_curve and evaluation.threshold is not None and evaluation.expected_cost is not None:
        thresholds, costs = zip(*evaluation.cost_curve)
        figure.add_trace(go.Scatter(x=thresholds, y=costs, mode="lines", name="expected cost",
                                    line={"color": ORIGINAL},
                                    hovertemplate="threshold %{x:.2f}: %{y:,.1f}<extra></extra>"))
        figure.add_trace(go.Scatter(x=[evaluation.threshold], y=[evaluation.expected_cost], mode="markers",
                                    name="chosen (mean over folds)", marker={"color": SYNTHETIC, "size": 11}))
        if evaluation.expected_cost_baseline is not None:
            figure.add_hline(y=evaluation.expected_cost_baseline, line={"dash": "dot", "color": BASELINE},
                             annotation_text="doing nothing")
    figure.update_layout(title="Expected cost per 1,000 rows against the decision threshold (out-of-fold)",
                         xaxis_title=f"threshold on the probability of {shown(evaluation.positive)}",
                         yaxis_title="cost per 1,000 rows", **_LAYOUT)
    return figure


def calibration_names(evaluation: Evaluation) -> dict[str, str]:
    """The names of the calibration's probabilities by key (``baseline``, ``uncorrected``,
    ``corrected``), the same in the reliability diagram and the table beside it; with no
    correction the tactic's probabilities once ("corrected" was shown, equal to "uncorrected")."""
    tactic = evaluation.method if evaluation.method != "none" else "no resampling"
    if evaluation.class_weight is not None:
        tactic = "class weights" if evaluation.method == "none" else f"{tactic} + class weights"
    if evaluation.calibration is None or evaluation.calibration.method == "none":
        return {"baseline": "no balancing", "uncorrected": tactic}
    return {"baseline": "no balancing", "uncorrected": f"{tactic}, uncorrected",
            "corrected": f"{tactic}, corrected ({evaluation.calibration.method})"}


def reliability(evaluation: Evaluation) -> go.Figure:
    """The reliability diagram: observed rate against mean predicted probability per bin, for no
    balancing, the tactic uncorrected and corrected (a perfect calibration is the diagonal)."""
    figure = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfectly calibrated",
                                  line={"dash": "dot", "color": "#BBBBBB"}))
    names = calibration_names(evaluation)
    colours = {"baseline": BASELINE, "uncorrected": ORIGINAL if "corrected" not in names else "#A8C3DD",
               "corrected": ORIGINAL}
    styles = {key: (name, colours[key]) for key, name in names.items()}
    bins = evaluation.calibration.reliability if evaluation.calibration is not None else {}
    for key, (name, colour) in styles.items():
        points = bins.get(key)
        if points:
            figure.add_trace(go.Scatter(
                x=[b["predicted"] for b in points], y=[b["observed"] for b in points], mode="lines+markers",
                name=shown(name), line={"color": colour}, customdata=[b["rows"] for b in points],
                hovertemplate="predicted %{x:.3f}, observed %{y:.3f} (%{customdata:,} rows)<extra></extra>"))
    what = ("probability of " + shown(evaluation.positive) if evaluation.positive is not None
            else "probability of the predicted class")
    figure.update_layout(title="Reliability (out-of-fold, 10 equal-width bins)", xaxis_title=f"mean predicted {what}",
                         yaxis_title="observed rate" if evaluation.positive is not None else "observed accuracy",
                         xaxis_range=[0, 1], yaxis_range=[0, 1], **_LAYOUT)
    return figure


__all__ = [
    "before_after",
    "calibration_names",
    "shown",
    "class_distribution",
    "comparison",
    "confusion",
    "cost_curve",
    "curves",
    "learning_curve",
    "metric_comparison",
    "per_class_table",
    "projection",
    "projection_points",
    "reliability",
]
