"""Weighting runs: the settings a run was made with, its report, and the weights it produced.

A run belongs to a round. ``settings`` records everything needed to redo it (design-weight
source, non-response classes, margins, trimming bounds); ``report`` the weighting report
(Kish design effect, margin residuals, trimmed units …). A run is ``pending`` until it is
``succeeded`` (with weights) or ``failed`` (with the error message). The round's estimates use
its most recently *adopted* run.

The weights — one per response, possibly with the stages behind them (design, non-response
adjusted, calibrated) — are stored in the run's row as one Parquet blob (zstd-compressed
columns ``response_id`` and ``weight`` plus any other float columns), with its SHA-256 and row
count. ADR 0005 explains the choice over a table of one row per response: 100,000 weights
write and read back in milliseconds on SQLite and PostgreSQL, runs stay atomic, and replicate
weights fit the same way.
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, check_in, utcnow
from survey_app.models.users import User

if TYPE_CHECKING:
    import pandas as pd

WEIGHT_ID_COLUMN = "response_id"
"""The blob's key column: the response each weight belongs to."""

WEIGHT_COLUMN = "weight"
"""The blob's final weight column."""


class WeightingRunStatus(StrEnum):
    """The life of a run."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class WeightsBlobError(ValueError):
    """Weights that cannot be stored: missing columns, repeated or blank ids, bad values."""


def encode_weights(weights: pd.DataFrame) -> bytes:
    """The weights frame as a Parquet blob (module docstring); checked first.

    ``weights`` needs a text column ``response_id`` (unique, non-blank) and a float column
    ``weight`` (finite, not negative); other columns must be numeric and are kept as float64.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    for column in (WEIGHT_ID_COLUMN, WEIGHT_COLUMN):
        if column not in weights.columns:
            raise WeightsBlobError(f"the weights have no column {column!r}")
    ids = weights[WEIGHT_ID_COLUMN].astype("string")
    if ids.isna().any() or (ids.str.len() == 0).any():
        raise WeightsBlobError("a response id is missing")
    if ids.duplicated().any():
        repeated = ids[ids.duplicated()].iloc[0]
        raise WeightsBlobError(f"response {repeated} has more than one weight")
    arrays: dict[str, Any] = {WEIGHT_ID_COLUMN: pa.array(ids.to_numpy(dtype=object), pa.string())}
    for column in weights.columns:
        if column == WEIGHT_ID_COLUMN:
            continue
        values = weights[column].to_numpy(dtype="float64")
        if column == WEIGHT_COLUMN and not (np.isfinite(values).all() and (values >= 0).all()):
            raise WeightsBlobError("every weight must be a finite number, zero or more")
        arrays[str(column)] = pa.array(values, pa.float64())
    buffer = io.BytesIO()
    pq.write_table(pa.table(arrays), buffer, compression="zstd")
    return buffer.getvalue()


def decode_weights(blob: bytes) -> pd.DataFrame:
    """The frame :func:`encode_weights` stored (``response_id`` as text, the rest float64)."""
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(blob)).to_pandas()


class WeightingRun(Base):
    """One weighting of one round's responses."""

    __tablename__ = "weighting_runs"
    __table_args__ = (
        CheckConstraint(check_in("status", tuple(WeightingRunStatus)), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    label: Mapped[str] = mapped_column(String(128))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=WeightingRunStatus.PENDING)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    weights: Mapped[bytes | None] = mapped_column(LargeBinary)
    weights_sha256: Mapped[str | None] = mapped_column(String(64))
    response_count: Mapped[int | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    adopted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    adopted_at: Mapped[datetime | None]

    creator: Mapped[User | None] = relationship(foreign_keys=[created_by])

    def store_weights(self, weights: pd.DataFrame) -> None:
        """Keep ``weights`` (see :func:`encode_weights`) with their hash and row count."""
        blob = encode_weights(weights)
        self.weights = blob
        self.weights_sha256 = hashlib.sha256(blob).hexdigest()
        self.response_count = len(weights)

    def load_weights(self) -> pd.DataFrame:
        """The stored weights; :class:`WeightsBlobError` if the run has none or the blob does
        not match its hash."""
        if self.weights is None:
            raise WeightsBlobError(f"weighting run {self.id} has no weights")
        if hashlib.sha256(self.weights).hexdigest() != self.weights_sha256:
            raise WeightsBlobError(f"the weights of run {self.id} do not match their hash")
        return decode_weights(self.weights)
