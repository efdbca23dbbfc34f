"""Helpers for the security tests: a production-like server in its own processes, browsers over
HTTP, the invariants every attack is checked against (security headers, no inline code, escaped
payloads, stored answers that validate), and the payloads themselves.

``LiveServer`` runs ``gunicorn wsgi:app`` — the production entry point, configured only through
the environment as ADR 0004 describes — on the test's database, so concurrent requests meet in
separate worker processes and the rate limits are counted in Redis as in production.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from threading import Barrier
from typing import Any, TypeVar

import httpx
from flask import Flask, url_for
from sqlalchemy.engine import make_url
from werkzeug.routing import IntegerConverter

from questionnaires.loader import Questionnaire, bundled_questionnaires
from survey_app.models import Response, Round, Unit, db
from tests.app.app_helpers import csrf_token, page_data
from tests.app.staff.test_staff_access import workspace_rules

REPOSITORY = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
FLASK = Path(sys.executable).with_name("flask")
REDIS_URL = "redis://127.0.0.1:6379"
STARTUP_SECONDS = 120.0

Result = TypeVar("Result")


# -- a real server ------------------------------------------------------------------------------


@dataclass
class LiveServer:
    """A running gunicorn serving ``wsgi:app`` on loopback."""

    base_url: str
    process: subprocess.Popen[bytes]
    log: Path
    environment: dict[str, str]

    def browser(self) -> httpx.Client:
        """A new browser: its own cookies, redirects not followed (the server closes each
        connection after answering on it)."""
        return httpx.Client(base_url=self.base_url, follow_redirects=False, timeout=60.0)

    def stop(self) -> None:
        """Stop the master (it stops its workers) and wait for it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def forget_limits(self) -> None:
        """Forget the server's rate-limit counters as an administrator would: ``flask --app
        wsgi limits forget`` in the server's environment."""
        subprocess.run(
            [str(FLASK), "--app", "wsgi", "limits", "forget"],
            cwd=REPOSITORY,
            env=self.environment,
            check=True,
            capture_output=True,
        )

    def log_tail(self) -> str:
        """The end of the server's log, for failure messages."""
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


def _free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_environment(app: Flask, **settings: str) -> dict[str, str]:
    """The environment that configures ``wsgi:app`` like ``app``: its database (with the
    engine options that confine PostgreSQL to the test schema), keys and instance folder, plus
    ``FLASK_<name>`` for each of ``settings``."""
    url = make_url(str(app.config["SQLALCHEMY_DATABASE_URI"]))
    options = {
        key: value
        for key, value in app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).items()
        if key == "connect_args"
    }
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FLASK_") and key != "DATABASE_URL"
    }
    environment.update(
        DATABASE_URL=url.render_as_string(hide_password=False),
        FLASK_SQLALCHEMY_ENGINE_OPTIONS=json.dumps(options),
        FLASK_SECRET_KEY=str(app.config["SECRET_KEY"]),
        FLASK_CODE_HMAC_KEY=str(app.config["CODE_HMAC_KEY"]),
        FLASK_INSTANCE_PATH=app.instance_path,
        PYTHONPATH=str(REPOSITORY),
    )
    environment.update({f"FLASK_{name}": value for name, value in settings.items()})
    return environment


def start_server(
    app: Flask, log: Path, *, workers: int, threads: int, **settings: str
) -> LiveServer:
    """Start gunicorn on ``app``'s database with rate limits in Redis under a fresh key prefix
    (``settings`` override any ``FLASK_*`` value), each worker taking a connection only when
    one of its ``threads`` is free and keeping none alive, as the README deploys it, and wait
    until it answers."""
    prefix = f"par-security-{secrets.token_hex(6)}"
    environment = server_environment(
        app,
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_KEY_PREFIX=prefix,
        **settings,
    )
    port = _free_port()
    command = [
        str(GUNICORN),
        "--preload",
        "--no-control-socket",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-connections",
        str(threads),
        "--keep-alive",
        "0",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "wsgi:app",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=REPOSITORY, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log, environment)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.base_url}/static/favicon.svg", timeout=1.0).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"gunicorn did not answer within {STARTUP_SECONDS} s:\n{server.log_tail()}")


def at_once(jobs: list[Callable[[], Result]]) -> list[Result]:
    """Run every job in its own thread, all released at the same moment; their results."""
    barrier = Barrier(len(jobs))

    def run(job: Callable[[], Result]) -> Result:
        barrier.wait()
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def fill_over_http(
    browser: httpx.Client, location: str, questionnaire: Questionnaire
) -> dict[str, Any]:
    """Answer page after page over HTTP, starting from the redirect to ``location``, until the
    review; the answers expected to be stored."""
    answers: dict[str, Any] = {}
    while not location.endswith("/review"):
        if "/p/" not in location:
            location = _redirect(browser.get(location))
            continue
        page_id = location.rsplit("/p/", 1)[1]
        shown = browser.get(location)
        assert shown.status_code == 200, shown.text
        data = page_data(questionnaire, questionnaire.page(page_id), answers, {})
        data.update(csrf_token=csrf_token(shown.text), action="next")
        location = _redirect(browser.post(location, data=data))
    return answers


def _redirect(response: httpx.Response) -> str:
    """Where a redirect leads (the path), failing loudly on anything else."""
    assert response.status_code == 302, f"{response.status_code}: {response.text[:500]}"
    return httpx.URL(response.headers["Location"]).path


def workspace_get_paths(app: Flask, unit_id: int | None = None) -> list[str]:
    """A path for every workspace route that answers GET: the first stored round, ``unit_id``
    (else the first stored unit), ``csv`` as file format, and a placeholder for other values
    (those pages answer 404, which is a page too)."""
    with app.app_context():
        round_id = db.session.scalars(db.select(Round.id).order_by(Round.id)).first()
        if unit_id is None:
            unit_id = db.session.scalars(db.select(Unit.id).order_by(Unit.id)).first()
    known: dict[str, object] = {"round_id": round_id, "unit_id": unit_id, "file_format": "csv"}
    paths = []
    for rule in workspace_rules(app):
        if "GET" not in (rule.methods or set()):
            continue
        values = {
            name: known.get(name, 1 if isinstance(converter, IntegerConverter) else "none")
            for name, converter in rule._converters.items()
        }
        with app.test_request_context():
            paths.append(url_for(rule.endpoint, **values))
    return paths


# -- invariants ---------------------------------------------------------------------------------


def invalid_responses(app: Flask) -> list[str]:
    """Every stored response whose answers the loader refuses: an answer to an item that is
    hidden or unknown, or a problem ``answer_problems`` names (type, choice, bounds, required,
    constraint). Empty when every stored answer is valid."""
    questionnaires = bundled_questionnaires()
    found: list[str] = []
    with app.app_context():
        for response in db.session.scalars(db.select(Response)):
            questionnaire = questionnaires[response.questionnaire_id]
            answers = dict(response.answers)
            unknown = sorted(set(answers) - {item.code for item in questionnaire.items})
            if unknown:
                found.append(f"{response.id}: unknown items {unknown}")
                continue
            if questionnaire.prune_hidden(answers) != answers:
                found.append(f"{response.id}: answers to hidden items")
            problems = questionnaire.answer_problems(answers)
            if problems:
                found.append(f"{response.id}: {sorted(problems)}")
        db.session.rollback()
    return found


def response_count(app: Flask) -> int:
    """How many responses are stored."""
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count()).select_from(Response))
        return int(count or 0)


REQUIRED_HEADERS: Mapping[str, Callable[[str], bool]] = {
    "Content-Security-Policy": lambda value: (
        "frame-ancestors 'none'" in value
        and "script-src 'self'" in value
        and "style-src 'self'" in value
        and "unsafe-inline" not in value
        and "unsafe-eval" not in value
    ),
    "X-Content-Type-Options": lambda value: value == "nosniff",
    "Referrer-Policy": lambda value: value == "no-referrer",
    "Permissions-Policy": lambda value: "camera=()" in value and "geolocation=()" in value,
    "X-Frame-Options": lambda value: value == "DENY",
}
"""The headers every response carries, with what their value must say."""


def header_problems(headers: Mapping[str, str], *, https: bool) -> list[str]:
    """What is missing or wrong among the security headers of one response; HSTS is required
    over HTTPS and forbidden over plain HTTP (browsers ignore it there)."""
    problems = [
        f"{name}: {headers.get(name)!r}"
        for name, check in REQUIRED_HEADERS.items()
        if name not in headers or not check(headers[name])
    ]
    hsts = headers.get("Strict-Transport-Security")
    if https and (hsts is None or "max-age=" not in hsts):
        problems.append(f"Strict-Transport-Security: {hsts!r} over HTTPS")
    if not https and hsts is not None:
        problems.append("Strict-Transport-Security over plain HTTP")
    return problems


INLINE_CODE = {
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""",
                                  re.IGNORECASE),
}
"""Markup a Content-Security-Policy without ``unsafe-inline`` blocks (or that runs script)."""


def inline_code(html: str) -> list[str]:
    """The kinds of inline code in ``html``, each with the first offending snippet."""
    found = []
    for kind, pattern in INLINE_CODE.items():
        match = pattern.search(html)
        if match:
            found.append(f"{kind}: {html[match.start():match.start() + 120]!r}")
    return found


# -- payloads -----------------------------------------------------------------------------------

TEMPLATE_PRODUCT = "{{ 91*37 }}"
"""A template-injection probe: rendered by a template engine it would read 3367."""

XSS_PAYLOADS: tuple[str, ...] = (
    "<script>alert('x1')</script>",
    '"><img src=x onerror=alert(\'x2\')>',
    "'><svg onload=alert('x3')>",
    "javascript:alert('x4')",
    TEMPLATE_PRODUCT,
    "{% raw %}{{7*7}}{% endraw %}${7*7}",
)
"""Script, attribute break-out, URL and template-injection payloads."""

UNESCAPED = re.compile(
    r"<script>alert\(|<img src=x onerror|<svg onload|\b3367\b|"
    r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""",
    re.IGNORECASE,
)
"""What a payload looks like when it reached the page unescaped (or was evaluated)."""


def unescaped_payloads(text: str) -> list[str]:
    """Snippets of ``text`` where a payload arrived as live markup."""
    return [text[max(0, m.start() - 60) : m.end() + 60] for m in UNESCAPED.finditer(text)]

