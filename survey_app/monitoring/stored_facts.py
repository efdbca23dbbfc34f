"""Quality facts stored with each response when it is inserted, so that monitoring never has
to read the answers of every response again.

``responses.straight_line_items`` is the number of rating items of the longest page the
answers straight-line (``survey_app.monitoring.rules.longest_straight_line``; 0 for none). It
is set by a ``before_insert`` hook on :class:`~survey_app.models.Response`, whatever path
inserts the response through the ORM (web submission, paper entry, imports), from the stored
questionnaire version the response names; a bulk insert that bypasses the ORM must compute
it itself with ``longest_straight_line``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, event, select

from questionnaires.loader import Questionnaire
from survey_app.catalogue import questionnaire_of
from survey_app.models import QuestionnaireVersion, Response
from survey_app.monitoring.rules import longest_straight_line


def _questionnaire(connection: Connection, content_hash: str) -> Questionnaire:
    """The questionnaire version a response names, read on the inserting connection."""
    row = connection.execute(
        select(QuestionnaireVersion.content_hash, QuestionnaireVersion.source_yaml).where(
            QuestionnaireVersion.content_hash == content_hash
        )
    ).one()
    version = QuestionnaireVersion(content_hash=row.content_hash, source_yaml=row.source_yaml)
    return questionnaire_of(version)


@event.listens_for(Response, "before_insert")
def fill_quality_facts(_mapper: Any, connection: Connection, response: Response) -> None:
    """Set the response's stored quality facts unless the inserting code already did."""
    if response.straight_line_items is None:
        questionnaire = _questionnaire(connection, response.questionnaire_hash)
        response.straight_line_items = longest_straight_line(questionnaire, response.answers)
