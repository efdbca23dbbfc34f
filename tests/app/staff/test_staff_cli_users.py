"""``flask users create|list|set-password|deactivate``: passwords typed twice at a prompt,
refusals with exit status 1 and an English message, every change audited as the system."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner

from survey_app.auth.passwords import verify_password
from survey_app.models import AuditEvent, Role, db
from tests.app.staff.staff_helpers import PASSWORD, add_unit, add_user, login, stored_user


def _create(runner: FlaskCliRunner, *args: str, password: str = PASSWORD) -> tuple[int, str]:
    """Run ``users create`` answering the password prompts; exit code and output."""
    result = runner.invoke(args=["users", "create", *args], input=f"{password}\n{password}\n")
    return result.exit_code, result.output


def test_create_an_administrator_who_can_sign_in(app: Flask, runner: FlaskCliRunner) -> None:
    """The first administrator is made on the command line and can sign in."""
    code, output = _create(runner, "Root", "--role", "admin", "--name", "Quản trị")
    assert code == 0, output
    assert "Account root (admin) created." in output
    assert PASSWORD not in output
    user = stored_user(app, "root")
    assert (user.role, user.display_name, user.active) == ("admin", "Quản trị", True)
    assert verify_password(user.password_hash, PASSWORD)
    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent)).one()
    assert (event.action, event.user_id, event.object_id) == ("user.create", None, str(user.id))
    assert "password_hash" not in str(event.details)
    assert login(app.test_client(), "root").status_code == 302


def test_a_unit_officer_needs_a_known_unit(app: Flask, runner: FlaskCliRunner) -> None:
    """``--unit`` names a stored unit, and a unit officer cannot be made without one."""
    add_unit(app, "justice")
    assert _create(runner, "officer", "--role", "unit_officer") == (
        1,
        "Password: \nRepeat for confirmation: \nError: A unit officer must belong to a unit.\n",
    )
    code, output = _create(runner, "officer", "--role", "unit_officer", "--unit", "nowhere")
    assert code == 1
    assert "no unit with code 'nowhere'" in output
    code, output = _create(runner, "officer", "--role", "unit_officer", "--unit", "justice")
    assert code == 0, output
    assert stored_user(app, "officer").unit_id is not None


def test_refusals_exit_1_and_store_nothing(app: Flask, runner: FlaskCliRunner) -> None:
    """A short password, a bad username or a taken one: exit 1, nothing stored."""
    add_user(app, "lan", Role.STAFF)
    cases = [
        (("mai", "--role", "staff"), "short", "at least 12 characters"),
        (("bad name", "--role", "staff"), PASSWORD, "A username has 3 to 64 characters"),
        (("LAN", "--role", "staff"), PASSWORD, "The username lan is taken."),
        (("mai", "--role", "admin"), "mai", "at least 12"),
    ]
    for args, password, message in cases:
        code, output = _create(runner, *args, password=password)
        assert code == 1
        assert message in output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == 1


def test_list_set_password_and_deactivate(app: Flask, runner: FlaskCliRunner) -> None:
    """Accounts are listed; a new password works at once; a deactivated account cannot sign
    in; the last active administrator cannot be deactivated."""
    add_unit(app, "justice")
    add_user(app, "boss", Role.ADMIN)
    add_user(app, "officer", Role.UNIT_OFFICER, "justice")
    listing = runner.invoke(args=["users", "list"])
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert lines[1].split() == ["boss", "admin", "-", "yes", "-"]
    assert lines[2].split() == ["officer", "unit_officer", "justice", "yes", "-"]
    new_password = "another long password"
    changed = runner.invoke(
        args=["users", "set-password", "officer"], input=f"{new_password}\n{new_password}\n"
    )
    assert changed.exit_code == 0, changed.output
    assert login(app.test_client(), "officer", new_password).status_code == 302
    assert runner.invoke(args=["users", "deactivate", "officer"]).exit_code == 0
    assert login(app.test_client(), "officer", new_password).status_code == 200
    last = runner.invoke(args=["users", "deactivate", "boss"])
    assert last.exit_code == 1
    assert "last active administrator" in last.output
    assert stored_user(app, "boss").active
    missing = runner.invoke(args=["users", "deactivate", "nobody"])
    assert (missing.exit_code, missing.output) == (1, "Error: there is no account 'nobody'.\n")
    with app.app_context():
        events = db.session.execute(
            db.select(AuditEvent.action, AuditEvent.user_id)
            .where(AuditEvent.action.startswith("user."))
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(event) for event in events] == [
        ("user.create", None),
        ("user.create", None),
        ("user.set_password", None),
        ("user.update", None),
    ]
