"""CLI commands: ``demo load`` (idempotent, with demo accounts that can sign in) and
``questionnaires check`` (exit codes)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner

from questionnaires.loader import FORMS_DIRECTORY, bundled_questionnaires
from survey_app.models import (
    Invitation,
    QuestionnaireVersion,
    Round,
    RoundQuestionnaire,
    Unit,
    User,
    db,
)
from tests.app.staff.staff_helpers import login

COUNTED = (QuestionnaireVersion, Unit, Round, RoundQuestionnaire, Invitation, User)


def _counts(app: Flask) -> dict[str, int]:
    """Rows per demo table."""
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in COUNTED
        }


def test_demo_load_twice_adds_nothing(app: Flask, runner: FlaskCliRunner) -> None:
    """The first load prints and files the codes; the second keeps everything as it was."""
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    after_first = _counts(app)
    assert after_first["questionnaire_versions"] == len(bundled_questionnaires())
    assert after_first["rounds"] == 1
    assert after_first["round_questionnaires"] == 3
    assert after_first["units"] == 1 + 19 + 9
    assert after_first["invitations"] == 2 * (19 + 9)
    codes_file = Path(app.instance_path) / "demo_invitations.txt"
    lines = [line for line in codes_file.read_text().splitlines() if not line.startswith("#")]
    assert len(lines) == after_first["invitations"]
    code = lines[0].split("\t")[2]
    assert code in first.output
    with app.app_context():
        hashes = set(db.session.scalars(db.select(Invitation.code_hash)))
    assert not any(code.replace("-", "") in h for h in hashes)
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert _counts(app) == after_first
    assert code not in second.output


def test_demo_load_creates_one_account_per_role_once(app: Flask, runner: FlaskCliRunner) -> None:
    """An empty database gets admin, staff and evaluator accounts whose passwords are printed
    once and filed; they sign in. A database with accounts gets none."""
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    accounts_file = Path(app.instance_path) / "demo_accounts.txt"
    rows = [
        line.split("\t")
        for line in accounts_file.read_text().splitlines()
        if not line.startswith("#")
    ]
    assert [(name, role) for name, role, _ in rows] == [
        ("admin", "admin"),
        ("staff", "staff"),
        ("evaluator", "evaluator"),
    ]
    assert oct(accounts_file.stat().st_mode & 0o777) == "0o600"
    for name, _role, password in rows:
        assert password in first.output
        client = app.test_client()
        assert login(client, name, password).headers["Location"].startswith("/")
        assert client.get("/staff/" if name != "evaluator" else "/evaluate/").status_code == 200
    second = runner.invoke(args=["demo", "load"])
    assert "password" not in second.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 3


def test_questionnaires_check_passes_the_bundled_forms(runner: FlaskCliRunner) -> None:
    """The bundled questionnaires have no problem: exit 0."""
    result = runner.invoke(args=["questionnaires", "check", str(FORMS_DIRECTORY)])
    assert result.exit_code == 0, result.output


def test_questionnaires_check_fails_on_a_broken_file(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """A file with a problem names the file and exits 1."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: 1\nid: broken\nversion: '1'\n", encoding="utf-8")
    result = runner.invoke(args=["questionnaires", "check", str(broken)])
    assert result.exit_code == 1
    assert "broken.yaml" in result.output


def test_questionnaires_check_needs_a_path(runner: FlaskCliRunner) -> None:
    """No path is a usage error."""
    assert runner.invoke(args=["questionnaires", "check"]).exit_code == 2
