"""Paper questionnaires keyed by staff, once or twice (double entry), before they become
responses.

Each keying of a printed form is one row: round, questionnaire version, the form's serial
number, entry 1 or 2, who keyed it and on which day, and the answers (the same convention as
``responses.answers``). With double entry the two entries are compared and a mismatch is
resolved before the form is accepted; the accepted form becomes a response of mode ``paper``
carrying the serial and no staff identity. Statuses: ``keyed`` (waiting for the second entry or
acceptance), ``mismatch`` (the two entries differ), ``accepted`` (stored as a response),
``discarded`` (set aside, e.g. a spoilt form).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, check_in
from survey_app.models.questionnaire import QuestionnaireVersion
from survey_app.models.units import Unit
from survey_app.models.users import User


class PaperEntryStatus(StrEnum):
    """Where a keyed paper form stands."""

    KEYED = "keyed"
    MISMATCH = "mismatch"
    ACCEPTED = "accepted"
    DISCARDED = "discarded"


class PaperEntry(Base):
    """One keying of one printed questionnaire."""

    __tablename__ = "paper_entries"
    __table_args__ = (
        UniqueConstraint("round_id", "form_serial", "entry_number"),
        CheckConstraint("entry_number IN (1, 2)", name="entry_number"),
        CheckConstraint(check_in("status", tuple(PaperEntryStatus)), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    form_serial: Mapped[str] = mapped_column(String(64))
    entry_number: Mapped[int]
    keyed_by: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    keyed_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default=PaperEntryStatus.KEYED)

    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    unit: Mapped[Unit | None] = relationship()
    keyer: Mapped[User] = relationship()
