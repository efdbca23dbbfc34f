"""Weighting: design weights, non-response adjustment, post-stratification, raking,
calibration and trimming, each a pure function in its own module.

Typical pipeline::

    d = design_weights(sample, strata=["unit", "group"], frame=frame)
    nr = adjust_nonresponse(sample, weights=d.weights, responded="responded", classes="unit")
    respondents = sample[nr.respondents]
    raked = rake(respondents, weights=nr.weights[nr.respondents], margins=margins_frame)
    trimmed = trim_weights(raked.weights, upper=5 * raked.weights.mean(), strict=True)
    report = weighting_report(trimmed.weights, calibration=raked, trimming=trimmed)

Every calibration step returns a :class:`CalibrationResult` whose ``trace`` implements
:class:`CalibrationTrace`: estimation passes weighted influence values through
``trace.adjust_influence`` so that standard errors account for the calibration. Separate
calibrations of disjoint groups (raking each respondent group to its own margins) combine
with :func:`within_groups` into one step, the calibration on group-interacted margins.
"""

from analysis.weighting.calibration import calibrate as calibrate
from analysis.weighting.design_weights import DesignWeights as DesignWeights
from analysis.weighting.design_weights import NonresponseAdjustment as NonresponseAdjustment
from analysis.weighting.design_weights import adjust_nonresponse as adjust_nonresponse
from analysis.weighting.design_weights import design_weights as design_weights
from analysis.weighting.distance import Method as Method
from analysis.weighting.errors import CollapseError as CollapseError
from analysis.weighting.errors import ConvergenceError as ConvergenceError
from analysis.weighting.errors import EmptyLevelError as EmptyLevelError
from analysis.weighting.errors import FrameMismatchError as FrameMismatchError
from analysis.weighting.errors import InfeasibleBoundsError as InfeasibleBoundsError
from analysis.weighting.errors import InvalidArgumentError as InvalidArgumentError
from analysis.weighting.errors import InvalidMarginsError as InvalidMarginsError
from analysis.weighting.errors import InvalidWeightsError as InvalidWeightsError
from analysis.weighting.errors import MarginTotalsDisagreeError as MarginTotalsDisagreeError
from analysis.weighting.errors import MissingValuesError as MissingValuesError
from analysis.weighting.errors import NoRespondentsError as NoRespondentsError
from analysis.weighting.errors import UnknownLevelError as UnknownLevelError
from analysis.weighting.errors import UnknownVariableError as UnknownVariableError
from analysis.weighting.errors import UntargetedLevelError as UntargetedLevelError
from analysis.weighting.errors import WeightingError as WeightingError
from analysis.weighting.errors import ZeroTargetError as ZeroTargetError
from analysis.weighting.grouped import GroupedCalibration as GroupedCalibration
from analysis.weighting.grouped import GroupedTrace as GroupedTrace
from analysis.weighting.grouped import within_groups as within_groups
from analysis.weighting.linearisation import GregTrace as GregTrace
from analysis.weighting.margins import CollapsedLevel as CollapsedLevel
from analysis.weighting.margins import CollapseRule as CollapseRule
from analysis.weighting.margins import Margins as Margins
from analysis.weighting.poststratification import poststratify as poststratify
from analysis.weighting.raking import rake as rake
from analysis.weighting.report import WeightingReport as WeightingReport
from analysis.weighting.report import weighting_report as weighting_report
from analysis.weighting.result import CalibrationResult as CalibrationResult
from analysis.weighting.trace import CalibrationTrace as CalibrationTrace
from analysis.weighting.trimming import TrimResult as TrimResult
from analysis.weighting.trimming import trim_weights as trim_weights
