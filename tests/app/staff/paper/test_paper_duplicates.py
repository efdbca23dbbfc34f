"""Duplicate paper forms: two serials with identical answers are flagged, anything else is
not (another answer, another questionnaire, a web response, another round)."""

from __future__ import annotations

import secrets
from datetime import date

from flask import Flask
from sqlalchemy import select

from survey_app.models import Mode, QuestionnaireVersion, Response, RoundQuestionnaire, db
from survey_app.staff.paper_duplicates import DuplicatePaperForms, duplicate_paper_entries
from tests.app.staff.invitations.invitation_helpers import make_round

ANSWERS = {"b_level": "province", "b_position": "dept_leader", "l1_plan": "4"}


def _store(
    app: Flask,
    round_id: int,
    group: str,
    answers: dict[str, object],
    serial: str | None,
    mode: Mode = Mode.PAPER,
) -> None:
    """Store a response of ``group``'s questionnaire with ``answers`` and ``serial``."""
    with app.app_context():
        version = db.session.scalars(
            select(QuestionnaireVersion)
            .join(RoundQuestionnaire)
            .where(RoundQuestionnaire.round_id == round_id)
            .where(RoundQuestionnaire.respondent_group == group)
        ).one()
        db.session.add(
            Response(
                round_id=round_id,
                respondent_group=group,
                questionnaire_id=version.questionnaire_id,
                questionnaire_version=version.version,
                questionnaire_hash=version.content_hash,
                mode=mode,
                answers=answers,
                paradata={},
                submitted_on=date.today(),
                submission_key=secrets.token_hex(16),
                form_serial=serial,
            )
        )
        db.session.commit()


def _duplicates(app: Flask, round_id: int) -> list[DuplicatePaperForms]:
    """The function the monitoring page calls."""
    with app.app_context():
        return duplicate_paper_entries(round_id)


def test_identical_paper_forms_are_flagged(app: Flask) -> None:
    """Three serials with the same answers form one group, in serial order; a form with one
    answer changed, a web response and a citizens' form with other answers are not in it."""
    round_id = make_round(app).round_id
    for serial in ("P-0003", "P-0001", "P-0007"):
        _store(app, round_id, "leader", ANSWERS, serial)
    _store(app, round_id, "leader", {**ANSWERS, "l1_plan": "3"}, "P-0002")
    _store(app, round_id, "leader", ANSWERS, None, Mode.WEB)
    _store(app, round_id, "citizen", {"s_respondent": "person"}, "C-0001")
    [group] = _duplicates(app, round_id)
    assert group.serials == ("P-0001", "P-0003", "P-0007")
    assert group.questionnaire_id == "par_leaders"
    assert group.answered_items == len(ANSWERS)


def test_duplicates_stay_within_their_round(app: Flask) -> None:
    """The same answers under serials of two different rounds are no duplicate."""
    first = make_round(app).round_id
    second = make_round(app, code="hue-2026").round_id
    _store(app, first, "leader", ANSWERS, "P-0001")
    _store(app, second, "leader", ANSWERS, "P-0002")
    assert _duplicates(app, first) == []
    assert _duplicates(app, second) == []


def test_two_groups_of_duplicates(app: Flask) -> None:
    """Two different sets of copied answers give two groups, by questionnaire then serial."""
    round_id = make_round(app).round_id
    other = {**ANSWERS, "b_level": "district"}
    for serial, answers in (("B-1", other), ("A-1", ANSWERS), ("B-2", other), ("A-2", ANSWERS)):
        _store(app, round_id, "leader", answers, serial)
    assert [group.serials for group in _duplicates(app, round_id)] == [
        ("A-1", "A-2"),
        ("B-1", "B-2"),
    ]
