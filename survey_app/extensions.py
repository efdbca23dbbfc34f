"""Extension objects shared by the app, bound to an app in ``create_app`` through ``init_app``."""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate

migrate = Migrate()
"""Alembic migrations under ``migrations/`` (``flask db upgrade``)."""


def key_prefix(app: Flask) -> str:
    """The prefix ``app``'s rate-limit counters are kept under (``RATELIMIT_KEY_PREFIX``; empty
    when unset): the one the limiter counts under and ``flask limits forget`` deletes."""
    return str(app.config.get("RATELIMIT_KEY_PREFIX") or "")


class AppPrefixedLimiter(Limiter):
    """A limiter that counts under the key prefix of the app it was last bound to.

    Flask-Limiter keeps the ``RATELIMIT_KEY_PREFIX`` of the first app bound to a limiter and
    ignores every later app's. One limiter serves every app made in a process, so a second app
    (the test suite makes many in each process) would count under the first app's keys, where
    neither its own isolation nor ``flask limits forget`` (which reads the app's setting)
    expects them.
    """

    def init_app(self, app: Flask) -> None:
        """Bind to ``app``, taking its key prefix (none when unset)."""
        self._key_prefix = key_prefix(app)
        super().init_app(app)


limiter = AppPrefixedLimiter(get_remote_address)
"""Rate limits on code, resume and submission posts; storage from ``RATELIMIT_STORAGE_URI``."""


CODE_ENTRY_SCOPE = "code-entry"
"""One budget for every way of trying a code: the invitation form and link, the resume form."""


def code_entry_limit() -> str:
    """The configured rate limit on typed or linked codes (``RATELIMIT_CODE_ENTRY``)."""
    return str(current_app.config["RATELIMIT_CODE_ENTRY"])


def submission_limit() -> str:
    """The configured rate limit on submissions (``RATELIMIT_SUBMISSION``)."""
    return str(current_app.config["RATELIMIT_SUBMISSION"])
