"""Staff sign-in, roles and unit scope (ADR 0006). Respondents never have accounts.

Public helpers for the workspace blueprints:

* :func:`roles_required` (``survey_app.auth.roles``) on every staff view, with the role sets
  ``ALL_ROLES``, ``MANAGERS`` (admin, staff) and ``READERS`` (admin, staff, evaluator);
* :func:`current_account`, :func:`unit_or_404`, :func:`round_or_404`, :func:`scope_to_unit`
  and :func:`scope_rounds` (``survey_app.auth.scope``) to keep unit officers to their unit;
* :class:`ActionForm` for buttons that change data (CSRF only).
"""

from __future__ import annotations

from flask import Flask

from survey_app.auth.forms import ActionForm as ActionForm
from survey_app.auth.roles import ALL_ROLES as ALL_ROLES
from survey_app.auth.roles import MANAGERS as MANAGERS
from survey_app.auth.roles import READERS as READERS
from survey_app.auth.roles import allowed_roles as allowed_roles
from survey_app.auth.roles import roles_required as roles_required
from survey_app.auth.scope import current_account as current_account
from survey_app.auth.scope import round_or_404 as round_or_404
from survey_app.auth.scope import scope_rounds as scope_rounds
from survey_app.auth.scope import scope_to_unit as scope_to_unit
from survey_app.auth.scope import unit_or_404 as unit_or_404
from survey_app.auth.scope import unit_visible as unit_visible

DEFAULT_LOGIN_LIMIT = "10 per minute;50 per hour"
"""Sign-in attempts allowed per client address (``RATELIMIT_LOGIN``)."""


def init_app(app: Flask) -> None:
    """Flask-Login, the session expiry checks and the ``auth`` blueprint."""
    from survey_app.auth import login, routes, sessions

    app.config.setdefault("RATELIMIT_LOGIN", DEFAULT_LOGIN_LIMIT)
    login.init_app(app)
    sessions.init_app(app)
    app.register_blueprint(routes.bp)
