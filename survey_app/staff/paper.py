"""Paper questionnaires in the workspace: a round's paper forms (stored, waiting for their second
keying, differing), the keying page of each questionnaire, and the mismatch report where a third
person resolves the differences of a doubly keyed form.

Keying is one long page per questionnaire (``survey_app.staff.paper_form``); after a form is
saved the page comes back empty for the next paper of the pile, its serial field focused and
the same unit chosen.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import func, select
from wtforms.validators import ValidationError

from survey_app.auth import MANAGERS, current_account, roles_required, round_or_404
from survey_app.catalogue import questionnaire_of
from survey_app.forms.pages import PageForm
from survey_app.i18n import current_language
from survey_app.models import (
    Mode,
    QuestionnaireVersion,
    Response,
    Round,
    RoundQuestionnaire,
    RoundStatus,
    Unit,
    db,
)
from survey_app.review import answer_text
from survey_app.staff.blueprint import bp
from survey_app.staff.menu import add_menu_item, add_round_panel
from survey_app.staff.paper_duplicates import duplicate_paper_entries
from survey_app.staff.paper_entry import (
    UNIT_KEY,
    Difference,
    KeyedForm,
    Mismatch,
    Outcome,
    PaperRefused,
    PaperSummary,
    key_form,
    mismatch_of,
    paper_summary,
    resolve,
    serial_stored,
)
from survey_app.staff.paper_form import PaperFormBuilder, normalise_serial

CHOICE_PREFIX = "choice_"
"""Resolution form fields: ``choice_<item code or unit>`` = 1 or 2."""


def _offers(round_: Round) -> list[RoundQuestionnaire]:
    """The round's questionnaires, by respondent group."""
    return list(
        db.session.scalars(
            select(RoundQuestionnaire)
            .where(RoundQuestionnaire.round_id == round_.id)
            .order_by(RoundQuestionnaire.respondent_group)
        )
    )


def _offer_or_404(round_: Round, questionnaire_id: str) -> RoundQuestionnaire:
    """The round's offer of ``questionnaire_id``; 404 when the round has none."""
    offer = db.session.scalars(
        select(RoundQuestionnaire)
        .join(RoundQuestionnaire.questionnaire_version)
        .where(
            RoundQuestionnaire.round_id == round_.id,
            QuestionnaireVersion.questionnaire_id == questionnaire_id,
        )
    ).first()
    if offer is None:
        abort(404)
    return offer


def _units(round_: Round) -> list[Unit]:
    """The units a form may be about: the round's, or every unit if it lists none."""
    if round_.units:
        return list(round_.units)
    return list(db.session.scalars(select(Unit).order_by(Unit.kind, Unit.code)))


def _unit_required(offer: RoundQuestionnaire) -> bool:
    """Whether the keyer must choose the unit: neither the offer nor the answers give it."""
    sampling = questionnaire_of(offer.questionnaire_version).definition.sampling
    return offer.unit is None and sampling.unit is None


def _keying_open(round_: Round) -> bool:
    """Whether paper forms may be keyed: once the round has opened, also after it closed."""
    return round_.status != RoundStatus.DRAFT


@bp.get("/paper")
@roles_required(*MANAGERS)
def paper_home() -> ResponseReturnValue:
    """Every round with its stored paper forms."""
    rounds = db.session.scalars(select(Round).order_by(Round.year.desc(), Round.code)).all()
    stored = dict(
        db.session.execute(
            select(Response.round_id, func.count(Response.id))
            .where(Response.mode == Mode.PAPER)
            .group_by(Response.round_id)
        ).all()
    )
    return render_template("staff/paper/index.html", rounds=rounds, stored=stored)


@bp.get("/rounds/<int:round_id>/paper")
@roles_required(*MANAGERS)
def paper_round(round_id: int) -> ResponseReturnValue:
    """A round's paper forms: what to key, what waits, what differs, what looks copied."""
    round_ = round_or_404(round_id)
    summary: PaperSummary = paper_summary(round_.id)
    return render_template(
        "staff/paper/round.html",
        round_=round_,
        offers=_offers(round_),
        titles={
            offer.id: questionnaire_of(offer.questionnaire_version).title.get(current_language())
            for offer in _offers(round_)
        },
        summary=summary,
        duplicates=duplicate_paper_entries(round_.id),
        keying_open=_keying_open(round_),
    )


def _key_page(
    round_: Round,
    offer: RoundQuestionnaire,
    builder: PaperFormBuilder,
    form: PageForm,
    answers: dict[str, Any],
    status: int = 200,
) -> ResponseReturnValue:
    """The keying page of ``offer``'s questionnaire."""
    errors = builder.fixed_errors(form) + builder.error_list(form)
    return (
        render_template(
            "staff/paper/key.html",
            round_=round_,
            offer=offer,
            title=builder.questionnaire.title.get(current_language()),
            form=form,
            sections=builder.sections(form, answers),
            errors=errors,
            unit_required=_unit_required(offer),
        ),
        status,
    )


def _chosen_unit(form: PageForm, round_: Round, offer: RoundQuestionnaire) -> Unit | None:
    """The unit chosen on the form, with an error on the field when it is missing or not one
    of the choices."""
    chosen = str(form.unit.data or "")
    units = {str(unit.id): unit for unit in _units(round_)}
    if chosen in units:
        return units[chosen]
    if chosen:
        form.unit.errors = [*form.unit.errors, gettext("Choose a unit from the list.")]
    elif _unit_required(offer):
        form.unit.errors = [
            *form.unit.errors,
            gettext("Choose the unit the form is about, as printed on it."),
        ]
    return None


@bp.route("/rounds/<int:round_id>/paper/<questionnaire_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def paper_key(round_id: int, questionnaire_id: str) -> ResponseReturnValue:
    """Key one paper form; the same checks and skip logic as a web answer."""
    round_ = round_or_404(round_id)
    offer = _offer_or_404(round_, questionnaire_id)
    if not _keying_open(round_):
        flash(gettext("Paper forms are keyed once the round has opened."), "error")
        return redirect(url_for("staff.paper_round", round_id=round_.id))
    language = current_language()
    builder = PaperFormBuilder(questionnaire_of(offer.questionnaire_version), language)
    unit_required = _unit_required(offer)
    if request.method == "GET":
        form = builder.bind_paper(None, _units(round_), unit_required, language)
        form.unit.data = request.args.get("unit", "")
        return _key_page(round_, offer, builder, form, {})
    form = builder.bind_paper(request.form, _units(round_), unit_required, language)
    form.validate()
    answers = builder.answers(form)
    unit = _chosen_unit(form, round_, offer)
    valid = builder.check(form, answers)
    if form.csrf_token.errors or form.form_serial.errors or form.unit.errors or not valid:
        return _key_page(round_, offer, builder, form, answers, status=400)
    keyed = KeyedForm(offer, builder.questionnaire, form.form_serial.data, unit, answers)
    try:
        outcome = key_form(round_, keyed, current_account(), date.today())
    except PaperRefused as refused:
        form.form_serial.errors = [*form.form_serial.errors, str(refused)]
        return _key_page(round_, offer, builder, form, answers, status=409)
    serial = keyed.serial
    if outcome is Outcome.MISMATCH:
        flash(
            gettext(
                "The two entries of form %(serial)s differ: a third person must resolve the "
                "differences below.",
                serial=serial,
            ),
            "error",
        )
        return redirect(url_for("staff.paper_mismatch", round_id=round_.id, serial=serial))
    messages = {
        Outcome.STORED: gettext("Form %(serial)s is stored (paper).", serial=serial),
        Outcome.FIRST_ENTRY: gettext(
            "First entry of form %(serial)s saved. Someone else must now key the same form.",
            serial=serial,
        ),
        Outcome.AGREED: gettext(
            "The two entries of form %(serial)s agree: the form is stored (paper).", serial=serial
        ),
    }
    flash(messages[outcome], "success")
    return redirect(
        url_for(
            "staff.paper_key",
            round_id=round_.id,
            questionnaire_id=questionnaire_id,
            unit=unit.id if unit is not None else None,
        )
    )


@bp.post("/rounds/<int:round_id>/paper/<questionnaire_id>/visible")
@roles_required(*MANAGERS)
def paper_visible(round_id: int, questionnaire_id: str) -> ResponseReturnValue:
    """JSON: which items apply to the answers being keyed (the page script greys the rest)."""
    round_ = round_or_404(round_id)
    offer = _offer_or_404(round_, questionnaire_id)
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError as error:
        raise CSRFError(str(error)) from error
    language = current_language()
    builder = PaperFormBuilder(questionnaire_of(offer.questionnaire_version), language)
    form = builder.bind_paper(request.form, [], False, language)
    form.validate()
    return jsonify(visible=builder.visible_codes(builder.answers(form)))


def _shown(value: Any, key: str, mismatch: Mismatch, language: str) -> str:
    """An entry's value of a compared field, in words."""
    if value is None:
        nothing: str = gettext("(no answer)")
        return nothing
    if key == UNIT_KEY:
        unit = db.session.get(Unit, value)
        return f"{unit.name(language)} ({unit.code})" if unit is not None else str(value)
    questionnaire = questionnaire_of(mismatch.first.questionnaire_version)
    return answer_text(questionnaire, questionnaire.item(key), value, language)


def _question(key: str, mismatch: Mismatch, language: str) -> str:
    """The question of a compared field."""
    if key == UNIT_KEY:
        return str(lazy_gettext("Unit on the form"))
    questionnaire = questionnaire_of(mismatch.first.questionnaire_version)
    return f"{key}. {questionnaire.item(key).text.get(language)}"


@bp.route("/rounds/<int:round_id>/paper/forms/<serial>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def paper_mismatch(round_id: int, serial: str) -> ResponseReturnValue:
    """The mismatch report of a doubly keyed form, where a third person resolves it."""
    round_ = round_or_404(round_id)
    serial = normalise_serial(serial)
    mismatch = mismatch_of(round_.id, serial)
    if mismatch is None:
        if serial_stored(round_.id, serial):
            flash(gettext("Form %(serial)s is stored.", serial=serial), "success")
            return redirect(url_for("staff.paper_round", round_id=round_.id))
        abort(404)
    language = current_language()
    user = current_account()
    keyed_an_entry = user.id in (mismatch.first.keyed_by, mismatch.second.keyed_by)
    problem = None
    chosen: dict[str, int] = {}
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as error:
            raise CSRFError(str(error)) from error
        chosen = {
            difference.key: int(request.form[f"{CHOICE_PREFIX}{difference.key}"])
            for difference in mismatch.differences
            if request.form.get(f"{CHOICE_PREFIX}{difference.key}") in ("1", "2")
        }
        offer = db.session.scalars(
            select(RoundQuestionnaire).where(
                RoundQuestionnaire.round_id == round_.id,
                RoundQuestionnaire.questionnaire_version_id
                == mismatch.first.questionnaire_version_id,
            )
        ).one()
        try:
            resolve(
                mismatch,
                offer,
                questionnaire_of(offer.questionnaire_version),
                chosen,
                user,
                date.today(),
            )
        except PaperRefused as refused:
            db.session.rollback()
            problem = str(refused)
            mismatch = mismatch_of(round_.id, serial) or mismatch
        else:
            flash(
                gettext(
                    "The differences of form %(serial)s are resolved: the form is stored (paper).",
                    serial=serial,
                ),
                "success",
            )
            return redirect(url_for("staff.paper_round", round_id=round_.id))
    rows = [_row(difference, mismatch, language) for difference in mismatch.differences]
    return (
        render_template(
            "staff/paper/mismatch.html",
            round_=round_,
            mismatch=mismatch,
            rows=rows,
            chosen=chosen,
            problem=problem,
            keyed_an_entry=keyed_an_entry,
            prefix=CHOICE_PREFIX,
        ),
        400 if problem else 200,
    )


def _row(difference: Difference, mismatch: Mismatch, language: str) -> dict[str, str]:
    """A difference as the report shows it."""
    return {
        "key": difference.key,
        "question": _question(difference.key, mismatch, language),
        "first": _shown(difference.first, difference.key, mismatch, language),
        "second": _shown(difference.second, difference.key, mismatch, language),
    }


@bp.app_template_global()
def paper_panel(round_: Round) -> PaperSummary:
    """Where the round's paper forms stand, for its page's panel."""
    return paper_summary(round_.id)


add_menu_item(
    "staff.paper_home", lazy_gettext("Paper forms"), order=35, active_prefix="staff.paper"
)
add_round_panel("staff/paper/_round_panel.html", order=35, roles=MANAGERS)
