"""The evaluators' home (rounds scored with a scheme) and a round's overview (each unit's
self-assessment and appraisal progress); the menu entry and the panel on the staff round page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext
from sqlalchemy import func, select

from questionnaires.scheme import SourceKind
from survey_app.auth import ALL_ROLES, READERS, current_account, roles_required, scope_rounds
from survey_app.evaluate.blueprint import bp, scored_round_or_404, visible_units
from survey_app.evaluate.publication import published_snapshot
from survey_app.index_service import scheme_of
from survey_app.models import (
    AppraisalDecision,
    ReconsiderationOutcome,
    ReconsiderationRequest,
    Round,
    SelfScore,
    Unit,
    db,
)
from survey_app.staff.menu import add_menu_item, add_round_panel


@bp.get("/")
@roles_required(*ALL_ROLES)
def home() -> ResponseReturnValue:
    """The rounds the user may see that are scored with an index scheme, newest first."""
    rounds = db.session.scalars(
        scope_rounds(select(Round).where(Round.scheme_id.is_not(None))).order_by(
            Round.year.desc(), Round.code
        )
    ).all()
    return render_template(
        "evaluate/home.html",
        rounds=[(round_, scheme_of(round_), published_snapshot(round_)) for round_ in rounds],
    )


@dataclass(frozen=True)
class UnitProgress:
    """How far a unit's self-assessment and appraisal have come."""

    unit: Unit
    entered: int
    decided: int
    requests: int


def _counts(round_: Round, model: type[SelfScore] | type[AppraisalDecision]) -> dict[int, int]:
    """Per unit, the appraisal leaves with a row of ``model``."""
    rows = db.session.execute(
        select(model.unit_id, func.count(func.distinct(model.criterion)))
        .where(model.round_id == round_.id)
        .group_by(model.unit_id)
    )
    return {unit_id: count for unit_id, count in rows}


def unit_progress(round_: Round, units: list[Unit]) -> list[UnitProgress]:
    """Self-scores entered, appraised, and requests pending, per unit."""
    entered, decided = _counts(round_, SelfScore), _counts(round_, AppraisalDecision)
    pending_rows = db.session.execute(
        select(ReconsiderationRequest.unit_id, func.count())
        .where(
            ReconsiderationRequest.round_id == round_.id,
            ReconsiderationRequest.outcome == ReconsiderationOutcome.PENDING,
        )
        .group_by(ReconsiderationRequest.unit_id)
    )
    pending = {unit_id: count for unit_id, count in pending_rows}
    return [
        UnitProgress(
            unit, entered.get(unit.id, 0), decided.get(unit.id, 0), pending.get(unit.id, 0)
        )
        for unit in units
    ]


@bp.get("/rounds/<int:round_id>")
@roles_required(*ALL_ROLES)
def round_view(round_id: int) -> ResponseReturnValue:
    """A round's evaluation: every visible unit's progress and the round's index pages."""
    round_, scheme = scored_round_or_404(round_id)
    return render_template(
        "evaluate/round.html",
        round_=round_,
        scheme=scheme,
        leaves=len(scheme.leaves(SourceKind.APPRAISAL)),
        statistics=len(scheme.leaves(SourceKind.STATISTIC)),
        progress=unit_progress(round_, visible_units(round_)),
        published=published_snapshot(round_),
        reader=current_account().role in READERS,
    )


add_menu_item(
    "evaluate.home", lazy_gettext("Index and appraisal"), order=50, active_prefix="evaluate."
)
add_round_panel("evaluate/_round_panel.html", order=60)
