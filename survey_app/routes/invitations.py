"""Invitation codes: typed on a form, or followed as a link ``/i/<code>`` that is swapped for a
session at once so the code leaves the address bar, the history and any Referer header."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from survey_app import drafts
from survey_app.extensions import CODE_ENTRY_SCOPE, code_entry_limit, limiter
from survey_app.forms.entry import CodeForm, csrf_message
from survey_app.invitations import InvitationRefused, open_code

bp = Blueprint("invitations", __name__)


def _enter(code: str) -> ResponseReturnValue:
    """Open the questionnaire of ``code`` in this session and redirect to it."""
    invitation, offer = open_code(code, date.today())
    draft = drafts.of_invitation(invitation)
    if draft is None:
        drafts.start(offer.id, invitation)
    else:
        drafts.remember(draft)
    return redirect(
        url_for(
            "survey.resume_point",
            round_code=offer.round.code,
            questionnaire_id=offer.questionnaire_version.questionnaire_id,
        )
    )


@bp.route("/code", methods=["GET", "POST"])
@limiter.shared_limit(code_entry_limit, CODE_ENTRY_SCOPE, methods=["POST"])
def code_entry() -> ResponseReturnValue:
    """The form where an official types the code from an invitation letter."""
    form = CodeForm()
    if form.validate_on_submit():
        try:
            return _enter(form.code.data)
        except InvitationRefused as refused:
            form.code.errors.append(refused.refusal.message())
    elif form.csrf_token.errors:
        form.code.errors.append(csrf_message())
    return render_template("entry/code.html", form=form)


@bp.get("/i/<code>")
@limiter.shared_limit(code_entry_limit, CODE_ENTRY_SCOPE)
def code_link(code: str) -> ResponseReturnValue:
    """Swap a code in a link for a session and redirect, so the code leaves the URL."""
    try:
        return _enter(code)
    except InvitationRefused as refused:
        flash(refused.refusal.message(), "error")
        return redirect(url_for("invitations.code_entry"))
