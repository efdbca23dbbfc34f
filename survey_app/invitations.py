"""Invitation codes: issuing them in batches (each code shown once, only its keyed hash
stored) and opening a typed or linked code into the questionnaire it belongs to.

A batch is the codes issued together for one unit and respondent group of a round
(``invitation_batches``); every code carries 130 bits from ``secrets`` (``survey_app.codes``).
The first time a code opens its questionnaire its ``opened`` flag is set (a flag, never a day)
for the "opened" counts; using it deletes its row in the transaction that stores the response
(``survey_app.submission``), so a used code is no longer known at all: typing it again is
refused as unknown or used. Nothing leads from a code to a response (ADR 0002).
The batches' life after issuing (revoke, expire, renew, replace a lost code) is in
``survey_app.staff.invitations_batches``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select, update

from survey_app import codes
from survey_app.audit import record_audit
from survey_app.models import (
    Access,
    Invitation,
    InvitationBatch,
    InvitationStatus,
    Round,
    RoundQuestionnaire,
    Unit,
    User,
    db,
)


class Refusal(StrEnum):
    """Why a typed code does not open a questionnaire."""

    UNKNOWN = "unknown"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"

    def message(self) -> str:
        """What to tell the person who typed the code."""
        messages: dict[Refusal, str] = {
            Refusal.UNKNOWN: gettext(
                "We do not recognise this code, or it has already been used to submit a "
                "questionnaire (each code can be used once). Check it against your invitation "
                "letter."
            ),
            Refusal.WITHDRAWN: gettext(
                "This code is no longer valid. Ask the survey team for a new one."
            ),
            Refusal.CLOSED: gettext("The survey for this code is not open."),
        }
        return messages[self]


class InvitationRefused(Exception):
    """Raised when a code cannot be used; ``refusal`` says why."""

    def __init__(self, refusal: Refusal) -> None:
        """Keep the reason."""
        super().__init__(refusal.value)
        self.refusal = refusal


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued, with what it opens: shown once, never stored."""

    code: str
    batch_id: int
    unit: Unit
    respondent_group: str


def code_hash(code: str) -> str:
    """The stored keyed hash of an invitation code."""
    return codes.code_hash(current_app.config["CODE_HMAC_KEY"], codes.CodePurpose.INVITATION, code)


def add_codes(batch: InvitationBatch, count: int) -> list[IssuedCode]:
    """Add ``count`` new codes to ``batch`` (not committed) and return them."""
    issued = []
    for _ in range(count):
        code = codes.generate(codes.INVITATION_CODE_LENGTH)
        db.session.add(
            Invitation(
                round_id=batch.round_id,
                unit_id=batch.unit_id,
                respondent_group=batch.respondent_group,
                code_hash=code_hash(code),
                status=InvitationStatus.ISSUED,
                batch_id=batch.id,
            )
        )
        issued.append(IssuedCode(code, batch.id, batch.unit, batch.respondent_group))
    return issued


def batch_state(batch: InvitationBatch) -> dict[str, object]:
    """A batch as the audit trail shows it (never a code)."""
    return {
        "unit": batch.unit.code,
        "respondent_group": batch.respondent_group,
        "label": batch.label,
        "size": batch.size,
        "revoked_at": batch.revoked_at,
    }


def issue_batch(
    round_: Round,
    unit: Unit,
    respondent_group: str,
    size: int,
    label: str,
    creator: User | None,
) -> list[IssuedCode]:
    """A new batch of ``size`` codes for ``unit`` and ``respondent_group``, audited (not
    committed); the codes are returned once and kept nowhere."""
    batch = InvitationBatch(
        round_id=round_.id,
        unit_id=unit.id,
        respondent_group=respondent_group,
        label=label,
        size=size,
        created_by=creator.id if creator is not None else None,
    )
    batch.unit = unit
    db.session.add(batch)
    db.session.flush()
    issued = add_codes(batch, size)
    record_audit("invitation_batch.issue", batch, after=batch_state(batch), actor=creator)
    return issued


def find_by_code(entered: str) -> Invitation | None:
    """The invitation a typed code belongs to, whatever its status."""
    if not codes.is_well_formed(entered, codes.INVITATION_CODE_LENGTH):
        return None
    return db.session.scalars(
        select(Invitation).where(Invitation.code_hash == code_hash(entered))
    ).first()


def _mark_opened(invitation: Invitation) -> None:
    """Flag a code as having opened its questionnaire (no day is kept)."""
    if invitation.opened:
        return
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.opened.is_(False))
        .values(opened=True)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def open_code(entered: str, today: date) -> tuple[Invitation, RoundQuestionnaire]:
    """The invitation a typed code opens and the questionnaire offered to it; the first
    opening sets its ``opened`` flag."""
    invitation = find_by_code(entered)
    if invitation is None:
        raise InvitationRefused(Refusal.UNKNOWN)
    if invitation.status != InvitationStatus.ISSUED:
        raise InvitationRefused(Refusal.WITHDRAWN)
    if not invitation.round.is_open(today):
        raise InvitationRefused(Refusal.CLOSED)
    offer = db.session.scalars(
        select(RoundQuestionnaire).where(
            RoundQuestionnaire.round_id == invitation.round_id,
            RoundQuestionnaire.respondent_group == invitation.respondent_group,
            RoundQuestionnaire.access == Access.INVITATION,
        )
    ).first()
    if offer is None:
        raise InvitationRefused(Refusal.CLOSED)
    _mark_opened(invitation)
    return invitation, offer
