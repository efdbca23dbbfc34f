"""Input checks shared by every weighting step: columns, weights and numeric arguments.

Weights enter as a column name of the data or as an array aligned with its rows. They must be
finite and strictly positive (or, where a step allows it, zero): a weight is an inverse
inclusion probability and a calibration factor multiplies it, so a missing, negative or zero
weight has no meaning there and is reported with the rows at fault rather than repaired.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
import numpy.typing as npt

from analysis.columns import Data, floats, names, row_names, size
from analysis.weighting.errors import (
    InvalidArgumentError,
    InvalidWeightsError,
    UnknownVariableError,
)
from analysis.weighting.trace import FloatArray

if TYPE_CHECKING:
    import pandas as pd

SHOWN_ROWS = 5
"""How many offending row labels an error message lists before summarising the rest."""

WeightsLike: TypeAlias = str | npt.ArrayLike
"""Weights given as a column name of the data or as an array aligned with its rows."""


def row_labels(data: Data | None, mask: npt.NDArray[np.bool_]) -> str:
    """The first :data:`SHOWN_ROWS` rows where ``mask`` is true, for error messages: the
    data's row labels (:func:`analysis.columns.row_names`), or positions without data."""
    labels = (
        [str(row) for row in np.flatnonzero(mask)[:SHOWN_ROWS].tolist()]
        if data is None
        else row_names(data, mask, SHOWN_ROWS)
    )
    more = int(mask.sum()) - len(labels)
    return ", ".join(labels) + (f" and {more} more" if more > 0 else "")


def check_column(data: Data, name: str, *, role: str) -> None:
    """Raise :class:`UnknownVariableError`, naming the closest existing columns, unless
    ``name`` is a column of ``data``."""
    columns = names(data)
    if name not in columns:
        close = difflib.get_close_matches(name, columns, n=3)
        hint = f"did you mean {', '.join(f'`{c}`' for c in close)}?" if close else None
        raise UnknownVariableError(
            f"{role} `{name}` is not a column of the data",
            expected="a column of the data",
            got=name,
            hint=hint,
            variable=name,
        )


def column(data: pd.DataFrame, name: str, *, role: str) -> pd.Series:
    """Return column ``name`` of a frame, or raise as :func:`check_column`."""
    check_column(data, name, role=role)
    return data[name]


def as_names(names: str | Sequence[str]) -> tuple[str, ...]:
    """One column name or a sequence of them, as a tuple."""
    return (names,) if isinstance(names, str) else tuple(names)


def resolve_weights(data: Data, weights: WeightsLike, *, allow_zero: bool = False) -> FloatArray:
    """Return the weights as a checked float array of length ``len(data)``.

    Parameters
    ----------
    data : pandas.DataFrame or Columns
        The sample, one row per unit.
    weights : str or array_like
        A column name of ``data`` or an array with one weight per row.
    allow_zero : bool, default False
        Whether a weight of exactly zero is acceptable.

    Raises
    ------
    UnknownVariableError
        ``weights`` names no column of ``data``.
    InvalidWeightsError
        Wrong length, or a missing, infinite, negative (or zero) weight.
    """
    if isinstance(weights, str):
        check_column(data, weights, role="weight column")
        array = floats(data, weights)
        name = f"weight column `{weights}`"
    else:
        array = np.asarray(weights, dtype=np.float64)
        name = "weights"
    if array.shape != (size(data),):
        raise InvalidWeightsError(
            f"{name} must have one value per row of the data",
            expected=(size(data),),
            got=array.shape,
        )
    return check_weights(array, name=name, data=data, allow_zero=allow_zero)


def check_weights(
    array: FloatArray,
    *,
    name: str = "weights",
    data: Data | None = None,
    allow_zero: bool = False,
) -> FloatArray:
    """Raise :class:`InvalidWeightsError` unless every weight is finite and positive.

    ``data`` supplies the row labels named in the message (positions when omitted).
    """
    bad = ~np.isfinite(array)
    if bad.any():
        raise InvalidWeightsError(
            f"{name} are missing or not finite in {int(bad.sum())} rows: {row_labels(data, bad)}",
            expected="finite weights",
            got=int(bad.sum()),
            hint="drop these rows or supply their weights",
        )
    bad = array < 0 if allow_zero else array <= 0
    if bad.any():
        kind = "negative" if allow_zero else "zero or negative"
        raise InvalidWeightsError(
            f"{name} are {kind} in {int(bad.sum())} rows: {row_labels(data, bad)}",
            expected="weights >= 0" if allow_zero else "weights > 0",
            got=float(array[bad][0]),
            hint="drop out-of-scope units (weight 0) before weighting",
        )
    return array


def check_tolerance(tolerance: float, max_iterations: int) -> None:
    """Raise :class:`InvalidArgumentError` unless 0 < tolerance < 1 and max_iterations >= 1."""
    if not 0.0 < tolerance < 1.0:
        raise InvalidArgumentError(
            "the convergence tolerance is relative and must lie in (0, 1)",
            expected="0 < tolerance < 1",
            got=tolerance,
        )
    if max_iterations < 1:
        raise InvalidArgumentError(
            "max_iterations must be at least 1", expected=">= 1", got=max_iterations
        )
