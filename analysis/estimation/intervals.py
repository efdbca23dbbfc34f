"""Confidence intervals.

* Wald: ``θ̂ ± q · se`` with ``q`` the normal quantile (``df = inf``, R ``confint.svystat``'s
  default for means, totals and ratios) or Student's t on ``df`` degrees of freedom.
* Logit, for a proportion (R ``svyciprop(method="logit")``, its default; Korn & Graubard 1998):
  the Wald interval of ``logit(p̂)`` with t quantiles on the design's degrees of freedom, mapped
  back with ``expit``. Under linearisation ``se(logit p̂) = se(p̂) / (p̂(1 − p̂))``, the sandwich
  variance of the intercept of a survey-weighted logistic model; with replicate weights it is the
  replicate variance of ``logit(p̂_r)``. Undefined (NaN) when ``p̂`` is 0 or 1 or ``df ≤ 0``.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from analysis.errors import AnalysisError


class ConfidenceLevelError(AnalysisError):
    """The confidence level is not a probability strictly between 0 and 1."""

    code = "invalid_level"


def critical_value(*, level: float, df: float) -> float:
    """Two-sided quantile for ``level``: normal when ``df`` is infinite, else Student's t.

    SciPy is imported only for t quantiles, which keeps the command line's start-up short.
    """
    if not 0.0 < level < 1.0:
        raise ConfidenceLevelError(
            f"confidence level {level} is not between 0 and 1", expected="(0, 1)", got=level
        )
    upper = 0.5 + level / 2.0
    if math.isinf(df):
        return NormalDist().inv_cdf(upper)
    if df <= 0:
        return math.nan
    from scipy import special

    return float(special.stdtrit(df, upper))


def wald_interval(*, estimate: float, se: float, level: float, df: float) -> tuple[float, float]:
    """``estimate ± q·se``."""
    q = critical_value(level=level, df=df)
    return estimate - q * se, estimate + q * se


def logit(p: float) -> float:
    """``log(p / (1 − p))``."""
    return math.log(p / (1.0 - p))


def expit(x: float) -> float:
    """``1 / (1 + exp(−x))``."""
    return 1.0 / (1.0 + math.exp(-x))


def logit_interval(
    *, proportion: float, logit_se: float, level: float, df: float
) -> tuple[float, float]:
    """Interval ``expit(logit(p̂) ± q·se(logit p̂))`` (see the module docstring)."""
    if not 0.0 < proportion < 1.0:
        return math.nan, math.nan
    q = critical_value(level=level, df=df)
    centre = logit(proportion)
    return expit(centre - q * logit_se), expit(centre + q * logit_se)
