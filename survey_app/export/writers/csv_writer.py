"""CSV: UTF-8 with a byte-order mark, so Excel shows Vietnamese diacritics, streamed by chunk.

Written by Arrow's CSV writer: comma-separated, CRLF line ends (RFC 4180), a cell quoted only
when it must be (header names always are), a null as an empty cell and an empty text as ``""``,
dates as ``YYYY-MM-DD``, numbers in their shortest exact form.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv

from survey_app.export.writers.base import FrameWriter, WriterOptions

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

    def write_table(self, table: pa.Table) -> None:
        """Append the rows."""
        self._writer.write_table(table)

    def close(self) -> None:
        """Flush and close the file."""
        self._writer.close()
        self._file.close()

    def abort(self) -> None:
        """Close the file without finishing it."""
        self._file.close()
