"""Choice checks: choice items have choices and other items none, named lists exist, codes are
unique within a list, scores lie in [0, 1], special answers (don't know, not applicable) carry no
score, every ordinary choice of a rating item has a score, and items feeding an index criterion
can be scored."""

from __future__ import annotations

from collections.abc import Sequence

from questionnaires.locations import choice_label, located
from questionnaires.model import CHOICE_TYPES, Choice, ItemType
from questionnaires.rules.form_index import Finding, FormIndex, Placed


def check_choices(index: FormIndex) -> list[Finding]:
    """Every choice problem of the form."""
    found: list[Finding] = []
    for name, choices in index.definition.choice_lists.items():
        found.extend(_list_problems(choices, located(f'choice list "{name}"')))
    rating_lists_reported: set[str] = set()
    for placed in index.placed:
        found.extend(_item_problems(index, placed, rating_lists_reported))
    return found


def _list_problems(choices: Sequence[Choice], where: str) -> list[Finding]:
    found: list[Finding] = []
    if not choices:
        found.append((where, "has no choices"))
    seen: set[str] = set()
    for position, choice in enumerate(choices):
        here = located(where, choice_label(choice.code, position))
        if choice.code in seen:
            found.append((here, f"choice code {choice.code!r} appears twice in this list"))
        seen.add(choice.code)
        if choice.score is not None and not 0 <= choice.score <= 1:
            found.append(
                (located(here, detail="score"), f"score {choice.score:g} is outside [0, 1]")
            )
        if choice.special is not None and choice.score is not None:
            found.append(
                (
                    located(here, detail="score"),
                    f"is a special answer ({choice.special.value}), which is never scored; "
                    "remove its score",
                )
            )
    return found


def _item_problems(
    index: FormIndex, placed: Placed, rating_lists_reported: set[str]
) -> list[Finding]:
    item = placed.item
    if item.type not in CHOICE_TYPES:
        if item.choices is not None:
            return [(placed.at("choices"), f"a {item.type.value} item has no choices; remove them")]
        if item.criteria:
            return [(placed.at("criteria"), _unscored(f"{item.type.value} item"))]
        return []
    if item.choices is None:
        return [(placed.at("choices"), f"a {item.type.value} item needs choices")]
    if isinstance(item.choices, str) and item.choices not in index.definition.choice_lists:
        known = ", ".join(sorted(index.definition.choice_lists)) or "none"
        return [
            (
                placed.at("choices"),
                f"names the choice list {item.choices!r}, which is not defined "
                f"(choice lists: {known})",
            )
        ]
    choices = index.choices(item) or []
    found: list[Finding] = []
    if isinstance(item.choices, list):
        found.extend(_list_problems(item.choices, placed.at()))
    if item.type is ItemType.RATING:
        list_name = item.choices if isinstance(item.choices, str) else None
        if list_name is None or list_name not in rating_lists_reported:
            found.extend(_rating_scores(placed, choices, list_name))
            if list_name is not None:
                rating_lists_reported.add(list_name)
    if item.criteria and not any(choice.score is not None for choice in choices):
        found.append((placed.at("criteria"), _unscored("choice item without scores")))
    return found


def _rating_scores(
    placed: Placed, choices: Sequence[Choice], list_name: str | None
) -> list[Finding]:
    found: list[Finding] = []
    for position, choice in enumerate(choices):
        if choice.special is None and choice.score is None:
            if list_name is None:
                where = located(placed.at(), choice_label(choice.code, position), detail="score")
                used = ""
            else:
                where = located(
                    f'choice list "{list_name}"',
                    choice_label(choice.code, position),
                    detail="score",
                )
                used = f", and rating item {placed.item.code} uses this list"
            found.append(
                (
                    where,
                    f"has no score{used}; give every choice of a rating a score in [0, 1] "
                    "or mark it special (dont_know, not_applicable)",
                )
            )
    return found


def _unscored(what: str) -> str:
    return f"names index criteria, but a {what} gives no score; use a rating item"
