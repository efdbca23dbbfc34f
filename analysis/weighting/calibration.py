"""Calibration of weights to population totals: linear (GREG), raking and logit, with bounds.

Find g-weights ``g_i = F(x_iᵀλ)`` such that ``Σ_i w0_i·g_i·x_i = t`` (Deville & Särndal 1992),
``F`` the distance's inverse derivative (:mod:`analysis.weighting.distance`). λ solves the
calibration equations by Newton's method on the p×p system (Deville, Särndal & Sautory 1993)::

    (Xᵀ diag(w0·F'(Xλ)) X)·Δλ = t − Xᵀ(w0·F(Xλ)),

started from λ = 0 (g = 1); a singular system is solved by its Moore–Penrose inverse, as R
``survey::grake`` does. The unbounded linear case converges in one step to the closed-form
GREG weights of R ``regcalibrate``. R only halves steps that give non-finite g-weights, and
its undamped steps can overshoot when targets are far from the sample's totals; here a step
is halved until it is finite and either reduces the scaled misfit ``‖(t − t̂)/scale‖`` or
meets Armijo's condition on the convex dual ``Φ(λ) = Σ w0·H(Xλ) − λᵀt``
(:mod:`analysis.weighting.distance`), which is what makes the iteration converge from any
start. Both tests accept the full step near the solution, so the fixed point, R's, is the
same. Iteration stops when every margin level's relative error (see
:mod:`analysis.weighting.problem`) is below ``tolerance``; otherwise
:class:`ConvergenceError` carries the history.

Bounds ``(L, U)`` apply to g, relative to the initial weights given. R ``grake`` first
rescales the weights when every target exceeds 20 times its sample estimate and then reads
the bounds relative to the rescaled weights; here bounds always mean ``L ≤ w/w0 ≤ U``.

References
----------
Deville, J.-C. & Särndal, C.-E. (1992). Calibration estimators in survey sampling. *JASA* 87.
Nocedal, J. & Wright, S. J. (2006). *Numerical Optimization*, 2nd ed. Springer.
Deville, J.-C., Särndal, C.-E. & Sautory, O. (1993). Generalized raking procedures in survey
sampling. *JASA* 88, 1013–1020.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from analysis.columns import Data
from analysis.weighting.distance import DISTANCES, Distance, Method
from analysis.weighting.errors import ConvergenceError, InvalidArgumentError
from analysis.weighting.margins import CollapseRule, MarginsLike, as_margins, match_margins
from analysis.weighting.model_matrix import NormalEquations
from analysis.weighting.problem import DEFAULT_TOLERANCE, CalibrationProblem
from analysis.weighting.result import CalibrationResult, finish
from analysis.weighting.trace import FloatArray
from analysis.weighting.validation import WeightsLike, check_tolerance, resolve_weights

MAX_STEP_HALVINGS = 60
"""Newton step halvings allowed per iteration: 2⁻⁶⁰ of a step is below double precision."""

ARMIJO_FRACTION = 1e-4
"""Share of the first-order decrease of the dual a damped step must achieve (Armijo's rule;
Nocedal & Wright 2006, §3.1)."""


def _check_bounds(method: str, bounds: tuple[float, float]) -> tuple[float, float]:
    if method not in DISTANCES:
        raise InvalidArgumentError(
            f"unknown calibration method `{method}`",
            expected=sorted(DISTANCES),
            got=method,
        )
    lower, upper = float(bounds[0]), float(bounds[1])
    if not lower < 1.0 < upper:
        raise InvalidArgumentError(
            "g-weight bounds must satisfy lower < 1 < upper",
            expected="lower < 1 < upper",
            got=(lower, upper),
        )
    if method == "logit" and not (math.isfinite(lower) and math.isfinite(upper)):
        raise InvalidArgumentError(
            "logit calibration needs finite bounds",
            expected="finite (lower, upper)",
            got=(lower, upper),
            hint="e.g. bounds=(0.5, 2.0)",
        )
    return lower, upper


def calibrate(
    data: Data,
    *,
    weights: WeightsLike,
    margins: MarginsLike,
    method: Method = "linear",
    bounds: tuple[float, float] = (-math.inf, math.inf),
    population_size: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    max_iterations: int = 50,
    collapse: Mapping[str, CollapseRule] | None = None,
) -> CalibrationResult:
    """Calibrate weights so that weighted totals equal population totals.

    Parameters
    ----------
    data : pandas.DataFrame or Columns
        The sample, one row per respondent.
    weights : str or array_like
        Initial (design or non-response adjusted) weights: a column of ``data`` or an array.
    margins : Margins or pandas.DataFrame
        A ``variable,level,target`` table: level counts, and numeric totals (empty level).
    method : {"linear", "raking", "logit"}, default "linear"
        The calibration distance.
    bounds : (float, float), default (-inf, inf)
        Range of the g-weights ``w/w0``; must contain 1, finite for ``logit``.
    population_size : float, optional
        The population size, to calibrate the count as well when no categorical margin
        does so already (it must then agree with their totals).
    tolerance : float, default 1e-10
        Largest relative error of any margin level at convergence.
    max_iterations : int, default 50
        Newton iterations before :class:`ConvergenceError`.
    collapse : mapping, optional
        Per variable, ``"neighbour"`` or ``{empty level: receiving level}`` for levels
        with no respondents (reported in ``collapsed``).

    Returns
    -------
    CalibrationResult

    Raises
    ------
    ConvergenceError
        The margins were not met within ``max_iterations`` (e.g. bounds too tight).
    WeightingError
        Invalid weights, margins or arguments (see :mod:`analysis.weighting.errors`).

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"sex": ["f", "m", "m"], "w": [1.0, 1.0, 2.0]})
    >>> margins = pd.DataFrame({"variable": ["sex", "sex"], "level": ["f", "m"],
    ...                         "target": [50.0, 50.0]})
    >>> calibrate(data, weights="w", margins=margins).weights.round(6).tolist()
    [50.0, 16.666667, 33.333333]
    """
    lower, upper = _check_bounds(method, bounds)
    check_tolerance(tolerance, max_iterations)
    initial = resolve_weights(data, weights)
    positive = method == "raking" or (method == "logit" and lower >= 0)
    matched = match_margins(
        data,
        as_margins(margins),
        collapse=collapse,
        positive=positive,
        population_size=population_size,
    )
    problem = CalibrationProblem.build(
        matched, initial_weights=initial, population_size=population_size
    )
    distance = DISTANCES[method]
    newton = _Newton(problem=problem, distance=distance, lower=lower, upper=upper)
    eta = np.zeros(problem.model.columns)
    history: list[float] = []
    for _ in range(max_iterations):
        eta = newton.step(eta, history)
        g = distance.g(problem.model.dot(eta), lower, upper)
        history.append(problem.max_relative_error(problem.row_weights * g))
        if history[-1] < tolerance:
            return finish(
                problem,
                method=method,
                initial_weights=initial,
                row_g=g,
                history=history,
                collapsed=matched.collapsed,
            )
    raise ConvergenceError(
        f"{method} calibration did not meet the margins within {max_iterations} iterations "
        f"(largest relative error {history[-1]:.3g})",
        history=tuple(history),
        expected=tolerance,
        got=history[-1],
        hint="widen the bounds, collapse sparse levels, or raise max_iterations",
    )


@dataclass(frozen=True)
class _Newton:
    """Damped Newton steps on the dual ``Φ(λ) = Σ W·H(Xλ) − λᵀt`` of a calibration problem."""

    problem: CalibrationProblem
    distance: Distance
    lower: float
    upper: float

    def _misfit(self, u: FloatArray) -> FloatArray:
        g = self.distance.g(u, self.lower, self.upper)
        return self.problem.targets - self.problem.model.tdot(self.problem.row_weights * g)

    def _dual(self, eta: FloatArray, u: FloatArray) -> float:
        integral = self.distance.integral(u, self.lower, self.upper)
        return float(self.problem.row_weights @ integral - eta @ self.problem.targets)

    def step(self, eta: FloatArray, history: list[float]) -> FloatArray:
        """Return λ after one Newton step from ``eta``, damped as the module docstring says."""
        model, weights = self.problem.model, self.problem.row_weights
        u = model.dot(eta)
        misfit = self._misfit(u)
        derivative = self.distance.derivative(u, self.lower, self.upper)
        direction = NormalEquations.build(model, weights * derivative).solve(misfit)
        scale = np.maximum(np.abs(self.problem.targets), np.abs(model.tdot(weights)))
        scale[scale == 0] = 1.0
        merit = float(np.linalg.norm(misfit / scale))
        dual = self._dual(eta, u)
        slope = -float(misfit @ direction)
        length = 1.0
        for _ in range(MAX_STEP_HALVINGS + 1):
            candidate = eta + length * direction
            trial = model.dot(candidate)
            with np.errstate(over="ignore", invalid="ignore"):
                new_misfit = self._misfit(trial)
                new_dual = self._dual(candidate, trial)
            if np.isfinite(new_misfit).all() and (
                float(np.linalg.norm(new_misfit / scale)) < merit
                or new_dual <= dual + ARMIJO_FRACTION * length * slope
            ):
                return candidate
            length /= 2.0
        raise ConvergenceError(
            f"{self.distance.name} calibration stalled: no step along the Newton direction "
            f"reduces the misfit after {MAX_STEP_HALVINGS} halvings",
            history=tuple(history),
            expected="a decreasing misfit",
            got=merit,
            hint="the margins may be unattainable within the bounds; check them",
        )
