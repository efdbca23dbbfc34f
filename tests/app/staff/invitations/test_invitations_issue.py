"""Issuing invitation codes in batches: one batch per unit and group, every code shown once
(its keyed hash stored), a repeated post issuing nothing, the CSV download checked against the
stored hashes, and the form's refusals."""

from __future__ import annotations

import csv
import io

from flask import Flask
from sqlalchemy import select

from survey_app.codes import ALPHABET, INVITATION_CODE_LENGTH, normalise
from survey_app.invitations import code_hash
from survey_app.models import AuditEvent, Invitation, InvitationBatch, RoundStatus, User, db
from tests.app.staff.invitations.invitation_helpers import (
    issue,
    make_round,
    shown_codes,
    signed_in,
)
from tests.app.staff.staff_helpers import csrf_token

WARNING = "Save these codes now: they are shown only on this page"


def test_codes_are_issued_in_batches_and_shown_once(app: Flask) -> None:
    """Two units × three codes: two batches of three, six distinct codes of 130 bits shown
    after the warning, only their hashes stored, each batch's issue audited without a code."""
    test_round = make_round(app)
    client = signed_in(app, "lan")
    page = issue(client, test_round, size=3, label="Mailing 1")
    assert page.status_code == 200
    codes = shown_codes(page)
    assert len(codes) == len(set(codes)) == 6
    assert INVITATION_CODE_LENGTH * 5 >= 128
    for code in codes:
        compact = normalise(code)
        assert len(compact) == INVITATION_CODE_LENGTH
        assert set(compact) <= set(ALPHABET)
    assert page.text.index(WARNING) < page.text.index(codes[0])
    assert page.headers["Cache-Control"] == "no-store"
    with app.app_context():
        lan = db.session.scalars(select(User.id).where(User.username == "lan")).one()
        batches = db.session.scalars(select(InvitationBatch).order_by(InvitationBatch.id)).all()
        assert [(b.unit.code, b.respondent_group, b.size, b.label) for b in batches] == [
            ("finance", "leader", 3, "Mailing 1"),
            ("justice", "leader", 3, "Mailing 1"),
        ]
        assert {b.created_by for b in batches} == {lan}
        invitations = db.session.scalars(select(Invitation)).all()
        assert {i.code_hash for i in invitations} == {code_hash(code) for code in codes}
        assert all(i.batch_id is not None for i in invitations)
        assert all(i.status == "issued" and not i.opened for i in invitations)
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "invitation_batch.issue")
        ).all()
        assert [(e.user_id, e.details["after"]["size"]) for e in events] == [(lan, 3), (lan, 3)]


def test_sending_the_form_again_issues_nothing(app: Flask) -> None:
    """A reload or back-and-resend of the issuing form is recognised: no new batch, no codes,
    and the page says why."""
    test_round = make_round(app)
    client = signed_in(app, "lan")
    page = client.get(f"/staff/rounds/{test_round.round_id}/invitations")
    data = {
        "csrf_token": csrf_token(page.text),
        "request_id": "same-form",
        "units": [str(test_round.unit_ids["finance"])],
        "respondent_group": "leader",
        "size": "2",
    }
    url = f"/staff/rounds/{test_round.round_id}/invitations/issue"
    first = client.post(url, data=data)
    assert len(shown_codes(first)) == 2
    again = client.post(url, data=data, follow_redirects=True)
    assert shown_codes(again) == []
    assert "they are not issued again, and cannot be shown again" in again.text
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Invitation)) == 2


def test_the_csv_lists_unit_group_code_and_link(app: Flask) -> None:
    """The page posts its codes back for the CSV: one row per code with its link, not cached;
    a code the round never issued is refused."""
    test_round = make_round(app)
    client = signed_in(app, "lan")
    page = issue(client, test_round, size=2)
    codes = shown_codes(page)
    token = csrf_token(page.text)
    url = f"/staff/rounds/{test_round.round_id}/invitations/codes.csv"
    download = client.post(url, data={"csrf_token": token, "code": codes})
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert rows[0] == ["unit", "group", "code", "link"]
    assert rows[1:] == [
        [unit, "leader", code, f"http://localhost/i/{code}"]
        for unit, code in zip(["finance", "finance", "justice", "justice"], codes, strict=True)
    ]
    forged = client.post(url, data={"csrf_token": token, "code": [codes[0], "A" * 26]})
    assert forged.status_code == 400


def test_issuing_refuses_what_cannot_be_issued(app: Flask) -> None:
    """Too many codes at once, no unit, a group not reached by code: refused with messages on
    the fields, nothing stored."""
    test_round = make_round(app)
    client = signed_in(app, "lan")
    too_many = issue(client, test_round, size=300)
    assert too_many.status_code == 400
    assert "this asks for 600 (units × codes per unit)" in too_many.text
    no_unit = issue(client, test_round, units=())
    assert "Choose at least one unit." in no_unit.text
    citizens = issue(client, test_round, group="citizen")
    assert "Choose one of the respondent groups reached by invitation code." in citizens.text
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(InvitationBatch)) == 0


def test_a_closed_round_issues_no_code(app: Flask) -> None:
    """The page of a closed round has no issuing form, and a post is refused."""
    test_round = make_round(app, status=RoundStatus.CLOSED)
    client = signed_in(app, "lan")
    page = client.get(f"/staff/rounds/{test_round.round_id}/invitations")
    assert "The round is closed: no code can be issued." in page.text
    data = {
        "csrf_token": csrf_token(page.text),
        "request_id": "closed",
        "units": [str(test_round.unit_ids["finance"])],
        "respondent_group": "leader",
        "size": "2",
    }
    refused = client.post(f"/staff/rounds/{test_round.round_id}/invitations/issue", data=data)
    assert refused.status_code == 400
    assert "The round is closed: codes issued now could not be used." in refused.text
