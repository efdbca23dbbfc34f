"""A stratified multi-stage survey design: weights, strata, first-stage PSUs, fpc and calibration.

The design records what Taylor linearisation needs (Wolter 2007, §6.4; Binder 1983): for a
statistic with weighted influence values ``z_i`` the variance estimator of ``Σ z_i`` is the
stratified between-PSU ("ultimate cluster") estimator

    V = Σ_h  f_h · n_h / (n_h − 1) · Σ_{i∈h} (z_hi − z̄_h)²,     z_hi = Σ_{k∈PSU hi} z_k,

with ``n_h`` the number of first-stage PSUs sampled in stratum ``h``, ``z̄_h`` their mean and
``f_h = (N_h − n_h)/N_h`` the first-stage finite population correction (1 without fpc). Later
stages only enter through the PSU totals, as in R ``survey``'s default for designs whose fpc is
given for the first stage only (Lumley 2010, §3.2).

``fpc`` follows R's ``svydesign``: values above 1 are the number of PSUs in the stratum's
population ``N_h``; values in (0, 1] are the first-stage sampling fraction ``n_h/N_h``.

Strata with a single PSU ("lonely PSUs") are handled as R ``survey`` 4.1 (``survey:::onestrat``)
does, chosen by ``lonely_psu``:

``fail``
    the default: building the design raises :class:`LonelyPsuError` naming the strata.
``adjust``
    the lonely PSU total is taken as a deviation from zero instead of its stratum mean, i.e. from
    the sample grand mean of influence values, which is zero for means, proportions and ratios.
``remove``, ``certainty``
    the stratum contributes no variance (R 4.x computes both the same way; ``certainty`` states
    the PSU was sampled with probability one, ``remove`` that it is ignored).
``average``
    the stratum is left out and the variance is multiplied by ``H / H_ok``, the number of strata
    over those with more than one PSU, i.e. lonely strata get the average stratum variance.

A stratum whose fpc says it was fully enumerated (``f_h`` below :data:`CENSUS_TOLERANCE`)
contributes no variance, lonely or not.

The respondents may be a pandas frame or :class:`~analysis.columns.Columns` read without pandas
(the command line); variables are read through :mod:`analysis.columns` either way.

Calibration (post-stratification, raking, GREG) returns a new design with the calibrated weights
and the step's :class:`~analysis.weighting.trace.CalibrationTrace` appended; variance code applies
the traces in order to the influence values before the formula above (Deville & Särndal 1992;
R ``survey:::svyrecvar``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Literal, Protocol, get_args

import numpy as np
import numpy.typing as npt

from analysis.columns import Columns, Data, describe, factorize, floats, kind, names, size
from analysis.errors import AnalysisError

if TYPE_CHECKING:  # imported for annotations only: keeps `import analysis.design` light
    import pandas as pd

    from analysis.weighting.trace import CalibrationTrace

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
NumberArray = npt.NDArray[np.float64] | npt.NDArray[np.int64]
"""A variable's values: float, or integer as read (no float copy of a million integers)."""

LonelyPsu = Literal["fail", "adjust", "remove", "average", "certainty"]
LONELY_PSU_POLICIES: tuple[str, ...] = get_args(LonelyPsu)

CENSUS_TOLERANCE = 1e-7
"""A stratum with ``f_h`` below this was enumerated in full (R's ``onestrat`` threshold)."""

SAME_WEIGHTS_RTOL = 1e-12
"""A calibration's initial weights must equal the design's to this relative precision."""

MAX_LISTED = 8
"""How many offending values an error message lists before it abbreviates."""


class DesignError(AnalysisError):
    """The design specification does not fit the data."""

    code = "design_error"


class MissingColumnError(DesignError):
    """A named column is not in the frame."""

    code = "missing_column"


class LonelyPsuError(DesignError):
    """A stratum has a single PSU and the policy is ``fail``."""

    code = "lonely_psu"


class FpcError(DesignError):
    """The finite population correction is inconsistent."""

    code = "invalid_fpc"


class CalibrationMismatchError(DesignError):
    """A calibration result was computed from other weights than the design's."""

    code = "calibration_mismatch"


class CalibrationResult(Protocol):
    """What the weighting functions return: calibrated weights and the trace of the step."""

    @property
    def trace(self) -> CalibrationTrace: ...


def _listing(values: Sequence[object]) -> str:
    shown = ", ".join(str(v) for v in values[:MAX_LISTED])
    more = len(values) - MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def require_columns(frame: Data, columns: Sequence[str], *, role: str) -> None:
    """Raise :class:`MissingColumnError` naming the first absent column and the available ones.

    Parameters
    ----------
    frame
        The data (a frame or :class:`~analysis.columns.Columns`).
    columns
        Column names that must be present.
    role
        What the columns are for (``"weight"``, ``"strata"``, …), used in the message.
    """
    available = names(frame)
    for column in columns:
        if column not in available:
            raise MissingColumnError(
                f"{role} column `{column}` is not in the data; available columns: "
                f"{', '.join(available)}",
                expected=column,
                got=available,
            )


def _numeric_column(frame: Data, column: str, *, role: str) -> FloatArray:
    if kind(frame, column) != "number":
        raise DesignError(
            f"{role} column `{column}` must be numeric, got {describe(frame, column)}",
            expected="numeric",
            got=describe(frame, column),
        )
    values = floats(frame, column)
    bad = ~np.isfinite(values)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise DesignError(
            f"{role} column `{column}` has {rows.size} missing or infinite values "
            f"(rows {_listing(rows.tolist())})",
            expected="finite values",
            got=int(rows.size),
            hint="fill or drop those rows before building the design",
        )
    return values


def _codes(frame: Data, columns: Sequence[str], *, role: str) -> tuple[IntArray, list[str]]:
    """Integer codes 0..K−1 (sorted by value) and labels of the row keys formed by ``columns``;
    a key of several columns is labelled ``a.b`` and sorted by its parts."""
    codes = np.zeros(0, dtype=np.intp)
    distinct: list[list[object]] = []
    for column in columns:
        one, values = factorize(frame, column, sort=True)
        if (one < 0).any():
            rows = np.flatnonzero(one < 0)
            raise DesignError(
                f"{role} column `{column}` has {rows.size} missing values "
                f"(rows {_listing(rows.tolist())})",
                expected="no missing values",
                got=int(rows.size),
            )
        codes = one if not distinct else codes * len(values) + one
        distinct.append(values)
    if len(columns) == 1:
        return codes, [str(value) for value in distinct[0]]
    present, codes = np.unique(codes, return_inverse=True)
    labels = []
    for key in present.tolist():
        parts = []
        for values in reversed(distinct):
            key, position = divmod(key, len(values))
            parts.append(str(values[position]))
        labels.append(".".join(reversed(parts)))
    return codes.astype(np.intp, copy=False), labels


@dataclass(frozen=True, eq=False)
class Stratification:
    """The first-stage structure the variance formula needs (all arrays are read-only).

    Attributes
    ----------
    strata
        Stratum code of each row, shape (n,), values 0..H−1.
    psu
        First-stage PSU code of each row, shape (n,), values 0..P−1, unique across strata.
    psu_stratum
        Stratum code of each PSU, shape (P,).
    psu_count
        Number of sampled PSUs ``n_h`` per stratum, shape (H,).
    fpc_factor
        ``f_h = (N_h − n_h)/N_h`` per stratum, shape (H,); 1 without fpc.
    stratum_labels
        The stratum values as text, in code order.
    has_strata
        Whether strata were given (JKn needs them, JK1 must not have them).
    lonely_psu
        The policy for strata with a single PSU.
    """

    strata: IntArray
    psu: IntArray
    psu_stratum: IntArray
    psu_count: IntArray
    fpc_factor: FloatArray
    stratum_labels: tuple[str, ...]
    has_strata: bool
    lonely_psu: LonelyPsu

    @property
    def n_strata(self) -> int:
        """Number of strata ``H``."""
        return int(self.psu_count.size)

    @property
    def n_psu(self) -> int:
        """Number of first-stage PSUs ``P``."""
        return int(self.psu_stratum.size)

    def degrees_of_freedom(self, rows: BoolArray) -> int:
        """PSUs minus strata among ``rows`` (R ``degf``), used for t-based intervals."""
        psus = np.unique(self.psu[rows])
        return int(psus.size - np.unique(self.psu_stratum[psus]).size)


def _fpc_factor(
    values: FloatArray, strata: IntArray, psu_count: IntArray, labels: Sequence[str], column: str
) -> FloatArray:
    """``f_h`` per stratum from an fpc column holding population sizes or sampling fractions."""
    _, first_row = np.unique(strata, return_index=True)
    first = values[first_row]
    varying = np.flatnonzero(values != first[strata])
    if varying.size:
        h = int(strata[varying[0]])
        raise FpcError(
            f"fpc column `{column}` varies within stratum {labels[h]}",
            expected="one fpc value per stratum",
            got=sorted({float(v) for v in values[strata == h]}),
        )
    if (first <= 0).any():
        raise FpcError(
            f"fpc column `{column}` has values ≤ 0",
            expected="population sizes above 1 or sampling fractions in (0, 1]",
            got=float(first.min()),
        )
    if (first > 1).any():
        if (first < 1).any():
            raise FpcError(
                f"fpc column `{column}` mixes population sizes (> 1) and sampling fractions (< 1)",
                expected="all values ≥ 1 or all values ≤ 1",
                got=[float(first.min()), float(first.max())],
            )
        population = first
    else:
        population = psu_count / first
    too_small = np.flatnonzero(population < psu_count)
    if too_small.size:
        h = int(too_small[0])
        raise FpcError(
            f"fpc column `{column}` says stratum {labels[h]} has {population[h]:g} PSUs in the "
            f"population but {psu_count[h]} were sampled",
            expected=f"at least {psu_count[h]}",
            got=float(population[h]),
        )
    factor: FloatArray = np.where(np.isinf(population), 1.0, (population - psu_count) / population)
    return factor


def _check_lonely(structure: Stratification) -> None:
    lonely = np.flatnonzero((structure.psu_count == 1) & (structure.fpc_factor >= CENSUS_TOLERANCE))
    if lonely.size == 0:
        return
    names = [structure.stratum_labels[h] for h in lonely]
    if structure.lonely_psu == "fail":
        raise LonelyPsuError(
            f"stratum {_listing(names)} has only one PSU, so its variance cannot be estimated",
            expected="at least two PSUs per stratum",
            got=names,
            hint="merge it with a similar stratum, or choose lonely_psu='adjust', 'average', "
            "'remove' or 'certainty'",
        )
    if structure.lonely_psu == "average" and lonely.size == structure.n_strata:
        raise LonelyPsuError(
            "every stratum has a single PSU, so there is no stratum variance to average",
            expected="at least one stratum with two or more PSUs",
            got=names,
            hint="choose lonely_psu='adjust' or collapse strata",
        )


def stratification(
    frame: Data,
    *,
    strata: str | None,
    psu: str | Sequence[str] | None,
    fpc: str | None,
    nest: bool,
    lonely_psu: LonelyPsu,
) -> Stratification:
    """Build the first-stage :class:`Stratification` of ``frame``.

    Parameters
    ----------
    frame
        One row per respondent (a frame or :class:`~analysis.columns.Columns`).
    strata
        Stratum column, or ``None`` for an unstratified design.
    psu
        First-stage cluster column, or the cluster columns of each stage (only the first enters
        the variance), or ``None`` when every row is its own PSU.
    fpc
        First-stage population size (> 1) or sampling fraction (≤ 1) per stratum, or ``None``.
    nest
        PSU labels repeat across strata and are unique only within a stratum (R ``nest=TRUE``).
    lonely_psu
        The policy for single-PSU strata (see the module docstring).

    Returns
    -------
    Stratification
    """
    if lonely_psu not in LONELY_PSU_POLICIES:
        raise DesignError(
            f"unknown lonely_psu policy `{lonely_psu}`",
            expected=list(LONELY_PSU_POLICIES),
            got=lonely_psu,
        )
    n = size(frame)
    if strata is None:
        strata_codes = np.zeros(n, dtype=np.intp)
        labels = ["1"]
    else:
        strata_codes, labels = _codes(frame, [strata], role="strata")
    stage_columns = [psu] if isinstance(psu, str) else list(psu or [])
    if not stage_columns:
        psu_codes = np.arange(n, dtype=np.intp)
    elif nest and strata is not None:
        psu_codes, _ = _codes(frame, [strata, stage_columns[0]], role="PSU")
    else:
        psu_codes, psu_labels = _codes(frame, [stage_columns[0]], role="PSU")
        if strata is not None:
            some_stratum = np.zeros(len(psu_labels), dtype=np.intp)
            some_stratum[psu_codes] = strata_codes
            crossing_rows = np.flatnonzero(strata_codes != some_stratum[psu_codes])
            if crossing_rows.size:
                crossing = np.unique(psu_codes[crossing_rows])
                label = psu_labels[int(crossing[0])]
                raise DesignError(
                    f"PSU {label} of `{stage_columns[0]}` appears in more than one stratum "
                    f"of `{strata}`",
                    expected="PSUs nested in strata",
                    got=[psu_labels[int(c)] for c in crossing[:MAX_LISTED]],
                    hint="pass nest=True if PSU labels are only unique within a stratum",
                )
    n_psu = int(psu_codes.max()) + 1 if n else 0
    psu_stratum = np.zeros(n_psu, dtype=np.intp)
    psu_stratum[psu_codes] = strata_codes
    psu_count = np.bincount(psu_stratum, minlength=len(labels)).astype(np.intp)
    if n_psu < 2 and strata is None:
        raise DesignError(
            "the design has only one primary sampling unit, so no variance can be estimated",
            expected="at least two PSUs",
            got=n_psu,
        )
    if fpc is None:
        factor = np.ones(len(labels))
    else:
        fpc_values = _numeric_column(frame, fpc, role="fpc")
        factor = _fpc_factor(fpc_values, strata_codes, psu_count, labels, fpc)
    for array in (strata_codes, psu_codes, psu_stratum, psu_count, factor):
        array.setflags(write=False)
    structure = Stratification(
        strata=strata_codes,
        psu=psu_codes,
        psu_stratum=psu_stratum,
        psu_count=psu_count,
        fpc_factor=factor,
        stratum_labels=tuple(labels),
        has_strata=strata is not None,
        lonely_psu=lonely_psu,
    )
    _check_lonely(structure)
    return structure


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """A survey design over a frame: current weights, first-stage structure, calibrations.

    Build it with :meth:`from_frame`; calibrate it with :meth:`calibrated`, which returns a new
    design. The data is kept as given (estimation reads variables from it by name).

    Attributes
    ----------
    data
        The respondents, one row each: a pandas frame or :class:`~analysis.columns.Columns`.
    weights
        Current analysis weights, shape (n,).
    structure
        Strata, PSUs, fpc and lonely-PSU policy.
    traces
        Calibration steps applied so far, oldest first.
    """

    data: Data
    weights: FloatArray
    structure: Stratification
    traces: tuple[CalibrationTrace, ...] = ()

    @classmethod
    def from_frame(
        cls,
        frame: Data,
        *,
        weights: str | None = None,
        probs: str | None = None,
        strata: str | None = None,
        psu: str | Sequence[str] | None = None,
        fpc: str | None = None,
        nest: bool = False,
        lonely_psu: LonelyPsu = "fail",
    ) -> SurveyDesign:
        """Describe how ``frame`` was sampled.

        Parameters
        ----------
        frame
            One row per respondent: a pandas frame, or :class:`~analysis.columns.Columns`
            (:func:`analysis.io.read_columns`).
        weights, probs
            Exactly one: the design-weight column, or the inclusion-probability column
            (weights are ``1/probs``).
        strata, psu, fpc, nest, lonely_psu
            See :func:`stratification`.

        Returns
        -------
        SurveyDesign

        Raises
        ------
        MissingColumnError
            A named column is absent.
        DesignError, FpcError, LonelyPsuError
            The specification does not fit the data.
        """
        if (weights is None) == (probs is None):
            raise DesignError(
                "give exactly one of weights= or probs=",
                expected="one of weights, probs",
                got={"weights": weights, "probs": probs},
            )
        stage_columns = [psu] if isinstance(psu, str) else list(psu or [])
        named = [c for c in (weights, probs, strata, fpc) if c is not None] + stage_columns
        require_columns(frame, named, role="design")
        if size(frame) == 0:
            raise DesignError("the data has no rows", expected="at least one row", got=0)
        if weights is not None:
            values = _numeric_column(frame, weights, role="weight")
            role, column = "weight", weights
        else:
            assert probs is not None
            values = _numeric_column(frame, probs, role="probability")
            role, column = "probability", probs
        if (values <= 0).any():
            rows = np.flatnonzero(values <= 0)
            raise DesignError(
                f"{role} column `{column}` has {rows.size} values ≤ 0 "
                f"(rows {_listing(rows.tolist())})",
                expected="positive values",
                got=float(values[rows[0]]),
                hint="respondents outside the sample should be dropped, not given weight 0",
            )
        if probs is not None and (values > 1).any():
            raise DesignError(
                f"probability column `{probs}` has values above 1",
                expected="inclusion probabilities in (0, 1]",
                got=float(values.max()),
            )
        design_weights = values if weights is not None else 1.0 / values
        design_weights.setflags(write=False)
        structure = stratification(
            frame, strata=strata, psu=psu, fpc=fpc, nest=nest, lonely_psu=lonely_psu
        )
        return cls(data=frame, weights=design_weights, structure=structure)

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The respondents as a pandas frame (``data`` itself, or converted from columns)."""
        return self.data.to_frame() if isinstance(self.data, Columns) else self.data

    @property
    def n(self) -> int:
        """Number of respondents."""
        return int(self.weights.size)

    def calibrated(self, result: CalibrationResult) -> SurveyDesign:
        """Return a new design carrying the weights and trace of a calibration of this one.

        Parameters
        ----------
        result
            A weighting result whose ``trace`` was computed from this design's weights.

        Raises
        ------
        CalibrationMismatchError
            The calibration started from other weights, or has another length.
        """
        trace = result.trace
        initial = np.asarray(trace.initial_weights, dtype=np.float64)
        calibrated = np.array(trace.calibrated_weights, dtype=np.float64)
        if initial.shape != self.weights.shape or calibrated.shape != self.weights.shape:
            raise CalibrationMismatchError(
                "the calibration was computed for another number of respondents",
                expected=self.n,
                got=int(initial.size),
            )
        same = initial is self.weights
        if not same and not np.allclose(initial, self.weights, rtol=SAME_WEIGHTS_RTOL, atol=0.0):
            raise CalibrationMismatchError(
                "the calibration did not start from this design's weights",
                expected="trace.initial_weights equal to design.weights",
                got=float(np.max(np.abs(initial - self.weights))),
                hint="calibrate design.weights, or build the design from the calibrated frame",
            )
        calibrated.setflags(write=False)
        return replace(self, weights=calibrated, traces=(*self.traces, trace))

    def trimmed(self, weights: npt.ArrayLike) -> SurveyDesign:
        """Return a new design with trimmed weights and this design's calibration traces.

        Trimming (:func:`analysis.weighting.trim_weights`) is not a smooth function of the
        weights and leaves no trace: as R ``trimWeights`` keeps the ``postStrata`` of the
        design it trims, the influence values are computed with the trimmed weights and then
        go through the calibration traces recorded before, which linearise the calibration
        the trimming followed.

        Parameters
        ----------
        weights
            The trimmed weights, one per respondent, finite and positive.

        Raises
        ------
        CalibrationMismatchError
            Another number of weights than respondents.
        DesignError
            A weight is missing, infinite, zero or negative.
        """
        trimmed = np.array(weights, dtype=np.float64)
        if trimmed.shape != self.weights.shape:
            raise CalibrationMismatchError(
                "the trimmed weights are for another number of respondents",
                expected=self.n,
                got=int(trimmed.size),
            )
        bad = ~(np.isfinite(trimmed) & (trimmed > 0))
        if bad.any():
            rows = np.flatnonzero(bad)
            raise DesignError(
                f"trimmed weights are missing, infinite or not positive in {rows.size} rows "
                f"(rows {_listing(rows.tolist())})",
                expected="positive, finite weights",
                got=float(trimmed[rows[0]]),
            )
        trimmed.setflags(write=False)
        return replace(self, weights=trimmed)
