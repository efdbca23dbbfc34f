"""What every export writer is: a file filled chunk by chunk, then closed to finish it.

A writer is opened on a path (the runner passes a temporary path beside the final file and
moves it into place only once the writer has closed), is given the export's frames one chunk at
a time, and completes the file on :meth:`FrameWriter.close`. With no chunk at all, closing
still writes a complete file holding the header (or schema) only. ``notes`` lists what the
writer had to change to fit its format, for the user to read.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from survey_app.export.codebook import CodebookRow
from survey_app.export.layout import ExportLayout


@dataclass(frozen=True)
class WriterOptions:
    """Everything a writer may need besides the rows.

    ``language`` chooses SPSS labels (``vi`` or ``en``), ``spss_names`` maps export names to
    SPSS names, ``codebook`` holds the codebook rows (the XLSX codebook sheet).
    """

    layout: ExportLayout
    language: str
    spss_names: Mapping[str, str]
    codebook: Sequence[CodebookRow]


class FrameWriter(ABC):
    """Writes export frames of one layout into one file."""

    def __init__(self, path: Path, options: WriterOptions) -> None:
        self.path = path
        self.options = options
        self.notes: list[str] = []

    def write(self, frame: pd.DataFrame) -> None:
        """Append the rows of ``frame`` (the layout's columns, in order)."""
        self.write_table(
            pa.Table.from_pandas(frame, schema=self.options.layout.schema, preserve_index=False)
        )

    @abstractmethod
    def write_table(self, table: pa.Table) -> None:
        """Append the rows of an Arrow table with the layout's schema."""

    @abstractmethod
    def close(self) -> None:
        """Finish the file; it is complete and valid afterwards."""

    @abstractmethod
    def abort(self) -> None:
        """Release the file after a failure; the runner deletes it."""
