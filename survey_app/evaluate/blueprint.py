"""The ``evaluate`` blueprint (``/evaluate/…``) and the look-ups its views share.

Every view carries ``roles_required``; the blueprint also turns away anyone not signed in
before a view runs, and shows 400, 403 and 404 as the workspace's pages. A round is reached
only through :func:`scored_round_or_404` (in the user's scope, with an installed scheme) and a
unit only through :func:`round_unit_or_404` (evaluated by the round, in the user's scope), so a
unit officer meets 404 for anything not its own.
"""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import exists, select

from questionnaires.scheme import Scheme
from survey_app.auth import round_or_404, unit_or_404, unit_visible
from survey_app.auth.login import login_manager
from survey_app.index_service import evaluated_units, scheme_of
from survey_app.models import Round, RoundUnit, Unit, db
from survey_app.staff import register_error_pages

bp = Blueprint("evaluate", __name__, url_prefix="/evaluate")
register_error_pages(bp)


@bp.before_request
def require_sign_in() -> ResponseReturnValue | None:
    """Send anyone not signed in to the sign-in page, whatever the view."""
    if request.endpoint and not current_user.is_authenticated:
        response: ResponseReturnValue = login_manager.unauthorized()
        return response
    return None


def scored_round_or_404(round_id: int) -> tuple[Round, Scheme]:
    """The round (in scope) and its installed scheme; 404 when either is missing."""
    round_ = round_or_404(round_id)
    scheme = scheme_of(round_)
    if scheme is None:
        abort(404)
    return round_, scheme


def round_unit_or_404(round_: Round, unit_id: int) -> Unit:
    """A unit the round evaluates and the user may see; 404 otherwise."""
    unit = unit_or_404(unit_id)
    evaluated = db.session.scalar(
        select(exists().where(RoundUnit.round_id == round_.id, RoundUnit.unit_id == unit.id))
    )
    if not evaluated:
        abort(404)
    return unit


def visible_units(round_: Round) -> list[Unit]:
    """The round's units the user may see (a unit officer: its own), by code."""
    return [unit for unit in evaluated_units(round_) if unit_visible(unit.id)]
