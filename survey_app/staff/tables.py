"""Tables in and out: reading an uploaded CSV or XLSX for an all-or-nothing import, and
writing a template (or any table) as CSV or XLSX.

The first row holds the column names; every later row is returned with its spreadsheet row
number (the header is row 1) and its cells as trimmed text (XLSX numbers as written: ``12``,
``0.05``; dates as ``YYYY-MM-DD``), rows left entirely blank skipped. A missing required
column, an unknown or repeated column, an unreadable file or one that is neither ``.csv`` nor
``.xlsx`` is an :class:`ImportRefused` at once; importers then collect every row problem
(:class:`ImportProblem`: row, column, message) and refuse the whole file if there is any.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath

from flask_babel import gettext
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped, unused-ignore]
from openpyxl.utils.exceptions import (  # type: ignore[import-untyped, unused-ignore]
    InvalidFileException,
)

from survey_app.formulas import defuse

CSV_SUFFIX = ".csv"
XLSX_SUFFIX = ".xlsx"

MIMETYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""The content type of each table format offered for download."""


@dataclass(frozen=True)
class ImportProblem:
    """One problem of an uploaded file: the row (None: the whole file), the column, what."""

    row: int | None
    column: str | None
    message: str


class ImportRefused(ValueError):
    """An upload with problems; nothing was stored. ``problems`` lists every one."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        """Keep the problems, in row order."""
        self.problems = sorted(problems, key=lambda p: (p.row or 0, p.column or ""))
        super().__init__("; ".join(p.message for p in self.problems))


@dataclass(frozen=True)
class Row:
    """One data row: its spreadsheet row number and its cells by column name."""

    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        """The trimmed text of ``column`` (empty when the column is absent)."""
        return self.cells.get(column, "")


def file_hash(data: bytes) -> str:
    """The SHA-256 hex digest of an uploaded file, kept with what it imported."""
    return hashlib.sha256(data).hexdigest()


def _text(value: object) -> str:
    """A spreadsheet cell as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    """The rows of a UTF-8 CSV (a byte-order mark is allowed)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            [
                ImportProblem(
                    None, None, gettext("The file is not UTF-8 text; save it as CSV UTF-8.")
                )
            ]
        ) from error
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as error:
        raise ImportRefused(
            [
                ImportProblem(
                    None,
                    None,
                    gettext("The file cannot be read as CSV: %(error)s", error=str(error)),
                )
            ]
        ) from error


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    """The rows of the first sheet of an XLSX workbook."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise ImportRefused(
            [ImportProblem(None, None, gettext("The file cannot be read as an Excel workbook."))]
        ) from error
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_text(value) for value in values]
    finally:
        workbook.close()


def read_table(
    data: bytes, filename: str, *, required: Sequence[str], optional: Sequence[str] = ()
) -> list[Row]:
    """The data rows of an uploaded CSV or XLSX file with the given columns."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == CSV_SUFFIX:
        rows = _csv_rows(data)
    elif suffix == XLSX_SUFFIX:
        rows = _xlsx_rows(data)
    else:
        raise ImportRefused([ImportProblem(None, None, gettext("Upload a .csv or .xlsx file."))])
    header = [cell.strip() for cell in next(rows, [])]
    while header and header[-1] == "":
        header.pop()
    problems = _header_problems(header, required, optional)
    if problems:
        raise ImportRefused(problems)
    table: list[Row] = []
    for number, values in enumerate(rows, start=2):
        cells = {
            name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(header)
        }
        if any(value.strip() for value in values[len(header) :]):
            problems.append(
                ImportProblem(number, None, gettext("This row has more cells than the header."))
            )
        if any(cells.values()):
            table.append(Row(number, cells))
    if problems:
        raise ImportRefused(problems)
    return table


def _header_problems(
    header: list[str], required: Sequence[str], optional: Sequence[str]
) -> list[ImportProblem]:
    """Missing, unknown and repeated columns of the header row."""
    if not header:
        return [ImportProblem(None, None, gettext("The file is empty."))]
    known = set(required) | set(optional)
    problems = [
        ImportProblem(
            1,
            name,
            gettext(
                "Unknown column; expected %(columns)s.", columns=", ".join((*required, *optional))
            ),
        )
        for name in header
        if name not in known
    ]
    problems += [
        ImportProblem(1, name, gettext("Required column missing."))
        for name in required
        if name not in header
    ]
    problems += [
        ImportProblem(1, name, gettext("This column appears more than once."))
        for name in sorted(set(header))
        if header.count(name) > 1
    ]
    return problems


def _csv_cell(value: object) -> object:
    """A CSV cell: text a spreadsheet would run as a formula gets its guard
    (:func:`survey_app.formulas.defuse`); numbers and other values as they are."""
    return defuse(value) if isinstance(value, str) else value


def write_table(
    columns: Sequence[str], rows: Sequence[Sequence[object]], file_format: str
) -> bytes:
    """``rows`` under a header of ``columns`` as UTF-8 CSV (with a byte-order mark, so Excel
    reads the Vietnamese letters) or as a one-sheet XLSX workbook. Neither runs a formula: a
    CSV text cell that would is guarded with an apostrophe, an XLSX text cell stays text."""
    if file_format == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([_csv_cell(name) for name in columns])
        writer.writerows([_csv_cell(value) for value in row] for row in rows)
        return buffer.getvalue().encode("utf-8-sig")
    if file_format != "xlsx":
        raise ValueError(f"unknown table format {file_format!r}")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in (columns, *rows):
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
