"""Running a weighting run: its row goes ``pending`` → ``succeeded`` (weights and report) or
``failed`` (the error, as data), with its progress kept in the row while it runs.

A round with fewer responses than ``WEIGHTING_BACKGROUND_FROM`` (default
:data:`DEFAULT_BACKGROUND_FROM`; ``FLASK_WEIGHTING_BACKGROUND_FROM`` in the environment) is
weighted inside the request that starts it, so the page shows the report at once: a run over
20,000 responses takes under a second, over 100,000 about two seconds, two thirds of it reading
the responses (``bench/weighting_run.py``, on the shared 2-core machine under load). A larger
round is weighted in a background thread of the same process, with its own application context
and database session, so the request returns at once: the thread writes the stage it reached
into the run's ``report`` (``{"progress": {...}}``) and commits, so the status of a run can be
read from any worker. A run whose progress has not moved for :data:`STALLED_AFTER` is shown as
stalled (its process probably stopped); start it again.

Every change of a run is audited: ``weighting_run.start`` by the person who started it,
``weighting_run.finish`` or ``weighting_run.fail`` in their name when it ends, and
``weighting_run.adopt`` when a run becomes the round's current one.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select

from analysis.errors import AnalysisError
from survey_app.audit import jsonable, record_audit, state
from survey_app.auth import current_account
from survey_app.models import Response, Round, User, WeightingRun, WeightingRunStatus, db
from survey_app.models.base import utcnow
from survey_app.weighting_runs import (
    HISTORY_KEPT,
    RunSetupError,
    Stage,
    StageError,
    WeightingSettings,
    compute_weights,
    current_run,
)

DEFAULT_BACKGROUND_FROM = 20_000
"""Rounds with at least this many responses are weighted in a background thread."""

STALLED_AFTER = timedelta(minutes=10)
"""A pending run whose progress is older than this is shown as stalled."""

LISTED_LEVELS = 20
"""Levels of a variable kept in a failure's explanation."""


def _progress_entry(stage: Stage, done: int, total: int) -> dict[str, Any]:
    """The progress a pending run's report holds."""
    return {
        "stage": stage.value,
        "done": done,
        "total": total,
        "updated_at": utcnow().isoformat(timespec="seconds"),
    }


def progress_of(run: WeightingRun) -> dict[str, Any] | None:
    """A pending run's progress (stage, done, total, updated_at), or None."""
    if run.status != WeightingRunStatus.PENDING or not run.report:
        return None
    progress: dict[str, Any] | None = run.report.get("progress")
    return progress


def is_stalled(run: WeightingRun, now: datetime | None = None) -> bool:
    """Whether a pending run's progress has not moved for :data:`STALLED_AFTER`."""
    progress = progress_of(run)
    if progress is None:
        return False
    moment = now or utcnow()
    return moment - datetime.fromisoformat(progress["updated_at"]) > STALLED_AFTER


def _strings(values: Any) -> list[str]:
    """A few values of an error's ``expected``/``got`` as text."""
    if isinstance(values, list | tuple):
        return [str(value) for value in values[:LISTED_LEVELS]]
    return [] if values is None else [str(values)]


def describe_failure(error: Exception) -> dict[str, Any]:
    """A failure as the data the run page explains (kind, code, where, values)."""
    if isinstance(error, RunSetupError):
        return {
            "kind": "setup",
            "code": error.code,
            "params": jsonable(error.params),
            "message": str(error),
        }
    if isinstance(error, StageError):
        cause: AnalysisError = error.cause
        described: dict[str, Any] = {
            "kind": "analysis",
            "code": cause.code,
            "stage": error.stage.value,
            "group": error.group,
            "variable": getattr(cause, "variable", None),
            "level": getattr(cause, "level", None),
            "message": cause.message,
            "hint": cause.hint,
            "expected": _strings(cause.expected),
            "got": _strings(cause.got),
        }
        history = getattr(cause, "history", None)
        if history:
            described["history"] = [float(value) for value in history[-HISTORY_KEPT:]]
            described["iterations"] = len(history)
        return described
    return {"kind": "internal", "code": "internal", "message": type(error).__name__}


def _finish(run: WeightingRun, creator: User | None, settings: WeightingSettings) -> None:
    """Compute the run's weights and store them (or the failure), committing its state."""

    def progress(stage: Stage, done: int, total: int) -> None:
        """Keep the stage reached in the run's row, for the status page."""
        run.report = {"progress": _progress_entry(stage, done, total)}
        db.session.commit()

    try:
        result = compute_weights(run.round_id, settings, progress)
    except Exception as error:
        db.session.rollback()
        if not isinstance(error, RunSetupError | StageError):
            current_app.logger.exception("weighting run %s failed", run.id)
        run.status = WeightingRunStatus.FAILED
        run.error = str(error)
        run.report = {"error": describe_failure(error)}
        run.finished_at = utcnow()
        record_audit(
            "weighting_run.fail",
            run,
            after=state(run, "status", "error"),
            actor=creator,
        )
        db.session.commit()
        return
    run.store_weights(result.weights)
    run.report = result.report
    run.status = WeightingRunStatus.SUCCEEDED
    run.finished_at = utcnow()
    record_audit(
        "weighting_run.finish",
        run,
        after=state(run, "status", "response_count", "weights_sha256"),
        actor=creator,
    )
    db.session.commit()


def _in_background(app: Flask, run_id: int) -> None:
    """Weight run ``run_id`` in this (background) thread, with a session of its own."""
    with app.app_context():
        run = db.session.get(WeightingRun, run_id)
        if run is None:
            return
        creator = db.session.get(User, run.created_by) if run.created_by else None
        _finish(run, creator, WeightingSettings.from_json(run.settings))


def background_from() -> int:
    """The number of responses from which a run goes to a background thread."""
    return int(current_app.config.get("WEIGHTING_BACKGROUND_FROM", DEFAULT_BACKGROUND_FROM))


def start_run(round_: Round, label: str, settings: WeightingSettings) -> WeightingRun:
    """Store a new pending run, then weight it here or in a background thread (module
    docstring); the run as it stands when this returns."""
    user = current_account()
    run = WeightingRun(
        round_id=round_.id,
        label=label,
        settings=settings.to_json(),
        status=WeightingRunStatus.PENDING,
        report={"progress": _progress_entry(Stage.LOAD, 0, 1)},
        created_by=user.id,
    )
    db.session.add(run)
    record_audit(
        "weighting_run.start",
        run,
        after={"label": label, "settings": settings.to_json()},
    )
    db.session.commit()
    responses = db.session.scalar(
        select(func.count()).select_from(Response).where(Response.round_id == round_.id)
    )
    if (responses or 0) < background_from():
        _finish(run, user, settings)
        return run
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    thread = threading.Thread(
        target=_in_background, args=(app, run.id), name=f"weighting-run-{run.id}", daemon=True
    )
    thread.start()
    return run


def adopt_run(run: WeightingRun) -> None:
    """Make a succeeded run the round's current one (the caller commits)."""
    if run.status != WeightingRunStatus.SUCCEEDED:
        raise ValueError(f"weighting run {run.id} has not succeeded")
    previous = current_run(run.round_id)
    run.adopted_by = current_account().id
    run.adopted_at = utcnow()
    record_audit(
        "weighting_run.adopt",
        run,
        before={"current_run": previous.id if previous else None},
        after={"current_run": run.id},
    )
