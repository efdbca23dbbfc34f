"""Where a respondent is and may go: the visible pages, progress, and what still blocks submit.

A page is shown when at least one of its items is visible for the answers so far (the loader's
``visible_items`` applies page and item relevance), so skipped pages drop out of the count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from questionnaires.loader import Questionnaire
from questionnaires.model import Page


@dataclass(frozen=True)
class Problem:
    """An answer that stops submission: the page and item to fix, and why."""

    page_id: str
    item_code: str
    message: str


def visible_codes(questionnaire: Questionnaire, answers: dict[str, Any]) -> set[str]:
    """Codes of the items visible for ``answers``."""
    return {item.code for item in questionnaire.visible_items(answers)}


def visible_pages(questionnaire: Questionnaire, answers: dict[str, Any]) -> list[Page]:
    """The pages with something to answer, in order."""
    visible = visible_codes(questionnaire, answers)
    return [
        page for page in questionnaire.pages if any(item.code in visible for item in page.items)
    ]


def page_by_id(questionnaire: Questionnaire, page_id: str) -> Page | None:
    """The page called ``page_id``, if the questionnaire has one."""
    return next((page for page in questionnaire.pages if page.id == page_id), None)


def _order(questionnaire: Questionnaire) -> dict[str, int]:
    """Each page id's position in the definition."""
    return {page.id: index for index, page in enumerate(questionnaire.pages)}


def next_page(questionnaire: Questionnaire, answers: dict[str, Any], page_id: str) -> Page | None:
    """The first visible page after ``page_id``; None when the review comes next."""
    order = _order(questionnaire)
    return next(
        (page for page in visible_pages(questionnaire, answers) if order[page.id] > order[page_id]),
        None,
    )


def previous_page(
    questionnaire: Questionnaire, answers: dict[str, Any], page_id: str
) -> Page | None:
    """The last visible page before ``page_id``; None on the first page."""
    order = _order(questionnaire)
    earlier = [
        page for page in visible_pages(questionnaire, answers) if order[page.id] < order[page_id]
    ]
    return earlier[-1] if earlier else None


def progress(
    questionnaire: Questionnaire, answers: dict[str, Any], page_id: str
) -> tuple[int, int]:
    """``(number, total)`` of ``page_id`` among the visible pages, for "Page 2 of 7"."""
    pages = visible_pages(questionnaire, answers)
    order = _order(questionnaire)
    number = sum(1 for page in pages if order[page.id] <= order[page_id])
    return max(number, 1), len(pages)


def problems(questionnaire: Questionnaire, answers: dict[str, Any], language: str) -> list[Problem]:
    """Every visible item that is required and unanswered or whose answer is refused."""
    found = questionnaire.answer_problems(answers)
    return [
        Problem(questionnaire.page_of(item).id, item.code, found[item.code].get(language))
        for item in questionnaire.items
        if item.code in found
    ]
