"""Role checks on views: ``roles_required(Role.ADMIN, Role.STAFF)`` and what a view allows.

An anonymous visitor is sent to the sign-in page (``/api/`` callers get 401); a signed-in user
whose role is not listed gets 403. The allowed roles are kept on the view function
(:func:`allowed_roles`), so the navigation only shows links a user may follow and the tests can
compare every staff endpoint with their table of roles.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask.typing import ResponseReturnValue
from flask_login import current_user

from survey_app.auth.login import login_manager
from survey_app.models import Role

View = TypeVar("View", bound=Callable[..., ResponseReturnValue])

ALL_ROLES: frozenset[Role] = frozenset(Role)
"""Every role: any signed-in staff account."""

MANAGERS: frozenset[Role] = frozenset({Role.ADMIN, Role.STAFF})
"""Those who set up and run survey rounds."""

READERS: frozenset[Role] = frozenset({Role.ADMIN, Role.STAFF, Role.EVALUATOR})
"""Those who see every unit's data (everyone but unit officers)."""

ALLOWED_ROLES_ATTRIBUTE = "allowed_roles"


def roles_required(*roles: Role) -> Callable[[View], View]:
    """Let only signed-in users with one of ``roles`` reach the decorated view."""
    if not roles:
        raise ValueError("roles_required needs at least one role")
    allowed = frozenset(roles)

    def decorate(view: View) -> View:
        """Wrap ``view`` with the sign-in and role checks."""

        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            """Redirect the anonymous, refuse other roles, else run the view."""
            if not current_user.is_authenticated:
                response: ResponseReturnValue = login_manager.unauthorized()
                return response
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        setattr(guarded, ALLOWED_ROLES_ATTRIBUTE, allowed)
        return guarded  # type: ignore[return-value]

    return decorate


def allowed_roles(view: Callable[..., Any]) -> frozenset[Role] | None:
    """The roles ``view`` was decorated with, or None when it has no role check."""
    roles: frozenset[Role] | None = getattr(view, ALLOWED_ROLES_ATTRIBUTE, None)
    return roles
