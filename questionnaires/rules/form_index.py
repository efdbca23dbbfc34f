"""An index of a validated definition for the checks: items in form order with their page,
resolved choice lists, and locations written for authors."""

from __future__ import annotations

from dataclasses import dataclass

from questionnaires.locations import item_label, located, page_label
from questionnaires.model import CHOICE_TYPES, Choice, Item, Page, QuestionnaireDefinition

Finding = tuple[str, str]
"""A problem inside one file: (location, message)."""


@dataclass(frozen=True)
class Placed:
    """An item with its page and its position in the whole form (0-based)."""

    item: Item
    page: Page
    page_index: int
    index_on_page: int
    order: int

    def at(self, detail: str | None = None) -> str:
        """``page "p", item q1 (detail)``."""
        return located(
            page_label(self.page.id, self.page_index),
            item_label(self.item.code, self.index_on_page),
            detail=detail,
        )


class FormIndex:
    """Look-ups over one definition, tolerant of the faults the checks report."""

    def __init__(self, definition: QuestionnaireDefinition) -> None:
        self.definition = definition
        self.placed: list[Placed] = []
        for page_index, page in enumerate(definition.pages):
            for index_on_page, item in enumerate(page.items):
                self.placed.append(Placed(item, page, page_index, index_on_page, len(self.placed)))
        self.by_code: dict[str, Placed] = {}
        for placed in self.placed:
            self.by_code.setdefault(placed.item.code, placed)

    def choices(self, item: Item) -> list[Choice] | None:
        """The item's choices (a named list resolved); None when it has none or the name is
        unknown."""
        if isinstance(item.choices, str):
            return self.definition.choice_lists.get(item.choices)
        return item.choices

    def choice_codes(self, item: Item) -> list[str] | None:
        """The codes of a choice item's choices, or None for other items."""
        if item.type not in CHOICE_TYPES:
            return None
        return [choice.code for choice in self.choices(item) or []]
