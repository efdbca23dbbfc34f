"""The export file formats and their writers: ``csv``, ``xlsx``, ``parquet``, ``sav``.

Each writer is a :class:`FrameWriter` (``base``) in a module of its own; :data:`WRITERS` maps a
format to its writer class, so adding a format is one module and one entry.
"""

from __future__ import annotations

from collections.abc import Mapping

from survey_app.export.formats import ExportFormat
from survey_app.export.writers.base import FrameWriter as FrameWriter
from survey_app.export.writers.base import WriterOptions as WriterOptions
from survey_app.export.writers.csv_writer import CsvWriter
from survey_app.export.writers.parquet_writer import ParquetWriter
from survey_app.export.writers.sav_writer import SavWriter
from survey_app.export.writers.xlsx_writer import XlsxWriter

WRITERS: Mapping[ExportFormat, type[FrameWriter]] = {
    ExportFormat.CSV: CsvWriter,
    ExportFormat.XLSX: XlsxWriter,
    ExportFormat.PARQUET: ParquetWriter,
    ExportFormat.SAV: SavWriter,
}
"""The writer of each format."""
