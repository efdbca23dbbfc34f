"""Taylor-linearisation variance of a total of influence values in a stratified multi-stage design.

For weighted influence values ``z`` (n×k), each calibration trace first replaces ``z`` by the
calibration residuals ``w · resid(z/w ~ X, w0)`` (Deville & Särndal 1992; Särndal, Swensson &
Wretman 1992, §6.6), oldest step first. The covariance of ``Σ_i z_i`` is then the ultimate-cluster
estimator (Wolter 2007, §6.4; Binder 1983)::

    V = Σ_h  s_h · Σ_{i∈h} (z_hi − z̄_h)(z_hi − z̄_h)ᵀ,
    s_h = f_h · n_h/(n_h − 1)  (n_h > 1),   s_h = f_h  (n_h = 1),

with ``z_hi`` the total of PSU ``i`` of stratum ``h``, ``z̄_h`` the mean of the ``n_h`` PSU
totals and ``f_h = (N_h − n_h)/N_h``. Where only the variances of the k totals are needed
(every estimate's standard error), :func:`linearised_variances` gives the diagonal of ``V``
without the covariances, overwriting its input with the calibration residuals if asked.
Single-PSU strata follow the design's lonely-PSU policy exactly as R ``survey`` 4.1
(``survey:::onestrat``, ``survey:::onestage``): ``adjust`` uses the uncentred PSU total,
``remove``/``certainty`` contribute zero, ``average`` drops the stratum and multiplies by
``H / H_ok``. Fully enumerated strata (``f_h`` < 1e-7) contribute zero.

Domains use influence values that are zero outside the domain, on the full design, so the PSU
and stratum counts are those of the design, never of a subset (Lumley 2010, §2.3). One
consequence: under ``average``, ``H`` counts every stratum of the design, as R does for calibrated
designs; for an uncalibrated design R subsets the rows and counts only the strata the domain
reaches, which differs when a domain misses a stratum entirely.
"""

from __future__ import annotations

import numpy as np

from analysis.design import CENSUS_TOLERANCE, FloatArray, Stratification, SurveyDesign


def psu_totals(values: FloatArray, psu: np.ndarray, n_psu: int) -> FloatArray:
    """Sum the rows of ``values`` (n×k) within each PSU code, giving a (P×k) array."""
    totals = np.empty((n_psu, values.shape[1]), order="F")
    for j in range(values.shape[1]):
        totals[:, j] = np.bincount(psu, weights=values[:, j], minlength=n_psu)
    return totals


def _scaled_deviations(
    influence: FloatArray, structure: Stratification
) -> tuple[FloatArray, FloatArray]:
    """PSU totals' deviations ``z_hi − z̄_h`` (P×k) and each PSU's factor ``s_h`` (P,), the
    lonely-PSU policy applied (``adjust``: the mean of a lonely stratum is taken as 0;
    ``average``: ``H / H_ok`` folded into ``s_h``)."""
    deviations = psu_totals(influence, structure.psu, structure.n_psu)
    counts = structure.psu_count
    f = structure.fpc_factor
    lonely = (counts == 1) & (f >= CENSUS_TOLERANCE)
    centred = ~lonely if structure.lonely_psu == "adjust" else np.ones(counts.size, bool)
    for j in range(deviations.shape[1]):
        column = deviations[:, j]
        sums = np.bincount(structure.psu_stratum, weights=column, minlength=structure.n_strata)
        column -= np.where(centred, sums / counts, 0.0)[structure.psu_stratum]
    scale = np.where(counts > 1, f * counts / np.maximum(counts - 1, 1), f)
    scale[f < CENSUS_TOLERANCE] = 0.0
    if structure.lonely_psu == "average" and lonely.any():
        scale[lonely] = 0.0
        scale *= structure.n_strata / (structure.n_strata - int(lonely.sum()))
    return deviations, scale[structure.psu_stratum]


def stratified_variance(influence: FloatArray, structure: Stratification) -> FloatArray:
    """Covariance matrix (k×k) of the total of ``influence`` (n×k) under ``structure``.

    Parameters
    ----------
    influence
        Weighted influence values, already adjusted for calibration, shape (n, k).
    structure
        Strata, PSUs, fpc and lonely-PSU policy of the design.

    Returns
    -------
    numpy.ndarray
        The (k, k) covariance matrix.
    """
    deviations, scale = _scaled_deviations(influence, structure)
    covariance: FloatArray = (deviations * scale[:, None]).T @ deviations
    return covariance


def stratified_variances(influence: FloatArray, structure: Stratification) -> FloatArray:
    """The variances (k,) of the totals of the columns of ``influence`` (n×k): the diagonal of
    :func:`stratified_variance`, without the covariances."""
    deviations, scale = _scaled_deviations(influence, structure)
    variances: FloatArray = np.einsum("p,pk,pk->k", scale, deviations, deviations)
    return variances


def calibration_adjusted(
    influence: FloatArray, design: SurveyDesign, *, overwrite: bool = False
) -> FloatArray:
    """Apply every calibration trace of ``design`` to ``influence`` (n×k), oldest first; with
    ``overwrite`` the result is written into ``influence`` itself."""
    adjusted = influence
    for trace in design.traces:
        mine = overwrite or adjusted is not influence
        adjusted = trace.adjust_influence(adjusted, out=adjusted if mine else None)
    return adjusted


def linearised_variance(influence: FloatArray, design: SurveyDesign) -> FloatArray:
    """Covariance (k×k) of the total of ``influence`` (n×k), accounting for calibration."""
    return stratified_variance(calibration_adjusted(influence, design), design.structure)


def linearised_variances(
    influence: FloatArray, design: SurveyDesign, *, overwrite: bool = False
) -> FloatArray:
    """Variances (k,) of the totals of the columns of ``influence`` (n×k), accounting for
    calibration: the diagonal of :func:`linearised_variance`. With ``overwrite`` the
    calibration residuals are written into ``influence`` instead of a new array."""
    adjusted = calibration_adjusted(influence, design, overwrite=overwrite)
    return stratified_variances(adjusted, design.structure)
