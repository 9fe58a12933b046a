"""Error types and the one error-message template used across bayes_mmm.

Every user-facing error names the parameter (or column), what is allowed, what was given and,
where there is one, the fix. All inherit from :class:`BayesMMMError`, itself a ``ValueError``,
so ``except bm.BayesMMMError`` catches every problem the package reports on purpose.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence


class BayesMMMError(ValueError):
    """Base class of every error raised on purpose by bayes_mmm."""


class DataError(BayesMMMError):
    """The input DataFrame cannot be modelled as given."""


class SpecError(BayesMMMError):
    """A model specification, prior or configuration value is invalid."""


class ModelFileError(BayesMMMError):
    """A saved model file is unreadable, unsafe or inconsistent."""


class OutputError(BayesMMMError):
    """An output file cannot be written (permissions, a folder in the way, a full disk)."""


class OptimizationError(BayesMMMError):
    """A budget optimisation is infeasible or its solver failed."""


def describe_rows(rows: Sequence, limit: int = 5) -> str:
    """Human list of the first offending rows/labels, e.g. ``rows [3, 7, 9] (+12 more)``."""
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" (+{len(rows) - limit} more)" if len(rows) > limit else ""
    return f"[{shown}]{more}"


def message(name: str, allowed: str, given: object, fix: str | None = None) -> str:
    """The one template: ``<name>: expected <allowed>, got <given>. <fix>``."""
    text = f"{name}: expected {allowed}, got {given}."
    if fix:
        text += f" {fix}"
    return text


def did_you_mean(
    given, options, fallback: str = "Check the spelling against the allowed names."
) -> str:
    """``Did you mean 'x' -> 'y'?`` for each given name with a close match among ``options``."""
    hints = [
        f"'{g}' -> '{m[0]}'"
        for g in given
        if isinstance(g, str | int | float)
        for m in [difflib.get_close_matches(str(g), [str(o) for o in options], n=1)]
        if m
    ]
    return f"Did you mean {', '.join(hints)}?" if hints else fallback


def one_of(name: str, value: object, options, error: type[BayesMMMError] | None = None) -> None:
    """Reject anything but one of ``options`` (strings), including unhashable values from
    configs."""
    if not isinstance(value, str) or value not in options:
        raise (error or SpecError)(
            message(name, f"one of {list(options)}", repr(value), did_you_mean([value], options))
        )


def check_keys(name: str, given, allowed, error: type[BayesMMMError] | None = None) -> None:
    """Reject keys of ``given`` that are not in ``allowed``, naming them with a did-you-mean."""
    unknown = sorted(set(given) - set(allowed), key=str)
    if unknown:
        raise (error or SpecError)(
            message(name, f"some of {sorted(allowed)}", unknown, did_you_mean(unknown, allowed))
        )


def check_level(level: object, name: str = "level") -> float:
    """A credible level must be a probability strictly between 0 and 1 (0.9 = a 90% interval)."""
    if not is_number(level) or not 0 < level < 1:
        raise SpecError(
            message(name, "a probability in (0, 1), e.g. 0.9 for a 90% interval", repr(level))
        )
    return float(level)


def check_flag(name: str, value: object) -> bool:
    """A yes/no setting must be a real boolean: the string "false" is truthy in Python, so configs
    that write ``trend: "false"`` would silently keep the trend."""
    if type(value).__name__ not in ("bool", "bool_"):
        hint = " Write false/true without quotes in YAML." if isinstance(value, str) else ""
        raise SpecError(
            message(name, "true or false (a boolean)", repr(value), hint.strip() or None)
        )
    return bool(value)


def is_number(value: object) -> bool:
    """A Python int or float that is not a bool (True is an int in Python)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_integer(value: object) -> bool:
    """An int (or numpy integer) that is not a bool."""
    return (
        type(value).__name__ != "bool"
        and hasattr(value, "__index__")
        and not isinstance(value, float)
    )
