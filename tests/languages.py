"""Whether a page shown in one language still carries text of the other: an interface message
or questionnaire text that only the other language's pages show (the Vietnamese catalogue's
translations against its English messages, split at their placeholders; the bundled
questionnaires' texts in each language), less anything both sides show and fragments too short
to tell apart (:data:`SHORTEST`). Parts of a page marked with a ``lang`` of the other language
(the invitation sheet's English half, a technical message marked English) and the respondent's
own input do not count, nor do code and data set as such (``code``, ``pre``) or a text found
only inside a longer word or an item's code. A Vietnamese page is also searched for lines that
read as English (:func:`english_lines`), which catches a message missing from the catalogue.

A page is read in the browser (:func:`other_language_left`) or from its HTML
(:func:`html_text`, then :func:`other_language_in`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from babel.messages.pofile import read_po
from playwright.sync_api import Page

from questionnaires.loader import FORMS_DIRECTORY

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "survey_app" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
SHORTEST = 8
"""Fragments shorter than this many characters, or of a single word (which data such as a file
name or an item's code may hold in either language), are not told apart."""
PLACEHOLDER = re.compile(r"%\(\w+\)[sdg]|%[sdg]|%%|\n")


def _texts(node: Any, language: str) -> Iterator[str]:
    """Every text in ``language`` anywhere in a questionnaire definition."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == language and isinstance(value, str):
                yield value
            else:
                yield from _texts(value, language)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value, language)


def _fragments(messages: set[str]) -> set[str]:
    """The messages split at their placeholders, stripped."""
    return {part.strip() for message in messages for part in PLACEHOLDER.split(message)}


@cache
def _texts_by_language() -> dict[str, set[str]]:
    """The interface's and the questionnaires' texts in each language, as fragments."""
    with CATALOGUE.open("rb") as file:
        catalogue = read_po(file)
    texts: dict[str, set[str]] = {"vi": set(), "en": set()}
    for message in catalogue:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        texts["en"].update(ids)
        texts["vi"].update(strings)
    for path in FORMS_DIRECTORY.glob("*.yaml"):
        definition = yaml.safe_load(path.read_text(encoding="utf-8"))
        for language in texts:
            texts[language].update(_texts(definition, language))
    return {language: _fragments(found) for language, found in texts.items()}


@cache
def only_in(language: str) -> frozenset[str]:
    """Texts only pages in ``language`` show."""
    texts = _texts_by_language()
    other = next(code for code in texts if code != language)
    return frozenset(
        text
        for text in texts[language]
        if len(text) >= SHORTEST and " " in text and text not in texts[other]
    )


PAGE_TEXT = """(language) => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll("[lang]").forEach(node => {
    if (!node.lang.toLowerCase().startsWith(language)) node.remove();
  });
  body.querySelectorAll("input, textarea, code, pre, samp, kbd").forEach(node => node.remove());
  return body.innerText;
}"""
"""The page's text, less parts marked as another language, the respondent's own input, and code
and data (``code``, ``pre``, ``samp``, ``kbd``)."""


def other_language_left(page: Page) -> list[str]:
    """Texts of the other language found on ``page`` in the browser, shown in Vietnamese or
    English."""
    language = page.locator("html").get_attribute("lang")
    assert language in ("vi", "en"), language
    return other_language_in(page.evaluate(PAGE_TEXT, language), language)


def other_language_in(text: str, language: str) -> list[str]:
    """Texts only pages in the other language show, found in ``text`` of a page in
    ``language``; on a Vietnamese page, also every line that reads as English
    (:func:`english_lines`: a message the catalogue does not know, left untranslated)."""
    other = "en" if language == "vi" else "vi"
    found = [part for part in only_in(other) if part in text and _as_words(part, text)]
    if language == "vi":
        found.extend(english_lines(text))
    return sorted(set(found))


VIETNAMESE_LETTER = re.compile(
    "[ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]", re.IGNORECASE
)
ENGLISH_FUNCTION_WORDS = frozenset(
    "a an and as at by for from in is no not of on or the to with".split()
)
"""Words an English sentence can hardly do without and Vietnamese text does not use."""


def english_lines(text: str) -> list[str]:
    """Lines of ``text`` without a Vietnamese letter that hold two or more words of two letters
    or more, one of them an English function word (:data:`ENGLISH_FUNCTION_WORDS`): English
    prose, where names and codes (``sipas_citizens 2024.1``, a file name) hold none."""
    found = []
    for line in text.splitlines():
        if VIETNAMESE_LETTER.search(line):
            continue
        words = [word.lower() for word in re.findall(r"\b[A-Za-z]+\b", line)]
        long_words = [word for word in words if len(word) >= 2]
        if len(long_words) >= 2 and ENGLISH_FUNCTION_WORDS.intersection(words):
            found.append(line.strip())
    return found


def _as_words(fragment: str, text: str) -> bool:
    """Whether ``fragment`` stands in ``text`` on its own, not inside a longer word or code
    (``published`` in ``l3_published``)."""
    return re.search(rf"(?<!\w){re.escape(fragment)}(?!\w)", text) is not None


VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
"""Elements without an end tag."""
SKIPPED = frozenset("script style textarea template head title code pre samp kbd".split())
"""Elements whose text is not the page's reading text, or is code and data rather than prose."""


class _PageText(HTMLParser):
    """The text of an HTML page in ``language``, as :data:`PAGE_TEXT` reads it in the
    browser: elements marked with another ``lang``, scripts, styles and typed input left out."""

    def __init__(self, language: str) -> None:
        """Start outside every element."""
        super().__init__()
        self.language = language
        self.open: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open ``tag``; it hides its text if skipped or marked with another language."""
        if tag in VOID:
            return
        lang = dict(attrs).get("lang")
        hidden = tag in SKIPPED or (
            tag != "html" and lang is not None and not lang.lower().startswith(self.language)
        )
        self.open.append((tag, hidden))
        self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        """Close ``tag`` and any element left open inside it (an end tag HTML lets a page
        leave out, as ``</li>`` or ``</p>``)."""
        if any(name == tag for name, _hidden in self.open):
            while self.open.pop()[0] != tag:
                pass
        self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        """Keep text outside every hidden element."""
        if not any(hidden for _name, hidden in self.open):
            self.parts.append(data)


def html_text(html: str, language: str) -> str:
    """The reading text of an HTML page in ``language`` (:class:`_PageText`), white space
    collapsed within lines."""
    parser = _PageText(language)
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)
