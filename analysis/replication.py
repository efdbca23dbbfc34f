"""Replicate-weight designs: jackknife (JK1, JKn), Rao–Wu bootstrap and subsampling bootstrap.

Each replicate ``r`` multiplies the design weights by PSU-level factors ``a_ir``; the variance of
an estimator ``θ̂`` is (Wolter 2007, ch. 4–5; R ``survey:::svrVar``)::

    v(θ̂) = scale · Σ_r  rscale_r · (θ̂_r − θ̄)²,

with ``θ̄`` the mean of the replicates with ``rscale_r > 0``, or ``θ̂`` itself when ``mse=True``.
The factors, ``scale`` and ``rscales`` are those of R ``survey`` 4.1 (``as.svrepdesign``):

``JK1`` (unstratified, ``n`` PSUs)
    replicate ``r`` drops PSU ``r`` and multiplies the others by ``n/(n−1)``;
    ``scale = f·(n−1)/n``, ``rscales = 1``, ``f = (N−n)/N`` (1 without fpc).
``JKn`` (stratified)
    one replicate per PSU, dropping it and multiplying the rest of its stratum by
    ``n_h/(n_h−1)``; ``rscale = f_h·(n_h−1)/n_h``, ``scale = 1``. Fully enumerated strata give no
    replicate. Lonely strata: ``adjust`` adds one replicate that drops the PSU and multiplies every
    other PSU by ``H/(H−1)`` with ``rscale = (H−1)/H``; ``remove``/``certainty`` add none;
    ``average`` adds none and multiplies ``scale`` by ``P / R``.
``bootstrap`` (Rao & Wu 1988, with replacement, Canty & Davison's scaling)
    in each stratum draw ``n_h`` PSUs with replacement (without fpc) or ``n_h`` PSUs without
    replacement from the PSUs repeated to ``N_h`` (with fpc); the factor is the number of draws;
    ``scale = n̄/((n̄−1)(R−1))`` with ``n̄`` the harmonic mean of ``n_h``, ``rscales = 1``.
``subbootstrap`` (Rao & Wu 1988 with ``m_h = n_h − 1``)
    draw ``n_h − 1`` PSUs with replacement; factor = draws · ``n_h/(n_h−1)``;
    ``scale = 1/(R−1)``, ``rscales = 1``.

A replicate design re-runs a weighting step on every replicate (R ``calibrate`` on an
``svyrep.design``): :meth:`ReplicateDesign.calibrated` applies one function to the full-sample
weights and to every column of the n×R replicate-weight matrix. Estimates are vectorised over
replicates as ``Wᵀ Z`` products (:mod:`analysis.estimation`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np

from analysis.design import (
    CENSUS_TOLERANCE,
    MAX_LISTED,
    BoolArray,
    DesignError,
    FloatArray,
    Stratification,
    SurveyDesign,
    require_columns,
)
from analysis.errors import AnalysisError

if TYPE_CHECKING:
    import pandas as pd

ReplicateMethod = Literal["JK1", "JKn", "bootstrap", "subbootstrap"]
REPLICATE_METHODS: tuple[str, ...] = get_args(ReplicateMethod)

RANK_TOLERANCE = 1e-5
"""Relative pivot size below which a replicate column adds no degree of freedom (R ``degf``)."""

DEFAULT_REPLICATES = 50
"""Bootstrap replicates when none are asked for (R ``bootweights``' default)."""


class ReplicateError(DesignError):
    """A replicate design cannot be built or used as asked."""

    code = "replicate_error"


@dataclass(frozen=True, eq=False)
class ReplicateDesign:
    """A design described by full-sample and replicate analysis weights.

    Attributes
    ----------
    frame
        The respondents.
    weights
        Full-sample analysis weights, shape (n,).
    replicate_weights
        Replicate analysis weights, shape (n, R) (design weight × replicate factor, after any
        re-calibration).
    scale, rscales
        The variance multipliers (see the module docstring); ``rscales`` has shape (R,).
    method
        ``JK1``, ``JKn``, ``bootstrap``, ``subbootstrap`` or ``other``.
    mse
        Centre replicate deviations on the full-sample estimate instead of their mean.
    """

    frame: pd.DataFrame
    weights: FloatArray
    replicate_weights: FloatArray
    scale: float
    rscales: FloatArray
    method: str
    mse: bool = False

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        weights: str,
        replicates: Sequence[str],
        scale: float,
        rscales: Sequence[float] | None = None,
        mse: bool = False,
    ) -> ReplicateDesign:
        """A design from weight columns already in the frame (R ``svrepdesign``).

        Parameters
        ----------
        frame
            The respondents.
        weights
            Full-sample weight column.
        replicates
            Replicate weight columns (full weights, not factors).
        scale, rscales
            Variance multipliers; ``rscales`` defaults to ones.
        mse
            Centre on the full-sample estimate.
        """
        require_columns(frame, [weights, *replicates], role="replicate weight")
        if not replicates:
            raise ReplicateError("no replicate weight columns given", expected="≥ 1", got=0)
        base = frame[weights].to_numpy(dtype=np.float64, na_value=np.nan)
        matrix = frame[list(replicates)].to_numpy(dtype=np.float64, na_value=np.nan)
        if not (np.isfinite(base).all() and np.isfinite(matrix).all()):
            raise ReplicateError(
                "weight columns have missing or infinite values",
                expected="finite weights",
                got="missing values",
            )
        r_scales = np.ones(len(replicates)) if rscales is None else np.asarray(rscales, float)
        if r_scales.shape != (len(replicates),):
            raise ReplicateError(
                "rscales needs one value per replicate column",
                expected=len(replicates),
                got=int(r_scales.size),
            )
        return cls(
            frame=frame,
            weights=base,
            replicate_weights=np.asfortranarray(matrix),
            scale=float(scale),
            rscales=r_scales,
            method="other",
            mse=mse,
        )

    @property
    def data(self) -> pd.DataFrame:
        """The respondents, as estimation reads them (the same as ``frame``)."""
        return self.frame

    @property
    def n(self) -> int:
        """Number of respondents."""
        return int(self.weights.size)

    @property
    def n_replicates(self) -> int:
        """Number of replicates ``R``."""
        return int(self.replicate_weights.shape[1])

    def degrees_of_freedom(self, rows: BoolArray) -> int:
        """Rank of the replicate weights of ``rows`` minus one (R ``degf``, after subsetting)."""
        return _rank(self.replicate_weights[rows]) - 1

    def calibrated(
        self,
        weighting: Callable[[pd.DataFrame, FloatArray], FloatArray],
        *,
        columns: Sequence[str] | None = None,
        progress: Callable[[int, int], object] | None = None,
    ) -> ReplicateDesign:
        """Re-run a weighting step on the full-sample weights and on every replicate.

        Parameters
        ----------
        weighting
            Called as ``weighting(frame, weights)`` with the respondents whose weight is not zero
            (a replicate drops PSUs) and their weights; returns their calibrated weights, e.g.
            ``lambda f, w: rake(f, weights=w, margins=m).weights``. Dropped respondents keep
            weight 0, which is what calibrating with them would give.
        columns
            The columns ``weighting`` reads; the frames it is given hold only these (each
            replicate then copies a few columns, not the whole frame). All columns by default.
        progress
            Called as ``progress(done, total)`` after each replicate is re-weighted.

        Returns
        -------
        ReplicateDesign
            The same replicate structure with re-calibrated weights.

        Raises
        ------
        ReplicateError
            The step failed on a replicate (the message names it; the step's own error is the
            cause), or did not return one finite weight per respondent.
        """
        if columns is not None:
            require_columns(self.frame, columns, role="weighting")
        frame = self.frame if columns is None else self.frame[list(columns)]
        full = _calibrate_column(frame, self.weights, weighting)
        calibrated = np.empty_like(self.replicate_weights)
        for r in range(self.n_replicates):
            try:
                calibrated[:, r] = _calibrate_column(frame, self.replicate_weights[:, r], weighting)
            except AnalysisError as error:
                raise ReplicateError(
                    f"replicate {r + 1} of {self.n_replicates}: {error.message}",
                    expected=error.expected,
                    got=error.got,
                    hint=error.hint,
                ) from error
            if progress is not None:
                progress(r + 1, self.n_replicates)
        return replace(self, weights=full, replicate_weights=calibrated)


def _calibrate_column(
    frame: pd.DataFrame,
    weights: FloatArray,
    weighting: Callable[[pd.DataFrame, FloatArray], FloatArray],
) -> FloatArray:
    kept = weights != 0
    subset = frame if kept.all() else frame.loc[kept].reset_index(drop=True)
    calibrated = np.asarray(weighting(subset, weights[kept].copy()), dtype=np.float64)
    if calibrated.shape != (int(kept.sum()),) or not np.isfinite(calibrated).all():
        raise ReplicateError(
            "the weighting step did not return one finite weight per respondent",
            expected=int(kept.sum()),
            got=calibrated.shape,
        )
    out = np.zeros_like(weights)
    out[kept] = calibrated
    return out


def _rank(matrix: FloatArray) -> int:
    """Numerical column rank: columns whose residual in a column-pivoted QR is at least
    :data:`RANK_TOLERANCE` of their own norm (the rule of LINPACK ``dqrdc2``, used by R)."""
    if matrix.shape[0] == 0:
        return 0
    from scipy import linalg  # imported here: only rank needs it, and it is slow to import

    r, pivots = linalg.qr(matrix, mode="r", pivoting=True)
    norms = np.linalg.norm(matrix, axis=0)[pivots[: min(r.shape)]]
    residuals = np.abs(np.diag(r))
    return int(np.sum(residuals >= RANK_TOLERANCE * norms))


def replicate_variance(
    replicates: FloatArray, estimate: FloatArray, *, scale: float, rscales: FloatArray, mse: bool
) -> FloatArray:
    """``scale · Σ_r rscale_r (θ̂_r − θ̄)²`` per column of ``replicates`` (R×k).

    Parameters
    ----------
    replicates
        Replicate estimates, shape (R, k).
    estimate
        Full-sample estimates, shape (k,); the centre when ``mse`` is true.
    scale, rscales, mse
        See the module docstring.

    Returns
    -------
    numpy.ndarray
        Variances, shape (k,).
    """
    if not np.isfinite(replicates).all():
        bad = np.flatnonzero(~np.isfinite(replicates).all(axis=1))
        raise ReplicateError(
            f"{bad.size} replicates give no estimate (no respondents of the domain keep weight "
            "in them)",
            expected="a finite estimate in every replicate",
            got=bad[:MAX_LISTED].tolist(),
            hint="use a larger domain, or linearisation for this estimate",
        )
    centre = estimate if mse else replicates[rscales > 0].mean(axis=0)
    deviations = replicates - centre
    variance: FloatArray = scale * np.einsum("r,rk->k", rscales, deviations**2)
    return variance


@dataclass(frozen=True)
class _Factors:
    """Replicate factors per PSU (P×R) with their variance multipliers."""

    factors: FloatArray
    scale: float
    rscales: FloatArray


def _jk1(structure: Stratification) -> _Factors:
    if structure.has_strata:
        raise ReplicateError(
            "JK1 is for unstratified designs; this design has strata",
            expected="no strata",
            got=structure.n_strata,
            hint="use method='JKn'",
        )
    n = structure.n_psu
    factors = np.full((n, n), n / (n - 1))
    np.fill_diagonal(factors, 0.0)
    f = float(structure.fpc_factor[0])
    return _Factors(factors=factors, scale=f * (n - 1) / n, rscales=np.ones(n))


def _jkn(structure: Stratification) -> _Factors:
    if not structure.has_strata:
        raise ReplicateError(
            "JKn needs strata; this design has none",
            expected="strata",
            got=None,
            hint="use method='JK1' or a bootstrap",
        )
    n_strata = structure.n_strata
    columns: list[FloatArray] = []
    rscales: list[float] = []
    for h in range(n_strata):
        members = np.flatnonzero(structure.psu_stratum == h)
        n_h = members.size
        f_h = float(structure.fpc_factor[h])
        if f_h < CENSUS_TOLERANCE:
            continue
        if n_h == 1:
            if structure.lonely_psu == "adjust":
                column = np.full(structure.n_psu, n_strata / (n_strata - 1))
                column[members] = 0.0
                columns.append(column)
                rscales.append((n_strata - 1) / n_strata)
            continue
        for dropped in members:
            column = np.ones(structure.n_psu)
            column[members] = n_h / (n_h - 1)
            column[dropped] = 0.0
            columns.append(column)
            rscales.append(f_h * (n_h - 1) / n_h)
    if not columns:
        raise ReplicateError(
            "every stratum was enumerated in full: there is no sampling variance",
            expected="a sampled stratum",
            got=0,
        )
    scale = 1.0
    if structure.lonely_psu == "average" and len(columns) < structure.n_psu:
        scale = structure.n_psu / len(columns)
    return _Factors(factors=np.column_stack(columns), scale=scale, rscales=np.array(rscales))


def _population_sizes(structure: Stratification) -> FloatArray | None:
    f = structure.fpc_factor
    if np.all(f == 1.0):
        return None
    return structure.psu_count / (1.0 - f)


def _bootstrap(structure: Stratification, replicates: int, rng: np.random.Generator) -> _Factors:
    factors = np.zeros((structure.n_psu, replicates))
    population = _population_sizes(structure)
    for h in range(structure.n_strata):
        members = np.flatnonzero(structure.psu_stratum == h)
        n_h = members.size
        if population is None:
            draws = rng.integers(0, n_h, size=(replicates, n_h))
        else:
            n_pop = int(population[h])
            pool = np.resize(np.arange(n_h), n_pop)
            draws = np.stack([rng.choice(pool, size=n_h, replace=False) for _ in range(replicates)])
        for r in range(replicates):
            factors[members, r] = np.bincount(draws[r], minlength=n_h)
    harmonic = float(1.0 / np.mean(1.0 / structure.psu_count))
    scale = harmonic / ((harmonic - 1.0) * (replicates - 1))
    return _Factors(factors=factors, scale=scale, rscales=np.ones(replicates))


def _subbootstrap(structure: Stratification, replicates: int, rng: np.random.Generator) -> _Factors:
    lonely = np.flatnonzero(structure.psu_count == 1)
    if lonely.size:
        raise ReplicateError(
            f"the subsampling bootstrap draws n_h − 1 PSUs, and stratum "
            f"{structure.stratum_labels[int(lonely[0])]} has one",
            expected="at least two PSUs per stratum",
            got=1,
            hint="collapse strata or use method='bootstrap'",
        )
    factors = np.zeros((structure.n_psu, replicates))
    for h in range(structure.n_strata):
        members = np.flatnonzero(structure.psu_stratum == h)
        n_h = members.size
        draws = rng.integers(0, n_h, size=(replicates, n_h - 1))
        for r in range(replicates):
            factors[members, r] = np.bincount(draws[r], minlength=n_h) * n_h / (n_h - 1)
    return _Factors(factors=factors, scale=1.0 / (replicates - 1), rscales=np.ones(replicates))


def replicate_design(
    design: SurveyDesign,
    *,
    method: ReplicateMethod,
    replicates: int = DEFAULT_REPLICATES,
    seed: int | np.random.Generator | None = None,
    mse: bool = False,
) -> ReplicateDesign:
    """Replicate weights for an uncalibrated linearisation design (R ``as.svrepdesign``).

    Parameters
    ----------
    design
        The design; calibrate the replicate design afterwards with
        :meth:`ReplicateDesign.calibrated` so each replicate is re-calibrated.
    method
        ``JK1``, ``JKn``, ``bootstrap`` or ``subbootstrap`` (see the module docstring).
    replicates
        Number of bootstrap replicates (the jackknives have one per PSU).
    seed
        Seed or generator for the bootstrap draws.
    mse
        Centre on the full-sample estimate.

    Returns
    -------
    ReplicateDesign
    """
    if method not in REPLICATE_METHODS:
        raise ReplicateError(
            f"unknown replicate method `{method}`", expected=list(REPLICATE_METHODS), got=method
        )
    if design.traces:
        raise ReplicateError(
            "the design is already calibrated; its replicates would not be",
            expected="an uncalibrated design",
            got=[t.method for t in design.traces],
            hint="build replicates from the uncalibrated design, then call .calibrated() on them",
        )
    structure = design.structure
    if method == "JK1":
        built = _jk1(structure)
    elif method == "JKn":
        built = _jkn(structure)
    else:
        if replicates < 2:
            raise ReplicateError(
                "a bootstrap needs at least two replicates", expected="≥ 2", got=replicates
            )
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        if method == "bootstrap":
            built = _bootstrap(structure, replicates, rng)
        else:
            built = _subbootstrap(structure, replicates, rng)
    matrix = np.asfortranarray(design.weights[:, None] * built.factors[structure.psu])
    return ReplicateDesign(
        frame=design.frame,
        weights=np.array(design.weights),
        replicate_weights=matrix,
        scale=built.scale,
        rscales=built.rscales,
        method=method,
        mse=mse,
    )
