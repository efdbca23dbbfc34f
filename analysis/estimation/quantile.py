"""Quantiles with Woodruff confidence intervals (Woodruff 1952; Lumley 2010, §2.4).

The point estimate inverts the weighted distribution function of the domain's respondents,
``F̂(t) = Σ w_i 1{y_i ≤ t} / Σ w_i``, by R ``survey`` 4.1's default ``qrule="math"``::

    Q̂(p) = min { y_(k) : F̂(y_(k)) ≥ p }

(cumulative weights are summed in extended precision, as R does). One divergence from R: when
``p`` is below the weight share of the smallest value, R's rule returns the second smallest
value; here it returns the smallest, which is what the definition gives.

The interval is R 4.1's default ``interval.type="mean"``: estimate ``p̂ = F̂(Q̂(p))`` as a mean
of the indicator ``1{y ≤ Q̂(p)}`` with its design standard error (linearisation, including
calibration, or replicates), form the Wald interval ``p̂ ± t_{df} · se(p̂)`` on the design's
degrees of freedom, and map its ends back through the same rule: ``[Q̂(p_low), Q̂(p_high)]``.
An end outside [0, 1] is NaN. The reported standard error is the interval's width divided by
``2 · t_{df}``, as R reports it. Quantiles have no design effect (NaN).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.design import DesignError, FloatArray, SurveyDesign
from analysis.estimation.domains import domains, numeric_values, variable_list
from analysis.estimation.intervals import critical_value, wald_interval
from analysis.estimation.linear import Design, Target, fit, unit_denominator
from analysis.estimation.result import Estimate


class QuantileError(DesignError):
    """A quantile cannot be estimated as asked."""

    code = "quantile_error"


def _distribution(values: FloatArray, weights: FloatArray) -> tuple[FloatArray, FloatArray, float]:
    """Sorted values, their cumulative weights and the total weight (extended precision)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order].astype(np.longdouble))
    total = float(np.sum(weights.astype(np.longdouble)))
    return values[order], cumulative.astype(np.float64), total


def quantile_rule(
    sorted_values: FloatArray, cumulative: FloatArray, total: float, p: float
) -> float:
    """``min { y_(k) : F̂(y_(k)) ≥ p }`` computed with R ``qrule_math``'s comparisons."""
    below = np.flatnonzero(cumulative <= p * total)
    if below.size == 0:
        return float(sorted_values[0])
    position = int(below[-1])
    if p - cumulative[position] / total == 0:
        return float(sorted_values[position])
    return float(sorted_values[min(position + 1, sorted_values.size - 1)])


@dataclass(frozen=True)
class _Plan:
    """One quantile's weighted distribution, degrees of freedom and point estimate."""

    ordered: FloatArray
    cumulative: FloatArray
    total: float
    df: float
    point: float

    def invert(self, p: float) -> float:
        """``Q̂(p)`` for a probability ``p`` (NaN stays NaN)."""
        if math.isnan(p):
            return math.nan
        return quantile_rule(self.ordered, self.cumulative, self.total, p)


def quantile(
    design: Design,
    variables: str | Sequence[str],
    probabilities: float | Sequence[float],
    *,
    by: str | None = None,
    level: float = 0.95,
) -> list[Estimate]:
    """Quantiles of numeric variables with Woodruff intervals.

    Parameters
    ----------
    design
        Linearisation or replicate design.
    variables
        One numeric column or several.
    probabilities
        One probability in [0, 1] or several.
    by
        Domain column, or ``None``.
    level
        Confidence level.

    Returns
    -------
    list of Estimate
        ``variable`` is reported as ``"{variable}@{p}"`` (e.g. ``score@0.5``); ``df`` is the
        design's degrees of freedom over the respondents used.
    """
    probs = [probabilities] if isinstance(probabilities, float | int) else list(probabilities)
    for p in probs:
        if not 0.0 <= p <= 1.0:
            raise QuantileError(
                f"quantile probability {p} is outside [0, 1]", expected="[0, 1]", got=p
            )
    weights = design.weights
    ones = unit_denominator(design.n)
    plans: list[_Plan] = []
    targets: list[Target] = []
    for variable in variable_list(variables):
        values, present = numeric_values(design.data, variable)
        for label, mask in domains(design.data, by):
            rows = mask & present & (weights != 0)
            if not rows.any():
                raise QuantileError(
                    f"no respondent with `{variable}` present in domain {label}",
                    expected="at least one respondent",
                    got=0,
                )
            ordered, cumulative, total_weight = _distribution(values[rows], weights[rows])
            if isinstance(design, SurveyDesign):
                df = float(design.structure.degrees_of_freedom(rows))
            else:
                df = float(design.degrees_of_freedom(rows))
            for p in probs:
                point = quantile_rule(ordered, cumulative, total_weight, p)
                below = (values <= point).astype(np.float64)
                targets.append(Target(f"{variable}@{p:g}", label, rows, below, ones))
                plans.append(_Plan(ordered, cumulative, total_weight, df, point))
    fitted = fit(design, targets)
    results = []
    for j, plan in enumerate(plans):
        share = float(fitted.estimate[j])
        share_se = math.sqrt(float(fitted.variance[j]))
        low_p, high_p = wald_interval(estimate=share, se=share_se, level=level, df=plan.df)
        low = plan.invert(low_p) if low_p >= 0 else math.nan
        high = plan.invert(high_p) if high_p <= 1 else math.nan
        q = critical_value(level=level, df=plan.df)
        results.append(
            Estimate(
                statistic="quantile",
                variable=targets[j].variable,
                domain=targets[j].domain,
                estimate=plan.point,
                se=(high - low) / (2.0 * q),
                ci_low=low,
                ci_high=high,
                n=int(fitted.n[j]),
                deff=math.nan,
                df=plan.df,
            )
        )
    return results
