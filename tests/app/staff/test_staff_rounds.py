"""Rounds through the workspace: set-up with its checks, the life draft → open → closed →
open again, what is fixed once a round has opened, and an audit event for every change."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from questionnaires.loader import bundled_questionnaires
from questionnaires.scheme import bundled_schemes
from survey_app.models import AuditEvent, Role, Round, RoundQuestionnaire, RoundStatus, Unit, db
from tests.app.staff.staff_helpers import add_unit, add_user, csrf_token, login, post_form

SETUP: dict[str, Any] = {
    "code": "hue-2025",
    "year": "2025",
    "title_vi": "Khảo sát các sở năm 2025",
    "title_en": "Department survey 2025",
    "scheme_id": "par_department_2022",
    "offer_leader": "par_leaders",
    "access_leader": "invitation",
    "offer_citizen": "sipas_citizens",
    "access_citizen": "public",
    "offer_delegate": "",
    "access_delegate": "public",
}


@pytest.fixture
def staff(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client signed in as survey staff (English), with a province and two departments."""
    add_unit(app, "hue", "province")
    add_unit(app, "justice", parent="hue")
    add_unit(app, "finance", parent="hue")
    add_user(app, "lan", Role.STAFF)
    client.get("/lang/en")
    login(client, "lan")
    return client


def _unit_ids(app: Flask, *codes: str) -> list[str]:
    """The ids of units ``codes``, as form values."""
    with app.app_context():
        return [str(db.session.scalars(select(Unit.id).where(Unit.code == c)).one()) for c in codes]


def _create(app: Flask, client: FlaskClient, **changes: Any) -> Any:
    """Post the new-round form with :data:`SETUP` and ``changes``."""
    data = {**SETUP, "units": _unit_ids(app, "justice", "finance"), **changes}
    return post_form(client, "/staff/rounds/new", data)


def _round(app: Flask) -> Round:
    """The stored round (detached, with its units loaded)."""
    with app.app_context():
        round_ = db.session.scalars(select(Round)).one()
        _ = round_.units
        db.session.expunge_all()
        return round_


def _actions(app: Flask) -> list[tuple[str, dict[str, Any]]]:
    """Round audit events: action and details, oldest first."""
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith("round.")).order_by(AuditEvent.id)
        )
        return [(event.action, event.details) for event in events]


def test_create_a_round(app: Flask, staff: FlaskClient) -> None:
    """A new round is in preparation with its scheme (and its hash), units and questionnaires,
    and the creation is audited with the whole set-up."""
    response = _create(app, staff)
    assert response.status_code == 302
    round_ = _round(app)
    assert response.headers["Location"] == f"/staff/rounds/{round_.id}"
    assert round_.status == RoundStatus.DRAFT
    scheme = bundled_schemes()["par_department_2022"]
    assert (round_.scheme_id, round_.scheme_version, round_.scheme_hash) == (
        scheme.id,
        scheme.version,
        scheme.content_hash,
    )
    assert [unit.code for unit in round_.units] == ["finance", "justice"]
    with app.app_context():
        offers = {
            o.respondent_group: (o.questionnaire_version.questionnaire_id, o.access)
            for o in db.session.scalars(select(RoundQuestionnaire))
        }
    assert offers == {
        "citizen": ("sipas_citizens", "public"),
        "leader": ("par_leaders", "invitation"),
    }
    [(action, details)] = _actions(app)
    assert action == "round.create"
    assert details["after"]["units"] == ["finance", "justice"]
    assert details["after"]["questionnaires"]["leader"]["access"] == "invitation"
    page = staff.get(f"/staff/rounds/{round_.id}")
    assert "Department survey 2025" in page.text
    assert "In preparation" in page.text
    assert "Open the round" in page.text


def test_a_round_without_an_index_scheme(app: Flask, staff: FlaskClient) -> None:
    """Choosing "No index scheme" creates a survey-only round (no scheme, no hash)."""
    response = _create(app, staff, scheme_id="")
    assert response.status_code == 302, response.text
    round_ = _round(app)
    assert (round_.scheme_id, round_.scheme_version, round_.scheme_hash) == (None, None, None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "Bad Code"}, "A round code has 2 to 64 characters"),
        ({"year": "2019"}, "The scheme par_department_2022 does not apply to 2019."),
        (
            {"closes_on": "2025-01-01", "opens_on": "2025-02-01"},
            "The closing date is before the opening date.",
        ),
        ({"offer_leader": "sipas_citizens"}, "Not a valid choice."),
    ],
)
def test_set_up_problems_are_shown_and_nothing_stored(
    app: Flask, staff: FlaskClient, changes: dict[str, str], message: str
) -> None:
    """Each problem is shown on the form; no round is created."""
    response = _create(app, staff, **changes)
    assert response.status_code == 200
    assert message in response.text
    with app.app_context():
        assert db.session.scalars(select(Round)).first() is None
        assert (
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "round.create")
            ).first()
            is None
        )


def test_units_must_be_of_the_schemes_kind_and_codes_unique(app: Flask, staff: FlaskClient) -> None:
    """A province in a department scheme's round is refused, and so is a taken code."""
    wrong = _create(app, staff, units=_unit_ids(app, "hue", "justice"))
    assert "scores units of kind department, not hue" in wrong.text
    assert _create(app, staff).status_code == 302
    again = _create(app, staff)
    assert "Another round has the code hue-2025." in again.text


def _status(client: FlaskClient, round_id: int, action: str) -> str:
    """Press a status button on the round's page; the flashed page after the redirect."""
    page = client.get(f"/staff/rounds/{round_id}")
    response = client.post(
        f"/staff/rounds/{round_id}/status/{action}", data={"csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 302
    return client.get(response.headers["Location"]).text


def test_open_close_reopen_with_audit(app: Flask, staff: FlaskClient) -> None:
    """A round opens, closes and reopens; each change is audited with the status before and
    after, and the public questionnaire is offered on the home page only while open."""
    _create(app, staff, opens_on=date.today().isoformat())
    round_id = _round(app).id
    assert "The round is open." in _status(staff, round_id, "open")
    assert _round(app).status == RoundStatus.OPEN
    assert "Department survey 2025" in staff.get("/").text
    assert "The round is closed." in _status(staff, round_id, "close")
    assert "Department survey 2025" not in staff.get("/").text
    assert "The round is open again." in _status(staff, round_id, "reopen")
    assert [(a, d.get("before"), d.get("after")) for a, d in _actions(app)][1:] == [
        ("round.open", {"status": "draft"}, {"status": "open"}),
        ("round.close", {"status": "open"}, {"status": "closed"}),
        ("round.reopen", {"status": "closed"}, {"status": "open"}),
    ]
    with app.app_context():
        users = set(
            db.session.scalars(select(AuditEvent.user_id).where(AuditEvent.round_id == round_id))
        )
    assert len(users) == 1 and None not in users


def test_a_round_cannot_open_without_questionnaires_or_after_closing(
    app: Flask, staff: FlaskClient
) -> None:
    """Opening needs a questionnaire and a closing date not yet past; a wrong transition is
    refused too."""
    _create(app, staff, offer_leader="", offer_citizen="")
    round_id = _round(app).id
    assert "Choose at least one questionnaire before opening." in _status(staff, round_id, "open")
    assert "not in the right state" in _status(staff, round_id, "close")
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert round_ is not None
        round_.closes_on = date.today() - timedelta(days=1)
        db.session.commit()
    _status(staff, round_id, "open")
    assert _round(app).status == RoundStatus.DRAFT
    assert [a for a, _ in _actions(app)] == ["round.create"]


def test_an_open_round_keeps_its_structure(app: Flask, staff: FlaskClient) -> None:
    """Once open, the form posts titles and dates only (the rest is disabled) and they are
    saved; code, scheme and units posted anyway are ignored (and change nothing to audit)."""
    _create(app, staff)
    round_id = _round(app).id
    _status(staff, round_id, "open")
    edit = staff.get(f"/staff/rounds/{round_id}/edit")
    assert "its code, year, scheme, units and questionnaires are fixed" in edit.text
    closes = (date.today() + timedelta(days=30)).isoformat()
    browser = staff.post(
        f"/staff/rounds/{round_id}/edit",
        data={
            "csrf_token": csrf_token(edit.text),
            "title_vi": "Khảo sát đổi tên",
            "title_en": "Renamed survey",
            "closes_on": closes,
        },
    )
    assert browser.status_code == 302
    tampered = staff.post(
        f"/staff/rounds/{round_id}/edit",
        data={
            **SETUP,
            "csrf_token": csrf_token(edit.text),
            "code": "other-code",
            "title_vi": "Khảo sát đổi tên",
            "title_en": "Renamed survey",
            "closes_on": closes,
            "units": _unit_ids(app, "justice"),
            "scheme_id": "",
        },
    )
    assert tampered.status_code == 302
    round_ = _round(app)
    assert (round_.code, round_.title_en, round_.closes_on) == (
        "hue-2025",
        "Renamed survey",
        date.fromisoformat(closes),
    )
    assert round_.scheme_id == "par_department_2022"
    assert [unit.code for unit in round_.units] == ["finance", "justice"]
    action, details = _actions(app)[-1]
    assert action == "round.update"
    assert details["before"]["title_en"] == "Department survey 2025"
    assert details["after"]["title_en"] == "Renamed survey"
    assert details["before"]["units"] == details["after"]["units"]


def test_a_draft_round_changes_its_set_up(app: Flask, staff: FlaskClient) -> None:
    """In preparation, units, scheme and questionnaires can change and are audited."""
    _create(app, staff)
    round_id = _round(app).id
    response = post_form(
        staff,
        f"/staff/rounds/{round_id}/edit",
        {
            **SETUP,
            "units": _unit_ids(app, "justice"),
            "offer_citizen": "",
            "access_leader": "public",
        },
    )
    assert response.status_code == 302
    assert [unit.code for unit in _round(app).units] == ["justice"]
    with app.app_context():
        offers = [
            (o.respondent_group, o.access) for o in db.session.scalars(select(RoundQuestionnaire))
        ]
    assert offers == [("leader", "public")]
    details = _actions(app)[-1][1]
    assert details["before"]["units"] == ["finance", "justice"]
    assert details["after"]["units"] == ["justice"]
    assert details["after"]["questionnaires"] == {
        "leader": {
            "questionnaire": "par_leaders",
            "version": bundled_questionnaires()["par_leaders"].version,
            "access": "public",
        }
    }
