"""Finding the surveys a respondent can take: open rounds and the questionnaires they offer.

A :class:`Survey` is a snapshot of plain values (the round's dates and status, the offer's ids
and access) with the loaded questionnaire, not database rows: every respondent request needs
one, and rows would be reloaded after each commit of the request. :func:`find_survey` keeps
the snapshots it builds for :data:`SURVEY_CACHE_SECONDS` per app and process. A change to a
round, an offer, a questionnaire version or a unit flushed in this process empties the cache
at once; one made by another process (another gunicorn worker serving the workspace, a
command) is seen within :data:`SURVEY_CACHE_SECONDS`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from time import monotonic
from typing import Any

from flask import abort, current_app
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, joinedload

from questionnaires.loader import Questionnaire
from survey_app.catalogue import questionnaire_of
from survey_app.models import (
    Access,
    QuestionnaireVersion,
    Round,
    RoundQuestionnaire,
    Unit,
    db,
    takes_answers,
)

SURVEY_CACHE_SECONDS = 5.0
"""How long a survey snapshot is used before it is read again."""

SURVEY_CACHE_SIZE = 256
"""The most snapshots kept per app; the cache is emptied when it would hold more."""

CATALOGUE_TYPES = (Round, RoundQuestionnaire, QuestionnaireVersion, Unit)
"""Rows a snapshot is built from: changing one empties the cache."""


@dataclass(frozen=True)
class RoundFacts:
    """What a respondent's pages need of a round."""

    id: int
    code: str
    title_vi: str
    title_en: str
    status: str
    opens_on: date | None
    closes_on: date | None

    def title(self, language: str) -> str:
        """The round's title in ``language`` (``vi`` or ``en``)."""
        return self.title_en if language == "en" else self.title_vi

    def is_open(self, today: date) -> bool:
        """Whether the round takes answers on ``today`` (``models.rounds.takes_answers``)."""
        return takes_answers(self.status, self.opens_on, self.closes_on, today)


@dataclass(frozen=True)
class OfferFacts:
    """What a respondent's pages need of a questionnaire offered in a round."""

    id: int
    round_id: int
    questionnaire_id: str
    respondent_group: str
    access: str
    unit_id: int | None


@dataclass(frozen=True)
class Survey:
    """A questionnaire offered in a round, with its loaded definition."""

    round: RoundFacts
    offer: OfferFacts
    questionnaire: Questionnaire

    @property
    def questionnaire_id(self) -> str:
        """The questionnaire's id, as used in URLs."""
        return self.offer.questionnaire_id

    @property
    def is_public(self) -> bool:
        """Whether anyone with the link may answer."""
        return self.offer.access == Access.PUBLIC

    def title(self, language: str) -> str:
        """The questionnaire's title in ``language``."""
        return self.questionnaire.definition.title.get(language)


def _survey(offer: RoundQuestionnaire) -> Survey:
    """The snapshot of an offer with its round and loaded questionnaire."""
    round_ = offer.round
    version = offer.questionnaire_version
    return Survey(
        RoundFacts(
            id=round_.id,
            code=round_.code,
            title_vi=round_.title_vi,
            title_en=round_.title_en,
            status=round_.status,
            opens_on=round_.opens_on,
            closes_on=round_.closes_on,
        ),
        OfferFacts(
            id=offer.id,
            round_id=offer.round_id,
            questionnaire_id=version.questionnaire_id,
            respondent_group=offer.respondent_group,
            access=offer.access,
            unit_id=offer.unit_id,
        ),
        questionnaire_of(version),
    )


def _offers_with_rows() -> Any:
    """A select of offers loading their round and questionnaire version in the same query."""
    return (
        select(RoundQuestionnaire)
        .join(RoundQuestionnaire.round)
        .join(RoundQuestionnaire.questionnaire_version)
        .options(
            joinedload(RoundQuestionnaire.round),
            joinedload(RoundQuestionnaire.questionnaire_version),
        )
    )


def open_surveys(today: date) -> list[Survey]:
    """Every questionnaire of every round open on ``today``, by round then offer."""
    offers = db.session.scalars(
        _offers_with_rows().order_by(Round.year.desc(), Round.code, RoundQuestionnaire.id)
    ).all()
    return [_survey(offer) for offer in offers if offer.round.is_open(today)]


class _Changes:
    """A counter of catalogue changes flushed in this process."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def bump(self) -> None:
        """Count one more change."""
        with self._lock:
            self.count += 1


_changes = _Changes()


def _touches_catalogue(objects: Iterable[object]) -> bool:
    """Whether any of ``objects`` is a row a snapshot is built from."""
    return any(isinstance(obj, CATALOGUE_TYPES) for obj in objects)


@event.listens_for(Session, "before_flush")
def _forget_on_flush(session: Session, _context: object, _instances: object) -> None:
    """Empty the caches when a flush writes a catalogue row."""
    if _touches_catalogue(session.new) or _touches_catalogue(session.dirty) or (
        _touches_catalogue(session.deleted)
    ):
        _changes.bump()


@event.listens_for(Session, "do_orm_execute")
def _forget_on_bulk_change(state: ORMExecuteState) -> None:
    """Empty the caches when an ORM ``update``/``delete`` statement targets a catalogue table."""
    if (state.is_update or state.is_delete) and state.bind_mapper is not None:
        if issubclass(state.bind_mapper.class_, CATALOGUE_TYPES):
            _changes.bump()


@dataclass(frozen=True)
class _Cached:
    """A snapshot, when it was read and the change count it was read at."""

    survey: Survey
    read_at: float
    changes: int


def _cache() -> dict[tuple[str, str], _Cached]:
    """This app's snapshots by (round code, questionnaire id)."""
    cache: dict[tuple[str, str], _Cached] = current_app.extensions.setdefault(
        "survey_app.surveys", {}
    )
    return cache


def find_survey(round_code: str, questionnaire_id: str) -> Survey | None:
    """The survey at ``/r/<round_code>/<questionnaire_id>``, open or not; None if unknown."""
    cache = _cache()
    key = (round_code, questionnaire_id)
    now = monotonic()
    cached = cache.get(key)
    if (
        cached is not None
        and cached.changes == _changes.count
        and now - cached.read_at < SURVEY_CACHE_SECONDS
    ):
        return cached.survey
    changes = _changes.count
    offer = db.session.scalars(
        _offers_with_rows().where(
            Round.code == round_code, QuestionnaireVersion.questionnaire_id == questionnaire_id
        )
    ).first()
    if offer is None:
        cache.pop(key, None)
        return None
    survey = _survey(offer)
    if len(cache) >= SURVEY_CACHE_SIZE:
        cache.clear()
    cache[key] = _Cached(survey, now, changes)
    return survey


def survey_of_offer(offer_id: int) -> Survey:
    """The survey of a stored offer id (a draft's)."""
    offer = db.session.scalars(_offers_with_rows().where(RoundQuestionnaire.id == offer_id)).first()
    if offer is None:
        abort(404)
    return _survey(offer)
