"""Job files: the state of a long job kept where every worker can read it (ADR 0008).

A job is a small JSON object with a random ``id`` (32 hexadecimal digits, so a safe file name),
a ``status`` (``running``, ``done`` or ``failed``) and whatever its kind records. It lives in
``<folder>/<id>.json``; every write replaces the file at once (a reader never sees half of it)
and stamps ``updated_at``. A running job whose file has not been written for
:data:`STALLED_AFTER` is *stalled*: the process that ran it probably stopped. Job files older
than :data:`KEPT_FOR` are deleted when a new job of the folder starts (:func:`new_job`), so
the folder does not grow without end; what a job made (an export, a published snapshot) is
kept elsewhere.

A job's work runs in a daemon thread of the process that started it, inside its own
application context (so with its own database session): :func:`start_thread`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from survey_app.models.base import utcnow

STALLED_AFTER = timedelta(minutes=10)
"""A running job whose file is older than this is shown as stalled."""

JOB_ID = re.compile(r"[0-9a-f]{32}")
"""A job id: 32 hexadecimal digits."""

KEPT_FOR = timedelta(days=30)
"""Job files last written longer ago than this are deleted when a new job starts."""


def forget_old_jobs(folder: Path) -> int:
    """Delete the job files of ``folder`` last written more than :data:`KEPT_FOR` ago; how
    many. A running job writes its file as it moves, so only a stalled one can be this old."""
    oldest = time.time() - KEPT_FOR.total_seconds()
    forgotten = 0
    for path in folder.glob("*.json"):
        if JOB_ID.fullmatch(path.stem) and path.stat().st_mtime < oldest:
            path.unlink(missing_ok=True)
            forgotten += 1
    return forgotten


def new_job(folder: Path, **fields: Any) -> dict[str, Any]:
    """A running job of ``folder`` with a fresh id, started now, holding ``fields`` (the
    folder's job files older than :data:`KEPT_FOR` are deleted first)."""
    forget_old_jobs(folder)
    return {
        "id": secrets.token_hex(16),
        "status": "running",
        "started_at": utcnow().isoformat(timespec="seconds"),
        **fields,
    }


def read_job(folder: Path, job_id: str) -> dict[str, Any] | None:
    """The job ``job_id`` of ``folder`` (None for an id that is not one, or no such job)."""
    if not JOB_ID.fullmatch(job_id):
        return None
    path = folder / f"{job_id}.json"
    if not path.exists():
        return None
    job: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return job


def write_job(folder: Path, job: dict[str, Any]) -> None:
    """Replace the job's file in ``folder`` at once, stamped with ``updated_at``."""
    job["updated_at"] = utcnow().isoformat(timespec="seconds")
    handle, name = tempfile.mkstemp(dir=folder, prefix=".job-")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(job, stream, ensure_ascii=False)
    os.replace(name, folder / f"{job['id']}.json")


def is_stalled(job: dict[str, Any], now: datetime | None = None) -> bool:
    """Whether a running job has not moved for :data:`STALLED_AFTER`."""
    if job["status"] != "running":
        return False
    return (now or utcnow()) - datetime.fromisoformat(job["updated_at"]) > STALLED_AFTER


def status_of(job: dict[str, Any], message: str) -> dict[str, Any]:
    """The job's status as its JSON endpoint gives it to ``static/staff-progress.js``:
    ``status``, ``finished``, ``done`` out of ``total``, ``stalled`` and the status line
    ``message``."""
    return {
        "status": job["status"],
        "finished": job["status"] != "running",
        "done": job["done"],
        "total": job["total"],
        "stalled": is_stalled(job),
        "message": message,
    }


def start_thread(name: str, work: Callable[..., None], *arguments: Any) -> None:
    """Run ``work(app, *arguments)`` in a daemon thread of this process; ``app`` is the current
    application, for the thread to open its own application context with."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    threading.Thread(target=work, args=(app, *arguments), name=name, daemon=True).start()
