"""Export jobs: an export is made inside the request that asks for it when it is small, in a
background thread when it is large, with its progress in a job file.

An export of fewer responses than ``EXPORT_BACKGROUND_FROM`` (default
:data:`DEFAULT_BACKGROUND_FROM`; ``FLASK_EXPORT_BACKGROUND_FROM`` in the environment) is built
at once and the browser goes to its page. A larger one (100,000 responses take seconds in CSV,
Parquet or SPSS and most of a minute in XLSX, ``bench/README.md``) gets a *job*: a random id,
a small JSON file ``<exports folder>/jobs/<id>.json`` (status ``running|done|failed``,
responses read out of the total, the export's id when done, the failure when not), and a
thread of the same process with its own application context builds the export and updates
the file. Any worker can read the file, so the job's page and its JSON status work whatever
worker answers. The job file itself is ``survey_app.job_files``'s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext

from survey_app import job_files
from survey_app.auth import current_account
from survey_app.export.errors import ExportError
from survey_app.models import ExportManifest, Round, User, db
from survey_app.staff.exports_build import (
    ExportSettings,
    build_export,
    count_rows,
    exports_folder,
)

DEFAULT_BACKGROUND_FROM = 5_000
"""Exports of at least this many responses are built in a background thread."""

PROGRESS_EVERY = 5_000
"""Responses read between two updates of a job's file."""


def jobs_folder() -> Path:
    """Where export job files are kept."""
    folder = exports_folder() / "jobs"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def read_job(job_id: str) -> dict[str, Any] | None:
    """The export job ``job_id`` (None for an id that is not one, or no such job)."""
    return job_files.read_job(jobs_folder(), job_id)


def _write_job(job: dict[str, Any]) -> None:
    """Replace the job's file at once."""
    job_files.write_job(jobs_folder(), job)


def describe_error(error: BaseException) -> dict[str, str]:
    """A failure as the job file keeps it."""
    if isinstance(error, ExportError):
        return {"code": error.code, "message": str(error)}
    return {"code": "internal", "message": type(error).__name__}


def explain_error(failure: dict[str, str]) -> tuple[str, str]:
    """What went wrong and what to do, in the reader's language."""
    explanations: dict[str, tuple[str, str]] = {
        "answer_error": (
            gettext("A stored answer does not fit its question, so the export stopped."),
            gettext(
                "The technical message names the response and the item; tell the "
                "administrator, who can correct the stored questionnaire version."
            ),
        ),
        "stored_definition": (
            gettext("A stored questionnaire version cannot be read back."),
            gettext("Tell the administrator; the technical message names the version."),
        ),
        "column_name": (
            gettext("Two columns of the export would have the same name."),
            gettext(
                "Rename the item in a new questionnaire version; the technical message names both."
            ),
        ),
        "format_limit": (
            gettext("The export is too large for this file format."),
            gettext("Choose CSV or Parquet, or export fewer respondent groups or units."),
        ),
        "unwritable_path": (
            gettext("The server cannot write the export's files."),
            gettext("Tell the administrator: the exports folder must be writable by the app."),
        ),
    }
    return explanations.get(
        failure.get("code", ""),
        (
            gettext("The export stopped because of an internal error."),
            gettext(
                "Try again; if it fails again, tell the administrator (the server log has "
                "the details)."
            ),
        ),
    )


def background_from() -> int:
    """The number of responses from which an export goes to a background thread."""
    return int(current_app.config.get("EXPORT_BACKGROUND_FROM", DEFAULT_BACKGROUND_FROM))


def _run_job(app: Flask, job: dict[str, Any], settings: ExportSettings) -> None:
    """Build the job's export in this (background) thread and keep its file up to date."""
    with app.app_context():
        round_ = db.session.get(Round, job["round_id"])
        user = db.session.get(User, job["user_id"])
        if round_ is None or user is None:
            job.update(status="failed", error={"code": "internal", "message": "gone"})
            _write_job(job)
            return
        reported = 0

        def progress(done: int, total: int) -> None:
            """Write the count read to the job's file every so often."""
            nonlocal reported
            if done - reported >= PROGRESS_EVERY or done == total:
                reported = done
                job.update(done=done, total=total)
                _write_job(job)

        try:
            export = build_export(round_, settings, user, progress)
        except Exception as error:
            if not isinstance(error, ExportError):
                current_app.logger.exception("export job %s failed", job["id"])
            job.update(status="failed", error=describe_error(error))
        else:
            job.update(status="done", export_id=export.id)
        _write_job(job)


def start_export(round_: Round, settings: ExportSettings) -> ExportManifest | str:
    """Build the export now (small; the stored export) or start its job (large; the job id).

    Raises :class:`ExportError` when an export built now fails.
    """
    user = current_account()
    rows = count_rows(round_.id, settings)
    if rows < background_from():
        return build_export(round_, settings, user)
    job = job_files.new_job(
        jobs_folder(),
        round_id=round_.id,
        user_id=user.id,
        format=settings.export_format.value,
        done=0,
        total=rows,
        export_id=None,
        error=None,
    )
    _write_job(job)
    job_files.start_thread(f"export-{job['id']}", _run_job, job, settings)
    job_id: str = job["id"]
    return job_id
