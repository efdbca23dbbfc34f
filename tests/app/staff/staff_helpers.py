"""Helpers for the workspace tests: accounts and units in the database, signing in, and posting
forms the way a browser does (CSRF token from the page first)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from survey_app.auth.accounts import create_user
from survey_app.models import Role, Round, Unit, User, db

PASSWORD = "correct horse battery"
"""The password of every test account."""

CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def add_unit(app: Flask, code: str, kind: str = "department", parent: str | None = None) -> int:
    """Store a unit (under the unit ``parent``); its id."""
    with app.app_context():
        parent_id = None
        if parent is not None:
            parent_id = db.session.scalars(db.select(Unit.id).where(Unit.code == parent)).one()
        unit = Unit(
            code=code,
            name_vi=f"Đơn vị {code}",
            name_en=f"Unit {code}",
            kind=kind,
            parent_id=parent_id,
        )
        db.session.add(unit)
        db.session.commit()
        return unit.id


def add_user(app: Flask, username: str, role: Role, unit_code: str | None = None) -> int:
    """Store an active account with :data:`PASSWORD`; its id."""
    with app.app_context():
        unit = None
        if unit_code is not None:
            unit = db.session.scalars(db.select(Unit).where(Unit.code == unit_code)).one()
        with app.test_request_context():
            user = create_user(
                username=username,
                display_name=username.title(),
                role=role,
                password=PASSWORD,
                unit=unit,
            )
            db.session.commit()
            return user.id


def stored_user(app: Flask, username: str) -> User:
    """The stored account ``username`` (detached)."""
    with app.app_context():
        user = db.session.scalars(db.select(User).where(User.username == username)).one()
        db.session.expunge(user)
        return user


def csrf_token(html: str) -> str:
    """A CSRF token from a page."""
    found = CSRF.search(html)
    assert found, "page has no CSRF token"
    return found.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    """Sign in through the sign-in form."""
    page = client.get("/auth/login")
    return client.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
    )


def post_form(
    client: FlaskClient, page_path: str, data: dict[str, Any], target: str | None = None
) -> TestResponse:
    """Open ``page_path`` for its CSRF token, then post ``data`` to ``target`` (or the page)."""
    page = client.get(page_path)
    assert page.status_code == 200, page.text
    return client.post(target or page_path, data={**data, "csrf_token": csrf_token(page.text)})


def add_round_of_units(app: Flask, code: str, *unit_codes: str) -> int:
    """Store a round (no questionnaire) evaluating ``unit_codes``; its id."""
    with app.app_context():
        round_ = Round(code=code, year=2025, title_vi=f"Đợt {code}", title_en=f"Round {code}")
        round_.units = list(db.session.scalars(select(Unit).where(Unit.code.in_(unit_codes))))
        db.session.add(round_)
        db.session.commit()
        return round_.id
