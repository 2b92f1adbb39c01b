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
- Balancer's fast samplers subclass imbalanced-learn's (``FastSMOTE``, ``FastTomekLinks``,
  ``FastEditedNearestNeighbours``, ``FastOneSidedSelection`` in :mod:`balancer.samplers`) and
  override ``_fit_resample``, the method imbalanced-learn has every sampler implement behind
  ``fit_resample``.

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
from imblearn import over_sampling, under_sampling
from imblearn.utils import check_sampling_strategy

from .errors import EngineError

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
    original = under_sampling.OneSidedSelection._fit_resample
    namespace = dict(original.__globals__, TomekLinks=tomek)
    return types.FunctionType(original.__code__, namespace, original.__name__, original.__defaults__,
                              original.__closure__)


def one_sided_selection(sampler: Any, X: Any, y: np.ndarray, tomek: type) -> tuple[Any, np.ndarray]:
    """Run ``sampler`` (a ``OneSidedSelection``) as imbalanced-learn does, its Tomek step by ``tomek``."""
    return _one_sided_selection_with(tomek)(sampler, X, y)  # type: ignore[no-any-return]


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
    "fitted_neighbours",
    "installed_versions",
    "internals_checked",
    "one_sided_selection",
    "sampling_type",
    "smote_draws",
    "target_counts",
    "version_mismatch",
]
