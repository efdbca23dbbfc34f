"""Interface language: Vietnamese by default, English by the switch shown on every page.

The choice is kept in the session; interface strings come from Flask-Babel catalogues under
``translations/`` and questionnaire text from the definition in the same language.
"""

from __future__ import annotations

from flask import Flask, has_request_context, session
from flask_babel import Babel

LANGUAGES: tuple[str, ...] = ("vi", "en")
"""Supported languages, the default first."""

LANGUAGE_NAMES: dict[str, str] = {"vi": "Tiếng Việt", "en": "English"}
"""Each language named in itself, as the switch shows it."""

babel = Babel()


def current_language() -> str:
    """The language chosen for this session, Vietnamese unless English was picked (and
    outside a request: a command, a background job not told otherwise)."""
    if not has_request_context():
        return LANGUAGES[0]
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else LANGUAGES[0]


def init_app(app: Flask) -> None:
    """Attach Flask-Babel and expose the language to templates."""
    babel.init_app(app, default_locale=LANGUAGES[0], locale_selector=current_language)

    @app.context_processor
    def language_context() -> dict[str, object]:
        """Template globals for the ``lang`` attribute and the language switch."""
        return {"language": current_language(), "language_names": LANGUAGE_NAMES}
