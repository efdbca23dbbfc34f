"""The flagged responses of a round, one page at a time, found and ordered in the database.

Each flagged response is shown by its random id (the key of the exports, so analysts can set
it aside), its unit, group and mode, and the evidence for its flag: the seconds it took against
the threshold, how many rating pages it straight-lined, or the group of identical paper forms
and their serials. Nothing that could point at a person is listed: no answers, no submission
day, no stratum, no device.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, select

from survey_app.models import Response, Unit, db
from survey_app.monitoring.expressions import (
    VersionRules,
    speeder_threshold,
    straightliner,
)
from survey_app.monitoring.queries import duplicate_forms
from survey_app.monitoring.rules import straightlined


class FlagKind(StrEnum):
    """The three flags."""

    SPEEDERS = "speeders"
    STRAIGHTLINERS = "straightliners"
    DUPLICATES = "duplicates"


@dataclass(frozen=True)
class FlaggedResponse:
    """One flagged response and the evidence for its flag."""

    response_id: str
    unit: Unit | None
    group: str
    mode: str
    seconds: float | None = None
    threshold: float | None = None
    straight_pages: int = 0
    copy_group: int | None = None
    serial: str | None = None


@dataclass(frozen=True)
class FlagPage:
    """One page of a list of flagged responses, with how many there are in all."""

    total: int
    responses: tuple[FlaggedResponse, ...]


def _units(unit_ids: set[int]) -> dict[int, Unit]:
    """The units with the given ids."""
    if not unit_ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}


def _flagged(round_id: int, versions: Sequence[VersionRules], kind: FlagKind) -> Select[Any]:
    """Responses of the round with their evidence, narrowed to those with flag ``kind``."""
    inner: Select[Any] = select(
        Response.id.label("response_id"),
        Response.unit_id.label("unit_id"),
        Response.respondent_group.label("group"),
        Response.mode.label("mode"),
        Response.duration_seconds.label("seconds"),
        speeder_threshold(versions).label("threshold"),
        straightliner(versions).label("straight"),
    )
    found = inner.where(Response.round_id == round_id).offset(0).subquery()
    condition = (
        found.c.seconds < found.c.threshold if kind is FlagKind.SPEEDERS else found.c.straight > 0
    )
    return select(found).where(condition)


def _straightlined_pages(rows: Sequence[Any], versions: Sequence[VersionRules]) -> dict[str, int]:
    """For the listed responses, how many of their version's checked pages they straight-line
    (read from their answers: a page of the list, not the round)."""
    pages = {version.content_hash: version.pages for version in versions}
    ids = [row.response_id for row in rows]
    if not ids:
        return {}
    answers = db.session.execute(
        select(Response.id, Response.questionnaire_hash, Response.answers).where(
            Response.id.in_(ids)
        )
    ).all()
    return {
        response_id: straightlined(pages.get(content_hash, ()), stored or {})
        for response_id, content_hash, stored in answers
    }


def flagged_page(
    round_id: int,
    versions: Sequence[VersionRules],
    kind: FlagKind,
    *,
    offset: int,
    limit: int | None,
) -> FlagPage:
    """The flagged responses of ``kind`` from ``offset`` (``limit`` of them; None: all), by
    unit, group and id."""
    if kind is FlagKind.DUPLICATES:
        forms = duplicate_forms(round_id)
        units = _units({f.unit_id for f in forms if f.unit_id is not None})
        shown = forms[offset:] if limit is None else forms[offset : offset + limit]
        return FlagPage(
            len(forms),
            tuple(
                FlaggedResponse(
                    form.response_id,
                    units.get(form.unit_id) if form.unit_id is not None else None,
                    form.group,
                    "paper",
                    copy_group=form.copy_group,
                    serial=form.serial,
                )
                for form in shown
            ),
        )
    flagged = _flagged(round_id, versions, kind).subquery()
    statement = (
        select(flagged, func.count().over().label("total"))
        .order_by(flagged.c.unit_id, flagged.c.group, flagged.c.response_id)
        .offset(offset)
    )
    if limit is not None:
        statement = statement.limit(limit)
    rows = db.session.execute(statement).all()
    if rows:
        total = int(rows[0].total)
    else:
        total = int(db.session.scalar(select(func.count()).select_from(flagged)) or 0)
    units = _units({row.unit_id for row in rows if row.unit_id is not None})
    straight = _straightlined_pages(rows, versions) if kind is FlagKind.STRAIGHTLINERS else {}
    return FlagPage(
        total,
        tuple(
            FlaggedResponse(
                row.response_id,
                units.get(row.unit_id) if row.unit_id is not None else None,
                row.group,
                row.mode,
                seconds=row.seconds,
                threshold=row.threshold,
                straight_pages=straight.get(row.response_id, 0),
            )
            for row in rows
        ),
    )
