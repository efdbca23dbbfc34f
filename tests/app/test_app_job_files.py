"""Job files (``survey_app.job_files``): written whole, read back only by a well-formed id,
stalled after ten minutes without a write, forgotten after thirty days."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from survey_app.job_files import (
    KEPT_FOR,
    STALLED_AFTER,
    forget_old_jobs,
    is_stalled,
    new_job,
    read_job,
    write_job,
)
from survey_app.models.base import utcnow


def _age(path: Path, age: timedelta) -> None:
    """Make ``path`` look last written ``age`` ago."""
    moment = time.time() - age.total_seconds()
    os.utime(path, (moment, moment))


def test_a_job_is_written_whole_and_read_by_its_id_only(tmp_path: Path) -> None:
    """Round trip with Vietnamese text; a malformed id or a path is not read."""
    job = new_job(tmp_path, note="Quyết định 12/QĐ", done=0, total=100)
    write_job(tmp_path, job)
    assert read_job(tmp_path, job["id"]) == job
    assert "Quyết định" in (tmp_path / f"{job['id']}.json").read_text(encoding="utf-8")
    assert read_job(tmp_path, "../" + job["id"]) is None
    assert read_job(tmp_path, job["id"].upper()) is None
    assert read_job(tmp_path, "0" * 32) is None
    assert [path.name for path in tmp_path.iterdir()] == [f"{job['id']}.json"]


def test_a_running_job_is_stalled_after_ten_minutes_without_a_write(tmp_path: Path) -> None:
    job = new_job(tmp_path)
    write_job(tmp_path, job)
    now = utcnow()
    assert not is_stalled(job, now + STALLED_AFTER - timedelta(seconds=5))
    assert is_stalled(job, now + STALLED_AFTER + timedelta(seconds=5))
    job["status"] = "done"
    assert not is_stalled(job, now + KEPT_FOR)


def test_old_job_files_are_forgotten_when_a_job_starts(tmp_path: Path) -> None:
    """Files last written over thirty days ago go; younger ones and other files stay."""
    old, young = new_job(tmp_path), new_job(tmp_path)
    for job in (old, young):
        write_job(tmp_path, job)
    other = tmp_path / "notes.json"
    other.write_text("{}", encoding="utf-8")
    _age(tmp_path / f"{old['id']}.json", KEPT_FOR + timedelta(days=1))
    _age(tmp_path / f"{young['id']}.json", KEPT_FOR - timedelta(days=1))
    _age(other, KEPT_FOR * 3)
    started = new_job(tmp_path)
    assert read_job(tmp_path, old["id"]) is None
    assert read_job(tmp_path, young["id"]) == young
    assert other.exists()
    assert forget_old_jobs(tmp_path) == 0
    assert started["status"] == "running"
