"""Text from a table shown on a terminal as text, never as the terminal's commands.

A class label, a column name or a sheet name is data: an escape sequence in it (``ESC ] 0;...``
sets the window title, ``ESC [ 2J`` clears the screen, some terminals answer queries into the
input), a carriage return that overwrites the line before it, or a bidirectional override that
reorders what is shown would act on the user's terminal if it were printed as it is. The command
line writes its text through :class:`SafeText`, which shows those characters as escapes
(``\\x1b``, ``\\r``, ``\\u202e``); tabs and line breaks of Balancer's own text pass.
"""

from __future__ import annotations

import logging
import re
from typing import Any, TextIO

#: C0 controls but tab and line feed, C1 controls (not DEL, which a terminal shows as nothing and
#: JSON leaves as it is, so JSON passes unchanged), and the bidirectional embeddings,
#: overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x80-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    """``text`` with every character that would act on a terminal shown as an escape."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class SafeText:
    """A text stream that writes :func:`safe` text to ``stream`` (everything else, such as
    ``buffer`` for bytes or ``isatty``, is ``stream``'s)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(safe(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class SafeFormatter(logging.Formatter):
    """A log formatter whose lines (message and traceback) are :func:`safe`: a server's log shows
    a hostile column name in an error as text on the operator's terminal."""

    def format(self, record: logging.LogRecord) -> str:
        return safe(super().format(record))
