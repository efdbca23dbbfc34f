"""The demo: bundled questionnaires, the Thừa Thiên Huế units and an open round.

Loading is idempotent: each row is looked up by its natural key (content hash, unit code, round
code, round + questionnaire) and only missing rows are added. Invitation codes are issued only
for a round that has no batch yet, one batch per unit for the leaders' survey, as staff issue
them in the workspace; they are returned once to be printed and written to a file, and the
database keeps only their keyed hashes.

Demo accounts (one per workspace role: ``admin``, ``staff``, ``evaluator``) are created by
``flask demo load`` (:func:`ensure_demo_accounts`) only when the database has no account at
all, each with a random password returned once, so that a newcomer can sign in to ``/staff/``
and ``/evaluate/``; a real deployment creates its first administrator with ``flask users
create`` instead.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from questionnaires.loader import bundled_questionnaires
from survey_app import invitations
from survey_app.auth.accounts import create_user
from survey_app.catalogue import store_version
from survey_app.demo_units import DEPARTMENTS, DISTRICTS, PROVINCE, DemoUnit
from survey_app.models import (
    Access,
    InvitationBatch,
    QuestionnaireVersion,
    Round,
    RoundQuestionnaire,
    RoundStatus,
    Unit,
    User,
    db,
)

ROUND_CODE = "demo"
"""The demo round's code, as in ``/r/demo/sipas_citizens``."""

OFFERS: tuple[tuple[str, Access], ...] = (
    ("sipas_citizens", Access.PUBLIC),
    ("province_department", Access.PUBLIC),
    ("par_leaders", Access.INVITATION),
)
"""Which bundled questionnaire the demo round offers, and how."""

CODES_PER_UNIT = 2
"""Invitation codes issued to each department and district for the leaders' survey."""

BATCH_LABEL = "demo"
"""The label of the demo's invitation batches."""


DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("admin", "Quản trị viên (demo)", "admin"),
    ("staff", "Cán bộ khảo sát (demo)", "staff"),
    ("evaluator", "Cán bộ thẩm định (demo)", "evaluator"),
)
"""The demo's workspace accounts: username, display name, role."""


@dataclass(frozen=True)
class DemoAccount:
    """A demo account created with its one-time password."""

    username: str
    role: str
    password: str


@dataclass(frozen=True)
class IssuedCode:
    """One invitation code handed out, with the unit it is for."""

    unit_code: str
    unit_name: str
    code: str


@dataclass
class DemoLoad:
    """What a load added."""

    versions_added: int = 0
    units_added: int = 0
    round_added: bool = False
    offers_added: int = 0
    codes: list[IssuedCode] = field(default_factory=list)


def _ensure_unit(spec: DemoUnit, parent: Unit | None, report: DemoLoad) -> Unit:
    """The unit with ``spec.code``, created if missing."""
    unit = db.session.scalars(select(Unit).where(Unit.code == spec.code)).first()
    if unit is None:
        unit = Unit(
            code=spec.code,
            name_vi=spec.name_vi,
            name_en=spec.name_en,
            kind=spec.kind,
            parent_id=parent.id if parent is not None else None,
        )
        db.session.add(unit)
        db.session.flush()
        report.units_added += 1
    return unit


def _ensure_round(today: date, report: DemoLoad) -> Round:
    """The demo round, created open from ``today`` if missing."""
    round_ = db.session.scalars(select(Round).where(Round.code == ROUND_CODE)).first()
    if round_ is None:
        round_ = Round(
            code=ROUND_CODE,
            year=today.year,
            title_vi=f"Khảo sát thử nghiệm Chỉ số CCHC năm {today.year}",
            title_en=f"PAR Index demonstration survey {today.year}",
            opens_on=today,
            closes_on=None,
            status=RoundStatus.OPEN,
        )
        db.session.add(round_)
        db.session.flush()
        report.round_added = True
    return round_


def _ensure_offer(
    round_: Round, version: QuestionnaireVersion, access: Access, report: DemoLoad
) -> RoundQuestionnaire:
    """The round's offer of ``version``'s questionnaire, created if missing."""
    offer = db.session.scalars(
        select(RoundQuestionnaire)
        .join(RoundQuestionnaire.questionnaire_version)
        .where(
            RoundQuestionnaire.round_id == round_.id,
            QuestionnaireVersion.questionnaire_id == version.questionnaire_id,
        )
    ).first()
    if offer is None:
        offer = RoundQuestionnaire(
            round_id=round_.id,
            questionnaire_version_id=version.id,
            respondent_group=version.respondent_group,
            access=access,
        )
        db.session.add(offer)
        db.session.flush()
        report.offers_added += 1
    return offer


def load_demo(today: date) -> DemoLoad:
    """Add whatever part of the demo is missing; returns what was added."""
    report = DemoLoad()
    versions: dict[str, QuestionnaireVersion] = {}
    for questionnaire_id, questionnaire in bundled_questionnaires().items():
        version, added = store_version(questionnaire)
        versions[questionnaire_id] = version
        report.versions_added += int(added)
    province = _ensure_unit(PROVINCE, None, report)
    members = [_ensure_unit(spec, province, report) for spec in DEPARTMENTS + DISTRICTS]
    round_ = _ensure_round(today, report)
    offers = [_ensure_offer(round_, versions[qid], access, report) for qid, access in OFFERS]
    db.session.commit()
    has_codes = db.session.scalar(
        select(func.count())
        .select_from(InvitationBatch)
        .where(InvitationBatch.round_id == round_.id)
    )
    if not has_codes:
        leaders = next(offer for offer in offers if offer.access == Access.INVITATION)
        for unit in members:
            for issued in invitations.issue_batch(
                round_, unit, leaders.respondent_group, CODES_PER_UNIT, BATCH_LABEL, None
            ):
                report.codes.append(IssuedCode(unit.code, unit.name_vi, issued.code))
        db.session.commit()
    return report


def ensure_demo_accounts() -> list[DemoAccount]:
    """The demo's workspace accounts with their one-time passwords, created (and committed)
    only when the database has no account at all; otherwise none."""
    if db.session.scalar(select(func.count()).select_from(User)):
        return []
    created = []
    for username, display_name, role in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        create_user(username=username, display_name=display_name, role=role, password=password)
        created.append(DemoAccount(username, role, password))
    db.session.commit()
    return created
