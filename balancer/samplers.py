"""Balancer's drop-ins for imbalanced-learn's neighbour-based samplers: the same results, faster.

Every class here is imbalanced-learn's own (a subclass: the same parameters, defaults, validation,
random draws and output, bit for bit, ``sample_indices_`` included) with three kinds of change:

* the neighbours objects and inner samplers it sets up become Balancer's drop-ins with the same
  parameters (:func:`balancer.adapters.swapped`): a scikit-learn ``NearestNeighbors`` becomes a
  :class:`~balancer.neighbours.FastNeighbours`, a ``KNeighborsClassifier`` a
  :class:`~balancer.neighbours.FastKNeighboursClassifier`, an ``EditedNearestNeighbours`` a
  :class:`FastEditedNearestNeighbours`, and so on. A neighbours object given as a parameter is used
  as imbalanced-learn uses it: scikit-learn's classes keep their metric (any metric but the plain
  euclidean runs scikit-learn's own search), any other object is kept as it is;
* where only some questions matter, ``_fit_resample`` asks only those. A Tomek link joins mutual
  nearest neighbours of different classes, so only rows outside the largest class are asked, plus
  one check back. Edited nearest neighbours keeps a row whose k nearest share its class; that is
  certain when k rows of its class lie closer than any row of another class, which one pass over
  each pair of classes and a sample of its own class prove for most rows; only the rest are
  asked, and only the labels of their neighbours must be certain. The same proof with k = 1 spares
  TomekLinks the rows whose partner is of their own class;
* SMOTE writes its new rows straight into the output (one allocation instead of five temporaries).

Every search returns scikit-learn's answer (:mod:`balancer.neighbours`: ties, duplicate rows and
distance 0 go to scikit-learn itself), and where the fast search cannot win imbalanced-learn's own
code runs. The builders at the end are the ``fast`` field of the registry's entries
(:mod:`balancer.strategies`), which chooses between them and imbalanced-learn's own classes.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
from imblearn import combine, over_sampling, under_sampling
from scipy import sparse
from scipy.stats import mode
from sklearn.base import clone
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from sklearn.utils import check_random_state

from . import adapters, config, neighbours
from .neighbours import FastKNeighboursClassifier, FastNeighbours, Index, Question

if TYPE_CHECKING:  # pragma: no cover
    from .strategies import BuildContext, Builder


def engine() -> str:
    """``fast`` (default) or ``imblearn`` (plain imbalanced-learn), from ``BALANCER_ENGINE``."""
    return config.text("BALANCER_ENGINE")


# --------------------------------------------------------------------------------------------
# what becomes what


def fast_neighbours(estimator: Any) -> Any:
    """scikit-learn's ``NearestNeighbors`` as a :class:`FastNeighbours` with the same parameters."""
    if type(estimator) is NearestNeighbors:
        return FastNeighbours(**estimator.get_params(deep=False))
    return estimator


def fast_classifier(estimator: Any) -> Any:
    """scikit-learn's ``KNeighborsClassifier`` as a :class:`FastKNeighboursClassifier` with the same
    parameters."""
    if type(estimator) is KNeighborsClassifier:
        return FastKNeighboursClassifier(**estimator.get_params(deep=False))
    return estimator


def _same_parameters(original: Any, fast: Callable[[], Any]) -> Callable[[Any], Any]:
    def swap(sampler: Any) -> Any:
        if type(sampler) is original:
            return fast()(**sampler.get_params(deep=False))
        return sampler

    return swap


def rows_only(sampler: Any) -> Any:
    """Ask a drop-in for less than imbalanced-learn's output, for a caller that rebuilds the rows
    from its own table (:func:`balancer.resample.resample`): an under-sampler then returns X's first
    0 rows (``sample_indices_`` and y as usual), SMOTE only its new rows after X. The output is then
    not made twice, which is what keeps a resample within its memory budget. Other samplers are left
    as they are; returns the sampler."""
    if type(sampler) in (FastTomekLinks, FastEditedNearestNeighbours, FastCondensedNearestNeighbour, FastNearMiss,
                         FastSMOTE):
        sampler._balancer_rows_only = True
    return sampler


def _selected(sampler: Any, X: np.ndarray, y: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An under-sampler's output, ``X[indices], y[indices]`` (see :func:`rows_only`)."""
    if getattr(sampler, "_balancer_rows_only", False):
        return X[:0], y[indices]
    return X[indices], y[indices]


def _own_code(X: Any) -> bool:
    """Whether a drop-in runs its own ``_fit_resample`` on X: a dense 2-D array, and the library
    versions its internals were checked against (else imbalanced-learn's code runs)."""
    return adapters.internals_checked() and isinstance(X, np.ndarray) and not sparse.issparse(X) and X.ndim == 2


# --------------------------------------------------------------------------------------------
# Tomek links


def tomek_links(nn: Any, X: np.ndarray, y: np.ndarray, classes: Iterable[Any], how: str | None = None,
                own: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of the rows of ``classes`` in a Tomek link, as imbalanced-learn finds them with
    ``nn`` (``NearestNeighbors(n_neighbors=2)`` fitted on ``X``): row i's partner is the second
    column of ``nn.kneighbors(X)`` (itself, when a duplicate comes first).

    Only rows outside the largest class are asked, less those that ``own`` (a mask) says surely have
    a partner of their own class; a link with a row of the largest class is then confirmed by
    asking that row alone.
    """
    n = len(y)
    labels, counts = np.unique(y, return_counts=True)
    largest = labels[int(np.argmax(counts))]
    nearest = np.full(n, -1, dtype=np.int64)
    if own is not None:
        # a partner of their own class, whichever: the row itself stands for it
        nearest[own] = np.flatnonzero(own)
    asked = np.flatnonzero((y != largest) & (nearest < 0))
    if asked.size:
        # scikit-learn searching whole chunks of queries answers every row in them at the same
        # cost: keep those answers, so that no chunk is searched twice for the partners below
        rows = adapters.whole_chunks(asked, n) if how == "chunks" else asked
        nearest[rows] = neighbours.answer(nn, Question(X, rows, 2), how)[:, 1]
    crossing = asked[y[nearest[asked]] != y[asked]]
    partners = np.unique(nearest[crossing])
    missing = partners[nearest[partners] < 0]
    if missing.size:
        nearest[missing] = neighbours.answer(nn, Question(X, missing, 2), how)[:, 1]
    known = np.flatnonzero(nearest >= 0)
    link = np.zeros(n, dtype=bool)
    other = nearest[known]
    link[known] = (y[other] != y[known]) & (nearest[other] == known)
    wanted = list(classes)
    return link & np.isin(y, np.asarray(wanted, dtype=y.dtype) if wanted else np.zeros(0, dtype=y.dtype))


class FastTomekLinks(under_sampling.TomekLinks):
    """imbalanced-learn's ``TomekLinks`` that asks only about the rows outside the largest class."""

    def _fit_resample(self, X: Any, y: np.ndarray) -> tuple[Any, np.ndarray]:
        if not _own_code(X):
            return super()._fit_resample(X, y)
        nn = FastNeighbours(n_neighbors=2, n_jobs=self.n_jobs).fit(X)  # the estimator imbalanced-learn makes
        asked = Question(X, np.flatnonzero(y != _largest(y)), 2)
        how = neighbours.plan(nn, asked)
        if how == "whole":
            return super()._fit_resample(X, y)
        own = _own_partners(X, y, asked.rows) if how == "fast" else None
        links = tomek_links(nn, X, y, self.sampling_strategy_.keys(), how, own)
        neighbours.release(nn)
        del nn
        self.sample_indices_ = np.flatnonzero(~links)
        return _selected(self, X, y, self.sample_indices_)


def _own_partners(X: np.ndarray, y: np.ndarray, asked: np.ndarray) -> np.ndarray | None:
    """Mask of the rows ``asked`` proved to have their nearest row (scikit-learn's second column,
    itself being the first or a duplicate) in their own class (:func:`_proved`), where proving
    pays; None where it cannot."""
    labels, counts = np.unique(y[asked], return_counts=True)
    if not (counts >= _PROVABLE * len(y)).any():  # no class large enough for a proof to pay: no memory spent
        return None
    classes, codes = np.unique(y, return_inverse=True)
    others = _OtherClasses(X, codes)
    own = np.zeros(len(y), dtype=bool)
    for code in np.unique(codes[asked]):
        rows = np.flatnonzero(codes == code)
        proof = _proved(X, codes, rows, int(code), others, 1) if rows.size > 4 else None
        if proof is not None:
            own[rows] = proof[0]
    return own


def _largest(y: np.ndarray) -> Any:
    labels, counts = np.unique(y, return_counts=True)
    return labels[int(np.argmax(counts))]


# --------------------------------------------------------------------------------------------
# edited nearest neighbours


class _OtherClasses:
    """Lower bounds on each row's exact squared distance to the nearest row of another class,
    searched by pairs of classes on demand, each pair once (one pass gives both sides its bounds:
    :func:`~balancer.neighbours.nearest_between`)."""

    def __init__(self, X: np.ndarray, codes: np.ndarray):
        self.X = X
        self.codes = codes
        self.sizes = np.bincount(codes) if codes.size else np.zeros(0, dtype=np.int64)
        self.lower = np.full(0, np.inf)  # made on first use: nothing is spent where no proof runs
        self.searched: set[frozenset[int]] = set()

    def cost(self, code: int) -> int:
        """The pairs still to search for the bounds of the class ``code``."""
        return sum(int(self.sizes[code]) * int(size) for other, size in enumerate(self.sizes)
                   if other != code and frozenset((code, other)) not in self.searched)

    def bounds(self, code: int) -> np.ndarray:
        """The bounds of the rows of the class ``code`` (in their order)."""
        if self.lower.size != self.codes.size:
            self.lower = np.full(self.codes.size, np.inf)
        mine = np.flatnonzero(self.codes == code)
        for other in range(self.sizes.size):
            pair = frozenset((code, other))
            if other == code or pair in self.searched:
                continue
            rows = np.flatnonzero(self.codes == other)
            to_other, to_mine = neighbours.nearest_between(self.X, self.X, mine, rows)
            self.lower[mine] = np.minimum(self.lower[mine], to_other)
            self.lower[rows] = np.minimum(self.lower[rows], to_mine)
            self.searched.add(pair)
        return self.lower[mine]


#: groups per neighbour a proof bounds (see _proved_safe); with samples of 2,000 then 20,000 rows, 4 proved
#: 92.0% of the isotropic majority in 0.30 s, 1 88.8% in 0.44 s (a weaker bound), 8 92.3% in 0.49 s
#: (when all of them were measured exactly; now only the k best by the float32 score are)
_GROUPS = 4
#: the growing samples of its own class a proof tries (each on the rows not yet proved)
_SAMPLES = (500, 8_000, 40_000)
#: a proof must leave at least this share of a class's whole search saved: the pairs between the
#: class and the others, as a share of its whole search, are at most 1 - this (so a class must hold
#: this share of the rows, unless its pairs were searched already)
_PROVABLE = 0.2


Proof = tuple[np.ndarray, np.ndarray, np.ndarray]
"""A proof's outcome for the rows of a class: which are safe, and the rows of their class each was
measured against (-1: none) with the exact squared distances (the bound a next round can reuse)."""


def _proved_safe(X: np.ndarray, asked: np.ndarray, rows: np.ndarray, lower: np.ndarray, k: int,
                 hint: tuple[np.ndarray, np.ndarray] | None = None) -> Proof:
    """For the rows ``asked`` of one class (``rows``), whose exact squared distance to any row of
    another class is at least ``lower``: True where scikit-learn's k + 1 nearest rows (itself
    included) in ``X`` surely all belong to the class.

    Within growing samples of the class, split into 4k groups, each query's nearest row of each
    group is found by a float32 score and the k best of those are measured exactly
    (:func:`~balancer.neighbours.within_groups`): k distinct rows, the largest of whose distances
    bounds the k-th nearest row of the class (besides itself) from above. If, even with both
    engines' rounding (:func:`~balancer.neighbours.tolerance`), k rows of the class come before any
    row of another class, the k + 1 nearest all share the class whatever order scikit-learn gives
    them. ``hint`` (rows of the class and their exact distances,
    per row asked) is tried first: a previous round's measurements of rows still there.
    """
    queries = np.asarray(X[asked], dtype=np.float64)
    qnorm = np.einsum("ij,ij->i", queries, queries)
    d = X.shape[1]
    max_norm = float(np.einsum("ij,ij->i", X, X, dtype=np.float64).max())
    safe = np.zeros(asked.size, dtype=bool)
    width = max(k, 0 if hint is None else hint[0].shape[1])
    picks = np.full((asked.size, width), -1, dtype=np.int64)
    measured = np.full((asked.size, width), np.inf)
    # scikit-learn's distance to a row at exact squared distance D >= lower is at least this
    floor = lower - neighbours.tolerance(lower[:, None], qnorm, d, max_norm)[:, 0]

    def judge(todo: np.ndarray, within: np.ndarray) -> None:
        if within.shape[1] < k:
            return
        upper = np.partition(within + neighbours.tolerance(within, qnorm[todo], d, max_norm), k - 1, axis=1)[:, k - 1]
        safe[todo[upper < floor[todo]]] = True

    if hint is not None:
        picks[:, :hint[0].shape[1]], measured[:, :hint[1].shape[1]] = hint
        judge(np.arange(asked.size), measured)
    order = rows[np.random.default_rng(0).permutation(rows.size)]
    for size in _SAMPLES:
        if safe.all() or size >= rows.size // 2:
            break
        todo = np.flatnonzero(~safe & (floor > 0))
        # the nearest rows of 4k groups are distinct rows of the class: the largest exact distance
        # to the k best of them bounds the k-th nearest from above (a sample smaller than 4k rows:
        # one row a group)
        spread = min(_GROUPS * k, size)
        if spread <= k:
            continue
        groups = [np.sort(order[g:size:spread]) for g in range(spread)]
        found, within = neighbours.within_groups(queries[todo], X, groups, k, own=asked[todo])
        picks[todo] = -1
        measured[todo] = np.inf
        picks[todo, :k], measured[todo, :k] = found, within
        judge(todo, within)
    return safe, picks, measured


def _proved(X: np.ndarray, codes: np.ndarray, rows: np.ndarray, code: int, others: _OtherClasses,
            k: int, hint: tuple[np.ndarray, np.ndarray] | None = None) -> Proof | None:
    """:func:`_proved_safe` for the rows of the class ``code``, where it pays; else None.

    Proving costs the pairs between the class and the others not yet searched (shared with the
    other classes' proofs) and a sample of the class, and saves the search of each row proved. A
    pilot of 256 rows estimates the share proved; the proof runs when that share is at least half
    and the pairs to search, as a share of the class's whole search, leave a fifth of it saved.
    With a ``hint`` (the proof ran on these rows in the previous round) it runs without a pilot.
    """
    share_searched = others.cost(code) / (rows.size * codes.size)
    if share_searched > 1 - _PROVABLE:
        return None
    if hint is not None and hint[0].shape[1] < k:
        hint = None  # measured for fewer neighbours (AllKNN's previous round): no bound for k
    try:
        if hint is None:
            pilot = np.linspace(0, rows.size - 1, min(256, rows.size)).astype(np.int64)
            lower = neighbours.nearest_between(X, X, rows[pilot], np.flatnonzero(codes != code))[0]
            proved = _proved_safe(X, rows[pilot], rows, lower, k)[0].mean()
            if proved < 0.5 or share_searched + (1.0 - proved) > 1 - _PROVABLE:
                return None
        lower = others.bounds(code)
        return _proved_safe(X, rows, rows, lower, k, hint)
    except neighbours.OutOfRange:  # rows beyond float32's range: nothing is proved
        return None


def _keep(labels: np.ndarray, target_code: int, kind_sel: str) -> np.ndarray:
    """imbalanced-learn's rule on the labels (codes) of each row's neighbours."""
    if kind_sel == "mode":
        voted, _ = mode(labels, axis=1, keepdims=False)
        return np.asarray(np.ravel(voted) == target_code)
    return np.asarray(np.all(labels == target_code, axis=1))


_FastEditedNearestNeighboursBase: Any = adapters.swapped(under_sampling.EditedNearestNeighbours,
                                                        nn_=fast_neighbours)


@dataclasses.dataclass
class _Carried:
    """What a round of edited nearest neighbours leaves the next (RepeatedEditedNearestNeighbours and
    AllKNN call the same object on its own output): the bounds of its output rows. Valid for an
    input equal to that output (``digest``): the other classes can only have lost rows, so the
    bounds to them still hold, and a row measured against rows still there keeps that bound."""

    digest: bytes
    searched: set[frozenset[Any]]                     # pairs of class labels
    lower: np.ndarray                                 # per output row
    picks: dict[Any, tuple[np.ndarray, np.ndarray]]   # class label -> rows of the class measured (output numbers, -1: gone), distances


def _digest(X: np.ndarray, y: np.ndarray) -> bytes:
    """A fingerprint of a table's content (shape, types, bytes)."""
    h = hashlib.blake2b(digest_size=20)
    for a in (X, y):
        a = np.ascontiguousarray(a)
        h.update(f"{a.shape}{a.dtype.str}".encode())
        h.update(a.data if a.dtype != object else repr(a.tolist()).encode())  # the buffer: no copy
    return h.digest()


class FastEditedNearestNeighbours(_FastEditedNearestNeighboursBase):
    """imbalanced-learn's ``EditedNearestNeighbours`` that proves most rows safe cheaply and asks only
    about the labels of the others' neighbours. Inside RepeatedEditedNearestNeighbours and AllKNN
    (``_balancer_carry``) each round hands its bounds to the next (:class:`_Carried`)."""

    def _fit_resample(self, X: Any, y: np.ndarray) -> tuple[Any, np.ndarray]:
        carried = getattr(self, "_balancer_carried", None)
        self._balancer_carried = None
        if not _own_code(X):
            return super()._fit_resample(X, y)
        nn = adapters.fitted_neighbours(self, "nn_")
        nn.fit(X)
        classes, codes = np.unique(y, return_inverse=True)
        labels = classes.tolist()
        others = _OtherClasses(X, codes)
        if carried is not None and carried.digest == _digest(X, y):
            code_of = {label: code for code, label in enumerate(labels)}
            others.lower = carried.lower.copy()
            others.searched = {frozenset(code_of[label] for label in pair) for pair in carried.searched
                               if all(label in code_of for label in pair)}
        else:
            carried = None
        kept, proofs = [], {}
        for code, target in enumerate(classes):
            members = np.flatnonzero(codes == code)
            if target in self.sampling_strategy_:
                hint = None if carried is None else carried.picks.get(labels[code])
                keep, proof = self._edited(nn, X, codes, members, code, others, hint)
                members = members[keep]
                if proof is not None:
                    proofs[code] = (keep, proof)
            kept.append(members)
        neighbours.release(nn)
        self.sample_indices_ = np.concatenate(kept).astype(int)
        out = _selected(self, X, y, self.sample_indices_)
        if getattr(self, "_balancer_carry", False) and proofs and len(out[0]) == len(out[1]):
            self._balancer_carried = self._carry(labels, codes, others, proofs, out)
        return out

    def _carry(self, labels: list[Any], codes: np.ndarray, others: _OtherClasses,
               proofs: dict[int, tuple[np.ndarray, Proof]], out: tuple[np.ndarray, np.ndarray]) -> _Carried:
        """The bounds of the output rows, numbered as the output (:class:`_Carried`)."""
        number = np.full(codes.size, -1, dtype=np.int64)
        number[self.sample_indices_] = np.arange(self.sample_indices_.size)
        picks = {}
        for code, (keep, (_, found, measured)) in proofs.items():
            found = found[keep]
            renumbered = np.where(found >= 0, number[np.maximum(found, 0)], -1)
            picks[labels[code]] = (renumbered, np.where(renumbered >= 0, measured[keep], np.inf))
        searched = {frozenset(labels[code] for code in pair) for pair in others.searched}
        return _Carried(_digest(*out), searched, others.lower[self.sample_indices_], picks)

    def _edited(self, nn: Any, X: np.ndarray, codes: np.ndarray, rows: np.ndarray, code: int,
                others: _OtherClasses, hint: tuple[np.ndarray, np.ndarray] | None = None
                ) -> tuple[np.ndarray, Proof | None]:
        """For the rows of one class: True where imbalanced-learn keeps them, and the proof if one ran."""
        if type(nn) not in (FastNeighbours, NearestNeighbors):  # another object: asked as imbalanced-learn does
            found = nn.kneighbors(X[rows], return_distance=False)[:, 1:]
            return _keep(codes[found], code, self.kind_sel), None
        k = int(nn.n_neighbors)  # imbalanced-learn's count, the row itself included
        question = Question(X, np.arange(rows.size), k, query_rows=rows, labels=codes, drop_first=True)
        how = neighbours.plan(nn, question)
        keep = np.zeros(rows.size, dtype=bool)
        proof = None
        if how == "fast" and codes.size > rows.size > 4 * k:
            proof = _proved(X, codes, rows, code, others, k - 1, hint)
            if proof is not None:
                keep = proof[0].copy()
        unsure = np.flatnonzero(~keep)
        if unsure.size:
            rest = Question(X, unsure, k, query_rows=rows, labels=codes, drop_first=True)
            keep[unsure] = _keep(neighbours.answer(nn, rest, how), code, self.kind_sel)
        return keep, proof


_edited_nearest = _same_parameters(under_sampling.EditedNearestNeighbours, lambda: FastEditedNearestNeighbours)


def _edited_in_rounds(sampler: Any) -> Any:
    """The ENN of RepeatedEditedNearestNeighbours and AllKNN, which hands its bounds to the next round."""
    sampler = _edited_nearest(sampler)
    if type(sampler) is FastEditedNearestNeighbours:
        sampler._balancer_carry = True
    return sampler


_FastRepeatedEditedNearestNeighboursBase: Any = adapters.swapped(under_sampling.RepeatedEditedNearestNeighbours,
                                                                enn_=_edited_in_rounds)


def _in_rounds(sampler: Any, X: Any, y: np.ndarray, rounds: Callable[[Any, Any, np.ndarray], Any]) -> Any:
    """imbalanced-learn's rounds; the bounds handed between them are dropped at the end (not kept,
    nor pickled, with the fitted sampler)."""
    try:
        return rounds(sampler, X, y)
    finally:
        if hasattr(getattr(sampler, "enn_", None), "_balancer_carried"):
            sampler.enn_._balancer_carried = None


class FastRepeatedEditedNearestNeighbours(_FastRepeatedEditedNearestNeighboursBase):
    """imbalanced-learn's ``RepeatedEditedNearestNeighbours``, each round a :class:`FastEditedNearestNeighbours`."""

    def _fit_resample(self, X: Any, y: np.ndarray) -> tuple[Any, np.ndarray]:
        return _in_rounds(self, X, y, _FastRepeatedEditedNearestNeighboursBase._fit_resample)  # type: ignore[no-any-return]


_FastAllKNNBase: Any = adapters.swapped(under_sampling.AllKNN, enn_=_edited_in_rounds)


class FastAllKNN(_FastAllKNNBase):
    """imbalanced-learn's ``AllKNN``, each round a :class:`FastEditedNearestNeighbours`."""

    def _fit_resample(self, X: Any, y: np.ndarray) -> tuple[Any, np.ndarray]:
        return _in_rounds(self, X, y, _FastAllKNNBase._fit_resample)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------
# the rules built on a 1-NN (or k-NN) classifier


_FastOneSidedSelectionBase: Any = adapters.swapped(under_sampling.OneSidedSelection, returned=fast_classifier)


class FastOneSidedSelection(_FastOneSidedSelectionBase):
    """imbalanced-learn's ``OneSidedSelection`` (its own steps and random draws) with the fast k-NN rule
    and the fast Tomek step."""

    def _fit_resample(self, X: Any, y: np.ndarray) -> tuple[Any, np.ndarray]:
        if not adapters.internals_checked():
            return super()._fit_resample(X, y)
        return adapters.one_sided_selection(self, X, y, FastTomekLinks)


_FastCondensedNearestNeighbourBase: Any = adapters.swapped(under_sampling.CondensedNearestNeighbour,
                                                          returned=fast_classifier)


class FastCondensedNearestNeighbour(_FastCondensedNearestNeighbourBase):
    """imbalanced-learn's ``CondensedNearestNeighbour`` that follows each row's nearest kept row as
    rows are kept, instead of classifying every row again after each one.

    imbalanced-learn walks the rows of a class; a row its 1-NN rule (fitted on the rows kept so far)
    misclassifies is kept, the rule refitted and every row of the class classified again: time in
    kept rows x class rows x kept rows. Here each row's two nearest kept rows are known and updated
    with the distances to each newly kept row only; a prediction is the label of the nearest where
    the two are further apart than both engines' rounding, and scikit-learn's own (the same call as
    imbalanced-learn's, on the same rows) elsewhere. Same random draws, same rows kept, same
    ``estimators_``. Other rules than the plain euclidean 1-NN run imbalanced-learn's loop.
    """

    def _fit_resample(self, X: Any, y: np.ndarray) -> tuple[Any, np.ndarray]:
        estimator = adapters.validated_estimator(self)
        if (not _own_code(X) or X.dtype not in (np.float32, np.float64) or type(estimator) is not
                FastKNeighboursClassifier or estimator.n_neighbors != 1 or estimator.weights != "uniform"
                or not adapters.plain_euclidean(clone(estimator).fit(X[:2], y[:2]))):
            return super()._fit_resample(X, y)
        target_stats = Counter(y)
        class_minority = min(target_stats, key=lambda label: target_stats[label])
        if _mostly_tied(X, np.flatnonzero(y == class_minority), np.flatnonzero(y != class_minority)):
            return super()._fit_resample(X, y)  # scikit-learn would answer most predictions anyway
        random_state = check_random_state(self.random_state)
        idx_under = np.empty((0,), dtype=int)
        self.estimators_ = []
        for target_class in np.unique(y):
            if target_class in self.sampling_strategy_:
                idx_maj = np.flatnonzero(y == target_class)
                idx_maj_sample = idx_maj[random_state.randint(low=0, high=target_stats[target_class],
                                                              size=self.n_seeds_S)]
                C_indices = np.append(np.flatnonzero(y == class_minority), idx_maj_sample)
                kept = _Condensing(X, y, C_indices, idx_maj, estimator).run(idx_maj_sample)
                idx_maj_sample = kept
                C_indices = np.append(np.flatnonzero(y == class_minority), kept)
                self.estimators_.append(clone(estimator).fit(X[C_indices], y[C_indices]))
                idx_under = np.concatenate((idx_under, idx_maj_sample), axis=0)
            else:
                idx_under = np.concatenate((idx_under, np.flatnonzero(y == target_class)), axis=0)
        self.sample_indices_ = idx_under
        return _selected(self, X, y, idx_under)


def _mostly_tied(X: np.ndarray, kept: np.ndarray, rows: np.ndarray) -> bool:
    """Whether most of (a sample of) ``rows`` have their two nearest ``kept`` rows too close to tell apart."""
    if kept.size < 2 or rows.size == 0:
        return False
    sample = rows[np.linspace(0, rows.size - 1, min(256, rows.size)).astype(np.int64)]
    queries = np.asarray(X[sample], dtype=np.float64)
    squared, _, certain = Index(X[kept]).query(queries, 2)
    tol = neighbours.tolerance(squared, np.einsum("ij,ij->i", queries, queries), X.shape[1],
                               float(np.einsum("ij,ij->i", X, X, dtype=np.float64).max()))
    sure = certain & (squared[:, 1] - squared[:, 0] > tol[:, 0] + tol[:, 1])
    return bool(sure.mean() < 0.5)


class _Condensing:
    """imbalanced-learn's condensing loop for one class, with each row's two nearest kept rows."""

    def __init__(self, X: np.ndarray, y: np.ndarray, C_indices: np.ndarray, S_indices: np.ndarray, rule: Any):
        self.X, self.y, self.rule = X, y, rule
        self.C = list(C_indices)
        self.S = S_indices
        self.S_x = X[S_indices]  # as scikit-learn gets them (unsure rows)
        self.S_64 = np.asarray(self.S_x, dtype=np.float64)  # our distances are float64's
        self.qnorm = np.einsum("ij,ij->i", self.S_64, self.S_64)
        self.d = X.shape[1]
        self.max_norm = float(np.einsum("ij,ij->i", X, X, dtype=np.float64).max())
        self.fitted: Any = None
        if len(self.C) >= 2:
            squared, found, certain = Index(X[self.C]).query(self.S_64, 2)
            self.best_d, self.second_d = squared[:, 0].copy(), squared[:, 1].copy()
            self.best_i = np.asarray(self.C)[found[:, 0]]
            self.best_d[~certain] = 0.0  # unsure until a row is strictly nearer
            self.second_d[~certain] = 0.0
        else:
            diff = self.S_64 - np.asarray(X[self.C[0]], dtype=np.float64)
            self.best_d = np.einsum("ij,ij->i", diff, diff)
            self.second_d = np.full(len(self.S), np.inf)
            self.best_i = np.full(len(self.S), self.C[0])
        self._settle()

    def _settle(self) -> None:
        """Which rows' nearest kept row is certain: the second lies further than both engines' rounding."""
        second = np.where(np.isfinite(self.second_d), self.second_d, self.best_d)
        tol = neighbours.tolerance(np.stack([self.best_d, second], axis=1), self.qnorm, self.d, self.max_norm)
        self.sure = self.second_d - self.best_d > tol[:, 0] + tol[:, 1]

    def _rule(self) -> Any:
        """The 1-NN rule fitted on the kept rows (as imbalanced-learn's is), for unsure rows."""
        if self.fitted is None:
            self.fitted = clone(self.rule).fit(self.X[self.C], self.y[self.C])
        return self.fitted

    def _keep(self, row: int) -> None:
        self.C.append(row)
        self.fitted = None
        diff = self.S_64 - np.asarray(self.X[row], dtype=np.float64)
        new = np.einsum("ij,ij->i", diff, diff)
        nearer = new < self.best_d
        self.second_d = np.where(nearer, self.best_d, np.minimum(self.second_d, new))
        self.best_d = np.where(nearer, new, self.best_d)
        self.best_i = np.where(nearer, row, self.best_i)
        self._settle()

    def predict_all(self) -> np.ndarray:
        predicted = self.y[self.best_i]
        unsure = np.flatnonzero(~self.sure)
        if unsure.size:
            predicted[unsure] = adapters.sklearn_predict(self._rule(), self.S_x, unsure)
        return predicted

    def run(self, seeds: np.ndarray) -> np.ndarray:
        """imbalanced-learn's loop: the rows of the class kept (the seeds first)."""
        kept = seeds.copy()
        good = set(kept.tolist())
        target = self.y[self.S[0]]
        for position in range(len(self.S)):
            if position in good:
                continue
            if self.sure[position]:
                predicted = self.y[self.best_i[position]]
            else:
                predicted = KNeighborsClassifier.predict(self._rule(), self.S_x[position].reshape(1, -1))[0]
            if predicted != target:
                kept = np.append(kept, self.S[position])
                self._keep(int(self.S[position]))
                right = np.flatnonzero(self.predict_all() == target)
                good = set(np.unique(np.append(kept, right)).tolist())
        return kept


_FastNeighbourhoodCleaningRuleBase: Any = adapters.swapped(under_sampling.NeighbourhoodCleaningRule,
                                                          nn_=fast_classifier,
                                                          edited_nearest_neighbours_=_edited_nearest)


class FastNeighbourhoodCleaningRule(_FastNeighbourhoodCleaningRuleBase):
    """imbalanced-learn's ``NeighbourhoodCleaningRule`` with the fast k-NN rule and the fast edited
    nearest neighbours (set up from its own parameters at each fit, as imbalanced-learn does), which
    asks for the neighbours of only the minority rows it uses: the misclassified ones."""

    def _fit_resample(self, X: Any, y: np.ndarray) -> tuple[Any, np.ndarray]:
        # imbalanced-learn 0.14's own steps (adapters.internals_checked), but one question smaller
        if not _own_code(X):
            return super()._fit_resample(X, y)
        adapters.validated_estimator(self)
        k = int(self.nn_.n_neighbors) + 1  # imbalanced-learn's count: the row itself comes first
        if type(self.nn_) is not FastKNeighboursClassifier or k > len(y):
            return super()._fit_resample(X, y)
        self.edited_nearest_neighbours_.fit_resample(X, y)
        edited_out = np.ones(y.shape, dtype=bool)
        edited_out[self.edited_nearest_neighbours_.sample_indices_] = False
        index_a1 = np.flatnonzero(edited_out)

        target_stats = Counter(y)
        class_minority = min(target_stats, key=target_stats.get)  # type: ignore[arg-type]
        self.classes_to_clean_ = [
            c for c, n_samples in target_stats.items()
            if c in self.sampling_strategy_ and n_samples > target_stats[class_minority] * self.threshold_cleaning
        ]
        self.nn_.fit(X, y)
        class_minority_indices = np.flatnonzero(y == class_minority)
        X_minority, y_minority = X[class_minority_indices], y[class_minority_indices]
        misclassified = np.flatnonzero(self.nn_.predict(X_minority) != y_minority)
        # imbalanced-learn asks about every minority row and keeps the misclassified rows' answers
        found = (neighbours.answer(self.nn_, Question(X_minority, misclassified, k))[:, 1:] if misclassified.size
                 else np.empty((0, k - 1), dtype=np.int64))
        index_a2 = np.array([index for index in np.unique(np.ravel(found)) if y[index] in self.classes_to_clean_])

        union_a1_a2 = np.union1d(index_a1, index_a2).astype(int)
        selected_samples = np.ones(y.shape, dtype=bool)
        selected_samples[union_a1_a2] = False
        self.sample_indices_ = np.flatnonzero(selected_samples)
        return X[self.sample_indices_], y[self.sample_indices_]


# --------------------------------------------------------------------------------------------
# SMOTE and its relatives


# --------------------------------------------------------------------------------------------
# NearMiss


#: memory for scikit-learn's distances of the rows asked, per call (a distance and an index a pair)
_NEARMISS_ASK_BYTES = 256 * 1024**2
#: most farthest rows summed by Balancer's own code (the bound's arithmetic is a few (rows, k)
#: arrays: past this, and near k = the minority's size, scikit-learn's sorted distances are as
#: quick, so every row takes them, asked by chunks as for open rows)
_NEARMISS_MOST_K = 64
#: largest magnitude of a value for Balancer's own code (squares of larger ones near float64's limit)
_NEARMISS_LARGEST = 1e100
#: rows tried first, to see whether the bound can order the sums at all
_NEARMISS_PILOT = 256


def _overlapping(order: np.ndarray, sums: np.ndarray, errors: np.ndarray, n: int) -> np.ndarray:
    """Rows whose place among the first n (``order`` sorts ``sums``) is not certain: the members of
    each group of intervals ``[sum - error, sum + error]`` joined by overlaps (taken in order of their
    lower ends, each against every interval before it) that holds a place before n. A row outside
    the first n that belongs among them overlaps one inside, so its group holds a place before n."""
    low = sums - errors
    by_low = np.argsort(low, kind="stable")
    high = (sums + errors)[by_low]
    joined = np.zeros(len(by_low), dtype=bool)
    joined[1:] = low[by_low][1:] <= np.maximum.accumulate(high)[:-1]
    group = np.empty(len(by_low), dtype=np.int64)
    group[by_low] = np.cumsum(~joined)
    sizes = np.bincount(group)
    early = np.unique(group[order[:n]])
    return np.asarray(order[np.isin(group[order], early[sizes[early] > 1])])


def _their_sums(nn: Any, queries: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """imbalanced-learn's sums for ``rows``: scikit-learn's own distances to every fitted row
    (:func:`adapters.sklearn_distances`), asked a few whole chunks of queries at a time (a multiple
    of its threads, each taking a chunk) so that memory stays within :data:`_NEARMISS_ASK_BYTES` (or
    one chunk a thread), and the last k summed as imbalanced-learn does."""
    chunk = adapters.query_chunk(len(queries))
    fitted = adapters.fitted_rows(nn).shape[0]
    threads = adapters.search_threads()  # whole rounds of chunks for its threads: none left idle
    per_call = max(threads, _NEARMISS_ASK_BYTES // (16 * chunk * fitted) // threads * threads)
    chunk_of = rows // chunk
    ids = np.unique(chunk_of)
    sums = np.empty(len(rows))
    for start in range(0, len(ids), per_call):
        asked = np.isin(chunk_of, ids[start:start + per_call])
        distances = adapters.sklearn_distances(nn, queries, rows[asked], fitted, last=k)
        sums[asked] = np.sum(distances, axis=1)
    return sums


def _errors(squared: np.ndarray, sums: np.ndarray, queries: np.ndarray, minority: np.ndarray, k: int) -> np.ndarray:
    """How far scikit-learn's sum of each row's k farthest distances may lie from ours."""
    query_norms = np.einsum("ij,ij->i", queries, queries)
    largest = float(np.einsum("ij,ij->i", minority, minority).max(initial=0.0))
    # each engine's squared distance within the tolerance (twice it for the k-th largest of values
    # each so bounded), then the square roots' and the sum's rounding, twice again
    bound = 2.0 * neighbours.tolerance(squared, query_norms, queries.shape[1], largest)
    spread = np.sqrt(squared + bound) - np.sqrt(np.maximum(squared - bound, 0.0))
    return np.asarray(2.0 * (spread.sum(axis=1) + 4 * k * neighbours.EPS * sums) + 1e-300)


def _mostly_open(queries: np.ndarray, minority: np.ndarray, k: int, n: int) -> bool:
    """Whether the rows the bound would leave open among the first n fall in most of scikit-learn's
    chunks of queries (rows far from the origin, whose distances scikit-learn computes with errors
    as wide as the gaps between sums), judged on :data:`_NEARMISS_PILOT` rows spread over the
    queries: then asking for those chunks is scikit-learn's whole work, and our own pass would only
    add to it."""
    pilot = queries[np.linspace(0, len(queries) - 1, _NEARMISS_PILOT).astype(np.int64)]
    squared = neighbours.farthest(pilot, minority, k)
    sums = np.sum(np.sqrt(squared), axis=1)
    errors = _errors(squared, sums, pilot, minority, k)
    spread = float(sums.max() - sums.min())
    if spread <= 0 or _overlapping(np.argsort(sums, kind="stable"), sums, errors, len(sums)).size > len(sums) // 8:
        return True  # ties already among a few hundred rows: among all of them, nearly every row
    # rows of the whole set expected within a typical interval, with sums spread as the pilot's
    crowd = 2.0 * float(np.median(errors)) * len(queries) / spread
    chunks = len(queries) / adapters.query_chunk(len(queries))
    return n * min(1.0, crowd) > chunks / 2


def nearmiss_farthest(nn: Any, queries: np.ndarray, minority: np.ndarray, k: int, n: int) -> np.ndarray | None:
    """NearMiss-2's choice among ``queries`` as imbalanced-learn makes it: the n rows whose k farthest
    minority rows (``nn`` is fitted on them) lie nearest in sum, in that order (ties by position).

    imbalanced-learn asks scikit-learn for every minority row of every query, sorted (memory: a
    distance and an index per pair), and sums the last k. Here :func:`neighbours.farthest` gives the
    k farthest from one matrix product per block; the sums are scikit-learn's bit for bit on integer
    rows (:func:`neighbours.exact_in_float64`), and otherwise within a bound of them, so rows whose
    places among the first n the bound leaves open (ties: one-hot rows scaled by 1/sqrt(2),
    duplicate rows) take scikit-learn's own sums (:func:`_their_sums`), until none is left open;
    None where those bits come only from scikit-learn's whole call (its Cython search turned off).
    """
    exact = neighbours.exact_in_float64(queries, minority)
    if k > _NEARMISS_MOST_K or (not exact and len(queries) > 4 * _NEARMISS_PILOT
                                and _mostly_open(queries, minority, k, n)):
        if not adapters.distances_by_chunks(nn, queries):
            return None
        return np.argsort(_their_sums(nn, queries, np.arange(len(queries)), k), kind="stable")[:n]
    squared = neighbours.farthest(queries, minority, k)
    sums = np.sum(np.sqrt(squared), axis=1)
    order = np.argsort(sums, kind="stable")  # imbalanced-learn's sorted() keeps ties in row order
    if exact:
        return order[:n]
    errors = _errors(squared, sums, queries, minority, k)
    unsure = _overlapping(order, sums, errors, n)
    if unsure.size and not adapters.distances_by_chunks(nn, queries):
        return None  # scikit-learn's bits come only from its whole call: imbalanced-learn's code runs
    while (unsure := unsure[errors[unsure] > 0]).size:  # each round makes more sums exact
        sums[unsure] = _their_sums(nn, queries, unsure, k)
        errors[unsure] = 0.0
        order = np.argsort(sums, kind="stable")
        unsure = _overlapping(order, sums, errors, n)
    return order[:n]


class FastNearMiss(under_sampling.NearMiss):
    """imbalanced-learn's ``NearMiss``; version 2 without scikit-learn's search of every minority row.

    Version 2 keeps the majority rows whose k farthest minority rows are nearest in sum. imbalanced-
    learn finds them by asking scikit-learn for all minority rows of each row, sorted: a distance
    and an index per pair (7.6 GB at 100,000 x 20 with 5% minority, 30 GB at twice that) and a heap
    as deep as the minority. Here :func:`nearmiss_farthest` makes the same choice in the same order,
    within a few hundred MB whatever the table (scikit-learn's distances, where they are needed,
    are asked a few chunks of rows at a time).
    More than :data:`_NEARMISS_MOST_K` farthest rows take scikit-learn's sums for every row, by
    chunks. Versions 1 and 3, a neighbours object other than scikit-learn's euclidean
    ``NearestNeighbors``, values beyond :data:`_NEARMISS_LARGEST`,
    scikit-learn's search configured otherwise than by default (its Cython search off, its chunks
    resized) and float32 or sparse input run imbalanced-learn's code.
    """

    def _fit_resample(self, X: Any, y: np.ndarray) -> tuple[Any, np.ndarray]:
        if self.version != 2 or not _own_code(X) or X.dtype != np.float64:
            return super()._fit_resample(X, y)
        nn = adapters.fitted_neighbours(self, "nn_")
        counts = Counter(y)
        minority_class = min(counts, key=counts.get)  # type: ignore[arg-type]
        minority = X[np.flatnonzero(y == minority_class)]
        k = nn.n_neighbors if type(nn) is NearestNeighbors else None
        if (not isinstance(k, (int, np.integer)) or not 1 <= k <= len(minority)
                or not np.abs(X).max(initial=0.0) <= _NEARMISS_LARGEST or not adapters.default_search_config()):
            return super()._fit_resample(X, y)
        nn.fit(minority)
        if not adapters.plain_euclidean(nn):
            return super()._fit_resample(X, y)
        chosen = []
        for target_class in np.unique(y):
            rows = np.flatnonzero(y == target_class)
            if target_class in self.sampling_strategy_:
                n_samples = self.sampling_strategy_[target_class]
                picked = nearmiss_farthest(nn, X[rows], minority, int(k), n_samples) if n_samples <= len(rows) else None
                if picked is None:  # (more rows asked than the class has: imbalanced-learn warns, keeps all)
                    return super()._fit_resample(X, y)
                rows = rows[picked]
            chosen.append(rows)
        self.sample_indices_ = np.concatenate([np.empty((0,), dtype=int), *chosen])
        return _selected(self, X, y, self.sample_indices_)


_BLOCK = 32_768


def _interpolate(X_class: np.ndarray, nns: np.ndarray, rows: np.ndarray, cols: np.ndarray, steps: np.ndarray,
                 into: np.ndarray) -> None:
    """Write SMOTE's new rows ``X[rows] + steps * (nn - X[rows])`` into ``into``, in blocks.

    The arithmetic and its order are imbalanced-learn's, so every bit is identical: the difference in
    X's type, the step and the sum in float64, the result cast back to X's type.
    """
    in_place = X_class.dtype == np.float64
    for start in range(0, len(rows), _BLOCK):
        stop = min(start + _BLOCK, len(rows))
        block_rows = rows[start:stop]
        base = X_class[block_rows]
        diffs = X_class[nns[block_rows, cols[start:stop]]]
        np.subtract(diffs, base, out=diffs)
        if in_place:
            np.multiply(steps[start:stop], diffs, out=diffs)
            np.add(base, diffs, out=into[start:stop])
        else:
            into[start:stop] = (base + steps[start:stop] * diffs).astype(X_class.dtype)


_FastSMOTEBase: Any = adapters.swapped(over_sampling.SMOTE, nn_k_=fast_neighbours)


class FastSMOTE(_FastSMOTEBase):
    """imbalanced-learn's ``SMOTE`` with the same draws and the same rows, made with less memory traffic.

    imbalanced-learn copies X, makes each class's new rows with five full-size temporaries and
    stacks everything at the end. Here the output is allocated once, X written at the top, and the
    new rows computed straight into their place in blocks from SMOTE's own draws.
    """

    def _fit_resample(self, X: Any, y: np.ndarray) -> tuple[Any, np.ndarray]:
        if not _own_code(X):
            return super()._fit_resample(X, y)
        nn = adapters.fitted_neighbours(self, "nn_k_")
        n, total = len(X), len(X) + sum(int(v) for v in self.sampling_strategy_.values())
        y_out = np.empty(total, dtype=y.dtype)
        y_out[:n] = y
        if getattr(self, "_balancer_rows_only", False):  # the new rows only (see rows_only)
            X_out = np.empty((total - n, X.shape[1]), dtype=X.dtype)
            offset = n
        else:
            X_out = np.empty((total, X.shape[1]), dtype=X.dtype)
            X_out[:n] = X
            offset = 0
        position = n
        for class_sample, n_samples in self.sampling_strategy_.items():
            if n_samples == 0:
                continue
            X_class = X[np.flatnonzero(y == class_sample)]
            nn.fit(X_class)
            nns = nn.kneighbors(X_class, return_distance=False)[:, 1:]
            rows, cols, steps = adapters.smote_draws(self, nns, n_samples, class_sample, y.dtype)
            _interpolate(X_class, nns, rows, cols, steps, X_out[position - offset:position - offset + n_samples])
            y_out[position:position + n_samples] = class_sample
            position += n_samples
        neighbours.release(nn)
        return X_out, y_out


_FastADASYNBase: Any = adapters.swapped(over_sampling.ADASYN, nn_=fast_neighbours)


class FastADASYN(_FastADASYNBase):
    """imbalanced-learn's ``ADASYN`` with the fast neighbour search."""


_FastBorderlineSMOTEBase: Any = adapters.swapped(over_sampling.BorderlineSMOTE, nn_k_=fast_neighbours,
                                                nn_m_=fast_neighbours)


class FastBorderlineSMOTE(_FastBorderlineSMOTEBase):
    """imbalanced-learn's ``BorderlineSMOTE`` with the fast neighbour search."""


_FastSVMSMOTEBase: Any = adapters.swapped(over_sampling.SVMSMOTE, nn_k_=fast_neighbours, nn_m_=fast_neighbours)


class FastSVMSMOTE(_FastSVMSMOTEBase):
    """imbalanced-learn's ``SVMSMOTE`` with the fast neighbour search (most of its time is its SVM)."""


_smote = _same_parameters(over_sampling.SMOTE, lambda: FastSMOTE)
_tomek = _same_parameters(under_sampling.TomekLinks, lambda: FastTomekLinks)


_FastSMOTEENNBase: Any = adapters.swapped(combine.SMOTEENN, smote_=_smote, enn_=_edited_nearest)


class FastSMOTEENN(_FastSMOTEENNBase):
    """imbalanced-learn's ``SMOTEENN`` with :class:`FastSMOTE` and :class:`FastEditedNearestNeighbours`."""


_FastSMOTETomekBase: Any = adapters.swapped(combine.SMOTETomek, smote_=_smote, tomek_=_tomek)


class FastSMOTETomek(_FastSMOTETomekBase):
    """imbalanced-learn's ``SMOTETomek`` with :class:`FastSMOTE` and :class:`FastTomekLinks`."""


#: imbalanced-learn's class -> Balancer's drop-in (the same parameters and results)
DROP_INS: dict[type, type] = {
    over_sampling.SMOTE: FastSMOTE,
    over_sampling.ADASYN: FastADASYN,
    over_sampling.BorderlineSMOTE: FastBorderlineSMOTE,
    over_sampling.SVMSMOTE: FastSVMSMOTE,
    under_sampling.TomekLinks: FastTomekLinks,
    under_sampling.EditedNearestNeighbours: FastEditedNearestNeighbours,
    under_sampling.RepeatedEditedNearestNeighbours: FastRepeatedEditedNearestNeighbours,
    under_sampling.AllKNN: FastAllKNN,
    under_sampling.OneSidedSelection: FastOneSidedSelection,
    under_sampling.CondensedNearestNeighbour: FastCondensedNearestNeighbour,
    under_sampling.NeighbourhoodCleaningRule: FastNeighbourhoodCleaningRule,
    under_sampling.NearMiss: FastNearMiss,
    combine.SMOTEENN: FastSMOTEENN,
    combine.SMOTETomek: FastSMOTETomek,
}


# --------------------------------------------------------------------------------------------
# the fast builders of the registry's entries: (validated parameters, build context) -> sampler


def drop_in(cls: type) -> Builder:
    """Build the drop-in ``cls`` with the entry's parameters, as imbalanced-learn's class would be."""

    def build(params: dict[str, Any], ctx: BuildContext) -> Any:
        return ctx.construct(params, cls)

    return build


smote = drop_in(FastSMOTE)
tomek = drop_in(FastTomekLinks)
edited = drop_in(FastEditedNearestNeighbours)
cleaning_rule = drop_in(FastNeighbourhoodCleaningRule)
one_sided_selection = drop_in(FastOneSidedSelection)


__all__ = [
    "DROP_INS",
    "FastADASYN",
    "FastAllKNN",
    "FastBorderlineSMOTE",
    "FastCondensedNearestNeighbour",
    "FastEditedNearestNeighbours",
    "FastNearMiss",
    "FastNeighbourhoodCleaningRule",
    "FastOneSidedSelection",
    "FastRepeatedEditedNearestNeighbours",
    "FastSMOTE",
    "FastSMOTEENN",
    "FastSMOTETomek",
    "FastSVMSMOTE",
    "FastTomekLinks",
    "cleaning_rule",
    "drop_in",
    "edited",
    "engine",
    "fast_classifier",
    "fast_neighbours",
    "one_sided_selection",
    "rows_only",
    "smote",
    "tomek",
    "tomek_links",
]
