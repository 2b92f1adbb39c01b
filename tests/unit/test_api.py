"""The public API is what DESIGN.md promises, and the library stays UI-free."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import balancer


def test_all_is_the_public_api():
    """Check that __all__ lists exactly the promised names, and each exists."""
    promised = {"read_table", "profile", "resample", "evaluate", "write_csv", "Profile", "Resampled",
                "Evaluation", "BalancerError"}
    assert promised <= set(balancer.__all__)
    for name in balancer.__all__:
        assert hasattr(balancer, name), name


def test_library_never_imports_streamlit():
    """Check that importing balancer (and its command line) does not load streamlit."""
    code = "import sys, balancer, balancer.cli; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    for path in Path(balancer.__file__).parent.glob("*.py"):
        assert "import streamlit" not in path.read_text(), path
