"""``python -m balancer`` is the ``balancer`` command.

``spark-submit .../balancer/__main__.py ARGS`` runs it too: run as a file, this folder would come
first on ``sys.path`` and its modules (``io``, ``profile``) would shadow the standard library's, so
it is taken off before anything else is imported.
"""

from __future__ import annotations

import os
import sys

if not __package__:
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]

from balancer.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
