"""Templates' translations (``survey_app.i18n.template_gettext``): the same text as Flask-Babel's
gettext in every language, the locale forced by ``force_locale`` honoured, variables escaped
into trusted messages, ``%%`` read as ``%``."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask, render_template_string, session
from flask_babel import force_locale, gettext
from markupsafe import Markup

from survey_app.i18n import LANGUAGES, template_gettext

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "survey_app" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"


def _plain_messages() -> list[str]:
    """The catalogue's messages without variables or a per cent sign."""
    with CATALOGUE.open("rb") as po:
        catalogue = read_po(po)
    return [
        message.id
        for message in catalogue
        if isinstance(message.id, str) and message.id and "%" not in message.id
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_reads_as_flask_babel_gives_it(app: Flask, language: str) -> None:
    messages = _plain_messages()
    assert len(messages) > 100
    with app.test_request_context("/"):
        session["lang"] = language
        for message in messages:
            translated = template_gettext(message)
            assert isinstance(translated, Markup)
            assert str(translated) == gettext(message), message
        if language == "vi":
            assert template_gettext("Continue") == "Tiếp tục"


def test_a_template_uses_the_request_language_unless_a_locale_is_forced(app: Flask) -> None:
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert render_template_string('{{ _("Continue") }}') == "Continue"
        with force_locale("vi"):
            assert render_template_string('{{ _("Continue") }}') == "Tiếp tục"
        assert render_template_string('{{ gettext("Continue") }}') == "Continue"


def test_variables_are_escaped_into_the_message_and_per_cents_read_once(app: Flask) -> None:
    with app.test_request_context("/"):
        session["lang"] = "vi"
        page = render_template_string(
            '{{ _("Page %(number)d of %(total)d", number=3, total=8) }}'
            '|{{ _("Running: %(percent)d%%", percent=40) }}'
            '|{{ _("%(name)s", name="<script>alert(1)</script>") }}'
        )
    assert page == "Trang 3/8|Đang chạy: 40%|&lt;script&gt;alert(1)&lt;/script&gt;"
