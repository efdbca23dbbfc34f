"""The invitation forms: issuing batches, replacing a code read from its paper, confirming a
batch's revocation."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

MAX_CODES_PER_ISSUE = 500
"""Codes issued in one go (units × codes per unit): one page of sheets stays printable."""


def _unit_id(value: object) -> int:
    """A chosen unit's id; -1 (no unit) for anything that is not an id."""
    text = str(value)
    return int(text) if text.isdigit() else -1


class IssueForm(FlaskForm):  # type: ignore[misc]
    """New batches: one per chosen unit, for one respondent group (the choices are checked
    against the round by the view)."""

    units = SelectMultipleField(
        lazy_gettext("Units"),
        coerce=_unit_id,
        validate_choice=False,
        validators=[DataRequired(lazy_gettext("Choose at least one unit."))],
    )
    respondent_group = SelectField(
        lazy_gettext("Respondent group"),
        validate_choice=False,
        validators=[DataRequired(lazy_gettext("Choose the respondent group."))],
    )
    size = IntegerField(
        lazy_gettext("Codes per unit"),
        description=lazy_gettext(
            "At most %(max)d codes at once, all units together.", max=MAX_CODES_PER_ISSUE
        ),
        validators=[
            InputRequired(lazy_gettext("Enter how many codes each unit needs.")),
            NumberRange(
                1,
                MAX_CODES_PER_ISSUE,
                lazy_gettext("Enter a number of codes from 1 to %(max)d.", max=MAX_CODES_PER_ISSUE),
            ),
        ],
    )
    label = StringField(
        lazy_gettext("Label (optional)"),
        description=lazy_gettext("For example the mailing it goes out with; the date by default."),
        validators=[Length(max=100)],
    )
    request_id = HiddenField()


class ReplaceCodeForm(FlaskForm):  # type: ignore[misc]
    """A code read out from its paper, to revoke and replace."""

    code = StringField(
        lazy_gettext("Code on the paper"),
        validators=[
            DataRequired(lazy_gettext("Type the code printed on the invitation.")),
            Length(max=64),
        ],
    )


class RevokeForm(FlaskForm):  # type: ignore[misc]
    """Revoking a batch, confirmed by a tick."""

    confirm = BooleanField(
        lazy_gettext("I understand that every unused code of this batch stops working."),
        validators=[DataRequired(lazy_gettext("Tick the box to confirm the revocation."))],
    )
