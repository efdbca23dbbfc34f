"""Exactly one response per draft and per invitation code: repeats, races and used codes."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from app_helpers import (
    CITIZENS,
    csrf_token,
    demo,
    fill_pages,
    questionnaire,
    review_form,
    start,
    stored_responses,
)
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from survey_app.demo import DemoLoad
from survey_app.invitations import code_hash
from survey_app.models import Draft, Invitation, Unit, db

LEADERS = "/r/demo/par_leaders"
THREADS = 6


def _clone(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another client holding the same session cookie (a second tab or a retry)."""
    other = app.test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    other.set_cookie("session", cookie.value)
    return other


def _race(url: str, posts: list[tuple[FlaskClient, dict[str, str]]]) -> list[TestResponse]:
    """Post each ``(client, data)`` pair to ``url``, all at the same moment."""
    barrier = Barrier(len(posts))

    def post(pair: tuple[FlaskClient, dict[str, str]]) -> TestResponse:
        barrier.wait()
        return pair[0].post(url, data=pair[1])

    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        return list(pool.map(post, posts))


def test_double_submit_stores_one_response(app: Flask, client: FlaskClient) -> None:
    """A second press of Submit (or the back button and Submit again) lands on thanks."""
    demo(app)
    fill_pages(client, start(client), questionnaire())
    form = review_form(client)
    first = client.post(f"{CITIZENS}/submit", data=form)
    second = client.post(f"{CITIZENS}/submit", data=form)
    assert first.headers["Location"].endswith("/done")
    assert second.headers["Location"].endswith("/done")
    assert len(stored_responses(app)) == 1


def test_concurrent_submits_store_one_response(app: Flask, client: FlaskClient) -> None:
    """The same submission sent from several threads at once is stored once."""
    demo(app)
    fill_pages(client, start(client), questionnaire())
    form = review_form(client)
    clients = [_clone(app, client) for _ in range(THREADS)]
    results = _race(f"{CITIZENS}/submit", [(other, form) for other in clients])
    assert [r.status_code for r in results] == [302] * THREADS
    assert all(r.headers["Location"].endswith("/done") for r in results)
    assert len(stored_responses(app)) == 1


def _enter_code(client: FlaskClient, code: str) -> TestResponse:
    """Follow an invitation link."""
    return client.get(f"/i/{code}")


def _fill_leaders(client: FlaskClient, code: str) -> dict[str, str]:
    """Open the leaders' survey with ``code``, answer every page, return the submit form."""
    entered = _enter_code(client, code)
    resumed = client.get(entered.headers["Location"])
    fill_pages(client, resumed, questionnaire("par_leaders"))
    return review_form(client, LEADERS)


def _code(load: DemoLoad) -> str:
    """The first demo invitation code."""
    return load.codes[0].code


def test_code_link_leaves_the_url_at_once(app: Flask, client: FlaskClient) -> None:
    """``/i/<code>`` redirects to a URL without the code; the session then opens the survey."""
    code = _code(demo(app))
    entered = _enter_code(client, code)
    assert entered.status_code == 302
    location = entered.headers["Location"]
    assert location == f"{LEADERS}/continue"
    assert code not in location and code.replace("-", "") not in location
    page = client.get(client.get(location).headers["Location"])
    assert page.status_code == 200
    assert code not in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_typed_code_opens_the_survey(app: Flask, client: FlaskClient) -> None:
    """A code typed in lower case without dashes on the form works like the link."""
    code = _code(demo(app))
    home = client.get("/")
    typed = code.replace("-", "").lower()
    entered = client.post("/code", data={"csrf_token": csrf_token(home.text), "code": typed})
    assert entered.headers["Location"] == f"{LEADERS}/continue"


def test_leader_response_takes_its_unit_from_the_invitation(
    app: Flask, client: FlaskClient
) -> None:
    """The invitation's unit becomes the response's unit, the stratum is the answer the
    questionnaire names; the used code's row is deleted, leaving nothing that leads to the
    response."""
    load = demo(app)
    issued = load.codes[0]
    form = _fill_leaders(client, issued.code)
    assert client.post(f"{LEADERS}/submit", data=form).headers["Location"].endswith("/done")
    [response] = stored_responses(app)
    stratum_item = questionnaire("par_leaders").definition.sampling.stratum
    assert stratum_item is not None
    with app.app_context():
        unit = db.session.scalars(db.select(Unit).where(Unit.code == issued.unit_code)).one()
        assert response.unit_id == unit.id
    assert response.stratum == response.answers[stratum_item]
    assert response.respondent_group == "leader"
    with app.app_context():
        used = db.select(Invitation).where(Invitation.code_hash == code_hash(issued.code))
        assert db.session.scalars(used).all() == []
        assert db.session.scalar(db.select(db.func.count()).select_from(Draft)) == 0


def test_used_code_is_refused(app: Flask, client: FlaskClient) -> None:
    """After submitting, the same code neither opens the survey nor submits again."""
    code = _code(demo(app))
    form = _fill_leaders(client, code)
    client.post(f"{LEADERS}/submit", data=form)
    again = app.test_client()
    refused = _enter_code(again, code)
    assert refused.headers["Location"] == "/code"
    assert "hoặc mã đã được dùng để gửi một phiếu khảo sát" in again.get("/code").text
    assert len(stored_responses(app)) == 1


def test_one_code_in_two_browsers_stores_one_response(app: Flask, client: FlaskClient) -> None:
    """Two browsers that opened the same code share its draft: one response."""
    code = _code(demo(app))
    form = _fill_leaders(client, code)
    other = app.test_client()
    _enter_code(other, code)
    results = _race(f"{LEADERS}/submit", [(client, form), (other, review_form(other, LEADERS))])
    assert all(r.headers["Location"].endswith("/done") for r in results)
    assert len(stored_responses(app)) == 1


def test_concurrent_drafts_of_one_code_store_one_response(app: Flask, client: FlaskClient) -> None:
    """Two drafts opened with one code and submitted at once: the locked, conditional delete
    of the code lets exactly one through and the other is told the code was used."""
    code = _code(demo(app))
    _fill_leaders(client, code)
    with app.app_context():
        draft = db.session.scalars(db.select(Draft)).one()
        twin = Draft(
            id="f" * 32,
            round_questionnaire_id=draft.round_questionnaire_id,
            answers=dict(draft.answers),
            page_seconds={},
            submission_key="e" * 32,
            invitation_id=draft.invitation_id,
            expires_at=draft.expires_at,
        )
        db.session.add(twin)
        db.session.commit()
    other = app.test_client()
    with other.session_transaction() as session:
        session["draft"] = "f" * 32
    posts = [(client, review_form(client, LEADERS)), (other, review_form(other, LEADERS))]
    results = _race(f"{LEADERS}/submit", posts)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [302, 409]
    refused = next(r for r in results if r.status_code == 409)
    assert re.search("Mã này đã được sử dụng", refused.text)
    assert len(stored_responses(app)) == 1
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Draft)) == 0
