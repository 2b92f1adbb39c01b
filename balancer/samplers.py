"""Faster drop-ins for imbalanced-learn's neighbour-based samplers, with the same results.

Two levers:

* where imbalanced-learn takes a neighbours object, it gets :class:`~balancer.neighbours.FastNeighbours`
  or :class:`~balancer.neighbours.FastKNeighboursClassifier` (exact), so its own logic and random
  draws are kept (:func:`neighbours_swapped`, :func:`one_sided_selection`, :func:`cleaning_rule`;
  one-sided selection also gets the fast Tomek step below, through :mod:`balancer.adapters`);
* where it has no such hook, a subclass overrides ``_fit_resample`` and asks only the questions the
  method needs. A Tomek link joins mutual nearest neighbours of different classes, so only rows
  outside the largest class are queried, plus one check back. Edited nearest neighbours keeps a
  row whose k nearest neighbours share its class; that is certain when k rows of its class lie
  closer than the nearest row of any other class, which a cheap search against the (small) other
  classes and a sample of its own class proves for most rows; only the rest get a full search.
  SMOTE writes its new rows straight into the output.

The builders at the end are the ``fast`` field of the registry's entries
(:mod:`balancer.strategies`), which chooses between them and imbalanced-learn's own classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from imblearn import over_sampling, under_sampling
from scipy import sparse
from scipy.stats import mode

from . import adapters, config
from .neighbours import FastKNeighboursClassifier, FastNeighbours, Index

if TYPE_CHECKING:  # pragma: no cover
    from .strategies import BuildContext, Builder


def engine() -> str:
    """``fast`` (default) or ``imblearn`` (plain imbalanced-learn), from ``BALANCER_ENGINE``."""
    return config.text("BALANCER_ENGINE")


def tomek_links(X: np.ndarray, y: np.ndarray, classes: Any, index: Index | None = None) -> np.ndarray:
    """Boolean mask of the rows of ``classes`` that are in a Tomek link (as imbalanced-learn defines it).

    Only rows outside the largest class are queried for their nearest neighbour; a link with a
    row of the largest class is then confirmed by querying that row alone.
    """
    n = len(y)
    index = index or Index(X)
    labels, counts = np.unique(y, return_counts=True)
    largest = labels[int(np.argmax(counts))]
    nearest = np.full(n, -1, dtype=np.int64)
    asked = np.flatnonzero(y != largest)
    if asked.size:
        nearest[asked] = index.query(X[asked], 1, exclude=asked)[1][:, 0]
    crossing = asked[y[nearest[asked]] != y[asked]]
    partners = np.unique(nearest[crossing])
    missing = partners[nearest[partners] < 0]
    if missing.size:
        nearest[missing] = index.query(X[missing], 1, exclude=missing)[1][:, 0]
    known = np.flatnonzero(nearest >= 0)
    link = np.zeros(n, dtype=bool)
    other = nearest[known]
    link[known] = (y[other] != y[known]) & (nearest[other] == known)
    return link & np.isin(y, np.asarray(list(classes), dtype=y.dtype))


class FastTomekLinks(under_sampling.TomekLinks):
    """``TomekLinks`` that queries only the rows outside the largest class (same rows kept)."""

    def _fit_resample(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X = np.asarray(X, dtype=np.float64)
        links = tomek_links(X, y, self.sampling_strategy_.keys())
        self.sample_indices_ = np.flatnonzero(~links)
        return X[self.sample_indices_], y[self.sample_indices_]


def _proved_safe(X: np.ndarray, y: np.ndarray, rows: np.ndarray, others: np.ndarray, k: int) -> np.ndarray:
    """For the rows of one class: True where k rows of the class are surely its k nearest neighbours.

    The distance to the nearest row of another class is compared with the k-th nearest row of the
    same class within growing samples of the class: if k rows of the class are strictly closer,
    the k nearest all share the class.
    """
    safe = np.zeros(rows.size, dtype=bool)
    nearest_other = Index(X[others]).query(X[rows], 1)[0][:, 0]
    order = np.random.default_rng(0).permutation(rows)
    for size in (2_000, 20_000):
        if safe.all() or size >= rows.size // 2:
            break
        sample = np.sort(order[:size])
        position = np.full(len(y), -1)
        position[sample] = np.arange(sample.size)
        asked = np.flatnonzero(~safe)
        own = position[rows[asked]]
        within, _ = Index(X[sample]).query(X[rows[asked]], k, exclude=own)
        safe[asked[within[:, -1] < nearest_other[asked]]] = True
    return safe


def _edited(X: np.ndarray, y: np.ndarray, target: Any, k: int, kind_sel: str, index: Index) -> np.ndarray:
    """For the rows of class ``target``: True where edited nearest neighbours keeps them."""
    rows = np.flatnonzero(y == target)
    others = np.flatnonzero(y != target)
    keep = np.zeros(rows.size, dtype=bool)
    if others.size and others.size <= rows.size and rows.size > 4 * (k + 1):
        keep = _proved_safe(X, y, rows, others, k)
    unsure = ~keep
    if unsure.any():
        asked = rows[unsure]
        labels = y[index.query(X[asked], k, exclude=asked)[1]]
        if kind_sel == "mode":
            voted, _ = mode(labels, axis=1, keepdims=False)
            keep[unsure] = np.ravel(voted) == target
        else:
            keep[unsure] = np.all(labels == target, axis=1)
    return keep


class FastEditedNearestNeighbours(under_sampling.EditedNearestNeighbours):
    """``EditedNearestNeighbours`` that proves most rows safe cheaply (same rows kept)."""

    def _fit_resample(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = int(adapters.fitted_neighbours(self, "nn_").n_neighbors) - 1
        X = np.asarray(X, dtype=np.float64)
        index = Index(X)
        kept = []
        for target in np.unique(y):
            members = np.flatnonzero(y == target)
            if target in self.sampling_strategy_:
                members = members[_edited(X, y, target, k, self.kind_sel, index)]
            kept.append(members)
        self.sample_indices_ = np.concatenate(kept).astype(int)
        return X[self.sample_indices_], y[self.sample_indices_]


class FastOneSidedSelection(under_sampling.OneSidedSelection):
    """``OneSidedSelection``: imbalanced-learn's own steps and random draws, with the fast Tomek step
    (give it the fast 1-NN rule as ``n_neighbors``, a :class:`FastKNeighboursClassifier`)."""

    def _fit_resample(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return adapters.one_sided_selection(self, np.asarray(X, dtype=np.float64), y, FastTomekLinks)


_BLOCK = 32_768


def _interpolate(X_class: np.ndarray, nns: np.ndarray, rows: np.ndarray, cols: np.ndarray, steps: np.ndarray,
                 into: np.ndarray) -> None:
    """Write SMOTE's new rows ``X[rows] + steps * (nn - X[rows])`` into ``into``, in blocks.

    The arithmetic and its order are imbalanced-learn's, so every bit is identical.
    """
    for start in range(0, len(rows), _BLOCK):
        stop = min(start + _BLOCK, len(rows))
        block_rows = rows[start:stop]
        base = X_class[block_rows]
        diffs = X_class[nns[block_rows, cols[start:stop]]]
        np.subtract(diffs, base, out=diffs)
        np.multiply(steps[start:stop], diffs, out=diffs)
        np.add(base, diffs, out=into[start:stop])


class FastSMOTE(over_sampling.SMOTE):
    """SMOTE with the same draws and the same rows, made with less memory traffic.

    imbalanced-learn copies X, makes each class's new rows with five full-size temporaries and
    stacks everything at the end. Here the output is allocated once, X written at the top, and the
    new rows computed straight into their place in blocks from SMOTE's own draws.
    """

    def _fit_resample(self, X: Any, y: np.ndarray) -> tuple[Any, np.ndarray]:
        if sparse.issparse(X) or not isinstance(X, np.ndarray):
            return super()._fit_resample(X, y)
        nn = adapters.fitted_neighbours(self, "nn_k_")
        n, total = len(X), len(X) + sum(int(v) for v in self.sampling_strategy_.values())
        X_out = np.empty((total, X.shape[1]), dtype=X.dtype)
        X_out[:n] = X
        y_out = np.empty(total, dtype=y.dtype)
        y_out[:n] = y
        position = n
        for class_sample, n_samples in self.sampling_strategy_.items():
            if n_samples == 0:
                continue
            X_class = X[np.flatnonzero(y == class_sample)]
            nn.fit(X_class)
            nns = nn.kneighbors(X_class, return_distance=False)[:, 1:]
            rows, cols, steps = adapters.smote_draws(self, nns, n_samples, class_sample, y.dtype)
            _interpolate(X_class, nns, rows, cols, steps, X_out[position:position + n_samples])
            y_out[position:position + n_samples] = class_sample
            position += n_samples
        return X_out, y_out


# --------------------------------------------------------------------------------------------
# the fast builders of the registry's entries: (validated parameters, build context) -> sampler


def neighbours_swapped(**extra: int) -> Builder:
    """imbalanced-learn's own class, each named neighbour count ``k`` given as
    ``FastNeighbours(k + extra)`` (imbalanced-learn adds the row itself to its own counts)."""

    def build(params: dict[str, Any], ctx: BuildContext) -> Any:
        swapped = {name: FastNeighbours(params[name] + add) for name, add in extra.items()}
        return ctx.construct({**params, **swapped})

    return build


def smote(params: dict[str, Any], ctx: BuildContext) -> Any:
    """:class:`FastSMOTE` with the fast neighbour search."""
    return ctx.construct({**params, "k_neighbors": FastNeighbours(params["k_neighbors"] + 1)}, FastSMOTE)


def tomek(params: dict[str, Any], ctx: BuildContext) -> Any:
    """:class:`FastTomekLinks`."""
    return ctx.construct(params, FastTomekLinks)


def edited(params: dict[str, Any], ctx: BuildContext) -> Any:
    """:class:`FastEditedNearestNeighbours`."""
    return ctx.construct(params, FastEditedNearestNeighbours)


def cleaning_rule(params: dict[str, Any], ctx: BuildContext) -> Any:
    """``NeighbourhoodCleaningRule`` with the fast classifier and the fast edited nearest neighbours."""
    k = params["n_neighbors"]
    return ctx.construct({
        **params,
        "n_neighbors": FastKNeighboursClassifier(n_neighbors=k),
        "edited_nearest_neighbours": ctx.part("EditedNearestNeighbours", {"n_neighbors": k, "kind_sel": "mode"}),
    })


def one_sided_selection(params: dict[str, Any], ctx: BuildContext) -> Any:
    """:class:`FastOneSidedSelection` with the fast 1-NN (or k-NN) rule."""
    k = params["n_neighbors"]
    return ctx.construct({**params, "n_neighbors": FastKNeighboursClassifier(n_neighbors=1 if k is None else k)},
                         FastOneSidedSelection)


__all__ = [
    "FastEditedNearestNeighbours",
    "FastOneSidedSelection",
    "FastSMOTE",
    "FastTomekLinks",
    "cleaning_rule",
    "edited",
    "engine",
    "neighbours_swapped",
    "one_sided_selection",
    "smote",
    "tomek",
    "tomek_links",
]
