"""Parameters as data: one :class:`Param` per tactic parameter (type, default, bounds, help), and
the reading of ``sampling_strategy`` in every form a user may write it.

The registry (:mod:`balancer.strategies`) attaches these to its entries; the dashboard's forms, the
command line and the tests all read them from there.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .errors import ParameterError
from .profiling import label_str

if TYPE_CHECKING:  # pragma: no cover
    from .strategies import Strategy

#: The names ``sampling_strategy`` accepts, by imbalanced-learn's sampling type.
SAMPLING_STRATEGY_NAMES: dict[str, tuple[str, ...]] = {
    "over-sampling": ("auto", "minority", "not minority", "not majority", "all"),
    "under-sampling": ("auto", "majority", "not minority", "not majority", "all"),
    "clean-sampling": ("auto", "majority", "not minority", "not majority", "all"),
}


@dataclasses.dataclass(frozen=True)
class Param:
    """One parameter of a tactic: type, default, bounds and one line of help.

    ``kind`` is ``"int"``, ``"float"``, ``"bool"``, ``"choice"`` or ``"costs"`` (``balanced`` or
    per-class costs). ``optional`` parameters accept
    None, shown as ``none_label`` (imbalanced-learn's own default then applies).
    """

    name: str
    kind: str
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()
    optional: bool = False
    none_label: str = "auto"

    def coerce(self, value: Any, method: str = "") -> Any:
        """Return ``value`` converted to this parameter's type, or raise :class:`ParameterError`."""
        where = f"{method} parameter {self.name}" if method else f"parameter {self.name}"
        if isinstance(value, str):
            value = value.strip()
            if self.optional and value.lower() in ("none", "null", "", self.none_label.lower()):
                return None
        if value is None:
            if self.optional:
                return None
            raise ParameterError(f"{where} needs a value ({self._expects()})")
        try:
            if self.kind == "int":
                if isinstance(value, bool):
                    raise ValueError
                number = float(value)
                if not number.is_integer():
                    raise ValueError
                out: Any = int(number)
            elif self.kind == "float":
                if isinstance(value, bool):
                    raise ValueError
                out = float(value)
                if out != out:  # NaN
                    raise ValueError
            elif self.kind == "bool":
                if isinstance(value, str):
                    lowered = value.lower()
                    if lowered not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError
                    out = lowered in ("true", "1", "yes")
                else:
                    out = bool(value)
            elif self.kind == "costs":
                out = _costs(value)
            else:
                matches = [c for c in self.choices if str(c).lower() == str(value).lower()]
                if not matches:
                    raise ValueError
                out = matches[0]
        except (TypeError, ValueError):
            raise ParameterError(f"{where} got {repr(value)[:80]}; it expects {self._expects()}") from None
        if self.kind in ("int", "float"):
            if (self.low is not None and out < self.low) or (self.high is not None and out > self.high):
                raise ParameterError(f"{where} got {repr(value)[:80]}; it expects {self._expects()}")
        return out

    def _expects(self) -> str:
        if self.kind == "costs":
            text = "'balanced' or per-class costs such as {\"yes\": 10, \"no\": 1}"
        elif self.kind == "choice":
            text = "one of " + ", ".join(repr(c) for c in self.choices)
        elif self.kind == "bool":
            text = "true or false"
        else:
            noun = "a whole number" if self.kind == "int" else "a number"
            if self.low is not None and self.high is not None:
                text = f"{noun} from {self.low:g} to {self.high:g}"
            elif self.low is not None:
                text = f"{noun} of at least {self.low:g}"
            else:
                text = noun
        return text + (f", or {self.none_label!r}" if self.optional else "")

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form used by ``balancer methods --json``."""
        out: dict[str, Any] = {"name": self.name, "type": self.kind, "default": self.default,
                               "help": self.help}
        if self.low is not None:
            out["min"] = self.low
        if self.high is not None:
            out["max"] = self.high
        if self.choices:
            out["choices"] = list(self.choices)
        if self.optional:
            out["optional"] = True
            out["none_means"] = self.none_label
        return out


def plain_json(text: str) -> Any:
    """The value JSON ``text`` holds: a ValueError for the constants ``Infinity`` and ``NaN`` and
    for nesting too deep for the parser (a recipe's value, checked as a whole on loading, can hold
    such text inside a string). A number too large for a float (``1e400``) is infinite here and
    left to the caller's range checks."""
    try:
        return json.loads(text, parse_constant=_not_a_number)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _not_a_number(name: str) -> None:
    raise ValueError(f"{name} is not a finite number")


def _costs(value: Any) -> Any:
    """Return 'balanced' or a dict of positive per-class costs (labels as given)."""
    if isinstance(value, str):
        if value.strip().lower() == "balanced":
            return "balanced"
        value = plain_json(value)
    if not isinstance(value, Mapping) or not value:
        raise ValueError
    out = {}
    for key, cost in value.items():
        number = float(cost)
        if not number > 0 or number != number or number == float("inf"):
            raise ValueError
        out[key] = number
    return out


# --------------------------------------------------------------------------------------------
# sampling_strategy


def parse_sampling_strategy(value: Any, strategy: Strategy, counts: Mapping[Hashable, int]) -> Any:
    """Return ``value`` as imbalanced-learn expects it for this data, or raise :class:`ParameterError`.

    Accepted: a name (``auto``, ``minority``, ``not majority``, ...), a ratio for binary targets
    (minority / majority after resampling), per-class counts (``{"yes": 500}`` or JSON text), or
    for cleaning methods a list of classes. Labels may be written as text.
    """
    if value is None:
        return "auto"
    if isinstance(value, str):
        value = _from_text(value, strategy)
        if isinstance(value, str):
            return value
    labels = {label_str(k): k for k in counts}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _ratio(float(value), strategy, counts)
    if isinstance(value, list):
        return _class_list(value, strategy, labels)
    if isinstance(value, Mapping):
        return _class_counts(value, strategy, counts, labels)
    raise ParameterError(f"sampling_strategy {value!r} is not understood")


def _from_text(text: str, strategy: Strategy) -> Any:
    """A name as it is (lower case), or the number or JSON the text holds."""
    names = SAMPLING_STRATEGY_NAMES[strategy.sampling_type or "over-sampling"]
    text = text.strip()
    if text.lower() in names:
        return text.lower()
    if text[:1] in "{[":
        try:
            return plain_json(text)
        except json.JSONDecodeError as exc:
            raise ParameterError(f"sampling_strategy {text[:80]!r} is not valid JSON ({exc.msg})") from None
        except ValueError as exc:
            raise ParameterError(f"sampling_strategy {text[:80]!r} is not plain JSON ({exc})") from None
    try:
        return float(text)
    except ValueError:
        raise ParameterError(
            f"sampling_strategy {text!r} is not understood; {strategy.name} accepts "
            f"{', '.join(repr(n) for n in names)}"
            + (", a ratio such as 0.5, or per-class counts such as {\"yes\": 500}"
               if strategy.counts_controllable else ", or a list of classes")
        ) from None


def _ratio(ratio: float, strategy: Strategy, counts: Mapping[Hashable, int]) -> float:
    """A minority / majority ratio for a two-class target, at least the current one."""
    if not strategy.counts_controllable:
        raise ParameterError(f"{strategy.name} cleans rows and cannot aim at a ratio; use a name such as 'auto'")
    if len(counts) != 2:
        raise ParameterError(
            f"a ratio for sampling_strategy works only with two classes; this target has "
            f"{len(counts)}. Give per-class counts instead"
        )
    current = min(counts.values()) / max(counts.values())
    if not 0 < ratio <= 1:
        raise ParameterError(f"sampling_strategy ratio {ratio:g} must be above 0 and at most 1")
    if ratio < current - 1e-12:
        raise ParameterError(
            f"sampling_strategy ratio {ratio:g} is below the current minority/majority ratio "
            f"{current:.3f}; ask for at least {current:.3f}"
        )
    return ratio


def _class_list(value: list[Any], strategy: Strategy, labels: Mapping[str, Any]) -> list[Any]:
    """The classes a cleaning method should clean, as the target's own labels."""
    if strategy.sampling_type != "clean-sampling":
        raise ParameterError(f"{strategy.name} takes per-class counts, not a list of classes")
    out = []
    for item in value:
        if label_str(item) not in labels:
            raise ParameterError(_unknown_label(item, labels))
        out.append(labels[label_str(item)])
    return out


def _class_counts(value: Mapping[Any, Any], strategy: Strategy, counts: Mapping[Hashable, int],
                  labels: Mapping[str, Any]) -> dict[Hashable, int]:
    """Per-class row counts, keyed by the target's own labels, checked against the current counts."""
    if not strategy.counts_controllable:
        raise ParameterError(f"{strategy.name} cleans rows and cannot aim at counts; use a name such as 'auto'")
    out: dict[Hashable, int] = {}
    for key, count in value.items():
        if label_str(key) not in labels:
            raise ParameterError(_unknown_label(key, labels))
        label = labels[label_str(key)]
        out[label] = _count_for(label, count, counts[label], strategy)
    return out


def _count_for(label: Any, count: Any, have: int, strategy: Strategy) -> int:
    """One class's wanted rows: a whole number that adds (over-) or removes (under-sampling) rows."""
    try:
        number = int(count)
        if number != float(count) or number < 0:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"the count for class {label_str(label)!r} must be a whole number, got {count!r}") from None
    kind = strategy.sampling_type or "over-sampling"
    if kind == "over-sampling" and number < have:
        raise ParameterError(
            f"{strategy.name} adds rows: class {label_str(label)!r} has {have:,}, so ask for at "
            f"least {have:,} (asked {number:,})"
        )
    if kind == "under-sampling" and number > have:
        raise ParameterError(
            f"{strategy.name} removes rows: class {label_str(label)!r} has {have:,}, so ask for at "
            f"most {have:,} (asked {number:,})"
        )
    return number


def _unknown_label(label: Any, labels: Mapping[str, Any]) -> str:
    shown = ", ".join(repr(k) for k in list(labels)[:20])
    return f"sampling_strategy names class {label_str(label)!r}, which the target does not have ({shown})"


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    """Parse command-line ``KEY=VALUE`` pairs into a dict (values stay text)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"--param {pair!r} should look like KEY=VALUE, e.g. k_neighbors=3")
        out[key.strip()] = value.strip()
    return out


__all__ = ["SAMPLING_STRATEGY_NAMES", "Param", "parse_params", "parse_sampling_strategy", "plain_json"]
