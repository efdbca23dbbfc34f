"""Structural checks: unique page ids and item codes, no empty pages, item codes usable in
expressions, fields that apply to the item's type, consistent bounds, criterion codes of the
form ``F.C`` (or ``F.C.S``), and sampling fields that name suitable items."""

from __future__ import annotations

import re

from questionnaires.expressions import KEYWORDS
from questionnaires.locations import located, page_label
from questionnaires.model import ItemType
from questionnaires.rules.form_index import Finding, FormIndex

CRITERION_CODE = re.compile(r"[0-9]+\.[0-9]+(\.[0-9]+)?")
"""A criterion code: field.criterion or field.criterion.sub-criterion, e.g. ``3.2``."""

_TEXT_TYPES = frozenset({ItemType.SHORT_TEXT, ItemType.LONG_TEXT})


def check_structure(index: FormIndex) -> list[Finding]:
    """Every structural problem of the form."""
    return [
        *_pages(index),
        *_item_codes(index),
        *_fields_by_type(index),
        *_criteria(index),
        *_sampling(index),
    ]


def _pages(index: FormIndex) -> list[Finding]:
    found: list[Finding] = []
    first: dict[str, int] = {}
    for page_index, page in enumerate(index.definition.pages):
        where = page_label(page.id, page_index)
        if page.id in first:
            found.append((where, f"page id {page.id} is already used by page {first[page.id] + 1}"))
        first.setdefault(page.id, page_index)
        if not page.items:
            found.append((where, "has no items"))
    return found


def _item_codes(index: FormIndex) -> list[Finding]:
    found: list[Finding] = []
    for placed in index.placed:
        code = placed.item.code
        earlier = index.by_code[code]
        if earlier is not placed:
            found.append(
                (
                    placed.at(),
                    f"item code {code} is already used by item {earlier.index_on_page + 1} of "
                    f"{page_label(earlier.page.id, earlier.page_index)}; item codes must be unique",
                )
            )
        if code in KEYWORDS:
            found.append(
                (placed.at(), f"item code {code} is a word of the expression language; rename it")
            )
    return found


def _fields_by_type(index: FormIndex) -> list[Finding]:
    found: list[Finding] = []
    for placed in index.placed:
        item = placed.item
        if item.type is not ItemType.NUMBER:
            for name in ("minimum", "maximum", "unit"):
                if getattr(item, name) is not None:
                    found.append((placed.at(name), f"only number items have a {name}"))
            if item.integer:
                found.append((placed.at("integer"), "only number items can be integer"))
        if item.type not in _TEXT_TYPES and item.max_length is not None:
            found.append((placed.at("max_length"), "only text items have a max_length"))
        if item.minimum is not None and item.maximum is not None and item.minimum > item.maximum:
            found.append(
                (
                    placed.at("minimum"),
                    f"minimum {item.minimum:g} is greater than maximum {item.maximum:g}",
                )
            )
    return found


def _criteria(index: FormIndex) -> list[Finding]:
    found: list[Finding] = []
    for placed in index.placed:
        for code in placed.item.criteria:
            if not CRITERION_CODE.fullmatch(code):
                found.append(
                    (
                        placed.at("criteria"),
                        f"{code!r} is not a criterion code; write field.criterion, e.g. 3.2",
                    )
                )
        if len(set(placed.item.criteria)) != len(placed.item.criteria):
            found.append((placed.at("criteria"), "names the same criterion twice"))
    return found


def _sampling(index: FormIndex) -> list[Finding]:
    found: list[Finding] = []
    sampling = index.definition.sampling
    for field in ("stratum", "cluster", "unit"):
        code = getattr(sampling, field)
        if code is None:
            continue
        where = located("sampling", detail=field)
        placed = index.by_code.get(code)
        if placed is None:
            found.append((where, f"names {code}, which is not an item of this questionnaire"))
        elif placed.item.type is ItemType.MULTIPLE_CHOICE:
            found.append((where, f"names {code}, a multiple-choice item; it needs one value"))
        elif field != "unit" and placed.item.required is not True:
            found.append(
                (
                    where,
                    f"names {code}, which is not required (required: true); "
                    "a response without it cannot be weighted",
                )
            )
    return found
