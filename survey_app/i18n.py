"""Interface language: Vietnamese by default, English by the switch shown on every page.

The choice is kept in the session; interface strings come from Flask-Babel catalogues under
``translations/`` and questionnaire text from the definition in the same language.

Templates translate with :func:`template_gettext` (their ``_`` and ``gettext``): Flask-Babel's
catalogue of the current locale, found once per locale and app, with Jinja's "newstyle"
semantics (the message is trusted markup, its ``%(name)s`` variables are escaped into it), but
without the two layers of context calls Jinja's own wrapper adds: a survey page translates a
dozen strings, and those layers made each cost several times the lookup.

Text that is stored and read later, perhaps by someone who chose the other language (the notes
of a published index), is kept in both: :func:`bilingual` translates a message under each
locale, :class:`Bilingual` holds the two, and templates show a stored one with the ``localized``
filter (:func:`localized`) in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from babel.support import NullTranslations
from flask import Flask, current_app, has_request_context, session
from flask_babel import Babel, LazyString, force_locale, get_locale, get_translations
from markupsafe import Markup

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


@dataclass(frozen=True)
class Bilingual:
    """One text in Vietnamese and in English."""

    vi: str
    en: str

    def to_json(self) -> dict[str, str]:
        """The text as stored in a JSON document: ``{"vi": …, "en": …}``."""
        return {"vi": self.vi, "en": self.en}


def bilingual(message: LazyString) -> Bilingual:
    """``message`` (a ``lazy_gettext`` call, its variables given) in Vietnamese and in
    English."""
    with force_locale("vi"):
        vietnamese = str(message)
    with force_locale("en"):
        english = str(message)
    return Bilingual(vietnamese, english)


def localized(stored: Mapping[str, str] | str) -> str:
    """A stored text in the current locale (the request's, or one forced): of a
    ``{"vi": …, "en": …}`` mapping, that language's text (the other's when it is missing); a
    plain string, stored before texts were kept in both languages, as it is."""
    if isinstance(stored, str):
        return stored
    language = str(get_locale())
    return stored.get(language) or next((text for text in stored.values() if text), "")


CATALOGUES = "survey_app.catalogues"
"""Key in ``app.extensions`` of the app's catalogues by locale."""


def template_gettext(message: str, **variables: Any) -> Markup:
    """``message`` in the current locale (the request's, or one forced by
    ``flask_babel.force_locale``), as markup with ``variables`` escaped into it; a message
    with a ``%`` is always formatted, so ``%%`` reads as ``%`` as in Jinja's newstyle
    gettext."""
    locale = get_locale()
    catalogues: dict[object, NullTranslations] = current_app.extensions[CATALOGUES]
    catalogue = catalogues.get(locale)
    if catalogue is None:
        catalogue = catalogues[locale] = get_translations()
    translated = Markup(catalogue.ugettext(message))
    return translated % variables if variables or "%" in translated else translated


def init_app(app: Flask) -> None:
    """Attach Flask-Babel, translate templates with :func:`template_gettext` and expose the
    language to templates."""
    babel.init_app(app, default_locale=LANGUAGES[0], locale_selector=current_language)
    app.extensions[CATALOGUES] = {}
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)
    app.jinja_env.filters["localized"] = localized

    @app.context_processor
    def language_context() -> dict[str, object]:
        """Template globals for the ``lang`` attribute and the language switch."""
        return {"language": current_language(), "language_names": LANGUAGE_NAMES}
