"""XLSX (openpyxl, write-only so rows stream to disk): sheet ``responses`` with the header row
frozen, then sheet ``codebook`` holding the codebook rows, its header frozen too.

Cells keep their types: numbers as numbers, dates as dates (openpyxl formats them
``yyyy-mm-dd``), nulls as empty cells. Text is always written as text, so an answer starting
with ``=`` never becomes a formula. XML cannot hold control characters (other than tab and
line breaks): each one is replaced by U+FFFD and a note says how many cells were affected. A
sheet holds at most 1,048,576 rows, so at most 1,048,575 responses (:class:`FormatLimitError`
beyond).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped, unused-ignore]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped, unused-ignore]
from openpyxl.worksheet._write_only import WriteOnlyWorksheet  # type: ignore[import-untyped, unused-ignore]

from survey_app.export.codebook import CODEBOOK_COLUMNS
from survey_app.export.errors import FormatLimitError
from survey_app.export.writers.base import FrameWriter, WriterOptions

MAX_ROWS = 1_048_576
"""Rows in an Excel sheet, header included."""

REPLACEMENT = "\ufffd"


class XlsxWriter(FrameWriter):
    """A workbook whose responses sheet is appended chunk by chunk."""

    def __init__(self, path: Path, options: WriterOptions) -> None:
        super().__init__(path, options)
        self._book = Workbook(write_only=True)
        self._sheet = self._new_sheet("responses", options.layout.names)
        self._rows = 0
        self._replaced = 0
        self._text = [pa.types.is_string(field.type) for field in options.layout.schema]

    def _new_sheet(self, title: str, header: Sequence[str]) -> WriteOnlyWorksheet:
        sheet = self._book.create_sheet(title)
        sheet.freeze_panes = "A2"
        sheet.append(list(header))
        return sheet

    def write_table(self, table: pa.Table) -> None:
        """Append the rows; refuse to pass Excel's row limit."""
        if self._rows + table.num_rows > MAX_ROWS - 1:
            raise FormatLimitError(
                f"an Excel sheet holds at most {MAX_ROWS - 1:,} responses; this export has "
                f"more than {self._rows + table.num_rows - 1:,}",
                hint="export one round at a time (--round), or use csv, parquet or sav",
            )
        columns = [
            self._cells(column.to_pylist()) if text else column.to_pylist()
            for column, text in zip(table.columns, self._text, strict=True)
        ]
        for row in zip(*columns, strict=True):
            self._sheet.append(row)
        self._rows += table.num_rows

    def _cells(self, values: list[object]) -> list[object]:
        """Text values, each as a text cell where a plain value would be misread."""
        return [self._text_cell(v) if isinstance(v, str) and _needs_cell(v) else v for v in values]

    def _text_cell(self, value: str) -> WriteOnlyCell:
        """A cell that holds ``value`` as text (never a formula), control characters replaced."""
        cleaned = ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value)
        if cleaned != value:
            self._replaced += 1
        cell = WriteOnlyCell(self._sheet, value=cleaned)
        cell.data_type = "s"
        return cell

    def close(self) -> None:
        """Add the codebook sheet and save the workbook."""
        codebook = self._new_sheet("codebook", CODEBOOK_COLUMNS)
        for entry in self.options.codebook:
            codebook.append([self._text_cell(entry[name]) for name in CODEBOOK_COLUMNS])
        if self._replaced:
            self.notes.append(
                f"{self._replaced} text cell(s) held control characters that Excel files cannot "
                "store; each was replaced by \ufffd in the xlsx file only"
            )
        self._book.save(str(self.path))

    def abort(self) -> None:
        """Finish the sheets' XML streams without saving (left open, their writers fail when
        collected); openpyxl deletes its temporary sheet files at exit."""
        for sheet in self._book.worksheets:
            sheet.close()


def _needs_cell(value: str) -> bool:
    """Whether a text would be misread as a formula or holds characters XML cannot carry."""
    return value.startswith("=") or ILLEGAL_CHARACTERS_RE.search(value) is not None
