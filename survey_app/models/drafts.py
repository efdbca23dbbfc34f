"""Answers in progress, kept on the server; the session cookie only carries the draft id.

A draft is deleted in the same transaction that stores its response, together with its link
to an invitation, so no row ever ties an invitation to a response.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.models.base import Base, utcnow


class Draft(Base):
    """One respondent's unfinished questionnaire."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("round_questionnaires.id"), index=True
    )
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    page_seconds: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    current_page: Mapped[str | None] = mapped_column(String(64))
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"), index=True)
    resume_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
