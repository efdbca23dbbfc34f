"""Rate limits on a real server: counted in Redis, so shared by every gunicorn worker.

Each try below comes from a new browser on a new connection, so the tries land on whichever of
the four workers accepts them; with per-process counters (``memory://``) the workers together
would let up to four times the limit through. Proven, for code entry (the ``/code`` form, the
``/i/<code>`` link and the ``/resume`` form share one budget), staff sign-in and submission:

* the first ``limit`` tries in the window go through — valid codes and correct passwords
  included, every try counts — and the next one gets 429 with the "too many attempts" page,
  even when it carries a valid code or the right password;
* once the counters are forgotten (``flask limits forget``, as an administrator would) the same
  valid try works again.

The last test shows, from the configured limits and the code length, that guessing an
invitation code is infeasible.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import httpx
from flask import Flask
from flask_babel import force_locale, gettext
from limits import parse_many

from survey_app import codes
from survey_app.config import configure
from survey_app.models import Role
from tests.app.app_helpers import CITIZENS, csrf_token, demo, questionnaire
from tests.app.staff.staff_helpers import PASSWORD, add_user
from tests.security.security_helpers import (
    LiveServer,
    fill_over_http,
    start_server,
)

LEADERS = "/r/demo/par_leaders"
CODE_LIMIT = "5 per hour"
LOGIN_LIMIT = "4 per hour"
SUBMISSION_LIMIT = "3 per hour"


def _allowed(limit: str) -> int:
    """How many tries ``limit`` allows in its tightest window."""
    return min(item.amount for item in parse_many(limit))


TOO_MANY = "Too many attempts"
"""The title of the respondents' 429 page."""

TOO_MANY_SIGN_INS = "Too many sign-in attempts from this address. Wait a few minutes and try again."
"""What the sign-in page says when its limit is reached."""


def _translated(app: Flask, message: str) -> str:
    """``message`` in the default language."""
    with app.test_request_context(), force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
        text: str = gettext(message)
        return text


def _posted(server: LiveServer, path: str, data: dict[str, str]) -> httpx.Response:
    """A new browser opens ``path`` for its CSRF token and posts ``data`` to it."""
    with server.browser() as browser:
        form = browser.get(path)
        assert form.status_code == 200, form.text[:300]
        return browser.post(path, data={**data, "csrf_token": csrf_token(form.text)})


def _linked(server: LiveServer, code: str) -> httpx.Response:
    """A new browser opens an invitation link."""
    with server.browser() as browser:
        return browser.get(f"/i/{code}")


def _spend(tries: list[Callable[[], httpx.Response]]) -> list[int]:
    """Make every try in turn; their status codes."""
    return [attempt().status_code for attempt in tries]


def _refused(app: Flask, response: httpx.Response, message: str = TOO_MANY) -> bool:
    """Whether ``response`` is a 429 page saying ``message``."""
    return response.status_code == 429 and _translated(app, message) in response.text


def test_limits_are_shared_by_the_workers_and_forgotten_on_request(
    sqlite_app_with: Callable[..., Flask], tmp_path: Path
) -> None:
    """Code entry, sign-in and submission: ``limit`` tries pass, the next is 429 with the error
    page whatever it carries; after ``flask limits forget`` a valid try passes again. (The counters
    live in Redis whatever the database, so SQLite is enough.)"""
    app = sqlite_app_with()
    valid = demo(app).codes[0].code
    add_user(app, "admin", Role.ADMIN)
    server = start_server(
        app,
        tmp_path / "gunicorn.log",
        workers=4,
        threads=2,
        RATELIMIT_CODE_ENTRY=CODE_LIMIT,
        RATELIMIT_LOGIN=LOGIN_LIMIT,
        RATELIMIT_SUBMISSION=SUBMISSION_LIMIT,
    )
    try:
        code_tries: list[Callable[[], httpx.Response]] = [
            lambda: _linked(server, valid),
            lambda: _posted(server, "/code", {"code": "0000-0000-0000-0000-0000-00"}),
            lambda: _posted(server, "/code", {"code": valid}),
            lambda: _posted(server, "/resume", {"code": "0000-0000-0000"}),
            lambda: _linked(server, "NOT-A-CODE"),
        ]
        code_allowed = _allowed(CODE_LIMIT)
        statuses = _spend([code_tries[n % len(code_tries)] for n in range(code_allowed)])
        assert 429 not in statuses, server.log_tail()
        assert _refused(app, _linked(server, valid))
        assert _refused(app, _posted(server, "/code", {"code": valid}))

        logins = [
            {"username": "admin", "password": PASSWORD if n % 2 else "wrong password"}
            for n in range(_allowed(LOGIN_LIMIT))
        ]
        assert 429 not in _spend([lambda d=d: _posted(server, "/auth/login", d) for d in logins])
        right = {"username": "admin", "password": PASSWORD}
        assert _refused(app, _posted(server, "/auth/login", right), TOO_MANY_SIGN_INS)

        def submit() -> httpx.Response:
            with server.browser() as browser:
                return browser.post(f"{CITIZENS}/submit", data={"submission_key": "x"})

        assert 429 not in _spend([submit] * _allowed(SUBMISSION_LIMIT))
        assert _refused(app, submit())

        server.forget_limits()
        opened = _linked(server, valid)
        assert opened.status_code == 302
        assert opened.headers["Location"] == f"{LEADERS}/continue"
        signed_in = _posted(server, "/auth/login", right)
        assert signed_in.status_code == 302
        with server.browser() as browser:
            page = browser.get(f"{CITIZENS}/")
            started = browser.post(f"{CITIZENS}/", data={"csrf_token": csrf_token(page.text)})
            fill_over_http(browser, started.headers["Location"], questionnaire())
            review = browser.get(f"{CITIZENS}/review")
            key = review.text.split('name="submission_key" type="hidden" value="')[1].split('"')[0]
            sent = browser.post(
                f"{CITIZENS}/submit",
                data={"csrf_token": csrf_token(review.text), "submission_key": key},
            )
            assert sent.status_code == 302 and sent.headers["Location"] == f"{CITIZENS}/done"
    finally:
        server.stop()


def test_guessing_an_invitation_code_is_infeasible(tmp_path: Path) -> None:
    """From the configured code-entry limit (per address) and the code length: a million
    addresses guessing at the limit for a year, against a million issued codes, succeed with
    a probability below one in a billion (expected tries to a hit: 2**bits / issued).

    Each guess hits one of ``k`` issued codes with probability ``k / 2**bits``, so ``g``
    guesses succeed with probability at most ``g * k / 2**bits`` (the union bound).
    """
    config_app = Flask("limits", instance_path=str(tmp_path))
    configure(config_app, {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    per_hour = min(
        item.amount * 3600 / item.get_expiry()
        for item in parse_many(str(config_app.config["RATELIMIT_CODE_ENTRY"]))
    )
    bits = codes.INVITATION_CODE_LENGTH * math.log2(len(codes.ALPHABET))
    assert bits >= 128
    issued = 10**6
    addresses = 10**6
    guesses = per_hour * 24 * 365 * addresses
    expected_tries = 2**bits / issued
    assert guesses * issued / 2**bits < 1e-9
    assert expected_tries / (per_hour * addresses) > 10**12, "hours to an expected hit"
