"""The result of a design-based estimate: point, standard error, interval, n and design effect.

The design effect is Kish's ratio of the design variance to the variance of the same statistic
under simple random sampling without replacement of ``n`` units from ``N̂ = Σ w`` (R ``survey``'s
``deff=TRUE``; Lumley 2010, §2.4)::

    deff = V_design / ( S²_w(e) · N̂² · (N̂ − n)/(N̂ · n) ),
    S²_w(e) = n/(n − 1) · Σ w_i (e_i − ē)² / Σ w_i,

where ``e`` is the linearised variable of the statistic (``y`` for a total, ``(y − ȳ)/N̂`` for a
mean, ``(y − R·x)/X̂`` for a ratio) over the domain's respondents. It is NaN when ``N̂ ≤ n``
(weights scaled to the sample size: R returns NA for a mean and a meaningless negative ratio for
a total), when ``n < 2``, and for quantiles, which have none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Estimate:
    """One design-based estimate for one variable in one domain.

    Attributes
    ----------
    statistic
        ``total``, ``mean``, ``proportion``, ``ratio`` or ``quantile``.
    variable
        What was estimated (``q1``, ``satisfied=1``, ``income/score``, ``score@0.5``).
    domain
        The domain label, or ``None`` for the whole population.
    estimate, se
        Point estimate and standard error.
    ci_low, ci_high
        Confidence interval at the requested level; NaN where undefined.
    n
        Respondents that entered the estimate (in the domain, value not missing).
    deff
        Design effect against SRS without replacement; NaN where undefined.
    df
        Degrees of freedom of the interval's t quantile (``inf`` for a normal quantile).
    """

    statistic: str
    variable: str
    domain: str | None
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    deff: float
    df: float

    def to_record(self) -> dict[str, object]:
        """The CLI's JSON record: ``variable, domain, estimate, se, ci_low, ci_high, n, deff``,
        with NaN written as ``None``."""

        def clean(value: float) -> float | None:
            return None if math.isnan(value) else value

        return {
            "variable": self.variable,
            "domain": self.domain,
            "estimate": clean(self.estimate),
            "se": clean(self.se),
            "ci_low": clean(self.ci_low),
            "ci_high": clean(self.ci_high),
            "n": self.n,
            "deff": clean(self.deff),
        }


def estimates_frame(estimates: Iterable[Estimate]) -> pd.DataFrame:
    """One row per estimate, one column per :class:`Estimate` field."""
    import pandas as pd

    rows = [asdict(e) for e in estimates]
    columns = list(Estimate.__dataclass_fields__)
    return pd.DataFrame(rows, columns=columns)
