"""Codes are never kept or logged in clear: after issuing, downloading, replacing and entering
codes, no table, no audit event, no log record and no session cookie holds one."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey_app.codes import normalise
from survey_app.models import db
from tests.app.staff.invitations.invitation_helpers import (
    issue,
    make_round,
    respondent,
    shown_codes,
    signed_in,
)
from tests.app.staff.staff_helpers import csrf_token, post_form


def _variants(code: str) -> set[str]:
    """The ways a code could be written down: grouped, compact, spaced, lower case."""
    compact = normalise(code)
    return {code, compact, code.replace("-", " "), code.lower(), compact.lower()}


def _stored_text(app: Flask) -> str:
    """Every value of every row of every table, as text."""
    with app.app_context():
        parts = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                parts.extend(str(value) for value in row)
        return "\n".join(parts)


def _session_data(app: Flask, client: FlaskClient) -> str:
    """What the client's signed session cookie holds."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    with app.test_request_context():
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        assert serializer is not None
        return str(serializer.loads(cookie.value))


def test_codes_are_never_stored_or_logged(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """Issue, download, replace one code, type another: the codes appear in the pages that
    show them and nowhere else."""
    caplog.set_level(logging.DEBUG)
    test_round = make_round(app)
    staff = signed_in(app, "lan")
    page = issue(staff, test_round, size=2)
    codes = shown_codes(page)
    csv = staff.post(
        f"/staff/rounds/{test_round.round_id}/invitations/codes.csv",
        data={"csrf_token": csrf_token(page.text), "code": codes},
    )
    assert codes[0] in csv.data.decode("utf-8-sig")
    replaced = post_form(
        staff,
        f"/staff/rounds/{test_round.round_id}/invitations",
        {"code": codes[1]},
        f"/staff/rounds/{test_round.round_id}/invitations/replace",
    )
    codes += shown_codes(replaced)
    browser = respondent(app)
    home = browser.get("/")
    browser.post("/code", data={"csrf_token": csrf_token(home.text), "code": codes[2]})
    stored = _stored_text(app)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    sessions = _session_data(app, staff) + _session_data(app, browser)
    for code in codes:
        for written in _variants(code):
            assert written not in stored
            assert written not in logged
            assert written not in sessions
