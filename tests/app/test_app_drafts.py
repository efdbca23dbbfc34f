"""Drafts and codes over time: the visibility endpoint, expiry, withdrawn codes, Redis limits."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

import pytest
import redis
from app_helpers import CITIZENS, csrf_token, demo, page_data, questionnaire, start
from flask import Flask
from flask.testing import FlaskClient

from survey_app.drafts import SESSION_KEY
from survey_app.models import Draft, Invitation, InvitationStatus, db
from survey_app.models.base import utcnow


def test_visibility_endpoint_follows_the_answers_being_typed(
    app: Flask, client: FlaskClient
) -> None:
    """The page script learns that visits are asked of those who went in person, and the
    endpoint refuses a post without the form's token."""
    demo(app)
    location = start(client).headers["Location"]
    token = csrf_token(client.get(location).text)
    url = f"{location}/visible"
    online = client.post(url, data={"csrf_token": token, "q_s_channel": "online"})
    in_person = client.post(url, data={"csrf_token": token, "q_s_channel": "in_person"})
    assert "s_visits" not in online.json["visible"]
    assert "s_visits" in in_person.json["visible"]
    assert client.post(url, data={"q_s_channel": "in_person"}).status_code == 400


def test_expired_draft_is_neither_shown_nor_resumed(app: Flask, client: FlaskClient) -> None:
    """After its expiry a draft is gone for its session and its resume code."""
    demo(app)
    location = start(client).headers["Location"]
    page = client.get(location)
    saved = client.post(location, data={"csrf_token": csrf_token(page.text), "action": "save"})
    code = saved.text.split('class="resume-code"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    with app.app_context():
        db.session.scalars(db.select(Draft)).one().expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get(location).headers["Location"] == f"{CITIZENS}/"
    other = app.test_client()
    form = other.get("/resume")
    refused = other.post("/resume", data={"csrf_token": csrf_token(form.text), "code": code})
    assert "Mã tiếp tục không đúng hoặc đã hết hạn." in refused.text
    start(other)
    with app.app_context():
        assert [d.expires_at > utcnow() for d in db.session.scalars(db.select(Draft))] == [True]


@pytest.mark.parametrize("named", ["0" * 32, 12345, ["list"], "another survey's draft"])
def test_a_session_naming_no_live_draft_of_its_survey_loses_no_posted_answer(
    app: Flask, client: FlaskClient, named: object
) -> None:
    """A session whose draft id is unknown, malformed or another survey's is sent back to the
    start when it asks for a page; a page it posts is stored in a fresh draft of its own."""
    demo(app)
    location = start(client).headers["Location"]
    token = csrf_token(client.get(location).text)
    if named == "another survey's draft":
        other = app.test_client()
        start(other, "/r/demo/province_department")
        with other.session_transaction() as other_session:
            named = other_session[SESSION_KEY]
    with app.app_context():
        kept = set(db.session.scalars(db.select(Draft.id)))
    with client.session_transaction() as session:
        session[SESSION_KEY] = named
    assert client.get(location).headers["Location"] == f"{CITIZENS}/"
    form = questionnaire()
    expected: dict[str, object] = {}
    data = page_data(form, form.page(location.rsplit("/p/", 1)[1]), expected, {})
    posted = client.post(location, data={**data, "csrf_token": token, "action": "next"})
    assert posted.status_code == 302
    assert "/p/" in posted.headers["Location"]
    with client.session_transaction() as session:
        fresh = session[SESSION_KEY]
    with app.app_context():
        draft = db.session.get_one(Draft, fresh)
        assert fresh not in kept
        assert draft.answers == expected
        assert set(db.session.scalars(db.select(Draft.id))) == kept | {fresh}


def test_revoked_code_is_refused(app: Flask, client: FlaskClient) -> None:
    """A code withdrawn by staff no longer opens the survey."""
    code = demo(app).codes[0].code
    with app.app_context():
        for invitation in db.session.scalars(db.select(Invitation)):
            invitation.status = InvitationStatus.REVOKED
        db.session.commit()
    assert client.get(f"/i/{code}").headers["Location"] == "/code"
    assert "Mã này không còn hiệu lực." in client.get("/code").text


def test_rate_limits_can_live_in_redis(sqlite_app_with: Callable[..., Flask]) -> None:
    """With ``RATELIMIT_STORAGE_URI`` pointing at Redis the counters are kept there, so every
    gunicorn worker shares them."""
    prefix = f"par-test-{secrets.token_hex(4)}"
    app = sqlite_app_with(
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
        RATELIMIT_KEY_PREFIX=prefix,
        RATELIMIT_CODE_ENTRY="2 per minute",
    )
    client = app.test_client()
    token = csrf_token(client.get("/code").text)
    statuses = [
        client.post("/code", data={"csrf_token": token, "code": "X"}).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    store = redis.Redis.from_url("redis://127.0.0.1:6379")
    keys = list(store.scan_iter(f"*{prefix}*"))
    assert keys
    store.delete(*keys)
