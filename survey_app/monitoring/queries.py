"""The monitoring queries over the covering index ``ix_responses_monitoring`` (round, group,
unit, stratum, mode, questionnaire version, duration, straight-lined items): no query reads a
response row, its answers or its paradata.

* :func:`cell_counts`: responses per unit × group × stratum × mode × questionnaire version,
  counted in the database in the index's order; it runs on every refresh and tells which
  figures below are stale.
* :func:`row_figures`: per unit × group, the speeders (duration under the version's
  threshold), straight-liners (``straight_line_items`` at least the setting), web durations in
  bins and the exact median duration (the middle one, or the mean of the middle two), from
  one pass over the index's five columns in Python. (Exact medians in SQL need window
  functions, which sort every duration twice: 1.0 s on SQLite for 100,000 responses, against
  0.3 s for this pass.)
* :func:`group_medians`: the same median per respondent group over its web responses.
* :func:`invitation_counts`, :func:`unfinished_drafts`, :func:`frame_cells`: the denominators.
* :func:`duplicate_forms`: paper forms with identical answers under different serials, from
  ``survey_app.staff.paper_duplicates.duplicate_paper_entries``, located by unit and group.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Executable, case, func, or_, select

from survey_app.models import (
    Draft,
    FrameCell,
    Invitation,
    InvitationBatch,
    InvitationStatus,
    Mode,
    Response,
    RoundQuestionnaire,
    Unit,
    db,
)
from survey_app.monitoring.expressions import VersionRules
from survey_app.monitoring.rules import DURATION_EDGES

YIELD_ROWS = 10_000
"""Rows fetched at a time in a pass over a round's responses."""

RowKey = tuple[int | None, str]
"""A unit (None: responses that name none) and a respondent group."""


@dataclass(frozen=True)
class CellCount:
    """Responses of one unit × group × stratum in one mode and questionnaire version."""

    unit_id: int | None
    group: str
    stratum: str | None
    mode: str
    content_hash: str
    responses: int


@dataclass(frozen=True)
class RowFigures:
    """Flags and durations of one unit × group (web responses for durations)."""

    speeders: int
    straightliners: int
    duration_bins: tuple[int, ...]
    median_seconds: float | None


@dataclass(frozen=True)
class Denominators:
    """Invitations issued and unfinished drafts of one unit × group."""

    invitations: int
    drafts: int


def cell_counts(round_id: int) -> list[CellCount]:
    """Responses of the round per unit × group × stratum × mode × questionnaire version,
    grouped in the monitoring index's order (an index-only scan, no sort)."""
    rows = db.session.execute(
        select(
            Response.respondent_group,
            Response.unit_id,
            Response.stratum,
            Response.mode,
            Response.questionnaire_hash,
            func.count(),
        )
        .where(Response.round_id == round_id)
        .group_by(
            Response.respondent_group,
            Response.unit_id,
            Response.stratum,
            Response.mode,
            Response.questionnaire_hash,
        )
    ).all()
    return [
        CellCount(unit_id, group, stratum, mode, content_hash, responses)
        for group, unit_id, stratum, mode, content_hash, responses in rows
    ]


def _stream(statement: Executable) -> Iterator[Any]:
    """The rows of ``statement``, fetched ``YIELD_ROWS`` at a time as plain rows on the
    session's connection (the ORM's result handling would double the time of a pass)."""
    yield from db.session.connection().execute(
        statement, execution_options={"yield_per": YIELD_ROWS}
    )


def _median(values: list[float]) -> float | None:
    """The median of ``values`` (sorted here): the middle one, or the mean of the middle two."""
    if not values:
        return None
    values.sort()
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def _in_units(unit_ids: Collection[int | None]) -> ColumnElement[bool]:
    """Responses of the given units (None: of no unit)."""
    known = [unit_id for unit_id in unit_ids if unit_id is not None]
    condition = Response.unit_id.in_(known)
    return or_(condition, Response.unit_id.is_(None)) if None in unit_ids else condition


@dataclass(frozen=True)
class RoundPass:
    """What one pass over responses gives: each unit × group's figures and, for a pass over
    the whole round, each group's median duration (None otherwise)."""

    rows: dict[RowKey, RowFigures]
    group_medians: dict[str, float | None] | None


class _Tally:
    """The counts and durations of one unit × group during a pass."""

    def __init__(self) -> None:
        """Nothing counted yet."""
        self.speeders = 0
        self.straightliners = 0
        self.bins = [0] * (len(DURATION_EDGES) + 1)
        self.durations: list[float] = []

    def figures(self) -> RowFigures:
        """The tally as figures."""
        return RowFigures(
            self.speeders, self.straightliners, tuple(self.bins), _median(self.durations)
        )


def row_figures(
    round_id: int,
    versions: Sequence[VersionRules],
    unit_ids: Collection[int | None] | None = None,
) -> RoundPass:
    """Speeders, straight-liners, duration bins and median per unit × group of the round
    (only of ``unit_ids`` when given; else the groups' medians too), in one pass over the
    monitoring index."""
    thresholds = {version.content_hash: version.speeder_seconds for version in versions}
    least = versions[0].min_rating_items if versions else None
    statement = select(
        Response.unit_id,
        Response.respondent_group,
        Response.questionnaire_hash,
        Response.duration_seconds,
        Response.straight_line_items,
    ).where(Response.round_id == round_id)
    if unit_ids is not None:
        statement = statement.where(_in_units(unit_ids))
    tallies: dict[RowKey, _Tally] = {}
    group_durations: dict[str, list[float]] = {}
    rows = _stream(statement)
    for unit_id, group, content_hash, seconds, straight in rows:
        tally = tallies.get((unit_id, group))
        if tally is None:
            tally = tallies[unit_id, group] = _Tally()
        if least is not None and straight >= least:
            tally.straightliners += 1
        if seconds is None:
            continue
        threshold = thresholds.get(content_hash)
        if threshold is not None and seconds < threshold:
            tally.speeders += 1
        tally.bins[bisect_right(DURATION_EDGES, seconds)] += 1
        tally.durations.append(seconds)
        if unit_ids is None:
            group_durations.setdefault(group, []).append(seconds)
    medians = {group: _median(durations) for group, durations in group_durations.items()}
    return RoundPass(
        rows={key: tally.figures() for key, tally in tallies.items()},
        group_medians=None
        if unit_ids is not None
        else {group: medians.get(group) for _unit, group in tallies},
    )


def group_medians(round_id: int, groups: Collection[str]) -> dict[str, float | None]:
    """The median web duration of each of ``groups`` over every unit of the round."""
    durations: dict[str, list[float]] = {group: [] for group in groups}
    rows = _stream(
        select(Response.respondent_group, Response.duration_seconds).where(
            Response.round_id == round_id,
            Response.respondent_group.in_(list(groups)),
            Response.mode == Mode.WEB,
            Response.duration_seconds.is_not(None),
        )
    )
    for group, seconds in rows:
        if seconds is not None:
            durations[group].append(seconds)
    return {group: _median(values) for group, values in durations.items()}


def invitation_counts(round_id: int) -> dict[RowKey, int]:
    """Invitations issued per unit × group: every code not withdrawn (used, unused or
    expired), outside revoked batches. A used code's row is gone (ADR 0002), so a batch counts
    its ``size`` less its codes revoked one by one."""
    revoked = (
        select(Invitation.batch_id, func.count().label("revoked"))
        .where(Invitation.status == InvitationStatus.REVOKED)
        .group_by(Invitation.batch_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            InvitationBatch.unit_id,
            InvitationBatch.respondent_group,
            func.sum(InvitationBatch.size - func.coalesce(revoked.c.revoked, 0)),
        )
        .outerjoin(revoked, revoked.c.batch_id == InvitationBatch.id)
        .where(InvitationBatch.round_id == round_id, InvitationBatch.revoked_at.is_(None))
        .group_by(InvitationBatch.unit_id, InvitationBatch.respondent_group)
    ).all()
    return {(unit_id, group): int(count) for unit_id, group, count in rows}


def unfinished_drafts(
    round_id: int, unit_items: dict[int, str], now: datetime
) -> dict[RowKey, int]:
    """Live drafts per unit × group. The unit is the invitation's, else the offer's, else the
    answer to the offer's unit item (``unit_items``: offer id → item code) when given."""
    answered_code = case(
        *(
            (Draft.round_questionnaire_id == offer_id, Draft.answers[code].as_string())
            for offer_id, code in unit_items.items()
        ),
        else_=None,
    )
    answered_unit = (
        select(Unit.id).where(Unit.code == answered_code).correlate(Draft).scalar_subquery()
        if unit_items
        else None
    )
    unit = func.coalesce(Invitation.unit_id, RoundQuestionnaire.unit_id, answered_unit)
    rows = db.session.execute(
        select(unit, RoundQuestionnaire.respondent_group, func.count())
        .select_from(Draft)
        .join(RoundQuestionnaire, RoundQuestionnaire.id == Draft.round_questionnaire_id)
        .outerjoin(Invitation, Invitation.id == Draft.invitation_id)
        .where(RoundQuestionnaire.round_id == round_id, Draft.expires_at >= now)
        .group_by(unit, RoundQuestionnaire.respondent_group)
    ).all()
    return {(unit_id, group): int(count) for unit_id, group, count in rows}


def frame_cells(round_id: int) -> list[FrameCell]:
    """The round's frame cells."""
    return list(
        db.session.scalars(
            select(FrameCell)
            .where(FrameCell.round_id == round_id)
            .order_by(FrameCell.unit_id, FrameCell.respondent_group, FrameCell.stratum)
        )
    )


@dataclass(frozen=True)
class DuplicateForm:
    """A paper response whose answers another serial of the round repeats."""

    response_id: str
    unit_id: int | None
    group: str
    serial: str
    copy_group: int


def duplicate_forms(round_id: int) -> list[DuplicateForm]:
    """Every paper response in a group of identical forms, numbered by group (1, 2, …)."""
    # Imported here: ``survey_app.staff`` imports all its modules, this package's views too.
    from survey_app.staff.paper_duplicates import duplicate_paper_entries

    groups = duplicate_paper_entries(round_id)
    serials = {serial: number for number, g in enumerate(groups, start=1) for serial in g.serials}
    if not serials:
        return []
    rows = db.session.execute(
        select(Response.id, Response.unit_id, Response.respondent_group, Response.form_serial)
        .where(
            Response.round_id == round_id,
            Response.mode == Mode.PAPER,
            Response.form_serial.in_(list(serials)),
        )
        .order_by(Response.form_serial)
    ).all()
    return [
        DuplicateForm(response_id, unit_id, group, serial, serials[serial])
        for response_id, unit_id, group, serial in rows
        if serial is not None
    ]
