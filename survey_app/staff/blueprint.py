"""The ``staff`` blueprint (``/staff/…``): the workspace of staff, evaluators and unit officers.

Every view carries ``roles_required``; as a second line of defence the blueprint itself turns
away anyone not signed in before a view runs. Errors inside the workspace (403, 404, 400) are
shown in the workspace's layout; :func:`register_error_pages` gives another workspace
blueprint (``/evaluate/``) the same pages.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, NotFound

from survey_app.auth.login import login_manager

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.before_request
def require_sign_in() -> ResponseReturnValue | None:
    """Send anyone not signed in to the sign-in page, whatever the view."""
    if request.endpoint and not current_user.is_authenticated:
        response: ResponseReturnValue = login_manager.unauthorized()
        return response
    return None


def _error_page(error: HTTPException) -> ResponseReturnValue:
    """The workspace page for an HTTP error."""
    messages = {
        403: (gettext("No access"), gettext("Your role does not give access to this page.")),
        404: (
            gettext("Not found"),
            gettext("There is nothing at this address, or it is not yours to see."),
        ),
        400: (
            gettext("The request could not be read"),
            gettext("Go back, reload the page and try again."),
        ),
    }
    status = error.code or 500
    title, message = messages.get(
        status, (gettext("Something went wrong"), gettext("Try again later."))
    )
    return render_template("staff/error.html", title=title, message=message), status


def register_error_pages(blueprint: Blueprint) -> None:
    """Render 400, 403 and 404 raised in ``blueprint``'s views as workspace pages."""
    for error in (BadRequest, Forbidden, NotFound):
        blueprint.register_error_handler(error, _error_page)


register_error_pages(bp)
