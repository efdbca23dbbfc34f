"""Trimming extreme weights, with the excess shared out so that the total is kept.

One pass (R ``survey::trimWeights``, Potter 1990's "trim and share"): weights outside
``[lower, upper]`` are set to the bound they cross, and the weight so removed (or added),
``Σ (w_i − clip(w_i))``, is shared equally among the units that were inside the bounds::

    w_i ← clip(w_i, lower, upper) + [i inside] · Σ_k (w_k − clip(w_k)) / #inside

The share can push a unit across a bound; with ``strict=True`` passes repeat until no weight
is outside (R ``strict = TRUE``), which stops in floating point because each pass hands on
a fraction of the previous excess. The total is unchanged by every pass. When every weight is
outside the bounds (R then loses the excess), it goes to the units clipped at the bound
opposite to it: those raised to ``lower`` take weight removed above ``upper``, and vice
versa; since ``n·lower ≤ Σw ≤ n·upper`` is checked first, such units exist. Trimming leaves no
calibration trace: standard errors keep using the trace of the calibration trimmed after,
as R does.

Units that stand for several records (``copies``): a bootstrap replicate's weight ``c_i·w_i``
is unit ``i`` drawn ``c_i`` times, each draw a record of weight ``w_i`` (Rao & Wu 1988), and
re-running a trimming on the resample trims records, not sums of records. With ``c_i`` copies
the bounds apply to the record weight ``v_i = w_i / c_i`` and the excess is shared equally
among the records inside::

    v_i ← clip(v_i, lower, upper) + [i inside] · Σ_k c_k (v_k − clip(v_k)) / Σ_{k inside} c_k,

``w_i = c_i·v_i`` at the end, which is trimming the data with unit ``i`` repeated ``c_i``
times and adding its records back up; feasibility is ``Σc·lower ≤ Σw ≤ Σc·upper``. With every
``c_i = 1`` (the default) this is the formula above, number for number. Non-integer ``c_i``
(a jackknife's ``n_h/(n_h−1)``) read the same way: a unit weighing ``c_i`` records.

References
----------
Potter, F. J. (1990). A study of procedures to identify and trim extreme sampling weights.
*Proc. Survey Research Methods Section, ASA*, 225–230.
Rao, J. N. K. & Wu, C. F. J. (1988). Resampling inference with complex survey data. *JASA*
83, 231–241.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from analysis.weighting.errors import ConvergenceError, InfeasibleBoundsError, InvalidArgumentError
from analysis.weighting.trace import FloatArray
from analysis.weighting.validation import check_weights

BoolArray = npt.NDArray[np.bool_]

BOUND_RTOL = 1e-12
"""A weight counts as outside a bound only when beyond it by more than this fraction of the
bound: the shares of a strict trimming shrink geometrically, and without this slack rounding
can keep a weight one unit in the last place outside forever. Final weights are clipped to
the bounds when ``strict``, which moves the total by at most this fraction."""


@dataclass(frozen=True, eq=False)
class TrimResult:
    """Trimmed weights.

    Attributes
    ----------
    weights : numpy.ndarray
        The trimmed weights, same total as the input, shape (n,).
    trimmed : numpy.ndarray
        Whether each unit was set to a bound in some pass, shape (n,).
    passes : int
        Trimming passes made (0 when nothing was outside the bounds).
    """

    weights: FloatArray
    trimmed: BoolArray
    passes: int

    @property
    def n_trimmed(self) -> int:
        """Number of units set to a bound."""
        return int(self.trimmed.sum())


def trim_weights(
    weights: npt.ArrayLike,
    *,
    lower: float = -math.inf,
    upper: float = math.inf,
    strict: bool = False,
    max_passes: int = 10_000,
    copies: npt.ArrayLike | None = None,
) -> TrimResult:
    """Trim weights to ``[lower, upper]``, sharing the excess equally among the others.

    Parameters
    ----------
    weights : array_like
        Positive weights, shape (n,).
    lower, upper : float
        Bounds on the final weights (absolute values, not ratios).
    strict : bool, default False
        Repeat passes until no weight lies outside the bounds.
    max_passes : int, default 10000
        Passes allowed when ``strict`` before :class:`ConvergenceError`.
    copies : array_like, optional
        How many records each weight stands for, positive, shape (n,) (a bootstrap
        replicate's draw counts): the bounds apply to ``weight / copies`` and the excess is
        shared per record (module docstring). All ones by default.

    Returns
    -------
    TrimResult

    Raises
    ------
    InvalidArgumentError
        ``lower > upper``, ``max_passes < 1``, or ``copies`` not positive and finite with
        one value per weight.
    InfeasibleBoundsError
        ``Σc·lower > Σw`` or ``Σc·upper < Σw`` (``Σc = n`` without copies): no weights
        within the bounds keep the total.
    InvalidWeightsError
        Missing, infinite or non-positive weights.

    Examples
    --------
    >>> trim_weights([1.0, 2.0, 9.0], upper=6.0).weights.tolist()
    [2.5, 3.5, 6.0]
    """
    values = check_weights(np.asarray(weights, dtype=np.float64).copy())
    if not lower <= upper or max_passes < 1:
        raise InvalidArgumentError(
            "trimming needs lower <= upper and max_passes >= 1",
            expected="lower <= upper, max_passes >= 1",
            got=(lower, upper, max_passes),
        )
    total = float(values.sum())
    n = values.shape[0]
    counts = _copies(copies, n)
    records = values / counts
    size = float(counts.sum())
    if size * lower > total or size * upper < total:
        what = f"{n} weights" if copies is None else f"{size:g} records"
        raise InfeasibleBoundsError(
            f"no {what} within [{lower:g}, {upper:g}] can add up to the total {total:.10g}",
            expected=(size * lower, size * upper),
            got=total,
            hint="widen the bounds",
        )
    trimmed = np.zeros(n, dtype=np.bool_)
    history: list[float] = []
    below = lower - BOUND_RTOL * abs(lower) if math.isfinite(lower) else lower
    above = upper + BOUND_RTOL * abs(upper) if math.isfinite(upper) else upper
    while True:
        outside = (records < below) | (records > above)
        if not outside.any():
            break
        if len(history) == max_passes:
            raise ConvergenceError(
                f"trimming left weights outside the bounds after {max_passes} passes",
                history=tuple(history),
                expected=0,
                got=int(outside.sum()),
                hint="widen the bounds",
            )
        clipped = np.clip(records, lower, upper)
        excess = float(np.sum(counts * (records - clipped)))
        receivers = ~outside
        if not receivers.any():
            receivers = records < lower if excess > 0 else records > upper
        clipped[receivers] += excess / float(counts[receivers].sum())
        records = clipped
        trimmed |= outside
        history.append(float(outside.sum()))
        if not strict:
            break
    final = counts * (np.clip(records, lower, upper) if strict else records)
    return TrimResult(weights=final, trimmed=trimmed, passes=len(history))


def _copies(copies: npt.ArrayLike | None, n: int) -> FloatArray:
    """The records each weight stands for: ones, or ``copies`` checked."""
    if copies is None:
        return np.ones(n)
    counts = np.asarray(copies, dtype=np.float64)
    if counts.shape != (n,) or not (np.isfinite(counts).all() and (counts > 0).all()):
        raise InvalidArgumentError(
            "copies must give a positive, finite number of records for every weight",
            expected=(n,),
            got=counts.shape if counts.shape != (n,) else float(counts.min()),
        )
    return counts
