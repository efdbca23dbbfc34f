"""Public pages: the list of open surveys, the language switch, resuming a saved draft."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from survey_app import drafts
from survey_app.extensions import CODE_ENTRY_SCOPE, code_entry_limit, limiter
from survey_app.forms.entry import CodeForm, ResumeForm, csrf_message
from survey_app.i18n import LANGUAGES
from survey_app.surveys import open_surveys, survey_of_offer

bp = Blueprint("public", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    """Every open survey with its link, and the code and resume forms."""
    return render_template(
        "home.html",
        surveys=open_surveys(date.today()),
        code_form=CodeForm(),
        resume_form=ResumeForm(),
    )


def _safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site, else the home page."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("public.home")


@bp.get("/lang/<code>")
def language(code: str) -> ResponseReturnValue:
    """Switch the interface language and go back to the page the switch was pressed on."""
    if code not in LANGUAGES:
        abort(404)
    session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


@bp.route("/resume", methods=["GET", "POST"])
@limiter.shared_limit(code_entry_limit, CODE_ENTRY_SCOPE, methods=["POST"])
def resume() -> ResponseReturnValue:
    """Continue a saved questionnaire from its resume code."""
    form = ResumeForm()
    if form.validate_on_submit():
        draft = drafts.find_by_resume_code(form.code.data)
        if draft is not None:
            drafts.remember(draft)
            survey = survey_of_offer(draft.offer_id)
            flash(gettext("Welcome back. Your answers have been restored."), "success")
            return redirect(
                url_for(
                    "survey.resume_point",
                    round_code=survey.round.code,
                    questionnaire_id=survey.questionnaire_id,
                )
            )
        form.code.errors.append(
            gettext("This resume code is not valid or has expired. Check it and try again.")
        )
    elif form.csrf_token.errors:
        form.code.errors.append(csrf_message())
    return render_template("entry/resume.html", form=form)
