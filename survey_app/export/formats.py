"""The file formats an export can be written in (no heavy imports: the command line lists them
without loading pandas, pyarrow or the writers)."""

from __future__ import annotations

from enum import StrEnum


class ExportFormat(StrEnum):
    """The file formats an export can be written in."""

    CSV = "csv"
    XLSX = "xlsx"
    PARQUET = "parquet"
    SAV = "sav"
