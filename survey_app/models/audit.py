"""The audit trail: one append-only row per staff action that changes data.

Rows are written only through ``survey_app.audit.record_audit``, in the same transaction as the
change they describe. ``details`` holds ``before``/``after`` states and context; it never holds
respondent data (answers, paradata, codes).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.append_only import AppendOnly
from survey_app.models.base import Base, utcnow
from survey_app.models.users import User


class AuditEvent(AppendOnly, Base):
    """Who did what, to which object, in which round, and when (UTC)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()
