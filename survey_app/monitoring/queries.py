"""The monitoring queries: every figure is aggregated in the database, grouped on indexed
columns, and only the groups come back to Python.

* :func:`cell_counts`: responses per unit × group × stratum × mode × questionnaire version —
  no JSON is read, so it runs on every refresh and tells which figures below are stale.
* :func:`row_figures`: per unit × group, the speeders, straight-liners (a column stored at
  insert: no answer is read), web durations in bins and the two middle durations (for the
  exact median), in one statement: a window numbers the
  durations within each unit × group (``row_number`` over the sorted durations, NULLs last),
  and the middle one or two (``n ≤ 2·rank ≤ n + 2``) are summed with their count.
* :func:`group_medians`: the same middle-durations rule per respondent group.
* :func:`invitation_counts`, :func:`unfinished_drafts`, :func:`frame_cells`: the denominators.
* :func:`duplicate_forms`: paper forms with identical answers under different serials, from
  ``survey_app.staff.paper_duplicates.duplicate_paper_entries``, located by unit and group.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select

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
from survey_app.monitoring.expressions import (
    VersionRules,
    duration_bin,
    duration_seconds,
    speeder_threshold,
    straightliner,
)
from survey_app.monitoring.rules import DURATION_EDGES

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
    """Responses of the round per unit × group × stratum × mode × questionnaire version."""
    rows = db.session.execute(
        select(
            Response.unit_id,
            Response.respondent_group,
            Response.stratum,
            Response.mode,
            Response.questionnaire_hash,
            func.count(),
        )
        .where(Response.round_id == round_id)
        .group_by(
            Response.unit_id,
            Response.respondent_group,
            Response.stratum,
            Response.mode,
            Response.questionnaire_hash,
        )
    ).all()
    return [CellCount(*row) for row in rows]


def _middle(rank: ColumnElement[Any], count: ColumnElement[Any]) -> ColumnElement[bool]:
    """Whether the ``rank``-th of ``count`` sorted values is a middle one."""
    return (rank * 2 >= count) & (rank * 2 <= count + 2)


def _median(parts: Sequence[float]) -> float | None:
    """The median from the sum of the middle values and their count."""
    total, count = parts
    return total / count if count else None


def _ranks(
    seconds: ColumnElement[Any], partition: tuple[ColumnElement[Any], ...], name: str
) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The rank of each duration in its partition (NULLs last) and the partition's number of
    durations, labelled ``<name>_rank`` and ``<name>_timed``."""
    return (
        func.row_number()
        .over(partition_by=partition, order_by=seconds.asc().nulls_last())
        .label(f"{name}_rank"),
        func.count(seconds).over(partition_by=partition).label(f"{name}_timed"),
    )


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
    """Sums of one unit × group over the bins of a pass."""

    def __init__(self, bins: int) -> None:
        """Nothing counted yet."""
        self.speeders = 0
        self.straightliners = 0
        self.bins = [0] * bins
        self.middle = [0.0, 0.0]

    def figures(self) -> RowFigures:
        """The tally as figures."""
        return RowFigures(
            self.speeders, self.straightliners, tuple(self.bins), _median(self.middle)
        )


def row_figures(
    round_id: int,
    versions: Sequence[VersionRules],
    unit_ids: Collection[int | None] | None = None,
) -> RoundPass:
    """Speeders, straight-liners, duration bins and median per unit × group of the round
    (only of ``unit_ids`` when given; else the groups' medians too), in one statement."""
    base: Select[Any] = select(
        Response.unit_id.label("unit_id"),
        Response.respondent_group.label("group"),
        duration_seconds().label("seconds"),
        speeder_threshold(versions).label("threshold"),
        straightliner(versions).label("straight"),
    ).where(Response.round_id == round_id)
    if unit_ids is not None:
        base = base.where(_in_units(unit_ids))
    inner = base.offset(0).subquery()
    seconds = inner.c.seconds
    ranks = [_ranks(seconds, (inner.c.unit_id, inner.c.group), "row")]
    if unit_ids is None:
        ranks.append(_ranks(seconds, (inner.c.group,), "group"))
    ranked = select(
        inner.c.unit_id,
        inner.c.group,
        seconds,
        inner.c.threshold,
        inner.c.straight,
        duration_bin(seconds).label("bin"),
        *(column for pair in ranks for column in pair),
    ).subquery()
    middles = [
        _middle(ranked.c[f"{name}_rank"], ranked.c[f"{name}_timed"]) & ranked.c.seconds.is_not(None)
        for name in ("row", "group")[: len(ranks)]
    ]
    rows = db.session.execute(
        select(
            ranked.c.unit_id,
            ranked.c.group,
            ranked.c.bin,
            func.sum(case((ranked.c.seconds < ranked.c.threshold, 1), else_=0)),
            func.sum(case((ranked.c.straight > 0, 1), else_=0)),
            func.count(ranked.c.seconds),
            *(
                part
                for middle in middles
                for part in (
                    func.sum(case((middle, ranked.c.seconds), else_=0.0)),
                    func.sum(case((middle, 1), else_=0)),
                )
            ),
        ).group_by(ranked.c.unit_id, ranked.c.group, ranked.c.bin)
    ).all()
    tallies: dict[RowKey, _Tally] = {}
    groups: dict[str, list[float]] = {}
    for unit_id, group, bin_, speedy, straight_count, timed, *middle in rows:
        tally = tallies.setdefault((unit_id, group), _Tally(len(DURATION_EDGES) + 1))
        tally.speeders += int(speedy or 0)
        tally.straightliners += int(straight_count or 0)
        if bin_ is not None:
            tally.bins[int(bin_)] += int(timed)
        tally.middle[0] += float(middle[0] or 0)
        tally.middle[1] += float(middle[1] or 0)
        if len(middle) == 4:
            parts = groups.setdefault(group, [0.0, 0.0])
            parts[0] += float(middle[2] or 0)
            parts[1] += float(middle[3] or 0)
    return RoundPass(
        rows={key: tally.figures() for key, tally in tallies.items()},
        group_medians={group: _median(parts) for group, parts in groups.items()}
        if unit_ids is None
        else None,
    )


def group_medians(round_id: int, groups: Collection[str]) -> dict[str, float | None]:
    """The median web duration of each of ``groups`` over every unit of the round."""
    inner = (
        select(Response.respondent_group.label("group"), duration_seconds().label("seconds"))
        .where(
            Response.round_id == round_id,
            Response.respondent_group.in_(list(groups)),
            Response.mode == Mode.WEB,
        )
        .subquery()
    )
    ranked = select(
        inner.c.group, inner.c.seconds, *_ranks(inner.c.seconds, (inner.c.group,), "group")
    ).subquery()
    middle = _middle(ranked.c.group_rank, ranked.c.group_timed) & ranked.c.seconds.is_not(None)
    rows = db.session.execute(
        select(
            ranked.c.group,
            func.sum(case((middle, ranked.c.seconds), else_=0.0)),
            func.sum(case((middle, 1), else_=0)),
        ).group_by(ranked.c.group)
    ).all()
    parts = {group: (float(total or 0), float(count or 0)) for group, total, count in rows}
    return {group: _median(parts.get(group, (0.0, 0.0))) for group in groups}


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
