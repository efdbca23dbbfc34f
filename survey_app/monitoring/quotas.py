"""Quotas: a frame cell (unit × respondent group × stratum) stops taking new respondents once
it is closed, and a cell closes when its responses reach its quota.

The rule, in full:

* A cell with a ``quota`` closes (``quota_closed``) as soon as it holds that many responses:
  :func:`close_if_full` runs in the transaction that stores each web response
  (``survey_app.submission.submit``), so the flag and the response that filled the cell are
  stored together, with an audit event by the system. Staff may also close a cell early, or
  reopen one (:func:`set_cell`), but a cell whose responses already meet its quota stays
  closed until the quota is raised or removed.
* A respondent is turned away (:func:`turns_away`) at the moment they would enter a closed
  cell: when their first page is shown or posted with nothing saved yet, or when they post the
  page holding the questionnaire's sampling items (the unit or stratum question), since only
  then is their cell known. While the cell is still unknown (the stratum not yet answered),
  they are turned away only if every cell they could belong to is closed. They see a polite
  "this group has enough answers, thank you" page instead of the form, and their empty or
  one-page draft is deleted.
* Nobody who got past that point is ever stopped, and a submission that arrives after the cell
  closed is stored like any other: an answer someone completed is never lost (the cell then
  holds more than its quota; the monitoring page shows by how much).

Responses without a unit (a public survey that names none) belong to no cell and are never
turned away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import case, func, select

from questionnaires.loader import Questionnaire
from questionnaires.model import Page
from survey_app.audit import record_audit, state
from survey_app.drafts import LiveDraft, invitation_of
from survey_app.models import (
    FrameCell,
    Invitation,
    Response,
    Round,
    Unit,
    db,
)
from survey_app.surveys import OfferFacts

CellKey = tuple[int, str, str]
"""A cell: unit id, respondent group, stratum."""


class QuotaError(ValueError):
    """A quota change that breaks the rule: the message says what to do."""


@dataclass(frozen=True)
class Position:
    """What is known of a respondent's cell: unit and stratum (None: not known yet)."""

    unit_id: int | None
    stratum: str | None


def _answer(answers: Mapping[str, Any], code: str | None) -> str | None:
    """The single answer to ``code`` as text, None when unanswered."""
    value = answers.get(code) if code is not None else None
    return None if value is None or isinstance(value, list) else str(value)


def position(
    offer: OfferFacts,
    invitation: Invitation | None,
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
) -> Position | None:
    """Where the respondent stands so far; None when they can belong to no cell (no unit can
    come from the invitation, the offer or an answer, or the answer names no unit)."""
    rules = questionnaire.definition.sampling
    unit: Unit | None = None
    if invitation is not None:
        unit = invitation.unit
    elif offer.unit_id is not None:
        unit = db.session.get(Unit, offer.unit_id)
    elif rules.unit is None:
        return None
    else:
        code = _answer(answers, rules.unit)
        if code is not None:
            unit = db.session.scalars(select(Unit).where(Unit.code == code)).first()
            if unit is None:
                return None
    if rules.stratum is not None:
        stratum = _answer(answers, rules.stratum)
    else:
        stratum = unit.code if unit is not None else None
    return Position(unit.id if unit is not None else None, stratum)


def closed_for(
    offer: OfferFacts,
    invitation: Invitation | None,
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
) -> bool:
    """Whether every frame cell the respondent may belong to is closed (and there is one)."""
    where = position(offer, invitation, questionnaire, answers)
    if where is None:
        return False
    statement = select(func.count(), func.sum(case((FrameCell.quota_closed, 1), else_=0))).where(
        FrameCell.round_id == offer.round_id,
        FrameCell.respondent_group == offer.respondent_group,
    )
    if where.unit_id is not None:
        statement = statement.where(FrameCell.unit_id == where.unit_id)
    if where.stratum is not None:
        statement = statement.where(FrameCell.stratum == where.stratum)
    cells, closed = db.session.execute(statement).one()
    return bool(cells) and closed == cells


def turns_away(
    offer: OfferFacts,
    questionnaire: Questionnaire,
    draft: LiveDraft,
    page: Page,
    answers: Mapping[str, Any],
) -> bool:
    """Whether the respondent of ``draft``, showing or posting ``page`` with ``answers``,
    is entering a closed cell now (see the module docstring)."""
    rules = questionnaire.definition.sampling
    sampling_items = {code for code in (rules.unit, rules.stratum) if code is not None}
    on_page = sampling_items & {item.code for item in page.items}
    entering = not draft.answers or any(code not in draft.answers for code in on_page)
    if not entering:
        return False
    return closed_for(offer, invitation_of(draft), questionnaire, answers)


def _responses(round_id: int, unit_id: int, group: str, stratum: str) -> int:
    """The responses stored in one cell."""
    count = db.session.scalar(
        select(func.count()).where(
            Response.round_id == round_id,
            Response.unit_id == unit_id,
            Response.respondent_group == group,
            Response.stratum == stratum,
        )
    )
    return int(count or 0)


def close_if_full(response: Response) -> None:
    """Close the cell of ``response`` (added to the session, not yet committed) when its
    responses reach the quota; audited as done by the system."""
    if response.unit_id is None or response.stratum is None:
        return
    cell = db.session.scalars(
        select(FrameCell).where(
            FrameCell.round_id == response.round_id,
            FrameCell.unit_id == response.unit_id,
            FrameCell.respondent_group == response.respondent_group,
            FrameCell.stratum == response.stratum,
        )
    ).first()
    if cell is None or cell.quota is None or cell.quota_closed:
        return
    count = _responses(cell.round_id, cell.unit_id, cell.respondent_group, cell.stratum)
    if count >= cell.quota:
        cell.quota_closed = True
        record_audit(
            "frame_cell.quota_reached",
            cell,
            before={"quota_closed": False},
            after={"quota_closed": True},
            details={"quota": cell.quota, "responses": count},
            actor=None,
        )


def cell_responses(round_id: int) -> dict[CellKey, int]:
    """Responses per cell (unit × group × stratum) of a round."""
    rows = db.session.execute(
        select(Response.unit_id, Response.respondent_group, Response.stratum, func.count())
        .where(Response.round_id == round_id)
        .group_by(Response.unit_id, Response.respondent_group, Response.stratum)
    ).all()
    return {
        (unit_id, group, stratum or ""): int(count)
        for unit_id, group, stratum, count in rows
        if unit_id is not None
    }


def _label(cell: FrameCell) -> str:
    """A cell as staff name it: unit code, group and stratum."""
    return f"{cell.unit.code} · {cell.respondent_group} · {cell.stratum}"


def set_cell(cell: FrameCell, quota: int | None, closed: bool, responses: int) -> bool:
    """Give ``cell`` its quota (None: none) and state (closed or open), audited; whether
    anything changed. A cell whose ``responses`` meet the quota is closed whatever was asked
    for; asking for it open is a :class:`QuotaError`."""
    if quota is not None and quota < 0:
        raise QuotaError(
            gettext("%(cell)s: the quota must be a whole number, 0 or more.", cell=_label(cell))
        )
    full = quota is not None and responses >= quota
    if full and not closed:
        raise QuotaError(
            gettext(
                "%(cell)s has %(responses)d responses, which meets the quota of %(quota)d: "
                "raise the quota above %(responses)d or remove it to keep the cell open.",
                cell=_label(cell),
                responses=responses,
                quota=quota,
            )
        )
    before = state(cell, "quota", "quota_closed")
    cell.quota = quota
    cell.quota_closed = closed
    after = state(cell, "quota", "quota_closed")
    if before == after:
        return False
    record_audit("frame_cell.quota", cell, before=before, after=after)
    return True


def quotas_to_targets(round_: Round) -> int:
    """Give every cell of the round its target sample size as quota, closing the cells that
    already meet it; one audit event. How many cells changed."""
    responses = cell_responses(round_.id)
    cells = db.session.scalars(select(FrameCell).where(FrameCell.round_id == round_.id)).all()
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for cell in cells:
        old = state(cell, "quota", "quota_closed")
        cell.quota = cell.sample_size
        key = (cell.unit_id, cell.respondent_group, cell.stratum)
        cell.quota_closed = cell.quota_closed or responses.get(key, 0) >= cell.quota
        new = state(cell, "quota", "quota_closed")
        if old != new:
            before[str(cell.id)] = old
            after[str(cell.id)] = new
    if after:
        record_audit(
            "frame_cells.quotas_to_targets",
            round_,
            before={"cells": before},
            after={"cells": after},
        )
    return len(after)


def remove_quotas(round_: Round) -> int:
    """Remove every quota of the round and reopen every cell; one audit event. How many cells
    changed."""
    cells = db.session.scalars(select(FrameCell).where(FrameCell.round_id == round_.id)).all()
    before: dict[str, Any] = {}
    for cell in cells:
        if cell.quota is not None or cell.quota_closed:
            before[str(cell.id)] = state(cell, "quota", "quota_closed")
            cell.quota = None
            cell.quota_closed = False
    if before:
        record_audit(
            "frame_cells.quotas_removed",
            round_,
            before={"cells": before},
            after={"cells": {key: {"quota": None, "quota_closed": False} for key in before}},
        )
    return len(before)
