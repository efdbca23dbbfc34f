"""Submitted responses: answers, paradata and sampling fields, with nothing that identifies.

The id is a random UUID (no order to match against invitation use), the date is a day only,
and there is no column for a token, an IP address or a user agent. A paper questionnaire keyed
by staff carries its printed form serial (unique in the round) and nothing about who keyed it.
``straight_line_items`` (derived from the answers), ``duration_seconds`` (copied from the
paradata) and ``answers_digest`` (a hash of the answers) are set at insert for monitoring,
which reads them, with the sampling fields, from covering indexes (``ix_responses_monitoring``,
``ix_responses_copies``) instead of the rows.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.models.base import Base, check_in


class Mode(StrEnum):
    """How the answers were collected."""

    WEB = "web"
    PAPER = "paper"


def new_response_id() -> str:
    """A random 32-character hex id."""
    return uuid.uuid4().hex


class Response(Base):
    """One completed questionnaire; ``answers`` follow ``questionnaires.model``'s convention."""

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint(check_in("mode", tuple(Mode)), name="mode"),
        UniqueConstraint("round_id", "form_serial"),
        Index(
            "ix_responses_monitoring",
            "round_id",
            "respondent_group",
            "unit_id",
            "stratum",
            "mode",
            "questionnaire_hash",
            "duration_seconds",
            "straight_line_items",
        ),
        Index(
            "ix_responses_copies",
            "round_id",
            "mode",
            "questionnaire_hash",
            "answers_digest",
            "form_serial",
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_response_id)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    respondent_group: Mapped[str] = mapped_column(String(64))
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[str] = mapped_column(String(32))
    questionnaire_hash: Mapped[str] = mapped_column(
        ForeignKey("questionnaire_versions.content_hash")
    )
    mode: Mapped[str] = mapped_column(String(8))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    paradata: Mapped[dict[str, Any]] = mapped_column(JSON)
    stratum: Mapped[str | None] = mapped_column(String(128))
    cluster: Mapped[str | None] = mapped_column(String(128))
    submitted_on: Mapped[date]
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    form_serial: Mapped[str | None] = mapped_column(String(64))
    straight_line_items: Mapped[int] = mapped_column(server_default="0")
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    answers_digest: Mapped[str | None] = mapped_column(String(64))
    """Rating items of the longest straight-lined page (set at insert, see
    ``survey_app.monitoring.stored_facts``)."""
