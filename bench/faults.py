"""Fault benchmark: complete citizen submissions over HTTP while the collection app's processes and
database are killed or restarted, then check that nothing acknowledged was lost.

The set-up is ``load.py``'s (``live_survey``): a fresh database with the demo, ``gunicorn
wsgi:app`` with 2 × cores + 1 single-thread gthread workers on loopback, ``--concurrency``
clients walking the public citizens' survey page by page, one in 20 sending a post twice. Here a
client that gets no answer, or a temporary error, waits (at most 0.2 s, less when ``Retry-
After`` says so) and repeats the same request, as a respondent pressing the button again would;
it records every submission acknowledged by the redirect to ``/done``.

Faults, each when a share of the submissions has been acknowledged:

(a) ``kill -9`` of one gunicorn worker (the master starts another);
(b) ``kill -9`` of the master and every worker at once, then the server started again;
(c) PostgreSQL only: PostgreSQL restarted (``pg_ctl restart -m fast``) while the app keeps
    running; the pool's pre-ping must replace the dead connections, and requests that meet the
    database down must get HTTP 503 with ``Retry-After`` (``survey_app.errors``), never a stack
    trace or a 500. The cluster is a private one this script creates (``initdb``) on a free
    loopback port and removes, so the shared server on 5432 is never restarted.

SQLite's locked database and full disk are covered by ``tests/app/test_app_faults.py``.

Printed: responses stored and submissions acknowledged before and after each fault, what the
clients saw meanwhile (statuses, connection errors), and how long after the fault the first
post sent after it was written (a draft or a response stored: the app working again;
acknowledgements would mislead here, as they come in waves). Checked: every acknowledged
submission key is stored, no key is stored twice, exactly one response per respondent, no 500,
no stack trace, every 503 carries ``Retry-After``. The exit status is 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from live_survey import (
    Server,
    Tally,
    app_environment,
    forget_limits,
    free_port,
    load_demo,
    postgres_database,
    run_respondents,
    sqlite_database,
    stored,
)

RESEND_SHARE = 0.05
OUT = Path(__file__).resolve().parent / "out" / "faults"
"""Where the servers' and PostgreSQL's logs go (git-ignored)."""


# -- a private PostgreSQL cluster ---------------------------------------------------------------


@dataclass
class Cluster:
    """A PostgreSQL cluster of this run: its data folder, port and ``pg_ctl``."""

    pg_ctl: Path
    data: Path
    port: int
    log: Path

    @property
    def admin_url(self) -> str:
        """The maintenance database of the cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def control(self, *arguments: str) -> None:
        """Run ``pg_ctl`` on the cluster (as the ``postgres`` user when we are root)."""
        subprocess.run(
            [*as_postgres(), str(self.pg_ctl), "-D", str(self.data), "-l", str(self.log),
             *arguments],
            check=True,
            capture_output=True,
        )

    def restart(self) -> None:
        """Restart the server: fast shutdown (open connections are cut), then start."""
        self.control("-m", "fast", "-w", "restart")


def as_postgres() -> list[str]:
    """The prefix that runs a command as ``postgres`` (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """Create and start a PostgreSQL cluster on a free loopback port; stop and remove it."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not candidates:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
    pg_ctl = candidates[-1]
    folder = Path(tempfile.mkdtemp(prefix="bench-faults-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / "postgresql.log"
    if os.geteuid() == 0 and log.exists():
        log.unlink()
    if os.geteuid() == 0:
        OUT.chmod(0o777)
    subprocess.run(
        [*as_postgres(), str(pg_ctl.with_name("initdb")), "-D", str(data), "-A", "trust",
         "-U", "postgres", "--no-sync"],
        check=True,
        capture_output=True,
    )
    port = free_port()
    cluster = Cluster(pg_ctl, data, port, log)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
    cluster.control("-o", options, "-w", "start")
    try:
        yield cluster
    finally:
        try:
            cluster.control("-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


# -- faults -------------------------------------------------------------------------------------


@dataclass
class Fault:
    """A fault to cause once ``at`` (a share) of the submissions are acknowledged."""

    name: str
    at: float
    cause: Callable[[], None]


@dataclass
class Observer:
    """Counts before and after each fault, and what clients saw in between."""

    database_url: str
    tally: Tally
    submissions: int
    caused: list[str] = field(default_factory=list)

    def snapshot(self) -> tuple[Counter[int], Counter[str]]:
        """The statuses and connection errors so far."""
        return Counter(self.tally.statuses), Counter(self.tally.transport_errors)

    def first_write_sent_after(self, moment: float, start: int) -> float | None:
        """When the first post sent at ``moment`` or later was answered as expected (a draft
        or a response written), looking from the ``start``-th write on; None before one is.
        Posts go out all the time, whereas acknowledgements come in waves (clients that
        started together finish together), so this times the app's return, not the wave."""
        for sent, answered in self.tally.writes[start:]:
            if sent >= moment:
                return answered
        return None

    async def counts(self) -> str:
        """Responses stored and submissions acknowledged, now."""
        now = await asyncio.to_thread(stored, self.database_url)
        return f"{now.responses:,} stored, {len(self.tally.acknowledged):,} acknowledged"

    async def run(self, faults: list[Fault]) -> None:
        """Cause each fault in turn; print the counts around it."""
        for fault in faults:
            while len(self.tally.acknowledged) < fault.at * self.submissions:
                await asyncio.sleep(0.05)
            statuses, errors = self.snapshot()
            print(f"  before {fault.name}: {await self.counts()}")
            written = len(self.tally.writes)
            began = time.monotonic()
            await asyncio.to_thread(fault.cause)
            caused = time.monotonic()
            self.caused.append(fault.name)
            while (recovered := self.first_write_sent_after(caused, written)) is None:
                await asyncio.sleep(0.02)
            await asyncio.sleep(2.0)
            after_statuses, after_errors = self.snapshot()
            seen = dict(sorted((after_statuses - statuses).items()))
            cut = dict(after_errors - errors)
            print(f"  {fault.name}: took {caused - began:.1f} s; first post sent after it "
                  f"written {recovered - caused:.2f} s after it; clients saw statuses {seen}"
                  f"{f', connection errors {cut}' if cut else ''}")
            print(f"  after {fault.name} (+2 s): {await self.counts()}")


def kill_one_worker(server: Server) -> Callable[[], None]:
    """The fault: ``kill -9`` one worker."""

    def cause() -> None:
        victim = server.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        print(f"  kill -9 worker {victim}")

    return cause


def kill_and_restart(server: Server) -> Callable[[], None]:
    """The fault: ``kill -9`` the master and the workers, then start the server again."""

    def cause() -> None:
        killed = server.kill_everything()
        print(f"  kill -9 {killed} (master and workers); starting gunicorn again")
        server.start()

    return cause


def restart_postgres(cluster: Cluster) -> Callable[[], None]:
    """The fault: restart PostgreSQL under the running app."""

    def cause() -> None:
        cluster.restart()
        print("  PostgreSQL restarted (pg_ctl restart -m fast)")

    return cause


def bench_database(
    name: str,
    database: AbstractContextManager[tuple[str, Path]],
    cluster: Cluster | None,
    arguments: argparse.Namespace,
) -> bool:
    """Run the load with the faults on one database; print and check. True when every check
    passed."""
    print(f"\n== {name}: {arguments.submissions:,} submissions at {arguments.concurrency} "
          f"concurrent clients, with faults ==")
    with database as (database_url, instance):
        environment = app_environment(database_url, instance)
        load_demo(environment)
        server = Server("wsgi:app", environment, OUT / f"{name}-gunicorn.log")
        server.log.unlink(missing_ok=True)
        server.start()
        tally = Tally()
        observer = Observer(database_url, tally, arguments.submissions)
        faults = [
            Fault("(a) kill -9 one worker", 0.2, kill_one_worker(server)),
            Fault("(b) kill -9 the whole server, start again", 0.45, kill_and_restart(server)),
        ]
        if cluster is not None:
            faults.append(Fault("(c) PostgreSQL restart", 0.7, restart_postgres(cluster)))
        try:
            before = stored(database_url)
            seconds = asyncio.run(load_with_faults(server, observer, faults, arguments))
            after = stored(database_url)
        finally:
            server.stop()
            forget_limits(environment)
        log = server.log.read_text(encoding="utf-8", errors="replace")
    print(f"load: {tally.requests:,} answered requests in {seconds:.1f} s; statuses "
          f"{dict(sorted(tally.statuses.items()))}; connection errors "
          f"{dict(tally.transport_errors)}")
    problems = []
    new = after.responses - before.responses
    missing = set(tally.acknowledged) - after.keys
    if missing:
        problems.append(f"{len(missing)} acknowledged submissions are not stored")
    if after.distinct_keys != after.responses:
        problems.append(f"{after.responses - after.distinct_keys} submission keys stored twice")
    if new != arguments.submissions - tally.failed_respondents:
        problems.append(f"{new:,} new responses for {arguments.submissions:,} respondents")
    if tally.failed_respondents:
        problems.append(f"{tally.failed_respondents} respondents could not finish in time")
    if len(observer.caused) != len(faults):
        problems.append(f"only {len(observer.caused)} of {len(faults)} faults were caused")
    if tally.statuses[500]:
        problems.append(f"{tally.statuses[500]} answers were HTTP 500")
    if tally.stack_traces:
        problems.append(f"{tally.stack_traces} answers showed a stack trace")
    if tally.unavailable_without_retry_after:
        problems.append(f"{tally.unavailable_without_retry_after} 503s without Retry-After")
    print(f"database: {new:,} new responses, {len(set(tally.acknowledged)):,} acknowledged, "
          f"{len(missing)} acknowledged but missing; server log: "
          f"{log.count('database unavailable')} 'database unavailable' entries")
    for problem in problems:
        print(f"CHECK FAILED: {problem}")
    if not problems:
        print("checks passed: every acknowledged submission stored, no key twice, one response "
              "per respondent, no 500, no stack trace, every 503 with Retry-After")
    return not problems


async def load_with_faults(
    server: Server, observer: Observer, faults: list[Fault], arguments: argparse.Namespace
) -> float:
    """The respondents and the faults together; the respondents' wall time."""
    deadline = time.monotonic() + arguments.timeout
    load: Awaitable[float] = run_respondents(
        server.base_url, arguments.submissions, arguments.concurrency, RESEND_SHARE,
        observer.tally, retry_until=deadline,
    )
    causing = asyncio.create_task(observer.run(faults))
    seconds = await asyncio.wait_for(load, arguments.timeout + 30)
    if not causing.done():
        causing.cancel()
        print("  the load ended before every fault was caused")
    return seconds


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the chosen databases, return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--submissions", type=int, default=3_000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="seconds the run may take before it is stopped")
    arguments = parser.parse_args(argv)
    names = ["sqlite", "postgresql"] if arguments.database == "both" else [arguments.database]
    OUT.mkdir(parents=True, exist_ok=True)
    ok = True
    for name in names:
        try:
            if name == "sqlite":
                ok = bench_database(name, sqlite_database(), None, arguments) and ok
            else:
                with private_cluster() as cluster:
                    database = postgres_database(cluster.admin_url)
                    ok = bench_database(name, database, cluster, arguments) and ok
        except TimeoutError:
            print(f"{name}: the run took longer than {arguments.timeout:.0f} s and was stopped")
            ok = False
    print(f"\nlogs: {OUT}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
