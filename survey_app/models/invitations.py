"""Single-use invitation codes for officials, stored only as keyed hashes.

By design nothing here points at a response, and a used code leaves no trace (ADR 0002): its row
is deleted in the transaction that stores the response, so no date, order or hash of its use is
kept. A code's row holds only what staff need about the codes still out there: its status
(issued, revoked, expired) and whether it was ever ``opened`` (a flag, never a day).

Every code belongs to a batch (``invitation_batches``: round, unit, respondent group, label, who
and when, revoked when), whose ``size`` counts every code ever issued in it. The batch is the
only place counts survive use, by subtraction: used = size − the batch's rows still stored,
since a row is deleted by use and by nothing else. Using a code writes nothing to its batch, so
the batch row carries no trace of when or in which order its codes were used.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, check_in, utcnow
from survey_app.models.rounds import Round
from survey_app.models.units import Unit
from survey_app.models.users import User


class InvitationStatus(StrEnum):
    """The life of a code still stored: issued (usable), or revoked or expired by staff. A code
    used to answer has no status: its row is gone."""

    ISSUED = "issued"
    REVOKED = "revoked"
    EXPIRED = "expired"


class InvitationBatch(Base):
    """A set of codes issued together for one unit and respondent group of a round; ``size``
    counts every code issued in it (a replacement adds one), used or not."""

    __tablename__ = "invitation_batches"
    __table_args__ = (CheckConstraint("size > 0", name="size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    respondent_group: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(128))
    size: Mapped[int]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    round: Mapped[Round] = relationship()
    unit: Mapped[Unit] = relationship()
    creator: Mapped[User | None] = relationship()


class Invitation(Base):
    """One invitation: a round, a unit and a respondent group, reached by a secret code."""

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint(check_in("status", tuple(InvitationStatus)), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    respondent_group: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=InvitationStatus.ISSUED)
    batch_id: Mapped[int] = mapped_column(ForeignKey("invitation_batches.id"), index=True)
    opened: Mapped[bool] = mapped_column(default=False, server_default=false())

    round: Mapped[Round] = relationship()
    unit: Mapped[Unit] = relationship()
    invitation_batch: Mapped[InvitationBatch] = relationship()
