"""The review page's rows: every visible answer in words, with the page to change it on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from questionnaires.loader import Questionnaire
from questionnaires.model import CHOICE_TYPES, Item, ItemType, Page
from survey_app.forms.values import format_number
from survey_app.navigation import visible_codes, visible_pages


@dataclass(frozen=True)
class ReviewRow:
    """One question and its answer as shown on the review page (its section names the page to
    change it on)."""

    item_code: str
    question: str
    answer: str | None


@dataclass(frozen=True)
class ReviewSection:
    """A page's title and its rows."""

    page_id: str
    title: str
    rows: list[ReviewRow]


def answer_text(questionnaire: Questionnaire, item: Item, value: Any, language: str) -> str:
    """A stored answer in words: choice labels, a number with its unit, a dd/mm/yyyy date."""
    if item.type in CHOICE_TYPES:
        labels = {choice.code: choice.label.get(language) for choice in questionnaire.choices(item)}
        chosen = value if isinstance(value, list) else [value]
        return "\n".join(labels.get(code, str(code)) for code in chosen)
    if item.type is ItemType.NUMBER:
        unit = f" {item.unit.get(language)}" if item.unit else ""
        return f"{format_number(value)}{unit}"
    if item.type is ItemType.DATE:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    return str(value)


def _section(
    questionnaire: Questionnaire,
    page: Page,
    answers: dict[str, Any],
    visible: set[str],
    language: str,
) -> ReviewSection:
    """The rows of one page."""
    rows = [
        ReviewRow(
            item.code,
            item.text.get(language),
            answer_text(questionnaire, item, answers[item.code], language)
            if item.code in answers
            else None,
        )
        for item in page.items
        if item.code in visible
    ]
    return ReviewSection(page.id, page.title.get(language), rows)


def review_sections(
    questionnaire: Questionnaire, answers: dict[str, Any], language: str
) -> list[ReviewSection]:
    """One section per visible page, in order."""
    visible = visible_codes(questionnaire, answers)
    return [
        _section(questionnaire, page, answers, visible, language)
        for page in visible_pages(questionnaire, answers)
    ]
