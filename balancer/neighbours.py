"""Fast exact nearest-neighbour search, used by every neighbour-based method.

The search is exact (the same neighbours as scikit-learn's brute force, ties broken by the lower
row index) but screens candidates cheaply first:

1. scores ``q.f - |f|^2/2`` (the nearest row scores highest) of a block of queries against a tile
   of rows come from one float32 matrix product (BLAS), blocks spread over two threads;
2. each tile's rows are dealt into groups of 32 (row g, g + G, g + 2G, ...); the true nearest
   neighbours can only lie in the groups with the best scores, so only those few groups are kept
   as candidates;
3. the candidates are re-ranked with exact float64 distances, and a row is accepted only when no
   row left out could be closer given float32's error bound; the rare rows that fail the check are
   searched again exhaustively in float64.

:class:`FastNeighbours` is a drop-in ``NearestNeighbors`` that imbalanced-learn accepts wherever it
takes a neighbours object, so imbalanced-learn's own logic and random draws are kept.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from sklearn.neighbors import KDTree, KNeighborsClassifier, NearestNeighbors
from threadpoolctl import threadpool_limits

from . import config

GROUP = 32
_BLOCK = 32            # fewest queries per block
_BLOCK_CELLS = 1 << 22  # query x row scores per block (16 MB of float32): they stay in the cache
_TILE = 1 << 17        # rows of the fitted set per tile (131,072)
_MARGIN = 4            # extra candidates beyond k, absorbed by the float32 screening
_TREE_MAX_FEATURES = 15
_SMALL_WORK = 2e7      # query x fitted pairs below which scikit-learn's own search is as fast
_SMALL_FIT = 6_000     # fitted rows below which scikit-learn's brute force is as fast (measured here)


def workers() -> int:
    """Threads used by the search (``BALANCER_THREADS``, default: the machine's cores, at most 8)."""
    return config.whole("BALANCER_THREADS")


class Index:
    """Rows prepared for repeated exact k-NN queries (squared euclidean distance)."""

    def __init__(self, data: np.ndarray):
        data = np.ascontiguousarray(data, dtype=np.float64)
        if data.ndim != 2:
            raise ValueError("expected a 2-D array")
        if not np.isfinite(data).all():
            raise ValueError("Input contains NaN or infinity")
        self.data = data
        self.n, self.d = data.shape
        # scikit-learn itself searches a KD-tree up to 15 features, where trees beat brute force
        self.tree = KDTree(data) if self.d <= _TREE_MAX_FEATURES and self.n > 0 else None
        self.norms64 = np.einsum("ij,ij->i", data, data)
        self.max_norm = float(self.norms64.max()) if self.n else 0.0
        self.tiles: list[tuple[int, int, np.ndarray]] = []
        for start in range(0, self.n, _TILE):
            stop = min(self.n, start + _TILE)
            width = stop - start
            padded = -(-width // GROUP) * GROUP
            # score = q.f - |f|^2 / 2: the nearest row has the largest score, and one matrix
            # product gives it when the query carries a trailing 1
            augmented = np.zeros((self.d + 1, padded), dtype=np.float32)
            augmented[: self.d, :width] = data[start:stop].T
            augmented[self.d, :width] = -0.5 * self.norms64[start:stop]
            augmented[self.d, width:] = -np.inf
            self.tiles.append((start, stop, augmented))

    def query(
        self, queries: np.ndarray, k: int, exclude: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return squared distances and indices of the ``k`` nearest rows of each query, nearest first.

        ``exclude[i]`` (when given) is a row that query ``i`` may not return (itself).
        """
        queries = np.ascontiguousarray(queries, dtype=np.float64)
        q = len(queries)
        k_eff = min(k, self.n - (1 if exclude is not None else 0))
        if k_eff < k or q == 0:
            if k_eff < k:
                raise ValueError(f"Expected n_neighbors <= n_samples_fit, but n_neighbors = {k}, "
                                 f"n_samples_fit = {self.n}, n_samples = {q}")
            return np.zeros((0, k)), np.zeros((0, k), dtype=np.int64)
        if self.tree is not None:
            return self._tree_query(queries, k, exclude)
        out_d = np.empty((q, k), dtype=np.float64)
        out_i = np.empty((q, k), dtype=np.int64)

        def run(start: int) -> None:
            stop = min(q, start + block)
            ex = None if exclude is None else exclude[start:stop]
            d, i = self._block(queries[start:stop], k, ex)
            out_d[start:stop] = d
            out_i[start:stop] = i

        block = int(min(1024, max(_BLOCK, _BLOCK_CELLS // max(1, min(self.n, _TILE)))))
        starts = range(0, q, block)
        threads = workers()
        with threadpool_limits(1, user_api="blas"):
            if threads == 1 or q <= block:
                for start in starts:
                    run(start)
            else:
                with ThreadPoolExecutor(max_workers=threads) as pool:
                    list(pool.map(run, starts))
        return out_d, out_i

    # -- one block of queries
    def _block(self, qb: np.ndarray, k: int, exclude: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest rows of a block of queries: screened in float32, re-ranked exactly, confirmed."""
        q32 = np.empty((len(qb), self.d + 1), dtype=np.float32)
        q32[:, : self.d] = qb
        q32[:, self.d] = 1.0
        index, values, bound = self._candidates(q32, min(k + _MARGIN, self.n), exclude)
        best_d, best_i = self._rerank(qb, index, values, k)
        self._confirm(qb, k, exclude, best_d, best_i, bound)
        return np.maximum(best_d, 0.0), best_i

    def _candidates(
        self, q32: np.ndarray, m: int, exclude: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The candidate rows of every tile, their float32 scores, and a bound on every row left out."""
        cand_i: list[np.ndarray] = []
        cand_v: list[np.ndarray] = []
        bound = np.full(len(q32), -np.inf, dtype=np.float64)  # every row left out scores at most this
        for start, stop, augmented in self.tiles:
            columns, values, tile_bound = _screen_tile(q32, augmented, start, stop, m, exclude)
            bound = np.maximum(bound, tile_bound)
            cand_i.append(columns + start)
            cand_v.append(values)
        return np.concatenate(cand_i, axis=1), np.concatenate(cand_v, axis=1), bound

    def _rerank(
        self, qb: np.ndarray, index: np.ndarray, values: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best candidates by exact float64 distance, ties broken by the lower index."""
        valid = np.isfinite(values) & (index < self.n)
        index = np.minimum(index, self.n - 1)  # padding columns (-inf) point at a real row
        diff = self.data[index] - qb[:, None, :]
        exact = np.einsum("bmd,bmd->bm", diff, diff)
        exact[~valid] = np.inf
        order = np.lexsort((index, exact), axis=1)[:, :k]
        return np.take_along_axis(exact, order, axis=1), np.take_along_axis(index, order, axis=1)

    def _confirm(self, qb: np.ndarray, k: int, exclude: np.ndarray | None, best_d: np.ndarray,
                 best_i: np.ndarray, bound: np.ndarray) -> None:
        """Search again exhaustively (in place) the queries whose left-out rows might be as close.

        In score units a row at squared distance D scores (|q|^2 - D) / 2; float32 error is bounded
        by a few ulps of the largest terms, so 1e-5 of them is allowed.
        """
        qnorm = np.einsum("ij,ij->i", qb, qb)
        tolerance = 1e-5 * (qnorm + self.max_norm) + 1e-30
        kth_score = (qnorm - best_d[:, -1]) / 2
        unsure = ~(kth_score - tolerance > bound)
        for r in np.flatnonzero(unsure):
            ex = None if exclude is None or exclude[r] < 0 else int(exclude[r])
            best_d[r], best_i[r] = self._exhaustive(qb[r], k, ex)

    def _tree_query(self, queries: np.ndarray, k: int, exclude: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        extra = 0 if exclude is None else 1
        assert self.tree is not None
        dist, index = self.tree.query(queries, k=min(self.n, k + extra), sort_results=True)
        if exclude is not None:
            # drop the excluded row where it was returned, otherwise the farthest
            hit = index == exclude[:, None]
            drop = np.where(hit.any(axis=1), hit.argmax(axis=1), index.shape[1] - 1)
            keep = np.ones(index.shape, dtype=bool)
            keep[np.arange(len(index)), drop] = False
            dist = dist[keep].reshape(len(index), -1)[:, :k]
            index = index[keep].reshape(len(index), -1)[:, :k]
        return dist**2, index.astype(np.int64)

    def _exhaustive(self, query: np.ndarray, k: int, exclude: int | None) -> tuple[np.ndarray, np.ndarray]:
        diff = self.data - query
        exact = np.einsum("ij,ij->i", diff, diff)
        if exclude is not None:
            exact[exclude] = np.inf
        order = np.lexsort((np.arange(self.n), exact))[:k]
        return exact[order], order


def _screen_tile(
    q32: np.ndarray, augmented: np.ndarray, start: int, stop: int, m: int, exclude: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One tile's candidates (columns within the tile), their scores, and the best score left out.

    Scores ``q.f - |f|^2/2`` come from one float32 matrix product; the rows are dealt into groups of
    32 (row g, g + G, g + 2G, ...), only the ``m`` groups with the best maxima are kept, and of their
    rows only the ``m`` best.
    """
    b = len(q32)
    rows = np.arange(b)[:, None]
    bound = np.full(b, -np.inf, dtype=np.float64)
    score = q32 @ augmented                       # (b, padded)
    if exclude is not None:
        local = exclude - start
        inside = (local >= 0) & (local < stop - start)
        score[np.flatnonzero(inside), local[inside]] = -np.inf
    groups = score.shape[1] // GROUP
    # group g holds columns g, g + groups, g + 2 groups, ...: its maximum is an element-wise
    # reduction over contiguous rows, which vectorises well
    maxima = _group_maxima(score, b, groups)
    take = min(m, groups)
    if take < groups:
        part = np.argpartition(-maxima, take, axis=1)
        chosen = part[:, :take]
        bound = np.maximum(bound, maxima[rows, part[:, take:take + 1]][:, 0])
    else:
        chosen = np.broadcast_to(np.arange(groups), (b, groups))
    columns = (chosen[:, :, None] + groups * np.arange(GROUP)).reshape(b, -1)
    values = np.take_along_axis(score, columns, axis=1)
    keep = min(m, values.shape[1])
    if keep < values.shape[1]:
        part = np.argpartition(-values, keep, axis=1)
        bound = np.maximum(bound, values[rows, part[:, keep:keep + 1]][:, 0])
        part = part[:, :keep]
        columns = np.take_along_axis(columns, part, axis=1)
        values = np.take_along_axis(values, part, axis=1)
    return columns, values, bound


def _group_maxima(score: np.ndarray, b: int, groups: int) -> np.ndarray:
    """Maximum of each group (columns g, g + groups, ...): numpy's reduction over the middle axis is
    fast for long rows, a running maximum over the 32 slices is 4x faster for short ones."""
    if groups >= 1024:
        return score.reshape(b, GROUP, groups).max(axis=1)
    maxima = score[:, :groups].copy()
    for g in range(1, GROUP):
        np.maximum(maxima, score[:, g * groups:(g + 1) * groups], out=maxima)
    return maxima


def _dense(X: Any) -> np.ndarray:
    """A float64 array from an array-like or a scipy sparse matrix (SMOTENC passes one)."""
    if hasattr(X, "toarray"):
        X = X.toarray()
    return np.asarray(X, dtype=np.float64)


class FastNeighbours(NearestNeighbors):  # type: ignore[misc]
    """A ``NearestNeighbors`` (euclidean, exact) backed by :class:`Index`.

    Pass it to imbalanced-learn wherever it accepts a neighbours object (``k_neighbors``,
    ``n_neighbors``, ``m_neighbors``): it is cloned, fitted and queried like scikit-learn's.
    """

    def __init__(self, n_neighbors: int = 5, *, n_jobs: int | None = None):
        super().__init__(n_neighbors=n_neighbors, n_jobs=n_jobs)

    def fit(self, X: Any, y: Any = None) -> FastNeighbours:
        dense = _dense(X)
        super().fit(dense)
        self._dense_fit = dense
        self._lazy_index: Index | None = None
        return self

    @property
    def _index(self) -> Index:
        if self._lazy_index is None:  # built on the first large search only
            self._lazy_index = Index(self._dense_fit)
        return self._lazy_index

    def kneighbors(self, X: Any = None, n_neighbors: int | None = None, return_distance: bool = True) -> Any:
        k = int(n_neighbors or self.n_neighbors)
        fitted = self._dense_fit.shape[0]
        queries = fitted if X is None else X.shape[0]
        if queries * fitted < _SMALL_WORK or fitted < _SMALL_FIT:
            return super().kneighbors(None if X is None else _dense(X), k, return_distance)
        if X is None:  # scikit-learn's convention: the fitted rows, each without itself
            squared, index = self._index.query(self._index.data, k, exclude=np.arange(self._index.n))
        else:
            squared, index = self._index.query(_dense(X), k)
        return (np.sqrt(squared), index) if return_distance else index


class FastKNeighboursClassifier(KNeighborsClassifier):  # type: ignore[misc]
    """A ``KNeighborsClassifier`` (uniform weights, euclidean) whose search is :class:`Index`.

    Votes are counted here (ties go to the first class, as in scikit-learn), so that prediction
    goes through the fast search rather than scikit-learn's own reduction.
    """

    def __init__(self, n_neighbors: int = 5, *, n_jobs: int | None = None):
        super().__init__(n_neighbors=n_neighbors, n_jobs=n_jobs)

    def fit(self, X: Any, y: Any) -> FastKNeighboursClassifier:
        super().fit(X, y)
        self._index = Index(_dense(X))
        self._y_labels = np.asarray(y)
        return self

    def kneighbors(self, X: Any = None, n_neighbors: int | None = None, return_distance: bool = True) -> Any:
        k = int(n_neighbors or self.n_neighbors)
        if X is None:
            squared, index = self._index.query(self._index.data, k, exclude=np.arange(self._index.n))
        else:
            squared, index = self._index.query(_dense(X), k)
        return (np.sqrt(squared), index) if return_distance else index

    def predict_proba(self, X: Any) -> np.ndarray:
        index = self.kneighbors(X, return_distance=False)
        codes = np.searchsorted(self.classes_, self._y_labels[index])
        counts = np.zeros((len(index), len(self.classes_)))
        for column in range(codes.shape[1]):
            np.add.at(counts, (np.arange(len(index)), codes[:, column]), 1)
        return counts / codes.shape[1]

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


__all__ = ["FastKNeighboursClassifier", "FastNeighbours", "Index", "workers"]
