"""Load benchmark: complete citizen submissions over HTTP against the collection app under
gunicorn, on SQLite and on PostgreSQL, compared with a bare Flask app.

For each database: a fresh database (a SQLite file in WAL mode, or a PostgreSQL database created
and dropped here) is migrated (``flask --app wsgi db upgrade``) and given the demo (``flask
--app wsgi demo load``); ``gunicorn wsgi:app`` (one gthread worker per core, of two threads,
taking a connection only when a thread is free and keeping none alive, as behind a proxy;
configured only through the environment, rate limits raised and counted in Redis) serves it on
loopback. ``--concurrency`` asyncio + aiohttp clients then complete ``--submissions``
surveys of the public citizens' survey at ``/r/demo/sipas_citizens``, walking every page as a
browser does (``live_survey``); one respondent in 20 sends one of its posts twice at once, as a
flaky phone would. Measured: requests per second, p50/p95/p99 latency, errors. Checked in the
database: exactly ``--submissions`` new responses, no submission key twice, every acknowledged
submission stored.

A second, shorter run at 50 concurrent clients gives the p99 latency target (< 200 ms). Then the
same number of requests as the main run (at most ``--bare-requests``, 50,000 by default: its
rate is steady long before) at the same concurrency go to ``bench/bare_app.py`` (a fixed page,
same gunicorn settings): our throughput is printed as a share of it (target ≥ 60%). Targets
are printed as met or NOT met; the exit status is 1 when a database check fails or a run times
out.

Last, respondents walk ``bench/recorded_app.py``, which answers each request with what the
survey app answered to it in one recorded walk, at a fixed page's cost: as many requests as the
bare app's run at the same concurrency, then ``--p99-submissions`` at 50 clients. That is the
best any server could do with this load client. The last line gives these bounds: the
recorded walk's rate as a share of the bare app's (the load client is one process, and our
pages cost it more to parse and follow than a fixed page), its p99 at 50 clients, and, since
client and server share the cores, the server processor time a request the throughput target
leaves, next to the measured one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
from collections.abc import Callable, Coroutine
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from live_survey import (
    PAGES_PER_SUBMISSION,
    SURVEY,
    Server,
    Tally,
    app_environment,
    describe,
    forget_limits,
    load_demo,
    percentile,
    postgres_database,
    record_walk,
    run_fixed_page,
    run_respondents,
    sqlite_database,
    stored,
)

RESEND_SHARE = 0.05
"""Share of respondents who send one post twice."""

THROUGHPUT_TARGET = 0.60
"""Our requests per second as a share of the bare app's."""

P99_TARGET_MS = 200.0
"""p99 latency at 50 concurrent clients."""

P99_CONCURRENCY = 50

REQUESTS_PER_SUBMISSION = 2 * PAGES_PER_SUBMISSION + 5
"""A respondent's requests: the start page and Start, each page shown and posted, the review,
the submission and the thank-you page."""

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out" / "load"
"""Where the servers' logs go (git-ignored)."""

DATABASES: dict[str, Callable[[], AbstractContextManager[tuple[str, Path]]]] = {
    "sqlite": sqlite_database,
    "postgresql": postgres_database,
}


@dataclass
class Run:
    """One timed run of respondents or of the fixed page, with the processor time the server
    (master and workers) and this load client used during it."""

    tally: Tally
    seconds: float
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    def cpu_per_request(self) -> str:
        """Server and client processor milliseconds per answered request."""
        return (f"processor time per request: server {self.server_ms:.2f} ms, "
                f"load client {self.client_ms:.2f} ms")

    @property
    def server_ms(self) -> float:
        """The server's (master and workers) processor milliseconds per answered request."""
        return 1000 * self.server_cpu / max(self.tally.requests, 1)

    @property
    def client_ms(self) -> float:
        """The load client's processor milliseconds per answered request."""
        return 1000 * self.client_cpu / max(self.tally.requests, 1)

    @property
    def rate(self) -> float:
        """Answered requests per second."""
        return self.tally.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def p99_ms(self) -> float:
        """The 99th percentile latency in milliseconds."""
        return 1000 * percentile(self.tally.latencies, 0.99)


def _client_cpu() -> float:
    """Processor time (user + system) this process has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measured(server: Server, work: Callable[[Tally], Coroutine[Any, Any, float]],
              timeout: float) -> Run:
    """Run ``work`` against ``server``; measure the processor time of both sides."""
    tally = Tally()
    server_before, client_before = server.cpu_seconds(), _client_cpu()
    seconds = asyncio.run(asyncio.wait_for(work(tally), timeout))
    return Run(tally, seconds, server.cpu_seconds() - server_before,
               _client_cpu() - client_before)


def respondents(server: Server, submissions: int, concurrency: int, timeout: float) -> Run:
    """Complete ``submissions`` surveys; stops with ``TimeoutError`` after ``timeout`` s."""
    return _measured(
        server,
        lambda tally: run_respondents(
            server.base_url, submissions, concurrency, RESEND_SHARE, tally
        ),
        timeout,
    )


def fixed_page(server: Server, requests: int, concurrency: int, timeout: float) -> Run:
    """GET the bare app's page ``requests`` times; stops after ``timeout`` s."""
    return _measured(
        server, lambda tally: run_fixed_page(server.base_url, requests, concurrency, tally),
        timeout,
    )


def check_database(
    database_url: str, before: int, expected: int, acknowledged: list[str]
) -> list[str]:
    """What is wrong with the stored responses: not exactly ``expected`` new ones, a key
    stored twice, an acknowledged key missing."""
    now = stored(database_url)
    problems = []
    if now.responses - before != expected:
        problems.append(f"{now.responses - before:,} new responses stored, {expected:,} expected")
    if now.distinct_keys != now.responses:
        problems.append(f"{now.responses - now.distinct_keys} submission keys stored twice")
    missing = set(acknowledged) - now.keys
    if missing:
        problems.append(f"{len(missing)} acknowledged submissions not stored")
    if len(set(acknowledged)) != len(acknowledged):
        problems.append("a submission key was acknowledged to two respondents")
    return problems


def verdict(met: bool) -> str:
    """How a target reads in the report."""
    return "met" if met else "NOT met"


def bench_database(name: str, arguments: argparse.Namespace, logs: Path) -> bool:
    """Run the survey load on one database, then the bare app; print the figures. True when
    every database check passed."""
    print(f"\n== {name}: {arguments.submissions:,} submissions at {arguments.concurrency} "
          f"concurrent clients ==")
    ok = True
    with DATABASES[name]() as (database_url, instance):
        environment = app_environment(database_url, instance)
        load_demo(environment)
        server = Server("wsgi:app", environment, logs / f"{name}-gunicorn.log")
        recording = logs / f"{name}-walk.json"
        server.log.unlink(missing_ok=True)
        server.start()
        try:
            before = stored(database_url).responses
            main = respondents(
                server, arguments.submissions, arguments.concurrency, arguments.timeout
            )
            print(f"survey app: {describe(main.tally, main.seconds)}")
            print(f"survey app: {main.cpu_per_request()}")
            problems = check_database(
                database_url, before, arguments.submissions - main.tally.failed_respondents,
                main.tally.acknowledged,
            )
            if main.tally.failed_respondents:
                problems.append(f"{main.tally.failed_respondents} respondents could not finish")
            low = main
            if arguments.concurrency != P99_CONCURRENCY:
                before = stored(database_url).responses
                low = respondents(
                    server, arguments.p99_submissions, P99_CONCURRENCY, arguments.timeout
                )
                print(f"survey app at {P99_CONCURRENCY} concurrent "
                      f"({arguments.p99_submissions:,} submissions): "
                      f"{describe(low.tally, low.seconds)}; {low.cpu_per_request()}")
                problems += check_database(
                    database_url, before,
                    arguments.p99_submissions - low.tally.failed_respondents,
                    low.tally.acknowledged,
                )
                if low.tally.failed_respondents:
                    problems.append(f"{low.tally.failed_respondents} respondents could not finish")
            record_walk(server.base_url, recording)
        finally:
            server.stop()
            forget_limits(environment)
    for problem in problems:
        print(f"DATABASE CHECK FAILED: {problem}")
        ok = False
    if not problems:
        print(f"database: {arguments.submissions:,} new responses, no key twice, every "
              f"acknowledged submission stored")
    compared = min(main.tally.requests, arguments.bare_requests)
    floor = bare_app_run(compared, environment, arguments, logs / f"{name}-bare.log")
    print(f"bare Flask app: {describe(floor.tally, floor.seconds)}")
    print(f"bare Flask app: {floor.cpu_per_request()}")
    ceiling, ceiling_low = recorded_runs(
        recording, compared, environment, arguments, logs / f"{name}-recorded.log"
    )
    print(f"our recorded answers: {describe(ceiling.tally, ceiling.seconds)}")
    print(f"our recorded answers: {ceiling.cpu_per_request()}")
    print(f"our recorded answers at {P99_CONCURRENCY} concurrent: "
          f"{describe(ceiling_low.tally, ceiling_low.seconds)}")
    share = main.rate / floor.rate if floor.rate else 0.0
    print(f"TARGET throughput ≥ {THROUGHPUT_TARGET:.0%} of the bare app: {share:.0%} "
          f"({main.rate:,.0f} / {floor.rate:,.0f} req/s): {verdict(share >= THROUGHPUT_TARGET)}")
    print(f"TARGET p99 < {P99_TARGET_MS:.0f} ms at {P99_CONCURRENCY} concurrent: "
          f"{low.p99_ms:.0f} ms: {verdict(low.p99_ms < P99_TARGET_MS)}")
    print(bounds(main, floor, ceiling, ceiling_low))
    return ok


def bare_app_run(
    requests: int, environment: dict[str, str], arguments: argparse.Namespace, log: Path
) -> Run:
    """``requests`` GETs of the bare app's fixed page, served as the survey app was."""
    bare = Server("bare_app:app", {**environment, "PYTHONPATH": str(BENCH)}, log, ready_path="/")
    with bare.running():
        return fixed_page(bare, requests, arguments.concurrency, arguments.timeout)


def recorded_runs(
    recording: Path,
    requests: int,
    environment: dict[str, str],
    arguments: argparse.Namespace,
    log: Path,
) -> tuple[Run, Run]:
    """Respondents walking the survey as recorded (``recorded_app.py``): about ``requests``
    requests at the main run's concurrency, then ``--p99-submissions`` at 50."""
    server = Server(
        "recorded_app:app",
        {**environment, "PYTHONPATH": str(BENCH), "RECORDED_WALK": str(recording)},
        log,
        ready_path=f"{SURVEY}/",
    )
    with server.running():
        submissions = max(1, requests // REQUESTS_PER_SUBMISSION)
        main = respondents(server, submissions, arguments.concurrency, arguments.timeout)
        low = respondents(server, arguments.p99_submissions, P99_CONCURRENCY, arguments.timeout)
        return main, low


def bounds(main: Run, floor: Run, ceiling: Run, ceiling_low: Run) -> str:
    """What the load client itself allows on this machine. ``ceiling`` and ``ceiling_low`` (our
    recorded answers served at a fixed page's cost, at the main and the p99 concurrency) are
    the best a server could do with this client: the client parses and follows our pages, not
    a fixed one. And since the client shares the machine's cores, the throughput target leaves
    the server ``cores / target rate`` minus the client's processor time a request (an upper
    bound: other processes are ignored)."""
    if not floor.rate:
        return "bounds: the bare app answered nothing"
    target_rate = THROUGHPUT_TARGET * floor.rate
    cores = os.cpu_count() or 1
    server_budget = 1000 * cores / target_rate - main.client_ms
    left = (
        f"leaves our server at most {server_budget:.2f} ms a request"
        if server_budget > 0
        else "leaves our server no time at all (the load client alone fills the cores)"
    )
    return (
        f"bounds: our answers replayed at a fixed page's cost reach {ceiling.rate:,.0f} req/s "
        f"= {ceiling.rate / floor.rate:.0%} of the bare app's rate, the most any server could "
        f"reach with this load client here (it spends {ceiling.client_ms:.2f} ms of processor "
        f"time on each survey request, {floor.client_ms:.2f} ms on the fixed page); "
        f"{THROUGHPUT_TARGET:.0%} ({target_rate:,.0f} req/s) on {cores} shared cores {left} "
        f"(measured: {main.server_ms:.2f} ms); the p99 of the recorded answers at "
        f"{P99_CONCURRENCY} concurrent is {ceiling_low.p99_ms:.0f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the chosen databases, return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--submissions", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--p99-submissions", type=int, default=2_000,
                        help=f"submissions of the run at {P99_CONCURRENCY} concurrent clients")
    parser.add_argument("--bare-requests", type=int, default=50_000,
                        help="most requests of the bare app's run (its rate is steady by then)")
    parser.add_argument("--timeout", type=float, default=3600.0,
                        help="seconds each run may take before it is stopped")
    arguments = parser.parse_args(argv)
    names = ["sqlite", "postgresql"] if arguments.database == "both" else [arguments.database]
    ok = True
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names:
        try:
            ok = bench_database(name, arguments, OUT) and ok
        except TimeoutError:
            print(f"{name}: a run took longer than {arguments.timeout:.0f} s and was stopped")
            ok = False
    print(f"\nserver logs: {OUT}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
