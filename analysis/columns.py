"""Respondent data for the numerics: a pandas frame, or columns read straight into arrays.

The design, weighting and estimation code reads respondent variables only through the functions
here, so it works alike on a :class:`pandas.DataFrame` (the public face: notebooks, the web app)
and on :class:`Columns`, the arrays :func:`analysis.io.read_columns` reads from a file without
pandas (the command line, whose start-up importing pandas would double). Each function gives
the same answer for both:

* :func:`kind`: ``number``, ``boolean`` or ``text`` (any other dtype);
* :func:`floats`: the column as float64, NaN where missing; text is parsed as numbers where it
  can be (pandas ``to_numeric(errors="coerce")``); :func:`numbers` leaves integers as they are;
* :func:`factorize`: integer codes, −1 where missing, into the column's distinct values;
* :func:`categories`: the declared categories of a pandas categorical column;
* :func:`row_names`: how error messages name rows (the frame's index labels, or positions).

:class:`Columns` holds numbers as numpy arrays and text as codes into its sorted distinct
values (what reading a CSV with dictionary-encoded text gives), so factorising one of its text
columns is free. Pandas is imported only to read a frame, which means it is already loaded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Kind = Literal["number", "boolean", "text"]


@dataclass(frozen=True, eq=False)
class Text:
    """A text column: ``codes`` (−1 where missing) into ``labels``, the distinct values in
    sorted order, each of which occurs."""

    codes: IntArray
    labels: tuple[str, ...]


Column: TypeAlias = "npt.NDArray[Any] | Text"
"""A number column (int or float, NaN where missing), a boolean column, or text."""


@dataclass(frozen=True, eq=False)
class Columns:
    """Respondent variables as arrays: one :data:`Column` of length ``rows`` per name.

    Built by :func:`analysis.io.read_columns`; :meth:`to_frame` gives the frame
    :func:`analysis.io.read_frame` would have read (text as sorted categoricals).
    """

    rows: int
    columns: Mapping[str, Column]

    def to_frame(self) -> pd.DataFrame:
        """The same data as a pandas frame."""
        import pandas as pd

        return pd.DataFrame(
            {
                name: pd.Categorical.from_codes(column.codes, categories=list(column.labels))
                if isinstance(column, Text)
                else column
                for name, column in self.columns.items()
            }
        )


Data: TypeAlias = "pd.DataFrame | Columns"
"""What the numerics read respondent variables from."""


def names(data: Data) -> list[str]:
    """The column names."""
    if isinstance(data, Columns):
        return list(data.columns)
    return [str(name) for name in data.columns]


def size(data: Data) -> int:
    """The number of rows."""
    return data.rows if isinstance(data, Columns) else len(data)


def kind(data: Data, name: str) -> Kind:
    """Whether column ``name`` holds numbers, booleans or text."""
    if isinstance(data, Columns):
        column = data.columns[name]
        if isinstance(column, Text):
            return "text"
        return "boolean" if column.dtype == np.bool_ else "number"
    import pandas as pd

    series = data[name]
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    return "number" if pd.api.types.is_numeric_dtype(series) else "text"


def describe(data: Data, name: str) -> str:
    """The column's type, for error messages (the pandas dtype of a frame's column)."""
    if isinstance(data, Columns):
        column = data.columns[name]
        return "text" if isinstance(column, Text) else str(column.dtype)
    return str(data[name].dtype)


def floats(data: Data, name: str) -> FloatArray:
    """Column ``name`` as float64, NaN where missing or (text) not a number. Do not modify."""
    if isinstance(data, Columns):
        column = data.columns[name]
        if isinstance(column, Text):
            parsed = np.array([_number(label) for label in column.labels] + [math.nan])
            values: FloatArray = parsed[column.codes]
            return values
        return np.asarray(column, dtype=np.float64)
    import pandas as pd

    series = data[name]
    if kind(data, name) == "text":
        series = pd.to_numeric(series.astype(object), errors="coerce")
    converted: FloatArray = series.to_numpy(dtype=np.float64, na_value=np.nan)
    return converted


def numbers(data: Data, name: str) -> npt.NDArray[np.float64] | npt.NDArray[np.int64]:
    """A number or boolean column: int64 as stored (it has no missing values), else as
    :func:`floats`. Do not modify."""
    if isinstance(data, Columns):
        column = data.columns[name]
        if not isinstance(column, Text) and column.dtype == np.int64:
            integers: npt.NDArray[np.int64] = column
            return integers
    elif data[name].dtype == np.int64:
        stored: npt.NDArray[np.int64] = data[name].to_numpy()
        return stored
    return floats(data, name)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def factorize(data: Data, name: str, *, sort: bool) -> tuple[IntArray, list[Any]]:
    """Codes of column ``name`` (−1 where missing) and its distinct values.

    The values come in sorted order when ``sort``, else in order of first appearance for a
    frame (:class:`Columns` always sort: their text is stored that way).
    """
    if isinstance(data, Columns):
        column = data.columns[name]
        if isinstance(column, Text):
            return column.codes, list(column.labels)
        present = ~np.isnan(column) if column.dtype.kind == "f" else np.ones(data.rows, bool)
        uniques, inverse = np.unique(column[present], return_inverse=True)
        codes = np.full(data.rows, -1, dtype=np.intp)
        codes[present] = inverse
        return codes, uniques.tolist()
    import pandas as pd

    codes, uniques = pd.factorize(data[name], sort=sort)
    return codes.astype(np.intp, copy=False), list(np.asarray(uniques, dtype=object))


def categories(data: Data, name: str) -> tuple[Any, ...] | None:
    """The declared categories of a pandas categorical column (observed or not), else ``None``;
    text read by :func:`analysis.io.read_columns` declares none beyond its values."""
    if isinstance(data, Columns):
        return None
    import pandas as pd

    series = data[name]
    if isinstance(series.dtype, pd.CategoricalDtype):
        return tuple(series.cat.categories)
    return None


def row_names(data: Data, mask: npt.NDArray[np.bool_], limit: int) -> list[str]:
    """The names of the first ``limit`` rows where ``mask`` is true: index labels of a frame,
    positions of :class:`Columns`."""
    if isinstance(data, Columns):
        return [str(row) for row in np.flatnonzero(mask)[:limit].tolist()]
    return [str(label) for label in data.index[mask][:limit]]
