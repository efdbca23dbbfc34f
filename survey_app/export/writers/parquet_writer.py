"""Parquet: the layout's Arrow schema kept exactly (string, int64, int8, float64, date32),
one row group per chunk, Snappy-compressed (pyarrow's default)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from survey_app.export.writers.base import FrameWriter, WriterOptions


class ParquetWriter(FrameWriter):
    """A Parquet file written row group by row group."""

    def __init__(self, path: Path, options: WriterOptions) -> None:
        super().__init__(path, options)
        self._writer = pq.ParquetWriter(str(path), options.layout.schema)

    def write_table(self, table: pa.Table) -> None:
        """Append the rows as one row group."""
        self._writer.write_table(table)

    def close(self) -> None:
        """Write the footer and close the file."""
        self._writer.close()

    def abort(self) -> None:
        """Close the file without finishing it."""
        self._writer.close()
