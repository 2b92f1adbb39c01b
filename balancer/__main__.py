"""``python -m balancer`` is the ``balancer`` command (``spark-submit balancer/__main__.py ARGS`` too)."""

from __future__ import annotations

import sys

from balancer.cli import main

if __name__ == "__main__":
    sys.exit(main())
