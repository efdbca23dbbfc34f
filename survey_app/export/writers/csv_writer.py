"""CSV: UTF-8 with a byte-order mark, so Excel shows Vietnamese diacritics, streamed by chunk.

Written by Arrow's CSV writer: comma-separated, CRLF line ends (RFC 4180), a cell quoted only
when it must be (header names always are), a null as an empty cell and an empty text as ``""``,
dates as ``YYYY-MM-DD``, numbers in their shortest exact form. A text a spreadsheet would run
as a formula (``=…``, ``+…``, ``-…``, ``@…``; :mod:`survey_app.formulas`) is written with a
leading apostrophe, and a note says how many cells were guarded.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from survey_app.export.writers.base import FrameWriter, WriterOptions
from survey_app.formulas import FORMULA_START, GUARD, PLAIN_NUMBER

CSV_OPTIONS = pa_csv.WriteOptions(include_header=True, quoting_style="needed", eol="\r\n")


class CsvWriter(FrameWriter):
    """A CSV file: BOM and header at once, then rows chunk by chunk."""

    def __init__(self, path: Path, options: WriterOptions) -> None:
        super().__init__(path, options)
        self._file = path.open("wb")
        self._file.write(codecs.BOM_UTF8)
        self._writer = pa_csv.CSVWriter(
            self._file, options.layout.schema, write_options=CSV_OPTIONS
        )
        self._guarded = 0

    def write_table(self, table: pa.Table) -> None:
        """Append the rows, formula-like texts guarded."""
        columns = [
            self._defused(column) if pa.types.is_string(column.type) else column
            for column in table.columns
        ]
        self._writer.write_table(pa.Table.from_arrays(columns, schema=table.schema))

    def _defused(self, column: pa.ChunkedArray) -> pa.ChunkedArray:
        """``column`` with :data:`~survey_app.formulas.GUARD` before every text a spreadsheet
        would run as a formula (nulls stay null)."""
        formula = pc.and_not(
            pc.match_substring_regex(column, FORMULA_START.pattern),
            pc.match_substring_regex(column, PLAIN_NUMBER.pattern),
        )
        guarded = pc.sum(formula).as_py() or 0
        if not guarded:
            return column
        self._guarded += guarded
        return pc.if_else(formula, pc.binary_join_element_wise(GUARD, column, ""), column)

    def close(self) -> None:
        """Flush and close the file."""
        self._writer.close()
        self._file.close()
        if self._guarded:
            self.notes.append(
                f"{self._guarded} text cell(s) began like a spreadsheet formula (=, +, -, @); "
                "each was written with a leading ' in the csv file only"
            )

    def abort(self) -> None:
        """Close the file without finishing it."""
        self._file.close()
