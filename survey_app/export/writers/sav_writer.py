"""SPSS ``.sav`` (pyreadstat): variables named for SPSS, labelled in the chosen language.

* Names: ``spss_names`` (recorded in the codebook).
* Variable labels: the item's text (an indicator: item text, colon, choice label; a fixed
  column: its description), cut to SPSS's 256 bytes at a character boundary.
* Value labels: the choice labels of ``code``/``coded_integer`` columns (keyed by the text code,
  or by the integer code), and chosen / not chosen on indicators; cut to 120 bytes.
* User-missing values: the special answers (don't know, not applicable) of a choice column are
  declared missing (SPSS allows three per variable), so SPSS leaves them out of statistics
  while the data keep their codes.
* Types and measures: integers and codes numeric ``F<w>.0``, decimals numeric, dates ``DATE11``,
  text as strings; ratings ordinal, other choices and text nominal, numbers and dates scale.

pyreadstat writes a whole data frame at once, so this writer keeps the chunks (as Arrow tables)
until it closes: memory grows with the export, unlike the other formats.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyreadstat

from questionnaires.model import Text
from survey_app.export.layout import Column, ColumnKind
from survey_app.export.writers.base import FrameWriter, WriterOptions

VARIABLE_LABEL_BYTES = 256
VALUE_LABEL_BYTES = 120
MAX_MISSING_VALUES = 3
FILE_LABEL = Text(vi="Phiếu trả lời khảo sát Chỉ số CCHC", en="PAR Index survey responses")
INDICATOR_LABELS: Mapping[str, Mapping[int | float | str, str]] = {
    "vi": {0.0: "Không chọn", 1.0: "Có chọn"},
    "en": {0.0: "Not chosen", 1.0: "Chosen"},
}
NUMERIC_CODES = (ColumnKind.CODED_INTEGER, ColumnKind.INTEGER, ColumnKind.INDICATOR)
MEASURES: Mapping[ColumnKind, str] = {
    ColumnKind.TEXT: "nominal",
    ColumnKind.CODE: "nominal",
    ColumnKind.CODED_INTEGER: "nominal",
    ColumnKind.CHOICES: "nominal",
    ColumnKind.INDICATOR: "nominal",
    ColumnKind.INTEGER: "scale",
    ColumnKind.DECIMAL: "scale",
    ColumnKind.DATE: "scale",
}


def cut_utf8(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes without splitting a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


class SavWriter(FrameWriter):
    """An SPSS file written when closed, from the chunks kept until then."""

    def __init__(self, path: Path, options: WriterOptions) -> None:
        super().__init__(path, options)
        self._tables: list[pa.Table] = []

    def write_table(self, table: pa.Table) -> None:
        """Keep the rows for the file written on close."""
        self._tables.append(table)

    def close(self) -> None:
        """Write the file with names, labels, missing values, measures and formats."""
        layout = self.options.layout
        table = pa.concat_tables(self._tables) if self._tables else layout.schema.empty_table()
        self._tables = []
        names = self.options.spss_names
        language = self.options.language
        frame = pd.DataFrame(
            {
                names[column.name]: _spss_values(column, table.column(column.name))
                for column in layout.columns
            }
        )
        # pyreadstat takes text keys and text missing values for string variables, though its
        # annotations name numbers only: hence Any.
        value_labels: dict[str, dict[Any, str]] = {}
        missing: dict[str, list[Any]] = {}
        for column in layout.columns:
            labels = _value_labels(column, language)
            if labels:
                value_labels[names[column.name]] = labels
            specials = _special_codes(column)
            if specials and len(specials) <= MAX_MISSING_VALUES:
                missing[names[column.name]] = specials
            elif specials:
                self.notes.append(
                    f"column {column.name} has {len(specials)} special answers; SPSS declares "
                    f"at most {MAX_MISSING_VALUES} missing values, so none were declared"
                )
        pyreadstat.write_sav(
            frame,
            str(self.path),
            file_label=cut_utf8(FILE_LABEL.get(language), 64),
            column_labels={
                names[c.name]: cut_utf8(c.label.get(language), VARIABLE_LABEL_BYTES)
                for c in layout.columns
            },
            variable_value_labels=value_labels,
            missing_ranges=missing,
            variable_measure={names[c.name]: _measure(c) for c in layout.columns},
            variable_format={
                names[c.name]: fmt
                for c in layout.columns
                if (fmt := _format(c, table.column(c.name))) is not None
            },
        )

    def abort(self) -> None:
        """Drop the kept rows; nothing was written."""
        self._tables = []


def _spss_values(column: Column, values: pa.ChunkedArray) -> pd.Series:
    """A column as pyreadstat takes it: floats with NaN, dates as datetime64[ns] (pyreadstat
    misreads other units), text as plain Python objects with None (pandas would otherwise
    make it an Arrow string column, which pyreadstat reads value by value, many times slower).
    """
    if column.kind is ColumnKind.DATE:
        return values.cast(pa.timestamp("ns")).to_pandas()
    if pa.types.is_string(values.type):
        return pd.Series(values.to_pylist(), dtype=object)
    return pd.Series(values.cast(pa.float64()).to_numpy(zero_copy_only=False))


def _value_labels(column: Column, language: str) -> dict[int | float | str, str]:
    """Value → label for the column's codes (text codes stay text keys)."""
    if column.kind is ColumnKind.INDICATOR:
        return dict(INDICATOR_LABELS[language])
    if column.kind not in (ColumnKind.CODE, ColumnKind.CODED_INTEGER):
        return {}
    integer = column.kind is ColumnKind.CODED_INTEGER
    labels: dict[int | float | str, str] = {}
    for choice in column.choices:
        key = float(int(choice.code)) if integer else choice.code
        labels[key] = cut_utf8(choice.label.get(language), VALUE_LABEL_BYTES)
    return labels


def _special_codes(column: Column) -> list[int | float | str]:
    """The codes of special answers, as the column holds them."""
    if column.kind not in (ColumnKind.CODE, ColumnKind.CODED_INTEGER):
        return []
    integer = column.kind is ColumnKind.CODED_INTEGER
    return [
        float(int(c.code)) if integer else c.code for c in column.choices if c.special is not None
    ]


def _measure(column: Column) -> str:
    if column.kind in (ColumnKind.CODE, ColumnKind.CODED_INTEGER) and column.is_rating:
        return "ordinal"
    return MEASURES[column.kind]


def _format(column: Column, values: pa.ChunkedArray) -> str | None:
    """``F<w>.0`` for whole numbers (wide enough for the largest), ``DATE11`` for dates."""
    if column.kind is ColumnKind.DATE:
        return "DATE11"
    if column.kind not in NUMERIC_CODES:
        return None
    extremes = pc.min_max(values).values()
    digits = max((len(str(v.as_py())) for v in extremes if v.is_valid), default=1)
    return f"F{max(8, digits)}.0"
