"""The ``balancer`` command's entry point, outside the package on purpose.

Importing :mod:`balancer` loads pandas, scikit-learn and imbalanced-learn: a second or more before
any of Balancer's code runs. A Ctrl-C in that time raised ``KeyboardInterrupt`` inside the imports,
where :func:`balancer.cli.main` cannot catch it, and Python printed its traceback; worse, some
libraries' compiled imports turn it into an ``ImportError`` (numpy: "multiarray failed to import")
or drop it, and the command then ran to its end. This module imports nothing heavy, notes a Ctrl-C
while the command's modules load, and then stops as the command does on a later one: one line,
exit 130. ``python -m balancer`` goes through :func:`hold` and :func:`load` too.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Any

_interrupted = False
_previous: Any = None


def _on_ctrl_c(signum: int, frame: Any) -> None:
    global _interrupted
    if not _interrupted:  # a second Ctrl-C while stopping is the same request
        _interrupted = True
        raise KeyboardInterrupt


def hold() -> None:
    """Note a Ctrl-C from now on, while the command's modules load (only where Python's own handler
    is in place: a run in the background, which ignores Ctrl-C, goes on ignoring it)."""
    global _previous
    if _previous is None and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        _previous = signal.signal(signal.SIGINT, _on_ctrl_c)


def interrupted() -> bool:
    """Whether a Ctrl-C came since :func:`hold`."""
    return _interrupted


def stop() -> None:
    """Stop as the command does on a Ctrl-C. ``os._exit``, not a return: an interrupt inside an
    ``eval`` (namedtuple's, during pyarrow's import) leaves CPython's "unhandled Ctrl-C" mark set,
    and a normal exit would then end the process by the signal."""
    print("error: interrupted", file=sys.stderr, flush=True)
    os._exit(130)


def load() -> Callable[..., int]:
    """:func:`balancer.cli.main`, its modules loaded with a Ctrl-C held; a Ctrl-C meanwhile stops
    here, whatever a library made of it."""
    global _previous
    hold()
    try:
        from balancer.cli import main as command
    except BaseException:
        if _interrupted:
            stop()
        raise
    finally:
        if _previous is not None:
            signal.signal(signal.SIGINT, _previous)
            _previous = None
    if _interrupted:
        stop()
    return command


def main() -> int:
    return load()()


if __name__ == "__main__":
    sys.exit(main())
