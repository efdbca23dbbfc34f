"""Self-assessment and appraisal: what units score themselves, what the council decides, the
units' requests for reconsideration, and imported statistics.

* ``self_scores``: one score per round × unit × criterion (an appraisal leaf of the round's
  scheme), with its note, who entered it and the SHA-256 of the uploaded file it came from.
* ``appraisal_decisions``: append-only; each decision accepts the self-score (``new_score`` is
  empty) or changes it to ``new_score`` with a reason. The latest decision per unit ×
  criterion counts (``analysis.selfassessment.apply_decisions``); a decision taken on a
  reconsideration request names it.
* ``reconsideration_requests``: a unit asks the council to look again at a criterion; the
  outcome is ``pending`` until ``accepted`` (a new decision follows) or ``rejected``.
* ``statistic_values``: imported figures per round × unit × statistic (indicator) code.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.append_only import AppendOnly
from survey_app.models.base import Base, check_in, utcnow
from survey_app.models.units import Unit
from survey_app.models.users import User

CRITERION_CODE_LENGTH = 32
"""Longest scheme node code (``questionnaires.scheme.NodeCode``)."""


class SelfScore(Base):
    """A unit's own score on one criterion of a round."""

    __tablename__ = "self_scores"
    __table_args__ = (
        UniqueConstraint("round_id", "unit_id", "criterion"),
        CheckConstraint("self_score >= 0", name="self_score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    criterion: Mapped[str] = mapped_column(String(CRITERION_CODE_LENGTH))
    self_score: Mapped[float]
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    source_hash: Mapped[str | None] = mapped_column(String(64))

    unit: Mapped[Unit] = relationship()


class Verdict(StrEnum):
    """An appraisal decision accepts the self-score or changes it (as in ``analysis``)."""

    ACCEPT = "accept"
    CHANGE = "change"


class ReconsiderationOutcome(StrEnum):
    """Where a request for reconsideration stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ReconsiderationRequest(Base):
    """A unit's request that the council look again at one criterion."""

    __tablename__ = "reconsideration_requests"
    __table_args__ = (
        CheckConstraint(check_in("outcome", tuple(ReconsiderationOutcome)), name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    criterion: Mapped[str] = mapped_column(String(CRITERION_CODE_LENGTH))
    request_text: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16), default=ReconsiderationOutcome.PENDING)
    outcome_text: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requested_by])


class AppraisalDecision(AppendOnly, Base):
    """The council's decision on one self-score; never changed, superseded by a later one."""

    __tablename__ = "appraisal_decisions"
    __table_args__ = (
        CheckConstraint(check_in("verdict", tuple(Verdict)), name="verdict"),
        CheckConstraint(
            "(verdict = 'accept' AND new_score IS NULL) "
            "OR (verdict = 'change' AND new_score IS NOT NULL AND new_score >= 0)",
            name="new_score",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    criterion: Mapped[str] = mapped_column(String(CRITERION_CODE_LENGTH))
    verdict: Mapped[str] = mapped_column(String(8))
    old_score: Mapped[float]
    new_score: Mapped[float | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    reconsideration_id: Mapped[int | None] = mapped_column(
        ForeignKey("reconsideration_requests.id")
    )
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()
    decider: Mapped[User] = relationship()


class StatisticValue(Base):
    """An imported figure for one unit in one round."""

    __tablename__ = "statistic_values"
    __table_args__ = (UniqueConstraint("round_id", "unit_id", "statistic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    statistic: Mapped[str] = mapped_column(String(64))
    value: Mapped[float]
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    source_hash: Mapped[str | None] = mapped_column(String(64))

    unit: Mapped[Unit] = relationship()
