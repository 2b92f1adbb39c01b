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

__version__ = "0.1.0"

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
