"""Error types and the one error-message template used across bayes_mmm.

Every user-facing error names the parameter (or column), what is allowed, what was given and,
where there is one, the fix. All inherit from :class:`BayesMMMError`, itself a ``ValueError``,
so ``except bm.BayesMMMError`` catches every problem the package reports on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence


class BayesMMMError(ValueError):
    """Base class of every error raised on purpose by bayes_mmm."""


class DataError(BayesMMMError):
    """The input DataFrame cannot be modelled as given."""


class SpecError(BayesMMMError):
    """A model specification, prior or configuration value is invalid."""


class ModelFileError(BayesMMMError):
    """A saved model file is unreadable, unsafe or inconsistent."""


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
