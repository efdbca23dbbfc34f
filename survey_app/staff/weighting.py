"""A round's weighting runs: the list, the settings form that starts one, the run's page
(progress, report or failure), its status as JSON for the progress script, adopting a run as
the round's current one, and its weights as CSV.

Staff and administrators start and adopt runs; evaluators read them. The round page shows the
current run in a panel (``staff/weighting/_round_panel.html``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response as FlaskResponse
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from survey_app.auth import (
    MANAGERS,
    READERS,
    ActionForm,
    current_account,
    roles_required,
    round_or_404,
)
from survey_app.charts import Bin, data_table
from survey_app.charts import histogram as histogram_chart
from survey_app.formatting import number
from survey_app.i18n import current_language
from survey_app.models import FrameCell, Response, Round, WeightingRun, WeightingRunStatus, db
from survey_app.staff.blueprint import bp
from survey_app.staff.menu import add_round_panel
from survey_app.staff.tables import MIMETYPES, write_table
from survey_app.staff.weighting_errors import explain
from survey_app.staff.weighting_forms import settings_from, weighting_form
from survey_app.staff.weighting_jobs import adopt_run, is_stalled, progress_of, start_run
from survey_app.weighting_runs import WeightingSettings, current_run, run_weights

WEIGHT_DECIMALS = 10
"""Decimal places of the weights in the CSV download."""

EDGE_LABEL_EVERY = 5
"""Histogram edges labelled under the chart (every fifth; the tooltips and table have all)."""


def stage_label(stage: str) -> str:
    """The interface name of a run's stage, as the progress shows it."""
    labels: dict[str, str] = {
        "load": gettext("Reading the responses, frame and margins"),
        "design": gettext("Design weights and non-response"),
        "rake": gettext("Raking to the margins"),
        "trim": gettext("Trimming"),
        "report": gettext("Writing the report"),
    }
    return labels.get(stage, stage)


def progress_message(progress: dict[str, Any]) -> str:
    """The status line of a running run: the step reached, or that it is starting."""
    if not progress.get("done"):
        starting: str = gettext("Starting.")
        return starting
    message: str = gettext(
        "Step %(done)d of %(total)d: %(stage)s.",
        done=progress["done"],
        total=progress["total"],
        stage=stage_label(progress["stage"]),
    )
    return message


def status_label(status: str) -> str:
    """The interface name of a run's status."""
    labels: dict[str, str] = {
        "pending": gettext("Running"),
        "succeeded": gettext("Finished"),
        "failed": gettext("Failed"),
    }
    return labels.get(status, status)


def _run_or_404(round_: Round, run_id: int) -> WeightingRun:
    """Run ``run_id`` of ``round_``; 404 if it belongs to another round or does not exist."""
    run = db.session.get(WeightingRun, run_id)
    if run is None or run.round_id != round_.id:
        abort(404)
    return run


def _response_count(round_id: int) -> int:
    """How many responses the round has now."""
    count = db.session.scalar(
        select(func.count()).select_from(Response).where(Response.round_id == round_id)
    )
    return int(count or 0)


@dataclass(frozen=True)
class RunRow:
    """A run as the list shows it."""

    run: WeightingRun
    current: bool
    overall: dict[str, Any] | None


def _overall(run: WeightingRun) -> dict[str, Any] | None:
    """The overall row of a succeeded run's summary."""
    if run.status != WeightingRunStatus.SUCCEEDED or not run.report:
        return None
    summary: list[dict[str, Any]] = run.report.get("summary", [])
    return summary[0] if summary else None


@bp.get("/rounds/<int:round_id>/weighting")
@roles_required(*READERS)
def weighting_runs(round_id: int) -> ResponseReturnValue:
    """The round's weighting runs, newest first, the current one marked."""
    round_ = round_or_404(round_id)
    runs = db.session.scalars(
        select(WeightingRun)
        .options(joinedload(WeightingRun.creator))
        .where(WeightingRun.round_id == round_.id)
        .order_by(WeightingRun.id.desc())
    ).all()
    current = current_run(round_.id)
    rows = [
        RunRow(run, current is not None and run.id == current.id, _overall(run)) for run in runs
    ]
    return render_template(
        "staff/weighting/list.html",
        round_=round_,
        rows=rows,
        responses=_response_count(round_.id),
        manager=current_account().role in MANAGERS,
    )


def _form_data(settings: WeightingSettings) -> dict[str, Any]:
    """Form values repeating a run's settings, but for the margins' sources (set per field)."""
    data: dict[str, Any] = {
        "design": settings.design.value,
        "nonresponse_classes": list(settings.nonresponse_classes),
        "collapse_empty": settings.collapse_empty,
        "max_iterations": settings.max_iterations,
        "trim_lower": settings.trim_lower,
        "trim_upper": settings.trim_upper,
    }
    return data


@bp.route("/rounds/<int:round_id>/weighting/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def weighting_new(round_id: int) -> ResponseReturnValue:
    """Choose a run's settings and start it (``?from=<run>`` starts from a run's settings)."""
    round_ = round_or_404(round_id)
    language = current_language()
    count = db.session.scalar(
        select(func.count()).select_from(WeightingRun).where(WeightingRun.round_id == round_.id)
    )
    data: dict[str, Any] = {"label": gettext("Run %(number)d", number=(count or 0) + 1)}
    earlier: WeightingRun | None = None
    if request.method == "GET" and request.args.get("from", type=int) is not None:
        earlier = _run_or_404(round_, request.args.get("from", type=int) or 0)
        data.update(_form_data(WeightingSettings.from_json(earlier.settings)))
    form = weighting_form(round_.id, language, data=data)
    if earlier is not None:
        chosen = WeightingSettings.from_json(earlier.settings).margins
        for variable in form.margin_variables:
            form[variable.field_name].data = chosen.get(variable.group, {}).get(
                variable.variable, ""
            )
    if form.validate_on_submit():
        run = start_run(round_, form.label.data.strip(), settings_from(form))
        return redirect(url_for("staff.weighting_run", round_id=round_.id, run_id=run.id))
    has_frame = db.session.scalar(
        select(func.count()).select_from(FrameCell).where(FrameCell.round_id == round_.id)
    )
    return render_template(
        "staff/weighting/form.html",
        round_=round_,
        form=form,
        has_frame=bool(has_frame),
        responses=_response_count(round_.id),
    )


@bp.get("/rounds/<int:round_id>/weighting/<int:run_id>")
@roles_required(*READERS)
def weighting_run(round_id: int, run_id: int) -> ResponseReturnValue:
    """A run: its progress while it runs, then its report or what went wrong."""
    round_ = round_or_404(round_id)
    run = _run_or_404(round_, run_id)
    current = current_run(round_.id)
    report = run.report or {}
    return render_template(
        "staff/weighting/run.html",
        round_=round_,
        run=run,
        settings=WeightingSettings.from_json(run.settings),
        progress=progress_of(run),
        stalled=is_stalled(run),
        explanation=explain(report["error"]) if "error" in report else None,
        report=report if run.status == WeightingRunStatus.SUCCEEDED else None,
        current=current is not None and current.id == run.id,
        responses=_response_count(round_.id),
        manager=current_account().role in MANAGERS,
        action_form=ActionForm(),
    )


@bp.get("/rounds/<int:round_id>/weighting/<int:run_id>/status")
@roles_required(*READERS)
def weighting_run_status(round_id: int, run_id: int) -> ResponseReturnValue:
    """A run's status and progress as JSON (the progress script polls it)."""
    round_ = round_or_404(round_id)
    run = _run_or_404(round_, run_id)
    progress = progress_of(run) or {}
    return jsonify(
        {
            "status": run.status,
            "finished": run.status != WeightingRunStatus.PENDING,
            "stage": progress.get("stage"),
            "done": progress.get("done"),
            "total": progress.get("total"),
            "stalled": is_stalled(run),
            "message": progress_message(progress),
        }
    )


@bp.post("/rounds/<int:round_id>/weighting/<int:run_id>/adopt")
@roles_required(*MANAGERS)
def weighting_adopt(round_id: int, run_id: int) -> ResponseReturnValue:
    """Make a finished run the round's current one (the one the index uses)."""
    round_ = round_or_404(round_id)
    run = _run_or_404(round_, run_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if run.status != WeightingRunStatus.SUCCEEDED:
        flash(gettext("Only a finished run can become the round's current one."), "error")
    else:
        adopt_run(run)
        db.session.commit()
        flash(
            gettext("“%(label)s” is now the round's current weighting.", label=run.label),
            "success",
        )
    return redirect(url_for("staff.weighting_run", round_id=round_.id, run_id=run.id))


@bp.get("/rounds/<int:round_id>/weighting/<int:run_id>/weights.csv")
@roles_required(*READERS)
def weighting_weights(round_id: int, run_id: int) -> ResponseReturnValue:
    """A finished run's weights, one row per response with its design columns, as CSV."""
    round_ = round_or_404(round_id)
    run = _run_or_404(round_, run_id)
    if run.status != WeightingRunStatus.SUCCEEDED:
        abort(404)
    frame = run_weights(run).round(WEIGHT_DECIMALS)
    data = write_table(list(frame.columns), list(frame.itertuples(index=False, name=None)), "csv")
    return FlaskResponse(
        data,
        mimetype=MIMETYPES["csv"],
        headers={
            "Content-Disposition": (f"attachment; filename={round_.code}-weighting-{run.id}.csv")
        },
    )


def _weight_format(largest: float) -> Callable[[float], str]:
    """A number format for weights up to ``largest``: fewer decimals for larger weights."""
    decimals = 0 if largest >= 100 else 1 if largest >= 10 else 2
    return lambda value: number(value, decimals)


@bp.app_template_global("weight_histogram")
def weight_histogram(group: str, histogram: dict[str, Any], mean: float) -> Markup:
    """One group's weight distribution as an SVG histogram, the mean marked, with its table."""
    edges: list[float] = histogram["edges"]
    counts: list[int] = histogram["counts"]
    weight = _weight_format(edges[-1])
    bins = [
        Bin(f"{weight(low)} – {weight(high)}", count)
        for low, high, count in zip(edges[:-1], edges[1:], counts, strict=True)
    ]
    width = edges[1] - edges[0]
    chart_id = f"weights-{group_id(group)}"
    chart = histogram_chart(
        bins,
        chart_id=chart_id,
        title=gettext("Group %(group)s: number of responses by weight", group=group),
        description=gettext(
            "%(n)s responses with weights from %(low)s to %(high)s; mean weight %(mean)s.",
            n=number(sum(counts), 0),
            low=weight(edges[0]),
            high=weight(edges[-1]),
            mean=weight(mean),
        ),
        edges=[weight(edge) if i % EDGE_LABEL_EVERY == 0 else "" for i, edge in enumerate(edges)],
        marker=(mean - edges[0]) / width if width > 0 else None,
        marker_label=gettext("mean %(mean)s", mean=weight(mean)),
    )
    table = data_table(
        caption=gettext("Group %(group)s: number of responses by weight", group=group),
        headers=[gettext("Weight"), gettext("Responses")],
        rows=[(item.label, number(item.count, 0)) for item in bins],
        table_id=f"{chart_id}-table",
    )
    summary = escape(gettext("Show as a table"))
    return Markup(f"{chart}<details><summary>{summary}</summary>{table}</details>")


def group_id(group: str) -> str:
    """A respondent group code as part of an HTML id."""
    return "".join(character if character.isalnum() else "-" for character in group)


@bp.app_template_global("weighting_panel")
def weighting_panel(round_id: int) -> dict[str, Any]:
    """What the round page's weighting panel shows: the current run and the latest run."""
    latest = db.session.scalars(
        select(WeightingRun)
        .where(WeightingRun.round_id == round_id)
        .order_by(WeightingRun.id.desc())
        .limit(1)
    ).first()
    current = current_run(round_id)
    return {
        "current": current,
        "overall": _overall(current) if current is not None else None,
        "latest": latest,
    }


bp.add_app_template_filter(progress_message, "weighting_progress_message")
bp.add_app_template_filter(status_label, "weighting_status_label")
add_round_panel("staff/weighting/_round_panel.html", order=40, roles=READERS)
