"""Flask-Login set-up: loading the signed-in account from the session, and what the anonymous
get instead of a staff page.

The session stores ``<user id>:<session version>``; an account that was deactivated or whose
version moved on (password changed, signed out elsewhere) loads as anonymous. Pages send the
anonymous to ``auth.login`` with the page as ``next``; ``/api/`` paths answer 401 in JSON.
"""

from __future__ import annotations

from flask import Flask, flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import LoginManager

from survey_app.models import User, db

login_manager = LoginManager()

API_PREFIX = "/api/"
"""Paths whose callers are scripts: they get a 401 status, not a redirect."""


def load_user(session_id: str) -> User | None:
    """The active account named by the session's ``<id>:<version>``, else None."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site (no scheme, host or ``//``), else None."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def unauthorized() -> ResponseReturnValue:
    """Ask the anonymous to sign in: a redirect for pages, 401 for the API."""
    if request.path.startswith(API_PREFIX):
        return jsonify(error="authentication required"), 401
    flash(gettext("Sign in to continue."), "info")
    return redirect(url_for("auth.login", next=safe_next(request.full_path.rstrip("?"))))


def init_app(app: Flask) -> None:
    """Attach Flask-Login; sessions are checked by ``survey_app.auth.sessions`` instead of
    Flask-Login's address-bound protection (ADR 0006)."""
    login_manager.init_app(app)
    login_manager.session_protection = None
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
