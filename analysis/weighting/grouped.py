"""Calibration within groups: separate calibrations of disjoint groups of units as one step.

A weighting that rakes each respondent group ``g`` to its own margins (citizens to sex × age ×
area, leaders to their level, …) calibrates group ``g``'s units on their model matrix ``X_g``
from their initial weights ``w0_g`` to ``w_g = w0_g · g_g``. Taken together this is one
calibration of the whole sample on the block-diagonal model matrix::

    X = diag(X_1, …, X_G)        (the margins' dummies interacted with the group dummies)

with zero rows for the units of a group that is not calibrated. Its calibration equations
``Σ_i w_i x_i = t`` separate by group, so each group's fit solves its block (the g-weights are
the same whichever way they are computed), and ``XᵀW0X = diag(X_gᵀW0_gX_g)`` is block diagonal,
so is its (Moore–Penrose) inverse, and the regression residual that linearises the calibrated
estimator (Deville & Särndal 1992, §3; :mod:`analysis.weighting.linearisation`) separates too::

    x_adj,i = x_i − w_i · x_gᵢᵀ β_g,     β_g = (X_gᵀ W0_g X_g)⁻ X_gᵀ W0_g (x/w)_g,   i ∈ g,
    x_adj,i = x_i                                                       i in no calibrated group.

:class:`GroupedTrace` is that trace: it hands each group's rows to the group's own trace and
leaves the other rows unchanged, so ``SurveyDesign.calibrated(within_groups(...))`` gives the
standard errors of the one GREG with group-interacted margins, which is what R ``survey``'s
``calibrate`` computes when given those interacted margins (one ``greg_calibration`` step).

References
----------
Deville, J.-C. & Särndal, C.-E. (1992). Calibration estimators in survey sampling. *JASA* 87,
376–382.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from analysis.weighting.errors import InvalidArgumentError
from analysis.weighting.model_matrix import IntArray
from analysis.weighting.result import CalibrationResult
from analysis.weighting.trace import CalibrationTrace, FloatArray

SAME_WEIGHTS_RTOL = 1e-12
"""A group's calibration must have started from the initial weights of its rows to this
relative precision."""


@dataclass(frozen=True, eq=False)
class GroupedTrace:
    """The trace of calibrations of disjoint groups (a :class:`CalibrationTrace`).

    Attributes
    ----------
    initial_weights : numpy.ndarray
        ``w0`` of every unit, shape (n,).
    calibrated_weights : numpy.ndarray
        ``w``: a calibrated group's units take their group's calibrated weights, the others
        keep ``w0``; shape (n,).
    parts : tuple of (numpy.ndarray, CalibrationTrace)
        Each calibrated group's row positions and its calibration's trace.
    """

    initial_weights: FloatArray
    calibrated_weights: FloatArray
    parts: tuple[tuple[IntArray, CalibrationTrace], ...]

    @property
    def method(self) -> str:
        """The groups' methods, each once, joined by ``+`` (``rake`` when every group raked)."""
        return "+".join(dict.fromkeys(trace.method for _, trace in self.parts))

    def adjust_influence(
        self, influence: FloatArray, *, out: FloatArray | None = None
    ) -> FloatArray:
        """Return the block-diagonal GREG residual of an (n,) or (n, k) array (module
        docstring): each group's rows through its own trace, other rows unchanged.

        Raises
        ------
        InvalidArgumentError
            ``influence`` does not have one row per unit, or ``out`` another shape.
        """
        values = np.asarray(influence, dtype=np.float64)
        n = self.initial_weights.shape[0]
        if values.ndim not in (1, 2) or values.shape[0] != n:
            raise InvalidArgumentError(
                "influence values must have shape (n,) or (n, k) with one row per unit",
                expected=(n,),
                got=values.shape,
            )
        if out is not None and out.shape != values.shape:
            raise InvalidArgumentError(
                "out must have the shape of the influence values",
                expected=values.shape,
                got=out.shape,
            )
        result = np.array(values, order="F") if out is None else out
        if out is not None and out is not values:
            result[...] = values
        for rows, trace in self.parts:
            result[rows] = trace.adjust_influence(values[rows])
        return result


@dataclass(frozen=True, eq=False)
class GroupedCalibration:
    """Calibrations of disjoint groups as one step: what ``SurveyDesign.calibrated`` takes.

    Attributes
    ----------
    weights : numpy.ndarray
        The calibrated weights of every unit (``trace.calibrated_weights``), shape (n,).
    trace : GroupedTrace
        The block-diagonal trace.
    groups : mapping of str to CalibrationResult
        Each group's own result (iterations, residuals, collapsed levels), by label.
    rows : mapping of str to numpy.ndarray
        Each group's row positions, by label.
    """

    weights: FloatArray
    trace: GroupedTrace
    groups: Mapping[str, CalibrationResult]
    rows: Mapping[str, IntArray]


def within_groups(
    initial_weights: FloatArray, parts: Mapping[str, tuple[IntArray, CalibrationResult]]
) -> GroupedCalibration:
    """Combine separate calibrations of disjoint groups into one step (module docstring).

    Parameters
    ----------
    initial_weights : numpy.ndarray
        The weights of every unit before the calibrations, shape (n,).
    parts : mapping
        Per group label, the group's row positions in ``0..n-1`` and the result of its
        calibration, computed from ``initial_weights`` at those rows, in that order.

    Returns
    -------
    GroupedCalibration

    Raises
    ------
    InvalidArgumentError
        Rows out of range or in two groups, a result of another length than its rows, or a
        calibration that did not start from ``initial_weights`` at its rows.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from analysis.weighting import rake
    >>> data = pd.DataFrame({"sex": ["f", "m", "f", "m"]})
    >>> margins = pd.DataFrame({"variable": ["sex", "sex"], "level": ["f", "m"],
    ...                         "target": [30.0, 20.0]})
    >>> w0 = np.ones(4)
    >>> rows = np.array([0, 1])
    >>> raked = rake(data.iloc[rows], weights=w0[rows], margins=margins)
    >>> within_groups(w0, {"citizen": (rows, raked)}).weights.tolist()
    [30.0, 20.0, 1.0, 1.0]
    """
    initial = np.asarray(initial_weights, dtype=np.float64)
    n = initial.shape[0]
    calibrated = initial.copy()
    taken = np.zeros(n, dtype=np.bool_)
    traces: list[tuple[IntArray, CalibrationTrace]] = []
    positions_of: dict[str, IntArray] = {}
    for label, (positions, result) in parts.items():
        rows = np.asarray(positions, dtype=np.intp)
        if rows.size and (rows.min() < 0 or rows.max() >= n):
            raise InvalidArgumentError(
                f"group {label} names rows outside 0..{n - 1}",
                expected=(0, n - 1),
                got=(int(rows.min()), int(rows.max())),
            )
        before = int(np.count_nonzero(taken))
        shared = int(np.count_nonzero(taken[rows]))
        taken[rows] = True
        if shared or int(np.count_nonzero(taken)) - before != rows.size:
            raise InvalidArgumentError(
                f"group {label} shares rows with another group (or lists a row twice)",
                expected="disjoint groups",
                got=shared,
            )
        step = result.trace
        if step.initial_weights.shape != rows.shape:
            raise InvalidArgumentError(
                f"the calibration of group {label} has {step.initial_weights.size} weights "
                f"for {rows.size} rows",
                expected=int(rows.size),
                got=int(step.initial_weights.size),
            )
        if not np.allclose(step.initial_weights, initial[rows], rtol=SAME_WEIGHTS_RTOL, atol=0):
            raise InvalidArgumentError(
                f"the calibration of group {label} did not start from the initial weights of "
                "its rows",
                expected="step.initial_weights equal to initial_weights[rows]",
                got=float(np.max(np.abs(step.initial_weights - initial[rows]))),
            )
        calibrated[rows] = step.calibrated_weights
        traces.append((rows, step))
        positions_of[label] = rows
    trace = GroupedTrace(
        initial_weights=initial, calibrated_weights=calibrated, parts=tuple(traces)
    )
    return GroupedCalibration(
        weights=calibrated,
        trace=trace,
        groups={label: result for label, (_, result) in parts.items()},
        rows=positions_of,
    )
