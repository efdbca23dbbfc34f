"""A database that cannot write for a moment: SQLite locked past the busy timeout or out of
space, and any database error of that kind (PostgreSQL restarting). The respondent gets the
bilingual 503 page with ``Retry-After`` and no detail of the error; the answers of a page
that could not be saved are kept in the signed session cookie, and sending again once the
database is writable stores them — and the response — exactly once."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from app_helpers import (
    CITIZENS,
    csrf_token,
    demo,
    page_data,
    questionnaire,
    review_form,
    start,
    stored_responses,
)
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from survey_app.errors import database_unavailable
from survey_app.models import Draft, db

BUSY_TIMEOUT = 0.05
"""The apps' SQLite busy timeout here (seconds): a held lock fails the write at once."""

COMMENT = "Ý kiến đóng góp số 17 về thủ tục. " * 58
"""A long answer (about 2,000 characters; 4 KB as stored JSON) whose row needs new pages."""


def _database(app: Flask) -> Path:
    """The app's SQLite file."""
    return Path(str(app.config["SQLALCHEMY_DATABASE_URI"]).removeprefix("sqlite:///"))


@contextmanager
def _locked(app: Flask) -> Iterator[None]:
    """Another connection holds SQLite's write lock for the duration."""
    other = sqlite3.connect(_database(app), isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


@contextmanager
def _disk_full(app: Flask) -> Iterator[None]:
    """The app's connections may not grow the database past its present size (SQLite's
    ``max_page_count``: what a full disk does to a write that needs new pages); the database
    is vacuumed first, so no free page is left to reuse."""

    def limit(connection: Any, _record: Any) -> None:
        connection.execute("PRAGMA max_page_count = 1")

    with app.app_context():
        db.engine.dispose()
        vacuum = sqlite3.connect(_database(app), isolation_level=None)
        try:
            vacuum.execute("VACUUM")
            assert vacuum.execute("PRAGMA freelist_count").fetchone() == (0,)
        finally:
            vacuum.close()
        event.listen(db.engine, "connect", limit)
        try:
            yield
        finally:
            event.remove(db.engine, "connect", limit)
            db.engine.dispose()


@pytest.fixture
def locked_app(sqlite_app_with: Callable[..., Flask]) -> Flask:
    """A SQLite app with the demo loaded and a very short busy timeout."""
    application = sqlite_app_with(SQLITE_BUSY_TIMEOUT=BUSY_TIMEOUT)
    demo(application)
    return application


def _assert_unavailable(response: TestResponse) -> None:
    """The 503 page: Retry-After, both languages, nothing of the error itself."""
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "Khảo sát tạm thời gián đoạn" in response.text
    assert "The survey is briefly unavailable" in response.text
    for detail in ("Traceback", "OperationalError", "sqlite", "locked", "disk"):
        assert detail not in response.text


def _kept(app: Flask, client: FlaskClient) -> dict[str, Any] | None:
    """The answers the session cookie keeps, if any."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    kept: dict[str, Any] | None = serializer.loads(cookie.value).get("unsaved")
    return kept


def _walk_to(
    client: FlaskClient, page_id: str, answers: dict[str, Any]
) -> tuple[str, TestResponse]:
    """Answer the pages before ``page_id`` with defaults; its URL and the page shown."""
    form = questionnaire()
    location = start(client).headers["Location"]
    while not location.endswith(f"/p/{page_id}"):
        shown = client.get(location)
        current = location.rsplit("/p/", 1)[1]
        data = page_data(form, form.page(current), answers, {})
        data.update(csrf_token=csrf_token(shown.text), action="next")
        location = client.post(location, data=data).headers["Location"]
    return location, client.get(location)


def _finish(client: FlaskClient, location: str, answers: dict[str, Any]) -> None:
    """Answer the pages from ``location`` to the review with defaults."""
    form = questionnaire()
    while not location.endswith("/review"):
        shown = client.get(location)
        current = location.rsplit("/p/", 1)[1]
        data = page_data(form, form.page(current), answers, {})
        data.update(csrf_token=csrf_token(shown.text), action="next")
        location = client.post(location, data=data).headers["Location"]


def _draft_answers(app: Flask) -> dict[str, Any]:
    """The one draft's answers."""
    with app.app_context():
        answers: dict[str, Any] = db.session.scalars(db.select(Draft)).one().answers
        return answers


def test_locked_database_keeps_the_page_and_the_retry_saves_it(locked_app: Flask) -> None:
    """A page posted while another writer holds the lock gets the 503 page; its answers are
    kept in the cookie and shown again; sending them once the lock is gone saves them, and
    the response is stored once with them."""
    client = locked_app.test_client()
    answers: dict[str, Any] = {}
    location, shown = _walk_to(client, "overall", answers)
    form = questionnaire()
    data = page_data(form, form.page("overall"), answers, {"o_comments": "khóa-17"})
    data.update(csrf_token=csrf_token(shown.text), action="next")
    with _locked(locked_app):
        refused = client.post(location, data=data)
    _assert_unavailable(refused)
    assert "được giữ lại trên trình duyệt" in refused.text
    kept = _kept(locked_app, client)
    assert kept is not None and kept["page"] == "overall"
    assert kept["answers"]["o_comments"] == "khóa-17"
    assert "o_comments" not in _draft_answers(locked_app)
    again = client.get(location)
    assert again.status_code == 200
    assert "khóa-17" in again.text
    assert "được giữ lại trong trình duyệt" in again.text
    retried = client.post(location, data={**data, "csrf_token": csrf_token(again.text)})
    assert retried.status_code == 302
    assert _kept(locked_app, client) is None
    assert _draft_answers(locked_app)["o_comments"] == "khóa-17"
    _finish(client, retried.headers["Location"], answers)
    submitted = client.post(f"{CITIZENS}/submit", data=review_form(client))
    assert submitted.headers["Location"].endswith("/done")
    stored = stored_responses(locked_app)
    assert len(stored) == 1
    assert stored[0].answers == answers


def test_locked_database_on_submit_then_retries_store_once(locked_app: Flask) -> None:
    """Submit refused while locked (503, draft intact), then accepted: one response, and a
    further retry of the same submission is thanked without storing another."""
    client = locked_app.test_client()
    answers: dict[str, Any] = {}
    _finish(client, start(client).headers["Location"], answers)
    form = review_form(client)
    with _locked(locked_app):
        refused = client.post(f"{CITIZENS}/submit", data=form)
    _assert_unavailable(refused)
    assert "được giữ lại" not in refused.text
    assert stored_responses(locked_app) == []
    accepted = client.post(f"{CITIZENS}/submit", data=form)
    repeated = client.post(f"{CITIZENS}/submit", data=form)
    assert accepted.headers["Location"].endswith("/done")
    assert repeated.headers["Location"].endswith("/done")
    stored = stored_responses(locked_app)
    assert len(stored) == 1
    assert stored[0].answers == answers


def test_full_disk_keeps_the_page_and_refuses_the_submit_until_space(locked_app: Flask) -> None:
    """A page whose long answer needs new database pages, and then the submission, while the
    database cannot grow: 503 each time, the page's answers kept; once there is room, the
    page is saved and the response stored once, long answer included."""
    client = locked_app.test_client()
    answers: dict[str, Any] = {}
    location, shown = _walk_to(client, "overall", answers)
    form = questionnaire()
    data = page_data(form, form.page("overall"), answers, {"o_comments": COMMENT.strip()})
    data.update(csrf_token=csrf_token(shown.text), action="next")
    with _disk_full(locked_app):
        refused = client.post(location, data=data)
    _assert_unavailable(refused)
    kept = _kept(locked_app, client)
    assert kept is not None and kept["answers"]["o_comments"] == COMMENT.strip()
    again = client.get(location)
    retried = client.post(location, data={**data, "csrf_token": csrf_token(again.text)})
    assert retried.status_code == 302
    _finish(client, retried.headers["Location"], answers)
    submit = review_form(client)
    with _disk_full(locked_app):
        _assert_unavailable(client.post(f"{CITIZENS}/submit", data=submit))
    assert stored_responses(locked_app) == []
    assert client.post(f"{CITIZENS}/submit", data=submit).headers["Location"].endswith("/done")
    assert client.post(f"{CITIZENS}/submit", data=submit).headers["Location"].endswith("/done")
    stored = stored_responses(locked_app)
    assert len(stored) == 1
    assert stored[0].answers["o_comments"] == COMMENT.strip()
    assert stored[0].answers == answers


def test_unreachable_database_is_a_503_in_the_chosen_language_first(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any request meeting a lost connection (PostgreSQL restarting) gets the 503 page —
    English first after the switch — and a JSON 503 under ``/api/``; not a 500."""
    demo(app)

    def lost(*_args: object, **_kwargs: object) -> None:
        raise OperationalError(
            "SELECT 1", {}, Exception("terminating connection due to administrator command")
        )

    monkeypatch.setattr("survey_app.routes.survey.find_survey", lost)
    client.get("/lang/en")
    page = client.get(f"{CITIZENS}/")
    _assert_unavailable(page)
    assert page.text.index("briefly unavailable") < page.text.index("tạm thời gián đoạn")
    assert "administrator command" not in page.text
    with app.test_request_context("/api/staff/rounds/1/monitoring"):
        body, status, headers = database_unavailable(
            OperationalError("SELECT 1", {}, Exception("gone"))
        )
        assert status == 503 and int(headers["Retry-After"]) > 0
        assert body.get_json() == {"error": "database unavailable", "retry_after": 30}


def test_connection_lost_after_the_page_was_built_is_not_a_500(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL going away between a request's last statement and the rollback that closes
    its session (seen under load while PostgreSQL restarted) leaves the finished page as it
    was, instead of gunicorn's bare 500; the next request works."""
    demo(app)
    original = Session.close
    failed: list[Session] = []

    def close_then_fail(session: Session) -> None:
        original(session)
        if not failed:
            failed.append(session)
            raise OperationalError(
                "ROLLBACK", {}, Exception("server closed the connection unexpectedly")
            )

    monkeypatch.setattr(Session, "close", close_then_fail)
    page = client.get(f"{CITIZENS}/")
    assert failed, "the session was never closed"
    assert page.status_code == 200
    assert csrf_token(page.text)
    assert client.get(f"{CITIZENS}/").status_code == 200
