"""Public pages: the survey list, the language switch, resuming, limits and headers."""

from __future__ import annotations

import re
from collections.abc import Callable

from app_helpers import CITIZENS, csrf_token, demo, start
from flask import Flask
from flask.testing import FlaskClient

from survey_app.models import Draft, Round, RoundStatus, db

RESUME_CODE = re.compile(r'class="resume-code"[^>]*>([0-9A-Z-]+)<')


def test_home_lists_every_open_survey(app: Flask, client: FlaskClient) -> None:
    """Public surveys are linked; the invitation survey is listed with the code form; staff
    find their sign-in."""
    demo(app)
    home = client.get("/")
    assert home.status_code == 200
    assert 'href="/r/demo/sipas_citizens/"' in home.text
    assert 'href="/r/demo/province_department/"' in home.text
    assert "Phiếu khảo sát lãnh đạo, quản lý" in home.text
    assert 'href="/r/demo/par_leaders/"' not in home.text
    assert 'action="/code"' in home.text
    assert 'Cán bộ khảo sát và thẩm định: <a href="/auth/login">Đăng nhập</a>' in home.text


def test_closed_round_is_neither_listed_nor_answerable(app: Flask, client: FlaskClient) -> None:
    """Closing the round removes its surveys from the list and its pages answer 410."""
    demo(app)
    with app.app_context():
        db.session.scalars(db.select(Round)).one().status = RoundStatus.CLOSED
        db.session.commit()
    assert "/r/demo/sipas_citizens/" not in client.get("/").text
    closed = client.get(f"{CITIZENS}/")
    assert closed.status_code == 410
    assert "Cuộc khảo sát đã kết thúc" in closed.text
    assert client.get("/r/demo/no_such_survey/").status_code == 404


def test_language_switch_on_every_page(app: Flask, client: FlaskClient) -> None:
    """Vietnamese by default; the switch turns the interface and the questions to English."""
    demo(app)
    location = start(client).headers["Location"]
    page = client.get(location)
    assert '<html lang="vi">' in page.text
    assert "Trang 1/" in page.text
    switch = f'href="/lang/en?next={location}"'
    assert switch in page.text
    back = client.get(f"/lang/en?next={location}")
    assert back.headers["Location"] == location
    english = client.get(location)
    assert '<html lang="en">' in english.text
    assert "Page 1 of" in english.text
    assert "In what capacity did you deal with the procedure?" in english.text
    assert "Continue" in english.text
    assert 'href="/lang/vi?next=' in english.text


def test_language_switch_stays_on_this_site(client: FlaskClient) -> None:
    """An outside address in ``next`` is replaced by the home page."""
    response = client.get("/lang/en?next=https://example.org/")
    assert response.headers["Location"] == "/"
    assert client.get("/lang/fr").status_code == 404


def test_save_and_resume_with_the_code(app: Flask, client: FlaskClient) -> None:
    """Save shows a one-time code; another browser enters it and is back on the same page
    with the answers so far."""
    demo(app)
    location = start(client).headers["Location"]
    page = client.get(location)
    saved = client.post(
        location,
        data={
            "csrf_token": csrf_token(page.text),
            "action": "save",
            "q_s_respondent": "organisation",
            "q_s_channel": "online",
        },
    )
    assert saved.status_code == 200
    found = RESUME_CODE.search(saved.text)
    assert found
    code = found.group(1)
    with app.app_context():
        draft = db.session.scalars(db.select(Draft)).one()
        assert draft.resume_code_hash is not None
        assert code.replace("-", "") not in draft.resume_code_hash
    other = app.test_client()
    form = other.get("/resume")
    resumed = other.post(
        "/resume", data={"csrf_token": csrf_token(form.text), "code": code.lower()}
    )
    assert resumed.headers["Location"] == f"{CITIZENS}/continue"
    back_on = other.get(resumed.headers["Location"])
    assert back_on.headers["Location"] == location
    restored = other.get(location).text
    assert 'value="organisation" checked' in restored
    assert 'value="online" checked' in restored


def test_wrong_resume_code_is_refused(app: Flask, client: FlaskClient) -> None:
    """An unknown code is refused next to the field."""
    demo(app)
    form = client.get("/resume")
    refused = client.post(
        "/resume", data={"csrf_token": csrf_token(form.text), "code": "ABCD-EFGH-JKMN"}
    )
    assert refused.status_code == 200
    assert "Mã tiếp tục không đúng hoặc đã hết hạn." in refused.text


def test_code_entry_is_rate_limited(app: Flask, client: FlaskClient) -> None:
    """Guessing codes hits the limit and gets a clear 429 page."""
    demo(app)
    app.config["RATELIMIT_CODE_ENTRY"] = "3 per minute"
    token = csrf_token(client.get("/code").text)
    statuses = [
        client.post("/code", data={"csrf_token": token, "code": f"WRONG{n}"}).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/i/AAAA-BBBB")  # the link shares the budget of the form
    assert limited.status_code == 429
    assert "Quá nhiều lần thử" in limited.text


def test_security_headers_and_cookie_flags(app: Flask, client: FlaskClient) -> None:
    """CSP without inline script, no sniffing, no referrer, no framing; HttpOnly SameSite
    cookie, Secure over HTTPS."""
    demo(app)
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = app.test_client().get("/", base_url="https://localhost")
    assert "Secure" in secure.headers["Set-Cookie"]


def test_every_post_form_requires_a_csrf_token(app: Flask, client: FlaskClient) -> None:
    """Posts without a token change nothing."""
    demo(app)
    assert client.post(f"{CITIZENS}/").status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Draft)) == 0
    assert "Phiên làm việc đã hết hạn" in client.post("/code", data={"code": "X"}).text
    assert "Phiên làm việc đã hết hạn" in client.post("/resume", data={"code": "X"}).text


def test_trusted_proxy_makes_forwarded_https_count(
    sqlite_app_with: Callable[..., Flask],
) -> None:
    """Behind one trusted proxy, X-Forwarded-Proto https marks the cookie Secure; without
    trust the header is ignored."""
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    trusting = sqlite_app_with(TRUSTED_PROXIES=1).test_client()
    assert "Secure" in trusting.get("/", headers=forwarded).headers["Set-Cookie"]
    ignoring = sqlite_app_with().test_client()
    assert "Secure" not in ignoring.get("/", headers=forwarded).headers["Set-Cookie"]
