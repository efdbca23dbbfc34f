"""Calibration distance functions, as data: the g-weight ``g = F(u)``, its derivative and
its integral.

Calibration minimises a distance between final and initial weights subject to the calibration
equations ``Σ w0_i·g_i·x_i = t``; the Lagrangian gives ``g_i = F(x_iᵀλ)`` with ``F`` the inverse
of the distance's derivative (Deville & Särndal 1992, §2; Deville, Särndal & Sautory 1993):

==========  ===============================================  ===============================
method      ``F(u)``                                         ``F'(u)``
==========  ===============================================  ===============================
linear      ``clip(1 + u, L, U)`` (chi-square distance)      ``1`` for ``L < 1 + u < U``
raking      ``clip(exp(u), L, U)`` (Kullback–Leibler)        ``exp(u)`` for ``L < exp u < U``
logit       ``L + (U - L)·expit(A·u + log((1-L)/(U-1)))``,   ``(U - L)·A·s·(1 - s)``, ``s``
            ``A = (U - L) / ((U - 1)(1 - L))``                the expit term
==========  ===============================================  ===============================

``L < 1 < U`` bound the g-weights; the logit form needs them finite and never reaches them.
The logit line is the Deville–Särndal logit function ``(L(U-1) + U(1-L)e^{Au}) /
((U-1) + (1-L)e^{Au})`` written with the logistic function so that it cannot overflow; every
``F`` satisfies ``F(0) = 1``, so iterations start from the initial weights.

The integral ``H(u) = ∫₀ᵘ F`` gives the convex dual of the calibration problem,
``Φ(λ) = Σ_i w0_i·H(x_iᵀλ) − λᵀt``, whose gradient is minus the calibration misfit and whose
Hessian is the Newton matrix; the solver uses it to damp Newton steps. With
``c = clip(u, a, b)``, ``(a, b)`` where ``F`` reaches ``(L, U)``, it is
``H(u) = H₀(c) + F(u)·(u − c)``: ``H₀(c) = c + c²/2`` (linear), ``eᶜ − 1`` (raking);
logit: ``H(u) = L·u + (U − L)/A·(softplus(A·u + β) − softplus(β))``, ``β = log((1-L)/(U-1))``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from analysis.weighting.trace import FloatArray

Method = Literal["linear", "raking", "logit"]
"""Calibration distance: ``linear`` (GREG), ``raking`` (multiplicative) or ``logit``."""


Elementwise = Callable[[FloatArray, float, float], FloatArray]
"""A function of ``(u, L, U)`` applied elementwise to ``u``."""


@dataclass(frozen=True)
class Distance:
    """A calibration distance: ``F``, ``F'`` and ``H = ∫₀ᵘ F`` as functions of ``(u, L, U)``."""

    name: Method
    g: Elementwise
    derivative: Elementwise
    integral: Elementwise


def _clipped_integral(
    u: FloatArray, g: FloatArray, start: float, end: float, core: Callable[[FloatArray], FloatArray]
) -> FloatArray:
    """``H₀(c) + F(u)·(u − c)`` with ``c = clip(u, start, end)``."""
    inner = np.clip(u, start, end)
    with np.errstate(invalid="ignore"):
        beyond = np.where(u != inner, g * (u - inner), 0.0)
    return core(inner) + beyond


def _linear_g(u: FloatArray, lower: float, upper: float) -> FloatArray:
    return np.clip(1.0 + u, lower, upper)


def _linear_derivative(u: FloatArray, lower: float, upper: float) -> FloatArray:
    inside = (1.0 + u > lower) & (1.0 + u < upper)
    return inside.astype(np.float64)


def _linear_integral(u: FloatArray, lower: float, upper: float) -> FloatArray:
    return _clipped_integral(
        u, _linear_g(u, lower, upper), lower - 1.0, upper - 1.0, lambda c: c + c * c / 2.0
    )


def _raking_g(u: FloatArray, lower: float, upper: float) -> FloatArray:
    with np.errstate(over="ignore"):
        return np.clip(np.exp(u), lower, upper)


def _raking_derivative(u: FloatArray, lower: float, upper: float) -> FloatArray:
    with np.errstate(over="ignore"):
        value = np.exp(u)
    return np.where((value > lower) & (value < upper), value, 0.0)


def _raking_integral(u: FloatArray, lower: float, upper: float) -> FloatArray:
    start = float(np.log(lower)) if lower > 0 else -np.inf
    with np.errstate(over="ignore"):
        return _clipped_integral(
            u, _raking_g(u, lower, upper), start, float(np.log(upper)), lambda c: np.exp(c) - 1.0
        )


def _expit(x: FloatArray) -> FloatArray:
    """The logistic function ``1 / (1 + e⁻ˣ)``; ``e⁻ˣ`` overflows to inf below x ≈ −709, which
    gives the right limit 0."""
    with np.errstate(over="ignore"):
        share: FloatArray = 1.0 / (1.0 + np.exp(-x))
    return share


def _logit_shape(lower: float, upper: float) -> tuple[float, float]:
    slope = (upper - lower) / ((upper - 1.0) * (1.0 - lower))
    return slope, float(np.log((1.0 - lower) / (upper - 1.0)))


def _logit_g(u: FloatArray, lower: float, upper: float) -> FloatArray:
    slope, shift = _logit_shape(lower, upper)
    return lower + (upper - lower) * _expit(slope * u + shift)


def _logit_derivative(u: FloatArray, lower: float, upper: float) -> FloatArray:
    slope, shift = _logit_shape(lower, upper)
    share = _expit(slope * u + shift)
    return (upper - lower) * slope * share * (1.0 - share)


def _logit_integral(u: FloatArray, lower: float, upper: float) -> FloatArray:
    slope, shift = _logit_shape(lower, upper)
    softplus: FloatArray = np.logaddexp(0.0, slope * u + shift) - np.logaddexp(0.0, shift)
    return lower * u + (upper - lower) / slope * softplus


DISTANCES: dict[str, Distance] = {
    "linear": Distance("linear", _linear_g, _linear_derivative, _linear_integral),
    "raking": Distance("raking", _raking_g, _raking_derivative, _raking_integral),
    "logit": Distance("logit", _logit_g, _logit_derivative, _logit_integral),
}
"""The distance functions by method name."""
