"""Appraisal pages: a unit's criteria with their self-scores and decisions, one criterion's
history with the decision form (evaluators), the request for reconsideration (unit officers)
and its outcome (evaluators)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from questionnaires.scheme import Scheme
from survey_app.auth import ALL_ROLES, ActionForm, current_account, roles_required
from survey_app.evaluate.blueprint import bp, round_unit_or_404, scored_round_or_404
from survey_app.evaluate.decisions import (
    AppraisalRefused,
    CriterionState,
    accept_pending,
    criterion_state,
    decide,
    request_reconsideration,
    settle_request,
    unit_states,
)
from survey_app.evaluate.forms import (
    DecisionForm,
    OutcomeForm,
    ReconsiderationForm,
    optional_score,
)
from survey_app.evaluate.self_scores import source_label
from survey_app.formatting import plain
from survey_app.models import ReconsiderationRequest, Role, Round, Unit, db

APPRAISING = (Role.ADMIN, Role.EVALUATOR)
"""Who decides on self-scores and on requests for reconsideration."""

REQUESTING = (Role.ADMIN, Role.UNIT_OFFICER)
"""Who asks for reconsideration on a unit's behalf."""


@bp.get("/rounds/<int:round_id>/units/<int:unit_id>/appraisal")
@roles_required(*ALL_ROLES)
def appraisal(round_id: int, unit_id: int) -> ResponseReturnValue:
    """A unit's appraisal criteria: self-score, appraised score, status, pending requests."""
    round_, scheme = scored_round_or_404(round_id)
    unit = round_unit_or_404(round_, unit_id)
    states = unit_states(round_, unit, scheme)
    return render_template(
        "evaluate/appraisal.html",
        round_=round_,
        unit=unit,
        states=states,
        pending=sum(1 for found in states if found.status == "pending"),
        can_appraise=current_account().role in APPRAISING,
        action_form=ActionForm(),
    )


@bp.post("/rounds/<int:round_id>/units/<int:unit_id>/appraisal/accept-pending")
@roles_required(*APPRAISING)
def appraisal_accept_pending(round_id: int, unit_id: int) -> ResponseReturnValue:
    """Accept every self-score of the unit still awaiting appraisal."""
    round_, scheme = scored_round_or_404(round_id)
    unit = round_unit_or_404(round_, unit_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    count = accept_pending(round_, unit, scheme)
    db.session.commit()
    flash(gettext("%(count)d self-scores accepted.", count=count), "success")
    return redirect(url_for("evaluate.appraisal", round_id=round_.id, unit_id=unit.id))


def _state_or_404(round_: Round, unit: Unit, scheme: Scheme, criterion: str) -> CriterionState:
    """The state of an appraisal leaf; 404 for any other code."""
    found = criterion_state(round_, unit, scheme, criterion)
    if found is None:
        abort(404)
    return found


def _criterion_page(
    round_: Round,
    unit: Unit,
    found: CriterionState,
    *,
    decision: DecisionForm | None = None,
    request_form: ReconsiderationForm | None = None,
    outcome: OutcomeForm | None = None,
    refusal: str | None = None,
) -> tuple[str, int]:
    """One criterion's page: its scores, history and the forms the user may use."""
    role = current_account().role
    pending = found.pending_request
    standing = found.standing
    forms: dict[str, Any] = {}
    if role in APPRAISING and found.self_score is not None:
        forms["decision"] = decision or DecisionForm(found.leaf, prefix="decision")
        if pending is not None:
            forms["outcome"] = outcome or OutcomeForm(
                found.leaf,
                prefix="outcome",
                data={"new_score": plain(standing) if standing is not None else ""},
            )
    if role in REQUESTING and found.latest is not None and pending is None:
        forms["request"] = request_form or ReconsiderationForm(prefix="request")
    invalid = any(form.errors for form in (decision, request_form, outcome) if form is not None)
    return render_template(
        "evaluate/criterion.html",
        round_=round_,
        unit=unit,
        found=found,
        source=source_label(found.leaf.source_kind),
        forms=forms,
        pending=pending,
        refusal=refusal,
    ), (400 if invalid or refusal else 200)


def _targets(round_id: int, unit_id: int, criterion: str) -> tuple[Round, Unit, CriterionState]:
    """The round, unit and criterion state a criterion URL names (404 if any is not)."""
    round_, scheme = scored_round_or_404(round_id)
    unit = round_unit_or_404(round_, unit_id)
    return round_, unit, _state_or_404(round_, unit, scheme, criterion)


def _back(round_: Round, unit: Unit, found: CriterionState) -> ResponseReturnValue:
    """Back to the criterion's page."""
    return redirect(
        url_for(
            "evaluate.criterion",
            round_id=round_.id,
            unit_id=unit.id,
            criterion=found.leaf.code,
        )
    )


@bp.get("/rounds/<int:round_id>/units/<int:unit_id>/criteria/<criterion>")
@roles_required(*ALL_ROLES)
def criterion(round_id: int, unit_id: int, criterion: str) -> ResponseReturnValue:
    """A criterion's self-score, appraisal history and requests for reconsideration."""
    round_, unit, found = _targets(round_id, unit_id, criterion)
    return _criterion_page(round_, unit, found)


@bp.post("/rounds/<int:round_id>/units/<int:unit_id>/criteria/<criterion>/decision")
@roles_required(*APPRAISING)
def criterion_decide(round_id: int, unit_id: int, criterion: str) -> ResponseReturnValue:
    """Accept the self-score, or change it giving the reason."""
    round_, unit, found = _targets(round_id, unit_id, criterion)
    form = DecisionForm(found.leaf, prefix="decision")
    if not form.validate_on_submit():
        return _criterion_page(round_, unit, found, decision=form)
    change = form.verdict.data == "change"
    try:
        decide(
            found,
            round_,
            unit,
            new_score=optional_score(form.new_score) if change else None,
            reason=form.reason.data or "",
        )
    except AppraisalRefused as refused:
        db.session.rollback()
        return _criterion_page(round_, unit, found, decision=form, refusal=str(refused))
    db.session.commit()
    flash(
        gettext("The score has been changed.")
        if change
        else gettext("The self-score is accepted."),
        "success",
    )
    return _back(round_, unit, found)


@bp.post("/rounds/<int:round_id>/units/<int:unit_id>/criteria/<criterion>/reconsideration")
@roles_required(*REQUESTING)
def criterion_reconsider(round_id: int, unit_id: int, criterion: str) -> ResponseReturnValue:
    """Ask the council to reconsider the appraised score."""
    round_, unit, found = _targets(round_id, unit_id, criterion)
    form = ReconsiderationForm(prefix="request")
    if not form.validate_on_submit():
        return _criterion_page(round_, unit, found, request_form=form)
    try:
        request_reconsideration(found, round_, unit, form.request_text.data or "")
    except AppraisalRefused as refused:
        db.session.rollback()
        return _criterion_page(round_, unit, found, request_form=form, refusal=str(refused))
    db.session.commit()
    flash(gettext("Your request has been sent to the appraisal council."), "success")
    return _back(round_, unit, found)


@bp.post(
    "/rounds/<int:round_id>/units/<int:unit_id>/criteria/<criterion>/reconsideration/"
    "<int:request_id>"
)
@roles_required(*APPRAISING)
def criterion_outcome(
    round_id: int, unit_id: int, criterion: str, request_id: int
) -> ResponseReturnValue:
    """Accept a request (setting the new score) or reject it, answering the unit."""
    round_, unit, found = _targets(round_id, unit_id, criterion)
    request = db.get_or_404(ReconsiderationRequest, request_id)
    if request not in found.requests:
        abort(404)
    form = OutcomeForm(found.leaf, prefix="outcome")
    if not form.validate_on_submit():
        return _criterion_page(round_, unit, found, outcome=form)
    accepted = form.outcome.data == "accepted"
    try:
        settle_request(
            found,
            round_,
            unit,
            request,
            accepted=accepted,
            answer=form.answer.data or "",
            new_score=optional_score(form.new_score) if accepted else None,
        )
    except AppraisalRefused as refused:
        db.session.rollback()
        return _criterion_page(round_, unit, found, outcome=form, refusal=str(refused))
    db.session.commit()
    flash(
        gettext("The request is accepted and the score set.")
        if accepted
        else gettext("The request is rejected."),
        "success",
    )
    return _back(round_, unit, found)
