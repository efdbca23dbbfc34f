"""Rounds: create and edit a round's set-up, see its page, open, close and reopen it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from questionnaires.scheme import bundled_schemes
from survey_app.auth import (
    ALL_ROLES,
    MANAGERS,
    ActionForm,
    current_account,
    roles_required,
    round_or_404,
    scope_to_unit,
)
from survey_app.catalogue import questionnaire_of
from survey_app.i18n import current_language
from survey_app.models import (
    Access,
    AuditEvent,
    Round,
    RoundQuestionnaire,
    RoundUnit,
    Unit,
    db,
)
from survey_app.staff.blueprint import bp
from survey_app.staff.forms import ACCESS_PREFIX, OFFER_PREFIX, RoundFormBase, round_form
from survey_app.staff.frame_import import frame_summary
from survey_app.staff.menu import round_panels_for
from survey_app.staff.round_setup import (
    TRANSITIONS,
    Offer,
    RoundSettings,
    RoundSetupError,
    RoundStatusError,
    change_status,
    create_round,
    is_structure_locked,
    update_round,
)

RECENT_EVENTS = 20
"""Audit events shown on a round's page."""

DETAIL_FIELDS = frozenset({"title_vi", "title_en", "opens_on", "closes_on", "paper_double_entry"})
"""The set-up fields that still change once a round has opened (the others are disabled)."""


def _all_units() -> list[Unit]:
    """Every unit, by kind then code (the choices of a round's units)."""
    return list(db.session.scalars(select(Unit).order_by(Unit.kind, Unit.code)))


def _settings(form: RoundFormBase) -> RoundSettings:
    """The settings a submitted set-up form gives."""
    offers = {}
    for group in form.groups:
        questionnaire_id = form[f"{OFFER_PREFIX}{group}"].data
        if questionnaire_id:
            offers[group] = Offer(questionnaire_id, Access(form[f"{ACCESS_PREFIX}{group}"].data))
    return RoundSettings(
        code=form.code.data.strip(),
        year=form.year.data,
        title_vi=form.title_vi.data,
        title_en=form.title_en.data,
        opens_on=form.opens_on.data,
        closes_on=form.closes_on.data,
        scheme_id=form.scheme_id.data,
        paper_double_entry=form.paper_double_entry.data,
        unit_ids=list(form.units.data or []),
        offers=offers,
    )


def _show_problems(form: RoundFormBase, error: RoundSetupError) -> None:
    """Attach each set-up problem to its field."""
    for field, message in error.problems:
        form[field].errors = [*form[field].errors, message]


@bp.route("/rounds/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def round_new() -> ResponseReturnValue:
    """Set up a new round (it starts in preparation)."""
    form = round_form(_all_units(), current_language(), data={"year": date.today().year})
    if form.validate_on_submit():
        try:
            round_ = create_round(_settings(form))
        except RoundSetupError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(gettext("The round has been created."), "success")
            return redirect(url_for("staff.round_view", round_id=round_.id))
    return render_template("staff/rounds/form.html", form=form, round_=None, locked=False)


def _as_form_values(value: object) -> list[str]:
    """A stored set-up value as the form would post it."""
    if isinstance(value, list):
        return [str(item) for item in value]
    if value is None or value is False:
        return []
    if value is True:
        return ["y"]
    return [str(value)]


def _form_data(round_: Round) -> dict[str, object]:
    """The set-up form's values for an existing round."""
    data: dict[str, object] = {
        "code": round_.code,
        "year": round_.year,
        "title_vi": round_.title_vi,
        "title_en": round_.title_en,
        "opens_on": round_.opens_on,
        "closes_on": round_.closes_on,
        "scheme_id": round_.scheme_id or "",
        "paper_double_entry": round_.paper_double_entry,
        "units": [unit.id for unit in round_.units],
    }
    for offer in db.session.scalars(
        select(RoundQuestionnaire).where(RoundQuestionnaire.round_id == round_.id)
    ):
        data[f"{OFFER_PREFIX}{offer.respondent_group}"] = (
            offer.questionnaire_version.questionnaire_id
        )
        data[f"{ACCESS_PREFIX}{offer.respondent_group}"] = offer.access
    return data


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def round_edit(round_id: int) -> ResponseReturnValue:
    """Change a round's set-up; once opened only titles, dates and double entry change."""
    round_ = round_or_404(round_id)
    locked = is_structure_locked(round_)
    stored = _form_data(round_)
    formdata = None
    if request.method == "POST":
        formdata = request.form.copy()
        if locked:
            for name, value in stored.items():
                if name not in DETAIL_FIELDS:
                    formdata.setlist(name, _as_form_values(value))
    form = round_form(_all_units(), current_language(), formdata=formdata, data=stored)
    if form.validate_on_submit():
        try:
            update_round(round_, _settings(form))
        except RoundSetupError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(gettext("The round has been saved."), "success")
            return redirect(url_for("staff.round_view", round_id=round_.id))
    return render_template("staff/rounds/form.html", form=form, round_=round_, locked=locked)


@dataclass(frozen=True)
class OfferView:
    """A questionnaire of the round as its page lists it."""

    group: str
    title: str
    questionnaire_id: str
    version: str
    access: str


def _offers(round_: Round) -> list[OfferView]:
    """The round's questionnaires, by respondent group."""
    offers = db.session.scalars(
        select(RoundQuestionnaire)
        .options(joinedload(RoundQuestionnaire.questionnaire_version))
        .where(RoundQuestionnaire.round_id == round_.id)
        .order_by(RoundQuestionnaire.respondent_group)
    )
    language = current_language()
    return [
        OfferView(
            offer.respondent_group,
            questionnaire_of(offer.questionnaire_version).title.get(language),
            offer.questionnaire_version.questionnaire_id,
            offer.questionnaire_version.version,
            offer.access,
        )
        for offer in offers
    ]


def _scheme_notice(round_: Round) -> str | None:
    """A warning when the round's scheme file changed or disappeared since set-up."""
    if round_.scheme_id is None:
        return None
    scheme = bundled_schemes().get(round_.scheme_id)
    if scheme is None:
        message: str = gettext("The scheme file of this round is no longer installed.")
        return message
    if scheme.content_hash != round_.scheme_hash:
        message = gettext(
            "The scheme file has changed since the round was set up (now version %(version)s).",
            version=scheme.version,
        )
        return message
    return None


@bp.get("/rounds/<int:round_id>")
@roles_required(*ALL_ROLES)
def round_view(round_id: int) -> ResponseReturnValue:
    """A round's status, set-up, frame, recent changes and the features' panels."""
    round_ = round_or_404(round_id)
    units = db.session.scalars(
        scope_to_unit(
            select(Unit)
            .join(RoundUnit, RoundUnit.unit_id == Unit.id)
            .where(RoundUnit.round_id == round_.id)
            .order_by(Unit.code),
            Unit.id,
        )
    ).all()
    user = current_account()
    manager = user.role in MANAGERS
    events = (
        db.session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.user))
            .where(AuditEvent.round_id == round_.id)
            .order_by(AuditEvent.id.desc())
            .limit(RECENT_EVENTS)
        ).all()
        if manager
        else []
    )
    return render_template(
        "staff/rounds/view.html",
        round_=round_,
        units=units,
        offers=_offers(round_),
        frame=frame_summary(round_) if manager else None,
        scheme=bundled_schemes().get(round_.scheme_id or ""),
        scheme_notice=_scheme_notice(round_),
        events=events,
        manager=manager,
        actions=[action for action, (source, _) in TRANSITIONS.items() if source == round_.status],
        action_form=ActionForm(),
        panels=round_panels_for(user),
    )


@bp.post("/rounds/<int:round_id>/status/<action>")
@roles_required(*MANAGERS)
def round_status(round_id: int, action: str) -> ResponseReturnValue:
    """Open, close or reopen a round."""
    round_ = round_or_404(round_id)
    if action not in TRANSITIONS:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        change_status(round_, action, date.today())
    except RoundStatusError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        messages = {
            "open": gettext("The round is open."),
            "close": gettext("The round is closed."),
            "reopen": gettext("The round is open again."),
        }
        flash(messages[action], "success")
    return redirect(url_for("staff.round_view", round_id=round_.id))
