"""The ``auth`` blueprint: sign in, sign out, change one's own password (``/auth/…``)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

from survey_app.auth import signin
from survey_app.auth.accounts import AccountError, set_password
from survey_app.auth.forms import ActionForm, LoginForm, PasswordChangeForm
from survey_app.auth.login import safe_next
from survey_app.auth.passwords import verify_password
from survey_app.auth.roles import ALL_ROLES, roles_required
from survey_app.auth.scope import current_account
from survey_app.extensions import limiter
from survey_app.forms.entry import csrf_message
from survey_app.models import db

bp = Blueprint("auth", __name__, url_prefix="/auth")

HOME_ENDPOINT = "staff.home"
"""Where a signed-in user lands."""


def login_limit() -> str:
    """The configured rate limit on sign-in attempts per address (``RATELIMIT_LOGIN``)."""
    return str(current_app.config["RATELIMIT_LOGIN"])


def _failure_message() -> str:
    """The one message for every failed sign-in."""
    message: str = gettext("The username or password is not correct.")
    return message


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    """The sign-in page; success goes to ``next`` (a path on this site) or the workspace."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        if current_user.is_authenticated:
            return redirect(form.next.data or url_for(HOME_ENDPOINT))
    if form.validate_on_submit():
        user = signin.authenticate(form.username.data, form.password.data)
        if user is not None:
            signin.sign_in(user, date.today())
            return redirect(safe_next(form.next.data) or url_for(HOME_ENDPOINT))
        form.password.errors.append(_failure_message())
    elif form.csrf_token.errors:
        form.password.errors.append(csrf_message())
    return render_template("auth/login.html", form=form)


@bp.errorhandler(TooManyRequests)
def too_many_attempts(_error: TooManyRequests) -> ResponseReturnValue:
    """The sign-in page again, saying to wait."""
    form = LoginForm(formdata=None)
    form.password.errors = [
        gettext("Too many sign-in attempts from this address. Wait a few minutes and try again.")
    ]
    return render_template("auth/login.html", form=form), 429


@bp.post("/logout")
@roles_required(*ALL_ROLES)
def logout() -> ResponseReturnValue:
    """Sign out (a form post, so another site cannot sign a user out)."""
    if ActionForm().validate_on_submit():
        signin.sign_out()
        flash(gettext("You have signed out."), "success")
        return redirect(url_for("auth.login"))
    flash(csrf_message(), "error")
    return redirect(url_for(HOME_ENDPOINT))


@bp.route("/password", methods=["GET", "POST"])
@roles_required(*ALL_ROLES)
def password() -> ResponseReturnValue:
    """Change one's own password; the other sessions of the account end."""
    form = PasswordChangeForm()
    user = current_account()
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current.data):
            form.current.errors.append(gettext("The current password is not correct."))
        else:
            try:
                set_password(user, form.password.data)
            except AccountError as error:
                form.password.errors.append(error.message)
            else:
                db.session.commit()
                signin.sign_in(user, date.today())
                flash(gettext("Your password has been changed."), "success")
                return redirect(url_for(HOME_ENDPOINT))
    elif form.csrf_token.errors:
        form.current.errors.append(csrf_message())
    return render_template("auth/password.html", form=form)
