"""The one place where Balancer reaches into imbalanced-learn's and scikit-learn's internals.

Everything here depends on how imbalanced-learn 0.14.2 and scikit-learn 1.9.1 work inside, read
in their sources, not on their documented API. No module global of another library is ever
replaced. What is used, and why:

- ``sampling_type(cls)`` reads a sampler class's ``_sampling_type`` (over-, under- or
  clean-sampling), which decides how imbalanced-learn reads ``sampling_strategy``.
- ``fitted_neighbours(sampler, attribute)`` calls a sampler's ``_validate_estimator()`` and returns
  the neighbours object it sets up (``nn_k_`` for SMOTE, ``nn_`` for edited nearest neighbours).
- ``smote_draws(...)`` runs SMOTE's own ``_make_samples`` (the random rows, neighbours and steps
  of the synthetic rows) with a stand-in for the sampler whose ``_generate_samples`` hands the draws
  back instead of making rows, so Balancer can write the rows straight into their place with the
  same arithmetic, and no temporary state is kept on the sampler.
- ``target_counts(...)`` asks imbalanced-learn's public ``check_sampling_strategy`` how it reads a
  ``sampling_strategy`` when only class counts are known (the Spark engine counts billions of labels
  without holding them): the ``y`` it gets is a stand-in that answers ``np.unique(y,
  return_counts=True)`` with the counts, which is how imbalanced-learn reads them, and converts to
  one label per class for ``type_of_target``.
- ``one_sided_selection(sampler, X, y, tomek)`` runs imbalanced-learn's own
  ``OneSidedSelection._fit_resample`` (its steps and random draws) with its Tomek step, which it
  hard-wires to ``TomekLinks``, done by Balancer's ``tomek`` class instead: the function is
  rebuilt from its code object over a *copy* of its module's namespace in which ``TomekLinks``
  names ``tomek``. imbalanced-learn's module is left as it is.
- ``swapped(base, ...)`` makes a subclass of an imbalanced-learn sampler whose
  ``_validate_estimator`` (where imbalanced-learn sets up the neighbours objects and inner samplers
  it will use) hands back Balancer's drop-ins in their place: a ``NearestNeighbors`` becomes a
  ``FastNeighbours`` with the same parameters, an ``EditedNearestNeighbours`` a fast one, and so on.
  Everything else (parameters, validation, draws) stays imbalanced-learn's.
- Balancer's fast samplers (:mod:`balancer.samplers`) subclass imbalanced-learn's and some override
  ``_fit_resample``, the method imbalanced-learn has every sampler implement behind ``fit_resample``.

From scikit-learn (1.9.1), for the neighbour search (:mod:`balancer.neighbours`):

- a fitted ``NearestNeighbors``/``KNeighborsClassifier`` keeps its rows in ``_fit_X`` and its search
  in ``_fit_method`` (``brute``, ``kd_tree`` or ``ball_tree``, what ``algorithm="auto"`` chose);
- a tree answers every query on its own (``KDTree.query`` per row), so asking it about some rows
  gives exactly what asking about all gives for them;
- brute force goes through ``ArgKmin.compute`` (``sklearn.metrics._pairwise_distances_reduction``):
  queries in chunks of ``pairwise_dist_chunk_size`` (256) rows, each against every fitted row, the
  distances from one BLAS product per pair of chunks, and ``strategy="auto"`` choosing to run in
  parallel over query chunks or over fitted chunks from the counts of rows and OpenMP threads
  (``_openmp_effective_n_threads``). ``sklearn_kneighbors`` asks it about whole chunks only, in the
  same order and with the strategy the whole call would have taken, so the products, the heaps and
  hence the ties come out as in the whole call; ``predict`` (``ArgKminClassMode``, always
  ``parallel_on_X``) likewise; ``sklearn_distances`` the same for the distances (NearMiss-2 asks
  them for the rows whose order our own arithmetic cannot settle).

At import the installed versions are compared with the ones checked (:data:`CHECKED`, the pins
of ``requirements.txt``). When they differ, :data:`MISMATCH` says so, the fast engine steps aside
for imbalanced-learn's own classes (same results, its speed) and the resample result carries
:data:`MISMATCH` as a notice; ``target_counts`` first makes sure its stand-in still gives
imbalanced-learn's answers on a small real target, and refuses clearly when it does not.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from typing import Any

import numpy as np
from imblearn import over_sampling
from imblearn.utils import check_sampling_strategy
from scipy import sparse
from sklearn import get_config
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from sklearn.utils.validation import validate_data

from .errors import EngineError

try:  # private parts: where another version moved them, MISMATCH says so and nothing here is used
    from imblearn.under_sampling._prototype_selection import _one_sided_selection
    from sklearn.metrics._pairwise_distances_reduction import ArgKmin, ArgKminClassMode
    from sklearn.neighbors._classification import _adjusted_metric
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
except ImportError:  # pragma: no cover - only with other versions
    pass

#: The versions whose internals this module was checked against (the pins of requirements.txt).
CHECKED: dict[str, str] = {"imbalanced-learn": "0.14.2", "scikit-learn": "1.9.1"}


def installed_versions() -> dict[str, str]:
    """The installed version of each library in :data:`CHECKED` (``"missing"`` if not installed)."""
    out = {}
    for name in CHECKED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def version_mismatch(installed: Mapping[str, str] | None = None) -> str | None:
    """The notice to show when ``installed`` differs from :data:`CHECKED`, or None when they agree."""
    installed = installed_versions() if installed is None else installed
    differ = [f"{name} {installed.get(name, 'missing')} (checked: {version})"
              for name, version in CHECKED.items() if installed.get(name) != version]
    if not differ:
        return None
    return (f"imbalanced-learn's own samplers ran instead of Balancer's fast ones (same results, "
            f"slower): installed {', '.join(differ)}, and the fast engine relies on their internals")


#: None when the installed versions are the checked ones; else the notice that says they are not.
MISMATCH: str | None = version_mismatch()


def internals_checked() -> bool:
    """Whether the installed versions are the ones this module was checked against."""
    return MISMATCH is None


# --------------------------------------------------------------------------------------------
# samplers


def sampling_type(sampler_class: type | None) -> str | None:
    """``over-sampling``, ``under-sampling`` or ``clean-sampling`` for an imbalanced-learn class."""
    return getattr(sampler_class, "_sampling_type", None) if sampler_class is not None else None


def validated_estimator(sampler: Any) -> Any:
    """Run a sampler's own set-up of the objects it uses (``_validate_estimator()``: neighbours
    objects and inner samplers, swapped for drop-ins by :func:`swapped`) and return what it returns
    (the k-NN rule of one-sided selection and condensed nearest neighbour)."""
    return sampler._validate_estimator()


def fitted_neighbours(sampler: Any, attribute: str) -> Any:
    """Set up ``sampler``'s neighbours object (``_validate_estimator``) and return it."""
    sampler._validate_estimator()
    return getattr(sampler, attribute)


class _DrawRecorder:
    """Stands in for a SMOTE sampler in its ``_make_samples``: same random state; the draws come
    back from ``_generate_samples`` instead of rows."""

    def __init__(self, random_state: Any):
        self.random_state = random_state

    def _generate_samples(self, X: Any, nn_data: Any, nn_num: np.ndarray, rows: np.ndarray,
                          cols: np.ndarray, steps: np.ndarray, y_type: Any = None,
                          y: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return rows, cols, steps


def smote_draws(sampler: Any, nn_num: np.ndarray, n_samples: int, y_type: Any, y_dtype: Any,
                step_size: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SMOTE's draws for ``n_samples`` new rows: base rows, neighbour columns of ``nn_num``, steps.

    New row ``i`` is ``X[rows[i]] + steps[i] * (X[nn_num[rows[i], cols[i]]] - X[rows[i]])``; the
    random state is used exactly as ``sampler._make_samples`` uses it.
    """
    recorder = _DrawRecorder(sampler.random_state)
    draws, _ = over_sampling.SMOTE._make_samples(
        recorder, None, y_dtype, y_type, None, nn_num, n_samples, step_size)
    return draws


@functools.cache
def _one_sided_selection_with(tomek: type) -> Callable[..., Any]:
    """imbalanced-learn's ``OneSidedSelection._fit_resample`` with ``TomekLinks`` meaning ``tomek``."""
    original = _one_sided_selection.OneSidedSelection._fit_resample  # the defining module's, never a stand-in
    namespace = dict(original.__globals__, TomekLinks=tomek)
    return types.FunctionType(original.__code__, namespace, original.__name__, original.__defaults__,
                              original.__closure__)


def one_sided_selection(sampler: Any, X: Any, y: np.ndarray, tomek: type) -> tuple[Any, np.ndarray]:
    """Run ``sampler`` (a ``OneSidedSelection``) as imbalanced-learn does, its Tomek step by ``tomek``."""
    return _one_sided_selection_with(tomek)(sampler, X, y)  # type: ignore[no-any-return]


def swapped(base: Any, returned: Callable[[Any], Any] | None = None,
            **attributes: Callable[[Any], Any]) -> Any:
    """A subclass of the imbalanced-learn sampler ``base`` whose ``_validate_estimator`` passes each
    object it sets up in ``attributes`` (and, with ``returned``, the object it returns) through the
    given function, which hands back Balancer's drop-in or the object itself. With library versions
    other than the checked ones nothing is swapped."""

    def _validate_estimator(self: Any, *args: Any, **kwargs: Any) -> Any:
        out = base._validate_estimator(self, *args, **kwargs)
        if not internals_checked():  # other versions: imbalanced-learn's own objects, as they are
            return out
        for name, swap in attributes.items():
            setattr(self, name, swap(getattr(self, name)))
        return out if returned is None else returned(out)

    return type(base.__name__, (base,), {"_validate_estimator": _validate_estimator, "__module__": __name__,
                                         "__doc__": base.__doc__})


# --------------------------------------------------------------------------------------------
# scikit-learn's nearest neighbours


def fitted_rows(estimator: Any) -> Any:
    """The rows a fitted scikit-learn neighbours estimator searches (as it validated them)."""
    return estimator._fit_X


def n_fitted(estimator: Any) -> int:
    """How many rows a fitted scikit-learn neighbours estimator searches."""
    return int(estimator.n_samples_fit_)


def fit_method(estimator: Any) -> str:
    """``brute``, ``kd_tree`` or ``ball_tree``: how a fitted scikit-learn neighbours estimator searches."""
    return str(estimator._fit_method)


def plain_euclidean(estimator: Any) -> bool:
    """Whether a fitted scikit-learn neighbours estimator measures the plain euclidean distance."""
    metric = getattr(estimator, "effective_metric_", None)
    return metric == "euclidean" and not getattr(estimator, "effective_metric_params_", None)


def query_chunk(n_queries: int) -> int:
    """How many queries scikit-learn's brute force takes per chunk in a call with ``n_queries``."""
    return max(1, min(n_queries, int(get_config().get("pairwise_dist_chunk_size", 256))))


def _argkmin_strategy(n_queries: int, n_fitted_rows: int) -> str:
    """The strategy ``ArgKmin``'s ``"auto"`` takes for these counts (read in its ``__init__``)."""
    chunk = int(get_config().get("pairwise_dist_chunk_size", 256))
    if n_fitted_rows < n_queries or 4 * chunk * _openmp_effective_n_threads() < n_queries:
        return "parallel_on_X"
    return "parallel_on_Y"


def whole_chunks(rows: np.ndarray, n_queries: int) -> np.ndarray:
    """Every query position in the chunks (of scikit-learn's size) that hold one of ``rows``."""
    chunk = query_chunk(n_queries)
    starts = np.unique(rows // chunk) * chunk
    return np.concatenate([np.arange(s, min(s + chunk, n_queries)) for s in starts])


def _drop_self(found: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """scikit-learn's ``kneighbors(None)``: each row leaves itself out (the first column if absent)."""
    mask = found != rows[:, None]
    mask[:, 0][np.all(mask, axis=1)] = False
    return found[mask].reshape(len(rows), found.shape[1] - 1)


def _argkmin(estimator: Any, part: Any, n_queries: int, k: int, return_distance: bool) -> Any:
    """scikit-learn's brute-force search (``ArgKmin``) of the whole chunks ``part`` against the fitted
    rows, with the strategy its call over all ``n_queries`` queries takes: the same bits for them."""
    return ArgKmin.compute(X=part, Y=estimator._fit_X, k=k, metric=estimator.effective_metric_,
                           metric_kwargs=estimator.effective_metric_params_,
                           strategy=_argkmin_strategy(n_queries, estimator.n_samples_fit_),
                           return_distance=return_distance)


def sklearn_kneighbors(estimator: Any, X: Any, rows: np.ndarray, n_neighbors: int,
                       query_rows: np.ndarray | None = None) -> np.ndarray:
    """scikit-learn's own ``estimator.kneighbors(Q, n_neighbors, return_distance=False)`` for the
    queries ``rows`` of Q, bit for bit what the call over all of Q gives them.

    Q is ``X`` (``X[query_rows]`` when given) or, for None, the fitted rows each without itself. A
    tree is asked about those rows alone; brute force about the whole chunks holding them, with the
    whole call's strategy; anything else answers the whole call.
    """
    search = NearestNeighbors.kneighbors  # scikit-learn's own (KNeighborsMixin's), not a drop-in's override
    rows = np.asarray(rows, dtype=np.int64)
    train = X is None
    if train and query_rows is not None:
        raise ValueError("query_rows needs X")
    base = estimator._fit_X if train else X
    n_queries = len(query_rows) if query_rows is not None else base.shape[0]

    def queries(positions: np.ndarray) -> Any:
        picked = positions if query_rows is None else query_rows[positions]
        return base[picked]

    k = n_neighbors + (1 if train else 0)
    if rows.size == 0:
        return np.zeros((0, n_neighbors), dtype=np.int64)
    if estimator._fit_method in ("kd_tree", "ball_tree"):
        found = search(estimator, queries(rows), k, return_distance=False)
    else:
        take = whole_chunks(rows, n_queries)
        part = queries(take)
        if not train:
            part = validate_data(estimator, part, accept_sparse="csr", reset=False, order="C")
        if not ArgKmin.is_usable_for(part, estimator._fit_X, estimator.effective_metric_):
            whole = None if train else (X if query_rows is None else X[query_rows])
            return np.asarray(search(estimator, whole, n_neighbors, return_distance=False))[rows]
        found = _argkmin(estimator, part, n_queries, k, return_distance=False)[np.searchsorted(take, rows)]
    found = np.asarray(found, dtype=np.int64)
    return _drop_self(found, rows) if train else found


def default_search_config() -> bool:
    """Whether scikit-learn's neighbour search runs as configured by default: its Cython search on
    and chunks of 256 queries (other chunk sizes are fine for :func:`sklearn_kneighbors`, which reads
    them; a drop-in that may skip scikit-learn's search keeps its checks only with these)."""
    config = get_config()
    return bool(config.get("enable_cython_pairwise_dist", True)) and \
        int(config.get("pairwise_dist_chunk_size", 256)) == 256


def search_threads() -> int:
    """The threads scikit-learn's brute-force search runs on (OpenMP's, as ``ArgKmin`` reads them)."""
    return max(1, int(_openmp_effective_n_threads()))


def distances_by_chunks(estimator: Any, X: np.ndarray) -> bool:
    """Whether :func:`sklearn_distances` can ask about some rows of X without the whole call: a tree,
    or brute force through ``ArgKmin``."""
    if estimator._fit_method in ("kd_tree", "ball_tree"):
        return True
    return bool(ArgKmin.is_usable_for(X[:1], estimator._fit_X, estimator.effective_metric_))


def sklearn_distances(estimator: Any, X: np.ndarray, rows: np.ndarray, n_neighbors: int,
                      last: int | None = None) -> np.ndarray:
    """scikit-learn's own distances of ``estimator.kneighbors(X, n_neighbors)`` for the queries
    ``rows`` of X, bit for bit what the call over all of X gives them (only the ``last`` columns when
    given): a tree is asked about those rows alone, brute force about the whole chunks holding them
    with the whole call's strategy (:func:`sklearn_kneighbors`); anything else answers the whole
    call."""
    search = NearestNeighbors.kneighbors
    rows = np.asarray(rows, dtype=np.int64)
    keep = slice(None) if last is None else slice(-last, None)
    if estimator._fit_method in ("kd_tree", "ball_tree"):
        return np.asarray(search(estimator, X[rows], n_neighbors)[0])[:, keep]
    take = whole_chunks(rows, X.shape[0])
    part = validate_data(estimator, X[take], accept_sparse="csr", reset=False, order="C")
    if not ArgKmin.is_usable_for(part, estimator._fit_X, estimator.effective_metric_):
        return np.asarray(search(estimator, X, n_neighbors)[0])[rows][:, keep]
    found = _argkmin(estimator, part, X.shape[0], n_neighbors, return_distance=True)[0]
    return np.asarray(found)[:, keep][np.searchsorted(take, rows)]


def sklearn_predict(estimator: Any, X: Any, rows: np.ndarray) -> np.ndarray:
    """scikit-learn's own ``KNeighborsClassifier.predict(X)`` for the queries ``rows`` of ``X``, bit for
    bit what the call over all of ``X`` gives them (see :func:`sklearn_kneighbors`)."""
    predict = KNeighborsClassifier.predict
    rows = np.asarray(rows, dtype=np.int64)
    if estimator._fit_method in ("kd_tree", "ball_tree"):
        return np.asarray(predict(estimator, X[rows]))
    metric, _ = _adjusted_metric(metric=estimator.metric, metric_kwargs=estimator.metric_params, p=estimator.p)
    if (estimator.weights == "uniform" and not estimator.outputs_2d_ and not sparse.issparse(X)
            and ArgKminClassMode.is_usable_for(X, estimator._fit_X, metric)):
        take = whole_chunks(rows, X.shape[0])  # predict_proba always runs "parallel_on_X"
        return np.asarray(predict(estimator, X[take]))[np.searchsorted(take, rows)]
    return np.asarray(predict(estimator, X))[rows]


# --------------------------------------------------------------------------------------------
# sampling_strategy from class counts


class _CountedLabels:
    """A target known only by its class counts (classes ``0..k-1``), as imbalanced-learn reads one."""

    def __init__(self, counts: Sequence[int]):
        self.counts = np.asarray(counts, dtype=np.int64)
        self.classes = np.arange(len(self.counts))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.classes if dtype is None else self.classes.astype(dtype)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func is np.unique and args and args[0] is self and set(kwargs) <= {"return_counts"}:
            return (self.classes, self.counts) if kwargs.get("return_counts") else self.classes
        raise TypeError(f"a target known by its counts cannot answer numpy.{func.__name__}")


def _wanted(sampling_strategy: Any, counts: Sequence[int], kind: str) -> dict[int, int]:
    wanted = check_sampling_strategy(sampling_strategy, _CountedLabels(counts), kind)
    return {int(code): int(n) for code, n in wanted.items()}


_CANARY = ([7, 3, 5], [6, 2])


@functools.cache
def _stand_in_agrees() -> bool:
    """Whether the stand-in target gets imbalanced-learn's answers on small real targets."""
    for counts in _CANARY:
        y = np.repeat(np.arange(len(counts)), counts)
        forms: list[Any] = ["auto", "all", "not majority", "not minority", {0: counts[0]}]
        if len(counts) == 2:
            forms.append(0.9)
        for kind in ("over-sampling", "under-sampling"):
            for form in forms:
                try:
                    expected = {int(c): int(n) for c, n in check_sampling_strategy(form, y, kind).items()}
                except ValueError:
                    continue
                try:
                    if _wanted(form, counts, kind) != expected:
                        return False
                except (TypeError, ValueError):
                    return False
    return True


def target_counts(sampling_strategy: Any, counts: Sequence[int], kind: str) -> dict[int, int]:
    """imbalanced-learn's reading of ``sampling_strategy`` (classes coded ``0..k-1``) for a target
    with these class ``counts``: ``{code: rows}`` as ``check_sampling_strategy`` returns it.

    Raises ``ValueError`` as imbalanced-learn does for a strategy that does not fit the counts, and
    :class:`~balancer.errors.EngineError` when another imbalanced-learn version no longer reads
    counts this way.
    """
    if not internals_checked() and not _stand_in_agrees():
        raise EngineError(f"cannot plan class counts from counts alone with this version: {MISMATCH}")
    return _wanted(sampling_strategy, counts, kind)


__all__ = [
    "CHECKED",
    "MISMATCH",
    "fit_method",
    "fitted_neighbours",
    "fitted_rows",
    "installed_versions",
    "internals_checked",
    "n_fitted",
    "one_sided_selection",
    "plain_euclidean",
    "query_chunk",
    "sampling_type",
    "sklearn_kneighbors",
    "sklearn_predict",
    "smote_draws",
    "swapped",
    "target_counts",
    "validated_estimator",
    "version_mismatch",
]
