"""Speed benchmark: a round's monitoring dashboard and its JSON endpoint with 100,000 responses.

    .venv/bin/python bench/staff_pages.py [--responses 100000] [--repeat 20]
                                          [--postgres URL] [--workers 2] [--keep]

Builds, in a child process (the timing parent stays small), a temporary SQLite database the
production way (``flask db upgrade``) — and, with ``--postgres URL``, the same data in a fresh
schema of that PostgreSQL database — holding the demo province's 28 departments and districts,
a round ``bench`` offering the three bundled provincial questionnaires (citizens and delegates
by public link, leaders by invitation), its sampling frame (unit × group × stratum, target n
from the formula, a quota on every cell), the leaders' invitations, unfinished drafts, a staff
account, and ``--responses`` responses (fixed seed) spread unevenly over the 28 units × 3
groups: every item answered at random the way the app stores it (hidden items pruned by the
form's own skip logic), the sampling item's answer as stratum, 30 % on paper, paradata with
seconds per page; 3 % of web responses are speeders, 3 % straight-line their rating pages and
0.5 % of paper forms are keyed twice under another serial.

The loaded tables are analysed (``ANALYZE``), as PostgreSQL's autovacuum does by itself after
a bulk load.

Then, for each database, it serves the app with gunicorn on a free loopback port
(``--workers`` processes, ``DATABASE_URL`` pointing at the database), signs in as the staff
account through the sign-in form, and times over HTTP the wall time of each request:

(a) ``GET /staff/rounds/<id>/monitoring``: the dashboard page — its very first request after
    the server started (every figure computed, nothing cached), then, once each worker has
    been warmed, ``--repeat`` requests;
(b) ``GET /api/staff/rounds/<id>/monitoring``: its JSON endpoint, ``--repeat`` requests, then
    ``--repeat`` more with one new response stored before each (answers arriving while the
    page is open: the rows it changes are recomputed);
(c) ``GET /``: a bare Flask endpoint (``BARE_APP`` below, served by the same gunicorn set-up
    in the same run): the cost of HTTP, gunicorn and Flask alone.

It prints the median, 90th percentile and best of the requests, the ratio of each median to
the bare endpoint's, the sizes of the page and the JSON, and the load average (the machine is
shared). The target is under one second for (a) and (b). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]

if TYPE_CHECKING:
    from questionnaires.loader import Questionnaire
    from questionnaires.model import Item

SEED = 20261123
ROUND_CODE = "bench"
OFFERS = (
    ("sipas_citizens", "public", 0.5),
    ("province_department", "public", 0.2),
    ("par_leaders", "invitation", 0.3),
)
"""Questionnaire, access and share of the responses of each respondent group."""

USERNAME = "bench-staff"
PASSWORD = "bench staff password"
INSERT_BATCH = 5_000
PAPER_SHARE = 0.3
SPEEDER_SHARE = 0.03
STRAIGHT_SHARE = 0.03
DUPLICATE_SHARE = 0.005
SPECIAL_SHARE = 0.05
INVITED_PER_RESPONSE = 1.4
"""Invitations issued per leader's response (the rest stay unused)."""

DRAFT_SHARE = 0.05
"""Unfinished drafts per response."""

MARGIN_OF_ERROR = 0.05
ROUND_START = date(2025, 3, 1)
ROUND_DAYS = 60
BARE_APP = (
    "from flask import Flask\n"
    "app = Flask(__name__)\n"
    "@app.get('/')\n"
    "def bare():\n"
    "    return {'ok': True}\n"
)
"""The bare Flask endpoint the pages are compared with."""

CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


@dataclass(frozen=True)
class Timing:
    """Request times of one URL, in seconds."""

    label: str
    seconds: list[float]

    @property
    def median(self) -> float:
        """The median request time."""
        return statistics.median(self.seconds)

    @property
    def p90(self) -> float:
        """The 90th percentile request time."""
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]


def answer(questionnaire: Questionnaire, item: Item, rng: random.Random) -> object:
    """A random answer to ``item`` in the stored convention, or None to leave it blank."""
    choices = questionnaire.choices(item)
    if item.type in ("single_choice", "rating"):
        ordinary = [c for c in choices if c.special is None]
        special = [c for c in choices if c.special is not None]
        if special and rng.random() < SPECIAL_SHARE:
            return rng.choice(special).code
        return rng.choice(ordinary).code
    if item.type == "multiple_choice":
        order = {c.code: n for n, c in enumerate(choices)}
        picked = rng.sample(choices, k=rng.randint(1, min(3, len(choices))))
        return sorted((c.code for c in picked), key=order.__getitem__)
    if item.type == "number":
        low = int(item.minimum if item.minimum is not None else 0)
        return rng.randint(low, int(item.maximum if item.maximum is not None else low + 50))
    if item.type == "date":
        return (ROUND_START - timedelta(days=rng.randint(1, 60))).isoformat()
    return "Ý kiến" if item.required is True or rng.random() < 0.1 else None


def answers_for(questionnaire: Questionnaire, rng: random.Random, straight: bool) -> dict[str, Any]:
    """One respondent's stored answers; ``straight`` gives every rating item the same code."""
    drafted: dict[str, Any] = {}
    level = None
    for item in questionnaire.items:
        if straight and item.type == "rating":
            ordinary = [c.code for c in questionnaire.choices(item) if c.special is None]
            level = level or rng.choice(ordinary)
            drafted[item.code] = level
        elif (value := answer(questionnaire, item, rng)) is not None:
            drafted[item.code] = value
    return dict(questionnaire.prune_hidden(drafted))


def paradata(questionnaire: Questionnaire, rng: random.Random, speeder: bool) -> dict[str, Any]:
    """Web paradata: seconds per page, their total and the device."""
    low, high = (0.5, 4.0) if speeder else (8.0, 150.0)
    seconds = {page.id: round(rng.uniform(low, high), 3) for page in questionnaire.pages}
    return {
        "page_seconds": seconds,
        "duration_seconds": round(sum(seconds.values()), 3),
        "device": rng.choice(("mobile", "mobile", "desktop", "tablet")),
    }


def population_for(target: int) -> int:
    """A population N whose sample size ``N / (1 + N·e²)`` is ``target`` (four times the
    target when no N gives it: a target of 1/e² or more)."""
    share = target * MARGIN_OF_ERROR**2
    return math.ceil(target / (1 - share)) if share < 1 else target * 4


def build(url: str, folder: Path, count: int, schema: str | None) -> None:
    """Migrate the database at ``url`` (in ``schema`` on PostgreSQL) and fill it."""
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade
    from sqlalchemy import insert, select, text

    from questionnaires.loader import bundled_questionnaires
    from survey_app import create_app
    from survey_app.auth.accounts import create_user
    from survey_app.catalogue import store_version
    from survey_app.demo_units import DEPARTMENTS, DISTRICTS, PROVINCE
    from survey_app.models import (
        Draft,
        FrameCell,
        Invitation,
        InvitationBatch,
        Response,
        Role,
        Round,
        RoundQuestionnaire,
        RoundStatus,
        RoundUnit,
        Unit,
        db,
    )
    from survey_app.monitoring.rules import longest_straight_line
    from survey_app.monitoring.stored_facts import answers_digest, paradata_duration

    config: dict[str, Any] = {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder)}
    if schema is not None:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"options": f"-csearch_path={schema}"}
        }
    app = create_app(config)
    rng = random.Random(SEED)
    questionnaires = bundled_questionnaires()
    with app.app_context(), app.test_request_context():
        upgrade()
        province = Unit(
            code=PROVINCE.code, name_vi=PROVINCE.name_vi, name_en=PROVINCE.name_en, kind="province"
        )
        db.session.add(province)
        db.session.flush()
        units = [
            Unit(
                code=s.code,
                name_vi=s.name_vi,
                name_en=s.name_en,
                kind=s.kind,
                parent_id=province.id,
            )
            for s in DEPARTMENTS + DISTRICTS
        ]
        db.session.add_all(units)
        round_ = Round(
            code=ROUND_CODE,
            year=ROUND_START.year,
            title_vi="Đo tốc độ theo dõi đợt khảo sát",
            title_en="Monitoring benchmark",
            status=RoundStatus.OPEN,
        )
        db.session.add(round_)
        db.session.flush()
        db.session.add_all(RoundUnit(round_id=round_.id, unit_id=unit.id) for unit in units)
        create_user(
            username=USERNAME, display_name="Bench", role=Role.STAFF, password=PASSWORD, unit=None
        )
        offers = {}
        for questionnaire_id, access, _share in OFFERS:
            version, _ = store_version(questionnaires[questionnaire_id])
            offer = RoundQuestionnaire(
                round_id=round_.id,
                questionnaire_version_id=version.id,
                respondent_group=version.respondent_group,
                access=access,
            )
            db.session.add(offer)
            db.session.flush()
            offers[questionnaire_id] = offer
        unit_weight = {unit.id: rng.uniform(0.5, 1.5) for unit in units}
        rows: list[dict[str, Any]] = []
        serial = 0
        paper_answers: list[dict[str, Any]] = []
        cell_counts: dict[tuple[int, str, str], int] = {}
        for questionnaire_id, _access, share in OFFERS:
            questionnaire = questionnaires[questionnaire_id]
            group = questionnaire.respondent_group
            stratum_item = questionnaire.definition.sampling.stratum
            weights = [unit_weight[unit.id] * rng.uniform(0.7, 1.3) for unit in units]
            for _ in range(round(count * share)):
                unit = rng.choices(units, weights)[0]
                paper = rng.random() < PAPER_SHARE
                if paper and paper_answers and rng.random() < DUPLICATE_SHARE:
                    answers = dict(rng.choice(paper_answers))
                else:
                    answers = answers_for(questionnaire, rng, rng.random() < STRAIGHT_SHARE)
                stratum = str(answers.get(stratum_item or "", unit.code))
                cell_counts[unit.id, group, stratum] = (
                    cell_counts.get((unit.id, group, stratum), 0) + 1
                )
                row: dict[str, Any] = {
                    "id": secrets.token_hex(16),
                    "round_id": round_.id,
                    "unit_id": unit.id,
                    "respondent_group": group,
                    "questionnaire_id": questionnaire.id,
                    "questionnaire_version": questionnaire.version,
                    "questionnaire_hash": questionnaire.content_hash,
                    "mode": "paper" if paper else "web",
                    "answers": answers,
                    "paradata": {}
                    if paper
                    else paradata(questionnaire, rng, rng.random() < SPEEDER_SHARE),
                    "stratum": stratum,
                    "cluster": None,
                    "submitted_on": ROUND_START + timedelta(days=rng.randrange(ROUND_DAYS)),
                    "submission_key": secrets.token_hex(16),
                    "form_serial": None,
                    "straight_line_items": longest_straight_line(questionnaire, answers),
                }
                row["duration_seconds"] = paradata_duration(row["paradata"])
                row["answers_digest"] = answers_digest(answers)
                if paper:
                    serial += 1
                    row["form_serial"] = f"P{serial:07d}"
                    paper_answers.append(answers)
                rows.append(row)
        for start in range(0, len(rows), INSERT_BATCH):
            db.session.execute(insert(Response), rows[start : start + INSERT_BATCH])
        cells = []
        for (unit_id, group, stratum), responses in sorted(cell_counts.items()):
            target = max(1, round(responses * rng.uniform(0.8, 1.25)))
            population = population_for(target)
            cells.append(
                {
                    "round_id": round_.id,
                    "unit_id": unit_id,
                    "respondent_group": group,
                    "stratum": stratum,
                    "population": population,
                    "sample_size": target,
                    "margin_of_error": MARGIN_OF_ERROR,
                    "quota": target,
                    "quota_closed": responses >= target,
                }
            )
        db.session.execute(insert(FrameCell), cells)
        leaders = offers["par_leaders"]
        invitations = []
        for unit in units:
            answered = sum(
                n
                for (unit_id, group, _), n in cell_counts.items()
                if unit_id == unit.id and group == leaders.respondent_group
            )
            issued = round(answered * INVITED_PER_RESPONSE)
            if not issued:
                continue
            batch = InvitationBatch(
                round_id=round_.id,
                unit_id=unit.id,
                respondent_group=leaders.respondent_group,
                label="bench",
                size=issued,
            )
            db.session.add(batch)
            db.session.flush()
            for _ in range(issued - answered):  # a used code's row is deleted with its use
                invitations.append(
                    {
                        "round_id": round_.id,
                        "unit_id": unit.id,
                        "respondent_group": leaders.respondent_group,
                        "code_hash": secrets.token_hex(32),
                        "status": "issued",
                        "batch_id": batch.id,
                    }
                )
        for start in range(0, len(invitations), INSERT_BATCH):
            db.session.execute(insert(Invitation), invitations[start : start + INSERT_BATCH])
        unused = db.session.scalars(
            select(Invitation.id).where(Invitation.status == "issued").order_by(Invitation.id)
        ).all()
        now = datetime.now()
        drafts = []
        for number in range(round(count * DRAFT_SHARE)):
            offer = rng.choice(list(offers.values()))
            invited = offer.access == "invitation" and number < len(unused)
            drafts.append(
                {
                    "id": secrets.token_hex(16),
                    "round_questionnaire_id": offer.id,
                    "answers": {},
                    "page_seconds": {},
                    "submission_key": secrets.token_hex(16),
                    "invitation_id": unused[number] if invited else None,
                    "created_at": now,
                    "expires_at": now + timedelta(days=30),
                }
            )
        db.session.execute(insert(Draft), drafts)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """A gunicorn serving ``target`` on a free loopback port, stopped on exit."""

    def __init__(self, target: str, env: dict[str, str], workers: int, chdir: Path) -> None:
        """Start gunicorn and wait until it answers."""
        self.port = free_port()
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [
                gunicorn,
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--chdir",
                str(chdir),
                "--log-level",
                "warning",
                target,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url("/"), timeout=5).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError as error:
                if self.process.poll() is not None:
                    errors = self.process.stderr.read().decode() if self.process.stderr else ""
                    raise SystemExit(f"gunicorn serving {target} stopped:\n{errors}") from error
                time.sleep(0.2)
        raise SystemExit(f"gunicorn serving {target} did not answer within a minute")

    def url(self, path: str) -> str:
        """The full address of ``path``."""
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> Server:
        """The running server."""
        return self

    def __exit__(self, *_exc: object) -> None:
        """Stop gunicorn."""
        self.process.terminate()
        self.process.wait(timeout=30)


def signed_in(server: Server) -> urllib.request.OpenerDirector:
    """An HTTP client with the staff account's session (through the sign-in form)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = opener.open(server.url("/auth/login")).read().decode()
    token = CSRF.search(page)
    if token is None:
        raise SystemExit("the sign-in page has no CSRF token")
    form = urllib.parse.urlencode(
        {"username": USERNAME, "password": PASSWORD, "csrf_token": token.group(1)}
    ).encode()
    landed = opener.open(server.url("/auth/login"), data=form)
    if not landed.geturl().endswith("/staff/"):
        raise SystemExit(f"signing in failed: ended on {landed.geturl()}")
    return opener


def fetch(opener: urllib.request.OpenerDirector, url: str) -> tuple[float, int]:
    """Seconds to fetch ``url`` completely, and its size in bytes."""
    started = time.perf_counter()
    with opener.open(url) as answer:
        size = len(answer.read())
        if answer.status != 200:
            raise SystemExit(f"{url} answered {answer.status}")
    return time.perf_counter() - started, size


def add_answer(url: str, schema: str | None) -> None:
    """Store one more response in the round (a copy of a stored one under new keys), the way
    answers keep arriving while the page is open."""
    copy = (
        "INSERT INTO responses (id, round_id, unit_id, respondent_group, questionnaire_id, "
        "questionnaire_version, questionnaire_hash, mode, answers, paradata, stratum, cluster, "
        "submitted_on, submission_key, form_serial, straight_line_items, duration_seconds, "
        "answers_digest) "
        "SELECT {p}, round_id, unit_id, respondent_group, questionnaire_id, "
        "questionnaire_version, questionnaire_hash, mode, answers, paradata, stratum, cluster, "
        "submitted_on, {p}, NULL, straight_line_items, duration_seconds, answers_digest "
        "FROM responses WHERE mode = 'web' LIMIT 1"
    )
    if schema is None:
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            connection.execute(copy.format(p="?"), (secrets.token_hex(16),) * 2)
    else:
        import psycopg

        plain = url.replace("postgresql+psycopg://", "postgresql://").split("?")[0]
        with psycopg.connect(plain, options=f"-csearch_path={schema}") as connection:
            connection.execute(copy.format(p="%s"), (secrets.token_hex(16),) * 2)


def time_urls(
    app: Server, bare: Server, repeat: int, workers: int, url: str, schema: str | None
) -> list[Timing]:
    """Time the dashboard, its JSON (quiet, then with an answer arriving before each
    request) and the bare endpoint; the very first request (every figure computed, nothing
    cached yet) is reported apart, and each worker is warmed before the timed requests."""
    opener = signed_in(app)
    plain = urllib.request.build_opener()
    round_id = 1
    page = app.url(f"/staff/rounds/{round_id}/monitoring")
    data = app.url(f"/api/staff/rounds/{round_id}/monitoring")
    first = fetch(opener, page)
    for _ in range(workers * 2):
        fetch(opener, page)
        fetch(opener, data)
        fetch(plain, bare.url("/"))
    timings = [
        Timing("dashboard, first request after start", [first[0]]),
        Timing("dashboard page", [fetch(opener, page)[0] for _ in range(repeat)]),
        Timing("JSON endpoint", [fetch(opener, data)[0] for _ in range(repeat)]),
    ]
    arriving = []
    for _ in range(repeat):
        add_answer(url, schema)
        arriving.append(fetch(opener, data)[0])
    timings.append(Timing("JSON endpoint, a new answer before each", arriving))
    timings.append(
        Timing("bare Flask endpoint", [fetch(plain, bare.url("/"))[0] for _ in range(repeat)])
    )
    sizes = {"page": first[1], "json": fetch(opener, data)[1]}
    print(f"  dashboard page {sizes['page'] / 1024:.0f} KiB, JSON {sizes['json'] / 1024:.0f} KiB")
    return timings


def report(name: str, timings: list[Timing]) -> None:
    """Print one database's timings and the ratios to the bare endpoint."""
    bare = timings[-1].median
    print(f"\n{name}")
    print(f"  {'request':<44} {'median s':>9} {'p90 s':>8} {'best s':>8} {'× bare':>8}")
    for timing in timings:
        print(
            f"  {timing.label:<44} {timing.median:>9.3f} {timing.p90:>8.3f} "
            f"{min(timing.seconds):>8.3f} {timing.median / bare:>8.0f}"
        )
    slowest = max(t.median for t in timings[1:-1])
    verdict = "met" if slowest < 1 else "NOT met"
    print(f"  target < 1 s for the page and its JSON (medians): {verdict} ({slowest:.3f} s)")
    cold = timings[0].median
    side = "under" if cold < 1 else "over"
    print(f"  first request, every figure computed: {side} 1 s ({cold:.3f} s)")


def run(label: str, url: str, schema: str | None, folder: Path, args: argparse.Namespace) -> None:
    """Build one database, serve it, time it."""
    started = time.perf_counter()
    command = [
        sys.executable,
        __file__,
        "--build-into",
        str(folder),
        "--url",
        url,
        "--responses",
        str(args.responses),
    ]
    if schema is not None:
        command += ["--schema", schema]
    built = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if built.returncode != 0:
        raise SystemExit(f"building the {label} database failed:\n{built.stderr}")
    print(f"{label}: {args.responses:,} responses stored in {time.perf_counter() - started:.1f} s")
    served_url = url if schema is None else f"{url}?options=-csearch_path%3D{schema}"
    env = {
        **os.environ,
        "DATABASE_URL": served_url,
        "FLASK_SECRET_KEY": secrets.token_hex(32),
        "FLASK_INSTANCE_PATH": str(folder / "instance"),
    }
    (folder / "bare_app.py").write_text(BARE_APP, encoding="utf-8")
    load = os.getloadavg()
    with (
        Server("wsgi:app", env, args.workers, ROOT) as app,
        Server("bare_app:app", env, args.workers, folder) as bare,
    ):
        timings = time_urls(app, bare, args.repeat, args.workers, url, schema)
    after = os.getloadavg()
    report(
        f"{label} ({args.workers} gunicorn worker(s); load average {load[0]:.1f} → {after[0]:.1f})",
        timings,
    )


def main() -> None:
    """Build the databases, serve them, print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", metavar="URL", help="also time PostgreSQL at URL")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--build-into", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_into is not None:
        build(args.url, args.build_into, args.responses, args.schema)
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-staff-"))
    schema = None
    try:
        run("SQLite", f"sqlite:///{folder / 'bench.sqlite3'}", None, folder, args)
        if args.postgres:
            import psycopg

            schema = f"bench_staff_{secrets.token_hex(4)}"
            pg_url = args.postgres.replace("postgresql://", "postgresql+psycopg://", 1)
            with psycopg.connect(args.postgres, autocommit=True) as connection:
                connection.execute(f'CREATE SCHEMA "{schema}"')
            run("PostgreSQL", pg_url, schema, folder / "pg", args)
    finally:
        if schema is not None:
            import psycopg

            with psycopg.connect(args.postgres, autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        if args.keep:
            print(f"\nfiles kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
