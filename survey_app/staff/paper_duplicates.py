"""Duplicate paper forms: different serials of one round stored with identical answers.

Two printed questionnaires answered identically, item for item, are rarely two respondents:
more often one form photocopied, or keyed twice under two serials. The check compares the
stored paper responses of a round (mode ``paper``) of the same questionnaire version by the
exact stored text of their answers. Paper entry stores answers in the questionnaire's item
order (``survey_app.staff.paper_entry``), so equal answers are equal text. The texts are read
as stored, without decoding the JSON, and grouped in a dictionary: time linear in their length
whatever they share. Sorting them in the database (a window or GROUP BY over the text) was
twice as slow on SQLite, and slower still when many forms share long runs of equal answers
(e.g. every rating "agree"), as real forms do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Text, cast, select

from survey_app.models import Mode, Response, db


@dataclass(frozen=True)
class DuplicatePaperForms:
    """Serials whose stored answers are identical, with the questionnaire they answer."""

    questionnaire_id: str
    questionnaire_version: str
    serials: tuple[str, ...]
    answered_items: int


def duplicate_paper_entries(round_id: int) -> list[DuplicatePaperForms]:
    """Every group of two or more paper forms of round ``round_id`` with identical answers,
    by questionnaire then first serial; an empty list when there is none."""
    forms: dict[tuple[str, str], list[str]] = {}
    described: dict[str, tuple[str, str]] = {}
    for serial, questionnaire_id, version, content_hash, answers in db.session.execute(
        select(
            Response.form_serial,
            Response.questionnaire_id,
            Response.questionnaire_version,
            Response.questionnaire_hash,
            cast(Response.answers, Text),
        ).where(
            Response.round_id == round_id,
            Response.mode == Mode.PAPER,
            Response.form_serial.is_not(None),
        )
    ):
        forms.setdefault((content_hash, answers), []).append(str(serial))
        described[content_hash] = (questionnaire_id, version)
    found = [
        DuplicatePaperForms(
            questionnaire_id=described[content_hash][0],
            questionnaire_version=described[content_hash][1],
            serials=tuple(sorted(serials)),
            answered_items=len(json.loads(answers)),
        )
        for (content_hash, answers), serials in forms.items()
        if len(serials) > 1
    ]
    return sorted(found, key=lambda group: (group.questionnaire_id, group.serials[0]))
