"""Typed errors of the weighting engine.

Each failure of a weighting step has its own subclass of
:class:`analysis.errors.AnalysisError` with a stable ``code``, the ``expected`` and ``got``
values as data, a ``hint`` a staff member can act on and, where it applies, the ``variable``
and ``level`` at fault. Nothing in :mod:`analysis.weighting` falls back silently: an input the
engine cannot weight correctly raises one of these.
"""

from __future__ import annotations

from typing import Any

from analysis.errors import AnalysisError


class WeightingError(AnalysisError):
    """Base class of every weighting failure."""

    code = "weighting_error"

    def __init__(
        self,
        message: str,
        *,
        expected: Any = None,
        got: Any = None,
        hint: str | None = None,
        variable: str | None = None,
        level: str | None = None,
    ) -> None:
        super().__init__(message, expected=expected, got=got, hint=hint)
        self.variable = variable
        self.level = level


class InvalidWeightsError(WeightingError):
    """Weights that are missing, not finite, negative or zero where a positive one is needed."""

    code = "invalid_weights"


class InvalidArgumentError(WeightingError):
    """A numeric argument out of its domain (bounds, tolerance, iteration limit)."""

    code = "invalid_argument"


class InvalidMarginsError(WeightingError):
    """A margins or population table that is malformed (columns, duplicates, bad targets)."""

    code = "invalid_margins"


class UnknownVariableError(WeightingError):
    """A margin, stratum or class variable that is not a column of the data."""

    code = "unknown_variable"


class MissingValuesError(WeightingError):
    """Missing values in a variable that weighting groups by."""

    code = "missing_values"


class UnknownLevelError(WeightingError):
    """A target for a level that does not exist in the data (often a spelling mismatch)."""

    code = "margin_level_unknown"


class UntargetedLevelError(WeightingError):
    """A level present in the data for which the margins give no target."""

    code = "margin_level_untargeted"


class EmptyLevelError(WeightingError):
    """A margin level (or population cell) with a positive target and no respondents."""

    code = "margin_level_empty"


class ZeroTargetError(WeightingError):
    """A zero target for a level that has respondents, under a method that keeps weights > 0."""

    code = "margin_target_zero"


class MarginTotalsDisagreeError(WeightingError):
    """Margins whose totals differ between variables, so no weights can meet them all."""

    code = "margin_totals_disagree"


class CollapseError(WeightingError):
    """A collapsing rule that cannot be applied (unknown target level, nothing to merge into)."""

    code = "collapse_impossible"


class ConvergenceError(WeightingError):
    """An iterative fit that did not reach its tolerance; carries the iteration history."""

    code = "not_converged"

    def __init__(
        self,
        message: str,
        *,
        history: tuple[float, ...],
        expected: Any = None,
        got: Any = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, expected=expected, got=got, hint=hint)
        self.history = history


class NoRespondentsError(WeightingError):
    """A non-response adjustment class with no respondent to carry its weight."""

    code = "nonresponse_class_empty"


class FrameMismatchError(WeightingError):
    """A sample stratum absent from the sampling frame, or more sampled units than it holds."""

    code = "frame_mismatch"


class InfeasibleBoundsError(WeightingError):
    """Trimming bounds that no set of weights with the same total can respect."""

    code = "bounds_infeasible"
