"""Speed benchmark: one weighting run of the workspace over 100,000 stored responses.

    .venv/bin/python bench/weighting_run.py [--responses 100000] [--repeat 3]

Builds a temporary SQLite database the production way (``flask db upgrade``) with the bundled
citizens' questionnaire, the demo province's 19 departments, and responses stored as
``bench/export.py`` stores them (same generator, fixed seed) but each given a department, so
that they meet a frame: one cell per department × district (N drawn at random), and
population margins for sex, age band and area. Then, in this process, it times what a run
does (``survey_app.weighting_runs.compute_weights`` with raking to the three margins and
trimming at 3.5 × the mean, then ``WeightingRun.store_weights`` and the commit) stage by stage,
best of ``--repeat``, and prints the seconds of each stage and in all. The figure decides
whether a run may block a request: the workspace weights a round inline below
``WEIGHTING_BACKGROUND_FROM`` responses (``survey_app.staff.weighting_jobs``) and in a
background thread from there. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from export import ROUND_CODE, SEED, build_database  # noqa: E402

TRIM_UPPER = 3.5
AREAS = {"urban": 0.45, "rural": 0.55}
SEXES = {"male": 0.49, "female": 0.51}
AGES = {"18_29": 0.24, "30_44": 0.3, "45_59": 0.26, "60_plus": 0.2}


def prepare(url: str, folder: Path) -> int:
    """Give each response a department, store the frame and margins; the round's id."""
    from sqlalchemy import select, update

    from survey_app import create_app
    from survey_app.demo_units import DEPARTMENTS
    from survey_app.models import FrameCell, PopulationMargin, Response, Round, Unit, db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder / "instance")})
    rng = random.Random(SEED)
    with app.app_context():
        round_id = db.session.scalars(select(Round.id).where(Round.code == ROUND_CODE)).one()
        units = db.session.scalars(
            select(Unit).where(Unit.code.in_([d.code for d in DEPARTMENTS]))
        ).all()
        ids = db.session.scalars(select(Response.id).where(Response.round_id == round_id)).all()
        by_unit: dict[int, list[str]] = {unit.id: [] for unit in units}
        for response_id in ids:
            by_unit[rng.choice(units).id].append(response_id)
        for unit_id, chosen in by_unit.items():
            db.session.execute(
                update(Response).where(Response.id.in_(chosen)).values(unit_id=unit_id)
            )
        cells = db.session.execute(
            select(Response.unit_id, Response.stratum)
            .distinct()
            .where(Response.round_id == round_id)
        ).all()
        population = 0
        for unit_id, stratum in cells:
            size = rng.randint(20_000, 80_000)
            population += size
            db.session.add(
                FrameCell(
                    round_id=round_id,
                    unit_id=unit_id,
                    respondent_group="citizen",
                    stratum=stratum,
                    population=size,
                    sample_size=min(size, 1_000),
                    margin_of_error=0.05,
                )
            )
        for variable, shares in (("sex", SEXES), ("age", AGES), ("area", AREAS)):
            for level, share in shares.items():
                db.session.add(
                    PopulationMargin(
                        round_id=round_id,
                        respondent_group="citizen",
                        variable=variable,
                        level=level,
                        target=share * population,
                    )
                )
        db.session.commit()
        db.engine.dispose()
    return int(round_id)


def time_run(url: str, folder: Path, round_id: int) -> dict[str, float]:
    """One run's stage times in seconds (as a request without a thread would spend them)."""
    from survey_app import create_app
    from survey_app.models import WeightingRun, db
    from survey_app.weighting_runs import Stage, WeightingSettings, compute_weights

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder / "instance")})
    settings = WeightingSettings(
        margins={"citizen": {"sex": "item:d_sex", "age": "item:d_age_band", "area": "item:d_area"}},
        trim_upper=TRIM_UPPER,
    )
    times: dict[str, float] = {}
    with app.app_context():
        marks: list[tuple[str, float]] = []

        def progress(stage: Stage, _done: int, _total: int) -> None:
            """Note when each stage starts."""
            marks.append((stage.value, time.perf_counter()))

        started = time.perf_counter()
        result = compute_weights(round_id, settings, progress)
        now = time.perf_counter()
        ends = [moment for _, moment in marks[1:]] + [now]
        times.update((stage, end - begin) for (stage, begin), end in zip(marks, ends, strict=True))
        run = WeightingRun(round_id=round_id, label="bench", settings=settings.to_json())
        run.store_weights(result.weights)
        run.report = result.report
        run.status = "succeeded"
        db.session.add(run)
        db.session.commit()
        times["store"] = time.perf_counter() - now
        times["total"] = time.perf_counter() - started
        assert run.response_count is not None
        db.engine.dispose()
    return times


def main() -> None:
    """Build the database, time the run ``--repeat`` times, print the best of each stage."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-weighting-run-") as name:
        folder = Path(name)
        url = build_database(folder, arguments.responses)
        round_id = prepare(url, folder)
        runs = [time_run(url, folder, round_id) for _ in range(arguments.repeat)]
    stages = list(runs[0])
    print(f"weighting run over {arguments.responses:,} responses, best of {arguments.repeat}:")
    for stage in stages:
        best = min(run[stage] for run in runs)
        print(f"  {stage:<8} {best:8.3f} s")


if __name__ == "__main__":
    main()
