"""Keying paper questionnaires: single entry, or double entry compared item by item, and the
accepted form stored as a response of mode ``paper`` with its serial and no staff identity.

A form serial is unique in its round. With single entry, the keyed form is stored at once (its
one entry marked accepted). With double entry (the round's ``paper_double_entry``), the first
keying of a serial waits; a second keying by someone else is compared with it, unit and every
answer: when they agree the form is stored, otherwise both entries are marked ``mismatch`` and
the differences are listed until a third person, who keyed neither, chooses the right value of
each from the paper. A keying of a serial already keyed twice, or stored, is refused with a
message naming the serial. Who keyed a form lives only in ``paper_entries`` and the audit
trail; the response carries the answers, the unit, the sampling fields and the day.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from flask_babel import gettext
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from questionnaires.loader import Questionnaire
from survey_app.audit import record_audit
from survey_app.catalogue import questionnaire_of
from survey_app.models import (
    Mode,
    PaperEntry,
    PaperEntryStatus,
    Response,
    Round,
    RoundQuestionnaire,
    Unit,
    User,
    db,
)
from survey_app.monitoring.quotas import close_if_full
from survey_app.submission import sampling_of

UNIT_KEY = "unit"
"""The name of the unit among the compared fields of two entries (no item code is a bare
``unit``: item codes the sampling block names are answers like any other)."""


class PaperRefused(ValueError):
    """A keying or resolution that cannot be stored; the message names the serial and says
    what to do."""


class Outcome(StrEnum):
    """What became of a keyed form."""

    STORED = "stored"
    FIRST_ENTRY = "first_entry"
    AGREED = "agreed"
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class KeyedForm:
    """One keying of a paper form, checked against the questionnaire."""

    offer: RoundQuestionnaire
    questionnaire: Questionnaire
    serial: str
    unit: Unit | None
    answers: dict[str, Any]


@dataclass(frozen=True)
class Difference:
    """A field the two entries of a form disagree on: an item code or :data:`UNIT_KEY`."""

    key: str
    first: Any
    second: Any


def _entries(round_id: int, serial: str) -> list[PaperEntry]:
    """The entries of a serial in a round, first entry first."""
    return list(
        db.session.scalars(
            select(PaperEntry)
            .where(PaperEntry.round_id == round_id, PaperEntry.form_serial == serial)
            .order_by(PaperEntry.entry_number)
        )
    )


def serial_stored(round_id: int, serial: str) -> bool:
    """Whether a response of the round carries ``serial``."""
    return bool(
        db.session.scalar(
            select(exists().where(Response.round_id == round_id, Response.form_serial == serial))
        )
    )


def differences(first: PaperEntry, second: PaperEntry) -> list[Difference]:
    """Where two entries differ: the unit, then each answer in the questionnaire's order."""
    found = []
    if first.unit_id != second.unit_id:
        found.append(Difference(UNIT_KEY, first.unit_id, second.unit_id))
    codes = list(first.answers) + [code for code in second.answers if code not in first.answers]
    order = {code: index for index, code in enumerate(_item_order(first))}
    for code in sorted(codes, key=lambda code: order.get(code, len(order))):
        if first.answers.get(code) != second.answers.get(code):
            found.append(Difference(code, first.answers.get(code), second.answers.get(code)))
    return found


def _item_order(entry: PaperEntry) -> list[str]:
    """The item codes of an entry's questionnaire, in form order."""
    return answers_order(questionnaire_of(entry.questionnaire_version))


def answers_order(questionnaire: Questionnaire) -> list[str]:
    """The item codes of ``questionnaire``, in form order."""
    return [item.code for item in questionnaire.items]


def _entry_state(entry: PaperEntry) -> dict[str, Any]:
    """An entry as the audit trail shows it (never its answers)."""
    return {
        "form_serial": entry.form_serial,
        "entry_number": entry.entry_number,
        "questionnaire_version": entry.questionnaire_version_id,
        "status": entry.status,
    }


def _store_response(
    offer: RoundQuestionnaire,
    questionnaire: Questionnaire,
    serial: str,
    unit: Unit | None,
    answers: dict[str, Any],
    today: date,
) -> None:
    """Add the accepted form as a response of mode ``paper`` (no staff identity); its frame
    cell closes if the form fills the cell's quota, as for a web answer."""
    sampling = sampling_of(questionnaire, unit or offer.unit, answers)
    version = offer.questionnaire_version
    response = Response(
        round_id=offer.round_id,
        unit_id=sampling.unit_id,
        respondent_group=offer.respondent_group,
        questionnaire_id=version.questionnaire_id,
        questionnaire_version=version.version,
        questionnaire_hash=version.content_hash,
        mode=Mode.PAPER,
        answers=answers,
        paradata={},
        stratum=sampling.stratum,
        cluster=sampling.cluster,
        submitted_on=today,
        submission_key=secrets.token_hex(16),
        form_serial=serial,
    )
    db.session.add(response)
    close_if_full(response)


def _accept(
    entries: list[PaperEntry],
    offer: RoundQuestionnaire,
    questionnaire: Questionnaire,
    answers: dict[str, Any],
    unit: Unit | None,
    how: str,
    today: date,
) -> None:
    """Store the form and mark its entries accepted, audited (not committed)."""
    serial = entries[0].form_serial
    _store_response(offer, questionnaire, serial, unit, answers, today)
    for entry in entries:
        entry.status = PaperEntryStatus.ACCEPTED
    record_audit(
        "paper_entry.accept",
        entries[-1],
        after=_entry_state(entries[-1]),
        details={"how": how, "entries": [entry.id for entry in entries]},
    )


def _refuse_serial(round_: Round, keyed: KeyedForm, keyer: User) -> list[PaperEntry]:
    """The serial's earlier entries, if this keying may join them; :class:`PaperRefused`
    naming the serial otherwise."""
    serial = keyed.serial
    if serial_stored(round_.id, serial):
        raise PaperRefused(
            gettext(
                "Form %(serial)s has already been keyed and stored in this round. Check the "
                "serial number on the paper: two forms cannot share one.",
                serial=serial,
            )
        )
    earlier = _entries(round_.id, serial)
    if not earlier:
        return earlier
    if len(earlier) >= 2 or earlier[0].status != PaperEntryStatus.KEYED:
        raise PaperRefused(
            gettext(
                "Form %(serial)s has already been keyed twice; its entries wait for a third "
                "person to resolve their differences.",
                serial=serial,
            )
        )
    first = earlier[0]
    if first.questionnaire_version_id != keyed.offer.questionnaire_version_id:
        raise PaperRefused(
            gettext(
                "Form %(serial)s was first keyed as another questionnaire. Check the serial "
                "number, or key the form with the questionnaire it was first keyed as.",
                serial=serial,
            )
        )
    if first.keyed_by == keyer.id:
        raise PaperRefused(
            gettext(
                "You keyed the first entry of form %(serial)s: the second entry must be keyed "
                "by someone else.",
                serial=serial,
            )
        )
    return earlier


def key_form(round_: Round, keyed: KeyedForm, keyer: User, today: date) -> Outcome:
    """Store one keying of a paper form and what follows from it (audited, committed);
    :class:`PaperRefused` when the serial cannot take it."""
    earlier = _refuse_serial(round_, keyed, keyer)
    double = round_.paper_double_entry or bool(earlier)
    entry = PaperEntry(
        round_id=round_.id,
        questionnaire_version_id=keyed.offer.questionnaire_version_id,
        unit_id=keyed.unit.id if keyed.unit is not None else None,
        form_serial=keyed.serial,
        entry_number=len(earlier) + 1,
        keyed_by=keyer.id,
        answers=keyed.answers,
        keyed_on=today,
        status=PaperEntryStatus.KEYED,
    )
    db.session.add(entry)
    db.session.flush()
    record_audit("paper_entry.key", entry, after=_entry_state(entry))
    if not double:
        outcome = Outcome.STORED
        _accept(
            [entry], keyed.offer, keyed.questionnaire, keyed.answers, keyed.unit, "single", today
        )
    elif not earlier:
        outcome = Outcome.FIRST_ENTRY
    else:
        outcome = _compare(earlier[0], entry, keyed, today)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise PaperRefused(
            gettext(
                "Form %(serial)s was keyed by someone else at the same moment. Reload the "
                "paper forms page to see where it stands.",
                serial=keyed.serial,
            )
        ) from error
    return outcome


def _compare(first: PaperEntry, second: PaperEntry, keyed: KeyedForm, today: date) -> Outcome:
    """Accept a form whose two entries agree; mark a disagreement (not committed)."""
    found = differences(first, second)
    if not found:
        _accept(
            [first, second],
            keyed.offer,
            keyed.questionnaire,
            keyed.answers,
            keyed.unit,
            "agreed",
            today,
        )
        return Outcome.AGREED
    for entry in (first, second):
        entry.status = PaperEntryStatus.MISMATCH
    record_audit(
        "paper_entry.mismatch",
        second,
        after=_entry_state(second),
        details={"items": [difference.key for difference in found]},
    )
    return Outcome.MISMATCH


@dataclass(frozen=True)
class Mismatch:
    """The two disagreeing entries of a form and their differences."""

    first: PaperEntry
    second: PaperEntry
    differences: list[Difference]


def mismatch_of(round_id: int, serial: str) -> Mismatch | None:
    """The unresolved mismatch of ``serial``, if there is one."""
    entries = [
        entry for entry in _entries(round_id, serial) if entry.status == PaperEntryStatus.MISMATCH
    ]
    if len(entries) != 2:
        return None
    return Mismatch(entries[0], entries[1], differences(entries[0], entries[1]))


def resolve(
    mismatch: Mismatch,
    offer: RoundQuestionnaire,
    questionnaire: Questionnaire,
    chosen: dict[str, int],
    resolver: User,
    today: date,
) -> None:
    """Store the form with, for each difference, the value of the entry ``chosen`` (1 or 2),
    audited and committed; :class:`PaperRefused` if the resolver keyed an entry, a choice is
    missing, or the chosen values together break the questionnaire's rules."""
    first, second = mismatch.first, mismatch.second
    serial = first.form_serial
    if resolver.id in (first.keyed_by, second.keyed_by):
        raise PaperRefused(
            gettext(
                "You keyed one of the entries of form %(serial)s: a third person must resolve "
                "the differences.",
                serial=serial,
            )
        )
    if set(chosen) != {difference.key for difference in mismatch.differences}:
        raise PaperRefused(
            gettext("Choose the right value of every difference of form %(serial)s.", serial=serial)
        )
    answers = dict(first.answers)
    unit_id = first.unit_id
    for difference in mismatch.differences:
        if chosen[difference.key] != 2:
            continue
        if difference.key == UNIT_KEY:
            unit_id = second.unit_id
        elif difference.second is None:
            answers.pop(difference.key, None)
        else:
            answers[difference.key] = difference.second
    kept = questionnaire.prune_hidden(answers)
    answers = {item.code: kept[item.code] for item in questionnaire.items if item.code in kept}
    problems = questionnaire.answer_problems(answers)
    if problems:
        raise PaperRefused(
            gettext(
                "The values chosen for form %(serial)s do not make a valid questionnaire "
                "together (%(items)s): check the paper again and choose values that fit.",
                serial=serial,
                items=", ".join(code for code in answers_order(questionnaire) if code in problems),
            )
        )
    unit = db.session.get(Unit, unit_id) if unit_id is not None else None
    _accept([first, second], offer, questionnaire, answers, unit, "resolved", today)
    record_audit(
        "paper_entry.resolve",
        first,
        after=_entry_state(first),
        details={"form_serial": serial, "chosen": chosen},
    )
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise PaperRefused(
            gettext("Form %(serial)s was stored by someone else at the same moment.", serial=serial)
        ) from error


@dataclass(frozen=True)
class PaperSummary:
    """Where a round's paper forms stand."""

    stored: int
    waiting: list[PaperEntry]
    mismatches: list[str]


def paper_summary(round_id: int) -> PaperSummary:
    """The round's stored paper forms, the entries waiting for their second keying and the
    serials waiting for a resolution."""
    stored = db.session.scalar(
        select(func.count())
        .select_from(Response)
        .where(Response.round_id == round_id, Response.mode == Mode.PAPER)
    )
    waiting = db.session.scalars(
        select(PaperEntry)
        .options(joinedload(PaperEntry.keyer), joinedload(PaperEntry.unit))
        .where(PaperEntry.round_id == round_id, PaperEntry.status == PaperEntryStatus.KEYED)
        .order_by(PaperEntry.form_serial)
    ).all()
    mismatches = db.session.scalars(
        select(PaperEntry.form_serial)
        .where(
            PaperEntry.round_id == round_id,
            PaperEntry.status == PaperEntryStatus.MISMATCH,
            PaperEntry.entry_number == 1,
        )
        .order_by(PaperEntry.form_serial)
    ).all()
    return PaperSummary(int(stored or 0), list(waiting), list(mismatches))
