"""Quality facts stored with each response when it is inserted, so that monitoring never has
to read the answers of every response again.

``responses.straight_line_items`` is the number of rating items of the longest page the
answers straight-line (``survey_app.monitoring.rules.longest_straight_line``; 0 for none). It
is set by a ``before_insert`` hook on :class:`~survey_app.models.Response`, whatever path
inserts the response through the ORM (web submission, paper entry, imports), from the stored
questionnaire version the response names (a bundled one without reading the database).
``responses.duration_seconds`` is the paradata's ``duration_seconds`` (NULL when it has none, as
on paper), a plain column so that monitoring reads it from its index.
``responses.answers_digest`` is the SHA-256 of the answers as canonical JSON (keys sorted, no
spaces, UTF-8): equal answers, whatever their order, have equal digests, so duplicate paper
forms are found by grouping digests in an index (``survey_app.staff.paper_duplicates``). A
bulk insert that bypasses the ORM must set all three itself (``longest_straight_line``,
:func:`paradata_duration`, :func:`answers_digest`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, event, select

from survey_app.catalogue import questionnaire_with_hash
from survey_app.models import QuestionnaireVersion, Response
from survey_app.monitoring.rules import longest_straight_line


def paradata_duration(paradata: Mapping[str, Any] | None) -> float | None:
    """The total seconds a response's paradata records, None when it records none."""
    value = (paradata or {}).get("duration_seconds")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def answers_digest(answers: Mapping[str, Any]) -> str:
    """The hex SHA-256 of ``answers`` as canonical JSON."""
    text = json.dumps(answers, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@event.listens_for(Response, "before_insert")
def fill_quality_facts(_mapper: Any, connection: Connection, response: Response) -> None:
    """Set the response's stored quality facts unless the inserting code already did."""
    if response.straight_line_items is None:
        questionnaire = questionnaire_with_hash(
            response.questionnaire_hash,
            lambda: connection.execute(
                select(QuestionnaireVersion.source_yaml).where(
                    QuestionnaireVersion.content_hash == response.questionnaire_hash
                )
            ).scalar_one(),
        )
        response.straight_line_items = longest_straight_line(questionnaire, response.answers)
    if response.duration_seconds is None:
        response.duration_seconds = paradata_duration(response.paradata)
    if response.answers_digest is None:
        response.answers_digest = answers_digest(response.answers)
