"""The result of a calibration step (post-stratification, raking or calibration).

Final weights are ``w = w0·g``; the :class:`~analysis.weighting.linearisation.GregTrace` lets
standard errors account for the calibration (Deville & Särndal 1992, §3); the iteration
``history`` and the ``margin_residuals`` show how well the targets were met, and
``collapsed`` every empty level whose target was merged into another. The residual table is
built on first access (it is a pandas frame, and the command line never asks for it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from analysis.weighting.linearisation import GregTrace
from analysis.weighting.margins import CollapsedLevel
from analysis.weighting.problem import CalibrationProblem
from analysis.weighting.trace import FloatArray

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, eq=False)
class CalibrationResult:
    """Calibrated weights and everything needed to judge and use them.

    Attributes
    ----------
    weights : numpy.ndarray
        Final weights ``w0·g``, shape (n,), in the order of the data's rows.
    g : numpy.ndarray
        g-weights ``w / w0``, shape (n,).
    trace : GregTrace
        The calibration trace for variance estimation (``trace.adjust_influence``).
    method : str
        ``poststratify``, ``rake``, ``linear``, ``raking`` or ``logit``.
    iterations : int
        Iterations taken (1 for the closed forms: post-stratification, unbounded linear).
    history : tuple of float
        The largest relative margin error after each iteration.
    collapsed : tuple of CollapsedLevel
        Empty levels whose targets were merged into another level.
    problem : CalibrationProblem
        The margins as posed to the fit.
    row_weights : numpy.ndarray
        The final weights summed over each model row of ``problem`` (cells or units).
    """

    weights: FloatArray
    g: FloatArray
    trace: GregTrace
    method: str
    iterations: int
    history: tuple[float, ...]
    collapsed: tuple[CollapsedLevel, ...]
    problem: CalibrationProblem
    row_weights: FloatArray

    @cached_property
    def margin_residuals(self) -> pd.DataFrame:
        """Columns ``variable, level, target, achieved, residual, relative_error``."""
        return self.problem.residuals(self.row_weights)


def finish(
    problem: CalibrationProblem,
    *,
    method: str,
    initial_weights: FloatArray,
    row_g: FloatArray,
    history: list[float],
    collapsed: tuple[CollapsedLevel, ...],
) -> CalibrationResult:
    """Assemble the result of a fit that reached g-weights ``row_g`` on the model rows."""
    g = problem.unit_values(row_g)
    weights = initial_weights * g
    trace = GregTrace.build(
        method=method,
        initial_weights=initial_weights,
        calibrated_weights=weights,
        model=problem.model,
        unit_rows=problem.unit_rows,
        row_g=row_g,
        row_weights=problem.row_weights,
    )
    return CalibrationResult(
        weights=weights,
        g=g,
        trace=trace,
        method=method,
        iterations=len(history),
        history=tuple(history),
        collapsed=collapsed,
        problem=problem,
        row_weights=problem.row_weights * row_g,
    )
