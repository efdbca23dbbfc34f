"""Helpers for the collection app tests: demo data, CSRF tokens, and filling a survey the way
a respondent would, page by page, from the questionnaire definition."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from questionnaires.examples import example_form_value, stored_answer
from questionnaires.loader import Questionnaire, bundled_questionnaires
from questionnaires.model import Item, Page
from survey_app.demo import DemoLoad, load_demo
from survey_app.models import Response, db

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SUBMISSION_KEY = re.compile(r'name="submission_key" type="hidden" value="([^"]*)"')
CITIZENS = "/r/demo/sipas_citizens"


def demo(app: Flask) -> DemoLoad:
    """Load the demo into the app's database."""
    with app.app_context():
        return load_demo(date.today())


def questionnaire(questionnaire_id: str = "sipas_citizens") -> Questionnaire:
    """A bundled questionnaire."""
    return bundled_questionnaires()[questionnaire_id]


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF.search(html)
    assert found, "page has no CSRF token"
    return found.group(1)


def default_answer(questionnaire: Questionnaire, item: Item) -> Any:
    """A valid form value for ``item`` (``questionnaires.examples``)."""
    return example_form_value(questionnaire, item)


def to_answer(item: Item, form_value: Any) -> Any:
    """The stored answer for a form value (the convention of ``questionnaires.model``)."""
    return stored_answer(item, form_value)


def page_data(
    questionnaire: Questionnaire,
    page: Page,
    answers: dict[str, Any],
    overrides: Mapping[str, Any],
) -> dict[str, Any]:
    """Form data for ``page`` answering every visible item (``overrides`` first, ``None`` to
    leave an item blank); ``answers`` is updated with what will be stored."""
    data: dict[str, Any] = {}
    for item in page.items:
        if not questionnaire.is_relevant(item, answers):
            answers.pop(item.code, None)
            continue
        value = overrides.get(item.code, default_answer(questionnaire, item))
        if value is None:
            answers.pop(item.code, None)
            continue
        data[f"q_{item.code}"] = value
        answers[item.code] = to_answer(item, value)
    return data


def start(client: FlaskClient, base: str = CITIZENS) -> TestResponse:
    """Open a public survey's start page and press Start."""
    page = client.get(f"{base}/")
    assert page.status_code == 200
    return client.post(f"{base}/", data={"csrf_token": csrf_token(page.text)})


def fill_pages(
    client: FlaskClient,
    first: TestResponse,
    questionnaire: Questionnaire,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Answer page after page from the redirect ``first`` until the review; returns the
    answers expected to be stored."""
    answers: dict[str, Any] = {}
    response = first
    while True:
        assert response.status_code == 302, response.text
        location = response.headers["Location"]
        if location.endswith("/review"):
            return answers
        page_id = location.rsplit("/p/", 1)[1]
        shown = client.get(location)
        assert shown.status_code == 200
        data = page_data(questionnaire, questionnaire.page(page_id), answers, overrides or {})
        data.update(csrf_token=csrf_token(shown.text), action="next")
        response = client.post(location, data=data)


def review_form(client: FlaskClient, base: str = CITIZENS) -> dict[str, str]:
    """The review page's submit form data."""
    review = client.get(f"{base}/review")
    assert review.status_code == 200
    key = SUBMISSION_KEY.search(review.text)
    assert key, "review page has no submission key"
    return {"csrf_token": csrf_token(review.text), "submission_key": key.group(1)}


def complete(
    client: FlaskClient,
    overrides: Mapping[str, Any] | None = None,
    base: str = CITIZENS,
    questionnaire_id: str = "sipas_citizens",
) -> dict[str, Any]:
    """Start, fill and submit a public survey; returns the answers expected to be stored."""
    answers = fill_pages(client, start(client, base), questionnaire(questionnaire_id), overrides)
    submitted = client.post(f"{base}/submit", data=review_form(client, base))
    assert submitted.status_code == 302
    assert submitted.headers["Location"].endswith("/done")
    return answers


def stored_responses(app: Flask) -> list[Response]:
    """Every stored response."""
    with app.app_context():
        responses = list(db.session.scalars(db.select(Response)))
        db.session.expunge_all()
        return responses
