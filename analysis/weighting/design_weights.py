"""Design weights from a sampling frame, and non-response adjustment within classes.

**Design weights.** Under stratified simple random sampling the inclusion probability of a unit
of stratum ``h`` is ``n_h / N_h``, so its design weight is (Cochran 1977, §5.2)::

    d_i = N_h / n_h

with ``N_h`` the frame count and ``n_h`` the number sampled. A stratum may be the combination
of several columns (e.g. unit × respondent group).

**Non-response adjustment.** Within each adjustment class ``c`` the respondents carry the
weight of the whole class (weighting-class adjustment, Kalton & Flores-Cervantes 2003, §2)::

    w_i = d_i · Σ_{k∈c} d_k / Σ_{k∈c, responded} d_k      (respondents; 0 otherwise)

A class with no respondent cannot carry its weight and is an error naming the class.

References
----------
Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed. Wiley.
Kalton, G. & Flores-Cervantes, I. (2003). Weighting methods. *J. Official Statistics* 19,
81–97.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from analysis.weighting.errors import (
    FrameMismatchError,
    InvalidArgumentError,
    InvalidMarginsError,
    MissingValuesError,
    NoRespondentsError,
)
from analysis.weighting.levels import cross, factorize, level_label
from analysis.weighting.trace import FloatArray
from analysis.weighting.validation import (
    SHOWN_ROWS,
    WeightsLike,
    as_names,
    column,
    resolve_weights,
    row_labels,
)

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, eq=False)
class DesignWeights:
    """Design weights and the per-stratum table behind them.

    Attributes
    ----------
    weights : numpy.ndarray
        ``N_h / n_h`` for each sampled unit, shape (n,).
    strata : pandas.DataFrame
        One row per frame stratum: the stratum columns, ``population`` (N_h), ``sampled``
        (n_h) and ``weight`` (missing where nothing was sampled).
    unsampled : tuple of str
        Frame strata with no sampled unit (labels ``"a:b"``): the sample does not cover them.
    """

    weights: FloatArray
    strata: pd.DataFrame
    unsampled: tuple[str, ...]


def design_weights(
    sample: pd.DataFrame,
    *,
    strata: str | Sequence[str],
    frame: pd.DataFrame,
    population: str = "population",
) -> DesignWeights:
    """Design weights ``N_h / n_h`` of a stratified random sample.

    Parameters
    ----------
    sample : pandas.DataFrame
        The sampled units, one row each.
    strata : str or sequence of str
        The stratum columns, present in ``sample`` and ``frame``.
    frame : pandas.DataFrame
        One row per stratum: the stratum columns and the frame count ``population``.
    population : str, default "population"
        The column of ``frame`` holding N_h.

    Returns
    -------
    DesignWeights

    Raises
    ------
    FrameMismatchError
        A sampled stratum absent from the frame, or more sampled units than the frame holds.
    InvalidMarginsError
        A malformed frame (missing columns or values, duplicate strata, counts not > 0).
    MissingValuesError
        Missing stratum values in the sample.

    Examples
    --------
    >>> import pandas as pd
    >>> sample = pd.DataFrame({"unit": ["a", "a", "b"]})
    >>> frame = pd.DataFrame({"unit": ["a", "b"], "population": [10, 3]})
    >>> design_weights(sample, strata="unit", frame=frame).weights.tolist()
    [5.0, 5.0, 3.0]
    """
    import pandas as pd

    names = as_names(strata)
    for name in names:
        column(frame, name, role="frame stratum column")
    counts = pd.to_numeric(column(frame, population, role="frame count column"), errors="coerce")
    frame_cells = frame[list(names)]
    if frame_cells.isna().to_numpy().any():
        raise InvalidMarginsError(
            "the frame has missing stratum values",
            expected="a value in every stratum column",
            got=int(frame_cells.isna().to_numpy().sum()),
        )
    labels = [
        ":".join(level_label(value) for value in row)
        for row in frame_cells.itertuples(index=False, name=None)
    ]
    sizes = counts.to_numpy(dtype=np.float64)
    bad = ~(np.isfinite(sizes) & (sizes > 0))
    if bad.any():
        label = labels[int(np.flatnonzero(bad)[0])]
        raise InvalidMarginsError(
            f"frame stratum `{label}` has no positive count",
            expected="N_h > 0",
            got=float(sizes[bad][0]),
            level=label,
        )
    if len(set(labels)) < len(labels):
        repeated = next(label for label in labels if labels.count(label) > 1)
        raise InvalidMarginsError(
            f"frame stratum `{repeated}` is listed more than once",
            expected="each stratum once",
            got=repeated,
            level=repeated,
        )
    cells = cross([factorize(sample, name, role="stratum variable") for name in names],
                  name=":".join(names))
    position = {label: i for i, label in enumerate(labels)}
    unknown = [label for label in cells.labels if label not in position]
    if unknown:
        raise FrameMismatchError(
            f"sampled stratum `{unknown[0]}` is not in the frame",
            expected=labels,
            got=unknown,
            hint="add it to the frame with its population count",
            level=unknown[0],
        )
    in_frame = np.array([position[label] for label in cells.labels], dtype=np.intp)
    sampled = np.zeros(len(labels), dtype=np.float64)
    sampled[in_frame] = cells.counts()
    over = sampled > sizes
    if over.any():
        index = int(np.flatnonzero(over)[0])
        raise FrameMismatchError(
            f"stratum `{labels[index]}` has {int(sampled[index])} sampled units but the frame "
            f"holds {sizes[index]:g}",
            expected=f"<= {sizes[index]:g}",
            got=int(sampled[index]),
            hint="check the frame counts or duplicated sample rows",
            level=labels[index],
        )
    weight = np.divide(sizes, sampled, out=np.full_like(sizes, np.nan), where=sampled > 0)
    table = frame_cells.reset_index(drop=True).assign(
        population=sizes, sampled=sampled.astype(np.int64), weight=weight
    )
    return DesignWeights(
        weights=weight[in_frame][cells.codes],
        strata=table,
        unsampled=tuple(label for label, n in zip(labels, sampled, strict=True) if n == 0),
    )


@dataclass(frozen=True, eq=False)
class NonresponseAdjustment:
    """Weights after non-response adjustment within classes.

    Attributes
    ----------
    weights : numpy.ndarray
        Adjusted weights, shape (n,): respondents carry their class's weight, non-respondents
        get 0 (select ``respondents`` before calibrating, which needs positive weights).
    respondents : numpy.ndarray
        Whether each unit responded, shape (n,).
    classes : pandas.DataFrame
        One row per class: ``class`` label, ``units``, ``respondents``, ``weight_all``,
        ``weight_respondents`` and the adjustment ``factor``.
    """

    weights: FloatArray
    respondents: npt.NDArray[np.bool_]
    classes: pd.DataFrame


def _responded(data: pd.DataFrame, responded: str | npt.ArrayLike) -> npt.NDArray[np.bool_]:
    import pandas as pd

    if isinstance(responded, str):
        values = column(data, responded, role="response indicator")
        name = f"response indicator `{responded}`"
    else:
        values = pd.Series(np.asarray(responded), index=data.index)
        name = "response indicator"
    if len(values) != len(data):
        raise InvalidMarginsError(
            f"{name} must have one value per row", expected=len(data), got=len(values)
        )
    missing = values.isna().to_numpy()
    if missing.any():
        raise MissingValuesError(
            f"{name} is missing in {int(missing.sum())} rows: {row_labels(data, missing)}",
            expected="True or False on every row",
            got=int(missing.sum()),
        )
    flags: npt.NDArray[np.bool_]
    if pd.api.types.is_bool_dtype(values.dtype):
        flags = values.to_numpy(dtype=np.bool_)
        return flags
    numbers = pd.to_numeric(values, errors="coerce")
    if not numbers.isin([0, 1]).all():
        raise InvalidArgumentError(
            f"{name} must be boolean or 0/1",
            expected=[0, 1],
            got=sorted({level_label(v) for v in values.tolist()})[:SHOWN_ROWS],
        )
    flags = (numbers == 1).to_numpy(dtype=np.bool_)
    return flags


def adjust_nonresponse(
    data: pd.DataFrame,
    *,
    weights: WeightsLike,
    responded: str | npt.ArrayLike,
    classes: str | Sequence[str],
) -> NonresponseAdjustment:
    """Move the weight of non-respondents onto the respondents of their class.

    Parameters
    ----------
    data : pandas.DataFrame
        Every sampled unit, respondent or not.
    weights : str or array_like
        Design weights: a column of ``data`` or an array.
    responded : str or array_like of bool
        Response indicator: a column of ``data`` or an array.
    classes : str or sequence of str
        The adjustment class columns; classes are their combinations.

    Returns
    -------
    NonresponseAdjustment

    Raises
    ------
    NoRespondentsError
        A class has no respondent; the message names it.
    WeightingError
        Invalid weights, or missing values in ``responded`` or ``classes``.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"area": ["u", "u", "r"], "ok": [True, False, True]})
    >>> adjust_nonresponse(data, weights=[2.0, 2.0, 5.0], responded="ok",
    ...                    classes="area").weights.tolist()
    [4.0, 0.0, 5.0]
    """
    names = as_names(classes)
    design = resolve_weights(data, weights)
    respondents = _responded(data, responded)
    cells = cross([factorize(data, name, role="adjustment class variable") for name in names],
                  name=":".join(names))
    size = len(cells.labels)
    weight_all = np.bincount(cells.codes, weights=design, minlength=size)
    weight_respondents = np.bincount(
        cells.codes, weights=np.where(respondents, design, 0.0), minlength=size
    )
    count_respondents = np.bincount(cells.codes, weights=respondents.astype(np.float64),
                                    minlength=size)
    empty = np.flatnonzero(count_respondents == 0)
    if empty.size:
        label = cells.labels[int(empty[0])]
        raise NoRespondentsError(
            f"adjustment class `{label}` ({cells.variable}) has no respondents to carry the "
            f"weight of its {int(cells.counts()[empty[0]])} units",
            expected=">= 1 respondent",
            got=0,
            hint="merge it with a similar class",
            variable=cells.variable,
            level=label,
        )
    factor = weight_all / weight_respondents
    import pandas as pd

    table = pd.DataFrame(
        {
            "class": list(cells.labels),
            "units": cells.counts(),
            "respondents": count_respondents.astype(np.int64),
            "weight_all": weight_all,
            "weight_respondents": weight_respondents,
            "factor": factor,
        }
    )
    return NonresponseAdjustment(
        weights=np.where(respondents, design * factor[cells.codes], 0.0),
        respondents=respondents,
        classes=table,
    )
