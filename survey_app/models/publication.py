"""What leaves the system: published index snapshots and export manifests.

* ``index_snapshots``: publishing a round's index freezes it. ``hashes`` is
  ``analysis.index.Snapshot.to_dict()`` (scheme id, year, code version, the hashes of every
  definition, input frame and result), ``results`` the published table itself (units' points,
  sub-indices, ranks and bands), with who published it, when, and which weighting run the
  survey points used. The latest snapshot of a round is the published one.
* ``exports``: a manifest per export — who, when, which round (none: every round), what kind
  and format, the filters applied, and each file written with its size and SHA-256.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, utcnow
from survey_app.models.users import User


class IndexSnapshot(Base):
    """One publication of a round's index."""

    __tablename__ = "index_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    scheme_id: Mapped[str] = mapped_column(String(64))
    scheme_hash: Mapped[str] = mapped_column(String(64))
    code_version: Mapped[str] = mapped_column(String(80))
    hashes: Mapped[dict[str, Any]] = mapped_column(JSON)
    results: Mapped[dict[str, Any]] = mapped_column(JSON)
    weighting_run_id: Mapped[int | None] = mapped_column(ForeignKey("weighting_runs.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    publisher: Mapped[User | None] = relationship()


class ExportManifest(Base):
    """The record of one export: its scope, its files and their hashes."""

    __tablename__ = "exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    format: Mapped[str] = mapped_column(String(16))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    row_count: Mapped[int | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    creator: Mapped[User | None] = relationship()
