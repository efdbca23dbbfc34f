"""Turning a draft into a stored response: exactly once, and without a trace of who sent it.

One transaction (1) claims the invitation: locks its row while it is still ``issued``
(``SELECT … FOR UPDATE``, so concurrent submissions with one code queue behind each other),
unlinks every other draft opened with it and deletes the invitation row itself, checking that
exactly one row went; (2) inserts the response under the draft's one-time submission key
(unique); and (3) deletes the draft, the only row that joined the invitation to these answers.
A used code thus leaves no row, hash, day or order behind (ADR 0002).

A second request with the same key (double click, retry, back button, a concurrent thread)
finds the key taken and counts as success. A second draft opened with the same code (another
browser, the same letter) is left without its invitation, and a draft of an invitation-only
questionnaire without one is refused as "code used".

Quotas (``survey_app.monitoring.quotas``): a submission is never refused because its frame
cell is full or closed — an answer someone completed is always stored. In the same
transaction, :func:`~survey_app.monitoring.quotas.close_if_full` closes the cell when this
response brings it to its quota, so later respondents of that cell are turned away before the
form (``survey_app.routes.survey``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from flask import current_app
from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError

from questionnaires.loader import Questionnaire
from survey_app.drafts import LiveDraft, invitation_of
from survey_app.models import (
    Access,
    Draft,
    Invitation,
    InvitationStatus,
    Mode,
    Response,
    RoundQuestionnaire,
    Unit,
    db,
)
from survey_app.monitoring.quotas import close_if_full
from survey_app.paradata import Device, summary


class Outcome(StrEnum):
    """What became of a submission."""

    STORED = "stored"
    ALREADY_STORED = "already_stored"
    INVITATION_USED = "invitation_used"


@dataclass(frozen=True)
class Sampling:
    """The sampling fields stored with a response."""

    unit_id: int | None
    stratum: str | None
    cluster: str | None


def is_stored(submission_key: str) -> bool:
    """Whether a response with ``submission_key`` exists."""
    return bool(
        db.session.scalar(select(exists().where(Response.submission_key == submission_key)))
    )


def _scalar_answer(answers: dict[str, Any], code: str | None) -> str | None:
    """The answer to ``code`` as text, when the item is named and answered with one value."""
    if code is None or code not in answers or isinstance(answers[code], list):
        return None
    return str(answers[code])


def sampling_fields(
    questionnaire: Questionnaire,
    offer: RoundQuestionnaire,
    invitation: Invitation | None,
    answers: dict[str, Any],
) -> Sampling:
    """Unit, stratum and cluster: from the invitation or the offer's unit, else from the
    answers the questionnaire's ``sampling`` block names; the stratum defaults to the unit."""
    unit = invitation.unit if invitation is not None else offer.unit
    return sampling_of(questionnaire, unit, answers)


def sampling_of(
    questionnaire: Questionnaire, known_unit: Unit | None, answers: dict[str, Any]
) -> Sampling:
    """Unit, stratum and cluster of a response whose unit is ``known_unit`` when it is known,
    else the unit the answers name; the stratum defaults to the unit."""
    rules = questionnaire.definition.sampling
    unit = known_unit
    if unit is None:
        unit_code = _scalar_answer(answers, rules.unit)
        if unit_code is not None:
            unit = db.session.scalars(select(Unit).where(Unit.code == unit_code)).first()
            if unit is None:
                current_app.logger.warning(
                    "questionnaire %s: answer %r to sampling unit item %r is no unit code",
                    questionnaire.definition.id,
                    unit_code,
                    rules.unit,
                )
    stratum = _scalar_answer(answers, rules.stratum)
    if stratum is None and unit is not None:
        stratum = unit.code
    return Sampling(
        unit_id=unit.id if unit is not None else None,
        stratum=stratum,
        cluster=_scalar_answer(answers, rules.cluster),
    )


def _claim_invitation(invitation_id: int) -> bool:
    """Delete a still-issued invitation, unlinking the drafts opened with it (not committed);
    whether this transaction is the one that used it."""
    locked = db.session.scalars(
        select(Invitation.id)
        .where(Invitation.id == invitation_id, Invitation.status == InvitationStatus.ISSUED)
        .with_for_update()
    ).first()
    if locked is None:
        return False
    db.session.execute(
        update(Draft)
        .where(Draft.invitation_id == invitation_id)
        .values(invitation_id=None)
        .execution_options(synchronize_session=False)
    )
    claimed = db.session.execute(
        delete(Invitation)
        .where(Invitation.id == invitation_id, Invitation.status == InvitationStatus.ISSUED)
        .execution_options(synchronize_session=False)
    )
    return getattr(claimed, "rowcount", 0) == 1


def submit(draft: LiveDraft, questionnaire: Questionnaire, device: Device, today: date) -> Outcome:
    """Store the draft's answers as a response once, in one transaction with the invitation's
    and the draft's deletion."""
    key = draft.submission_key
    offer = db.session.get_one(RoundQuestionnaire, draft.offer_id)
    invitation = invitation_of(draft)
    if offer.access == Access.INVITATION and invitation is None:
        return Outcome.ALREADY_STORED if is_stored(key) else Outcome.INVITATION_USED
    answers = dict(questionnaire.prune_hidden(draft.answers))
    sampling = sampling_fields(questionnaire, offer, invitation, answers)
    version = offer.questionnaire_version
    response = Response(
        round_id=offer.round_id,
        unit_id=sampling.unit_id,
        respondent_group=offer.respondent_group,
        questionnaire_id=version.questionnaire_id,
        questionnaire_version=version.version,
        questionnaire_hash=version.content_hash,
        mode=Mode.WEB,
        answers=answers,
        paradata=summary(draft.page_seconds, device),
        stratum=sampling.stratum,
        cluster=sampling.cluster,
        submitted_on=today,
        submission_key=key,
    )
    try:
        if invitation is not None and not _claim_invitation(invitation.id):
            db.session.rollback()
            return Outcome.ALREADY_STORED if is_stored(key) else Outcome.INVITATION_USED
        db.session.add(response)
        close_if_full(response)
        db.session.execute(delete(Draft).where(Draft.id == draft.id))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if is_stored(key):
            return Outcome.ALREADY_STORED
        raise
    return Outcome.STORED


def discard(draft: LiveDraft) -> None:
    """Delete a draft that can no longer be submitted (its code was used by another)."""
    db.session.execute(delete(Draft).where(Draft.id == draft.id))
    db.session.commit()
