"""The workspace's home (the list of rounds) and the audit log."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from survey_app.auth import ALL_ROLES, MANAGERS, current_account, roles_required, scope_rounds
from survey_app.models import AuditEvent, Role, Round, db
from survey_app.staff.blueprint import bp
from survey_app.staff.menu import add_menu_item

AUDIT_PAGE_SIZE = 100
"""Audit events shown per page."""


@bp.get("/")
@roles_required(*ALL_ROLES)
def home() -> ResponseReturnValue:
    """Every round the user may see, newest first."""
    rounds = db.session.scalars(
        scope_rounds(select(Round)).order_by(Round.year.desc(), Round.code)
    ).all()
    return render_template(
        "staff/home.html", rounds=rounds, manager=current_account().role in MANAGERS
    )


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit_log() -> ResponseReturnValue:
    """The audit trail, newest first, one page at a time (``?before=<id>`` pages back)."""
    statement = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.user))
        .order_by(AuditEvent.id.desc())
        .limit(AUDIT_PAGE_SIZE)
    )
    before = request.args.get("before", type=int)
    if before is not None:
        statement = statement.where(AuditEvent.id < before)
    events = db.session.scalars(statement).all()
    older = events[-1].id if len(events) == AUDIT_PAGE_SIZE else None
    return render_template("staff/audit.html", events=events, older=older)


add_menu_item(
    "staff.home", lazy_gettext("Rounds"), order=10, active_prefix="staff.round", round_pages=True
)
add_menu_item("staff.audit_log", lazy_gettext("Audit log"), order=90)
