"""Errors raised by Balancer.

Every error a user can cause derives from :class:`BalancerError`, and each also subclasses the
builtin it refines, so callers may catch either::

    BalancerError(Exception)            anything a user can fix; the message says what and how
    ├── DataError(BalancerError, ValueError)        the table cannot be read or used
    │   └── LimitError(DataError)                   a size limit (bytes, rows, columns, output rows)
    ├── TargetError(BalancerError, ValueError)      the target column cannot be used
    ├── MethodError(BalancerError, KeyError)        an unknown tactic or model name
    ├── ParameterError(BalancerError, ValueError)   a parameter value is out of its bounds or type
    ├── ConfigError(BalancerError, ValueError)      a ``BALANCER_*`` environment variable is unusable
    ├── EngineError(BalancerError, RuntimeError)    a method failed on this data (too few rows, ...)
    └── Cancelled(BalancerError)                    the caller asked a long job to stop (``should_stop``)

The command line prints ``error: <message>`` and exits 2 for all of them; the dashboard shows the
message with ``st.error``. Anything else reaching a user is a bug.
"""

from __future__ import annotations


class BalancerError(Exception):
    """Base class of every error a user can cause and fix."""

    def __str__(self) -> str:  # KeyError would repr() the message; keep it plain everywhere
        return str(self.args[0]) if self.args else self.__class__.__name__


class DataError(BalancerError, ValueError):
    """The table cannot be read or used."""


class LimitError(DataError):
    """A configured size limit was exceeded."""


class TargetError(BalancerError, ValueError):
    """The target column cannot be used for classification."""


class MethodError(BalancerError, KeyError):
    """An unknown tactic, sampler or model name."""


class ParameterError(BalancerError, ValueError):
    """A parameter value has the wrong type or is out of bounds."""


class ConfigError(BalancerError, ValueError):
    """An environment variable Balancer reads (see :mod:`balancer.config`) has an unusable value."""


class EngineError(BalancerError, RuntimeError):
    """A method could not run on this data."""


class Cancelled(BalancerError):
    """A long job (compare, evaluate) stopped because its ``should_stop`` hook said so."""


__all__ = [
    "BalancerError",
    "Cancelled",
    "ConfigError",
    "DataError",
    "EngineError",
    "LimitError",
    "MethodError",
    "ParameterError",
    "TargetError",
]
