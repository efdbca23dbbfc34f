"""The respondent's path through one survey: start, one page at a time, review, submit, thanks.

URLs are ``/r/<round code>/<questionnaire id>/…``; the survey is loaded once per request into
``g.survey``. Answers live in the server-side draft named by the session. Every page works
without JavaScript; ``/p/<page>/visible`` lets the optional script show dependent questions at
once.

Quotas: a respondent about to enter a closed frame cell — on their first page, or when posting
the page that asks their unit or stratum — is shown the "enough answers, thank you" page
instead, and the draft is deleted (``survey_app.monitoring.quotas.turns_away``). Nobody past
that point is stopped, and submission never checks quotas.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from questionnaires.model import Page
from survey_app import drafts, navigation
from survey_app.drafts import LiveDraft
from survey_app.errors import DATABASE_UNAVAILABLE
from survey_app.extensions import limiter, submission_limit
from survey_app.forms.entry import StartForm, SubmitForm, csrf_message
from survey_app.forms.pages import PageForm, PageFormBuilder, field_name, page_form_builder
from survey_app.i18n import current_language
from survey_app.monitoring.quotas import turns_away
from survey_app.paradata import device_class
from survey_app.review import review_sections
from survey_app.submission import Outcome, discard, is_stored, submit
from survey_app.surveys import Survey, find_survey

bp = Blueprint("survey", __name__, url_prefix="/r/<round_code>/<questionnaire_id>")

ALWAYS_AVAILABLE = frozenset({"survey.done"})
"""Endpoints that still answer once the round has closed."""


@bp.url_value_preprocessor
def load_survey(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Load the survey named in the URL into ``g.survey``; 404 when there is none."""
    if values is None:
        abort(404)
    survey = find_survey(values.pop("round_code"), values.pop("questionnaire_id"))
    if survey is None:
        abort(404)
    g.survey = survey


@bp.url_defaults
def add_survey(_endpoint: str, values: dict[str, Any]) -> None:
    """Fill in the current survey's round code and questionnaire id when building URLs."""
    survey = g.get("survey")
    if isinstance(survey, Survey):
        values.setdefault("round_code", survey.round.code)
        values.setdefault("questionnaire_id", survey.questionnaire_id)


@bp.before_request
def require_open_round() -> ResponseReturnValue | None:
    """Show the closed page when the round takes no more answers."""
    if request.endpoint in ALWAYS_AVAILABLE or current().round.is_open(date.today()):
        return None
    return render_template("survey/closed.html", survey=current()), 410


def current() -> Survey:
    """The survey of this request."""
    survey: Survey = g.survey
    return survey


def _lost_draft() -> ResponseReturnValue:
    """Send a respondent without a live draft to where they can get one."""
    survey = current()
    if survey.is_public:
        flash(gettext("Your session has ended. Start again, or use your resume code."), "error")
        return redirect(url_for("survey.start"))
    flash(gettext("Enter your invitation code to continue."), "error")
    return redirect(url_for("invitations.code_entry"))


def _enough_answers(draft: LiveDraft) -> ResponseReturnValue:
    """Thank a respondent whose group has enough answers, and drop their draft."""
    discard(draft)
    drafts.forget()
    return render_template("survey/quota_full.html", survey=current())


def _page_url(page: Page | None) -> str:
    """The URL of ``page``, or of the review when there is no page."""
    if page is None:
        return url_for("survey.review")
    return url_for("survey.page", page_id=page.id)


@bp.route("/", methods=["GET", "POST"])
def start() -> ResponseReturnValue:
    """The survey's introduction; public surveys start a draft from here."""
    survey = current()
    draft = drafts.current(survey.offer.id)
    form = StartForm()
    if request.method == "POST" and survey.is_public:
        if form.validate_on_submit():
            draft = drafts.start(survey.offer.id)
            first = navigation.visible_pages(survey.questionnaire, {})[0]
            return redirect(_page_url(first))
        flash(csrf_message(), "error")
    return render_template("survey/start.html", survey=survey, draft=draft, form=form)


@bp.get("/continue")
def resume_point() -> ResponseReturnValue:
    """Go back to where the draft was left: its page, else the first problem, else the review."""
    survey = current()
    draft = drafts.current(survey.offer.id)
    if draft is None:
        return _lost_draft()
    questionnaire = survey.questionnaire
    pages = navigation.visible_pages(questionnaire, draft.answers)
    visible_ids = {page.id for page in pages}
    if draft.current_page in visible_ids:
        return redirect(url_for("survey.page", page_id=draft.current_page))
    if not draft.answers:
        return redirect(_page_url(pages[0]))
    problems = navigation.problems(questionnaire, draft.answers, current_language())
    if problems:
        return redirect(url_for("survey.page", page_id=problems[0].page_id))
    return redirect(url_for("survey.review"))


def _render_page(
    builder: PageFormBuilder, form: PageForm, answers: dict[str, Any], notice: str | None = None
) -> str:
    """The page template for ``form`` with its questions, progress and errors."""
    survey = current()
    number, total = navigation.progress(survey.questionnaire, answers, builder.page.id)
    return render_template(
        "survey/page.html",
        survey=survey,
        page=builder.page,
        form=form,
        questions=builder.questions(form, answers),
        errors=builder.error_list(form),
        number=number,
        total=total,
        notice=notice,
        from_review=request.values.get("from") == "review",
    )


def _kept_notice() -> str:
    """What a page showing answers kept while the database was unavailable says."""
    message: str = gettext(
        "Your answers to this page could not be saved a moment ago and were kept in your "
        "browser. Check them and press Continue."
    )
    return message


@contextmanager
def _kept_if_unsaved(
    draft: LiveDraft, page_id: str, page_answers: dict[str, Any]
) -> Iterator[None]:
    """Keep ``page_answers`` in the session cookie when the database cannot save them (the
    error then shows the 503 page, ``survey_app.errors``)."""
    draft_id = draft.id
    try:
        yield
    except DATABASE_UNAVAILABLE:
        drafts.keep_unsaved(draft_id, page_id, page_answers)
        raise


def _draft_for_post() -> LiveDraft | None:
    """The session's draft; a public survey whose session was lost gets a fresh one so the
    posted answers are not lost."""
    survey = current()
    draft = drafts.current(survey.offer.id)
    if draft is None and survey.is_public:
        draft = drafts.start(survey.offer.id)
    return draft


@bp.route("/p/<page_id>", methods=["GET", "POST"])
def page(page_id: str) -> ResponseReturnValue:
    """One page of questions: Next validates and moves on, Back and Save keep what is there."""
    survey = current()
    questionnaire = survey.questionnaire
    shown = navigation.page_by_id(questionnaire, page_id)
    if shown is None:
        abort(404)
    draft = drafts.current(survey.offer.id) if request.method == "GET" else _draft_for_post()
    if draft is None:
        return _lost_draft()
    builder = page_form_builder(questionnaire, shown.id, current_language())
    if request.method == "GET":
        if shown.id not in {p.id for p in navigation.visible_pages(questionnaire, draft.answers)}:
            return redirect(url_for("survey.resume_point"))
        if turns_away(survey.offer, questionnaire, draft, shown, draft.answers):
            return _enough_answers(draft)
        drafts.mark_shown(shown.id)
        kept = drafts.unsaved(draft, shown.id)
        if kept is None:
            return _render_page(builder, builder.bind(None, draft.answers), draft.answers)
        answers = builder.merged(draft.answers, kept)
        return _render_page(builder, builder.bind(None, answers), answers, notice=_kept_notice())
    form = builder.bind(request.form, draft.answers)
    form.validate()
    page_answers = builder.read(form)
    answers = builder.merged(draft.answers, page_answers)
    if form.csrf_token.errors:
        return _render_page(builder, form, answers, notice=csrf_message())
    if turns_away(survey.offer, questionnaire, draft, shown, answers):
        return _enough_answers(draft)
    action = request.form.get("action", "next")
    with _kept_if_unsaved(draft, shown.id, page_answers):
        if action == "back":
            previous = navigation.previous_page(questionnaire, answers, shown.id)
            drafts.save(draft, shown.id, answers, previous.id if previous else shown.id)
            return redirect(_page_url(previous) if previous else url_for("survey.start"))
        if action == "save":
            drafts.save(draft, shown.id, answers, shown.id)
            code = drafts.issue_resume_code(draft)
            return render_template("survey/saved.html", survey=survey, resume_code=code)
        if not builder.check(form, answers):
            return _render_page(builder, form, answers)
        following = navigation.next_page(questionnaire, answers, shown.id)
        drafts.save(draft, shown.id, answers, following.id if following else None)
    if request.form.get("from") == "review":
        return redirect(url_for("survey.review"))
    return redirect(_page_url(following))


@bp.post("/p/<page_id>/visible")
def visible(page_id: str) -> ResponseReturnValue:
    """JSON: which items of the page are visible for the answers being typed."""
    survey = current()
    shown = navigation.page_by_id(survey.questionnaire, page_id)
    draft = drafts.current(survey.offer.id)
    if shown is None or draft is None:
        abort(404)
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError as error:
        raise CSRFError(str(error)) from error
    builder = page_form_builder(survey.questionnaire, shown.id, current_language())
    form = builder.bind(request.form, draft.answers)
    form.validate()
    answers = builder.merged(draft.answers, builder.read(form))
    codes = navigation.visible_codes(survey.questionnaire, answers)
    return jsonify(visible=[item.code for item in shown.items if item.code in codes])


def _render_review(draft: LiveDraft, form: SubmitForm, notice: str | None = None) -> str:
    """The review page for ``draft``."""
    survey = current()
    language = current_language()
    problems = navigation.problems(survey.questionnaire, draft.answers, language)
    return render_template(
        "survey/review.html",
        survey=survey,
        sections=review_sections(survey.questionnaire, draft.answers, language),
        problems=[
            (
                url_for("survey.page", page_id=p.page_id, _anchor=field_name(p.item_code)),
                f"{survey.questionnaire.item(p.item_code).text.get(language)} {p.message}",
            )
            for p in problems
        ],
        form=form,
        notice=notice,
    )


@bp.get("/review")
def review() -> ResponseReturnValue:
    """Every visible answer with links to change it, and the Submit button."""
    draft = drafts.current(current().offer.id)
    if draft is None:
        return _lost_draft()
    form = SubmitForm(formdata=None, data={"submission_key": draft.submission_key})
    return _render_review(draft, form)


@bp.post("/submit")
@limiter.limit(submission_limit)
def submit_answers() -> ResponseReturnValue:
    """Store the response once; repeats of the same submission land on the thank-you page."""
    survey = current()
    form = SubmitForm()
    key = form.submission_key.data or ""
    draft = drafts.current(survey.offer.id)
    if draft is None or draft.submission_key != key:
        if key and is_stored(key):
            drafts.forget()
            return redirect(url_for("survey.done"))
        if draft is None:
            return _lost_draft()
        return redirect(url_for("survey.review"))
    if not form.validate():
        return _render_review(draft, form, notice=csrf_message())
    if navigation.problems(survey.questionnaire, draft.answers, current_language()):
        return _render_review(draft, form)
    outcome = submit(
        draft, survey.questionnaire, device_class(request.user_agent.string), date.today()
    )
    drafts.forget()
    if outcome is Outcome.INVITATION_USED:
        discard(draft)
        return render_template("survey/code_used.html", survey=survey), 409
    return redirect(url_for("survey.done"))


@bp.get("/done")
def done() -> ResponseReturnValue:
    """Thanks, once the response is stored."""
    return render_template("survey/done.html", survey=current())
