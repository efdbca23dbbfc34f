"""The accounts pages (administrators): adding accounts with the account rules, changing role
and unit, and never losing the last active administrator."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey_app.models import AuditEvent, Role, Unit, db
from tests.app.staff.staff_helpers import (
    PASSWORD,
    add_unit,
    add_user,
    login,
    post_form,
    stored_user,
)


@pytest.fixture
def admin(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client signed in as the only administrator, in English; one unit exists."""
    add_unit(app, "justice")
    add_user(app, "boss", Role.ADMIN)
    client.get("/lang/en")
    login(client, "boss")
    return client


def _new(client: FlaskClient, **fields: str) -> str:
    """Post the new-account form; the page shown after."""
    data = {
        "username": "officer",
        "display_name": "Nguyễn Văn A",
        "role": "unit_officer",
        "unit": "",
        "password": PASSWORD,
        "confirm": PASSWORD,
        **fields,
    }
    response = post_form(client, "/staff/users/new", data)
    if response.status_code == 302:
        return client.get(response.headers["Location"]).text
    return response.text


def test_add_a_unit_officer(app: Flask, admin: FlaskClient) -> None:
    """A unit officer needs a unit; with one the account is added, listed and can sign in."""
    assert "A unit officer must belong to a unit." in _new(admin)
    with app.app_context():
        unit_id = str(db.session.scalars(select(Unit.id)).one())
    page = _new(admin, unit=unit_id)
    assert "The account officer has been added." in page
    assert "Nguyễn Văn A" in page and "Unit officer" in page
    assert stored_user(app, "officer").unit_id == int(unit_id)
    assert login(app.test_client(), "officer").status_code == 302


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "boss", "role": "staff"}, "The username boss is taken."),
        ({"role": "staff", "unit": "1"}, "Only unit officers belong to a unit."),
        ({"role": "staff", "confirm": "something else"}, "The two passwords differ."),
        ({"role": "staff", "password": "short", "confirm": "short"}, "at least 12 characters"),
        ({"role": "staff", "username": "a b"}, "A username has 3 to 64 characters"),
    ],
)
def test_account_rules_are_shown(
    app: Flask, admin: FlaskClient, fields: dict[str, str], message: str
) -> None:
    """Each broken rule is explained on the form and no account is added."""
    assert message in _new(admin, **fields)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "user.create")
        ).all()
    assert len(actions) == 1  # the administrator's own


def test_the_last_administrator_stays(app: Flask, admin: FlaskClient) -> None:
    """An administrator cannot demote or deactivate themselves while nobody else is one; a
    second administrator makes it possible, and the change is audited."""
    boss = stored_user(app, "boss").id
    form = {"display_name": "Boss", "role": "staff", "active": "y"}
    refused = post_form(admin, f"/staff/users/{boss}", form)
    assert "This is the last active administrator" in refused.text
    assert stored_user(app, "boss").role == "admin"
    add_user(app, "deputy", Role.ADMIN)
    assert post_form(admin, f"/staff/users/{boss}", form).status_code == 302
    assert stored_user(app, "boss").role == "staff"
    assert admin.get("/staff/users").status_code == 302  # the role change ended the session
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.update")
        ).one()
    assert event.details["before"]["role"] == "admin"
    assert event.details["after"]["role"] == "staff"
    assert event.user_id == boss
