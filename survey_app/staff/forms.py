"""The workspace's forms: a round's set-up (built per request, one questionnaire choice per
respondent group), a file upload, and an account."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional

from questionnaires.scheme import bundled_schemes
from survey_app.models import Access, Role, Unit
from survey_app.staff.round_setup import questionnaires_by_group


def _unit_id(value: Any) -> int | None:
    """A chosen unit's id; None for no unit (or anything that is not an id)."""
    text = str(value or "")
    return int(text) if text.isdigit() else None


class RoundFormBase(FlaskForm):  # type: ignore[misc]
    """The fixed fields of a round's set-up."""

    code = StringField(
        lazy_gettext("Round code"),
        description=lazy_gettext("Used in survey addresses, e.g. hue-2025."),
        validators=[DataRequired(lazy_gettext("Enter a code.")), Length(max=64)],
    )
    year = IntegerField(
        lazy_gettext("Year"),
        validators=[
            InputRequired(lazy_gettext("Enter the year.")),
            NumberRange(2000, 2100, lazy_gettext("Enter a year between 2000 and 2100.")),
        ],
    )
    title_vi = StringField(
        lazy_gettext("Title in Vietnamese"),
        validators=[DataRequired(lazy_gettext("Enter the title.")), Length(max=255)],
    )
    title_en = StringField(
        lazy_gettext("Title in English"),
        validators=[DataRequired(lazy_gettext("Enter the title.")), Length(max=255)],
    )
    opens_on = DateField(lazy_gettext("Opens on"), validators=[Optional()])
    closes_on = DateField(lazy_gettext("Closes on"), validators=[Optional()])
    scheme_id = SelectField(lazy_gettext("Index scheme"))
    """The empty choice (no index scheme) stays "", which the set-up reads as no scheme."""
    paper_double_entry = BooleanField(
        lazy_gettext("Key every paper questionnaire twice (double entry)")
    )
    units = SelectMultipleField(lazy_gettext("Units evaluated"), coerce=int)


OFFER_PREFIX = "offer_"
ACCESS_PREFIX = "access_"


def round_form(units: list[Unit], language: str, **kwargs: Any) -> RoundFormBase:
    """The set-up form with the current choices of schemes, units and questionnaires."""
    groups = questionnaires_by_group()

    class RoundForm(RoundFormBase):
        """The set-up form of this request."""

    for group, questionnaires in groups.items():
        setattr(
            RoundForm,
            f"{OFFER_PREFIX}{group}",
            SelectField(
                group,
                default="",
                choices=[SelectChoice("", lazy_gettext("Not surveyed"))]
                + [
                    SelectChoice(q.id, f"{q.title.get(language)} ({q.id} {q.version})")
                    for q in questionnaires
                ],
            ),
        )
        setattr(
            RoundForm,
            f"{ACCESS_PREFIX}{group}",
            SelectField(
                lazy_gettext("Reached by"),
                default=Access.PUBLIC.value,
                choices=[
                    SelectChoice(Access.PUBLIC.value, lazy_gettext("Public link")),
                    SelectChoice(Access.INVITATION.value, lazy_gettext("Invitation code")),
                ],
            ),
        )
    form = RoundForm(**kwargs)
    form.scheme_id.choices = [SelectChoice("", lazy_gettext("No index scheme"))] + [
        SelectChoice(
            scheme.id, f"{scheme.definition.edition.name.get(language)} ({scheme.version})"
        )
        for scheme in bundled_schemes().values()
    ]
    form.units.choices = [
        SelectChoice(str(unit.id), f"{unit.name(language)} ({unit.code})") for unit in units
    ]
    form.groups = list(groups)
    return form


class UploadForm(FlaskForm):  # type: ignore[misc]
    """One CSV or XLSX file."""

    file = FileField(
        lazy_gettext("File (CSV or XLSX)"),
        validators=[FileRequired(lazy_gettext("Choose a file to upload."))],
    )


class UserForm(FlaskForm):  # type: ignore[misc]
    """An account's name, role, unit and whether it may sign in."""

    display_name = StringField(
        lazy_gettext("Name"),
        validators=[DataRequired(lazy_gettext("Enter the person's name.")), Length(max=255)],
    )
    role = SelectField(lazy_gettext("Role"), choices=[SelectChoice(role.value) for role in Role])
    unit = SelectField(
        lazy_gettext("Unit (unit officers only)"), coerce=_unit_id, validate_choice=False
    )
    active = BooleanField(lazy_gettext("May sign in"), default=True)


class NewUserForm(UserForm):
    """A new account: its username and first password besides the rest."""

    username = StringField(
        lazy_gettext("Username"),
        validators=[DataRequired(lazy_gettext("Enter a username.")), Length(max=64)],
    )
    password = PasswordField(
        lazy_gettext("Password"),
        validators=[DataRequired(lazy_gettext("Enter a password."))],
    )
    confirm = PasswordField(
        lazy_gettext("Password again"),
        validators=[
            DataRequired(lazy_gettext("Type the password again.")),
            EqualTo("password", lazy_gettext("The two passwords differ.")),
        ],
    )


class SetPasswordForm(FlaskForm):  # type: ignore[misc]
    """A new password for someone else's account, typed twice."""

    password = PasswordField(
        lazy_gettext("New password"),
        validators=[DataRequired(lazy_gettext("Enter a password."))],
    )
    confirm = PasswordField(
        lazy_gettext("New password again"),
        validators=[
            DataRequired(lazy_gettext("Type the password again.")),
            EqualTo("password", lazy_gettext("The two passwords differ.")),
        ],
    )
