"""Quotas of a round's frame cells (``/staff/rounds/<id>/monitoring/quotas``), for
administrators and staff.

One form lists every cell (unit × group × stratum) with its responses and target, and lets
staff set or remove its quota and close or reopen it; all changes are saved together or, if
any is refused, none (``survey_app.monitoring.quotas.set_cell`` keeps a cell whose responses
meet its quota closed). Two buttons act on the whole round: every quota set to the cell's
target sample size, or every quota removed and every cell reopened. Each change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from survey_app.auth import MANAGERS, ActionForm, roles_required, round_or_404
from survey_app.forms.entry import csrf_message
from survey_app.models import FrameCell, Round, Unit, db
from survey_app.monitoring.quotas import (
    QuotaError,
    cell_responses,
    quotas_to_targets,
    remove_quotas,
    set_cell,
)
from survey_app.staff.blueprint import bp

OPEN = "open"
CLOSED = "closed"
ROUND_ACTIONS = ("targets", "remove")
"""The round-wide actions: quotas to targets, quotas removed."""


@dataclass(frozen=True)
class CellLine:
    """A cell as the form shows it: the stored cell, its responses, what the form holds."""

    cell: FrameCell
    responses: int
    quota_text: str
    state: str
    error: str | None


def _cells(round_: Round) -> list[FrameCell]:
    """The round's cells by unit code, group and stratum."""
    return list(
        db.session.scalars(
            select(FrameCell)
            .options(joinedload(FrameCell.unit))
            .join(Unit, Unit.id == FrameCell.unit_id)
            .where(FrameCell.round_id == round_.id)
            .order_by(Unit.code, FrameCell.respondent_group, FrameCell.stratum)
        )
    )


def _page(round_: Round, lines: list[CellLine], notice: str | None = None) -> str:
    """The quotas page."""
    return render_template(
        "staff/monitoring/quotas.html",
        round_=round_,
        lines=lines,
        errors=[line for line in lines if line.error],
        notice=notice,
        form=ActionForm(),
    )


def _stored_lines(round_: Round) -> list[CellLine]:
    """Every cell as stored."""
    responses = cell_responses(round_.id)
    return [
        CellLine(
            cell,
            responses.get((cell.unit_id, cell.respondent_group, cell.stratum), 0),
            "" if cell.quota is None else str(cell.quota),
            CLOSED if cell.quota_closed else OPEN,
            None,
        )
        for cell in _cells(round_)
    ]


def _apply(line: CellLine) -> tuple[CellLine, bool]:
    """Save one posted cell; the line (with its error, if refused) and whether it changed."""
    text = line.quota_text.strip()
    if text and not text.isdigit():
        error = gettext(
            "%(unit)s · %(group)s · %(stratum)s: enter the quota as a whole number, 0 or more, "
            "or leave it blank for no quota.",
            unit=line.cell.unit.code,
            group=line.cell.respondent_group,
            stratum=line.cell.stratum,
        )
        return CellLine(line.cell, line.responses, line.quota_text, line.state, error), False
    try:
        changed = set_cell(
            line.cell, int(text) if text else None, line.state == CLOSED, line.responses
        )
    except QuotaError as refused:
        return CellLine(line.cell, line.responses, line.quota_text, line.state, str(refused)), False
    return line, changed


@bp.route("/rounds/<int:round_id>/monitoring/quotas", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def round_quotas(round_id: int) -> ResponseReturnValue:
    """The round's quotas: see them, or save the posted ones all together."""
    round_ = round_or_404(round_id)
    stored = _stored_lines(round_)
    if request.method == "GET":
        return _page(round_, stored)
    if not ActionForm().validate_on_submit():
        return _page(round_, stored, csrf_message())
    posted_ids = {
        int(name.split("-", 1)[1])
        for name in request.form
        if name.startswith(("quota-", "state-")) and name.split("-", 1)[1].isdigit()
    }
    if posted_ids - {line.cell.id for line in stored}:
        return _page(
            round_,
            stored,
            gettext(
                "The frame has changed since this page was opened, so nothing was saved. "
                "Check the quotas below and save again."
            ),
        )
    results = []
    for line in stored:
        if line.cell.id not in posted_ids:
            results.append((line, False))
            continue
        state = request.form.get(f"state-{line.cell.id}", line.state)
        posted = CellLine(
            line.cell,
            line.responses,
            request.form.get(f"quota-{line.cell.id}", line.quota_text),
            CLOSED if state == CLOSED else OPEN,
            None,
        )
        results.append(_apply(posted))
    lines = [line for line, _changed in results]
    if any(line.error for line in lines):
        db.session.rollback()
        return _page(round_, lines)
    db.session.commit()
    changed = sum(1 for _line, moved in results if moved)
    flash(
        gettext("Cells changed: %(count)d.", count=changed)
        if changed
        else gettext("Nothing changed."),
        "success",
    )
    return redirect(url_for("staff.round_quotas", round_id=round_.id))


@bp.post("/rounds/<int:round_id>/monitoring/quotas/<action>")
@roles_required(*MANAGERS)
def round_quotas_all(round_id: int, action: str) -> ResponseReturnValue:
    """Set every quota of the round to its target, or remove every quota."""
    round_ = round_or_404(round_id)
    if action not in ROUND_ACTIONS:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    changed = quotas_to_targets(round_) if action == "targets" else remove_quotas(round_)
    db.session.commit()
    flash(gettext("Cells changed: %(count)d.", count=changed), "success")
    return redirect(url_for("staff.round_quotas", round_id=round_.id))
