"""Quality facts stored with each response when it is inserted, so that monitoring never has
to read the answers of every response again.

``responses.straight_line_items`` is the number of rating items of the longest page the
answers straight-line (``survey_app.monitoring.rules.longest_straight_line``; 0 for none). It
is set by a ``before_insert`` hook on :class:`~survey_app.models.Response`, whatever path
inserts the response through the ORM (web submission, paper entry, imports), from the stored
questionnaire version the response names (a bundled one without reading the database); a
bulk insert that bypasses the ORM must compute
it itself with ``longest_straight_line``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, event, select

from survey_app.catalogue import questionnaire_with_hash
from survey_app.models import QuestionnaireVersion, Response
from survey_app.monitoring.rules import longest_straight_line


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
