"""Stored data for the export tests: the test forms in ``forms/`` stored as questionnaire
versions through the app's catalogue, units, rounds, offers and responses through the models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask

from questionnaires.loader import Questionnaire, load_questionnaire
from survey_app.catalogue import store_version
from survey_app.models import (
    Access,
    QuestionnaireVersion,
    Response,
    Round,
    RoundQuestionnaire,
    RoundStatus,
    Unit,
    db,
)

FORMS = Path(__file__).parent / "forms"
CHANNELS = "channels_used_for_contacting_the_agency_about_the_application_x"


def form(name: str) -> Questionnaire:
    """A test form from ``forms/<name>.yaml``."""
    return load_questionnaire(FORMS / f"{name}.yaml")


def add_round(code: str, year: int) -> Round:
    """A stored open round."""
    round_ = Round(
        code=code,
        year=year,
        title_vi=f"Đợt {code}",
        title_en=f"Round {code}",
        status=RoundStatus.OPEN,
    )
    db.session.add(round_)
    db.session.flush()
    return round_


def add_unit(code: str) -> Unit:
    """A stored department."""
    unit = Unit(code=code, name_vi=f"Sở {code}", name_en=f"Department {code}", kind="department")
    db.session.add(unit)
    db.session.flush()
    return unit


def offer(round_: Round, version: QuestionnaireVersion) -> None:
    """Offer ``version`` publicly in ``round_``."""
    db.session.add(
        RoundQuestionnaire(
            round_id=round_.id,
            questionnaire_version_id=version.id,
            respondent_group=version.respondent_group,
            access=Access.PUBLIC,
        )
    )


def add_response(
    round_: Round,
    version: QuestionnaireVersion,
    answers: dict[str, Any],
    *,
    response_id: str,
    submitted_on: date,
    unit: Unit | None = None,
    mode: str = "web",
    stratum: str | None = None,
    cluster: str | None = None,
    paradata: dict[str, Any] | None = None,
    form_serial: str | None = None,
) -> None:
    """Store one response as the app stores a submission."""
    db.session.add(
        Response(
            id=response_id,
            round_id=round_.id,
            unit_id=None if unit is None else unit.id,
            respondent_group=version.respondent_group,
            questionnaire_id=version.questionnaire_id,
            questionnaire_version=version.version,
            questionnaire_hash=version.content_hash,
            mode=mode,
            answers=answers,
            paradata=paradata or {},
            stratum=stratum,
            cluster=cluster,
            submitted_on=submitted_on,
            submission_key=f"key-{response_id}",
            form_serial=form_serial,
        )
    )


ANSWERS_A: dict[str, Any] = {
    "sex": "female",
    "pregnant_visits": 2,
    "age": 34,
    "to": "Sở Nội vụ",
    "staff_polite": "4",
    "result_ok": "yes",
    CHANNELS: ["web", "office"],
    "hours_waited": 1.5,
    "result_on": "2023-04-28",
    "comment": 'Rất tốt, "cảm ơn", Huế\nDòng thứ hai',
}
ANSWERS_B: dict[str, Any] = {
    "sex": "male",
    "age": 61,
    "staff_polite": "9",
    "result_ok": "na",
    CHANNELS: ["phone"],
    "comment": "=1+1",
}
ANSWERS_C: dict[str, Any] = {"unit": "Sở Tư pháp", "sex": "female", "result_on": "tháng 5"}
ANSWERS_D: dict[str, Any] = {
    "sex": "male",
    "district": "a_luoi",
    "age": 45.5,
    "staff_polite": "5",
    "comment": "Ổn",
}


@dataclass(frozen=True)
class Seeded:
    """Content hashes of the stored versions."""

    v1: str
    v2: str
    other: str


def seed(app: Flask) -> Seeded:
    """Three versions of two questionnaires, rounds r2023 (v1 and other_survey: responses a, b,
    c), r2024 (v2: response d) and empty (v2 offered, no response)."""
    with app.app_context():
        v1, _ = store_version(form("export_survey_v1"))
        v2, _ = store_version(form("export_survey_v2"))
        other, _ = store_version(form("other_survey"))
        r2023, r2024, empty = (
            add_round("r2023", 2023),
            add_round("r2024", 2024),
            add_round("empty", 2025),
        )
        offer(r2023, v1)
        offer(r2023, other)
        offer(r2024, v2)
        offer(empty, v2)
        u1, u2 = add_unit("home_affairs"), add_unit("justice")
        add_response(
            r2023,
            v1,
            ANSWERS_A,
            response_id="a" * 32,
            submitted_on=date(2023, 5, 1),
            unit=u1,
            stratum="hue",
            cluster="c1",
            paradata={"duration_seconds": 123.5, "device": "mobile", "page_seconds": {}},
        )
        add_response(
            r2023,
            v1,
            ANSWERS_B,
            response_id="b" * 32,
            submitted_on=date(2023, 5, 2),
            unit=u2,
            mode="paper",
            stratum="hue",
            form_serial="HUE-000123",
        )
        add_response(r2023, other, ANSWERS_C, response_id="c" * 32, submitted_on=date(2023, 5, 3))
        add_response(
            r2024,
            v2,
            ANSWERS_D,
            response_id="d" * 32,
            submitted_on=date(2024, 6, 1),
            unit=u1,
            paradata={"duration_seconds": 60, "device": "desktop"},
        )
        db.session.commit()
        return Seeded(v1=v1.content_hash, v2=v2.content_hash, other=other.content_hash)
