"""Roles and unit scope: the decorator's answers, and a unit officer who only ever sees its
own unit (another unit's id, or a round without its unit, is 404 like a missing one)."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from flask_login import login_user
from sqlalchemy import select

from survey_app.auth import allowed_roles, roles_required, scope_to_unit
from survey_app.models import Role, SelfScore, Unit, User, db
from tests.app.staff.staff_helpers import add_round_of_units, add_unit, add_user, login


@pytest.fixture
def officer(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client signed in as the unit officer of ``justice`` (``finance`` is another unit)."""
    add_unit(app, "hue", "province")
    add_unit(app, "justice", parent="hue")
    add_unit(app, "finance", parent="hue")
    add_user(app, "officer", Role.UNIT_OFFICER, "justice")
    assert login(client, "officer").status_code == 302
    return client


def _unit_id(app: Flask, code: str) -> int:
    """The id of unit ``code``."""
    with app.app_context():
        return db.session.scalars(select(Unit.id).where(Unit.code == code)).one()


def test_an_officer_sees_its_unit_and_no_other(app: Flask, officer: FlaskClient) -> None:
    """Its unit's page opens; another unit's id answers 404, exactly as a missing id."""
    own = officer.get(f"/staff/units/{_unit_id(app, 'justice')}")
    assert own.status_code == 200
    assert "Đơn vị justice" in own.text
    finance = _unit_id(app, "finance")
    other = officer.get(f"/staff/units/{finance}")
    missing = officer.get("/staff/units/99999")
    assert other.status_code == missing.status_code == 404
    assert other.text.replace(f"/units/{finance}", "/units/ID") == missing.text.replace(
        "/units/99999", "/units/ID"
    )


def test_an_officer_sees_only_rounds_of_its_unit(app: Flask, officer: FlaskClient) -> None:
    """The round list and round pages show rounds evaluating its unit, and only its unit."""
    shared = add_round_of_units(app, "shared", "justice", "finance")
    foreign = add_round_of_units(app, "foreign", "finance")
    home = officer.get("/staff/")
    assert "Round shared" not in home.text  # the interface is Vietnamese by default
    assert "Đợt shared" in home.text
    assert "Đợt foreign" not in home.text
    page = officer.get(f"/staff/rounds/{shared}")
    assert page.status_code == 200
    assert "Đơn vị justice" in page.text
    assert "Đơn vị finance" not in page.text
    assert officer.get(f"/staff/rounds/{foreign}").status_code == 404


def test_staff_see_every_unit_and_round(app: Flask, client: FlaskClient) -> None:
    """Roles other than unit officer are not narrowed."""
    add_unit(app, "justice")
    add_unit(app, "finance")
    add_user(app, "judge", Role.EVALUATOR)
    both = add_round_of_units(app, "both", "justice", "finance")
    login(client, "judge")
    page = client.get(f"/staff/rounds/{both}")
    assert "Đơn vị justice" in page.text and "Đơn vị finance" in page.text
    assert client.get(f"/staff/units/{_unit_id(app, 'finance')}").status_code == 200


def test_scope_to_unit_narrows_a_query_for_officers_only(app: Flask) -> None:
    """``scope_to_unit`` adds the officer's unit to a query and leaves others' alone."""
    add_unit(app, "justice")
    add_unit(app, "finance")
    add_user(app, "officer", Role.UNIT_OFFICER, "justice")
    add_user(app, "lan", Role.STAFF)
    round_id = add_round_of_units(app, "r", "justice", "finance")
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        for unit_id in (_unit_id(app, "justice"), _unit_id(app, "finance")):
            db.session.add(
                SelfScore(
                    round_id=round_id,
                    unit_id=unit_id,
                    criterion="1.1",
                    self_score=1.0,
                    entered_by=users["lan"].id,
                )
            )
        db.session.commit()
        statement = select(Unit.code).join(SelfScore, SelfScore.unit_id == Unit.id)
        with app.test_request_context():
            login_user(users["officer"])
            assert db.session.scalars(scope_to_unit(statement, SelfScore.unit_id)).all() == [
                "justice"
            ]
        with app.test_request_context():
            login_user(users["lan"])
            scoped = db.session.scalars(scope_to_unit(statement, SelfScore.unit_id)).all()
            assert sorted(scoped) == ["finance", "justice"]


def test_roles_required_keeps_the_allowed_roles_on_the_view() -> None:
    """The decorator records its roles and refuses an empty list."""

    @roles_required(Role.ADMIN, Role.EVALUATOR)
    def view() -> str:
        """A view."""
        return "ok"

    assert allowed_roles(view) == {Role.ADMIN, Role.EVALUATOR}
    assert view.__name__ == "view"
    with pytest.raises(ValueError, match="at least one role"):
        roles_required()


def test_api_callers_get_401_not_a_redirect(app: Flask, client: FlaskClient) -> None:
    """Under ``/api/`` the anonymous get a JSON 401; other roles still get 403."""
    api = Blueprint("api_probe", __name__, url_prefix="/api/staff")

    @api.get("/ping")
    @roles_required(Role.ADMIN)
    def ping() -> dict[str, str]:
        """A probe."""
        return {"pong": "yes"}

    app.register_blueprint(api)
    anonymous = client.get("/api/staff/ping")
    assert (anonymous.status_code, anonymous.json) == (401, {"error": "authentication required"})
    add_user(app, "lan", Role.STAFF)
    add_user(app, "boss", Role.ADMIN)
    login(client, "lan")
    assert client.get("/api/staff/ping").status_code == 403
    admin = app.test_client()
    login(admin, "boss")
    assert admin.get("/api/staff/ping").json == {"pong": "yes"}
