"""Factorising grouping variables once into integer codes with string labels.

Margins, strata and adjustment classes name their levels as strings (a CSV of targets has no
types), so a data value matches a level when its string form is equal: integers as ``"3"``,
integral floats as ``"3"`` too (a column of small integers read with a missing value becomes
float), everything else as ``str(value)``. Factorising happens once per variable; every later
group sum is ``np.bincount`` over the codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.columns import Data, categories
from analysis.columns import factorize as codes_of
from analysis.weighting.errors import MissingValuesError
from analysis.weighting.model_matrix import IntArray, combine_codes
from analysis.weighting.validation import check_column, row_labels


@dataclass(frozen=True, eq=False)
class Levels:
    """A variable factorised into codes ``0..len(labels)-1`` and their string labels.

    Attributes
    ----------
    variable : str
        The variable's name.
    codes : numpy.ndarray
        One code per row, shape (n,).
    labels : tuple of str
        The label of each code, in order of first appearance in a frame (sorted for
        :class:`~analysis.columns.Columns`).
    declared : tuple of str or None
        All categories of a pandas categorical column (observed or not), else ``None``.
    """

    variable: str
    codes: IntArray
    labels: tuple[str, ...]
    declared: tuple[str, ...] | None

    def counts(self) -> IntArray:
        """Number of rows at each level."""
        return np.bincount(self.codes, minlength=len(self.labels)).astype(np.intp)


def level_label(value: object) -> str:
    """The string a margins table uses for a data value (integral floats without ``.0``)."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def factorize(data: Data, variable: str, *, role: str) -> Levels:
    """Factorise column ``variable`` of ``data`` into :class:`Levels`.

    Raises
    ------
    UnknownVariableError
        ``variable`` is not a column.
    MissingValuesError
        The column has missing values (they belong to no level).
    """
    check_column(data, variable, role=role)
    codes, uniques = codes_of(data, variable, sort=False)
    missing = codes < 0
    if missing.any():
        raise MissingValuesError(
            f"{role} `{variable}` has missing values in {int(missing.sum())} rows: "
            f"{row_labels(data, missing)}",
            expected="no missing values",
            got=int(missing.sum()),
            hint="impute them, give them their own level, or drop these rows",
            variable=variable,
        )
    labels = [level_label(value) for value in uniques]
    merged: dict[str, int] = {}
    remap = np.array([merged.setdefault(label, len(merged)) for label in labels], dtype=np.intp)
    declared = categories(data, variable)
    return Levels(
        variable=variable,
        codes=remap[codes] if len(merged) < len(labels) else codes,
        labels=tuple(merged),
        declared=None if declared is None else tuple(level_label(value) for value in declared),
    )


def cross(levels: Sequence[Levels], *, name: str) -> Levels:
    """The cross-classification of several factorised variables, labels joined by ``:``.

    Only combinations that occur get a code, so the result has at most n levels whatever
    the number of variables.
    """
    cell, first = combine_codes([one.codes for one in levels], [len(one.labels) for one in levels])
    labels = tuple(
        ":".join(one.labels[one.codes[row]] for one in levels) for row in first.tolist()
    )
    return Levels(variable=name, codes=cell, labels=labels, declared=None)
