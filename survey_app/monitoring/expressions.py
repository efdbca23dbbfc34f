"""SQL expressions for the list of flagged responses, portable to SQLite and PostgreSQL; no
JSON is read.

* Duration: the ``duration_seconds`` column itself, the paradata's total stored at insert.
* Straight-liners (``survey_app.monitoring.rules``): a plain column, the rating items of each
  response's longest straight-lined page stored at insert (``stored_facts``), compared with the
  round's ``min_rating_items``: no answer is read. (Reading the answers' JSON for this was most
  of a first view's time: about 1 s for 100,000 responses.)

Every expression takes the questionnaire versions of the round as :class:`VersionRules`
(content hash, speeder threshold, rating pages, the settings' ``min_rating_items``) and
switches on ``questionnaire_hash``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, literal

from survey_app.models import Response
from survey_app.monitoring.rules import RatingPage


@dataclass(frozen=True)
class VersionRules:
    """The flag rules of one questionnaire version of the round."""

    content_hash: str
    speeder_seconds: float
    pages: tuple[RatingPage, ...]
    min_rating_items: int


def speeder_threshold(versions: Sequence[VersionRules]) -> ColumnElement[Any]:
    """The speeder threshold of each response's questionnaire version (NULL: unknown)."""
    if not versions:
        return literal(None)
    return case(
        *((Response.questionnaire_hash == v.content_hash, v.speeder_seconds) for v in versions),
        else_=None,
    )


def straightliner(versions: Sequence[VersionRules]) -> ColumnElement[Any]:
    """1 for a response that straight-lines a page of at least ``min_rating_items`` rating
    items (the round's setting), else 0."""
    if not versions:
        return literal(0)
    least = versions[0].min_rating_items
    return case((Response.straight_line_items >= least, 1), else_=0)
