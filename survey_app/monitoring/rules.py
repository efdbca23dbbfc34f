"""The quality rules of round monitoring, read from a questionnaire's definition.

**Speeders.** A web response whose total time on the pages (``paradata.duration_seconds``, the
sum of the seconds each page was on screen) is below the questionnaire's threshold:
``seconds_per_item × items shown to everyone`` — the items without a relevance rule on pages
without one, the fewest any respondent reads. The default, 2 seconds per item, is about the
time to read a short question and tick an answer; it gives 90 s for the provincial leaders' form
(45 such items), 58 s for the citizens' SIPAS form (29) and 36 s for the delegates' form (18).
Paper forms have no timing and are never speeders.

**Straight-liners.** A response that gives the same substantive answer (not "don't know" or
"not applicable") to every rating item of a page having at least ``min_rating_items`` rating
items (default 5). A page with an item left unanswered or hidden, or answered with a special
code, is not straight-lined. A response is flagged when at least one page is. So that no
figure has to read the answers again, each response stores at insert the number of rating
items of its longest straight-lined page (``responses.straight_line_items``, 0 for none; see
:func:`longest_straight_line`): it is flagged under a setting exactly when that number is at
least ``min_rating_items``.

Both settings are chosen per round on the monitoring page (``?seconds_per_item=&
min_rating_items=``); :func:`read_settings` checks them.

**Durations** are shown in doubling bins (under 15 s, 15–30 s, 30 s–1 min, … 32–64 min, 64 min
and more): the spread of completion times is skewed, and equal bins would squeeze the fast end
where speeders are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext

from questionnaires.loader import Questionnaire
from questionnaires.model import ItemType

DEFAULT_SECONDS_PER_ITEM = 2.0
"""Speeder threshold per item always shown (seconds)."""

MAX_SECONDS_PER_ITEM = 60.0
"""The largest threshold per item accepted."""

DEFAULT_MIN_RATING_ITEMS = 5
"""Rating items a page needs before an identical answer to all of them counts."""

FEWEST_RATING_ITEMS = 2
"""A straight line needs at least two items."""

MOST_RATING_ITEMS = 50

DURATION_EDGES: tuple[float, ...] = (15, 30, 60, 120, 240, 480, 960, 1920, 3840)
"""Upper edges (seconds) of the duration bins; a last, open bin holds longer times."""


@dataclass(frozen=True)
class FlagSettings:
    """The round's flag thresholds."""

    seconds_per_item: float = DEFAULT_SECONDS_PER_ITEM
    min_rating_items: int = DEFAULT_MIN_RATING_ITEMS

    def query(self) -> dict[str, str]:
        """The settings as query-string values (defaults left out)."""
        values: dict[str, str] = {}
        if self.seconds_per_item != DEFAULT_SECONDS_PER_ITEM:
            values["seconds_per_item"] = f"{self.seconds_per_item:g}"
        if self.min_rating_items != DEFAULT_MIN_RATING_ITEMS:
            values["min_rating_items"] = str(self.min_rating_items)
        return values


@dataclass(frozen=True)
class SettingsProblem:
    """A setting that cannot be used: the field and what to do."""

    field: str
    message: str


@dataclass(frozen=True)
class RatingPage:
    """A page whose rating items are checked for straight-lining: their codes and the
    substantive answer codes they share."""

    page_id: str
    codes: tuple[str, ...]
    levels: tuple[str, ...]


def read_settings(args: Mapping[str, str]) -> tuple[FlagSettings, list[SettingsProblem]]:
    """The settings named in a query string, defaults for the rest; a wrong value is reported
    and its default used."""
    problems: list[SettingsProblem] = []
    seconds = DEFAULT_SECONDS_PER_ITEM
    text = args.get("seconds_per_item", "").strip().replace(",", ".")
    if text:
        try:
            seconds = float(text)
        except ValueError:
            seconds = math.nan
        if not (0 <= seconds <= MAX_SECONDS_PER_ITEM):
            problems.append(
                SettingsProblem(
                    "seconds_per_item",
                    gettext(
                        "Enter the seconds per item as a number from 0 to %(most)d, e.g. 2 or 1.5.",
                        most=int(MAX_SECONDS_PER_ITEM),
                    ),
                )
            )
            seconds = DEFAULT_SECONDS_PER_ITEM
    items = DEFAULT_MIN_RATING_ITEMS
    text = args.get("min_rating_items", "").strip()
    if text:
        if text.isdigit() and FEWEST_RATING_ITEMS <= int(text) <= MOST_RATING_ITEMS:
            items = int(text)
        else:
            problems.append(
                SettingsProblem(
                    "min_rating_items",
                    gettext(
                        "Enter the rating items per page as a whole number from %(fewest)d to "
                        "%(most)d.",
                        fewest=FEWEST_RATING_ITEMS,
                        most=MOST_RATING_ITEMS,
                    ),
                )
            )
    return FlagSettings(seconds, items), problems


def always_shown_items(questionnaire: Questionnaire) -> int:
    """How many items every respondent sees: no relevance rule on the item or its page."""
    return sum(
        1
        for page in questionnaire.pages
        if page.relevant is None
        for item in page.items
        if item.relevant is None
    )


def speeder_threshold(questionnaire: Questionnaire, settings: FlagSettings) -> float:
    """The total seconds below which a web response of ``questionnaire`` is a speeder."""
    return settings.seconds_per_item * always_shown_items(questionnaire)


def rating_pages(questionnaire: Questionnaire, settings: FlagSettings) -> tuple[RatingPage, ...]:
    """The pages with at least ``min_rating_items`` rating items that share substantive codes."""
    found = []
    for page in questionnaire.pages:
        items = [item for item in page.items if item.type is ItemType.RATING]
        if len(items) < settings.min_rating_items:
            continue
        shared: list[str] | None = None
        for item in items:
            codes = [c.code for c in questionnaire.choices(item) if c.special is None]
            shared = codes if shared is None else [code for code in shared if code in codes]
        if shared:
            found.append(RatingPage(page.id, tuple(item.code for item in items), tuple(shared)))
    return tuple(found)


def straightlined(pages: tuple[RatingPage, ...], answers: Mapping[str, object]) -> int:
    """How many of ``pages`` the answers straight-line: every item answered with one and the
    same substantive code."""
    count = 0
    for page in pages:
        first = answers.get(page.codes[0])
        if first in page.levels and all(answers.get(code) == first for code in page.codes[1:]):
            count += 1
    return count


def longest_straight_line(questionnaire: Questionnaire, answers: Mapping[str, object]) -> int:
    """The rating items of the longest page the answers straight-line (0: none), over every
    page with at least :data:`FEWEST_RATING_ITEMS` rating items sharing substantive codes."""
    pages = rating_pages(questionnaire, FlagSettings(min_rating_items=FEWEST_RATING_ITEMS))
    return max((len(page.codes) for page in pages if straightlined((page,), answers)), default=0)


def duration_bin(seconds: float) -> int:
    """The index of the duration bin holding ``seconds``."""
    for index, edge in enumerate(DURATION_EDGES):
        if seconds < edge:
            return index
    return len(DURATION_EDGES)


def bin_position(seconds: float) -> float:
    """Where ``seconds`` falls on the binned axis, in bins from its left edge (for a marker)."""
    if seconds <= DURATION_EDGES[0]:
        return max(seconds, 0.0) / DURATION_EDGES[0]
    if seconds >= DURATION_EDGES[-1]:
        return len(DURATION_EDGES) + 0.5
    return 1 + math.log2(seconds / DURATION_EDGES[0])
