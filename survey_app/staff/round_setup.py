"""Setting up a survey round and moving it through its life: draft → open ⇄ closed.

A round's set-up is its code and year, its titles, its dates, the index scheme edition it is
scored with (one of the bundled schemes; its version and content hash are kept so a later change
of the file shows), the units it evaluates, and for each respondent group the questionnaire it
answers and how (public link or invitation code). Code, year, scheme, units and questionnaires
are fixed once the round has opened; titles, dates and the paper double-entry switch may change
at any time.

Checks (each a :class:`RoundSetupError` naming the field): the code is free and well formed,
the closing date is not before the opening date, the scheme's years include the round's year,
and every unit is of the kind the scheme scores. A round opens (or reopens) only with at least
one questionnaire and a closing date that has not passed. Every change is audited with the
round's state before and after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from questionnaires.loader import Questionnaire, bundled_questionnaires
from questionnaires.scheme import Scheme, bundled_schemes
from survey_app.audit import record_audit
from survey_app.catalogue import store_version
from survey_app.models import Access, Round, RoundQuestionnaire, RoundStatus, Unit, db

ROUND_CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
"""A round code, as it appears in survey addresses (``/r/<code>/…``)."""


class RoundSetupError(ValueError):
    """A set-up that cannot be stored: ``problems`` pairs each form field with a message."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        """Keep the problems."""
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


class RoundStatusError(ValueError):
    """A status change the round cannot make now; the message says why."""


@dataclass(frozen=True)
class Offer:
    """The questionnaire a respondent group answers in a round, and how it is reached."""

    questionnaire_id: str
    access: Access


@dataclass
class RoundSettings:
    """Everything a round's set-up form gives."""

    code: str
    year: int
    title_vi: str
    title_en: str
    opens_on: date | None = None
    closes_on: date | None = None
    scheme_id: str | None = None
    paper_double_entry: bool = False
    unit_ids: list[int] = field(default_factory=list)
    offers: dict[str, Offer] = field(default_factory=dict)


def questionnaires_by_group() -> dict[str, list[Questionnaire]]:
    """The bundled questionnaires, by the respondent group that answers them."""
    groups: dict[str, list[Questionnaire]] = {}
    for questionnaire in bundled_questionnaires().values():
        groups.setdefault(questionnaire.respondent_group, []).append(questionnaire)
    return dict(sorted(groups.items()))


def round_state(round_: Round) -> dict[str, Any]:
    """The round's set-up as the audit shows it."""
    offers = db.session.scalars(
        select(RoundQuestionnaire).where(RoundQuestionnaire.round_id == round_.id)
    )
    return {
        "code": round_.code,
        "year": round_.year,
        "title_vi": round_.title_vi,
        "title_en": round_.title_en,
        "opens_on": round_.opens_on,
        "closes_on": round_.closes_on,
        "status": round_.status,
        "scheme": round_.scheme_id,
        "scheme_version": round_.scheme_version,
        "paper_double_entry": round_.paper_double_entry,
        "units": [unit.code for unit in round_.units],
        "questionnaires": {
            offer.respondent_group: {
                "questionnaire": offer.questionnaire_version.questionnaire_id,
                "version": offer.questionnaire_version.version,
                "access": offer.access,
            }
            for offer in offers
        },
    }


def _check(settings: RoundSettings, round_: Round | None) -> tuple[Scheme | None, list[Unit]]:
    """The chosen scheme and units, after checking the settings against each other."""
    problems: list[tuple[str, str]] = []
    code_taken = db.session.scalars(
        select(Round.id).where(
            Round.code == settings.code, Round.id != (round_.id if round_ else -1)
        )
    ).first()
    if not ROUND_CODE_PATTERN.fullmatch(settings.code):
        problems.append(
            (
                "code",
                gettext(
                    "A round code has 2 to 64 characters: lower-case letters, digits, hyphens "
                    "or underscores."
                ),
            )
        )
    elif code_taken is not None:
        problems.append(
            ("code", gettext("Another round has the code %(code)s.", code=settings.code))
        )
    if settings.opens_on and settings.closes_on and settings.closes_on < settings.opens_on:
        problems.append(("closes_on", gettext("The closing date is before the opening date.")))
    scheme = bundled_schemes().get(settings.scheme_id) if settings.scheme_id else None
    if settings.scheme_id and scheme is None:
        problems.append(("scheme_id", gettext("Choose one of the listed schemes.")))
    if scheme is not None and not scheme.definition.edition.years.contains(settings.year):
        problems.append(
            (
                "scheme_id",
                gettext(
                    "The scheme %(scheme)s does not apply to %(year)d.",
                    scheme=scheme.id,
                    year=settings.year,
                ),
            )
        )
    units = list(db.session.scalars(select(Unit).where(Unit.id.in_(settings.unit_ids))))
    if len(units) != len(set(settings.unit_ids)):
        problems.append(("units", gettext("Choose units from the list.")))
    if scheme is not None:
        level = scheme.definition.edition.level.value
        wrong = [unit.code for unit in units if unit.kind != level]
        if wrong:
            problems.append(
                (
                    "units",
                    gettext(
                        "The scheme %(scheme)s scores units of kind %(kind)s, not %(units)s.",
                        scheme=scheme.id,
                        kind=level,
                        units=", ".join(sorted(wrong)),
                    ),
                )
            )
    groups = questionnaires_by_group()
    for group, offer in settings.offers.items():
        if offer.questionnaire_id not in {q.id for q in groups.get(group, [])}:
            problems.append((f"offer_{group}", gettext("Choose one of the listed questionnaires.")))
    if problems:
        raise RoundSetupError(problems)
    return scheme, units


def _apply_structure(
    round_: Round, settings: RoundSettings, scheme: Scheme | None, units: list[Unit]
) -> None:
    """Set the parts fixed at opening: code, year, scheme, units, questionnaires."""
    round_.code = settings.code
    round_.year = settings.year
    round_.scheme_id = scheme.id if scheme is not None else None
    round_.scheme_version = scheme.version if scheme is not None else None
    round_.scheme_hash = scheme.content_hash if scheme is not None else None
    round_.units = sorted(units, key=lambda unit: unit.code)
    existing = {
        offer.respondent_group: offer
        for offer in db.session.scalars(
            select(RoundQuestionnaire).where(RoundQuestionnaire.round_id == round_.id)
        )
    }
    bundled = bundled_questionnaires()
    for group, offer in existing.items():
        wanted = settings.offers.get(group)
        if (
            wanted is None
            or offer.questionnaire_version.content_hash
            != bundled[wanted.questionnaire_id].content_hash
        ):
            db.session.delete(offer)
    db.session.flush()
    for group, wanted in settings.offers.items():
        current = existing.get(group)
        version, _added = store_version(bundled[wanted.questionnaire_id])
        if current is not None and current.questionnaire_version_id == version.id:
            current.access = wanted.access
            continue
        db.session.add(
            RoundQuestionnaire(
                round_id=round_.id,
                questionnaire_version_id=version.id,
                respondent_group=group,
                access=wanted.access,
            )
        )


def _apply_details(round_: Round, settings: RoundSettings) -> None:
    """Set the parts that may change at any time: titles, dates, double entry."""
    round_.title_vi = settings.title_vi.strip()
    round_.title_en = settings.title_en.strip()
    round_.opens_on = settings.opens_on
    round_.closes_on = settings.closes_on
    round_.paper_double_entry = settings.paper_double_entry


def create_round(settings: RoundSettings) -> Round:
    """A new round in preparation (not committed)."""
    scheme, units = _check(settings, None)
    round_ = Round(code=settings.code, year=settings.year, status=RoundStatus.DRAFT)
    _apply_details(round_, settings)
    db.session.add(round_)
    db.session.flush()
    _apply_structure(round_, settings, scheme, units)
    db.session.flush()
    record_audit("round.create", round_, after=round_state(round_))
    return round_


def is_structure_locked(round_: Round) -> bool:
    """Whether code, year, scheme, units and questionnaires can no longer change."""
    return round_.status != RoundStatus.DRAFT


def update_round(round_: Round, settings: RoundSettings) -> None:
    """Change a round's set-up (only its details once it has opened; not committed)."""
    before = round_state(round_)
    if is_structure_locked(round_):
        _apply_details(round_, settings)
    else:
        scheme, units = _check(settings, round_)
        _apply_details(round_, settings)
        _apply_structure(round_, settings, scheme, units)
    db.session.flush()
    db.session.expire(round_, ["units"])
    after = round_state(round_)
    if after != before:
        record_audit("round.update", round_, before=before, after=after)


TRANSITIONS: dict[str, tuple[RoundStatus, RoundStatus]] = {
    "open": (RoundStatus.DRAFT, RoundStatus.OPEN),
    "close": (RoundStatus.OPEN, RoundStatus.CLOSED),
    "reopen": (RoundStatus.CLOSED, RoundStatus.OPEN),
}
"""Each status action: the status it starts from and the one it leads to."""


def change_status(round_: Round, action: str, today: date) -> None:
    """Open, close or reopen ``round_`` (not committed); :class:`RoundStatusError` if it
    cannot."""
    if action not in TRANSITIONS:
        raise RoundStatusError(gettext("Unknown action."))
    source, target = TRANSITIONS[action]
    if round_.status != source:
        raise RoundStatusError(gettext("The round is not in the right state for this."))
    if target == RoundStatus.OPEN:
        has_offer = db.session.scalars(
            select(RoundQuestionnaire.id).where(RoundQuestionnaire.round_id == round_.id)
        ).first()
        if has_offer is None:
            raise RoundStatusError(gettext("Choose at least one questionnaire before opening."))
        if round_.closes_on is not None and round_.closes_on < today:
            raise RoundStatusError(
                gettext("The closing date has passed; move it before opening the round.")
            )
    before = {"status": round_.status}
    round_.status = target
    record_audit(f"round.{action}", round_, before=before, after={"status": target})
