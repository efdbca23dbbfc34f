"""The sign-in and change-password forms, and the field-less form behind action buttons."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from survey_app.auth.passwords import PASSWORD_MAX_LENGTH


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A button that changes something (sign out, open a round): only the CSRF token."""


class LoginForm(FlaskForm):  # type: ignore[misc]
    """Username and password, and the page to go back to."""

    username = StringField(
        lazy_gettext("Username"),
        validators=[DataRequired(lazy_gettext("Enter your username.")), Length(max=64)],
    )
    password = PasswordField(
        lazy_gettext("Password"),
        validators=[
            DataRequired(lazy_gettext("Enter your password.")),
            Length(max=PASSWORD_MAX_LENGTH),
        ],
    )
    next = HiddenField()


class PasswordChangeForm(FlaskForm):  # type: ignore[misc]
    """The current password and a new one, typed twice."""

    current = PasswordField(
        lazy_gettext("Current password"),
        validators=[DataRequired(lazy_gettext("Enter your current password."))],
    )
    password = PasswordField(
        lazy_gettext("New password"),
        validators=[DataRequired(lazy_gettext("Enter a new password."))],
    )
    confirm = PasswordField(
        lazy_gettext("New password again"),
        validators=[
            DataRequired(lazy_gettext("Type the new password again.")),
            EqualTo("password", lazy_gettext("The two new passwords differ.")),
        ],
    )
