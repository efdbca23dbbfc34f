"""Shared pieces of ``load.py`` and ``faults.py``: a fresh database with the demo loaded, the
collection app under gunicorn configured only through the environment, and respondents who
walk the public citizens' survey over HTTP the way a browser does.

A respondent opens the start page, presses Start (with the form's CSRF token), answers every
page with valid answers (the first substantive choice, the smallest number, a past date, a
short text: the rule of the app tests), opens the review, submits with the review's hidden
``submission_key`` and follows the redirect to ``/done``. Every respondent answers the same
way, so the form data of each page is built once from
``questionnaires.loader.bundled_questionnaires()['sipas_citizens']`` and reused.

A flaky phone sends one of its posts (a page or the submission) twice at once, the second
before the first has been answered; both must land where one would.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, LiteralString
from urllib.parse import urlencode, urlsplit

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from questionnaires.examples import example_form_value, stored_answer  # noqa: E402
from questionnaires.loader import bundled_questionnaires  # noqa: E402

BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SURVEY = "/r/demo/sipas_citizens"
QUESTIONNAIRE = "sipas_citizens"
WORKERS = os.cpu_count() or 1
"""One worker per core. The app is bound by the processor: more workers than cores only take
turns on them (on the 2-core bench machine, 2 workers against 5, alternated eight times at 50
clients on both databases: 12% less server processor time a request and a lower p99 in every
pair, 224–440 ms against 422–685 ms; ``bench/README.md``)."""
THREADS = 2
"""Two threads per worker, so a request that waits (a database lock, a slow staff page) does
not hold up the worker's other connections; threads of one worker share its interpreter lock,
so more cost processor time (2 × 2 against 2 × 1: about 3% more a request, p99 the same within
the noise; 4 workers × 8 threads cost 9.9 ms a request against 7.6 ms for 5 × 1)."""
WORKER_CONNECTIONS = THREADS
"""A worker holds no more connections than it has threads, and keeps none alive
(``--keep-alive 0``): it takes a connection from the listening socket only when a thread is
free to answer it, so waiting clients queue once, in the kernel, for whichever worker frees
first. With gunicorn's default (1,000 connections, kept alive), a worker accepts whenever its
main thread wakes, however busy its threads are, and keeps the connection: at 50 clients the
two workers held 31 / 19 up to 45 / 5 of them, and the busier worker's clients waited. On the
2-core bench machine (300 submissions at 50 clients, eight pairs alternated on SQLite and
PostgreSQL): p99 159–274 ms against 209–349 ms, lower in every pair (``bench/README.md``). The
deployment this models has a proxy in front (``README.md``, "Deploying"), which sends each
request on a connection of its own anyway."""
STARTUP_SECONDS = 60.0
UNLIMITED = "1000000 per minute"
"""The rate limits for a load from one loopback address (every respondent shares it)."""

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SUBMISSION_KEY = re.compile(r'name="submission_key" type="hidden" value="([^"]+)"')


class RespondentFailed(Exception):
    """A respondent could not finish: an unexpected answer from the server, or no answer."""


# -- databases ----------------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[tuple[str, Path]]:
    """A fresh SQLite file (WAL: the app's connection pragmas) in a temporary folder that is
    also the app's instance folder; the URL and the folder, both removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="bench-survey-"))
    try:
        yield f"sqlite:///{folder / 'survey.sqlite3'}", folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _admin(admin_url: str, statement: LiteralString, database: str) -> None:
    """Run ``statement`` naming ``database`` (``{}``) on the PostgreSQL maintenance database,
    outside a transaction."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL(statement).format(sql.Identifier(database)))


@contextmanager
def postgres_database(admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[tuple[str, Path]]:
    """A fresh PostgreSQL database (and an instance folder), dropped afterwards."""
    name = f"bench_survey_{secrets.token_hex(4)}"
    folder = Path(tempfile.mkdtemp(prefix="bench-survey-"))
    _admin(admin_url, "CREATE DATABASE {}", name)
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}", folder
    finally:
        try:
            _admin(admin_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def app_environment(database_url: str, instance: Path, **settings: str) -> dict[str, str]:
    """The environment configuring ``wsgi:app`` on ``database_url``: fresh keys, the instance
    folder, rate limits raised and counted in Redis under a fresh prefix, plus
    ``FLASK_<name>`` for each of ``settings``."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FLASK_") and key != "DATABASE_URL"
    }
    environment.update(
        DATABASE_URL=database_url,
        FLASK_SECRET_KEY=secrets.token_hex(32),
        FLASK_CODE_HMAC_KEY=secrets.token_hex(32),
        FLASK_INSTANCE_PATH=str(instance),
        FLASK_RATELIMIT_STORAGE_URI=REDIS_URL,
        FLASK_RATELIMIT_KEY_PREFIX=f"bench-survey-{secrets.token_hex(6)}",
        FLASK_RATELIMIT_SUBMISSION=UNLIMITED,
        FLASK_RATELIMIT_CODE_ENTRY=UNLIMITED,
        PYTHONPATH=str(ROOT),
    )
    environment.update({f"FLASK_{name}": value for name, value in settings.items()})
    return environment


def _flask(environment: dict[str, str], *command: str) -> None:
    """Run ``flask --app wsgi`` ``command`` in ``environment``; it must succeed."""
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *command],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )


def load_demo(environment: dict[str, str]) -> None:
    """Migrate the database and load the demo, as ``make run`` does."""
    _flask(environment, "db", "upgrade")
    _flask(environment, "demo", "load")


def forget_limits(environment: dict[str, str]) -> None:
    """Delete the rate-limit counters the app of ``environment`` kept in Redis (``flask
    limits forget``)."""
    _flask(environment, "limits", "forget")


@dataclass(frozen=True)
class Stored:
    """What the database holds of the citizens' survey."""

    responses: int
    distinct_keys: int
    keys: frozenset[str]


def stored(database_url: str) -> Stored:
    """Count the citizens' responses and their distinct submission keys."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            keys = [
                str(row[0])
                for row in connection.execute(
                    text("SELECT submission_key FROM responses WHERE questionnaire_id = :q"),
                    {"q": QUESTIONNAIRE},
                )
            ]
    finally:
        engine.dispose()
    return Stored(len(keys), len(set(keys)), frozenset(keys))


# -- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """gunicorn serving ``application`` on a loopback port, ``WORKERS`` gthread workers of
    ``THREADS`` threads each, ``WORKER_CONNECTIONS`` connections each, none kept alive."""

    application: str
    environment: dict[str, str]
    log: Path
    ready_path: str = "/static/favicon.svg"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """Where the server answers."""
        return f"http://127.0.0.1:{self.port}"

    @contextmanager
    def running(self) -> Iterator[Server]:
        """The server started with a fresh log, stopped on leaving."""
        self.log.unlink(missing_ok=True)
        self.start()
        try:
            yield self
        finally:
            self.stop()

    def start(self) -> None:
        """Start the master and wait until the app answers."""
        command = [
            str(BIN / "gunicorn"),
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--preload",
            "--no-control-socket",
            "--worker-class",
            "gthread",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--worker-connections",
            str(WORKER_CONNECTIONS),
            "--keep-alive",
            "0",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "30",
            self.application,
        ]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}: {self.log}")
            if self._answers_ready_path() and len(self.worker_pids()) == WORKERS:
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {STARTUP_SECONDS} s: {self.log}")

    def _answers_ready_path(self) -> bool:
        """Whether ``ready_path`` answers 200 within a second."""
        try:
            with urllib.request.urlopen(self.base_url + self.ready_path, timeout=1.0) as answer:
                return bool(answer.status == 200)
        except (urllib.error.URLError, http.client.HTTPException, OSError):
            return False

    def cpu_seconds(self) -> float:
        """Processor time (user + system) the master and its current workers have used."""
        if self.process is None:
            return 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in [self.process.pid, *self.worker_pids()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def worker_pids(self) -> list[int]:
        """The process ids of the master's current workers."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def kill_everything(self) -> list[int]:
        """``kill -9`` the master and every worker at once; the ids killed."""
        assert self.process is not None
        pids = [self.process.pid, *self.worker_pids()]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids):
            time.sleep(0.05)
        return pids

    def stop(self) -> None:
        """Stop the master (it stops its workers) and wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


# -- respondents --------------------------------------------------------------------------------


class Answers:
    """The form data of each page for a respondent who gives every visible item its example
    answer (``questionnaires.examples``), built page by page in the order the server asks for
    them."""

    def __init__(self) -> None:
        """Load the citizens' questionnaire."""
        self.questionnaire = bundled_questionnaires()[QUESTIONNAIRE]
        self._answers: dict[str, Any] = {}
        self._pages: dict[str, dict[str, Any]] = {}

    def page(self, page_id: str) -> dict[str, Any]:
        """The form data of ``page_id`` (without the CSRF token)."""
        if page_id not in self._pages:
            data: dict[str, Any] = {}
            for item in self.questionnaire.page(page_id).items:
                if not self.questionnaire.is_relevant(item, self._answers):
                    continue
                data[f"q_{item.code}"] = example_form_value(self.questionnaire, item)
                self._answers[item.code] = stored_answer(item, data[f"q_{item.code}"])
            self._pages[page_id] = data
        return self._pages[page_id]


@dataclass
class Tally:
    """What the clients saw: latency of every answered request, statuses, failures."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    unexpected: int = 0
    stack_traces: int = 0
    unavailable_without_retry_after: int = 0
    failed_respondents: int = 0
    acknowledged: list[str] = field(default_factory=list)
    writes: list[tuple[float, float]] = field(default_factory=list)
    """When each post answered as expected (a draft or a response written) was sent and
    answered (``time.monotonic``), in the order answered."""

    @property
    def requests(self) -> int:
        """Requests that got an answer."""
        return len(self.latencies)

    @property
    def errors(self) -> int:
        """Answers that were not what a working app sends, plus requests without an answer."""
        return self.unexpected + sum(self.transport_errors.values())


@dataclass(frozen=True)
class Answer:
    """What the server answered to one request, read whole."""

    method: str
    path: str
    status: int
    headers: Mapping[str, str]
    """Every header line as sent (a multi-dict: ``items()`` gives repeated names each time)."""
    text: str


FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
"""The headers of a posted form, whose body ``Client.send`` encodes itself."""


@dataclass
class Client:
    """One browser after another on a shared connection pool; ``retry_until`` (a
    ``time.monotonic`` deadline) makes it repeat a failed request, as a respondent would after
    a temporary error, instead of giving up. ``on_answer`` sees every answer received."""

    http: aiohttp.ClientSession
    answers: Answers | None
    tally: Tally
    retry_until: float | None = None
    retry_pause: float = 0.2
    on_answer: Callable[[Answer], None] | None = None

    async def send(
        self, method: str, path: str, expect: int, data: dict[str, Any] | None = None
    ) -> Answer:
        """One request (``data``: a form, a list value sent as repeated fields), answered
        with ``expect``; retried while allowed."""
        body = urlencode(data, doseq=True).encode() if data is not None else None
        while True:
            began, sent = time.perf_counter(), time.monotonic()
            try:
                async with self.http.request(
                    method, path, data=body, headers=FORM_HEADERS if body is not None else None,
                    allow_redirects=False,
                ) as response:
                    body_text = (await response.read()).decode("utf-8", "replace")
                    answer = Answer(method, path, response.status, response.headers, body_text)
            except (aiohttp.ClientError, TimeoutError) as error:
                self.tally.transport_errors[type(error).__name__] += 1
                await self._pause_or_fail(f"{method} {path}: {error!r}", None)
                continue
            self.tally.latencies.append(time.perf_counter() - began)
            self.tally.statuses[answer.status] += 1
            if self.on_answer is not None:
                self.on_answer(answer)
            if answer.status == expect:
                if method == "POST":
                    self.tally.writes.append((sent, time.monotonic()))
                return answer
            self.tally.unexpected += 1
            if "Traceback" in answer.text or 'File "' in answer.text:
                self.tally.stack_traces += 1
            retry_after = answer.headers.get("Retry-After")
            if answer.status == 503 and retry_after is None:
                self.tally.unavailable_without_retry_after += 1
            await self._pause_or_fail(
                f"{method} {path}: {answer.status} {answer.text[:300]!r}", retry_after
            )

    async def _pause_or_fail(self, problem: str, retry_after: str | None) -> None:
        """Wait before a retry (``Retry-After`` if shorter), or fail past the deadline."""
        if self.retry_until is None or time.monotonic() > self.retry_until:
            raise RespondentFailed(problem)
        pause = self.retry_pause
        if retry_after is not None and retry_after.isdigit():
            pause = min(float(retry_after), pause)
        await asyncio.sleep(pause)

    async def post(self, path: str, data: dict[str, Any], twice: bool) -> str:
        """Post a form (``twice``: the same post twice at once) and return where it redirects;
        both copies must redirect to the same place."""
        if not twice:
            return location(await self.send("POST", path, 302, data))
        first, second = await asyncio.gather(
            self.send("POST", path, 302, data), self.send("POST", path, 302, data)
        )
        if location(first) != location(second):
            self.tally.unexpected += 1
            raise RespondentFailed(f"{path} twice: {location(first)} and {location(second)}")
        return location(first)

    async def respond(self, twice_at: int | None) -> str:
        """Fill and submit the survey once as a new browser; the submission key acknowledged
        with the redirect to ``/done``. ``twice_at`` numbers the post (pages, then the submit)
        a flaky phone sends twice."""
        assert self.answers is not None
        self.http.cookie_jar.clear()
        shown = await self.send("GET", f"{SURVEY}/", 200)
        at = await self.post(f"{SURVEY}/", {"csrf_token": csrf(shown.text)}, False)
        posts = 0
        while not at.endswith("/review"):
            if "/p/" not in at:
                raise RespondentFailed(f"unexpected redirect to {at}")
            shown = await self.send("GET", at, 200)
            data = dict(self.answers.page(at.rsplit("/p/", 1)[1]))
            data.update(csrf_token=csrf(shown.text), action="next")
            at = await self.post(at, data, posts == twice_at)
            posts += 1
        review = await self.send("GET", at, 200)
        key = SUBMISSION_KEY.search(review.text)
        if key is None:
            raise RespondentFailed("review page without a submission key")
        form = {"csrf_token": csrf(review.text), "submission_key": key.group(1)}
        done = await self.post(f"{SURVEY}/submit", form, posts == twice_at)
        if not done.endswith("/done"):
            raise RespondentFailed(f"submission redirected to {done}")
        self.tally.acknowledged.append(key.group(1))
        await self.send("GET", done, 200)
        return key.group(1)


def csrf(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = CSRF.search(html)
    if found is None:
        raise RespondentFailed("page without a CSRF token")
    return found.group(1)


def location(answer: Answer) -> str:
    """The path a redirect leads to."""
    return urlsplit(answer.headers["Location"]).path


def new_http(base_url: str) -> aiohttp.ClientSession:
    """A client for one concurrent respondent (to be opened in the running event loop):
    cookies kept for the loopback address, a minute at most a request, and a connection kept
    alive where the server allows it, dropped after a second idle (gunicorn's default keeps
    one two seconds).

    aiohttp, not httpx: the load client shares the cores with the server it measures, and
    aiohttp's compiled HTTP parser costs it a fifth of httpx's processor time a request
    (0.14–0.16 against 0.80–0.82 ms on the bare app's page, 50 clients, alternated;
    ``bench/README.md``)."""
    return aiohttp.ClientSession(
        base_url=base_url,
        connector=aiohttp.TCPConnector(limit=4, keepalive_timeout=1.0),
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        timeout=aiohttp.ClientTimeout(total=60.0),
    )


PAGES_PER_SUBMISSION = 8
"""Pages of the citizens' survey a respondent with the valid answers sees."""

SERVER_HEADERS = frozenset({"connection", "content-length", "date", "server", "transfer-encoding"})
"""Headers gunicorn writes itself, left out of a recording."""


def record_walk(base_url: str, recording: Path) -> None:
    """Complete the survey once at ``base_url`` and write every answer it got to
    ``recording`` (JSON, ``"METHOD path"`` → status, headers, body) for
    ``bench/recorded_app.py``."""
    answers: dict[str, dict[str, Any]] = {}

    def keep(answer: Answer) -> None:
        answers[f"{answer.method} {answer.path}"] = {
            "status": answer.status,
            "headers": [
                [name, value]
                for name, value in answer.headers.items()
                if name.lower() not in SERVER_HEADERS
            ],
            "body": answer.text,
        }

    async def walk() -> None:
        async with new_http(base_url) as http:
            await Client(http, Answers(), Tally(), on_answer=keep).respond(None)

    asyncio.run(walk())
    recording.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")


async def run_respondents(
    base_url: str,
    submissions: int,
    concurrency: int,
    resend_share: float,
    tally: Tally,
    *,
    retry_until: float | None = None,
    seed: int = 20261122,
) -> float:
    """Complete ``submissions`` surveys with ``concurrency`` clients at a time; every
    ``1/resend_share``-th respondent (spread evenly) sends one of its posts twice. The wall
    time in seconds."""
    import random

    chooser = random.Random(seed)
    answers = Answers()
    queue: asyncio.Queue[int | None] = asyncio.Queue()
    every = round(1 / resend_share) if resend_share > 0 else 0
    for number in range(submissions):
        twice = every > 0 and number % every == every // 2
        queue.put_nowait(chooser.randrange(PAGES_PER_SUBMISSION + 1) if twice else None)

    async def worker() -> None:
        async with new_http(base_url) as http:
            client = Client(http, answers, tally, retry_until)
            while not queue.empty():
                twice_at = queue.get_nowait()
                try:
                    await client.respond(twice_at)
                except RespondentFailed as failure:
                    tally.failed_respondents += 1
                    if tally.failed_respondents <= 5:
                        print(f"  respondent failed: {failure}", file=sys.stderr)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - began


async def run_fixed_page(base_url: str, requests: int, concurrency: int, tally: Tally) -> float:
    """GET the bare app's fixed page ``requests`` times with ``concurrency`` clients; the wall
    time in seconds."""
    remaining = [requests]

    async def worker() -> None:
        async with new_http(base_url) as http:
            client = Client(http, None, tally)
            while remaining[0] > 0:
                remaining[0] -= 1
                try:
                    await client.send("GET", "/", 200)
                except RespondentFailed:
                    tally.failed_respondents += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - began


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile of ``values`` (nearest rank), 0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def describe(tally: Tally, seconds: float) -> str:
    """Requests per second, latency quantiles in milliseconds, errors."""
    rate = tally.requests / seconds if seconds > 0 else 0.0
    quantiles = ", ".join(
        f"p{round(100 * q)} {1000 * percentile(tally.latencies, q):.0f} ms"
        for q in (0.5, 0.95, 0.99)
    )
    extra = f", transport errors {dict(tally.transport_errors)}" if tally.transport_errors else ""
    return (
        f"{tally.requests:,} requests in {seconds:.1f} s = {rate:,.0f} req/s; {quantiles}; "
        f"errors {tally.errors} (statuses {dict(sorted(tally.statuses.items()))}{extra})"
    )
