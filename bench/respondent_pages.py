"""Speed benchmark: what each respondent request costs the app itself, without HTTP.

    .venv/bin/python bench/respondent_pages.py [--walks 60] [--warm 5] [--calls] [--parts]

A fresh SQLite database in a temporary folder is migrated (``flask_migrate.upgrade``) and given
the demo; Flask's test client then completes ``--walks`` citizens' surveys
(``/r/demo/sipas_citizens``) the way ``load.py``'s clients do (``live_survey``: the start page,
Start, every page shown and posted with its example answers, the review, the submission, the
thank-you page), after ``--warm`` walks that are not timed. Printed: the mean wall time of each
kind of request and of all of them, in milliseconds. With ``--calls``, as many walks again run
under ``cProfile`` and the Python function calls a request are printed: a count that does not
move with the machine's speed, so two trees compare even when timings are noisy (it counts the
test client's calls too, alike in both). With ``--parts``, as many walks again run with
timers around the app's parts and print what a request spends in each (see :data:`PARTS`):
a part's time is counted only outside every other part, so the parts and the rest add up to
the app's own time a request; then the bare app of ``load.py`` under the same timer. The load
benchmark (``load.py``) measures the same requests through gunicorn, with HTTP, processes and
the load client around them. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from live_survey import CSRF, SUBMISSION_KEY, SURVEY, Answers

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def walk(client: Any, answers: Answers, timings: dict[str, list[float]] | None) -> None:
    """Complete the citizens' survey once; the wall time of each request goes to ``timings``
    under its kind (when given)."""

    def send(method: str, path: str, expect: int, data: dict[str, Any] | None = None) -> Any:
        began = time.perf_counter()
        response = client.open(path, method=method, data=data)
        if timings is not None:
            timings[kind(method, path)].append(time.perf_counter() - began)
        assert response.status_code == expect, (method, path, response.status_code)
        return response

    def token(html: str, pattern: Any = CSRF) -> str:
        found = pattern.search(html)
        assert found, "no token on the page"
        return str(found.group(1))

    shown = send("GET", f"{SURVEY}/", 200)
    at = send("POST", f"{SURVEY}/", 302, {"csrf_token": token(shown.text)}).headers["Location"]
    while not at.endswith("/review"):
        shown = send("GET", at, 200)
        data = dict(answers.page(at.rsplit("/p/", 1)[1]))
        data.update(csrf_token=token(shown.text), action="next")
        at = send("POST", at, 302, data).headers["Location"]
    review = send("GET", at, 200).text
    form = {"csrf_token": token(review), "submission_key": token(review, SUBMISSION_KEY)}
    done = send("POST", f"{SURVEY}/submit", 302, form).headers["Location"]
    send("GET", done, 200)


def kind(method: str, path: str) -> str:
    """The kind of request: its method and the step of the survey it is."""
    if "/p/" in path:
        return f"{method} page"
    step = path.rstrip("/").rsplit("/", 1)[-1]
    return f"{method} {'start' if step == 'sipas_citizens' else step}"


def counted_calls(app: Any, answers: Answers, walks: int) -> float:
    """The Python function calls a request of ``walks`` walks makes, counted by cProfile."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    requests: dict[str, list[float]] = defaultdict(list)
    for _ in range(walks):
        client = app.test_client()
        profile.enable()
        try:
            walk(client, answers, requests)
        finally:
            profile.disable()
    total: int = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
    return total / sum(len(values) for values in requests.values())


PARTS: dict[str, tuple[str, ...]] = {
    "templates (Jinja, with the form fields and CSRF token they draw)": (
        "jinja2.environment:Template.render",
    ),
    "database (SQLAlchemy's ORM and the driver)": (
        "sqlalchemy.orm:Session._execute_internal",
        "sqlalchemy.orm:Session.commit",
        "sqlalchemy.orm:Session.close",
    ),
    "answer forms (WTForms: build, fill, validate with the CSRF check)": (
        "wtforms.form:Form.__init__",
        "wtforms.form:Form.validate",
    ),
    "signed session cookie (read and write)": (
        "flask.sessions:SecureCookieSessionInterface.open_session",
        "flask.sessions:SecureCookieSessionInterface.save_session",
    ),
    "links built outside templates (url_for)": ("flask.app:Flask.url_for",),
}
"""The parts a request is split into: each a name and the methods (``module:Class.method``)
whose time is its own. What is left is Flask's and Werkzeug's request handling (environ,
routing, hooks, the response) and the routes' own code."""


@contextmanager
def timed_parts(
    app: Any, parts: dict[str, tuple[str, ...]] = PARTS
) -> Iterator[dict[str, float]]:
    """Seconds spent in each of ``parts`` and in the whole app (key ``"app"``) while the
    block runs; a call made inside another timed call is not counted again."""
    seconds: dict[str, float] = defaultdict(float)
    depth = [0]
    restore: list[tuple[Any, str, Any]] = []

    def timer(original: Any, part: str) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if depth[0]:
                return original(*args, **kwargs)
            depth[0] += 1
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[part] += time.perf_counter() - began
                depth[0] -= 1

        return timed

    for part, targets in parts.items():
        for target in targets:
            module_name, qualified = target.split(":")
            owner_name, method = qualified.split(".")
            owner = getattr(importlib.import_module(module_name), owner_name)
            original = owner.__dict__[method]
            restore.append((owner, method, original))
            setattr(owner, method, timer(original, part))
    whole = app.wsgi_app

    def app_timed(*args: Any) -> Any:
        began = time.perf_counter()
        try:
            return whole(*args)
        finally:
            seconds["app"] += time.perf_counter() - began

    app.wsgi_app = app_timed
    try:
        yield seconds
    finally:
        app.wsgi_app = whole
        for owner, method, original in restore:
            setattr(owner, method, original)


def parts_report(app: Any, answers: Answers, walks: int) -> list[str]:
    """Run ``walks`` walks under :func:`timed_parts`; lines giving each part's time a request."""
    requests: dict[str, list[float]] = defaultdict(list)
    with timed_parts(app) as seconds:
        for _ in range(walks):
            walk(app.test_client(), answers, requests)
    count = sum(len(values) for values in requests.values())
    whole = seconds.pop("app")
    lines = [f"Where the app's {1000 * whole / count:.2f} ms a request go "
             f"({walks} more walks, timers around the parts):"]
    rest = whole - sum(seconds.values())
    for part, spent in [*sorted(seconds.items(), key=lambda kv: -kv[1]),
                        ("the rest: Flask's request handling, routing, hooks, our routes", rest)]:
        lines.append(f"  {1000 * spent / count:6.2f} ms  {100 * spent / whole:3.0f}%  {part}")
    lines.append(f"The bare Flask app (load.py's floor, bench/bare_app.py), the same timer: "
                 f"{1000 * bare_app_seconds(count):.3f} ms a request")
    return lines


def bare_app_seconds(requests: int) -> float:
    """The bare app's own time a GET of a survey page's path, over ``requests`` requests, timed
    around its ``wsgi_app`` as :func:`timed_parts` times ours."""
    from bare_app import app as bare

    client = bare.test_client()
    for _ in range(50):
        client.get(f"{SURVEY}/p/service")
    with timed_parts(bare, parts={}) as seconds:
        for _ in range(requests):
            client.get(f"{SURVEY}/p/service")
    return seconds["app"] / requests


def main(argv: list[str] | None = None) -> int:
    """Run the walks and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walks", type=int, default=60)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--calls", action="store_true")
    parser.add_argument("--parts", action="store_true")
    arguments = parser.parse_args(argv)

    from flask_migrate import upgrade

    from survey_app import create_app
    from survey_app.demo import load_demo

    folder = Path(tempfile.mkdtemp(prefix="bench-respondent-"))
    try:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'survey.sqlite3'}",
                "SECRET_KEY": "bench" * 8,
                "INSTANCE_PATH": str(folder),
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade()
            load_demo(date.today())
        answers = Answers()
        for _ in range(arguments.warm):
            walk(app.test_client(), answers, None)
        timings: dict[str, list[float]] = defaultdict(list)
        began = time.perf_counter()
        for _ in range(arguments.walks):
            walk(app.test_client(), answers, timings)
        seconds = time.perf_counter() - began
        calls = counted_calls(app, answers, arguments.walks) if arguments.calls else None
        parts = parts_report(app, answers, arguments.walks) if arguments.parts else []
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    count = sum(len(values) for values in timings.values())
    print(f"{arguments.walks} walks, {count} requests in {seconds:.2f} s: "
          f"{1000 * sum(map(sum, timings.values())) / count:.2f} ms a request")
    for name, values in sorted(timings.items()):
        print(f"  {name:14s} {len(values):5d} × {1000 * sum(values) / len(values):6.2f} ms")
    if calls is not None:
        print(f"Python function calls a request (cProfile over {arguments.walks} more walks): "
              f"{calls:,.0f}")
    for line in parts:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
