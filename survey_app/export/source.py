"""Reading an export's inputs from the database: the rounds, the questionnaire versions and the
responses, the latter streamed in chunks (``yield_per``) so memory stays bounded.

Takes a plain SQLAlchemy session (the app passes ``db.session``); no Flask here.

* Rounds: one by code, or every round when no code is given (:class:`UnknownRoundError` lists
  the codes that exist).
* Versions: those the rounds offer and those their responses were given on, by questionnaire id
  and then oldest stored first; each recovered from its stored text
  (``definitions.stored_questionnaire``), so an empty round still has its item columns.
* Responses: ordered by round, day submitted and id, with round and unit codes joined in; the
  answers and paradata are read as JSON text and decoded with msgspec (twice as fast as the
  JSON column type's ``json.loads``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session, scoped_session

from questionnaires.loader import Questionnaire
from survey_app.export.definitions import stored_questionnaire
from survey_app.export.errors import AnswerError, UnknownRoundError
from survey_app.export.records import ResponseRecord
from survey_app.models import QuestionnaireVersion, Response, Round, RoundQuestionnaire, Unit

SessionLike = Session | scoped_session[Any]
"""A session, or Flask-SQLAlchemy's scoped ``db.session``."""

DEFAULT_CHUNK_SIZE = 5_000
"""Responses fetched and converted at a time."""

_JSON = msgspec.json.Decoder()
"""Decodes the answers and paradata, read as JSON text (faster than the JSON column type)."""


def _mapping(text: str, response_id: str, column: str) -> dict[str, Any]:
    """A stored JSON object; anything else is refused naming the response."""
    try:
        value = _JSON.decode(text)
    except msgspec.DecodeError as error:
        raise AnswerError(
            f"response {response_id} has {column} that are not JSON: {error}"
        ) from error
    if not isinstance(value, dict):
        raise AnswerError(f"response {response_id} has {column} that are not a JSON object")
    return value


@dataclass(frozen=True)
class Selection:
    """The rounds an export covers: ``round_ids`` None means every round."""

    round_codes: tuple[str, ...]
    round_ids: tuple[int, ...] | None


def select_rounds(session: SessionLike, round_code: str | None) -> Selection:
    """The round named ``round_code``, or every round when it is None."""
    rounds = session.execute(select(Round.id, Round.code).order_by(Round.code)).all()
    if round_code is None:
        return Selection(tuple(code for _, code in rounds), None)
    for round_id, code in rounds:
        if code == round_code:
            return Selection((code,), (round_id,))
    raise UnknownRoundError(round_code, [code for _, code in rounds])


def stored_questionnaires(session: SessionLike, selection: Selection) -> list[Questionnaire]:
    """The versions offered in the rounds or answered in them, by id then oldest first."""
    answered = select(Response.questionnaire_hash).distinct()
    offered = select(QuestionnaireVersion.content_hash).join(
        RoundQuestionnaire, RoundQuestionnaire.questionnaire_version_id == QuestionnaireVersion.id
    )
    if selection.round_ids is not None:
        answered = answered.where(Response.round_id.in_(selection.round_ids))
        offered = offered.where(RoundQuestionnaire.round_id.in_(selection.round_ids))
    versions = session.execute(
        select(QuestionnaireVersion.content_hash, QuestionnaireVersion.source_yaml)
        .where(
            or_(
                QuestionnaireVersion.content_hash.in_(answered),
                QuestionnaireVersion.content_hash.in_(offered),
            )
        )
        .order_by(QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.id)
    ).all()
    return [stored_questionnaire(content_hash, text) for content_hash, text in versions]


def count_responses(session: SessionLike, selection: Selection) -> int:
    """How many responses the export will hold."""
    statement = select(func.count()).select_from(Response)
    if selection.round_ids is not None:
        statement = statement.where(Response.round_id.in_(selection.round_ids))
    return int(session.execute(statement).scalar_one())


def stream_records(
    session: SessionLike, selection: Selection, *, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> Iterator[Sequence[ResponseRecord]]:
    """The responses as records, ``chunk_size`` at a time, from a streaming cursor."""
    statement = (
        select(
            Response.id,
            Round.code,
            Unit.code,
            Response.respondent_group,
            Response.mode,
            Response.stratum,
            Response.cluster,
            Response.questionnaire_id,
            Response.questionnaire_version,
            Response.questionnaire_hash,
            Response.submitted_on,
            cast(Response.answers, Text),
            cast(Response.paradata, Text),
            Response.form_serial,
        )
        .join(Round, Response.round_id == Round.id)
        .outerjoin(Unit, Response.unit_id == Unit.id)
        .order_by(Round.code, Response.submitted_on, Response.id)
        .execution_options(yield_per=chunk_size)
    )
    if selection.round_ids is not None:
        statement = statement.where(Response.round_id.in_(selection.round_ids))
    result = session.execute(statement)
    try:
        for partition in result.partitions():
            yield [
                ResponseRecord(
                    response_id=id_,
                    round=round_,
                    unit=unit,
                    respondent_group=group,
                    mode=mode,
                    stratum=stratum,
                    cluster=cluster,
                    questionnaire_id=questionnaire_id,
                    questionnaire_version=version,
                    questionnaire_hash=content_hash,
                    submitted_on=submitted_on,
                    answers=_mapping(answers, id_, "answers"),
                    paradata=_mapping(paradata, id_, "paradata"),
                    form_serial=form_serial,
                )
                for (
                    id_,
                    round_,
                    unit,
                    group,
                    mode,
                    stratum,
                    cluster,
                    questionnaire_id,
                    version,
                    content_hash,
                    submitted_on,
                    answers,
                    paradata,
                    form_serial,
                ) in partition
            ]
    finally:
        result.close()
