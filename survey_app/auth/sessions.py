"""Staff sessions that end: an absolute lifetime from sign-in and an idle timeout.

The signed session cookie carries the sign-in time and the time of the last request. Before
every request of a signed-in user both are checked against ``STAFF_SESSION_LIFETIME`` (default
12 hours) and ``STAFF_IDLE_TIMEOUT`` (default 30 minutes); either may be given as a number of
seconds (``FLASK_STAFF_IDLE_TIMEOUT=900``) or a ``timedelta``. An expired session is signed out
and the user is told why on the sign-in page.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask, current_app, flash, session
from flask_babel import gettext
from flask_login import current_user, logout_user

SIGNED_IN_AT = "staff_signed_in_at"
"""Session key: when the user signed in (Unix seconds)."""

SEEN_AT = "staff_seen_at"
"""Session key: the time of the user's last request (Unix seconds)."""

USER_ID_KEY = "_user_id"
"""Flask-Login's session key for the signed-in user (it signs nobody in any other way: no
remember-me cookie, no request loader)."""

DEFAULT_LIFETIME = timedelta(hours=12)
DEFAULT_IDLE_TIMEOUT = timedelta(minutes=30)


def _seconds(setting: str) -> float:
    """A duration setting in seconds, whether configured as a number or a ``timedelta``."""
    value = current_app.config[setting]
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def start(now: float | None = None) -> None:
    """Stamp a new staff session (called right after signing in)."""
    stamp = time.time() if now is None else now
    session[SIGNED_IN_AT] = stamp
    session[SEEN_AT] = stamp


def forget() -> None:
    """Remove the session stamps (called when signing out)."""
    session.pop(SIGNED_IN_AT, None)
    session.pop(SEEN_AT, None)


def is_expired(now: float) -> bool:
    """Whether this session passed its lifetime or its idle timeout (or was never stamped)."""
    signed_in = session.get(SIGNED_IN_AT)
    seen = session.get(SEEN_AT)
    if not isinstance(signed_in, int | float) or not isinstance(seen, int | float):
        return True
    return now - signed_in > _seconds("STAFF_SESSION_LIFETIME") or now - seen > _seconds(
        "STAFF_IDLE_TIMEOUT"
    )


def check_session() -> None:
    """Sign out an expired staff session; otherwise note this request as activity. A session
    that names no user (every respondent's) is left alone without loading a user."""
    if USER_ID_KEY not in session or not current_user.is_authenticated:
        return
    now = time.time()
    if is_expired(now):
        logout_user()
        forget()
        flash(gettext("Your session has ended. Sign in again to continue."), "info")
        return
    session[SEEN_AT] = now


def init_app(app: Flask) -> None:
    """Default the two durations and check every request."""
    app.config.setdefault("STAFF_SESSION_LIFETIME", DEFAULT_LIFETIME)
    app.config.setdefault("STAFF_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT)
    app.before_request(check_session)
