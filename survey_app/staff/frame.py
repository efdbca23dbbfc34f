"""A round's sampling frame: the cells with N, e and target n, the population margins, their
imports and templates, and the sample-size calculator."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from survey_app.auth import MANAGERS, roles_required, round_or_404
from survey_app.models import FrameCell, PopulationMargin, Round, Unit, db
from survey_app.staff.blueprint import bp
from survey_app.staff.forms import UploadForm
from survey_app.staff.frame_import import (
    FRAME_TEMPLATE,
    MARGIN_COLUMNS,
    frame_summary,
    frame_template_rows,
    import_frame,
    import_margins,
    round_groups,
)
from survey_app.staff.sample_size import DEFAULT_MARGIN_OF_ERROR, SampleSizeError, sample_size
from survey_app.staff.tables import MIMETYPES, ImportRefused, write_table

FRAME_TARGETS = ("frame", "margins")
"""The two tables of a frame page, each imported and templated on its own."""


def _calculation() -> dict[str, object]:
    """The calculator's inputs from the query string, and n when they are valid."""
    population_text = request.args.get("population", "").strip()
    margin_text = request.args.get("e", "").strip() or str(DEFAULT_MARGIN_OF_ERROR)
    result: dict[str, object] = {"population": population_text, "e": margin_text}
    if not population_text:
        return result
    try:
        margin = Decimal(margin_text.replace(",", "."))
        if population_text.isdigit():
            result["n"] = sample_size(int(population_text), margin)
    except (InvalidOperation, SampleSizeError):
        pass
    if "n" not in result:
        result["error"] = gettext(
            "Enter a whole number N of 0 or more and a margin of error between 0 and 1."
        )
    return result


def _frame_page(
    round_: Round,
    frame_form: UploadForm,
    margins_form: UploadForm,
    problems: ImportRefused | None = None,
    failed: str | None = None,
) -> str:
    """The frame page (with the problems of a refused import of ``failed``)."""
    cells = db.session.scalars(
        select(FrameCell)
        .options(joinedload(FrameCell.unit))
        .join(Unit, Unit.id == FrameCell.unit_id)
        .where(FrameCell.round_id == round_.id)
        .order_by(Unit.code, FrameCell.respondent_group, FrameCell.stratum)
    ).all()
    margins = db.session.scalars(
        select(PopulationMargin)
        .where(PopulationMargin.round_id == round_.id)
        .order_by(PopulationMargin.respondent_group, PopulationMargin.variable, PopulationMargin.id)
    ).all()
    return render_template(
        "staff/frame/view.html",
        round_=round_,
        cells=cells,
        formula={
            cell.id: sample_size(cell.population, str(cell.margin_of_error)) for cell in cells
        },
        margins=margins,
        summary=frame_summary(round_),
        groups=round_groups(round_),
        frame_form=frame_form,
        margins_form=margins_form,
        problems=problems.problems if problems else [],
        failed=failed,
        calculation=_calculation(),
    )


@bp.get("/rounds/<int:round_id>/frame")
@roles_required(*MANAGERS)
def round_frame(round_id: int) -> ResponseReturnValue:
    """The round's frame and margins."""
    round_ = round_or_404(round_id)
    return _frame_page(round_, UploadForm(prefix="frame"), UploadForm(prefix="margins"))


@bp.post("/rounds/<int:round_id>/<target>/import")
@roles_required(*MANAGERS)
def round_frame_import(round_id: int, target: str) -> ResponseReturnValue:
    """Replace the round's frame (``target`` = frame) or margins from a file, all or nothing."""
    round_ = round_or_404(round_id)
    if target not in FRAME_TARGETS:
        abort(404)
    forms = {name: UploadForm(prefix=name) for name in FRAME_TARGETS}
    form = forms[target]
    if not form.validate_on_submit():
        return _frame_page(round_, forms["frame"], forms["margins"])
    upload = form.file.data
    importer = import_frame if target == "frame" else import_margins
    try:
        count = importer(round_, upload.read(), upload.filename or "")
    except ImportRefused as refused:
        db.session.rollback()
        return _frame_page(round_, forms["frame"], forms["margins"], refused, target)
    db.session.commit()
    flash(
        gettext("%(count)d rows imported; the previous ones were replaced.", count=count), "success"
    )
    return redirect(url_for("staff.round_frame", round_id=round_.id))


@bp.get("/rounds/<int:round_id>/<target>/template.<file_format>")
@roles_required(*MANAGERS)
def round_frame_template(round_id: int, target: str, file_format: str) -> ResponseReturnValue:
    """A template of the frame (one row per unit × group) or of the margins (the header)."""
    round_ = round_or_404(round_id)
    if target not in FRAME_TARGETS or file_format not in MIMETYPES:
        abort(404)
    if target == "frame":
        data = write_table(FRAME_TEMPLATE, frame_template_rows(round_), file_format)
    else:
        data = write_table(MARGIN_COLUMNS, [], file_format)
    return Response(
        data,
        mimetype=MIMETYPES[file_format],
        headers={
            "Content-Disposition": f"attachment; filename={round_.code}-{target}.{file_format}"
        },
    )
