"""Index jobs: a round's index computed for a preview, or to publish it, inside the request for a
small round and in a background thread for a large one, its progress and result in a job file
(``survey_app.job_files``, ADR 0008).

A round whose evaluated units have fewer responses than ``INDEX_BACKGROUND_FROM`` (default
:data:`DEFAULT_BACKGROUND_FROM`; ``FLASK_INDEX_BACKGROUND_FROM`` in the environment) is computed
inside the request: with 200 replicates that takes about 0.9 s at 1,520 responses, 2.7 s at
20,000 and 10 s at 100,000 (``bench/index_round.py``). A larger one is computed in a thread of
the same process with its own application context, and the request returns at once. Either way
the job is a file ``<instance>/index_jobs/<round id>/<id>.json`` (the round's index page lists
its latest :data:`RECENT_LISTED`):

* ``kind`` (``preview`` or ``publish``), ``round_id``, ``user_id``, ``language`` (the
  starter's), ``note`` (a publication's);
* while it runs: ``stage`` (:class:`~survey_app.index_service.IndexStage`), ``stage_done`` and
  ``stage_total`` (replicates re-weighted, survey criteria scored), and ``done`` out of
  ``total`` = 100, the share of the work behind it (:data:`STAGE_SHARES`, from a profile at
  100,000 responses);
* when it is done, ``result``: the ``problems`` that stop the index, each in both languages
  (``{"vi": …, "en": …}``, since whoever opens the job reads them in theirs; the index is then
  neither shown nor published); for a preview the results ``document`` as publication stores
  it, the parts in which it differs from the snapshot published then (``compared_with``, its
  id; ``differences``: ``part``, ``expected``, ``got``) and the ``seconds`` it took; for a
  publication the ``snapshot_id`` stored;
* when it failed, ``error`` (the exception's type; the log has the rest).

Publishing computes the index again from the data stored at that moment; it does not publish
the preview's document.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import func, select

from survey_app import job_files
from survey_app.auth import current_account
from survey_app.evaluate.publication import (
    comparison_for,
    publish,
    published_snapshot,
    results_document,
)
from survey_app.i18n import current_language
from survey_app.index_service import (
    DEFAULT_REPLICATES,
    IndexNotReady,
    IndexStage,
    compute_round_index,
    verify_published,
)
from survey_app.models import Response, Round, RoundUnit, User, db

DEFAULT_BACKGROUND_FROM = 2_000
"""Rounds with at least this many responses are computed in a background thread."""

KINDS = ("preview", "publish")
"""What an index job is for."""

RECENT_LISTED = 5
"""Index jobs listed on the round's index page."""

STAGE_SHARES: dict[IndexStage, tuple[float, float]] = {
    IndexStage.READING: (0.0, 0.52),
    IndexStage.WEIGHTING: (0.52, 0.72),
    IndexStage.SCORING: (0.72, 0.97),
    IndexStage.RANKING: (0.97, 1.0),
}
"""The share of the work done when each stage starts and ends, from a profile at 100,000
responses (``bench/README.md``): reading the inputs, replaying the weighting run and drawing
the replicates about 52 %, re-weighting the replicates 20 %, scoring 25 %, ranking the rest."""


def jobs_folder(round_id: int) -> Path:
    """Where the round's index job files are kept, created (owner-only) if missing."""
    folder = Path(current_app.instance_path) / "index_jobs" / str(int(round_id))
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def read_job(round_id: int, job_id: str) -> dict[str, Any] | None:
    """The round's index job ``job_id`` (None for an id that is not one, or no such job)."""
    return job_files.read_job(jobs_folder(round_id), job_id)


def recent_jobs(round_id: int, count: int = RECENT_LISTED) -> list[dict[str, Any]]:
    """The round's ``count`` latest index jobs, the newest first."""
    found = [
        job
        for path in sorted(
            jobs_folder(round_id).glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True
        )[:count]
        if (job := job_files.read_job(path.parent, path.stem)) is not None
    ]
    return sorted(found, key=lambda job: job["started_at"], reverse=True)


def background_from() -> int:
    """The number of responses from which an index is computed in a background thread."""
    return int(current_app.config.get("INDEX_BACKGROUND_FROM", DEFAULT_BACKGROUND_FROM))


def replicates() -> int:
    """Bootstrap replicates for the rank intervals (``INDEX_REPLICATES``)."""
    return int(current_app.config.get("INDEX_REPLICATES", DEFAULT_REPLICATES))


def evaluated_responses(round_: Round) -> int:
    """Responses of the round to the units it evaluates (what the survey points read)."""
    evaluated = select(RoundUnit.unit_id).where(RoundUnit.round_id == round_.id)
    count = db.session.scalar(
        select(func.count()).where(Response.round_id == round_.id, Response.unit_id.in_(evaluated))
    )
    return int(count or 0)


def overall_done(stage: IndexStage, done: int, total: int) -> int:
    """The percentage of the whole job behind a point of one stage (:data:`STAGE_SHARES`)."""
    start, end = STAGE_SHARES[stage]
    within = done / total if total else 0.0
    return round(100 * (start + (end - start) * min(max(within, 0.0), 1.0)))


def _compute(job: dict[str, Any], round_: Round, user: User, write: bool) -> None:
    """Compute the job's index (and publish it, for a publication), recording its progress
    and its result in ``job``; the job's file is written at each step when ``write``."""
    started = time.perf_counter()

    def progress(stage: IndexStage, done: int, total: int) -> None:
        """Keep the stage reached; write the file when the percentage moves."""
        percent = overall_done(stage, done, total)
        moved = percent != job["done"] or stage.value != job["stage"]
        job.update(stage=stage.value, stage_done=done, stage_total=total, done=percent)
        if write and moved:
            job_files.write_job(jobs_folder(job["round_id"]), job)

    try:
        computed = compute_round_index(round_, replicates=replicates(), progress=progress)
    except IndexNotReady as error:
        problems = [problem.to_json() for problem in error.problems]
        job.update(status="done", done=100, result={"problems": problems})
        return
    comparison = comparison_for(round_, computed)
    result: dict[str, Any] = {"problems": []}
    if job["kind"] == "publish":
        snapshot = publish(round_, computed, comparison, user, job["note"])
        db.session.commit()
        result["snapshot_id"] = snapshot.id
    else:
        published = published_snapshot(round_)
        differences = verify_published(published, computed) if published is not None else []
        result.update(
            compared_with=published.id if published is not None else None,
            document=results_document(computed, comparison),
            differences=[
                {"part": d.part, "expected": d.expected, "got": d.got} for d in differences
            ],
            seconds=round(time.perf_counter() - started, 2),
        )
    job.update(status="done", done=100, result=result)


def _run_in_thread(app: Flask, job: dict[str, Any]) -> None:
    """Compute the job in this background thread, with its own context and session."""
    with app.app_context(), force_locale(job["language"]):
        round_ = db.session.get(Round, job["round_id"])
        user = db.session.get(User, job["user_id"])
        try:
            if round_ is None or user is None:
                raise LookupError("the round or the account is gone")
            _compute(job, round_, user, write=True)
        except Exception as error:
            db.session.rollback()
            current_app.logger.exception("index job %s failed", job["id"])
            job.update(status="failed", error=type(error).__name__)
        job_files.write_job(jobs_folder(job["round_id"]), job)


def start_index_job(round_: Round, kind: str, note: str = "") -> dict[str, Any]:
    """Compute the round's index for ``kind`` (:data:`KINDS`): now for a small round (the job
    returned is done or failed), in a background thread for a large one (it is running)."""
    if kind not in KINDS:
        raise ValueError(f"an index job is one of {KINDS}, not {kind!r}")
    user = current_account()
    folder = jobs_folder(round_.id)
    job = job_files.new_job(
        folder,
        kind=kind,
        round_id=round_.id,
        user_id=user.id,
        language=current_language(),
        note=note,
        stage=IndexStage.READING.value,
        stage_done=0,
        stage_total=1,
        done=0,
        total=100,
        result=None,
        error=None,
    )
    if evaluated_responses(round_) >= background_from():
        job_files.write_job(folder, job)
        job_files.start_thread(f"index-{job['id']}", _run_in_thread, job)
        return job
    _compute(job, round_, user, write=False)
    job_files.write_job(folder, job)
    return job
