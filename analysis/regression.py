"""Survey-weighted linear and logistic regression with design-based standard errors.

"What drives satisfaction": the coefficients solve the weighted estimating equations
(Binder 1983; Lumley 2010, ch. 5; R ``svyglm``)::

    Σ_i w_i x_i (y_i − μ(x_iᵀβ)) = 0,     μ(η) = η (linear) or 1/(1 + e^−η) (logistic),

fitted here by statsmodels' IRLS with the weights as variance weights. Their sandwich variance
is the design variance of the total of the influence values

    h_i = w_i (y_i − μ_i) x_iᵀ A⁻¹,     A = Σ_i w_i v_i x_i x_iᵀ,   v_i = 1 or μ_i(1 − μ_i),

computed with :func:`analysis.estimation.linearised_variance` (strata, PSUs, fpc, lonely PSUs and
calibration traces). Respondents with a missing response or predictor are left out of the fit
and keep zero influence in the design. Tests and intervals use Student's t on
``df = (PSUs − strata among the respondents used) + 1 − p``, as R's ``summary.svyglm``.

Categorical predictors (non-numeric columns) enter as indicators of each level but the first in
sorted order, named ``{variable}{level}`` as R's treatment contrasts name them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from analysis.design import DesignError, FloatArray, SurveyDesign, require_columns
from analysis.estimation.domains import level_label
from analysis.estimation.intervals import critical_value
from analysis.estimation.variance import linearised_variance

Family = Literal["linear", "logistic"]

FIT_TOLERANCE = 1e-12
"""Relative deviance change at which IRLS stops (R's glm uses 1e-8; tighter costs nothing)."""


class RegressionError(DesignError):
    """The model cannot be fitted to these data."""

    code = "regression_error"


@dataclass(frozen=True)
class Coefficient:
    """One coefficient with its design-based standard error, t test and interval."""

    term: str
    estimate: float
    se: float
    t: float
    p_value: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class RegressionResult:
    """A fitted survey-weighted regression.

    Attributes
    ----------
    family
        ``linear`` or ``logistic``.
    response
        The response column.
    coefficients
        One per model-matrix column, intercept first.
    vcov
        Design-based covariance matrix of the coefficients.
    df
        Residual degrees of freedom for the t tests.
    n
        Respondents used.
    """

    family: Family
    response: str
    coefficients: tuple[Coefficient, ...]
    vcov: FloatArray
    df: float
    n: int

    def to_frame(self) -> pd.DataFrame:
        """One row per coefficient."""
        return pd.DataFrame([vars(c) for c in self.coefficients])


def model_matrix(
    frame: pd.DataFrame, predictors: Sequence[str]
) -> tuple[FloatArray, list[str], np.ndarray]:
    """Intercept, numeric columns and level indicators; also the rows with no missing value.

    Returns
    -------
    matrix, names, complete
        The (n, p) matrix (missing rows hold zeros), column names, and the (n,) mask of rows
        whose predictors are all present.
    """
    require_columns(frame, predictors, role="predictor")
    n = len(frame)
    columns: list[FloatArray] = [np.ones(n)]
    names = ["(Intercept)"]
    complete = np.ones(n, dtype=bool)
    for name in predictors:
        series = frame[name]
        present = series.notna().to_numpy()
        complete &= present
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            columns.append(np.where(present, series.to_numpy(np.float64, na_value=0.0), 0.0))
            names.append(name)
            continue
        codes, levels = pd.factorize(series, sort=True)
        if len(levels) < 2:
            raise RegressionError(
                f"predictor `{name}` has a single level, so it cannot explain anything",
                expected="at least two levels",
                got=[level_label(v) for v in levels],
            )
        for k in range(1, len(levels)):
            columns.append((codes == k).astype(np.float64))
            names.append(f"{name}{level_label(levels[k])}")
    return np.column_stack(columns), names, complete


def survey_regression(
    design: SurveyDesign,
    response: str,
    predictors: Sequence[str],
    *,
    family: Family = "linear",
    level: float = 0.95,
) -> RegressionResult:
    """Fit a survey-weighted linear or logistic regression with linearised standard errors.

    Parameters
    ----------
    design
        The (possibly calibrated) design.
    response
        Numeric response; for ``logistic`` its values must lie in [0, 1] (0/1 or a share).
    predictors
        Predictor columns (numeric, or categorical coded by level indicators).
    family
        ``linear`` (identity link) or ``logistic`` (logit link).
    level
        Confidence level of the coefficient intervals.

    Returns
    -------
    RegressionResult

    Raises
    ------
    RegressionError
        A non-numeric or out-of-range response, a constant predictor, a rank-deficient model
        or too few respondents.
    """
    require_columns(design.frame, [response], role="response")
    series = design.frame[response]
    if pd.api.types.is_bool_dtype(series):
        series = series.astype(np.float64)
    if not pd.api.types.is_numeric_dtype(series):
        raise RegressionError(
            f"response `{response}` is not numeric (dtype {series.dtype})",
            expected="numeric",
            got=str(series.dtype),
        )
    y_all = series.to_numpy(np.float64, na_value=np.nan)
    x_all, names, complete = model_matrix(design.frame, predictors)
    used = complete & np.isfinite(y_all) & (design.weights != 0)
    y = y_all[used]
    x = x_all[used]
    w = design.weights[used]
    if family == "logistic" and ((y < 0) | (y > 1)).any():
        raise RegressionError(
            f"logistic response `{response}` has values outside [0, 1]",
            expected="0/1 or shares",
            got=[float(y.min()), float(y.max())],
        )
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise RegressionError(
            "the predictors are collinear among the respondents used",
            expected=f"rank {x.shape[1]}",
            got=int(np.linalg.matrix_rank(x)),
            hint="drop a predictor or merge levels",
        )
    glm_family = sm.families.Gaussian() if family == "linear" else sm.families.Binomial()
    fitted = sm.GLM(y, x, family=glm_family, var_weights=w).fit(tol=FIT_TOLERANCE)
    beta = np.asarray(fitted.params, dtype=np.float64)
    mu = np.asarray(fitted.fittedvalues, dtype=np.float64)
    v = np.ones_like(mu) if family == "linear" else mu * (1.0 - mu)
    bread = np.linalg.inv(x.T @ (x * (w * v)[:, None]))
    influence = np.zeros((design.n, x.shape[1]))
    influence[used] = (x * (w * (y - mu))[:, None]) @ bread
    vcov = linearised_variance(influence, design)
    df = float(design.structure.degrees_of_freedom(used) + 1 - x.shape[1])
    q = critical_value(level=level, df=df)
    coefficients = []
    for j, name in enumerate(names):
        se = math.sqrt(float(vcov[j, j]))
        t = float(beta[j]) / se if se > 0 else math.nan
        p_value = float(2.0 * stats.t.sf(abs(t), df)) if df > 0 else math.nan
        coefficients.append(
            Coefficient(
                term=name,
                estimate=float(beta[j]),
                se=se,
                t=t,
                p_value=p_value,
                ci_low=float(beta[j]) - q * se,
                ci_high=float(beta[j]) + q * se,
            )
        )
    return RegressionResult(
        family=family,
        response=response,
        coefficients=tuple(coefficients),
        vcov=vcov,
        df=df,
        n=int(used.sum()),
    )
