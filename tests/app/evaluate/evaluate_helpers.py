"""Stored data for the evaluator tests: rounds scored with a bundled scheme, self-scores,
decisions, survey responses with their frame, and signed-in clients.

The department scheme (``par_department_2022``) has 27 self-assessed leaves worth 70 points and
13 survey leaves worth 30 (optional survey, at least 10 respondents per unit and leaf, answered
on ``province_department``'s 4-level scale: 4 → 1, 3 → ⅔, 2 → ⅓, 1 → 0).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from questionnaires.loader import bundled_questionnaires
from questionnaires.scheme import Scheme, SourceKind, bundled_schemes
from survey_app.catalogue import store_version
from survey_app.index_service import survey_items
from survey_app.models import (
    Access,
    AppraisalDecision,
    FrameCell,
    Mode,
    Response,
    Role,
    Round,
    RoundQuestionnaire,
    RoundStatus,
    SelfScore,
    Unit,
    User,
    Verdict,
    db,
)
from tests.app.staff.staff_helpers import add_unit, add_user, csrf_token, login

DEPARTMENTS = "par_department_2022"
PROVINCES = "par_province_2022"


def scheme(scheme_id: str = DEPARTMENTS) -> Scheme:
    """A bundled scheme."""
    return bundled_schemes()[scheme_id]


def appraisal_leaves(scheme_id: str = DEPARTMENTS) -> list[tuple[str, float]]:
    """The self-assessed leaves of a scheme: (code, maximum)."""
    return [(leaf.code, leaf.max_points) for leaf in scheme(scheme_id).leaves(SourceKind.APPRAISAL)]


def add_round(
    app: Flask,
    code: str,
    unit_codes: Sequence[str],
    *,
    year: int = 2024,
    scheme_id: str = DEPARTMENTS,
    kind: str = "department",
    survey: bool = False,
) -> int:
    """A closed round scored with ``scheme_id`` evaluating ``unit_codes`` (created when new);
    with ``survey`` it offers ``province_department`` to delegates. Its id."""
    with app.app_context():
        existing = set(db.session.scalars(select(Unit.code)))
    for unit_code in unit_codes:
        if unit_code not in existing:
            add_unit(app, unit_code, kind)
    with app.app_context():
        chosen = scheme(scheme_id)
        round_ = Round(
            code=code,
            year=year,
            title_vi=f"Đánh giá {code}",
            title_en=f"Appraisal {code}",
            status=RoundStatus.CLOSED,
            scheme_id=chosen.id,
            scheme_version=chosen.version,
            scheme_hash=chosen.content_hash,
        )
        round_.units = list(db.session.scalars(select(Unit).where(Unit.code.in_(unit_codes))))
        db.session.add(round_)
        db.session.flush()
        if survey:
            version, _ = store_version(bundled_questionnaires()["province_department"])
            db.session.add(
                RoundQuestionnaire(
                    round_id=round_.id,
                    questionnaire_version_id=version.id,
                    respondent_group="delegate",
                    access=Access.PUBLIC,
                )
            )
        db.session.commit()
        return round_.id


def unit_id(app: Flask, code: str) -> int:
    """The id of unit ``code``."""
    with app.app_context():
        return db.session.scalars(select(Unit.id).where(Unit.code == code)).one()


def _author(app: Flask) -> int:
    """An account to enter data as (an evaluator, created when missing)."""
    with app.app_context():
        found = db.session.scalars(select(User.id).where(User.username == "seed")).first()
    return found if found is not None else add_user(app, "seed", Role.EVALUATOR)


def add_self_scores(app: Flask, round_id: int, scores: Mapping[str, Mapping[str, float]]) -> None:
    """Store self-scores: ``{unit code: {criterion: score}}``."""
    author = _author(app)
    with app.app_context():
        for code, by_criterion in scores.items():
            unit = unit_id(app, code)
            for criterion, value in by_criterion.items():
                db.session.add(
                    SelfScore(
                        round_id=round_id,
                        unit_id=unit,
                        criterion=criterion,
                        self_score=value,
                        entered_by=author,
                    )
                )
        db.session.commit()


def full_marks(fraction: float = 1.0, scheme_id: str = DEPARTMENTS) -> dict[str, float]:
    """Every self-assessed leaf at ``fraction`` of its maximum."""
    return {code: maximum * fraction for code, maximum in appraisal_leaves(scheme_id)}


def accept_all(app: Flask, round_id: int) -> None:
    """Accept every stored self-score of the round."""
    author = _author(app)
    with app.app_context():
        for score in db.session.scalars(select(SelfScore).where(SelfScore.round_id == round_id)):
            db.session.add(
                AppraisalDecision(
                    round_id=round_id,
                    unit_id=score.unit_id,
                    criterion=score.criterion,
                    verdict=Verdict.ACCEPT,
                    old_score=score.self_score,
                    new_score=None,
                    decided_by=author,
                )
            )
        db.session.commit()


def add_responses(
    app: Flask, round_id: int, unit_code: str, answers: Sequence[str], population: int = 100
) -> None:
    """One delegate response per entry of ``answers``, each giving that answer to every survey
    item of the department scheme, and the unit's frame cell (N = ``population``)."""
    items = survey_items(scheme())
    with app.app_context():
        version, _ = store_version(bundled_questionnaires()["province_department"])
        unit = unit_id(app, unit_code)
        for answer in answers:
            db.session.add(
                Response(
                    round_id=round_id,
                    unit_id=unit,
                    respondent_group="delegate",
                    questionnaire_id="province_department",
                    questionnaire_version=version.version,
                    questionnaire_hash=version.content_hash,
                    mode=Mode.WEB,
                    answers={"r_role": "provincial_delegate", **{item: answer for item in items}},
                    paradata={},
                    stratum=unit_code,
                    submitted_on=date(2024, 6, 1),
                    submission_key=uuid.uuid4().hex,
                )
            )
        db.session.add(
            FrameCell(
                round_id=round_id,
                unit_id=unit,
                respondent_group="delegate",
                stratum=unit_code,
                population=population,
                sample_size=min(population, len(answers)),
                margin_of_error=0.05,
            )
        )
        db.session.commit()


def signed_in(app: Flask, username: str, role: Role, unit: str | None = None) -> FlaskClient:
    """A new client signed in as a new account, in English."""
    add_user(app, username, role, unit)
    client = app.test_client()
    client.get("/lang/en")
    assert login(client, username).status_code == 302
    return client


def preview_index(client: FlaskClient, round_id: int) -> TestResponse:
    """Compute the round's index through the index page's button; the job's page it goes to."""
    page = client.get(f"/evaluate/rounds/{round_id}/index")
    assert page.status_code == 200, page.text
    started = client.post(
        f"/evaluate/rounds/{round_id}/index/preview", data={"csrf_token": csrf_token(page.text)}
    )
    assert started.status_code == 302, started.text
    assert f"/evaluate/rounds/{round_id}/index/jobs/" in started.headers["Location"]
    return client.get(started.headers["Location"])


def publish_index(client: FlaskClient, round_id: int, note: str = "") -> TestResponse:
    """Publish the round's index through the preview's form; the response to the publication."""
    preview = preview_index(client, round_id)
    assert preview.status_code == 200, preview.text
    started = client.post(
        f"/evaluate/rounds/{round_id}/index/publish",
        data={"csrf_token": csrf_token(preview.text), "note": note},
    )
    assert started.status_code == 302, started.text
    return client.get(started.headers["Location"])


INDEX_ROUND_UNITS = ("planning", "finance", "justice", "health", "inspectorate", "office")
"""The units of :func:`add_index_round`."""


def add_index_round(app: Flask) -> int:
    """The department round the index tests check by hand (``test_evaluate_index.py``'s
    docstring): every self-score accepted, justice and health scoring 0 on 1.1, office half
    marks; ten delegates' answers for four units, three for the inspectorate, none for office.
    Its id."""
    round_id = add_round(app, "dept-2024", INDEX_ROUND_UNITS, survey=True)
    short = {**full_marks(), "1.1": 0.0}
    add_self_scores(
        app,
        round_id,
        {
            "planning": full_marks(),
            "finance": full_marks(),
            "justice": short,
            "health": short,
            "inspectorate": full_marks(),
            "office": full_marks(0.5),
        },
    )
    accept_all(app, round_id)
    add_responses(app, round_id, "planning", ["4"] * 10)
    add_responses(app, round_id, "finance", ["4"] * 5 + ["2"] * 5)
    add_responses(app, round_id, "justice", ["1"] * 10)
    add_responses(app, round_id, "health", ["1"] * 10)
    add_responses(app, round_id, "inspectorate", ["4"] * 3)
    return round_id
