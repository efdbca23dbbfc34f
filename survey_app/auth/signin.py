"""Signing in and out: checking a password, starting and ending a staff session.

Every failure looks the same to the person signing in (unknown username, wrong password,
inactive account) and takes as long. A successful sign-in starts a fresh session (only the
language choice is kept), stamps it for the expiry checks, records the day of the last
sign-in, upgrades an old password hash, and is audited; so is a wrong password for a known
account. Signing out ends every session of the account (ADR 0006).
"""

from __future__ import annotations

from datetime import date

from flask import session
from flask_login import login_user, logout_user

from survey_app.audit import record_audit
from survey_app.auth import sessions
from survey_app.auth.accounts import find_user
from survey_app.auth.passwords import (
    hash_password,
    needs_rehash,
    spend_verification_time,
    verify_password,
)
from survey_app.auth.scope import current_account
from survey_app.models import User, db

KEPT_SESSION_KEYS = ("lang",)
"""Session entries that survive signing in (the interface language)."""


def authenticate(username: str, password: str) -> User | None:
    """The active account ``username`` whose password is ``password``, else None."""
    user = find_user(username)
    if user is None:
        spend_verification_time(password)
        return None
    if not verify_password(user.password_hash, password):
        record_audit("auth.sign_in_failed", user, actor=None)
        db.session.commit()
        return None
    if not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def sign_in(user: User, today: date) -> None:
    """Start a fresh session for ``user`` and record the sign-in."""
    kept = {key: session[key] for key in KEPT_SESSION_KEYS if key in session}
    session.clear()
    session.update(kept)
    login_user(user)
    sessions.start()
    user.last_login_on = today
    record_audit("auth.sign_in", user, actor=user)
    db.session.commit()


def sign_out() -> None:
    """End every session of the signed-in account and this one."""
    user = current_account()
    user.end_sessions()
    record_audit("auth.sign_out", user, actor=user)
    db.session.commit()
    logout_user()
    sessions.forget()
