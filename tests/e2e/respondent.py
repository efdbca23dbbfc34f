"""A respondent in the browser: answering the questions on a page the way a person does,
changing an answer twice while the server's answers come back in reverse, and telling whether
a page is all in English.

Answers follow one fixed policy, so journeys in either language (or resumed halfway) store
the same response: the option named in ``CHOICES`` or else the first one, ``2`` for numbers,
2 May 2024 for dates and a commune name for text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel.messages.pofile import read_po
from playwright.sync_api import Locator, Page, expect

from questionnaires.loader import FORMS_DIRECTORY, bundled_questionnaires
from questionnaires.model import ItemType
from tests.e2e.browser_support import HeldRequests, posted_value

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "survey_app" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
CHOICES = {"s_channel": "in_person", "s_result": "on_time"}
"""Answers that walk through the citizens' skip logic: in person (asks visits), result received
(asks its date)."""
NUMBER = "2"
DATE = "2024-05-02"
TEXT = "Phường Phú Hội"
"""Free text is a Vietnamese place name in either language (it is the respondent's answer)."""


def answer(page: Page, question: Locator) -> None:
    """Answer one visible question, waiting for the skip-logic check when the page has one:
    its response, then the form no longer ``aria-busy`` (the questions shown or hidden)."""
    code = question.get_attribute("data-item")
    assert code is not None
    if question.locator("input[type=radio], input[type=checkbox]").count():
        wanted = CHOICES.get(code)
        option = (
            question.locator(f"input[value='{wanted}']")
            if wanted
            else question.locator("input").first
        )
        action = option.check
    elif question.locator("input.input-number").count():
        field = question.locator("input.input-number")
        action = lambda: field.fill(NUMBER)  # noqa: E731
    elif question.locator("input[type=date]").count():
        field = question.locator("input[type=date]")
        action = lambda: field.fill(DATE)  # noqa: E731
    else:
        field = question.locator("input, textarea").first
        action = lambda: field.fill(TEXT)  # noqa: E731
    if page.locator("[data-conditional]").count():
        with page.expect_response(lambda response: "/visible" in response.url):
            action()
            page.keyboard.press("Tab")
        page.wait_for_function("() => !document.querySelector('form[aria-busy]')")
    else:
        action()


def fill_page(page: Page) -> None:
    """Answer every visible question of the page, including those revealed on the way."""
    answered: set[str] = set()
    while True:
        pending = [
            question
            for question in page.locator(".question[data-item]:visible").all()
            if question.get_attribute("data-item") not in answered
        ]
        if not pending:
            return
        answered.add(pending[0].get_attribute("data-item") or "")
        answer(page, pending[0])


def expected_answers(questionnaire_id: str) -> dict[str, Any]:
    """The answers ``fill_page`` stores, worked out from the definition: each item shown given
    the answers before it, answered by the policy."""
    questionnaire = bundled_questionnaires()[questionnaire_id]
    answers: dict[str, Any] = {}
    for item in questionnaire.items:
        if not questionnaire.is_relevant(item, answers):
            continue
        if item.type is ItemType.MULTIPLE_CHOICE:
            answers[item.code] = [questionnaire.choices(item)[0].code]
        elif item.type in (ItemType.SINGLE_CHOICE, ItemType.RATING):
            answers[item.code] = CHOICES.get(item.code, questionnaire.choices(item)[0].code)
        elif item.type is ItemType.NUMBER:
            answers[item.code] = int(NUMBER)
        elif item.type is ItemType.DATE:
            answers[item.code] = DATE
        else:
            answers[item.code] = TEXT
    return answers


def page_id(page: Page) -> str:
    """The questionnaire page id in the address of ``page``."""
    return page.url.split("#")[0].rsplit("/p/", 1)[1]


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


@cache
def vietnamese_only_texts() -> frozenset[str]:
    """Texts only the Vietnamese interface shows: the catalogue's translations (split at their
    placeholders) and every Vietnamese text of the bundled questionnaires, less anything the
    English side shows too and fragments too short to tell apart."""
    with CATALOGUE.open("rb") as file:
        catalogue = read_po(file)
    vietnamese: set[str] = set()
    english: set[str] = set()
    for message in catalogue:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        english.update(ids)
        for string in strings:
            vietnamese.update(re.split(r"%\(\w+\)[sd]|%[sd]|\n", string))
    for path in FORMS_DIRECTORY.glob("*.yaml"):
        definition = yaml.safe_load(path.read_text(encoding="utf-8"))
        vietnamese.update(_texts(definition, "vi"))
        english.update(_texts(definition, "en"))
    return frozenset(
        text.strip()
        for text in vietnamese
        if len(text.strip()) >= 8 and text.strip() not in english
    )


ENGLISH_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll("[lang]:not([lang|=en])").forEach(node => node.remove());
  body.querySelectorAll("input, textarea").forEach(node => node.remove());
  return body.innerText;
}"""
"""The page's text, less parts marked as another language and the respondent's own input."""


def vietnamese_left(page: Page) -> list[str]:
    """Vietnamese interface or questionnaire texts found on a page shown in English."""
    assert page.locator("html").get_attribute("lang") == "en"
    text = page.evaluate(ENGLISH_TEXT)
    return sorted(found for found in vietnamese_only_texts() if found in text)


def change_procedure_answered_in_reverse(
    page: Page, form: Locator, after_latest: Callable[[], None]
) -> None:
    """Choose "birth registration", then "another procedure", before the server has answered
    the page's question about which questions to show after either; let the answer about the
    latest change through first (``after_latest`` checks the page then), then the one about the
    first, and wait until ``form`` is no longer busy with them."""
    held = HeldRequests(page, "**/visible")
    page.locator("input[name='q_s_procedure'][value='birth']").check()
    page.locator("input[name='q_s_procedure'][value='other']").check()
    first, latest = held.wait_for(2)
    assert [posted_value(route, "q_s_procedure") for route in (first, latest)] == [
        "birth",
        "other",
    ]
    latest.continue_()
    after_latest()
    first.continue_()
    expect(form).not_to_have_attribute("aria-busy", "true")
