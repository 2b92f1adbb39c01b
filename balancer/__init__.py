"""Balancer: measure class imbalance in a table, try every classic tactic, keep what helps.

The public API::

    read_table(source, *, name=None, **limits) -> pd.DataFrame
    profile(data, target=None) -> Profile
    resample(data, target, method, *, params=None, seed=0) -> Resampled
    evaluate(data, target, method="none", *, model=..., folds=5, params=None, seed=0) -> Evaluation
    compare(data, target, methods=None, *, model=..., folds=5, metric="f2", seed=0) -> Comparison
    learning_curve(data, target, method="none", ...) -> LearningCurve
    write_csv(data) -> bytes
    write_csv_file(data, path) -> int        (the same bytes, streamed to a file)

This package never imports streamlit; the dashboard lives in ``app.py``, ``pages/`` and ``ui/``.
"""

from __future__ import annotations

import sys
from typing import Any

__version__ = "0.1.0"


def _run_as_command() -> bool:
    """Whether this import is ``python -m balancer`` finding its module (``sys.argv[0]`` is then
    ``-m``): a Ctrl-C in these imports, which take a second or more, then stops the command as a
    later one does (:mod:`balancer_command`, which the ``balancer`` command starts from)."""
    argv = getattr(sys, "orig_argv", [])
    return sys.argv[:1] == ["-m"] and any(a == "-m" and b in ("balancer", "balancer.__main__")
                                          for a, b in zip(argv, argv[1:]))


_command: Any = None
if _run_as_command():
    try:
        import balancer_command as _command
    except ImportError:  # the package without its entry module: Python's own Ctrl-C
        _command = None
    else:
        _command.hold()

try:
    from .compare import Comparison, compare  # noqa: E402
    from .errors import (  # noqa: E402
        BalancerError,
        ConfigError,
        DataError,
        EngineError,
        LimitError,
        MethodError,
        ParameterError,
        TargetError,
    )
    from .evaluate import MODELS, Evaluation, LearningCurve, evaluate, learning_curve  # noqa: E402
    from .metrics import METRICS  # noqa: E402
    from .profiling import Profile, profile  # noqa: E402
    from .resample import Resampled, resample  # noqa: E402
    from .samples import SAMPLES, load_sample  # noqa: E402
    from .strategies import STRATEGIES  # noqa: E402
    from .tables import read_table, write_csv, write_csv_file  # noqa: E402
except BaseException:
    if _command is not None and _command.interrupted():
        _command.stop()
    raise

__all__ = [
    "METRICS",
    "MODELS",
    "SAMPLES",
    "STRATEGIES",
    "BalancerError",
    "Comparison",
    "ConfigError",
    "DataError",
    "EngineError",
    "Evaluation",
    "LearningCurve",
    "LimitError",
    "MethodError",
    "ParameterError",
    "Profile",
    "Resampled",
    "TargetError",
    "__version__",
    "compare",
    "evaluate",
    "learning_curve",
    "load_sample",
    "profile",
    "read_table",
    "resample",
    "write_csv",
    "write_csv_file",
]
