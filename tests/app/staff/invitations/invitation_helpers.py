"""Helpers for the invitation and paper tests: a round set up the workspace's way (two
departments, the leaders by invitation code, the citizens by public link), staff accounts
signed in, and reading codes back from the issuing page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from survey_app.models import Access, Role, Round, RoundStatus, Unit, db
from survey_app.staff.round_setup import Offer, RoundSettings, change_status, create_round
from tests.app.app_helpers import fill_pages, questionnaire, review_form
from tests.app.staff.staff_helpers import add_unit, add_user, csrf_token, login

UNITS = ("finance", "justice")
"""The departments the test round evaluates."""

LEADERS = "/r/hue-2025/par_leaders"
"""The leaders' survey of the test round (:func:`make_round`'s default code)."""

CODE_INPUT = re.compile(r'name="code" value="([0-9A-Z-]+)"')
"""A code as the issuing page posts it back for the CSV download."""


@dataclass(frozen=True)
class SetUpRound:
    """A stored round and its units' ids by code."""

    round_id: int
    unit_ids: dict[str, int]


def make_round(
    app: Flask,
    *,
    double_entry: bool = False,
    status: RoundStatus = RoundStatus.OPEN,
    code: str = "hue-2025",
) -> SetUpRound:
    """A round evaluating :data:`UNITS`: leaders by invitation (``par_leaders``), citizens by
    public link (``sipas_citizens``), opened unless ``status`` says otherwise."""
    existing = _unit_ids(app)
    if not existing:
        add_unit(app, "hue", "province")
        for unit in UNITS:
            add_unit(app, unit, parent="hue")
    unit_ids = _unit_ids(app)
    with app.test_request_context():
        round_ = create_round(
            RoundSettings(
                code=code,
                year=date.today().year,
                title_vi="Khảo sát Chỉ số CCHC các sở",
                title_en="PAR Index survey of departments",
                paper_double_entry=double_entry,
                unit_ids=list(unit_ids.values()),
                offers={
                    "leader": Offer("par_leaders", Access.INVITATION),
                    "citizen": Offer("sipas_citizens", Access.PUBLIC),
                },
            )
        )
        if status != RoundStatus.DRAFT:
            change_status(round_, "open", date.today())
        if status == RoundStatus.CLOSED:
            change_status(round_, "close", date.today())
        db.session.commit()
        return SetUpRound(round_.id, unit_ids)


def _unit_ids(app: Flask) -> dict[str, int]:
    """The test departments' ids by code (empty before they exist)."""
    with app.app_context():
        rows = db.session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(UNITS))).all()
        return {row.code: row.id for row in rows}


def signed_in(app: Flask, username: str, role: Role = Role.STAFF) -> FlaskClient:
    """A new client signed in (in English) as a new account ``username`` with ``role``."""
    add_user(app, username, role)
    client = app.test_client()
    client.get("/lang/en")
    assert login(client, username).status_code == 302
    return client


def stored_round(app: Flask, round_id: int) -> Round:
    """The stored round (detached)."""
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert round_ is not None
        db.session.expunge(round_)
        return round_


REQUEST_ID = re.compile(r'name="request_id" type="hidden" value="([^"]+)"')


def issue_page(client: FlaskClient, round_id: int) -> dict[str, str]:
    """The issuing form's hidden fields (CSRF token, request id) from the round's page."""
    page = client.get(f"/staff/rounds/{round_id}/invitations")
    assert page.status_code == 200, page.text
    request_id = REQUEST_ID.search(page.text)
    assert request_id, "page has no issuing form"
    return {"csrf_token": csrf_token(page.text), "request_id": request_id.group(1)}


def issue(
    client: FlaskClient,
    test_round: SetUpRound,
    units: tuple[str, ...] = UNITS,
    size: int = 2,
    group: str = "leader",
    label: str = "",
) -> TestResponse:
    """Post the issuing form for ``units`` × ``size`` codes of ``group``."""
    data: dict[str, object] = {
        **issue_page(client, test_round.round_id),
        "units": [str(test_round.unit_ids[unit]) for unit in units],
        "respondent_group": group,
        "size": str(size),
        "label": label,
    }
    return client.post(f"/staff/rounds/{test_round.round_id}/invitations/issue", data=data)


def shown_codes(page: TestResponse | str) -> list[str]:
    """The codes an issuing page (a response or its HTML) shows, as its CSV form posts them
    back."""
    return CODE_INPUT.findall(page if isinstance(page, str) else page.text)


def respondent(app: Flask) -> FlaskClient:
    """A respondent's browser, in English."""
    client = app.test_client()
    client.get("/lang/en")
    return client


def answer_with_code(browser: FlaskClient, code: str) -> None:
    """Follow the letter's link for ``code`` to the leaders' survey, answer every page and
    send the questionnaire."""
    entered = browser.get(f"/i/{code}")
    assert entered.headers["Location"] == f"{LEADERS}/continue"
    fill_pages(browser, browser.get(entered.headers["Location"]), questionnaire("par_leaders"))
    sent = browser.post(f"{LEADERS}/submit", data=review_form(browser, LEADERS))
    assert sent.headers["Location"].endswith("/done")
