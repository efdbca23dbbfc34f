"""Error pages in the respondent's language: not found, gone, bad request, too many requests,
and the database briefly out of reach.

**Database unavailable (503).** A database that cannot answer for a moment — PostgreSQL
restarting or unreachable (the pool's pre-ping replaces dead connections once it is back),
SQLite locked by another writer past the busy timeout or out of disk space, every pooled
connection busy — raises SQLAlchemy's ``OperationalError``, ``InterfaceError`` or pool
``TimeoutError``. The request's transaction is rolled back and the respondent gets HTTP 503
with ``Retry-After`` (:data:`RETRY_AFTER_SECONDS`, ``RETRY_AFTER_SECONDS`` in the config)
and a page in both languages, without any detail of the error (logged in full for the
operator). A respondent whose page could not be saved has that page's answers kept in the
signed session cookie (``survey_app.drafts.keep_unsaved``) and is told so. Requests under
``/api/`` get the same status and header with a JSON body.
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, gettext
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, NotFound, TooManyRequests

from survey_app import drafts
from survey_app.i18n import LANGUAGES, current_language
from survey_app.models import db

RETRY_AFTER_SECONDS = 30
"""What ``Retry-After`` asks a client to wait when the database is unavailable (seconds)."""

DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
)
"""The errors of a database that cannot answer for now (not of a wrong statement)."""


def _page(title: str, message: str, status: int) -> tuple[str, int]:
    """Render the shared error template."""
    return render_template("errors/error.html", title=title, message=message), status


def not_found(_error: NotFound) -> tuple[str, int]:
    """404: the address names no page."""
    return _page(
        gettext("Page not found"),
        gettext("Check the address, or start again from the list of surveys."),
        404,
    )


def too_many_requests(_error: TooManyRequests) -> tuple[str, int]:
    """429: a rate limit was reached (code or resume entry, submission)."""
    return _page(
        gettext("Too many attempts"),
        gettext(
            "You have tried too many times in a short while. Wait a few minutes and try again."
        ),
        429,
    )


def other_http_error(error: HTTPException) -> tuple[str, int]:
    """Any other HTTP error, with its standard description."""
    status = error.code or 500
    return _page(
        gettext("Something went wrong"),
        gettext("The request could not be completed (error %(status)d).", status=status),
        status,
    )


def _unavailable_texts(kept: bool) -> list[dict[str, str]]:
    """The 503 page's title and paragraphs in every language, the respondent's first."""
    chosen = current_language()
    texts = []
    for language in sorted(LANGUAGES, key=lambda code: code != chosen):
        with force_locale(language):
            paragraphs = [
                gettext(
                    "The survey's database cannot be reached for a moment. Nothing is wrong "
                    "with your answers: wait a minute, then try again."
                )
            ]
            if kept:
                paragraphs.append(
                    gettext(
                        "The answers you gave on this page are kept in this browser. Go back "
                        "to the page and press Continue again."
                    )
                )
            texts.append(
                {
                    "language": language,
                    "title": gettext("The survey is briefly unavailable"),
                    "paragraphs": "\n".join(paragraphs),
                }
            )
    return texts


def database_unavailable(error: Exception) -> ResponseReturnValue:
    """503 with ``Retry-After``: the database could not answer; the transaction is rolled
    back and the error logged in full, the page shows none of it."""
    current_app.logger.error(
        "database unavailable during %s %s: %s",
        request.method,
        request.path,
        error,
        exc_info=error,
    )
    try:
        db.session.rollback()
    except SQLAlchemyError as failed:
        current_app.logger.warning("rollback after the database error failed too: %s", failed)
    retry_after = int(current_app.config["RETRY_AFTER_SECONDS"])
    headers = {"Retry-After": str(retry_after)}
    if request.path.startswith("/api/"):
        body = jsonify(error="database unavailable", retry_after=retry_after)
        return body, 503, headers
    texts = _unavailable_texts(drafts.has_unsaved())
    return render_template("errors/unavailable.html", texts=texts), 503, headers


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.config.setdefault("RETRY_AFTER_SECONDS", RETRY_AFTER_SECONDS)
    app.register_error_handler(NotFound, not_found)
    app.register_error_handler(TooManyRequests, too_many_requests)
    app.register_error_handler(HTTPException, other_http_error)
    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, database_unavailable)
