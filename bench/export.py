"""Speed benchmark: export 100,000 responses of the bundled citizens' questionnaire.

    .venv/bin/python bench/export.py [--responses 100000] [--formats csv,xlsx,parquet,sav]
                                     [--repeat 1] [--keep]

Builds, in a child process (a process reports the peak memory of the one it was forked from
when that was larger, so the timing parent stays small), a temporary SQLite database the
production way (``flask db upgrade``), stores the
bundled ``sipas_citizens`` version, the demo province's units and a round ``bench``, then
bulk-inserts (fixed seed) responses answered the way the app stores them: every item given a
random valid answer (specials now and then, optional text mostly left blank), hidden items
pruned by the form's own skip logic, the district as stratum, web or paper mode, paradata with
seconds per page. Then, as whole processes timed from start to exit (wall time, and peak
resident memory from ``wait4``), it runs

(a) ours:     ``flask --app wsgi responses export --round bench --format F --out FILE``
              with ``DATABASE_URL`` pointing at the temporary database, once per format;
(b) baseline: ``pandas.read_sql("SELECT * FROM responses")`` + ``to_csv``: the raw table
              with its JSON columns as text, no typing, no codebook;

and prints seconds, responses per second, the ratio to the baseline, peak memory and file
size (best of ``--repeat`` runs). Files go to a temporary folder (``--keep`` prints and keeps
it). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]

if TYPE_CHECKING:
    from questionnaires.loader import Questionnaire
    from questionnaires.model import Choice, Item

SEED = 20261122
ROUND_CODE = "bench"
QUESTIONNAIRE = "sipas_citizens"
INSERT_BATCH = 10_000
SPECIAL_SHARE = 0.05
TEXT_SHARE = 0.15
PAPER_SHARE = 0.3
ROUND_START = date(2025, 3, 1)
ROUND_DAYS = 90
FORMATS = ("csv", "xlsx", "parquet", "sav")
BASELINE_JOB = (
    "import sys, pandas, sqlalchemy\n"
    "engine = sqlalchemy.create_engine(sys.argv[1])\n"
    "pandas.read_sql('SELECT * FROM responses', engine).to_csv(sys.argv[2], index=False)\n"
)
PHRASES = (
    "Cán bộ tận tình, hướng dẫn rõ ràng.",
    "Thời gian chờ còn lâu, cần thêm quầy tiếp nhận.",
    "Thủ tục nên đơn giản hơn; giấy tờ phải nộp nhiều lần.",
    "Cổng dịch vụ công đôi khi bị lỗi khi tải hồ sơ lên.",
    "Hài lòng với kết quả, trả đúng hẹn.",
)


@dataclass(frozen=True)
class Run:
    """One timed process: wall seconds, peak resident memory (MiB) and the output size (MiB)."""

    seconds: float
    peak_mib: float
    file_mib: float


def answer(item: Item, choices: tuple[Choice, ...], rng: random.Random) -> object:
    """A random answer to ``item`` in the stored convention, or None to leave it blank."""
    if item.type in ("single_choice", "rating"):
        ordinary = [c for c in choices if c.special is None]
        special = [c for c in choices if c.special is not None]
        if special and rng.random() < SPECIAL_SHARE:
            return rng.choice(special).code
        return rng.choice(ordinary).code
    if item.type == "multiple_choice":
        picked = rng.sample(choices, k=rng.randint(1, min(3, len(choices))))
        order = {c.code: n for n, c in enumerate(choices)}
        return sorted((c.code for c in picked), key=order.__getitem__)
    if item.type == "number":
        low = int(item.minimum if item.minimum is not None else 0)
        high = int(item.maximum if item.maximum is not None else low + 100)
        value = rng.randint(low, high)
        return value if item.integer else value + rng.choice((0.0, 0.25, 0.5))
    if item.type == "date":
        return (ROUND_START - timedelta(days=rng.randint(1, 60))).isoformat()
    if item.required is True or rng.random() < TEXT_SHARE:
        return rng.choice(PHRASES)
    return None


def response_rows(questionnaire: Questionnaire, count: int, round_id: int) -> list[dict[str, Any]]:
    """``count`` stored responses, as the app stores them (hidden answers pruned)."""
    rng = random.Random(SEED)
    pages = [page.id for page in questionnaire.pages]
    rows: list[dict[str, Any]] = []
    for number in range(count):
        drafted = {
            item.code: value
            for item in questionnaire.items
            if (value := answer(item, questionnaire.choices(item), rng)) is not None
        }
        answers = questionnaire.prune_hidden(drafted)
        page_seconds = {page: round(rng.uniform(5, 120), 3) for page in pages}
        paper = rng.random() < PAPER_SHARE
        rows.append(
            {
                "id": f"{number:032x}",
                "round_id": round_id,
                "unit_id": None,
                "respondent_group": questionnaire.respondent_group,
                "questionnaire_id": questionnaire.id,
                "questionnaire_version": questionnaire.version,
                "questionnaire_hash": questionnaire.content_hash,
                "mode": "paper" if paper else "web",
                "answers": answers,
                "paradata": {}
                if paper
                else {
                    "page_seconds": page_seconds,
                    "duration_seconds": round(sum(page_seconds.values()), 3),
                    "device": rng.choice(("mobile", "mobile", "desktop", "tablet")),
                },
                "stratum": answers.get(questionnaire.definition.sampling.stratum or ""),
                "cluster": None,
                "submitted_on": ROUND_START + timedelta(days=rng.randrange(ROUND_DAYS)),
                "submission_key": f"bench-{number}",
            }
        )
    return rows


def database_url(folder: Path) -> str:
    """The temporary SQLite database's URL."""
    return f"sqlite:///{folder / 'bench.sqlite3'}"


def build_database(folder: Path, count: int) -> str:
    """A migrated SQLite database in ``folder`` holding ``count`` responses; returns its URL.

    Runs in a child process of its own (``--build-into``): a process keeps the peak memory of
    the one that forked it (Linux copies it at ``exec``), so the timing parent must stay small.
    """
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from questionnaires.loader import bundled_questionnaires
    from survey_app import create_app
    from survey_app.catalogue import store_version
    from survey_app.demo_units import DEPARTMENTS, DISTRICTS, PROVINCE
    from survey_app.models import Access, Response, Round, RoundQuestionnaire, RoundStatus, Unit, db

    url = database_url(folder)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder / "instance")})
    questionnaire = bundled_questionnaires()[QUESTIONNAIRE]
    with app.app_context():
        upgrade()
        version, _ = store_version(questionnaire)
        province = Unit(
            code=PROVINCE.code,
            name_vi=PROVINCE.name_vi,
            name_en=PROVINCE.name_en,
            kind=PROVINCE.kind,
        )
        db.session.add(province)
        db.session.flush()
        for spec in DEPARTMENTS + DISTRICTS:
            db.session.add(
                Unit(
                    code=spec.code,
                    name_vi=spec.name_vi,
                    name_en=spec.name_en,
                    kind=spec.kind,
                    parent_id=province.id,
                )
            )
        round_ = Round(
            code=ROUND_CODE,
            year=ROUND_START.year,
            title_vi="Đo tốc độ xuất",
            title_en="Export benchmark",
            status=RoundStatus.CLOSED,
        )
        db.session.add(round_)
        db.session.flush()
        db.session.add(
            RoundQuestionnaire(
                round_id=round_.id,
                questionnaire_version_id=version.id,
                respondent_group=version.respondent_group,
                access=Access.PUBLIC,
            )
        )
        rows = response_rows(questionnaire, count, round_.id)
        for start in range(0, len(rows), INSERT_BATCH):
            db.session.execute(insert(Response), rows[start : start + INSERT_BATCH])
        db.session.commit()
        db.engine.dispose()
    return url


def timed(command: list[str], env: dict[str, str], out: Path) -> Run:
    """Run ``command`` to completion; wall time, peak RSS from ``wait4``, size of ``out``."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    errors = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{errors}")
    return Run(seconds, usage.ru_maxrss / 1024, out.stat().st_size / 2**20)


def best(runs: list[Run]) -> Run:
    """The fastest of repeated runs."""
    return min(runs, key=lambda run: run.seconds)


def main() -> None:
    """Build the database, time the baseline and each format, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--build-into", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_into is not None:
        build_database(args.build_into, args.responses)
        return
    formats = [name for name in args.formats.split(",") if name]
    folder = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        started = time.perf_counter()
        build = [sys.executable, __file__, "--build-into", str(folder)]
        built = subprocess.run(
            [*build, "--responses", str(args.responses)], cwd=ROOT, capture_output=True, text=True
        )
        if built.returncode != 0:
            raise SystemExit(f"building the database failed:\n{built.stderr}")
        url = database_url(folder)
        print(
            f"{args.responses:,} responses of {QUESTIONNAIRE} stored in "
            f"{time.perf_counter() - started:.1f} s ({folder / 'bench.sqlite3'})"
        )
        env = {**os.environ, "DATABASE_URL": url, "FLASK_INSTANCE_PATH": str(folder / "instance")}
        baseline_out = folder / "baseline.csv"
        baseline = best(
            [
                timed(
                    [sys.executable, "-c", BASELINE_JOB, url, str(baseline_out)], env, baseline_out
                )
                for _ in range(args.repeat)
            ]
        )
        flask = str(Path(sys.executable).with_name("flask"))
        print(
            f"\n{'job':<30} {'seconds':>8} {'rows/s':>9} {'× baseline':>11} {'peak MiB':>9} "
            f"{'file MiB':>9}"
        )
        rows = [("baseline read_sql + to_csv", baseline)]
        for name in formats:
            out = folder / f"responses.{name}"
            command = [
                flask,
                "--app",
                "wsgi",
                "responses",
                "export",
                "--round",
                ROUND_CODE,
                "--format",
                name,
                "--out",
                str(out),
            ]
            rows.append(
                (
                    f"ours --format {name}",
                    best([timed(command, env, out) for _ in range(args.repeat)]),
                )
            )
        for label, run in rows:
            print(
                f"{label:<30} {run.seconds:>8.2f} {args.responses / run.seconds:>9,.0f} "
                f"{run.seconds / baseline.seconds:>11.2f} {run.peak_mib:>9.0f} "
                f"{run.file_mib:>9.1f}"
            )
    finally:
        if args.keep:
            print(f"\nfiles kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
