"""The fixed forms: starting a survey, entering an invitation or resume code, submitting."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length


class StartForm(FlaskForm):  # type: ignore[misc]
    """The button that opens a new draft for a public survey."""


class CodeForm(FlaskForm):  # type: ignore[misc]
    """An invitation code typed by an official."""

    code = StringField(
        lazy_gettext("Invitation code"),
        validators=[
            DataRequired(lazy_gettext("Enter the code from your invitation letter.")),
            Length(max=64),
        ],
    )


class ResumeForm(FlaskForm):  # type: ignore[misc]
    """A resume code typed to continue a saved questionnaire."""

    code = StringField(
        lazy_gettext("Resume code"),
        validators=[
            DataRequired(lazy_gettext("Enter the resume code you were given.")),
            Length(max=64),
        ],
    )


class SubmitForm(FlaskForm):  # type: ignore[misc]
    """The final submission, carrying the draft's one-time submission key."""

    submission_key = HiddenField()


def csrf_message() -> str:
    """What to say when a form's security token was missing or stale."""
    message: str = gettext(
        "Your session had expired, so the form could not be accepted. Your answers are still "
        "on the page: check them and send again."
    )
    return message
