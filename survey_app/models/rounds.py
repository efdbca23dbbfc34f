"""Survey rounds, the units each evaluates and the questionnaires it offers, publicly or by
invitation.

A round may name the index scheme edition it is scored with (``scheme_id``, with the edition's
version and content hash as set up, so a later change to the file is noticed); ``round_units``
lists the units it evaluates.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, check_in
from survey_app.models.questionnaire import QuestionnaireVersion
from survey_app.models.units import Unit


class RoundStatus(StrEnum):
    """A round is prepared as a draft, then open for answers, then closed."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Access(StrEnum):
    """How respondents reach a questionnaire: a public link or a single-use invitation code."""

    PUBLIC = "public"
    INVITATION = "invitation"


def takes_answers(status: str, opens_on: date | None, closes_on: date | None, today: date) -> bool:
    """Whether a round with this status and these dates takes answers on ``today``: open
    status and within its dates (a missing date does not limit)."""
    return (
        status == RoundStatus.OPEN
        and (opens_on is None or opens_on <= today)
        and (closes_on is None or today <= closes_on)
    )


class Round(Base):
    """One survey round (đợt khảo sát), e.g. a province's internal survey of one year."""

    __tablename__ = "rounds"
    __table_args__ = (CheckConstraint(check_in("status", tuple(RoundStatus)), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    year: Mapped[int]
    title_vi: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str] = mapped_column(String(255))
    opens_on: Mapped[date | None]
    closes_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(16), default=RoundStatus.DRAFT)
    scheme_id: Mapped[str | None] = mapped_column(String(64))
    scheme_version: Mapped[str | None] = mapped_column(String(32))
    scheme_hash: Mapped[str | None] = mapped_column(String(64))
    paper_double_entry: Mapped[bool] = mapped_column(default=False, server_default=false())

    units: Mapped[list[Unit]] = relationship(secondary="round_units", order_by=Unit.code)

    def title(self, language: str) -> str:
        """The round's title in ``language`` (``vi`` or ``en``)."""
        return self.title_en if language == "en" else self.title_vi

    def is_open(self, today: date) -> bool:
        """Whether the round takes answers on ``today`` (:func:`takes_answers`)."""
        return takes_answers(self.status, self.opens_on, self.closes_on, today)


class RoundQuestionnaire(Base):
    """A questionnaire version offered in a round to one respondent group."""

    __tablename__ = "round_questionnaires"
    __table_args__ = (
        UniqueConstraint("round_id", "questionnaire_version_id"),
        CheckConstraint(check_in("access", tuple(Access)), name="access"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    respondent_group: Mapped[str] = mapped_column(String(64))
    access: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    round: Mapped[Round] = relationship()
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    unit: Mapped[Unit | None] = relationship()


class RoundUnit(Base):
    """A unit evaluated in a round."""

    __tablename__ = "round_units"
    __table_args__ = (UniqueConstraint("round_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
