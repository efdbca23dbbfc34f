"""A small monitored round whose figures can be worked out by hand, and helpers to store
responses, drafts and invitations in it.

The round ``mon-2025`` evaluates the departments ``justice`` and ``finance`` and offers the
bundled ``par_leaders`` form to leaders (by invitation) and ``province_department`` to
delegates (public link; the department is answered, so it names the unit). Answers are
written in the stored convention with alternating levels (``4``, ``3``, ``4`` …) so that no
page is straight-lined unless a test says so.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from questionnaires.loader import Questionnaire, bundled_questionnaires
from questionnaires.model import CHOICE_TYPES, ItemType
from survey_app.models import (
    Access,
    Draft,
    FrameCell,
    Invitation,
    InvitationBatch,
    Response,
    Round,
    RoundQuestionnaire,
    RoundStatus,
    Unit,
    db,
)
from survey_app.models.base import utcnow
from survey_app.staff.round_setup import Offer, RoundSettings, create_round
from tests.app.staff.staff_helpers import add_unit

LEADERS = "par_leaders"
DELEGATES = "province_department"


def questionnaire(questionnaire_id: str) -> Questionnaire:
    """A bundled questionnaire."""
    return bundled_questionnaires()[questionnaire_id]


def make_round(app: Flask, *, status: RoundStatus = RoundStatus.OPEN) -> int:
    """The round ``mon-2025`` (justice, finance; leaders by invitation, delegates public)."""
    add_unit(app, "justice")
    add_unit(app, "finance")
    with app.app_context(), app.test_request_context():
        units = db.session.scalars(select(Unit.id).order_by(Unit.code)).all()
        round_ = create_round(
            RoundSettings(
                code="mon-2025",
                year=2025,
                title_vi="Khảo sát theo dõi",
                title_en="Monitored survey",
                unit_ids=list(units),
                offers={
                    "leader": Offer(LEADERS, Access.INVITATION),
                    "delegate": Offer(DELEGATES, Access.PUBLIC),
                },
            )
        )
        round_.status = status
        db.session.commit()
        return round_.id


def unit_id(app: Flask, code: str) -> int:
    """The id of unit ``code``."""
    with app.app_context():
        return db.session.scalars(select(Unit.id).where(Unit.code == code)).one()


def add_cell(
    app: Flask,
    round_id: int,
    unit: str,
    group: str,
    stratum: str,
    target: int,
    *,
    quota: int | None = None,
    closed: bool = False,
) -> int:
    """A frame cell with population 10 × ``target``; its id."""
    with app.app_context():
        cell = FrameCell(
            round_id=round_id,
            unit_id=unit_id(app, unit),
            respondent_group=group,
            stratum=stratum,
            population=10 * target,
            sample_size=target,
            margin_of_error=0.05,
            quota=quota,
            quota_closed=closed,
        )
        db.session.add(cell)
        db.session.commit()
        return cell.id


def answers_for(questionnaire_id: str, **chosen: Any) -> dict[str, Any]:
    """Answers to every item shown, rating items alternating ``4``/``3`` (none straight-lined),
    ``chosen`` overriding item by item (None leaves an item out)."""
    form = questionnaire(questionnaire_id)
    answers: dict[str, Any] = {}
    flip = False
    for item in form.items:
        if item.code in chosen:
            if chosen[item.code] is not None:
                answers[item.code] = chosen[item.code]
            continue
        if item.type is ItemType.RATING:
            answers[item.code] = "3" if flip else "4"
            flip = not flip
        elif item.type in CHOICE_TYPES:
            code = next(c.code for c in form.choices(item) if c.special is None)
            answers[item.code] = [code] if item.type is ItemType.MULTIPLE_CHOICE else code
        elif item.type is ItemType.NUMBER:
            answers[item.code] = int(item.minimum or 0) + 1
        elif item.type is ItemType.DATE:
            answers[item.code] = "2025-01-15"
        elif item.required is True:
            answers[item.code] = "Ý kiến"
    return dict(form.prune_hidden(answers))


def page_codes(questionnaire_id: str, page_id: str) -> list[str]:
    """The rating items of a page."""
    page = questionnaire(questionnaire_id).page(page_id)
    return [item.code for item in page.items if item.type is ItemType.RATING]


def add_response(
    app: Flask,
    round_id: int,
    *,
    unit: str | None,
    group: str,
    stratum: str | None,
    questionnaire_id: str,
    answers: Mapping[str, Any],
    seconds: float | None = None,
    serial: str | None = None,
) -> str:
    """Store a response (web with ``seconds`` of paradata, paper with ``serial``); its id."""
    form = questionnaire(questionnaire_id)
    with app.app_context():
        response = Response(
            round_id=round_id,
            unit_id=unit_id(app, unit) if unit is not None else None,
            respondent_group=group,
            questionnaire_id=form.id,
            questionnaire_version=form.version,
            questionnaire_hash=form.content_hash,
            mode="paper" if serial is not None else "web",
            answers=dict(answers),
            paradata={}
            if seconds is None
            else {"page_seconds": {}, "duration_seconds": seconds, "device": "desktop"},
            stratum=stratum,
            cluster=None,
            submitted_on=date(2025, 3, 1),
            submission_key=secrets.token_hex(16),
            form_serial=serial,
        )
        db.session.add(response)
        db.session.commit()
        return response.id


def offer_id(app: Flask, round_id: int, group: str) -> int:
    """The round's offer to ``group``."""
    with app.app_context():
        return db.session.scalars(
            select(RoundQuestionnaire.id).where(
                RoundQuestionnaire.round_id == round_id,
                RoundQuestionnaire.respondent_group == group,
            )
        ).one()


def add_invitations(
    app: Flask,
    round_id: int,
    unit: str,
    *,
    used: int = 0,
    issued: int = 0,
    revoked: int = 0,
    revoked_batch: int = 0,
) -> list[int]:
    """Leaders' invitations of ``unit`` in each state (``revoked_batch``: issued codes in a
    revoked batch); the ids of the unused issued ones. Used codes, as after a real use, are
    counted in their batch's size and have no row."""
    with app.app_context():
        unit_key = unit_id(app, unit)
        made: list[Invitation] = []
        plans = [("live", used + issued + revoked, None), ("withdrawn", revoked_batch, utcnow())]
        for label, size, revoked_at in plans:
            if size == 0:
                continue
            batch = InvitationBatch(
                round_id=round_id,
                unit_id=unit_key,
                respondent_group="leader",
                label=label,
                size=size,
                revoked_at=revoked_at,
            )
            db.session.add(batch)
            db.session.flush()
            states = (
                ["issued"] * issued + ["revoked"] * revoked
                if label == "live"
                else ["issued"] * revoked_batch
            )
            for status in states:
                invitation = Invitation(
                    round_id=round_id,
                    unit_id=unit_key,
                    respondent_group="leader",
                    code_hash=secrets.token_hex(32),
                    status=status,
                    batch_id=batch.id,
                )
                db.session.add(invitation)
                if label == "live" and status == "issued":
                    made.append(invitation)
        db.session.commit()
        return [invitation.id for invitation in made]


def add_draft(
    app: Flask,
    round_id: int,
    group: str,
    *,
    answers: Mapping[str, Any] | None = None,
    invitation_id: int | None = None,
    expired: bool = False,
) -> str:
    """An unfinished draft of the round's offer to ``group``; its id."""
    with app.app_context():
        now = utcnow()
        draft = Draft(
            id=secrets.token_hex(16),
            round_questionnaire_id=offer_id(app, round_id, group),
            answers=dict(answers or {}),
            page_seconds={},
            submission_key=secrets.token_hex(16),
            invitation_id=invitation_id,
            expires_at=now - timedelta(days=1) if expired else now + timedelta(days=30),
        )
        db.session.add(draft)
        db.session.commit()
        return draft.id


def stored_round(app: Flask, round_id: int) -> Round:
    """The round (detached)."""
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert round_ is not None
        db.session.expunge(round_)
        return round_
