"""A respondent in the browser: answering the questions on a page the way a person does,
and changing an answer twice while the server's answers come back in reverse.

Answers follow one fixed policy, so journeys in either language (or resumed halfway) store
the same response: the option named in ``CHOICES`` or else the first one, ``2`` for numbers,
2 May 2024 for dates and a commune name for text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator, Page, expect

from questionnaires.loader import bundled_questionnaires
from questionnaires.model import ItemType
from tests.e2e.browser_support import HeldRequests, posted_value

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
