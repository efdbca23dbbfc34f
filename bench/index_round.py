"""Speed benchmark: a round's index with its rank intervals, the survey weighted by a raked run.

    .venv/bin/python bench/index_round.py [--responses 1520] [--replicates 200] [--repeat 3]
                                          [--pages]

Builds a temporary SQLite database the production way (``flask db upgrade``) holding one round
of the department scheme (``par_department_2022``) over the demo province's 19 departments:
every department self-scored at random and every self-score accepted; ``--responses``
delegate responses (``province_department``) spread evenly over the departments, in 8
clusters per department, every survey item answered at random (fixed seed); a frame cell per
department and population margins for the delegate's role and contact; and a weighting run,
computed by ``survey_app.weighting_runs.compute_weights`` (raking to both margins, trimming at
3.5 × the mean) and adopted. Then, in this process, it times
``survey_app.index_service.compute_round_index`` with ``--replicates`` bootstrap replicates,
best of ``--repeat``, and prints the seconds.

With ``--pages`` it then times the evaluator's pages in this process (Flask's test client, signed
in through the sign-in form), each request's wall time: the round's index page; the "Compute
the index" button (inside the request below ``INDEX_BACKGROUND_FROM`` responses, else it starts
a background job and returns at once); the job's JSON status, polled every ``POLL_PAUSE`` s until
the job has finished (the median and the slowest poll, while the job runs beside it); the
seconds until the job was done; and the job's page showing the computed ranking. The target is
under one second for every page. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = 20261201
SCHEME = "par_department_2022"
QUESTIONNAIRE = "province_department"
GROUP = "delegate"
CLUSTERS = 8
TRIM_UPPER = 3.5
ROLES = {
    "provincial_delegate": 0.2,
    "district_delegate": 0.3,
    "commune_committee": 0.3,
    "commune_council": 0.2,
}
CONTACT = {"often": 0.3, "sometimes": 0.5, "rarely": 0.2}
INSERT_BATCH = 5_000
POLL_PAUSE = 0.5


def build(url: str, folder: Path, count: int) -> int:
    """The round described in the module docstring, stored and weighted; its id."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from questionnaires.loader import bundled_questionnaires
    from questionnaires.scheme import SourceKind, bundled_schemes
    from survey_app import create_app
    from survey_app.catalogue import store_version
    from survey_app.demo_units import DEPARTMENTS
    from survey_app.index_service import survey_items
    from survey_app.models import (
        Access,
        AppraisalDecision,
        FrameCell,
        PopulationMargin,
        Response,
        Round,
        RoundQuestionnaire,
        RoundStatus,
        SelfScore,
        Unit,
        User,
        WeightingRun,
        db,
    )
    from survey_app.models.base import utcnow
    from survey_app.weighting_runs import WeightingSettings, compute_weights

    rng = random.Random(SEED)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder / "instance")})
    scheme = bundled_schemes()[SCHEME]
    questionnaire = bundled_questionnaires()[QUESTIONNAIRE]
    items = survey_items(scheme)
    with app.app_context():
        upgrade()
        version, _ = store_version(questionnaire)
        user = User(username="bench", display_name="Bench", password_hash="-", role="evaluator")
        units = [
            Unit(code=spec.code, name_vi=spec.name_vi, name_en=spec.name_en, kind=spec.kind)
            for spec in DEPARTMENTS
        ]
        db.session.add_all([user, *units])
        round_ = Round(
            code="bench-index",
            year=2025,
            title_vi="Đo tốc độ chỉ số",
            title_en="Index benchmark",
            status=RoundStatus.CLOSED,
            scheme_id=scheme.id,
            scheme_version=scheme.version,
            scheme_hash=scheme.content_hash,
        )
        round_.units = units
        db.session.add(round_)
        db.session.flush()
        db.session.add(
            RoundQuestionnaire(
                round_id=round_.id,
                questionnaire_version_id=version.id,
                respondent_group=GROUP,
                access=Access.PUBLIC,
            )
        )
        for unit in units:
            for leaf in scheme.leaves(SourceKind.APPRAISAL):
                score = round(leaf.max_points * rng.uniform(0.6, 1.0), 2)
                db.session.add(
                    SelfScore(
                        round_id=round_.id,
                        unit_id=unit.id,
                        criterion=leaf.code,
                        self_score=score,
                        entered_by=user.id,
                    )
                )
                db.session.add(
                    AppraisalDecision(
                        round_id=round_.id,
                        unit_id=unit.id,
                        criterion=leaf.code,
                        verdict="accept",
                        old_score=score,
                        decided_by=user.id,
                    )
                )
        rows: list[dict[str, Any]] = []
        per_unit = count // len(units)
        for unit in units:
            level = rng.uniform(0.3, 0.9)
            for number in range(per_unit):
                answers = {
                    item: str(4 if rng.random() < level else rng.randint(1, 3)) for item in items
                }
                answers["r_role"] = rng.choices(list(ROLES), weights=list(ROLES.values()))[0]
                answers["r_contact"] = rng.choices(list(CONTACT), weights=list(CONTACT.values()))[0]
                rows.append(
                    {
                        "id": f"{unit.id:08x}{number:024x}",
                        "round_id": round_.id,
                        "unit_id": unit.id,
                        "respondent_group": GROUP,
                        "questionnaire_id": QUESTIONNAIRE,
                        "questionnaire_version": version.version,
                        "questionnaire_hash": version.content_hash,
                        "mode": "web",
                        "answers": answers,
                        "paradata": {},
                        "stratum": unit.code,
                        "cluster": f"{unit.code}-{number % CLUSTERS}",
                        "submitted_on": date(2025, 6, 1),
                        "submission_key": f"bench-{unit.code}-{number}",
                    }
                )
            population = rng.randint(per_unit * 5, per_unit * 20)
            db.session.add(
                FrameCell(
                    round_id=round_.id,
                    unit_id=unit.id,
                    respondent_group=GROUP,
                    stratum=unit.code,
                    population=population,
                    sample_size=per_unit,
                    margin_of_error=0.05,
                )
            )
        for start in range(0, len(rows), INSERT_BATCH):
            db.session.execute(insert(Response), rows[start : start + INSERT_BATCH])
        total = per_unit * len(units) * 12.0
        for variable, shares in (("role", ROLES), ("contact", CONTACT)):
            for level_code, share in shares.items():
                db.session.add(
                    PopulationMargin(
                        round_id=round_.id,
                        respondent_group=GROUP,
                        variable=variable,
                        level=level_code,
                        target=share * total,
                    )
                )
        db.session.commit()
        settings = WeightingSettings(
            margins={GROUP: {"role": "item:r_role", "contact": "item:r_contact"}},
            trim_upper=TRIM_UPPER,
        )
        result = compute_weights(round_.id, settings)
        run = WeightingRun(
            round_id=round_.id,
            label="bench",
            settings=settings.to_json(),
            status="succeeded",
            adopted_at=utcnow(),
        )
        run.store_weights(result.weights)
        run.report = result.report
        db.session.add(run)
        db.session.commit()
        round_id = int(round_.id)
        db.engine.dispose()
    return round_id


def time_index(url: str, folder: Path, round_id: int, replicates: int) -> float:
    """Seconds of one ``compute_round_index`` of the round."""
    from survey_app import create_app
    from survey_app.index_service import compute_round_index
    from survey_app.models import Round, db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder / "instance")})
    with app.app_context(), app.test_request_context():
        round_ = db.session.get(Round, round_id)
        assert round_ is not None
        started = time.perf_counter()
        computed = compute_round_index(round_, replicates=replicates)
        seconds = time.perf_counter() - started
        assert computed.uncertainty, "the round has rank intervals"
        db.engine.dispose()
    return seconds


def time_pages(url: str, folder: Path, round_id: int) -> list[str]:
    """The evaluator's pages of the round, timed (module docstring): lines to print."""
    import secrets
    import statistics

    from live_survey import CSRF

    from survey_app import create_app
    from survey_app.auth.accounts import create_user
    from survey_app.models import Role, db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder / "instance")})
    password = secrets.token_urlsafe(16)
    with app.app_context(), app.test_request_context():
        create_user(username="evaluator", display_name="E", role=Role.EVALUATOR, password=password)
        db.session.commit()
    client = app.test_client()

    def timed(method: str, path: str, **data: str) -> tuple[float, Any]:
        """Wall time of one request, and its response."""
        started = time.perf_counter()
        response = client.open(path, method=method, data=data or None)
        seconds = time.perf_counter() - started
        assert response.status_code in (200, 302), (path, response.status_code)
        return seconds, response

    def token(html: str) -> str:
        """The page's CSRF token."""
        found = CSRF.search(html)
        assert found, "no CSRF token"
        return found.group(1)

    client.get("/lang/en")
    login = client.get("/auth/login")
    signed = client.post(
        "/auth/login",
        data={"username": "evaluator", "password": password, "csrf_token": token(login.text)},
    )
    assert signed.status_code == 302
    base = f"/evaluate/rounds/{round_id}/index"
    page_seconds, page = timed("GET", base)
    button_seconds, started = timed("POST", f"{base}/preview", csrf_token=token(page.text))
    job_started = time.perf_counter()
    location = started.headers["Location"]
    polls: list[float] = []
    while True:
        seconds, status = timed("GET", f"{location}/status")
        polls.append(seconds)
        if status.get_json()["finished"]:
            break
        time.sleep(POLL_PAUSE)
    job_seconds = time.perf_counter() - job_started
    assert status.get_json()["status"] == "done", status.get_json()
    result_seconds, result = timed("GET", location)
    assert "The index computed now" in result.text
    with app.app_context():
        db.engine.dispose()
    return [
        f"index page: {page_seconds:.3f} s",
        f"compute button: {button_seconds:.3f} s (then the job: {job_seconds:.1f} s)",
        f"job status, {len(polls)} polls: median {statistics.median(polls):.3f} s, "
        f"slowest {max(polls):.3f} s",
        f"job page with the ranking: {result_seconds:.3f} s",
    ]


def main() -> None:
    """Build the round, time its index ``--repeat`` times, print the best."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_520)
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", action="store_true", help="time the evaluator's pages too")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-index-round-") as name:
        folder = Path(name)
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        round_id = build(url, folder, arguments.responses)
        times = [
            time_index(url, folder, round_id, arguments.replicates)
            for _ in range(arguments.repeat)
        ]
        print(
            f"index of 19 departments, {arguments.responses:,} responses, "
            f"{arguments.replicates} replicates: best {min(times):.3f} s of {arguments.repeat} "
            f"({', '.join(f'{t:.3f}' for t in times)})"
        )
        if arguments.pages:
            for line in time_pages(url, folder, round_id):
                print(line)


if __name__ == "__main__":
    main()
