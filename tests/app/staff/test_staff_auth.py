"""Signing in and out: one generic failure message, rate limits, Argon2id hashes upgraded on
sign-in, sessions that end (idle timeout, absolute lifetime, sign-out, password change,
deactivation), and only local ``next`` targets."""

from __future__ import annotations

import time

from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from survey_app.auth.accounts import deactivate
from survey_app.auth.passwords import hash_password, verify_password
from survey_app.auth.sessions import SEEN_AT, SIGNED_IN_AT
from survey_app.models import AuditEvent, Role, User, db
from tests.app.staff.staff_helpers import PASSWORD, add_user, csrf_token, login, stored_user

FAILURE = "The username or password is not correct."


def _english(client: FlaskClient) -> None:
    """Switch the client's interface to English."""
    client.get("/lang/en")


def test_sign_in_and_out(app: Flask, client: FlaskClient) -> None:
    """The right password opens the workspace; signing out closes it again."""
    add_user(app, "lan", Role.STAFF)
    assert client.get("/staff/").headers["Location"].startswith("/auth/login")
    signed_in = login(client, "lan")
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == "/staff/"
    home = client.get("/staff/")
    assert home.status_code == 200
    assert "Lan" in home.text
    out = client.post("/auth/logout", data={"csrf_token": csrf_token(home.text)})
    assert out.headers["Location"] == "/auth/login"
    assert client.get("/staff/").status_code == 302
    assert stored_user(app, "lan").last_login_on is not None
    with app.app_context():
        actions = list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["user.create", "auth.sign_in", "auth.sign_out"]


def test_every_failure_reads_the_same(app: Flask, client: FlaskClient) -> None:
    """Unknown user, wrong password and inactive account all get one message and no session."""
    add_user(app, "lan", Role.STAFF)
    add_user(app, "gone", Role.STAFF)
    with app.app_context(), app.test_request_context():
        deactivate(db.session.scalars(db.select(User).where(User.username == "gone")).one())
        db.session.commit()
    _english(client)
    for username, password in (
        ("nobody", PASSWORD),
        ("lan", "wrong password!"),
        ("gone", PASSWORD),
    ):
        response = login(client, username, password)
        assert response.status_code == 200
        assert FAILURE in response.text
        assert client.get("/staff/").status_code == 302


def test_sign_in_is_rate_limited(app: Flask, client: FlaskClient) -> None:
    """Past the configured number of attempts the form answers 429 and says to wait."""
    add_user(app, "lan", Role.STAFF)
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    _english(client)
    for _ in range(3):
        assert login(client, "lan", "wrong password!").status_code == 200
    refused = login(client, "lan", PASSWORD)
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.text
    assert client.get("/staff/").status_code == 302


def test_passwords_are_stored_as_argon2id_hashes(app: Flask) -> None:
    """The stored hash is Argon2id, salted, and verifies only the right password."""
    add_user(app, "lan", Role.STAFF)
    add_user(app, "mai", Role.STAFF)
    lan, mai = stored_user(app, "lan"), stored_user(app, "mai")
    assert lan.password_hash.startswith("$argon2id$")
    assert PASSWORD not in lan.password_hash
    assert lan.password_hash != mai.password_hash
    assert verify_password(lan.password_hash, PASSWORD)
    assert not verify_password(lan.password_hash, PASSWORD + "x")
    assert not verify_password("not a hash", PASSWORD)


def test_an_old_hash_is_upgraded_at_sign_in(app: Flask, client: FlaskClient) -> None:
    """A hash made with weaker parameters is replaced by a current one on the next sign-in."""
    add_user(app, "lan", Role.STAFF)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with app.app_context():
        user = db.session.scalars(db.select(User).where(User.username == "lan")).one()
        user.password_hash = weak
        db.session.commit()
    assert login(client, "lan").status_code == 302
    upgraded = stored_user(app, "lan").password_hash
    assert upgraded != weak
    assert upgraded.split("$")[3] == hash_password("x").split("$")[3]
    assert verify_password(upgraded, PASSWORD)


def _age(client: FlaskClient, key: str, seconds: float) -> None:
    """Move a session stamp ``seconds`` into the past."""
    with client.session_transaction() as session:
        session[key] = session[key] - seconds


def test_an_idle_session_ends(app: Flask, client: FlaskClient) -> None:
    """Past the idle timeout (configurable, in seconds) the next request needs a new sign-in;
    activity within it keeps the session."""
    add_user(app, "lan", Role.STAFF)
    app.config["STAFF_IDLE_TIMEOUT"] = 60
    _english(client)
    login(client, "lan")
    _age(client, SEEN_AT, 50)
    assert client.get("/staff/").status_code == 200
    _age(client, SEEN_AT, 61)
    expired = client.get("/staff/")
    assert expired.headers["Location"].startswith("/auth/login")
    assert "Your session has ended" in client.get(expired.headers["Location"]).text
    assert client.get("/staff/").status_code == 302


def test_a_session_ends_after_its_lifetime_however_active(app: Flask, client: FlaskClient) -> None:
    """The absolute lifetime counts from sign-in, whatever the activity since."""
    add_user(app, "lan", Role.STAFF)
    login(client, "lan")
    _age(client, SIGNED_IN_AT, 11 * 3600)
    assert client.get("/staff/").status_code == 200
    _age(client, SIGNED_IN_AT, 3600 + 1)
    with client.session_transaction() as session:
        assert time.time() - session[SEEN_AT] < 60
    assert client.get("/staff/").status_code == 302


def test_signing_out_ends_every_session_of_the_account(app: Flask) -> None:
    """A second browser signed in to the same account is signed out too."""
    add_user(app, "lan", Role.STAFF)
    phone, desk = app.test_client(), app.test_client()
    login(phone, "lan")
    login(desk, "lan")
    page = phone.get("/staff/")
    phone.post("/auth/logout", data={"csrf_token": csrf_token(page.text)})
    assert desk.get("/staff/").status_code == 302


def test_deactivation_and_new_password_end_sessions(app: Flask) -> None:
    """A session stops working once its account is deactivated or given a new password."""
    add_user(app, "lan", Role.STAFF)
    add_user(app, "mai", Role.STAFF)
    add_user(app, "boss", Role.ADMIN)
    lan, mai, boss = app.test_client(), app.test_client(), app.test_client()
    for client, name in ((lan, "lan"), (mai, "mai"), (boss, "boss")):
        login(client, name)
    lan_id = stored_user(app, "lan").id
    page = boss.get(f"/staff/users/{lan_id}")
    boss.post(
        f"/staff/users/{lan_id}",
        data={"csrf_token": csrf_token(page.text), "display_name": "Lan", "role": "staff"},
    )
    assert lan.get("/staff/").status_code == 302
    assert login(lan, "lan").status_code == 200
    mai_id = stored_user(app, "mai").id
    page = boss.get(f"/staff/users/{mai_id}/password")
    boss.post(
        f"/staff/users/{mai_id}/password",
        data={
            "csrf_token": csrf_token(page.text),
            "password": "a brand new password",
            "confirm": "a brand new password",
        },
    )
    assert mai.get("/staff/").status_code == 302
    assert login(mai, "mai", "a brand new password").status_code == 302


def test_only_local_next_targets_are_followed(app: Flask, client: FlaskClient) -> None:
    """After signing in the user goes back to the page asked for, never to another site."""
    add_user(app, "lan", Role.STAFF)
    asked = client.get("/staff/units")
    assert asked.headers["Location"] == "/auth/login?next=/staff/units"
    for target, expected in (("/staff/units", "/staff/units"), ("//evil.example/x", "/staff/")):
        page = client.get(f"/auth/login?next={target}")
        response = client.post(
            "/auth/login",
            data={
                "username": "lan",
                "password": PASSWORD,
                "next": target,
                "csrf_token": csrf_token(page.text),
            },
        )
        assert response.headers["Location"] == expected
        client.post("/auth/logout", data={"csrf_token": csrf_token(client.get("/staff/").text)})


def test_changing_ones_own_password(app: Flask, client: FlaskClient) -> None:
    """The current password is checked, the rule applies, and the new one works."""
    add_user(app, "lan", Role.EVALUATOR)
    _english(client)
    login(client, "lan")
    page = client.get("/auth/password")
    wrong = client.post(
        "/auth/password",
        data={
            "csrf_token": csrf_token(page.text),
            "current": "not it at all",
            "password": "a brand new password",
            "confirm": "a brand new password",
        },
    )
    assert "The current password is not correct." in wrong.text
    short = client.post(
        "/auth/password",
        data={
            "csrf_token": csrf_token(page.text),
            "current": PASSWORD,
            "password": "short",
            "confirm": "short",
        },
    )
    assert "at least 12 characters" in short.text
    changed = client.post(
        "/auth/password",
        data={
            "csrf_token": csrf_token(page.text),
            "current": PASSWORD,
            "password": "a brand new password",
            "confirm": "a brand new password",
        },
    )
    assert changed.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert verify_password(stored_user(app, "lan").password_hash, "a brand new password")


def test_sign_in_needs_the_form_token(app: Flask, client: FlaskClient) -> None:
    """A sign-in posted without the CSRF token is refused."""
    add_user(app, "lan", Role.STAFF)
    response = client.post("/auth/login", data={"username": "lan", "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/staff/").status_code == 302
