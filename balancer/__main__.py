"""``python -m balancer`` is the ``balancer`` command (``spark-submit balancer/__main__.py ARGS`` too)."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    try:  # a Ctrl-C while the command's modules load stops it as a later one does
        from balancer_command import load
    except ImportError:
        from balancer.cli import main as command
    else:
        command = load()
    sys.exit(command())
