"""Helpers for the paper tests: filling the keying page of a questionnaire the way a keyer
does (every applicable question of every page), and reading back what was stored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from questionnaires.loader import Questionnaire
from survey_app.models import PaperEntry, Response, db
from tests.app.app_helpers import page_data, questionnaire
from tests.app.staff.staff_helpers import csrf_token

CITIZENS = "sipas_citizens"


def key_url(round_id: int, questionnaire_id: str = CITIZENS) -> str:
    """The keying page of a questionnaire of the round."""
    return f"/staff/rounds/{round_id}/paper/{questionnaire_id}"


def paper_data(
    form: Questionnaire, overrides: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Form data answering every applicable item of every page (``overrides`` first, ``None``
    to leave one blank), and the answers that should be stored."""
    answers: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for page in form.pages:
        data.update(page_data(form, page, answers, overrides or {}))
    return data, answers


def key(
    client: FlaskClient,
    round_id: int,
    serial: str,
    unit_id: int | None,
    overrides: Mapping[str, Any] | None = None,
    *,
    questionnaire_id: str = CITIZENS,
    extra: Mapping[str, Any] | None = None,
) -> TestResponse:
    """Open the keying page and save one form."""
    url = key_url(round_id, questionnaire_id)
    page = client.get(url)
    assert page.status_code == 200, page.text
    data, _answers = paper_data(questionnaire(questionnaire_id), overrides)
    data.update(
        csrf_token=csrf_token(page.text),
        form_serial=serial,
        unit="" if unit_id is None else str(unit_id),
        **(extra or {}),
    )
    return client.post(url, data=data)


def expected_answers(
    overrides: Mapping[str, Any] | None = None, questionnaire_id: str = CITIZENS
) -> dict[str, Any]:
    """The answers :func:`key` with ``overrides`` should store."""
    return paper_data(questionnaire(questionnaire_id), overrides)[1]


def paper_responses(app: Flask) -> list[Response]:
    """Every stored response, by serial (detached)."""
    with app.app_context():
        responses = list(db.session.scalars(select(Response).order_by(Response.form_serial)))
        db.session.expunge_all()
        return responses


def entries(app: Flask) -> list[PaperEntry]:
    """Every paper entry, by serial then entry number (detached)."""
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(PaperEntry).order_by(PaperEntry.form_serial, PaperEntry.entry_number)
            )
        )
        db.session.expunge_all()
        return rows
