"""Reading and writing respondent files: CSV (read with pyarrow's multithreaded parser) and
Parquet, chosen by the file's suffix. No numerics here: the rule is only "one row per
respondent, one column per variable" (DESIGN.md's export frame).

CSV conventions: empty cells (and ``NA``, ``NaN``, ``null``, …) are missing values; text columns
with at most :data:`DICTIONARY_MAX_CARDINALITY` distinct values per block are read as pandas
categoricals, dictionary-encoded by the parser, with categories in sorted order, so values and
their order are those of the text while strata, PSU and domain codes come almost free (a million
PSU labels factorise in milliseconds instead of a tenth of a second, in a tenth of the memory).

:func:`read_frame` gives a pandas frame; :func:`read_columns` reads the same file into
:class:`~analysis.columns.Columns` (numbers as numpy arrays, every text column as codes into its
sorted values) without importing pandas, for the command line: the parser dictionary-encodes
every CSV text column, so reading needs neither pandas nor ``pyarrow.compute`` (each slow to
import).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from analysis.columns import Column, Columns, Text
from analysis.design import MissingColumnError
from analysis.errors import AnalysisError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

CSV_SUFFIXES = (".csv",)
DICTIONARY_MAX_CARDINALITY = 100_000
"""Text columns with more distinct values than this (per parser block) stay plain text in
:func:`read_frame`."""
ALL_VALUES = 2**31 - 1
"""The dictionary limit of :func:`read_columns`: every value (int32 dictionary indices)."""
PARQUET_SUFFIXES = (".parquet", ".pq")


class DataFileError(AnalysisError):
    """A data file is missing, of an unknown kind, or unreadable."""

    code = "data_file"


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    raise DataFileError(
        f"cannot tell the format of `{path}` from its suffix",
        expected=list(CSV_SUFFIXES + PARQUET_SUFFIXES),
        got=suffix or "(none)",
    )


def _header(file: Path, kind: str) -> list[str]:
    if kind == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(file).names)
    with file.open(newline="", encoding="utf-8-sig") as handle:
        return next(csv.reader(handle), [])


def _checked(path: str | Path, columns: Sequence[str] | None) -> tuple[Path, str, list[str] | None]:
    """The file, its kind and the columns to read, once the file and the columns exist."""
    file = Path(path)
    kind = _kind(file)
    if not file.is_file():
        raise DataFileError(f"data file `{file}` does not exist", expected="a file", got=str(file))
    if columns is None:
        return file, kind, None
    with _reading(file, kind):
        available = _header(file, kind)
    missing = [c for c in columns if c not in available]
    if missing:
        raise MissingColumnError(
            f"column `{missing[0]}` is not in `{file}`; available columns: {', '.join(available)}",
            expected=missing[0],
            got=available,
        )
    return file, kind, list(dict.fromkeys(columns))


@contextmanager
def _reading(file: Path, kind: str) -> Iterator[None]:
    """Turn a parser's failure into a :class:`DataFileError` naming the file."""
    try:
        yield
    except (OSError, ValueError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
        raise DataFileError(
            f"cannot read `{file}`: {first_line}", expected=f"a valid {kind} file", got=str(file)
        ) from error


def read_frame(
    path: str | Path,
    *,
    columns: Sequence[str] | None = None,
    text_columns: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Read a CSV or Parquet file into a frame.

    Parameters
    ----------
    path
        ``.csv``, ``.parquet`` or ``.pq`` file.
    columns
        Read only these columns (all when ``None``); a column the file lacks is an error that
        lists the file's columns.
    text_columns
        CSV columns to keep as text even when they look numeric (e.g. margin levels ``1``).

    Raises
    ------
    DataFileError
        The file does not exist, has an unknown suffix, or cannot be parsed.
    MissingColumnError
        A requested column is not in the file.
    """
    import pandas as pd

    file, kind, wanted = _checked(path, columns)
    with _reading(file, kind):
        if kind == "parquet":
            return pd.read_parquet(file, columns=wanted)
        frame: pd.DataFrame = _read_csv(file, wanted, text_columns, dictionaries=False).to_pandas()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            categories = frame[column].cat.categories
            frame[column] = frame[column].cat.reorder_categories(sorted(categories))
    return frame


def read_columns(
    path: str | Path,
    *,
    columns: Sequence[str] | None = None,
    text_columns: tuple[str, ...] = (),
) -> Columns:
    """Read a CSV or Parquet file into :class:`~analysis.columns.Columns`, without pandas.

    Integer, floating-point and boolean columns become numpy arrays (integers with missing
    values become floats with NaN, booleans with missing values text); every other column is
    text, held as codes into its sorted distinct values. Parameters and errors as
    :func:`read_frame`.
    """
    file, kind, wanted = _checked(path, columns)
    with _reading(file, kind):
        if kind == "parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(file, columns=wanted)
        else:
            table = _read_csv(file, wanted, text_columns, dictionaries=True)
        arrays = {name: _column(table.column(name)) for name in table.column_names}
    return Columns(rows=table.num_rows, columns=arrays)


def _read_csv(
    file: Path, columns: list[str] | None, text_columns: tuple[str, ...], *, dictionaries: bool
) -> pa.Table:
    """The parsed CSV; with ``dictionaries`` every text column is dictionary-encoded, else
    those of at most :data:`DICTIONARY_MAX_CARDINALITY` values per block and not in
    ``text_columns``."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    text = pa.dictionary(pa.int32(), pa.string()) if dictionaries else pa.string()
    options = pacsv.ConvertOptions(
        include_columns=columns,
        strings_can_be_null=True,
        auto_dict_encode=True,
        auto_dict_max_cardinality=ALL_VALUES if dictionaries else DICTIONARY_MAX_CARDINALITY,
        column_types={column: text for column in text_columns},
    )
    return pacsv.read_csv(file, convert_options=options)


def _bits(buffer: pa.Buffer, offset: int, length: int) -> npt.NDArray[np.bool_]:
    bits = np.unpackbits(np.frombuffer(buffer, dtype=np.uint8), bitorder="little")
    return bits[offset : offset + length].astype(np.bool_)


def _chunks(
    values: pa.ChunkedArray,
) -> Iterator[tuple[npt.NDArray[Any], npt.NDArray[np.bool_] | None]]:
    """Each chunk of a fixed-width arrow column as a numpy view, and where its values are
    valid (``None``: all are).

    Read from the arrow buffers: arrow's own conversion to numpy sets up its pandas support
    first, which imports pandas.
    """
    import pyarrow as pa

    dtype = np.dtype(values.type.to_pandas_dtype())
    for chunk in values.chunks:
        bitmap, data = chunk.buffers()[:2]
        if pa.types.is_boolean(chunk.type):
            part = _bits(data, chunk.offset, len(chunk))
        else:
            part = np.frombuffer(data, dtype, len(chunk), chunk.offset * dtype.itemsize)
        yield part, _bits(bitmap, chunk.offset, len(chunk)) if chunk.null_count else None


def _numbers(values: pa.ChunkedArray) -> npt.NDArray[Any]:
    """A number or boolean arrow column as one array; integers with missing values as floats
    with NaN."""
    parts = list(_chunks(values))
    if len(parts) == 1 and parts[0][1] is None:
        return parts[0][0]
    dtype = np.dtype(values.type.to_pandas_dtype()) if not values.null_count else np.float64
    array = np.empty(len(values), dtype=dtype)
    start = 0
    for part, valid in parts:
        stop = start + part.size
        array[start:stop] = part
        if valid is not None:
            array[start:stop][~valid] = np.nan
        start = stop
    return array


def _column(values: pa.ChunkedArray) -> Column:
    """One arrow column as a :data:`~analysis.columns.Column` (types other than numbers,
    booleans and dictionary-encoded text, e.g. Parquet dates, go through ``pyarrow.compute``).

    Text codes are the rows' dictionary indices mapped, chunk by chunk, to the positions of
    their values in sorted order; values that no row has (Parquet dictionaries may keep
    them) are dropped.
    """
    import pyarrow as pa

    kind = values.type
    if pa.types.is_decimal(kind):
        values = values.cast(pa.float64())
        kind = values.type
    if (
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or (pa.types.is_boolean(kind) and values.null_count == 0)
    ):
        return _numbers(values)
    if not pa.types.is_dictionary(kind):
        values = values.cast(pa.string()).dictionary_encode()
    elif not pa.types.is_string(kind.value_type):
        values = values.cast(pa.dictionary(kind.index_type, pa.string()))
    values = values.unify_dictionaries()
    dictionary = values.chunk(0).dictionary.to_pylist() if values.num_chunks else []
    missing = len(dictionary)  # the code of a missing value until the end
    lookup = np.full(missing + 1, missing, dtype=np.intp)
    lookup[sorted(range(missing), key=dictionary.__getitem__)] = np.arange(missing)
    labels = sorted(dictionary)
    codes = np.empty(len(values), dtype=np.intp)
    start = 0
    indices = pa.chunked_array([chunk.indices for chunk in values.chunks], values.type.index_type)
    for part, valid in _chunks(indices):
        stop = start + part.size
        np.take(lookup, part, out=codes[start:stop], mode="clip")
        if valid is not None:
            codes[start:stop][~valid] = missing
        start = stop
    counts = np.bincount(codes, minlength=missing + 1)
    observed = counts[:missing] > 0
    if not observed.all():
        compact = np.append(np.cumsum(observed) - 1, -1)
        compact[:missing][~observed] = -1
        codes = compact[codes]
        labels = [label for label, seen in zip(labels, observed.tolist(), strict=True) if seen]
    elif counts[missing]:
        codes[codes == missing] = -1
    return Text(codes=codes, labels=tuple(labels))


def write_frame(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a frame as CSV (no index) or Parquet, by the suffix of ``path``."""
    file = Path(path)
    if _kind(file) == "parquet":
        frame.to_parquet(file, index=False)
    else:
        frame.to_csv(file, index=False)
