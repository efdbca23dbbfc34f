"""The life of invitation batches after issuing: counts, revoke, expire, renew, and replacing a
lost code; and the rule that closing a round expires its unused codes.

Counts per batch come from its ``size`` and its codes still stored (a used code's row is deleted
with its use, ADR 0002): issued (``size``), used (``size`` − codes stored), opened (entered at
least once: the stored codes flagged ``opened`` plus every used one), expired, revoked, and the
unused rest. A
replacement for a lost code is issued in the lost code's batch, whose ``size`` grows by one; the
lost code itself is revoked when it is known (the respondent still has the paper and reads it
out). Staff never see codes, so without the paper the lost code cannot be singled out: it then
stays valid, and only revoking the whole batch withdraws it.

Closing a round (status ``closed``) expires every unused code of the round in the same
transaction, through a ``before_flush`` hook, whoever closes it. Reopening leaves them expired:
staff renew a batch's expired codes once the round is open again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext
from sqlalchemy import case, event, func, inspect, select, update
from sqlalchemy.orm import Session, joinedload

from survey_app.audit import record_audit
from survey_app.invitations import IssuedCode, add_codes, batch_state, find_by_code
from survey_app.models import (
    Invitation,
    InvitationBatch,
    InvitationStatus,
    Round,
    RoundStatus,
    Unit,
    db,
)
from survey_app.models.base import utcnow


class BatchActionRefused(ValueError):
    """A batch action that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BatchCounts:
    """How the codes of a batch stand."""

    issued: int = 0
    opened: int = 0
    used: int = 0
    expired: int = 0
    revoked: int = 0
    opened_unused: int = 0

    @property
    def unused(self) -> int:
        """Codes that may still be used."""
        return self.issued - self.used - self.expired - self.revoked

    @property
    def unopened(self) -> int:
        """Unused codes never entered."""
        return self.unused - self.opened_unused

    def as_dict(self) -> dict[str, int]:
        """The counts for the audit trail."""
        return {
            "issued": self.issued,
            "opened": self.opened,
            "used": self.used,
            "expired": self.expired,
            "revoked": self.revoked,
        }


@dataclass(frozen=True)
class BatchRow:
    """A batch with its counts, as the invitations page lists it."""

    batch: InvitationBatch
    counts: BatchCounts


def _is(status: InvitationStatus) -> Any:
    """1 for a code with ``status``, else 0 (to sum)."""
    return case((Invitation.status == status, 1), else_=0)


def _stored_counts() -> Any:
    """Per batch, the count columns over the codes still stored (unused ones)."""
    return (
        select(
            Invitation.batch_id.label("batch_id"),
            func.count(Invitation.id).label("stored"),
            func.sum(case((Invitation.opened.is_(True), 1), else_=0)).label("opened_stored"),
            func.sum(_is(InvitationStatus.EXPIRED)).label("expired"),
            func.sum(_is(InvitationStatus.REVOKED)).label("revoked"),
            func.sum(
                case(
                    (
                        (Invitation.status == InvitationStatus.ISSUED)
                        & Invitation.opened.is_(True),
                        1,
                    ),
                    else_=0,
                )
            ).label("opened_unused"),
        )
        .group_by(Invitation.batch_id)
        .subquery()
    )


def _counts(size: int, row: Any) -> BatchCounts:
    """A batch's counts from its size and the aggregates of its stored codes (``row`` may be
    ``None``: every code used). A used code's row is gone, so used = size − stored, and every
    used code was opened."""
    stored = int(getattr(row, "stored", 0) or 0)
    used = size - stored
    return BatchCounts(
        issued=size,
        opened=int(getattr(row, "opened_stored", 0) or 0) + used,
        used=used,
        expired=int(getattr(row, "expired", 0) or 0),
        revoked=int(getattr(row, "revoked", 0) or 0),
        opened_unused=int(getattr(row, "opened_unused", 0) or 0),
    )


def _batches_with_counts(*conditions: Any) -> list[tuple[InvitationBatch, BatchCounts]]:
    """The batches meeting ``conditions`` with their counts, by unit, group and id."""
    stored = _stored_counts()
    rows = db.session.execute(
        select(InvitationBatch, stored)
        .options(joinedload(InvitationBatch.unit), joinedload(InvitationBatch.creator))
        .join(Unit, Unit.id == InvitationBatch.unit_id)
        .outerjoin(stored, stored.c.batch_id == InvitationBatch.id)
        .where(*conditions)
        .order_by(Unit.code, InvitationBatch.respondent_group, InvitationBatch.id)
    ).all()
    return [(row[0], _counts(row[0].size, row)) for row in rows]


def batch_counts(batch_id: int) -> BatchCounts:
    """The counts of one batch."""
    found = _batches_with_counts(InvitationBatch.id == batch_id)
    return found[0][1] if found else BatchCounts()


def round_batches(round_id: int) -> list[BatchRow]:
    """The round's batches with their counts, by unit, group and date."""
    return [
        BatchRow(batch, counts)
        for batch, counts in _batches_with_counts(InvitationBatch.round_id == round_id)
    ]


def round_counts(round_id: int) -> BatchCounts:
    """The counts of every code of the round."""
    return total(round_batches(round_id))


def total(rows: list[BatchRow]) -> BatchCounts:
    """The sum of the rows' counts."""
    return BatchCounts(
        **{
            name: sum(getattr(row.counts, name) for row in rows)
            for name in ("issued", "opened", "used", "expired", "revoked", "opened_unused")
        }
    )


def _set_status(batch: InvitationBatch, sources: tuple[InvitationStatus, ...], target: str) -> int:
    """Move the batch's codes in ``sources`` to ``target``; how many moved."""
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.batch_id == batch.id, Invitation.status.in_(sources))
        .values(status=target)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _refuse_if_revoked(batch: InvitationBatch) -> None:
    """Refuse any change to a revoked batch."""
    if batch.revoked_at is not None:
        raise BatchActionRefused(gettext("This batch has been revoked; nothing can change in it."))


def revoke_batch(batch: InvitationBatch) -> int:
    """Withdraw every code of the batch not yet used (audited, not committed); how many."""
    _refuse_if_revoked(batch)
    before = batch_counts(batch.id).as_dict()
    batch.revoked_at = utcnow()
    moved = _set_status(
        batch, (InvitationStatus.ISSUED, InvitationStatus.EXPIRED), InvitationStatus.REVOKED
    )
    db.session.flush()
    record_audit(
        "invitation_batch.revoke",
        batch,
        before=before,
        after=batch_counts(batch.id).as_dict(),
        details={"revoked_at": batch.revoked_at},
    )
    return moved


def expire_batch(batch: InvitationBatch) -> int:
    """End the batch's unused codes without withdrawing them (audited, not committed)."""
    _refuse_if_revoked(batch)
    before = batch_counts(batch.id).as_dict()
    moved = _set_status(batch, (InvitationStatus.ISSUED,), InvitationStatus.EXPIRED)
    if moved == 0:
        raise BatchActionRefused(gettext("This batch has no unused code to expire."))
    record_audit(
        "invitation_batch.expire", batch, before=before, after=batch_counts(batch.id).as_dict()
    )
    return moved


def _refuse_if_closed(round_: Round, today: date) -> None:
    """Refuse to hand out or revive codes for a round that takes no answers now or later."""
    if round_.status == RoundStatus.CLOSED or (
        round_.closes_on is not None and round_.closes_on < today
    ):
        raise BatchActionRefused(
            gettext(
                "The round is closed (or past its closing date): codes could not be used. "
                "Reopen the round or move its closing date first."
            )
        )


def renew_batch(batch: InvitationBatch, today: date) -> int:
    """Make the batch's expired codes valid again (audited, not committed); how many."""
    _refuse_if_revoked(batch)
    _refuse_if_closed(batch.round, today)
    before = batch_counts(batch.id).as_dict()
    moved = _set_status(batch, (InvitationStatus.EXPIRED,), InvitationStatus.ISSUED)
    if moved == 0:
        raise BatchActionRefused(gettext("This batch has no expired code to renew."))
    record_audit(
        "invitation_batch.renew", batch, before=before, after=batch_counts(batch.id).as_dict()
    )
    return moved


def _add_replacement(batch: InvitationBatch, today: date) -> list[IssuedCode]:
    """One more code in ``batch``, its size grown by one (not committed)."""
    _refuse_if_revoked(batch)
    _refuse_if_closed(batch.round, today)
    batch.size += 1
    db.session.flush()
    return add_codes(batch, 1)


def replace_lost_code(batch: InvitationBatch, today: date) -> list[IssuedCode]:
    """A replacement for a code lost with its paper (the lost code cannot be singled out and
    stays valid), audited, not committed."""
    before = batch_state(batch)
    issued = _add_replacement(batch, today)
    record_audit(
        "invitation_batch.replace",
        batch,
        before=before,
        after=batch_state(batch),
        details={"found_by": "batch"},
    )
    return issued


def replace_known_code(round_: Round, entered: str, today: date) -> list[IssuedCode]:
    """Revoke the code read out from a damaged or doubtful paper and issue its replacement in
    the same batch, audited, not committed."""
    invitation = find_by_code(entered)
    if invitation is None or invitation.round_id != round_.id:
        raise BatchActionRefused(
            gettext(
                "No unused code of this round matches: check the code against the paper. A "
                "code already used to answer is no longer stored."
            )
        )
    if invitation.status == InvitationStatus.REVOKED:
        raise BatchActionRefused(gettext("This code has already been revoked."))
    batch = invitation.invitation_batch
    _refuse_if_revoked(batch)
    _refuse_if_closed(round_, today)
    before = batch_state(batch)
    invitation.status = InvitationStatus.REVOKED
    issued = _add_replacement(batch, today)
    record_audit(
        "invitation_batch.replace",
        batch,
        before=before,
        after=batch_state(batch),
        details={"found_by": "code", "revoked_invitation": invitation.id},
    )
    return issued


def _closed_in(round_: Round) -> bool:
    """Whether this flush closes ``round_``."""
    history = inspect(round_).attrs.status.history
    return RoundStatus.CLOSED in history.added and bool(history.deleted)


@event.listens_for(db.session, "before_flush")
def expire_codes_of_closed_rounds(session: Session, _context: Any, _instances: Any) -> None:
    """When a round closes, expire its unused codes in the same transaction (audited)."""
    for round_ in [obj for obj in session.dirty if isinstance(obj, Round)]:
        if not _closed_in(round_):
            continue
        result = session.execute(
            update(Invitation)
            .where(Invitation.round_id == round_.id, Invitation.status == InvitationStatus.ISSUED)
            .values(status=InvitationStatus.EXPIRED)
            .execution_options(synchronize_session=False)
        )
        expired = int(getattr(result, "rowcount", 0) or 0)
        if expired:
            record_audit(
                "invitations.expire",
                round_,
                details={"reason": "round closed", "codes": expired},
            )
