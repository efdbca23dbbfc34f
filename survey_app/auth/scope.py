"""Unit scope: a unit officer only ever sees its own unit's data.

Views call these helpers with the ids from the URL. For a unit officer, another unit's id — or a
round that does not evaluate its unit — is answered 404, exactly as an id that does not exist,
so nothing reveals what else is stored. Queries are narrowed with :func:`scope_to_unit`. The
other roles see every unit.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import InstrumentedAttribute

from survey_app.models import Role, Round, RoundUnit, Unit, User, db

Statement = TypeVar("Statement", bound=Select[Any])


def current_account() -> User:
    """The signed-in account (views behind ``roles_required`` always have one)."""
    if not current_user.is_authenticated:
        abort(401)
    user: User = current_user._get_current_object()
    return user


def own_unit_id() -> int | None:
    """The unit of a signed-in unit officer; None for every other role."""
    user = current_account()
    return user.unit_id if user.role == Role.UNIT_OFFICER else None


def unit_visible(unit_id: int) -> bool:
    """Whether the signed-in account may see unit ``unit_id``'s data."""
    own = own_unit_id()
    return own is None or own == unit_id


def unit_or_404(unit_id: int) -> Unit:
    """The unit with ``unit_id`` if it exists and is in scope; 404 otherwise."""
    if not unit_visible(unit_id):
        abort(404)
    return db.get_or_404(Unit, unit_id)


def round_or_404(round_id: int) -> Round:
    """The round with ``round_id``; for a unit officer only a round evaluating its unit."""
    round_ = db.get_or_404(Round, round_id)
    own = own_unit_id()
    if own is not None:
        evaluated = db.session.scalar(
            select(exists().where(RoundUnit.round_id == round_.id, RoundUnit.unit_id == own))
        )
        if not evaluated:
            abort(404)
    return round_


def scope_to_unit(
    statement: Statement,
    unit_column: InstrumentedAttribute[int] | InstrumentedAttribute[int | None],
) -> Statement:
    """``statement`` narrowed to the unit officer's unit through ``unit_column``."""
    own = own_unit_id()
    return statement if own is None else statement.where(unit_column == own)


def scope_rounds(statement: Statement) -> Statement:
    """A query of rounds narrowed, for a unit officer, to those evaluating its unit."""
    own = own_unit_id()
    if own is None:
        return statement
    evaluates_own = (
        exists().where(RoundUnit.round_id == Round.id, RoundUnit.unit_id == own).correlate(Round)
    )
    return statement.where(evaluates_own)
