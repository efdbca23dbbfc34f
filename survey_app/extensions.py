"""Extension objects shared by the app, bound to an app in ``create_app`` through ``init_app``."""

from __future__ import annotations

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate

migrate = Migrate()
"""Alembic migrations under ``migrations/`` (``flask db upgrade``)."""

limiter = Limiter(get_remote_address)
"""Rate limits on code, resume and submission posts; storage from ``RATELIMIT_STORAGE_URI``."""


CODE_ENTRY_SCOPE = "code-entry"
"""One budget for every way of trying a code: the invitation form and link, the resume form."""


def code_entry_limit() -> str:
    """The configured rate limit on typed or linked codes (``RATELIMIT_CODE_ENTRY``)."""
    return str(current_app.config["RATELIMIT_CODE_ENTRY"])


def submission_limit() -> str:
    """The configured rate limit on submissions (``RATELIMIT_SUBMISSION``)."""
    return str(current_app.config["RATELIMIT_SUBMISSION"])
