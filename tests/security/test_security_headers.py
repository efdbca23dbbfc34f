"""Security headers, inline code and cookie flags, on every kind of response.

Proven here:

* every response — respondent pages, redirects, static files, the 404, 405, 429 and 503 error
  pages, JSON answers, every workspace page an administrator can open (walked from the URL
  map with the demo round's and a unit's ids), downloads — carries the Content-Security-Policy
  and the other headers of ``survey_app.security`` (``header_problems``), with HSTS over HTTPS
  and only there;
* no template under ``survey_app/templates`` and no rendered HTML page holds inline script,
  inline event handlers, ``style`` elements or attributes, or ``javascript:`` URLs, which that
  policy would block (or which would run script);
* the session cookie is HttpOnly and SameSite=Lax always, Secure over HTTPS and whenever
  ``SESSION_COOKIE_SECURE`` is set, and not Secure on plain HTTP otherwise (a Secure cookie
  would be lost there).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError
from werkzeug.test import TestResponse

from survey_app.models import Role
from tests.app.app_helpers import CITIZENS, csrf_token, demo, start
from tests.app.staff.staff_helpers import add_user, login
from tests.security.security_helpers import header_problems, inline_code, workspace_get_paths

TEMPLATES = Path(__file__).resolve().parents[2] / "survey_app" / "templates"
HTTPS = "https://survey.example.vn"


def _problems(response: TestResponse, where: str, *, https: bool = False) -> list[str]:
    """Header problems of ``response`` and, for HTML, its inline code, labelled ``where``."""
    found = header_problems(response.headers, https=https)
    if response.mimetype == "text/html":
        found += inline_code(response.text)
    return [f"{where} ({response.status_code}): {problem}" for problem in found]


def _respondent_responses(app: Flask, client: FlaskClient) -> Iterator[tuple[str, TestResponse]]:
    """A respondent's walk: pages, redirects, static file, JSON, errors 404 and 405."""
    yield "home", client.get("/")
    yield "code form", client.get("/code")
    yield "resume form", client.get("/resume")
    yield "language switch", client.get("/lang/en?next=/")
    yield "static file", client.get("/static/favicon.svg")
    yield "not found", client.get("/no/such/page")
    yield "method not allowed", client.get(f"{CITIZENS}/submit")
    yield "start page", client.get(f"{CITIZENS}/")
    started = start(client)
    yield "start (redirect)", started
    first = started.headers["Location"]
    page = client.get(first)
    yield "first page", page
    page_id = first.rsplit("/p/", 1)[1]
    yield (
        "visible (JSON)",
        client.post(f"{CITIZENS}/p/{page_id}/visible", data={"csrf_token": csrf_token(page.text)}),
    )
    yield "visible without token", client.post(f"{CITIZENS}/p/{page_id}/visible")
    yield "review", client.get(f"{CITIZENS}/review")
    yield "invitation link (redirect)", client.get("/i/NOT-A-CODE")


def test_every_respondent_response_carries_the_headers(app: Flask, client: FlaskClient) -> None:
    """Pages, redirects, static files, JSON and error pages: headers right, no inline code."""
    demo(app)
    wrong = [
        problem
        for where, response in _respondent_responses(app, client)
        for problem in _problems(response, where)
    ]
    assert wrong == []


def test_rate_limited_and_unavailable_pages_carry_the_headers(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 429 page of a spent code budget and the 503 page of a lost database."""
    demo(app)
    app.config["RATELIMIT_CODE_ENTRY"] = "1 per minute"
    form = client.get("/code")
    client.post("/code", data={"code": "X", "csrf_token": csrf_token(form.text)})
    limited = client.post("/code", data={"code": "X", "csrf_token": csrf_token(form.text)})
    assert limited.status_code == 429

    def lost(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection lost"))

    monkeypatch.setattr("survey_app.routes.survey.find_survey", lost)
    unavailable = client.get(f"{CITIZENS}/")
    assert unavailable.status_code == 503
    assert _problems(limited, "429") + _problems(unavailable, "503") == []


def test_every_workspace_page_and_download_carries_the_headers(
    app: Flask, client: FlaskClient
) -> None:
    """Every GET route of the workspace, opened by an administrator with real ids (pages,
    JSON, CSV downloads, 404s), and anonymously (redirects to sign-in)."""
    demo(app)
    add_user(app, "admin", Role.ADMIN)
    anonymous = app.test_client()
    assert login(client, "admin").status_code == 302
    wrong: list[str] = []
    statuses: set[int] = set()
    for path in workspace_get_paths(app):
        response = client.get(path)
        statuses.add(response.status_code)
        wrong += _problems(response, f"GET {path}")
        wrong += _problems(anonymous.get(path), f"anonymous GET {path}")
    assert wrong == []
    assert 200 in statuses, "no workspace page opened: the walk proved nothing"
    units = client.get("/staff/units/units.csv")
    assert units.status_code == 200 and units.mimetype == "text/csv"
    assert _problems(units, "unit download") == []


def test_https_responses_add_hsts(app: Flask) -> None:
    """Over HTTPS every response also carries Strict-Transport-Security."""
    demo(app)
    client = app.test_client()
    responses = {
        "home": client.get("/", base_url=HTTPS),
        "start page": client.get(f"{CITIZENS}/", base_url=HTTPS),
        "static": client.get("/static/favicon.svg", base_url=HTTPS),
        "404": client.get("/nothing", base_url=HTTPS),
    }
    wrong = [
        problem
        for where, response in responses.items()
        for problem in _problems(response, where, https=True)
    ]
    assert wrong == []


def test_no_template_holds_inline_code() -> None:
    """Every template file: no inline script, handler, style or ``javascript:`` URL."""
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 20
    wrong = {
        str(path.relative_to(TEMPLATES)): found
        for path in templates
        if (found := inline_code(path.read_text(encoding="utf-8")))
    }
    assert wrong == {}


def _session_cookie(response: TestResponse) -> str:
    """The ``Set-Cookie`` header that sets the session cookie."""
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "the response sets no session cookie"
    return cookies[0]


def _flags(cookie: str) -> set[str]:
    """The lower-cased attributes of a ``Set-Cookie`` value (``samesite=lax``…)."""
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def _started_cookie(app: Flask, base_url: str) -> set[str]:
    """The session cookie's flags when a respondent starts the public survey at ``base_url``."""
    client = app.test_client()
    page = client.get(f"{CITIZENS}/", base_url=base_url)
    started = client.post(
        f"{CITIZENS}/", data={"csrf_token": csrf_token(page.text)}, base_url=base_url
    )
    assert started.status_code == 302
    return _flags(_session_cookie(started))


def test_session_cookie_flags(app: Flask) -> None:
    """HttpOnly and SameSite=Lax always; Secure over HTTPS only."""
    demo(app)
    plain = _started_cookie(app, "http://localhost")
    secure = _started_cookie(app, HTTPS)
    for flags in (plain, secure):
        assert {"httponly", "samesite=lax"} <= flags
    assert "secure" not in plain
    assert "secure" in secure


def test_session_cookie_secure_when_configured(sqlite_app_with: Callable[..., Flask]) -> None:
    """``SESSION_COOKIE_SECURE`` makes the cookie Secure even on a plain-HTTP request."""
    configured = sqlite_app_with(SESSION_COOKIE_SECURE=True)
    demo(configured)
    assert {"httponly", "samesite=lax", "secure"} <= _started_cookie(configured, "http://localhost")


def test_session_cookie_follows_a_rotated_secret_key(app: Flask, client: FlaskClient) -> None:
    """After the secret key changes, a cookie signed with the old key is still read while that
    key is among ``SECRET_KEY_FALLBACKS``, and the cookie sent back is signed with the new key
    alone; a key in neither is refused (the respondent is sent to start again)."""
    demo(app)
    first_page = start(client).headers["Location"]
    assert client.get(first_page).status_code == 200
    old_key = app.secret_key
    app.secret_key = "rotated-" + str(old_key)
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert client.get(first_page).status_code == 200
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get(first_page).status_code == 200
    app.secret_key = "another-" + str(old_key)
    assert client.get(first_page).status_code == 302
