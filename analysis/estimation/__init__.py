"""Design-based estimation: totals, means, proportions, ratios and quantiles with standard
errors by Taylor linearisation (accounting for calibration) or replicate weights, for the
population and for domains.

Example::

    from analysis.design import SurveyDesign
    from analysis.estimation import mean, proportion
    from analysis.replication import replicate_design
    from analysis.weighting import rake

    design = SurveyDesign.from_frame(frame, weights="w", strata="unit", psu="commune",
                                     lonely_psu="adjust")
    raked = design.calibrated(rake(frame, weights=design.weights, margins=margins))
    mean(raked, ["q1", "q2"], by="group")          # list of Estimate, SEs through the raking
    proportion(raked, "satisfied", 1, by="unit")    # logit intervals
    boot = replicate_design(design, method="bootstrap", replicates=500, seed=1)
    boot = boot.calibrated(lambda f, w: rake(f, weights=w, margins=margins).weights)
    mean(boot, "q1", by="unit")                    # replicate SEs, re-raked per replicate
"""

from analysis.estimation.linear import mean as mean
from analysis.estimation.linear import proportion as proportion
from analysis.estimation.linear import ratio as ratio
from analysis.estimation.linear import total as total
from analysis.estimation.quantile import quantile as quantile
from analysis.estimation.result import Estimate as Estimate
from analysis.estimation.result import estimates_frame as estimates_frame
from analysis.estimation.variance import linearised_variance as linearised_variance
from analysis.estimation.variance import linearised_variances as linearised_variances
