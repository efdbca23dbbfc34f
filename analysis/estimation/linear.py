"""Totals, means, proportions and ratios, for the population and for domains.

Every estimator here is a total or a ratio of weighted totals over the respondents ``S_d`` of a
domain whose value is present (Horvitz–Thompson / Hájek; Lumley 2010, ch. 2)::

    total     Ŷ = Σ_{S_d} w_i y_i                      e_i = y_i
    ratio     R̂ = Σ_{S_d} w_i y_i / Σ_{S_d} w_i x_i    e_i = (y_i − R̂ x_i) / X̂
    mean      ratio with x_i = 1                        e_i = (y_i − ȳ) / N̂
    proportion  mean of 1{y_i = category}

Under linearisation (Binder 1983; Woodruff 1971) the influence values are ``w_i e_i`` on
``S_d`` and 0 elsewhere; their total's variance comes from
:func:`analysis.estimation.variance.linearised_variances`, which applies the design's calibration
traces first. With replicate weights the estimator is recomputed for every replicate (one
``Wᵀ Z`` product for all replicates and targets) and
:func:`analysis.replication.replicate_variance` combines them.

A domain in which no respondent has the variable gets ``n = 0`` and NaN estimates.

Intervals: Wald with normal quantiles for totals, means and ratios (R ``confint``); logit for
proportions (R ``svyciprop``), see :mod:`analysis.estimation.intervals`. Design effects: see
:mod:`analysis.estimation.result`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from analysis.design import BoolArray, FloatArray, NumberArray, SurveyDesign
from analysis.estimation.domains import (
    category_indicator,
    domains,
    level_label,
    numeric_values,
    variable_list,
)
from analysis.estimation.intervals import logit, logit_interval, wald_interval
from analysis.estimation.result import Estimate
from analysis.estimation.variance import linearised_variances
from analysis.replication import ReplicateDesign, replicate_variance

Design = SurveyDesign | ReplicateDesign
CountArray = npt.NDArray[np.int64]

CHUNK_COLUMNS = 16
"""Most targets processed together: bounds memory at about n × 16 × 8 bytes per working
array (the block of a replicate design)."""
BLOCK_BYTES = 8 * 2**20
"""Size of the buffer of influence values of a block of targets under linearisation."""


@dataclass(frozen=True, eq=False)
class Target:
    """One (variable, domain) to estimate: ``Σ_rows w·y``, or ``Σ_rows w·y / Σ_rows w·x``.

    ``rows`` marks the domain's respondents whose values are present; ``numerator`` (``y``) and
    ``denominator`` (``x``; ``None`` for a total) are full-length and may be shared between
    targets: only their values on ``rows`` are used.
    """

    variable: str
    domain: str | None
    rows: BoolArray
    numerator: NumberArray
    denominator: NumberArray | None


@dataclass(frozen=True, eq=False)
class Fitted:
    """Point estimates, variances, design effects and counts of a list of targets.

    ``replicates`` holds the (R×k) replicate estimates of a replicate design, else ``None``.
    """

    estimate: FloatArray
    variance: FloatArray
    deff: FloatArray
    n: CountArray
    replicates: FloatArray | None


def _chunks(targets: Sequence[Target], width: int) -> Iterator[Sequence[Target]]:
    for start in range(0, len(targets), width):
        yield targets[start : start + width]


def _linearise(
    target: Target, weights: FloatArray, *, out: FloatArray, scratch: FloatArray
) -> float:
    """Write the linearised variable ``e = (y − θ·x)/X̂`` (``y`` for a total) of ``target``,
    zero off its rows, into ``out``; return the estimate θ (NaN for an empty domain)."""
    np.multiply(target.numerator, target.rows, out=out)
    top = float(weights @ out)
    if target.denominator is None:
        return top
    x = np.multiply(target.denominator, target.rows, out=scratch)
    bottom = float(weights @ x)
    with np.errstate(divide="ignore", invalid="ignore"):  # empty domain: NaN, n = 0
        estimate = float(np.divide(top, bottom))
        x *= estimate
        out -= x
        out /= bottom
    return estimate


def _srs_variance(
    linearised: FloatArray, rows: BoolArray, weights: FloatArray, *, scratch: FloatArray
) -> float:
    """The variance under simple random sampling that a design effect divides by (see
    :mod:`analysis.estimation.result`), ``S²_w(e) · N̂² · (N̂ − n)/(N̂ · n)``.

    Undefined (NaN) where ``n < 2`` (no spread: ``n/(n − 1)`` has no value) or ``N̂ ≤ n``,
    which are checked first, so neither case warns. Overwrites ``linearised`` and
    ``scratch`` (both of shape (n,)).
    """
    n = int(np.count_nonzero(rows))
    w = np.multiply(rows, weights, out=scratch)
    population = float(w.sum())
    if n < 2 or population <= n:
        return math.nan
    squares = linearised
    squares -= float(w @ squares) / population
    np.square(squares, out=squares)
    spread = float(w @ squares) / population * n / (n - 1.0)
    return spread * population**2 * (population - n) / (population * n)


def _design_effects(variance: FloatArray, srs: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):  # srs = 0: a constant variable
        deff: FloatArray = variance / srs
    return deff


def _block_width(n_rows: int, n_targets: int) -> int:
    """Targets per block: as many n-vectors as :data:`BLOCK_BYTES` holds, 1 to
    :data:`CHUNK_COLUMNS`."""
    return max(1, min(CHUNK_COLUMNS, n_targets, BLOCK_BYTES // (8 * max(n_rows, 1))))


def _fit_linearised(design: SurveyDesign, targets: Sequence[Target]) -> Fitted:
    """Taylor linearisation: each block's influence values in one reused n×k buffer, whose
    calibration residuals and variances are computed together."""
    n_rows, weights = design.n, design.weights
    width = _block_width(n_rows, len(targets))
    influence = np.empty((n_rows, width), order="F")
    linearised, scratch = np.empty(n_rows), np.empty(n_rows)
    k = len(targets)
    estimate, variance, srs = np.empty(k), np.empty(k), np.empty(k)
    counts = np.empty(k, dtype=np.int64)
    for block, chunk in enumerate(_chunks(targets, width)):
        start = block * width
        for j, target in enumerate(chunk):
            estimate[start + j] = _linearise(target, weights, out=linearised, scratch=scratch)
            np.multiply(linearised, weights, out=influence[:, j])
            srs[start + j] = _srs_variance(linearised, target.rows, weights, scratch=scratch)
            counts[start + j] = np.count_nonzero(target.rows)
        variance[start : start + len(chunk)] = linearised_variances(
            influence[:, : len(chunk)], design, overwrite=True
        )
    return Fitted(
        estimate=estimate,
        variance=variance,
        deff=_design_effects(variance, srs),
        n=counts,
        replicates=None,
    )


def _replicate_block(
    design: ReplicateDesign, chunk: Sequence[Target], numerator: FloatArray, denominator: FloatArray
) -> FloatArray:
    """The (R×k) replicate estimates of a block of targets: their numerators and denominators
    written into the n×k buffers given, then one ``Wᵀ·Z`` product each."""
    is_ratio = np.array([t.denominator is not None for t in chunk])
    for j, target in enumerate(chunk):
        np.multiply(target.numerator, target.rows, out=numerator[:, j])
        if target.denominator is None:
            denominator[:, j] = 0.0
        else:
            np.multiply(target.denominator, target.rows, out=denominator[:, j])
    with np.errstate(divide="ignore", invalid="ignore"):  # empty domain: NaN
        top = design.replicate_weights.T @ numerator
        bottom = np.where(is_ratio, design.replicate_weights.T @ denominator, 1.0)
        estimates: FloatArray = np.where(is_ratio, top / bottom, top)
    return estimates


def replicate_estimates(design: ReplicateDesign, targets: Sequence[Target]) -> FloatArray:
    """Every target's estimate under each replicate's weights, shape (R, k), by blocks of
    :data:`CHUNK_COLUMNS` targets (one ``Wᵀ·Z`` product each): what a linearisation design's
    estimates become on replicate weights of the same respondents."""
    width_max = max(1, min(CHUNK_COLUMNS, len(targets)))
    first = np.empty((design.n, width_max), order="F")
    second = np.empty((design.n, width_max), order="F")
    blocks = [
        _replicate_block(design, chunk, first[:, : len(chunk)], second[:, : len(chunk)])
        for chunk in _chunks(targets, CHUNK_COLUMNS)
    ]
    return np.hstack(blocks) if blocks else np.zeros((design.n_replicates, 0))


def _fit_replicates(design: ReplicateDesign, targets: Sequence[Target]) -> Fitted:
    """Replicate estimates from one ``Wᵀ·Z`` product per block of :data:`CHUNK_COLUMNS`
    targets, in two reused n×k buffers."""
    n_rows, weights = design.n, design.weights
    width_max = min(CHUNK_COLUMNS, len(targets))
    first = np.empty((n_rows, width_max), order="F")
    second = np.empty((n_rows, width_max), order="F")
    scratch = np.empty(n_rows)
    estimates: list[FloatArray] = []
    variances: list[FloatArray] = []
    srs: list[float] = []
    counts: list[int] = []
    replicate_blocks: list[FloatArray] = []
    for chunk in _chunks(targets, CHUNK_COLUMNS):
        width = len(chunk)
        numerator, denominator = first[:, :width], second[:, :width]
        rep_estimate = _replicate_block(design, chunk, numerator, denominator)
        estimate = np.empty(width)
        for j, target in enumerate(chunk):
            estimate[j] = _linearise(target, weights, out=numerator[:, j], scratch=scratch)
        variance = replicate_variance(
            rep_estimate, estimate, scale=design.scale, rscales=design.rscales, mse=design.mse
        )
        for j, target in enumerate(chunk):
            srs.append(_srs_variance(numerator[:, j], target.rows, weights, scratch=scratch))
            counts.append(int(np.count_nonzero(target.rows)))
        estimates.append(estimate)
        variances.append(variance)
        replicate_blocks.append(rep_estimate)
    all_variances = np.concatenate(variances)
    return Fitted(
        estimate=np.concatenate(estimates),
        variance=all_variances,
        deff=_design_effects(all_variances, np.array(srs)),
        n=np.array(counts, dtype=np.int64),
        replicates=np.hstack(replicate_blocks),
    )


def fit(design: Design, targets: Sequence[Target]) -> Fitted:
    """Estimate every target and its variance under ``design``.

    Fresh large arrays cost more in page faults than the arithmetic on them, so the work is
    done in a few reused buffers, by blocks of targets: under linearisation as many as
    :data:`BLOCK_BYTES` of influence values hold (one target at a time for a million
    respondents, 16 for tens of thousands, whose calibration and variance steps then run
    once per block); with replicate weights :data:`CHUNK_COLUMNS`, whose n×k values enter
    one product with the replicate weights.

    Parameters
    ----------
    design
        A linearisation or replicate design.
    targets
        What to estimate.

    Returns
    -------
    Fitted
    """
    if isinstance(design, ReplicateDesign):
        return _fit_replicates(design, targets)
    return _fit_linearised(design, targets)


def unit_denominator(n: int) -> FloatArray:
    """The constant denominator ``x = 1`` of a mean (or of a share): n ones that take no
    memory (a read-only broadcast view)."""
    ones: FloatArray = np.broadcast_to(np.float64(1.0), (n,))
    return ones


def _targets(
    design: Design,
    variables: Sequence[str],
    by: str | None,
    *,
    kind: str,
) -> list[Target]:
    targets: list[Target] = []
    groups = domains(design.data, by)
    ones = unit_denominator(design.n) if kind == "mean" else None
    for variable in variables:
        values, present = numeric_values(design.data, variable)
        for label, mask in groups:
            targets.append(Target(variable, label, mask & present, values, ones))
    return targets


def _wald(
    statistic: str, targets: Sequence[Target], fitted: Fitted, level: float
) -> list[Estimate]:
    results = []
    for j, target in enumerate(targets):
        estimate = float(fitted.estimate[j])
        se = math.sqrt(float(fitted.variance[j]))
        low, high = wald_interval(estimate=estimate, se=se, level=level, df=math.inf)
        results.append(
            Estimate(
                statistic=statistic,
                variable=target.variable,
                domain=target.domain,
                estimate=estimate,
                se=se,
                ci_low=low,
                ci_high=high,
                n=int(fitted.n[j]),
                deff=float(fitted.deff[j]),
                df=math.inf,
            )
        )
    return results


def total(
    design: Design, variables: str | Sequence[str], *, by: str | None = None, level: float = 0.95
) -> list[Estimate]:
    """Population (or domain) totals ``Σ w y`` of numeric variables.

    Parameters
    ----------
    design
        Linearisation or replicate design.
    variables
        One numeric column or several.
    by
        Domain column (one estimate per sorted value), or ``None``.
    level
        Confidence level of the Wald interval.

    Returns
    -------
    list of Estimate
        Variables in the order given, domains sorted within each variable.
    """
    targets = _targets(design, variable_list(variables), by, kind="total")
    return _wald("total", targets, fit(design, targets), level)


def mean(
    design: Design, variables: str | Sequence[str], *, by: str | None = None, level: float = 0.95
) -> list[Estimate]:
    """Means ``Σ w y / Σ w`` of numeric variables (parameters as :func:`total`)."""
    targets = _targets(design, variable_list(variables), by, kind="mean")
    return _wald("mean", targets, fit(design, targets), level)


def ratio(
    design: Design,
    numerator: str,
    denominator: str,
    *,
    by: str | None = None,
    level: float = 0.95,
) -> list[Estimate]:
    """Ratios ``Σ w y / Σ w x`` over respondents with both values present.

    Parameters
    ----------
    design
        Linearisation or replicate design.
    numerator, denominator
        Numeric columns ``y`` and ``x``.
    by, level
        As :func:`total`.
    """
    top, top_present = numeric_values(design.data, numerator)
    bottom, bottom_present = numeric_values(design.data, denominator)
    targets = []
    for label, mask in domains(design.data, by):
        rows = mask & top_present & bottom_present
        targets.append(Target(f"{numerator}/{denominator}", label, rows, top, bottom))
    return _wald("ratio", targets, fit(design, targets), level)


def proportion(
    design: Design,
    variable: str,
    category: object,
    *,
    by: str | None = None,
    level: float = 0.95,
) -> list[Estimate]:
    """Share of respondents with ``variable == category``, with a logit interval.

    Parameters
    ----------
    design
        Linearisation or replicate design.
    variable
        The column.
    category
        The value counted (compared as a number for numeric columns, as text otherwise).
    by, level
        As :func:`total`.

    Returns
    -------
    list of Estimate
        ``variable`` is reported as ``"{variable}={category}"``; ``df`` is the design's degrees
        of freedom over the respondents used (PSUs minus strata, or the replicate rank − 1).
    """
    hits, present = category_indicator(design.data, variable, category)
    name = f"{variable}={level_label(category)}"
    ones = unit_denominator(design.n)
    targets = [
        Target(name, label, mask & present, hits, ones) for label, mask in domains(design.data, by)
    ]
    fitted = fit(design, targets)
    results = []
    for j, target in enumerate(targets):
        p = float(fitted.estimate[j])
        se = math.sqrt(float(fitted.variance[j]))
        if isinstance(design, SurveyDesign):
            df = float(design.structure.degrees_of_freedom(target.rows & (design.weights != 0)))
            logit_se = se / (p * (1.0 - p)) if 0.0 < p < 1.0 else math.nan
        else:
            df = float(design.degrees_of_freedom(target.rows))
            logit_se = _replicate_logit_se(design, fitted, j, p)
        low, high = logit_interval(proportion=p, logit_se=logit_se, level=level, df=df)
        results.append(
            Estimate(
                statistic="proportion",
                variable=name,
                domain=target.domain,
                estimate=p,
                se=se,
                ci_low=low,
                ci_high=high,
                n=int(fitted.n[j]),
                deff=float(fitted.deff[j]),
                df=df,
            )
        )
    return results


def _replicate_logit_se(design: ReplicateDesign, fitted: Fitted, j: int, p: float) -> float:
    assert fitted.replicates is not None
    shares = fitted.replicates[:, j]
    if not (0.0 < p < 1.0 and np.all((shares > 0.0) & (shares < 1.0))):
        return math.nan
    logits = np.log(shares / (1.0 - shares))[:, None]
    variance = replicate_variance(
        logits,
        np.array([logit(p)]),
        scale=design.scale,
        rscales=design.rscales,
        mse=design.mse,
    )
    return math.sqrt(float(variance[0]))
