"""The public API is what docs/ARCHITECTURE.md promises, and the library stays UI-free."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import balancer

PUBLIC = {
    # the verbs and their results
    "read_table", "profile", "resample", "evaluate", "compare", "learning_curve", "write_csv", "write_csv_file",
    "load_sample", "Profile", "Resampled", "Evaluation", "Comparison", "LearningCurve",
    # the registries
    "METRICS", "MODELS", "SAMPLES", "STRATEGIES",
    # the errors
    "BalancerError", "ConfigError", "DataError", "EngineError", "LimitError", "MethodError", "ParameterError", "TargetError",
    "__version__",
}


def test_all_is_the_public_api():
    """Check that __all__ lists exactly the promised names, and each exists."""
    assert set(balancer.__all__) == PUBLIC
    assert len(balancer.__all__) == len(PUBLIC)  # no name twice
    for name in balancer.__all__:
        assert hasattr(balancer, name), name


def test_library_never_imports_streamlit():
    """Check that importing balancer (and its command line) does not load streamlit."""
    code = "import sys, balancer, balancer.cli; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    for path in Path(balancer.__file__).parent.glob("*.py"):
        assert "import streamlit" not in path.read_text(), path
