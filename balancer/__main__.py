"""``python -m balancer`` is the ``balancer`` command."""

from __future__ import annotations

import sys

from balancer.cli import main  # absolute: spark-submit runs this file as a script

if __name__ == "__main__":
    sys.exit(main())
