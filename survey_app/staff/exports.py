"""Exports of responses from the workspace: the form on a round, the job page of a large export
(progress, and its JSON status for the progress script), an export's page (its manifest), its
download (checked against its SHA-256, audited), making it again from its filters, and the list
of past exports. Staff and administrators only: exports hold survey answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from survey_app.audit import record_audit
from survey_app.auth import MANAGERS, ActionForm, roles_required, round_or_404
from survey_app.export.errors import ExportError
from survey_app.export.manifest import read_manifest, sha256_file
from survey_app.formatting import number
from survey_app.i18n import current_language
from survey_app.job_files import is_stalled, status_of
from survey_app.models import ExportManifest, Round, db
from survey_app.staff.blueprint import bp
from survey_app.staff.exports_build import ARCHIVE_ROLE, ExportSettings, archive_path
from survey_app.staff.exports_forms import column_label, export_form, format_label, settings_from
from survey_app.staff.exports_jobs import (
    describe_error,
    explain_error,
    read_job,
    start_export,
)
from survey_app.staff.frame_import import round_groups
from survey_app.staff.menu import add_menu_item, add_round_panel

LISTED = 200
"""Exports shown on the list page."""

PANEL_EXPORTS = 5
"""Exports of a round shown in its panel."""


def _export_or_404(export_id: int) -> ExportManifest:
    """An export of a round the user may see; 404 otherwise."""
    export = db.session.get(ExportManifest, export_id)
    if export is None or export.round_id is None:
        abort(404)
    round_or_404(export.round_id)
    return export


def _started(round_: Round, settings: ExportSettings) -> ResponseReturnValue:
    """Start an export and go to its page (made at once) or its job's page (large)."""
    started = start_export(round_, settings)
    if isinstance(started, str):
        return redirect(url_for("staff.export_job", job_id=started))
    flash(gettext("The export is ready."), "success")
    return redirect(url_for("staff.export_view", export_id=started.id))


@bp.route("/rounds/<int:round_id>/exports/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def export_new(round_id: int) -> ResponseReturnValue:
    """Choose what to export from a round, and start it."""
    round_ = round_or_404(round_id)
    language = current_language()
    form = export_form(round_, round_groups(round_), language, data={"language": language})
    failure: tuple[str, str, str] | None = None
    if form.validate_on_submit():
        try:
            return _started(round_, settings_from(form))
        except ExportError as error:
            db.session.rollback()
            described = describe_error(error)
            failure = (*explain_error(described), described["message"])
    return render_template("staff/exports/form.html", round_=round_, form=form, failure=failure)


@bp.get("/exports/jobs/<job_id>")
@roles_required(*MANAGERS)
def export_job(job_id: str) -> ResponseReturnValue:
    """A large export while it is made; its page once it is ready."""
    job = read_job(job_id)
    if job is None:
        abort(404)
    round_ = round_or_404(job["round_id"])
    if job["status"] == "done":
        return redirect(url_for("staff.export_view", export_id=job["export_id"]))
    explanation = explain_error(job["error"]) if job["status"] == "failed" else None
    return render_template(
        "staff/exports/job.html",
        round_=round_,
        job=job,
        stalled=is_stalled(job),
        explanation=explanation,
    )


def job_message(job: dict[str, Any]) -> str:
    """A running job's status line."""
    message: str = gettext(
        "%(done)s of %(total)s responses read.",
        done=number(job["done"], 0),
        total=number(job["total"], 0),
    )
    return message


@bp.get("/exports/jobs/<job_id>/status")
@roles_required(*MANAGERS)
def export_job_status(job_id: str) -> ResponseReturnValue:
    """A job's status as JSON (the progress script polls it)."""
    job = read_job(job_id)
    if job is None:
        abort(404)
    round_or_404(job["round_id"])
    return jsonify({**status_of(job, job_message(job)), "export_id": job["export_id"]})


@dataclass(frozen=True)
class ArchiveState:
    """Whether an export's archive is there as recorded."""

    path: Path
    present: bool
    intact: bool
    manifest: dict[str, Any] | None


def _archive_state(export: ExportManifest) -> ArchiveState:
    """The stored archive of ``export``, checked against the SHA-256 recorded for it."""
    path = archive_path(export.id)
    recorded = next((f for f in export.files if f.get("role") == ARCHIVE_ROLE), None)
    if not path.exists() or recorded is None:
        return ArchiveState(path, False, False, None)
    intact = sha256_file(path) == recorded["sha256"]
    return ArchiveState(path, True, intact, read_manifest(path) if intact else None)


@bp.get("/exports/<int:export_id>")
@roles_required(*MANAGERS)
def export_view(export_id: int) -> ResponseReturnValue:
    """An export: what it holds (its manifest), its files and hashes, the download."""
    export = _export_or_404(export_id)
    round_ = db.session.get(Round, export.round_id)
    return render_template(
        "staff/exports/view.html",
        export=export,
        round_=round_,
        archive=_archive_state(export),
        settings=ExportSettings.from_filters(export.format, export.filters),
        action_form=ActionForm(),
    )


@bp.get("/exports/<int:export_id>/download")
@roles_required(*MANAGERS)
def export_download(export_id: int) -> ResponseReturnValue:
    """The export's zip, if it is the file recorded (its download is audited)."""
    export = _export_or_404(export_id)
    state = _archive_state(export)
    if not state.intact:
        flash(
            gettext(
                "The stored file of this export is missing or has changed since it was made; "
                "make the export again."
            ),
            "error",
        )
        return redirect(url_for("staff.export_view", export_id=export.id))
    archive = next(f for f in export.files if f.get("role") == ARCHIVE_ROLE)
    record_audit("export.download", export, details={"archive_sha256": archive["sha256"]})
    db.session.commit()
    return send_file(
        state.path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=archive["name"],
    )


@bp.post("/exports/<int:export_id>/again")
@roles_required(*MANAGERS)
def export_again(export_id: int) -> ResponseReturnValue:
    """Make a new export with the same round, format and filters."""
    export = _export_or_404(export_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    round_ = round_or_404(export.round_id or 0)
    try:
        return _started(round_, ExportSettings.from_filters(export.format, export.filters))
    except ExportError as error:
        db.session.rollback()
        problem, remedy = explain_error(describe_error(error))
        flash(f"{problem} {remedy} ({error})", "error")
        return redirect(url_for("staff.export_view", export_id=export.id))


@bp.get("/exports")
@roles_required(*MANAGERS)
def export_list() -> ResponseReturnValue:
    """Past exports, newest first (``?round=<id>``: of one round)."""
    statement = (
        select(ExportManifest)
        .options(joinedload(ExportManifest.creator))
        .where(ExportManifest.round_id.is_not(None))
        .order_by(ExportManifest.id.desc())
        .limit(LISTED)
    )
    round_id = request.args.get("round", type=int)
    round_ = None
    if round_id is not None:
        round_ = round_or_404(round_id)
        statement = statement.where(ExportManifest.round_id == round_.id)
    exports = db.session.scalars(statement).all()
    rounds = {
        r.id: r
        for r in db.session.scalars(
            select(Round).where(Round.id.in_({e.round_id for e in exports}))
        )
    }
    return render_template("staff/exports/list.html", exports=exports, rounds=rounds, round_=round_)


@bp.app_template_global("exports_panel")
def exports_panel(round_id: int) -> list[ExportManifest]:
    """The round's latest exports, for its page's panel."""
    return list(
        db.session.scalars(
            select(ExportManifest)
            .options(joinedload(ExportManifest.creator))
            .where(ExportManifest.round_id == round_id)
            .order_by(ExportManifest.id.desc())
            .limit(PANEL_EXPORTS)
        )
    )


bp.add_app_template_filter(format_label, "export_format_label")
bp.add_app_template_filter(column_label, "export_column_label")
bp.add_app_template_filter(job_message, "export_job_message")
add_menu_item("staff.export_list", lazy_gettext("Exports"), order=60, active_prefix="staff.export")
add_round_panel("staff/exports/_round_panel.html", order=50, roles=MANAGERS)
