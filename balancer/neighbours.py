"""Nearest neighbours that are scikit-learn's own, found faster where that can be proved.

A neighbour-based sampler gives imbalanced-learn's result only if every search returns what
scikit-learn's estimator returns: the same rows in the same order, ties and duplicate rows
included. How scikit-learn orders equal (or nearly equal) distances depends on how it searches:

* with a tree (``algorithm="auto"`` picks a KD-tree up to 15 features) each query is answered on
  its own, so Balancer asks scikit-learn itself, for only the queries a method needs;
* with brute force (more than 15 features, a neighbourhood of half the rows, ``algorithm="brute"``)
  it computes ``|x|^2 + |y|^2 - 2 x.y`` by chunks of queries, with rounding errors, and its heaps
  order what comes out equal. Here Balancer searches itself:

  1. :class:`Index` finds each query's nearest candidates exactly: scores ``q.f - |f|^2/2`` of a
     block of queries against a tile of rows from one float32 matrix product, the rows dealt into
     groups of 32 of which only the best few can hold the nearest, the candidates re-ranked with
     float64 distances, and a query whose left-out rows might be as close searched again in full;
  2. a query is *settled* when consecutive candidates lie further apart than both engines' error
     bounds together (:func:`tolerance`), so that scikit-learn's order is the exact order. Ties,
     duplicate rows and a second row at distance 0 are never settled. Where only the labels of the
     neighbours count (edited nearest neighbours, a k-NN vote) a query is settled when the rows that
     could swap places all share a label (:func:`settled_labels`);
  3. the unsettled queries are answered by scikit-learn (:func:`balancer.adapters.sklearn_kneighbors`):
     the same estimator, the same chunks of queries and the same parallel strategy as the whole
     call, hence the same bits;
  4. a cost model (:func:`_plan`) runs scikit-learn's own search where the fast one cannot win:
     little work for scikit-learn (counted over the chunks of queries it would search), few fitted
     rows unless the question is much smaller than its search, or (from a pilot of 256 queries)
     too many unsettled queries, as on one-hot, binary or integer tables full of ties. It then asks
     scikit-learn about only the chunks of queries that hold the rows asked (:func:`plan`).

:class:`FastNeighbours` and :class:`FastKNeighboursClassifier` are scikit-learn's ``NearestNeighbors``
and ``KNeighborsClassifier`` (same parameters, same answers: any metric other than the euclidean, a
tree, sparse input or asked distances go to scikit-learn's own code) whose searches go through this.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from threadpoolctl import ThreadpoolController

from . import adapters, config

GROUP = 32
_BLOCK = 32            # fewest queries per block
_BLOCK_CELLS = 1 << 20  # query x row scores per block (4 MB of float32 a thread): near the cache
_TILE = 1 << 16        # rows of the fitted set per tile (65,536; 0.8-0.9 ns per pair at 100,000 x 20
                       # here, against 1.45 with 131,072 and 16 MB blocks)
_MARGIN = 3            # candidates fetched beyond the ones a question needs, to see past its boundary
_EXACT_BLOCK = 32      # queries searched again together in float64
_EXACT_CAP = 64        # rows tied with a query's k-th beyond which its answer is left uncertain

# -- the cost model (module constants, so that tests can lower them; see _plan and
# benchmarks/calibrate_neighbours.py for the measurements)
_SMALL_FIT = 8_000     # fitted rows below which scikit-learn's brute force is as fast (ratio 0.95 at 6,000)
_SMALL_SHARE = 4       # below _SMALL_FIT, our pairs must be under a quarter of scikit-learn's
_SMALL_WORK = 2e7      # pairs scikit-learn would search (chunks holding an asked query x fitted rows) below which it is as fast
_PILOT = 256           # queries tried first to estimate the share that is not settled
#: our search's time per (query, row) pair over scikit-learn's brute force's, by width (features
#: below the first number: the second): measured 0.35-0.56 from 16 to 20 features, 0.43-0.68 from
#: 40 to 200 (8,000-100,000 rows, benchmarks/calibrate_neighbours.py); a margin above is assumed
_FAST_SHARE = ((32, 0.7), (10**9, 0.75))
_GAIN = 0.9            # the fast path must promise at most this share of scikit-learn's time
#: tests: True takes the fast search wherever it is exact (whatever the cost), False never takes it
FORCE: bool | None = None

EPS = float(np.finfo(np.float64).eps)
_U32 = 2.0 ** -23      # float32's machine epsilon


@functools.cache
def _threadpools() -> ThreadpoolController:
    """The process's thread pools (found once: looking them up scans the loaded libraries)."""
    return ThreadpoolController()


def workers() -> int:
    """Threads used by the search (``BALANCER_THREADS``, default: the machine's cores, at most 8)."""
    return config.whole("BALANCER_THREADS")


def _in_threads(run: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    """``run`` on each item, on :func:`workers` threads (one item: this thread), the libraries' BLAS
    held to one thread each; the results in the items' order."""
    threads = min(workers(), len(items))
    with _threadpools().limit(limits=1, user_api="blas"):
        if threads <= 1:
            return [run(item) for item in items]
        with ThreadPoolExecutor(max_workers=threads) as pool:
            return list(pool.map(run, items))


# --------------------------------------------------------------------------------------------
# the exact search


class Index:
    """Rows prepared for repeated exact k-NN queries (squared euclidean distance, float64)."""

    def __init__(self, data: np.ndarray):
        data = np.ascontiguousarray(data, dtype=np.float64)
        if data.ndim != 2:
            raise ValueError("expected a 2-D array")
        if not np.isfinite(data).all():
            raise ValueError("Input contains NaN or infinity")
        self.data = data
        self.n, self.d = data.shape
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
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return squared distances and indices of the ``k`` nearest rows of each query, nearest first
        (equal distances by the lower index), and whether each query's answer is certain: every row
        left out is then at least as far as the k-th. A query is uncertain only where very many rows
        lie as far as its k-th (ties), and its answer is then only approximate.

        ``exclude[i]`` (when given) is a row that query ``i`` may not return (itself).
        """
        queries = np.ascontiguousarray(queries, dtype=np.float64)
        q = len(queries)
        available = self.n - (1 if exclude is not None else 0)
        if k > available:
            raise ValueError(f"Expected n_neighbors <= n_samples_fit, but n_neighbors = {k}, "
                             f"n_samples_fit = {self.n}, n_samples = {q}")
        out_d = np.empty((q, k), dtype=np.float64)
        out_i = np.empty((q, k), dtype=np.int64)
        out_ok = np.ones(q, dtype=bool)
        if q == 0:
            return out_d, out_i, out_ok

        def run(start: int) -> None:
            stop = min(q, start + block)
            ex = None if exclude is None else exclude[start:stop]
            out_d[start:stop], out_i[start:stop], out_ok[start:stop] = self._block(queries[start:stop], k, ex)

        block = int(min(1024, max(_BLOCK, _BLOCK_CELLS // max(1, min(self.n, _TILE)))))
        _in_threads(run, list(range(0, q, block)))
        return out_d, out_i, out_ok

    # -- one block of queries
    def _block(self, qb: np.ndarray, k: int,
               exclude: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ``k`` nearest rows of a block of queries: screened in float32, re-ranked exactly, confirmed."""
        q32 = np.empty((len(qb), self.d + 1), dtype=np.float32)
        q32[:, : self.d] = qb
        q32[:, self.d] = 1.0
        index, values, bound = self._candidates(q32, min(k + 4, self.n), exclude)
        best_d, best_i = self._rerank(qb, index, values, k)
        ok = self._confirm(qb, k, exclude, best_d, best_i, bound)
        return np.maximum(best_d, 0.0), best_i, ok

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
                 best_i: np.ndarray, bound: np.ndarray) -> np.ndarray:
        """Search again in float64 (in place) the queries whose left-out rows might be as close; return
        which answers are certain.

        In score units a row at squared distance D scores (|q|^2 - D) / 2. The float32 score of a row
        is within (d + 4) u32 (|q|^2 + |f|^2) of the exact one (rounding the inputs and a sum of d + 1
        products in any order); twice that is allowed.
        """
        qnorm = np.einsum("ij,ij->i", qb, qb)
        tolerance = (self.d + 8) * _U32 * (qnorm + self.max_norm) + 1e-30
        kth_score = (qnorm - best_d[:, -1]) / 2
        unsure = np.flatnonzero(~(kth_score - tolerance > bound))
        ok = np.ones(len(qb), dtype=bool)
        for start in range(0, unsure.size, _EXACT_BLOCK):
            rows = unsure[start:start + _EXACT_BLOCK]
            ex = None if exclude is None else exclude[rows]
            best_d[rows], best_i[rows], ok[rows] = self._exact(qb[rows], k, ex)
        return ok

    def _approximate(self, qb: np.ndarray, qnorm: np.ndarray, start: int, stop: int,
                     exclude: np.ndarray | None) -> np.ndarray:
        """``|q|^2 + |f|^2 - 2 q.f`` in float64 for the rows ``start:stop`` (excluded rows: infinite)."""
        approx = qb @ self.data[start:stop].T
        approx *= -2.0
        approx += qnorm[:, None]
        approx += self.norms64[None, start:stop]
        if exclude is not None:
            local = exclude - start
            inside = np.flatnonzero((local >= 0) & (local < stop - start))
            approx[inside, local[inside]] = np.inf
        return approx

    def _exact(self, qb: np.ndarray, k: int,
               exclude: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Exhaustive float64 search of a few queries: distances ``|q|^2 + |f|^2 - 2 q.f`` (within
        ``err`` of the exact ones) find every row that may be among the k nearest, which are then
        ranked exactly. A query with more than ``_EXACT_CAP`` such rows (ties) is left uncertain."""
        b = len(qb)
        qnorm = np.einsum("ij,ij->i", qb, qb)
        err = (2 * self.d + 8) * EPS * (qnorm + self.max_norm) + 1e-300
        best = np.full((b, k), np.inf)
        for start in range(0, self.n, _TILE):
            approx = self._approximate(qb, qnorm, start, min(self.n, start + _TILE), exclude)
            if approx.shape[1] > k:
                approx = np.partition(approx, k - 1, axis=1)[:, :k]
            best = np.partition(np.concatenate([best, approx], axis=1), k - 1, axis=1)[:, :k]
        limit = best.max(axis=1) + 2 * err
        cap = _EXACT_CAP + 4 * k
        found_q: list[np.ndarray] = []
        found_r: list[np.ndarray] = []
        counts = np.zeros(b, dtype=np.int64)
        for start in range(0, self.n, _TILE):
            approx = self._approximate(qb, qnorm, start, min(self.n, start + _TILE), exclude)
            within = approx <= limit[:, None]
            counts += within.sum(axis=1)
            within[counts > cap] = False
            q_at, r_at = np.nonzero(within)
            found_q.append(q_at)
            found_r.append(r_at + start)
        ok = counts <= cap
        q_at = np.concatenate(found_q)
        r_at = np.concatenate(found_r)
        keep = ok[q_at]
        q_at, r_at = q_at[keep], r_at[keep]
        diff = self.data[r_at] - qb[q_at]
        exact = np.einsum("ij,ij->i", diff, diff)
        order = np.lexsort((r_at, exact, q_at))
        q_at, r_at, exact = q_at[order], r_at[order], exact[order]
        first = np.searchsorted(q_at, np.arange(b))
        out_d = np.full((b, k), np.inf)
        out_i = np.zeros((b, k), dtype=np.int64)
        for j in range(k):
            at = first + j
            has = ok & (at < len(q_at))
            has[has] &= q_at[at[has]] == np.flatnonzero(has)
            out_d[has, j] = exact[at[has]]
            out_i[has, j] = r_at[at[has]]
        return out_d, out_i, ok


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


class OutOfRange(ValueError):
    """Rows a float32 bound cannot take (beyond its range): the caller then proves nothing."""


_CROSS_BLOCK = 512     # rows of the first set per block of nearest_between (a thread's unit)
_CROSS_TILE = 4096     # rows of the second set per tile: 8 MB of float32 scores (0.33 ns a pair on 2
                       # threads at 20 features, against 0.67 with tiles of 65,536)


def _centred(X: np.ndarray, rows: np.ndarray | None, centre: np.ndarray, norm_column: int,
             transpose: bool) -> tuple[np.ndarray, np.ndarray]:
    """``X[rows] - centre`` in float32 with ``-|x - centre|^2 / 2`` (float64, then rounded) and a 1
    beside it (the norm in column ``norm_column`` of d and d + 1), a block of rows at a time, and the
    float64 norms; :class:`OutOfRange` beyond float32's range."""
    n = X.shape[0] if rows is None else rows.size
    d = X.shape[1]
    out = np.empty((d + 2, n) if transpose else (n, d + 2), dtype=np.float32)
    norms = np.empty(n)
    for start in range(0, n, 8192):
        stop = min(n, start + 8192)
        block = (X[start:stop] if rows is None else X[rows[start:stop]]).astype(np.float64) - centre
        norms[start:stop] = np.einsum("ij,ij->i", block, block)
        if not norms[start:stop].max() <= 1e30:
            raise OutOfRange("rows beyond float32's range")
        view = out[:, start:stop].T if transpose else out[start:stop]
        view[:, :d] = block
        view[:, norm_column] = -0.5 * norms[start:stop]
        view[:, 2 * d + 1 - norm_column] = 1.0
    return out, norms


def nearest_between(A: np.ndarray, B: np.ndarray, rows_a: np.ndarray | None = None,
                    rows_b: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Lower bounds on the exact squared distance from each row of ``A`` to its nearest row of ``B``,
    and from each row of ``B`` to its nearest row of ``A``, from one pass over the pairs
    (``A[rows_a]`` and ``B[rows_b]`` when given: no copy is made of them).

    One float32 matrix product gives ``a.b - |a|^2/2 - |b|^2/2 = -D/2`` for every pair (both sides
    carry their norm and a 1): the maximum of a row is its nearest row of ``B``, of a column its
    nearest of ``A``. Each value is within ``(d + 8) u32 (|a|^2 + |b|^2)`` of the exact one (the
    inputs, their norms and a sum of d + 2 products rounded to float32), plus a term for values
    below float32's normal range; that is taken off. Raises :class:`OutOfRange` if the rows do not fit
    float32's range (the caller then proves nothing).
    """
    d = A.shape[1]
    n_a = A.shape[0] if rows_a is None else rows_a.size
    n_b = B.shape[0] if rows_b is None else rows_b.size
    if n_a == 0 or n_b == 0:
        return np.full(n_a, np.inf), np.full(n_b, np.inf)
    # centred (on a sample: any centre is exact, a central one keeps the norms, hence the rounding,
    # small); the centring itself moves a distance by at most ``shift`` (float64 rounding), below
    sample_a = A[:: max(1, A.shape[0] // 1024)] if rows_a is None else A[rows_a[:: max(1, n_a // 1024)]]
    sample_b = B[:: max(1, B.shape[0] // 1024)] if rows_b is None else B[rows_b[:: max(1, n_b // 1024)]]
    centre = (np.asarray(sample_a, dtype=np.float64).mean(axis=0) + np.asarray(sample_b, dtype=np.float64).mean(axis=0)) / 2
    if not np.isfinite(centre).all():
        raise OutOfRange("rows beyond float32's range")
    left, na = _centred(np.asarray(A), rows_a, centre, d, transpose=False)
    right, nb = _centred(np.asarray(B), rows_b, centre, d + 1, transpose=True)
    best_a = np.full(n_a, -np.inf, dtype=np.float32)

    def run(starts: list[int]) -> np.ndarray:
        # each thread: its own blocks of best_a, its own maxima for B
        best_b = np.full(n_b, -np.inf, dtype=np.float32)
        for start in starts:
            block = left[start:start + _CROSS_BLOCK]
            mine = best_a[start:start + len(block)]
            for tile in range(0, n_b, _CROSS_TILE):
                score = block @ right[:, tile:tile + _CROSS_TILE]
                np.maximum(mine, score.max(axis=1), out=mine)
                np.maximum(best_b[tile:tile + _CROSS_TILE], score.max(axis=0), out=best_b[tile:tile + _CROSS_TILE])
        return best_b

    starts = list(range(0, n_a, _CROSS_BLOCK))
    threads = max(1, min(workers(), len(starts)))
    best_b = np.maximum.reduce(_in_threads(run, [starts[t::threads] for t in range(threads)]))
    # below 2^-126 float32 loses relative accuracy: each of the d + 2 products may then be off by
    # the largest value times 2^-149
    tiny = 4.0 * (d + 2) * (1.0 + np.sqrt(max(float(na.max()), float(nb.max())))) * 2.0 ** -149

    def lower(best: np.ndarray, own: np.ndarray, other_max: float) -> np.ndarray:
        err = 2.0 * (d + 8) * _U32 * (own + other_max) + 2.0 * tiny
        centred = np.maximum(-2.0 * best.astype(np.float64) - err, 0.0)
        shift = 4 * EPS * (np.sqrt(own) + np.sqrt(other_max))
        return np.maximum(np.sqrt(centred) - shift, 0.0) ** 2

    return lower(best_a, na, float(nb.max())), lower(best_b, nb, float(na.max()))


def within_groups(queries: np.ndarray, data: np.ndarray, groups: list[np.ndarray], measure: int,
                  own: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For each query, ``measure`` distinct rows near it (row indices into ``data``) and the exact
    squared distances to them (sums of squares in float64): the nearest row of each group by a
    float32 score, the ``measure`` best of those. Their largest distance bounds the distance of the
    ``measure``-th nearest row from above, as any that many distinct rows do; the float32 score only
    chooses the rows, so it needs no care.

    ``own[i]`` (when given, -1 for none) is a row that query ``i`` may not pick (itself): a pick
    that is the query's own row gets an infinite distance, whatever the scores said. Raises
    :class:`OutOfRange` where the float32 scores would not be finite.
    """
    q = len(queries)
    d = queries.shape[1]
    groups = [rows for rows in groups if rows.size]
    if len(groups) < measure:
        raise ValueError("fewer groups than rows to measure")
    picked = np.empty((q, measure), dtype=np.int64)
    distances = np.empty((q, measure), dtype=np.float64)
    if q == 0:
        return picked, distances
    # the groups side by side: one matrix product per block of queries, a maximum per group
    every = np.concatenate(groups)
    edges = np.cumsum([0] + [rows.size for rows in groups])
    # each score is a sum of d + 1 float32 terms, finite while each term stays below this
    limit = float(np.finfo(np.float32).max) / (4 * (d + 1))
    sample = data[every]
    norms = np.einsum("ij,ij->i", sample, sample)
    if not (norms.max() < limit and np.einsum("ij,ij->i", queries, queries).max() < limit):
        raise OutOfRange("rows beyond float32's range")
    augmented = np.empty((d + 1, every.size), dtype=np.float32)
    augmented[:d] = sample.T
    augmented[d] = -0.5 * norms
    position = None
    if own is not None:
        position = np.full(len(data), -1, dtype=np.int64)
        position[every] = np.arange(every.size)
    q32 = np.empty((q, d + 1), dtype=np.float32)
    q32[:, :d] = queries
    q32[:, d] = 1.0

    # consecutive groups in one product, up to a tile's width (a few small groups: one product)
    batches: list[list[int]] = [[]]
    for g in range(len(groups)):
        if batches[-1] and edges[g + 1] - edges[batches[-1][0]] > _CROSS_TILE:
            batches.append([])
        batches[-1].append(g)

    def run(start: int) -> None:
        stop = min(q, start + _CROSS_BLOCK)
        nearest = np.empty((stop - start, len(groups)), dtype=np.int64)
        scores = np.empty((stop - start, len(groups)), dtype=np.float32)
        at = None
        if position is not None and own is not None:  # (both or neither)
            at = np.where(own[start:stop] >= 0, position[np.maximum(own[start:stop], 0)], -1)
        for batch in batches:
            low, high = edges[batch[0]], edges[batch[-1] + 1]
            score = q32[start:stop] @ augmented[:, low:high]
            if at is not None:
                hit = np.flatnonzero((at >= low) & (at < high))
                score[hit, at[hit] - low] = -np.inf
            for g in batch:
                part = score[:, edges[g] - low:edges[g + 1] - low]
                best = part.argmax(axis=1)
                nearest[:, g] = every[edges[g] + best]
                scores[:, g] = part[np.arange(len(part)), best]
        if measure < len(groups):
            top = np.argpartition(-scores, measure - 1, axis=1)[:, :measure]
            nearest = np.take_along_axis(nearest, top, axis=1)
        picked[start:stop] = nearest
        diff = data[nearest] - queries[start:stop, None, :]
        distances[start:stop] = np.einsum("qgd,qgd->qg", diff, diff)
        if own is not None:
            distances[start:stop][nearest == own[start:stop, None]] = np.inf

    _in_threads(run, list(range(0, q, _CROSS_BLOCK)))
    return picked, distances


# --------------------------------------------------------------------------------------------
# the farthest rows (NearMiss version 2)


_FAR_CELLS = 1 << 18  # query x row scores per block (2 MB of float64 a thread: within the cache)


def _largest(scores: np.ndarray, k: int) -> np.ndarray:
    """The k largest values of each row of ``scores``, ascending (b, k).

    The columns are dealt into groups (column j into group j mod the number of groups, so that the
    groups' maxima are an elementwise maximum of contiguous runs); the k largest values lie in the k
    groups with the largest maxima (any value of another group has k group maxima at least as large
    above it), so only those groups and the columns past the last whole deal are ranked.
    """
    b, m = scores.shape
    groups = m // GROUP
    if groups <= 4 * k:
        return np.sort(np.partition(scores, m - k, axis=1)[:, m - k:], axis=1)
    head = scores[:, :groups * GROUP].reshape(b, GROUP, groups)
    best = np.argpartition(head.max(axis=1), groups - k, axis=1)[:, groups - k:]
    picked = np.take_along_axis(head, best[:, None, :], axis=2).reshape(b, GROUP * k)
    if groups * GROUP < m:
        picked = np.concatenate([picked, scores[:, groups * GROUP:]], axis=1)
    width = picked.shape[1]
    return np.sort(np.partition(picked, width - k, axis=1)[:, width - k:], axis=1)


def farthest(queries: np.ndarray, data: np.ndarray, k: int) -> np.ndarray:
    """Squared distances from each query to its k farthest rows of ``data``, ascending (q, k).

    scikit-learn's own form and type, ``|q|^2 + |r|^2 - 2 q.r`` in float64 from one matrix product
    per block of queries (so within :func:`tolerance` of its values; equal to them bit for bit when
    every product and sum is an integer float64 holds exactly), on :func:`workers` threads; memory:
    one block of scores a thread, not a row per pair as scikit-learn's search of every row keeps.
    """
    queries = np.ascontiguousarray(queries, dtype=np.float64)
    data = np.ascontiguousarray(data, dtype=np.float64)
    if not 1 <= k <= len(data):
        raise ValueError("k must lie between 1 and the number of rows")
    data_norms = np.einsum("ij,ij->i", data, data)
    query_norms = np.einsum("ij,ij->i", queries, queries)
    across = -2.0 * data.T  # exact: the products come out doubled and negated, nothing else changes
    across = np.ascontiguousarray(across)
    block = max(_BLOCK, _FAR_CELLS // len(data))

    def run(start: int) -> np.ndarray:
        scores = queries[start:start + block] @ across
        scores += data_norms
        top = _largest(scores, k)
        top += query_norms[start:start + block, None]
        return np.maximum(top, 0.0, out=top)

    starts = list(range(0, len(queries), block))
    return np.concatenate(_in_threads(run, starts)) if starts else np.zeros((0, k))


def exact_in_float64(*arrays: np.ndarray) -> bool:
    """Whether every value is an integer small enough that the squared distances between these
    rows, their norms and dot products, and every partial sum of them are integers float64 holds
    exactly: then every order of the sums (scikit-learn's, a tree's, ours) gives the same bits."""
    width = max((a.shape[1] for a in arrays), default=0)
    largest = 0.0
    for a in arrays:
        if a.size and not np.array_equal(a, np.rint(a)):
            return False
        largest = max(largest, float(np.abs(a).max(initial=0.0)))
    return 8.0 * width * largest ** 2 < 2.0 ** 52


# --------------------------------------------------------------------------------------------
# when our order is scikit-learn's


def tolerance(squared: np.ndarray, query_norms: np.ndarray, d: int, max_norm: float) -> np.ndarray:
    """How far scikit-learn's brute-force squared distance and ours may each lie from the exact one,
    together, for candidates at exact squared distances ``squared`` (q, m).

    scikit-learn computes ``|x|^2 + |y|^2 - 2 x.y`` (norms and products as sums of d terms in any
    order, then two additions): within (d + 2.5) eps (|x|^2 + |y|^2) of the exact value; ours is a sum
    of d rounded squares, within (d + 3) eps / 2 of it relative to itself. Twice each is allowed, and
    the largest row norm stands for the candidate's, so that the bound grows with the distance and
    also covers every row not fetched.
    """
    return ((d + 4) * EPS * squared + (2 * d + 8) * EPS * (query_norms[:, None] + max_norm)) + 1e-300


def linked(squared: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """(q, m - 1): True where candidates j and j + 1 might come out in either order in scikit-learn."""
    return np.diff(squared, axis=1) <= tol[:, 1:] + tol[:, :-1]


def settled_order(links: np.ndarray) -> np.ndarray:
    """True where no two of the fetched candidates might swap: scikit-learn's order is ours."""
    return np.asarray(~links.any(axis=1))


def settled_labels(links: np.ndarray, labels: np.ndarray, take: int, complete: bool,
                   drop_first: bool) -> np.ndarray:
    """True where the labels of scikit-learn's first ``take`` neighbours (without its first one when
    ``drop_first``, as imbalanced-learn drops what it takes for the row itself) are certain as a
    multiset, whatever order scikit-learn gives rows that might swap.

    Candidates chained by :func:`linked` form groups; the group cut by the boundary after ``take``
    (and, with ``drop_first``, the group of the nearest) must share one label and be known in full
    (not run past the fetched candidates, unless every row was fetched: ``complete``).
    """
    q, m = labels.shape
    group = np.zeros((q, m), dtype=np.int64)
    if m > 1:
        np.cumsum(~links, axis=1, out=group[:, 1:])
    rows = np.arange(q)

    def uniform(gid: np.ndarray) -> np.ndarray:
        members = group == gid[:, None]
        first = labels[rows, np.argmax(members, axis=1)]
        same = np.where(members, labels == first[:, None], True).all(axis=1)
        return same & (complete | ~members[:, -1])

    ok = np.ones(q, dtype=bool)
    if take < m:
        cut = links[:, take - 1]
        ok &= ~cut | uniform(group[:, take - 1])
    elif not complete:
        raise ValueError("fetch more candidates than the neighbours taken")
    if drop_first and m > 1:
        ok &= ~links[:, 0] | uniform(np.zeros(q, dtype=np.int64))
    return ok


# --------------------------------------------------------------------------------------------
# answering scikit-learn's questions


@dataclasses.dataclass
class Question:
    """One of scikit-learn's searches, as a sampler asks it, for some of its queries.

    The queries are ``X`` (``X[query_rows]`` when given; None: the fitted rows, each without itself,
    as scikit-learn's ``kneighbors(None)``); ``rows`` are the positions among them to answer; ``k``
    the neighbours asked. With ``labels`` (the class code of every fitted row) only the labels of the
    neighbours count, and ``drop_first`` leaves out the first as imbalanced-learn does.
    """

    X: Any
    rows: np.ndarray
    k: int
    query_rows: np.ndarray | None = None
    labels: np.ndarray | None = None
    drop_first: bool = False

    @property
    def train(self) -> bool:
        return self.X is None

    def n_queries(self, n_fit: int) -> int:
        if self.query_rows is not None:
            return len(self.query_rows)
        return n_fit if self.X is None else int(self.X.shape[0])

    def queries(self, data: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """The query vectors (float64) at these positions."""
        base = data if self.X is None else self.X
        picked = positions if self.query_rows is None else self.query_rows[positions]
        return np.asarray(base[picked], dtype=np.float64)


def searchable(estimator: Any, X: Any = None) -> bool:
    """Whether Balancer's search can stand in for this fitted estimator's own on queries ``X``:
    brute force, the euclidean distance, dense float rows, queries of the same type."""
    fitted = adapters.fitted_rows(estimator)
    if adapters.fit_method(estimator) != "brute" or not adapters.plain_euclidean(estimator):
        return False
    if not isinstance(fitted, np.ndarray) or fitted.dtype not in (np.float32, np.float64):
        return False
    if hasattr(estimator, "feature_names_in_"):
        return False
    if X is None:
        return True
    return (isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype == fitted.dtype
            and X.shape[1] == fitted.shape[1] and bool(np.isfinite(X).all()))


def _index(estimator: Any) -> Index:
    """The :class:`Index` of the estimator's fitted rows, built on first use and kept with it."""
    index = getattr(estimator, "_balancer_index", None)
    fitted = adapters.fitted_rows(estimator)
    if index is None or getattr(estimator, "_balancer_fitted", None) is not fitted:
        index = Index(fitted)
        estimator._balancer_index = index
        estimator._balancer_fitted = fitted
    return index


def release(estimator: Any) -> None:
    """Drop the :class:`Index` kept with a fitted estimator (its memory) once its searches are done."""
    for name in ("_balancer_index", "_balancer_fitted"):
        if hasattr(estimator, name):
            delattr(estimator, name)


def _touched(question: Question, n_fit: int) -> int:
    """How many of scikit-learn's chunks of queries hold a row of the question."""
    n_q = question.n_queries(n_fit)
    chunk = adapters.query_chunk(n_q)
    return int(np.unique(question.rows // chunk).size)


def _plan(estimator: Any, question: Question, touched: int | None = None) -> bool:
    """Whether our search should answer (True) or scikit-learn's own (False).

    scikit-learn's time is taken as its pairs (every chunk of queries it must search, against every
    fitted row); ours as ``_FAST_SHARE`` of our pairs, plus scikit-learn's time for the chunks that
    would still hold an unsettled query, their share estimated from a pilot of ``_PILOT`` queries.
    ``touched`` is :func:`_touched`'s count when the caller has it.
    """
    if FORCE is not None:
        return FORCE
    n_fit = adapters.n_fitted(estimator)
    asked = len(question.rows)
    n_q = question.n_queries(n_fit)
    chunk = adapters.query_chunk(n_q)
    touched = _touched(question, n_fit) if touched is None else touched
    theirs = float(touched * chunk * n_fit)
    # small is what scikit-learn would search, not what is asked: 1,000 minority rows spread over
    # 20,000 touch every chunk of queries, so scikit-learn searches 20,000 x 20,000 pairs for them
    if theirs < _SMALL_WORK:
        return False
    d = adapters.fitted_rows(estimator).shape[1]
    ours = next(share for width, share in _FAST_SHARE if d < width) * asked * n_fit
    if ours >= _GAIN * theirs:
        return False
    # below _SMALL_FIT rows our fixed costs weigh: only a question much smaller than scikit-learn's
    # search pays (TomekLinks' minority rows: 10x at 7,000 rows; a whole class: 0.4x to 1.6x)
    if n_fit < _SMALL_FIT and _SMALL_SHARE * ours > theirs:
        return False
    index = _index(estimator)
    per_chunk = asked / touched
    for size in (_PILOT // 8, _PILOT):  # a first small pilot settles the clear cases (ties: most unsettled)
        pilot = question.rows[np.linspace(0, asked - 1, min(size, asked)).astype(np.int64)]
        unsettled = float((~_settled(question, index, pilot)[2]).mean())
        share = 1.0 - (1.0 - unsettled) ** per_chunk
        if ours + share * theirs >= _GAIN * theirs:
            return False
        if size >= asked:
            break
    return True


def _settled(question: Question, index: Index, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Our candidates for the queries ``rows`` (indices, their labels or None) and which are settled."""
    n_fit = index.n
    train = question.train
    take = question.k + (1 if train else 0)            # scikit-learn's own count (itself included)
    m = min(take + _MARGIN, n_fit)
    if take > n_fit:
        raise ValueError("more neighbours asked than fitted rows")
    queries = question.queries(index.data, rows)
    squared, found, certain = index.query(queries, m)
    squared[~certain] = 0.0  # any value: those queries are not settled
    qnorm = np.einsum("ij,ij->i", queries, queries)
    links = linked(squared, tolerance(squared, qnorm, index.d, index.max_norm))
    complete = m == n_fit
    if question.labels is None:
        sure = settled_order(links[:, :min(take, m - 1)]) & certain
        return found, np.empty(0), sure
    candidate_labels = question.labels[found]
    drop_first = question.drop_first or train
    sure = settled_labels(links, candidate_labels, take, complete, drop_first) & certain
    return found, candidate_labels, sure


def plan(estimator: Any, question: Question) -> str:
    """How to answer a question: ``fast`` (our search, scikit-learn for the unsettled queries),
    ``rows`` (scikit-learn's tree, asked about those queries only), ``chunks`` (scikit-learn's brute
    force where ours cannot win, asked about only the chunks of queries that hold the rows asked:
    the same bits as its whole call) or ``whole`` (scikit-learn's own call over all the queries:
    other metrics, sparse rows, or every chunk holds a row asked)."""
    n_fit = adapters.n_fitted(estimator)
    if question.k <= 0 or question.k + question.train > n_fit:
        return "whole"  # scikit-learn says what is wrong
    if adapters.fit_method(estimator) in ("kd_tree", "ball_tree"):
        return "rows"
    if not searchable(estimator, question.X) or len(question.rows) == 0:
        return "whole"
    touched = _touched(question, n_fit)
    if _plan(estimator, question, touched):
        return "fast"
    n_q = question.n_queries(n_fit)
    return "chunks" if touched < -(-n_q // adapters.query_chunk(n_q)) else "whole"


def answer(estimator: Any, question: Question, how: str | None = None) -> np.ndarray:
    """scikit-learn's answer to the question for ``question.rows``: neighbour indices (len(rows), k),
    or with ``labels`` their labels (the first left out with ``drop_first``), exactly as the estimator's
    own ``kneighbors`` over all the queries gives them. ``how`` is :func:`plan`'s (asked if None)."""
    rows = np.asarray(question.rows, dtype=np.int64)
    how = how or plan(estimator, question)
    if how != "fast":
        return _theirs(estimator, question, rows, whole=how == "whole")
    found, candidate_labels, sure = _settled(question, _index(estimator), rows)
    train = question.train
    if question.labels is None:
        out = found[:, 1:question.k + 1] if train else found[:, :question.k]
    else:
        start = 1 if (question.drop_first or train) else 0
        out = candidate_labels[:, start:question.k + (1 if train else 0)]
    out = np.ascontiguousarray(out)
    unsure = np.flatnonzero(~sure)
    if unsure.size:
        out[unsure] = _theirs(estimator, question, rows[unsure])
    return out


def _theirs(estimator: Any, question: Question, rows: np.ndarray, whole: bool = False) -> np.ndarray:
    """scikit-learn's own answer for some queries of the question (see :func:`answer`); ``whole``: by
    its public call over all the queries."""
    if whole:
        queries = question.X if question.query_rows is None else question.X[question.query_rows]
        got = np.asarray(NearestNeighbors.kneighbors(estimator, queries, question.k, return_distance=False))[rows]
    else:
        got = adapters.sklearn_kneighbors(estimator, question.X, rows, question.k, question.query_rows)
    if question.labels is None:
        return got
    labels = question.labels[got]
    return labels[:, 1:] if question.drop_first else labels


def _dense(X: Any) -> np.ndarray:
    """A float64 array from an array-like or a scipy sparse matrix."""
    if sparse.issparse(X):
        X = X.toarray()
    return np.asarray(X, dtype=np.float64)


class _FastSearch:
    """``kneighbors`` for both fast estimators: neighbour indices through :func:`answer` where the
    fast search can be used, else scikit-learn's own (the next class in the method order)."""

    n_neighbors: int

    def kneighbors(self, X: Any = None, n_neighbors: int | None = None, return_distance: bool = True) -> Any:
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        n_fit = adapters.n_fitted(self)
        plain = return_distance or not isinstance(k, (int, np.integer)) or k <= 0 \
            or k + (X is None) > n_fit or (FORCE is None and n_fit < _SMALL_FIT) or not searchable(self, X)
        if plain:
            return super().kneighbors(X, n_neighbors, return_distance)  # type: ignore[misc]
        rows = np.arange(n_fit if X is None else X.shape[0])
        return answer(self, Question(X, rows, int(k)))


class FastNeighbours(_FastSearch, NearestNeighbors):  # type: ignore[misc]
    """scikit-learn's ``NearestNeighbors`` (same parameters, same answers) whose brute-force searches
    for neighbour indices go through :func:`answer`.

    Pass it to imbalanced-learn wherever it accepts a neighbours object (``k_neighbors``,
    ``n_neighbors``, ``m_neighbors``): it is cloned, fitted and queried like scikit-learn's. Distances
    (which must be scikit-learn's bits), trees, other metrics and sparse rows are scikit-learn's own.
    """



class FastKNeighboursClassifier(_FastSearch, KNeighborsClassifier):  # type: ignore[misc]
    """scikit-learn's ``KNeighborsClassifier`` (same parameters, same answers) whose brute-force
    searches (``kneighbors`` and the vote of ``predict`` with uniform weights) go through :func:`answer`.

    A vote is counted here (ties go to the first class, as in scikit-learn) where the labels of the k
    nearest are certain; elsewhere scikit-learn's own ``predict`` answers.
    """

    def fit(self, X: Any, y: Any) -> FastKNeighboursClassifier:
        super().fit(X, y)
        y_array = np.asarray(y)
        self._balancer_codes = (np.searchsorted(self.classes_, y_array)
                                if y_array.ndim == 1 and not getattr(self, "outputs_2d_", False) else None)
        return self


    def predict(self, X: Any) -> np.ndarray:
        codes = getattr(self, "_balancer_codes", None)
        n_fit = adapters.n_fitted(self)
        if (X is None or codes is None or self.weights != "uniform" or self.n_neighbors > n_fit
                or (FORCE is None and n_fit < _SMALL_FIT) or not searchable(self, X)):
            return super().predict(X)
        rows = np.arange(X.shape[0])
        question = Question(X, rows, int(self.n_neighbors), labels=codes)
        if not _plan(self, question):
            return super().predict(X)
        _, candidate_labels, sure = _settled(question, _index(self), rows)
        votes = candidate_labels[:, : self.n_neighbors]
        counts = np.zeros((len(rows), len(self.classes_)), dtype=np.int64)
        for column in range(votes.shape[1]):
            np.add.at(counts, (rows, votes[:, column]), 1)
        predicted = self.classes_[counts.argmax(axis=1)]
        unsure = np.flatnonzero(~sure)
        if unsure.size:
            predicted[unsure] = adapters.sklearn_predict(self, X, unsure)
        return predicted


__all__ = [
    "FORCE",
    "OutOfRange",
    "FastKNeighboursClassifier",
    "FastNeighbours",
    "Index",
    "Question",
    "answer",
    "linked",
    "plan",
    "release",
    "searchable",
    "settled_labels",
    "settled_order",
    "tolerance",
    "workers",
]
