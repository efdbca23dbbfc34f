"""Units: the hierarchy as a tree, one unit's page, and importing units from a file."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from survey_app.auth import (
    ALL_ROLES,
    MANAGERS,
    READERS,
    current_account,
    roles_required,
    scope_rounds,
    unit_or_404,
)
from survey_app.models import Round, RoundUnit, Unit, db
from survey_app.staff.blueprint import bp
from survey_app.staff.forms import UploadForm
from survey_app.staff.menu import add_menu_item
from survey_app.staff.tables import MIMETYPES, ImportRefused, write_table
from survey_app.staff.unit_import import TEMPLATE_COLUMNS, import_units


def _children() -> dict[int | None, list[Unit]]:
    """Every unit under its parent's id (None for the top level), by code."""
    tree: dict[int | None, list[Unit]] = {}
    for unit in db.session.scalars(select(Unit).order_by(Unit.code)):
        tree.setdefault(unit.parent_id, []).append(unit)
    return tree


def _units_page(form: UploadForm, problems: ImportRefused | None = None) -> str:
    """The units page with the import form and, after a refused import, its problems."""
    return render_template(
        "staff/units/list.html",
        tree=_children(),
        form=form,
        problems=problems.problems if problems else [],
        can_import=True,
    )


@bp.get("/units")
@roles_required(*READERS)
def unit_list() -> ResponseReturnValue:
    """The unit hierarchy."""
    return render_template(
        "staff/units/list.html",
        tree=_children(),
        form=UploadForm(),
        problems=[],
        can_import=current_account().role in MANAGERS,
    )


@bp.route("/units/import", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def unit_import() -> ResponseReturnValue:
    """Add and update units from a CSV or XLSX file, all or nothing."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _units_page(form)
    upload = form.file.data
    try:
        result = import_units(upload.read(), upload.filename or "")
    except ImportRefused as refused:
        db.session.rollback()
        return _units_page(form, refused)
    db.session.commit()
    flash(
        gettext(
            "Units imported: %(created)d added, %(updated)d changed, %(unchanged)d unchanged.",
            created=len(result.created),
            updated=len(result.updated),
            unchanged=result.unchanged,
        ),
        "success",
    )
    return redirect(url_for("staff.unit_list"))


@bp.get("/units/units.<file_format>")
@roles_required(*MANAGERS)
def unit_file(file_format: str) -> ResponseReturnValue:
    """Every unit as an import file (the template: edit it and import it again)."""
    if file_format not in MIMETYPES:
        abort(404)
    codes = {unit.id: unit.code for unit in db.session.scalars(select(Unit))}
    rows = [
        [unit.code, unit.name_vi, unit.name_en, codes.get(unit.parent_id or 0, ""), unit.kind]
        for unit in db.session.scalars(select(Unit).order_by(Unit.code))
    ]
    return Response(
        write_table(TEMPLATE_COLUMNS, rows, file_format),
        mimetype=MIMETYPES[file_format],
        headers={"Content-Disposition": f"attachment; filename=units.{file_format}"},
    )


@bp.get("/units/<int:unit_id>")
@roles_required(*ALL_ROLES)
def unit_view(unit_id: int) -> ResponseReturnValue:
    """One unit: its place in the hierarchy and the rounds that evaluate it."""
    unit = unit_or_404(unit_id)
    parent = db.session.get(Unit, unit.parent_id) if unit.parent_id is not None else None
    rounds = db.session.scalars(
        scope_rounds(select(Round))
        .join(RoundUnit, RoundUnit.round_id == Round.id)
        .where(RoundUnit.unit_id == unit.id)
        .order_by(Round.year.desc(), Round.code)
    ).all()
    children = db.session.scalars(
        select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.code)
    ).all()
    return render_template(
        "staff/units/view.html", unit=unit, parent=parent, children=children, rounds=rounds
    )


add_menu_item("staff.unit_list", lazy_gettext("Units"), order=20, active_prefix="staff.unit")
