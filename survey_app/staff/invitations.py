"""Invitations in the workspace: a round's batches and their counts, issuing codes (shown once,
as A4 sheets and a CSV download), and revoking, expiring, renewing and replacing codes.

The codes exist only in the page that issues them: the CSV download posts them back from that
page and is checked against the stored hashes, so the server never has to keep a code. A
repeated post of the issuing form (reload, back button) is recognised by its one-time request
id and issues nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from survey_app.auth import MANAGERS, ActionForm, current_account, roles_required, round_or_404
from survey_app.i18n import current_language
from survey_app.invitations import IssuedCode, code_hash, issue_batch
from survey_app.models import (
    Access,
    AuditEvent,
    Invitation,
    InvitationBatch,
    Round,
    RoundQuestionnaire,
    RoundStatus,
    Unit,
    db,
)
from survey_app.staff.blueprint import bp
from survey_app.staff.invitations_batches import (
    BatchActionRefused,
    BatchCounts,
    batch_counts,
    expire_batch,
    renew_batch,
    replace_known_code,
    replace_lost_code,
    revoke_batch,
    round_batches,
    round_counts,
    total,
)
from survey_app.staff.invitations_forms import (
    MAX_CODES_PER_ISSUE,
    IssueForm,
    ReplaceCodeForm,
    RevokeForm,
)
from survey_app.staff.invitations_sheets import (
    CSV_COLUMNS,
    csv_rows,
    round_titles,
    sheet_text,
    sheets,
)
from survey_app.staff.menu import add_menu_item, add_round_panel
from survey_app.staff.tables import MIMETYPES, write_table

ISSUED_REQUESTS = "issued_requests"
"""Session key: the request ids of the issuing forms already served (newest last)."""

REMEMBERED_REQUESTS = 20
"""How many issuing request ids the session remembers."""

BATCH_ACTIONS = ("revoke", "expire", "renew", "replace")
"""The actions on one batch."""

RECENT_EVENTS = 20
"""Audit events shown on a batch's page."""


def _invitation_groups(round_: Round) -> list[str]:
    """The respondent groups the round reaches by invitation code."""
    return list(
        db.session.scalars(
            select(RoundQuestionnaire.respondent_group)
            .where(
                RoundQuestionnaire.round_id == round_.id,
                RoundQuestionnaire.access == Access.INVITATION,
            )
            .order_by(RoundQuestionnaire.respondent_group)
        )
    )


def _units(round_: Round) -> list[Unit]:
    """The units codes can be issued for: the round's, or every unit if it lists none."""
    if round_.units:
        return list(round_.units)
    return list(db.session.scalars(select(Unit).order_by(Unit.kind, Unit.code)))


def _issue_form(round_: Round) -> IssueForm:
    """The issuing form (bound to a posted one) with the round's units and invitation groups as
    choices, and a fresh request id unless one was posted."""
    form = IssueForm()
    language = current_language()
    form.units.choices = [
        SelectChoice(unit.id, f"{unit.name(language)} ({unit.code})") for unit in _units(round_)
    ]
    form.respondent_group.choices = [
        SelectChoice(group, group) for group in _invitation_groups(round_)
    ]
    if not form.request_id.data:
        form.request_id.data = secrets.token_urlsafe(16)
    return form


def _round_page(
    round_: Round,
    issue: IssueForm | None = None,
    replace: ReplaceCodeForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The round's invitations page."""
    rows = round_batches(round_.id)
    return (
        render_template(
            "staff/invitations/round.html",
            round_=round_,
            rows=rows,
            totals=total(rows),
            issue=issue or _issue_form(round_),
            replace=replace or ReplaceCodeForm(),
            groups=_invitation_groups(round_),
            closed=round_.status == RoundStatus.CLOSED,
        ),
        status,
    )


def _codes_page(round_: Round, issued: Sequence[IssuedCode], replaced: bool) -> str:
    """The one page that shows issued codes: sheets, CSV download, the warning."""
    address = url_for("invitations.code_entry", _external=True)
    batch_ids = sorted({item.batch_id for item in issued})
    batches = db.session.scalars(
        select(InvitationBatch)
        .options(joinedload(InvitationBatch.unit))
        .where(InvitationBatch.id.in_(batch_ids))
        .order_by(InvitationBatch.id)
    ).all()
    return render_template(
        "staff/invitations/codes.html",
        round_=round_,
        batches=batches,
        counts={
            batch.id: sum(1 for item in issued if item.batch_id == batch.id) for batch in batches
        },
        sheets=sheets(issued),
        text=sheet_text(address),
        titles=round_titles(round_),
        address=address,
        replaced=replaced,
    )


@bp.get("/invitations")
@roles_required(*MANAGERS)
def invitations_home() -> ResponseReturnValue:
    """Every round with its invitation totals."""
    rounds = db.session.scalars(select(Round).order_by(Round.year.desc(), Round.code)).all()
    issued = dict(
        db.session.execute(
            select(Invitation.round_id, func.count(Invitation.id)).group_by(Invitation.round_id)
        ).all()
    )
    return render_template(
        "staff/invitations/index.html",
        rounds=rounds,
        issued=issued,
        reached={round_.id: bool(_invitation_groups(round_)) for round_ in rounds},
    )


@bp.get("/rounds/<int:round_id>/invitations")
@roles_required(*MANAGERS)
def invitation_round(round_id: int) -> ResponseReturnValue:
    """A round's batches with their counts, the issuing form and the replacement form."""
    return _round_page(round_or_404(round_id))


def _already_issued(request_id: str) -> bool:
    """Whether the issuing form with ``request_id`` has been served in this session."""
    return request_id in session.get(ISSUED_REQUESTS, [])


def _remember_issued(request_id: str) -> None:
    """Remember that the issuing form with ``request_id`` has been served."""
    remembered = [*session.get(ISSUED_REQUESTS, []), request_id]
    session[ISSUED_REQUESTS] = remembered[-REMEMBERED_REQUESTS:]


def _issue_problems(round_: Round, form: IssueForm) -> bool:
    """Add the round's own refusals to the form's fields; True when there is one."""
    if round_.status == RoundStatus.CLOSED:
        form.units.errors = [
            *form.units.errors,
            gettext("The round is closed: codes issued now could not be used."),
        ]
        return True
    if form.respondent_group.data not in _invitation_groups(round_):
        form.respondent_group.errors = [
            *form.respondent_group.errors,
            gettext("Choose one of the respondent groups reached by invitation code."),
        ]
        return True
    if not set(form.units.data) <= {unit.id for unit in _units(round_)}:
        form.units.errors = [*form.units.errors, gettext("Choose units from the list.")]
        return True
    wanted = len(form.units.data or []) * (form.size.data or 0)
    if wanted > MAX_CODES_PER_ISSUE:
        form.size.errors = [
            *form.size.errors,
            gettext(
                "At most %(max)d codes can be issued at once, and this asks for %(wanted)d "
                "(units × codes per unit). Issue them in several goes.",
                max=MAX_CODES_PER_ISSUE,
                wanted=wanted,
            ),
        ]
        return True
    return False


@bp.post("/rounds/<int:round_id>/invitations/issue")
@roles_required(*MANAGERS)
def invitation_issue(round_id: int) -> ResponseReturnValue:
    """Issue one batch per chosen unit and show the codes, once."""
    round_ = round_or_404(round_id)
    form = _issue_form(round_)
    request_id = form.request_id.data or ""
    if request_id and _already_issued(request_id):
        flash(
            gettext(
                "These codes were issued when the form was first sent; they are not issued "
                "again, and cannot be shown again."
            ),
            "error",
        )
        return redirect(url_for("staff.invitation_round", round_id=round_.id))
    if not form.validate() or _issue_problems(round_, form):
        return _round_page(round_, issue=form, status=400)
    units = {unit.id: unit for unit in _units(round_)}
    label = (form.label.data or "").strip() or date.today().isoformat()
    issued: list[IssuedCode] = []
    for unit_id in form.units.data:
        issued += issue_batch(
            round_,
            units[unit_id],
            form.respondent_group.data,
            form.size.data,
            label,
            current_account(),
        )
    db.session.commit()
    _remember_issued(request_id)
    return _codes_page(round_, issued, replaced=False)


def _posted_codes(round_: Round, posted: list[str]) -> list[IssuedCode]:
    """The posted codes as issued codes of ``round_``; 400 if any is not one of its codes."""
    if not posted:
        abort(400)
    found = {
        invitation.code_hash: invitation
        for invitation in db.session.scalars(
            select(Invitation)
            .options(joinedload(Invitation.unit))
            .where(
                Invitation.round_id == round_.id,
                Invitation.code_hash.in_([code_hash(code) for code in posted]),
            )
        )
    }
    issued = []
    for code in posted:
        invitation = found.get(code_hash(code))
        if invitation is None or invitation.batch_id is None:
            abort(400)
        issued.append(
            IssuedCode(code, invitation.batch_id, invitation.unit, invitation.respondent_group)
        )
    return issued


@bp.post("/rounds/<int:round_id>/invitations/codes.csv")
@roles_required(*MANAGERS)
def invitation_codes_csv(round_id: int) -> ResponseReturnValue:
    """The CSV of the codes posted back by the issuing page (checked against their hashes)."""
    round_ = round_or_404(round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    issued = _posted_codes(round_, request.form.getlist("code"))
    body = write_table(CSV_COLUMNS, csv_rows(issued), "csv")
    response = Response(body, mimetype=MIMETYPES["csv"])
    filename = f"invitations-{round_.code}-{date.today().isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/rounds/<int:round_id>/invitations/replace")
@roles_required(*MANAGERS)
def invitation_replace_code(round_id: int) -> ResponseReturnValue:
    """Revoke a code read out from its paper and show its replacement, once."""
    round_ = round_or_404(round_id)
    form = ReplaceCodeForm()
    if not form.validate_on_submit():
        return _round_page(round_, replace=form, status=400)
    try:
        issued = replace_known_code(round_, form.code.data, date.today())
    except BatchActionRefused as refused:
        db.session.rollback()
        form.code.errors = [*form.code.errors, str(refused)]
        return _round_page(round_, replace=form, status=400)
    db.session.commit()
    return _codes_page(round_, issued, replaced=True)


def _batch_or_404(round_: Round, batch_id: int) -> InvitationBatch:
    """The batch ``batch_id`` of ``round_``; 404 otherwise."""
    batch = db.session.get(InvitationBatch, batch_id)
    if batch is None or batch.round_id != round_.id:
        abort(404)
    return batch


def _batch_page(
    round_: Round, batch: InvitationBatch, revoke: RevokeForm | None = None, status: int = 200
) -> ResponseReturnValue:
    """A batch's page."""
    events = db.session.scalars(
        select(AuditEvent)
        .options(joinedload(AuditEvent.user))
        .where(
            AuditEvent.object_type == InvitationBatch.__tablename__,
            AuditEvent.object_id == str(batch.id),
        )
        .order_by(AuditEvent.id.desc())
        .limit(RECENT_EVENTS)
    ).all()
    counts: BatchCounts = batch_counts(batch.id)
    return (
        render_template(
            "staff/invitations/batch.html",
            round_=round_,
            batch=batch,
            counts=counts,
            revoke=revoke or RevokeForm(),
            events=events,
            closed=round_.status == RoundStatus.CLOSED,
        ),
        status,
    )


@bp.get("/rounds/<int:round_id>/invitations/batches/<int:batch_id>")
@roles_required(*MANAGERS)
def invitation_batch(round_id: int, batch_id: int) -> ResponseReturnValue:
    """One batch: its counts, history and actions."""
    round_ = round_or_404(round_id)
    return _batch_page(round_, _batch_or_404(round_, batch_id))


@bp.post("/rounds/<int:round_id>/invitations/batches/<int:batch_id>/<action>")
@roles_required(*MANAGERS)
def invitation_batch_action(round_id: int, batch_id: int, action: str) -> ResponseReturnValue:
    """Revoke, expire or renew a batch, or issue a replacement for a lost code."""
    round_ = round_or_404(round_id)
    batch = _batch_or_404(round_, batch_id)
    if action not in BATCH_ACTIONS:
        abort(404)
    if action == "revoke":
        form = RevokeForm()
        if not form.validate_on_submit():
            return _batch_page(round_, batch, revoke=form, status=400)
    elif not ActionForm().validate_on_submit():
        abort(400)
    today = date.today()
    try:
        if action == "replace":
            issued = replace_lost_code(batch, today)
        elif action == "revoke":
            count = revoke_batch(batch)
        elif action == "expire":
            count = expire_batch(batch)
        else:
            count = renew_batch(batch, today)
    except BatchActionRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("staff.invitation_batch", round_id=round_.id, batch_id=batch.id))
    db.session.commit()
    if action == "replace":
        return _codes_page(round_, issued, replaced=True)
    messages = {
        "revoke": gettext(
            "The batch is revoked. Unused codes that stopped working: %(count)d.", count=count
        ),
        "expire": gettext("Unused codes of the batch now expired: %(count)d.", count=count),
        "renew": gettext("Expired codes of the batch valid again: %(count)d.", count=count),
    }
    flash(messages[action], "success")
    return redirect(url_for("staff.invitation_batch", round_id=round_.id, batch_id=batch.id))


@bp.app_template_global()
def invitation_summary(round_: Round) -> BatchCounts:
    """The counts of every code of the round, for its page's panel."""
    return round_counts(round_.id)


add_menu_item(
    "staff.invitations_home",
    lazy_gettext("Invitations"),
    order=30,
    active_prefix="staff.invitation",
)
add_round_panel("staff/invitations/_round_panel.html", order=30, roles=MANAGERS)
