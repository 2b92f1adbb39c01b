"""Faster drop-ins for imbalanced-learn's neighbour-based samplers, with the same results.

Two levers:

* where imbalanced-learn takes a neighbours object, it gets :class:`~balancer.neighbours.FastNeighbors`
  (exact), so its own logic and random draws are kept;
* where it has no such hook, a subclass overrides ``_fit_resample`` and asks only the questions the
  method needs. A Tomek link joins mutual nearest neighbours of different classes, so only rows
  outside the largest class are queried, plus one check back. Edited nearest neighbours keeps a
  row whose k nearest neighbours share its class; that is certain when k rows of its class lie
  closer than the nearest row of any other class, which a cheap search against the (small) other
  classes and a sample of its own class proves for most rows; only the rest get a full search.

``build(method, params, sampling_strategy, seed, categorical_indices)`` returns the fast sampler
for a method (or imbalanced-learn's own where it is already as fast).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
from imblearn import combine, over_sampling, under_sampling
from scipy import sparse
from scipy.stats import mode
from sklearn.utils import check_random_state

from .neighbours import FastKNeighborsClassifier, FastNeighbors, Index


def engine() -> str:
    """``fast`` (default) or ``imblearn`` (plain imbalanced-learn), from ``BALANCER_ENGINE``."""
    return "imblearn" if os.environ.get("BALANCER_ENGINE", "fast").lower() == "imblearn" else "fast"


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


def _edited(X: np.ndarray, y: np.ndarray, target: Any, k: int, kind_sel: str, index: Index) -> np.ndarray:
    """For the rows of class ``target``: True where edited nearest neighbours keeps them."""
    rows = np.flatnonzero(y == target)
    others = np.flatnonzero(y != target)
    keep = np.zeros(rows.size, dtype=bool)
    unsure = np.ones(rows.size, dtype=bool)
    if others.size and others.size <= rows.size and rows.size > 4 * (k + 1):
        # distance to the nearest row of another class...
        nearest_other = Index(X[others]).query(X[rows], 1)[0][:, 0]
        # ...against the k-th nearest row of the same class within growing samples of the
        # class: if k rows of the class are strictly closer, the k nearest all share the class
        rng = np.random.default_rng(0)
        order = rng.permutation(rows)
        for size in (2_000, 20_000):
            if not unsure.any() or size >= rows.size // 2:
                break
            sample = np.sort(order[:size])
            position = np.full(len(y), -1)
            position[sample] = np.arange(sample.size)
            asked = np.flatnonzero(unsure)
            own = position[rows[asked]]
            within, _ = Index(X[sample]).query(X[rows[asked]], k, exclude=own)
            certain = within[:, -1] < nearest_other[asked]
            keep[asked[certain]] = True
            unsure[asked[certain]] = False
    if unsure.any():
        asked = rows[unsure]
        neighbours = index.query(X[asked], k, exclude=asked)[1]
        labels = y[neighbours]
        if kind_sel == "mode":
            voted, _ = mode(labels, axis=1, keepdims=False)
            keep[unsure] = np.ravel(voted) == target
        else:
            keep[unsure] = np.all(labels == target, axis=1)
    return keep


class FastEditedNearestNeighbours(under_sampling.EditedNearestNeighbours):
    """``EditedNearestNeighbours`` that proves most rows safe cheaply (same rows kept)."""

    def _fit_resample(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self._validate_estimator()
        k = int(self.nn_.n_neighbors) - 1
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
    """``OneSidedSelection`` with the fast 1-NN rule and the fast Tomek step.

    The steps and random draws follow imbalanced-learn 0.14 (BSD-3-Clause) exactly.
    """

    def _validate_estimator(self) -> Any:
        given: Any = self.n_neighbors
        k = 1 if given is None else int(getattr(given, "n_neighbors", given))
        return FastKNeighborsClassifier(n_neighbors=k)

    def _fit_resample(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        estimator = self._validate_estimator()
        X = np.asarray(X, dtype=np.float64)
        random_state = check_random_state(self.random_state)
        target_stats = Counter(y)
        class_minority = min(target_stats, key=lambda c: target_stats[c])
        idx_under = np.empty((0,), dtype=int)
        self.estimators_ = []
        for target_class in np.unique(y):
            if target_class in self.sampling_strategy_:
                idx_maj = np.flatnonzero(y == target_class)
                sel_idx_maj = random_state.randint(low=0, high=target_stats[target_class], size=self.n_seeds_S)
                idx_maj_sample = idx_maj[sel_idx_maj]
                c_indices = np.append(np.flatnonzero(y == class_minority), idx_maj_sample)
                idx_maj_extracted = np.delete(idx_maj, sel_idx_maj, axis=0)
                fitted = FastKNeighborsClassifier(n_neighbors=estimator.n_neighbors).fit(X[c_indices], y[c_indices])
                self.estimators_.append(fitted)
                predicted = fitted.predict(X[idx_maj_extracted])
                misclassified = idx_maj_extracted[np.flatnonzero(predicted != y[idx_maj_extracted])]
                idx_under = np.concatenate((idx_under, idx_maj_sample, misclassified), axis=0)
            else:
                idx_under = np.concatenate((idx_under, np.flatnonzero(y == target_class)), axis=0)
        classes = list(self.sampling_strategy_.keys())
        links = tomek_links(X[idx_under], y[idx_under], classes)
        self.sample_indices_ = idx_under[np.flatnonzero(~links)]
        return X[self.sample_indices_], y[self.sample_indices_]


class FastSMOTE(over_sampling.SMOTE):
    """SMOTE with the same draws and the same rows, made with less memory traffic.

    imbalanced-learn copies X, makes each class's new rows with five full-size temporaries and
    stacks everything at the end. Here the output is allocated once, X written at the top, and the
    new rows computed straight into their place in blocks, with the same arithmetic in the same
    order (``X[rows] + steps * (nn - X[rows])``), so every bit is identical.
    """

    _BLOCK = 32_768

    def _fit_resample(self, X: Any, y: np.ndarray) -> tuple[Any, np.ndarray]:
        if sparse.issparse(X) or not isinstance(X, np.ndarray):
            return super()._fit_resample(X, y)
        self._validate_estimator()
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
            self.nn_k_.fit(X_class)
            nns = self.nn_k_.kneighbors(X_class, return_distance=False)[:, 1:]
            self._into = X_out[position:position + n_samples]
            try:
                _, y_new = self._make_samples(X_class, y.dtype, class_sample, X_class, nns, n_samples, 1.0)
            finally:
                del self._into
            y_out[position:position + n_samples] = y_new
            position += n_samples
        return X_out, y_out

    def _generate_samples(self, X: Any, nn_data: Any, nn_num: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                          steps: np.ndarray, y_type: Any = None, y: Any = None) -> Any:
        into = getattr(self, "_into", None)
        if into is None or y is not None or sparse.issparse(X):
            return super()._generate_samples(X, nn_data, nn_num, rows, cols, steps, y_type, y)
        for start in range(0, len(rows), self._BLOCK):
            stop = min(start + self._BLOCK, len(rows))
            block_rows = rows[start:stop]
            base = X[block_rows]
            diffs = nn_data[nn_num[block_rows, cols[start:stop]]]
            np.subtract(diffs, base, out=diffs)
            np.multiply(steps[start:stop], diffs, out=diffs)
            np.add(base, diffs, out=into[start:stop])
        return into


def _fast_smote(k: int, ss: Any, seed: int) -> Any:
    return FastSMOTE(sampling_strategy=ss, random_state=seed, k_neighbors=FastNeighbors(k + 1))


def build(method: str, params: Mapping[str, Any], ss: Any, seed: int,
          categorical_indices: list[int] | None = None) -> Any | None:
    """The fast sampler for ``method`` with validated ``params``, or None to use imbalanced-learn's."""
    if engine() != "fast":
        return None
    p = dict(params)
    if method == "SMOTE":
        return _fast_smote(p["k_neighbors"], ss, seed)
    if method == "SMOTENC":
        return over_sampling.SMOTENC(categorical_features=categorical_indices or [], sampling_strategy=ss,
                                     random_state=seed, k_neighbors=FastNeighbors(p["k_neighbors"] + 1))
    if method == "ADASYN":
        return over_sampling.ADASYN(sampling_strategy=ss, random_state=seed,
                                    n_neighbors=FastNeighbors(p["n_neighbors"] + 1))
    if method == "BorderlineSMOTE":
        return over_sampling.BorderlineSMOTE(
            sampling_strategy=ss, random_state=seed, kind=p["kind"],
            k_neighbors=FastNeighbors(p["k_neighbors"] + 1), m_neighbors=FastNeighbors(p["m_neighbors"] + 1))
    if method == "SVMSMOTE":  # most of its time is its SVM (the same here); the searches get faster
        return over_sampling.SVMSMOTE(
            sampling_strategy=ss, random_state=seed, k_neighbors=FastNeighbors(p["k_neighbors"] + 1),
            m_neighbors=FastNeighbors(p["m_neighbors"] + 1), out_step=p["out_step"])
    if method == "TomekLinks":
        return FastTomekLinks(sampling_strategy=ss)
    if method == "EditedNearestNeighbours":
        return FastEditedNearestNeighbours(sampling_strategy=ss, n_neighbors=p["n_neighbors"],
                                           kind_sel=p["kind_sel"])
    if method == "RepeatedEditedNearestNeighbours":
        return under_sampling.RepeatedEditedNearestNeighbours(
            sampling_strategy=ss, n_neighbors=FastNeighbors(p["n_neighbors"] + 1), max_iter=p["max_iter"],
            kind_sel=p["kind_sel"])
    if method == "NearMiss":
        return under_sampling.NearMiss(
            sampling_strategy=ss, version=p["version"], n_neighbors=FastNeighbors(p["n_neighbors"]),
            n_neighbors_ver3=FastNeighbors(p["n_neighbors_ver3"]))
    if method == "NeighbourhoodCleaningRule":
        k = p["n_neighbors"]
        return under_sampling.NeighbourhoodCleaningRule(
            sampling_strategy=ss, threshold_cleaning=p["threshold_cleaning"],
            n_neighbors=FastKNeighborsClassifier(n_neighbors=k),
            edited_nearest_neighbours=FastEditedNearestNeighbours(sampling_strategy=ss, n_neighbors=k,
                                                                  kind_sel="mode"))
    if method == "OneSidedSelection":
        return FastOneSidedSelection(sampling_strategy=ss, random_state=seed, n_neighbors=p["n_neighbors"],
                                     n_seeds_S=p["n_seeds_S"])
    if method == "SMOTEENN":
        return combine.SMOTEENN(
            sampling_strategy=ss, random_state=seed, smote=_fast_smote(p["k_neighbors"], ss, seed),
            enn=FastEditedNearestNeighbours(sampling_strategy="all", n_neighbors=p["n_neighbors"],
                                            kind_sel=p["kind_sel"]))
    if method == "SMOTETomek":
        return combine.SMOTETomek(sampling_strategy=ss, random_state=seed,
                                  smote=_fast_smote(p["k_neighbors"], ss, seed),
                                  tomek=FastTomekLinks(sampling_strategy="all"))
    return None


__all__ = [
    "FastEditedNearestNeighbours",
    "FastOneSidedSelection",
    "FastSMOTE",
    "FastTomekLinks",
    "build",
    "engine",
    "tomek_links",
]
