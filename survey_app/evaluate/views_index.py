"""The index of a round: what it is computed from, a preview computed now (checked against the
published snapshot, naming every part that differs), and publishing it (evaluators).

Both the preview and the publication are index jobs (``survey_app.evaluate.index_jobs``): a
small round's is computed inside the request, a large one's in the background while its page
shows the progress; the job's page shows the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import func, select

from questionnaires.scheme import Scheme, SourceKind
from survey_app.auth import READERS, ActionForm, current_account, roles_required
from survey_app.evaluate.blueprint import bp, scored_round_or_404
from survey_app.evaluate.forms import PublishForm
from survey_app.evaluate.index_jobs import (
    evaluated_responses,
    read_job,
    recent_jobs,
    replicates,
    start_index_job,
)
from survey_app.evaluate.publication import published_snapshot
from survey_app.evaluate.published import Published
from survey_app.evaluate.views_home import unit_progress
from survey_app.i18n import current_language
from survey_app.index_service import IndexStage, evaluated_units, responses_left_out
from survey_app.job_files import is_stalled, status_of
from survey_app.models import (
    FrameCell,
    IndexSnapshot,
    Role,
    Round,
    StatisticValue,
    User,
    db,
)

PUBLISHING = (Role.ADMIN, Role.EVALUATOR)
"""Who publishes the index."""


def part_label(part: str) -> str:
    """The name of a snapshot part (``input self_scores`` …) in the reader's language."""
    kind, _, name = part.partition(" ")
    names: dict[str, str] = {
        "code version": gettext("The code of the index engine"),
        "round": gettext("The scheme or the year"),
        "definition scheme": gettext("The scheme file"),
        "input responses": gettext("Survey responses"),
        "input weights": gettext("Survey weights"),
        "input frame": gettext("Sampling frame"),
        "input margins": gettext("Population margins"),
        "input self_scores": gettext("Self-scores"),
        "input appraisal": gettext("Appraisal decisions"),
        "input statistics": gettext("Statistics"),
        "result units": gettext("Results: indices, ranks and bands"),
        "result nodes": gettext("Results: points and sub-indices"),
    }
    if part in names:
        return names[part]
    if kind == "definition" and name.startswith("questionnaire:"):
        label: str = gettext("Questionnaire %(id)s", id=name.removeprefix("questionnaire:"))
        return label
    return part


def _inputs(round_: Round, scheme: Scheme) -> dict[str, int]:
    """Counts of what the index is computed from."""
    units = evaluated_units(round_)
    progress = unit_progress(round_, units)
    return {
        "units": len(units),
        "expected": len(units) * len(scheme.leaves(SourceKind.APPRAISAL)),
        "entered": sum(p.entered for p in progress),
        "decided": sum(p.decided for p in progress),
        "requests": sum(p.requests for p in progress),
        "figures_expected": len(units) * len(scheme.leaves(SourceKind.STATISTIC)),
        "figures": db.session.scalar(
            select(func.count()).where(StatisticValue.round_id == round_.id)
        )
        or 0,
        "survey_leaves": len(scheme.leaves(SourceKind.SURVEY)),
        "responses": evaluated_responses(round_),
        "left_out": responses_left_out(round_),
        "cells": db.session.scalar(select(func.count()).where(FrameCell.round_id == round_.id))
        or 0,
    }


@bp.get("/rounds/<int:round_id>/index")
@roles_required(*READERS)
def index(round_id: int) -> ResponseReturnValue:
    """The round's index: its inputs, the published snapshot, and the compute button."""
    round_, scheme = scored_round_or_404(round_id)
    return render_template(
        "evaluate/index.html",
        round_=round_,
        scheme=scheme,
        inputs=_inputs(round_, scheme),
        published=published_snapshot(round_),
        replicates=replicates(),
        form=ActionForm(),
        jobs=_listed_jobs(round_),
    )


@dataclass(frozen=True)
class ListedJob:
    """An index job as the round's index page lists it."""

    job: dict[str, Any]
    started_by: str
    stalled: bool


def _listed_jobs(round_: Round) -> list[ListedJob]:
    """The round's latest index jobs, with who started them."""
    jobs = recent_jobs(round_.id)
    starters = {job["user_id"] for job in jobs}
    names = {
        user_id: name
        for user_id, name in db.session.execute(
            select(User.id, User.display_name).where(User.id.in_(starters))
        )
    }
    return [
        ListedJob(job, names.get(job["user_id"], gettext("system")), is_stalled(job))
        for job in jobs
    ]


@bp.post("/rounds/<int:round_id>/index/preview")
@roles_required(*READERS)
def index_preview(round_id: int) -> ResponseReturnValue:
    """Compute the index now from the stored data (nothing is stored but the job's file)."""
    round_, _scheme = scored_round_or_404(round_id)
    if not ActionForm().validate_on_submit():
        flash(gettext("The index was not computed: reload the page and try again."), "error")
        return redirect(url_for("evaluate.index", round_id=round_.id))
    job = start_index_job(round_, "preview")
    return redirect(url_for("evaluate.index_job", round_id=round_.id, job_id=job["id"]))


def _job_or_404(round_: Round, job_id: str) -> dict[str, Any]:
    """The index job ``job_id`` of ``round_``; 404 for another round's or none."""
    job = read_job(round_.id, job_id)
    if job is None or job["round_id"] != round_.id:
        abort(404)
    return job


def job_message(job: dict[str, Any]) -> str:
    """What a running index job is doing, in the reader's language."""
    stage = IndexStage(job["stage"])
    done, total = job["stage_done"], job["stage_total"]
    messages: dict[IndexStage, str] = {
        IndexStage.READING: gettext("Reading the responses, scores and weights…"),
        IndexStage.WEIGHTING: gettext(
            "Re-weighting bootstrap replicate %(done)d of %(total)d…", done=done, total=total
        ),
        IndexStage.SCORING: gettext(
            "Scoring survey criterion %(done)d of %(total)d…", done=done, total=total
        ),
        IndexStage.RANKING: gettext("Ranking and rank intervals…"),
    }
    return messages[stage]


@bp.get("/rounds/<int:round_id>/index/jobs/<job_id>")
@roles_required(*READERS)
def index_job(round_id: int, job_id: str) -> ResponseReturnValue:
    """An index job: its progress while it runs, its result when done."""
    round_, scheme = scored_round_or_404(round_id)
    job = _job_or_404(round_, job_id)
    result = job["result"]
    if job["status"] == "done" and result.get("snapshot_id") is not None:
        flash(gettext("The index is published."), "success")
        return redirect(url_for("evaluate.ranking", round_id=round_.id))
    if job["status"] != "done":
        return render_template(
            "evaluate/index_job.html",
            round_=round_,
            job=job,
            stalled=is_stalled(job),
        )
    compared_with = result.get("compared_with")
    compared = db.session.get(IndexSnapshot, compared_with) if compared_with else None
    latest = published_snapshot(round_)
    document = result.get("document")
    return render_template(
        "evaluate/preview.html",
        round_=round_,
        scheme=scheme,
        job=job,
        preview=Published(document, current_language()) if document else None,
        problems=result["problems"],
        published=compared,
        published_since=latest if latest is not None and latest != compared else None,
        differences=result.get("differences", []),
        part_label=part_label,
        form=PublishForm(),
        can_publish=job["kind"] == "preview" and current_account().role in PUBLISHING,
    )


@bp.get("/rounds/<int:round_id>/index/jobs/<job_id>/status")
@roles_required(*READERS)
def index_job_status(round_id: int, job_id: str) -> ResponseReturnValue:
    """An index job's progress as JSON (the progress script polls it)."""
    round_, _scheme = scored_round_or_404(round_id)
    job = _job_or_404(round_, job_id)
    return jsonify(status_of(job, job_message(job)))


@bp.post("/rounds/<int:round_id>/index/publish")
@roles_required(*PUBLISHING)
def index_publish(round_id: int) -> ResponseReturnValue:
    """Compute the index again and publish it: the snapshot the reports show from now on."""
    round_, _scheme = scored_round_or_404(round_id)
    form = PublishForm()
    if not form.validate_on_submit():
        flash(gettext("The index was not published: compute it again and retry."), "error")
        return redirect(url_for("evaluate.index", round_id=round_.id))
    job = start_index_job(round_, "publish", (form.note.data or "").strip())
    return redirect(url_for("evaluate.index_job", round_id=round_.id, job_id=job["id"]))


bp.add_app_template_filter(job_message, "index_job_message")
