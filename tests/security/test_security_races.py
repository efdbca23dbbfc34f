"""Races against a real server: fifty browsers at once, over loopback, on gunicorn workers.

The in-process thread tests of ``tests/app/test_app_submission.py`` race a handful of test
clients inside one interpreter; these scale the same two attacks to fifty concurrent HTTP
requests spread over four worker processes (each with threads) on SQLite and PostgreSQL:

* fifty browsers each holding their own draft of one invitation code — as browsers that
  opened the same letter's code at the same moment end up — submit at once: the locked,
  conditional delete of the code lets exactly one through, the others are told the code was
  used, and the code's row is gone;
* fifty copies of one review form (double clicks, retries, a second tab) post the same
  submission key at once: one response, every post lands on the thank-you page.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
from flask import Flask

from survey_app.invitations import code_hash
from survey_app.models import Draft, Invitation, db
from tests.app.app_helpers import CITIZENS, SUBMISSION_KEY, csrf_token, demo, questionnaire
from tests.security.security_helpers import (
    LiveServer,
    at_once,
    fill_over_http,
    invalid_responses,
    response_count,
    start_server,
)

BROWSERS = 50
LEADERS = "/r/demo/par_leaders"
UNLIMITED = "100000 per minute"
"""Rate limits high enough not to interfere: these tests are about races, not limits."""


def _server(app: Flask, tmp_path: Path) -> LiveServer:
    """Four gunicorn workers with eight threads each on the test's database."""
    return start_server(
        app,
        tmp_path / "gunicorn.log",
        workers=4,
        threads=8,
        RATELIMIT_CODE_ENTRY=UNLIMITED,
        RATELIMIT_SUBMISSION=UNLIMITED,
    )


def _review_form(browser: httpx.Client, base: str) -> dict[str, str]:
    """The review page's submit form, read over HTTP."""
    review = browser.get(f"{base}/review")
    assert review.status_code == 200, review.text[:500]
    key = SUBMISSION_KEY.search(review.text)
    assert key, "review page has no submission key"
    return {"csrf_token": csrf_token(review.text), "submission_key": key.group(1)}


def _session_cookie(app: Flask, draft_id: str) -> str:
    """A session cookie naming ``draft_id``, signed as the server signs its own."""
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None
    return str(serializer.dumps({"draft": draft_id, "_permanent": True}))


def _twin_drafts(app: Flask, count: int) -> list[str]:
    """``count`` more drafts of the one stored draft's invitation, with its answers and their
    own submission keys: what browsers that opened one code at the same moment hold."""
    with app.app_context():
        draft = db.session.scalars(db.select(Draft)).one()
        ids = []
        for _ in range(count):
            twin = Draft(
                id=secrets.token_hex(16),
                round_questionnaire_id=draft.round_questionnaire_id,
                answers=dict(draft.answers),
                page_seconds={},
                submission_key=secrets.token_hex(16),
                invitation_id=draft.invitation_id,
                expires_at=draft.expires_at,
            )
            db.session.add(twin)
            ids.append(twin.id)
        db.session.commit()
        return ids


def test_fifty_submits_with_one_invitation_code_store_one_response(
    app: Flask, tmp_path: Path
) -> None:
    """Fifty browsers open one code at the same moment (none fails), then fifty drafts of that
    code are submitted at once: one response, forty-nine "code used" pages, no draft left."""
    issued = demo(app).codes
    code = issued[0].code
    server = _server(app, tmp_path)
    try:
        browsers = [server.browser() for _ in range(BROWSERS)]
        opened = at_once([lambda b=b: b.get(f"/i/{code}") for b in browsers])  # type: ignore[misc]
        assert {(r.status_code, r.headers.get("Location")) for r in opened} == {
            (302, f"{LEADERS}/continue")
        }
        first = browsers[0]
        fill_over_http(first, f"{LEADERS}/continue", questionnaire("par_leaders"))
        with app.app_context():
            filled = [d.id for d in db.session.scalars(db.select(Draft)) if d.answers]
            assert len(filled) == 1
            db.session.execute(db.delete(Draft).where(Draft.id.not_in(filled)))
            db.session.commit()
        for browser, twin in zip(browsers[1:], _twin_drafts(app, BROWSERS - 1), strict=True):
            browser.cookies.clear()
            browser.cookies.set("session", _session_cookie(app, twin), domain="127.0.0.1")
        forms = [_review_form(browser, LEADERS) for browser in browsers]
        assert len({form["submission_key"] for form in forms}) == BROWSERS
        results = at_once(
            [
                lambda b=b, f=f: b.post(f"{LEADERS}/submit", data=f)  # type: ignore[misc]
                for b, f in zip(browsers, forms, strict=True)
            ]
        )
        statuses = sorted(r.status_code for r in results)
        assert statuses == [302] + [409] * (BROWSERS - 1), server.log_tail()
        done = next(r for r in results if r.status_code == 302)
        assert done.headers["Location"].endswith(f"{LEADERS}/done")
        assert all("Mã này đã được sử dụng" in r.text for r in results if r.status_code == 409)
    finally:
        server.stop()
    assert response_count(app) == 1
    assert invalid_responses(app) == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Draft)) == 0
        stored = db.session.scalars(db.select(Invitation.code_hash)).all()
        with app.test_request_context():
            assert code_hash(code) not in stored
        assert len(stored) == len(issued) - 1


def test_fifty_double_posts_of_one_submission_key_store_one_response(
    app: Flask, tmp_path: Path
) -> None:
    """One review form posted fifty times at once (same session, same key): every post lands
    on the thank-you page and one response is stored."""
    demo(app)
    server = _server(app, tmp_path)
    try:
        first = server.browser()
        started_page = first.get(f"{CITIZENS}/")
        started = first.post(f"{CITIZENS}/", data={"csrf_token": csrf_token(started_page.text)})
        assert started.status_code == 302
        fill_over_http(first, started.headers["Location"], questionnaire())
        form = _review_form(first, CITIZENS)
        cookie = first.cookies["session"]
        browsers = [server.browser() for _ in range(BROWSERS)]
        for browser in browsers:
            browser.cookies.set("session", cookie, domain="127.0.0.1")
        results = at_once(
            [lambda b=b: b.post(f"{CITIZENS}/submit", data=form) for b in browsers]  # type: ignore[misc]
        )
        assert {r.status_code for r in results} == {302}, server.log_tail()
        assert {r.headers["Location"] for r in results} == {f"{CITIZENS}/done"}
    finally:
        server.stop()
    assert response_count(app) == 1
    assert invalid_responses(app) == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Draft)) == 0
