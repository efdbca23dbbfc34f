"""A round ready to weight: two departments surveyed by citizens (stratified by district) and
leaders, its frame and margins, and responses with the demographics the margins name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser

import numpy as np
from flask import Flask
from sqlalchemy import select

from survey_app.models import (
    Access,
    FrameCell,
    PopulationMargin,
    QuestionnaireVersion,
    Response,
    RoundQuestionnaire,
    Unit,
    WeightingRun,
    db,
)
from survey_app.models.base import utcnow
from survey_app.staff.round_setup import Offer, RoundSettings, create_round
from survey_app.weighting_runs import WeightingSettings, compute_weights
from tests.app.staff.staff_helpers import add_unit

UNITS = ("finance", "justice")
DISTRICTS = ("hue", "a_luoi")
SEXES = ("male", "female")
AGE_BANDS = ("18_29", "30_44", "45_59", "60_plus")
AREAS = ("urban", "rural")

FRAME: dict[tuple[str, str, str], tuple[int, int]] = {
    ("finance", "citizen", "hue"): (4000, 40),
    ("finance", "citizen", "a_luoi"): (1000, 30),
    ("justice", "citizen", "hue"): (3000, 40),
    ("justice", "citizen", "a_luoi"): (2000, 30),
    ("finance", "leader", "finance"): (60, 20),
    ("justice", "leader", "justice"): (40, 20),
}
"""Frame cells: (unit, group, stratum) → (N, target n)."""

CITIZEN_MARGINS: dict[str, dict[str, float]] = {
    "sex": {"male": 4900, "female": 5100},
    "age": {"18_29": 2500, "30_44": 3000, "45_59": 2600, "60_plus": 1900},
    "area": {"urban": 6000, "rural": 4000},
}
"""Citizen population margins (10,000 people, as the frame)."""

LEVELS = ("province", "district")

LEADER_MARGINS: dict[str, dict[str, float]] = {"level": {"province": 70, "district": 30}}
"""Leader population margins (100 leaders, as the frame)."""


@dataclass(frozen=True)
class SeededRound:
    """What :func:`seed_round` stored."""

    round_id: int
    citizens: int
    leaders: int


def margins_csv(
    citizen: dict[str, dict[str, float]] = CITIZEN_MARGINS,
    leader: dict[str, dict[str, float]] = LEADER_MARGINS,
) -> str:
    """The margins as the CSV file the frame page imports."""
    lines = ["respondent_group,variable,level,target"]
    for group, margins in (("citizen", citizen), ("leader", leader)):
        for variable, levels in margins.items():
            lines.extend(
                f"{group},{variable},{level},{target:g}" for level, target in levels.items()
            )
    return "\n".join(lines) + "\n"


def frame_csv() -> str:
    """The frame as the CSV file the frame page imports."""
    lines = ["unit_code,respondent_group,stratum,population,sample_size"]
    lines.extend(
        f"{unit},{group},{'' if stratum == unit else stratum},{population},{target}"
        for (unit, group, stratum), (population, target) in FRAME.items()
    )
    return "\n".join(lines) + "\n"


def _version(round_id: int, group: str) -> QuestionnaireVersion:
    """The questionnaire version the round offers ``group``."""
    return db.session.scalars(
        select(QuestionnaireVersion)
        .join(
            RoundQuestionnaire,
            RoundQuestionnaire.questionnaire_version_id == QuestionnaireVersion.id,
        )
        .where(
            RoundQuestionnaire.round_id == round_id, RoundQuestionnaire.respondent_group == group
        )
    ).one()


def add_responses(
    app: Flask,
    round_id: int,
    cell: tuple[str, str, str],
    count: int,
    *,
    seed: int,
    answers: dict[str, object] | None = None,
) -> None:
    """Store ``count`` responses in a frame cell, demographics drawn at random (``seed``)."""
    rng = np.random.default_rng(seed)
    unit_code, group, stratum = cell
    with app.app_context():
        version = _version(round_id, group)
        unit = db.session.scalars(select(Unit).where(Unit.code == unit_code)).one()
        for index in range(count):
            drawn: dict[str, object] = {"b_level": str(rng.choice(LEVELS))}
            if group == "citizen":
                drawn = dict(
                    d_sex=str(rng.choice(SEXES)),
                    d_age_band=str(rng.choice(AGE_BANDS)),
                    d_area=str(rng.choice(AREAS)),
                    d_district=stratum,
                )
            drawn.update(answers or {})
            key = f"{unit_code}-{group}-{stratum}-{seed}-{index}"
            db.session.add(
                Response(
                    round_id=round_id,
                    unit_id=unit.id,
                    respondent_group=group,
                    questionnaire_id=version.questionnaire_id,
                    questionnaire_version=version.version,
                    questionnaire_hash=version.content_hash,
                    mode="web",
                    answers=drawn,
                    paradata={},
                    stratum=stratum if group == "citizen" else None,
                    cluster=f"{stratum}-c{index % 3}" if group == "citizen" else None,
                    submitted_on=date(2025, 5, 1),
                    submission_key=key,
                )
            )
        db.session.commit()


def create_weighting_round(app: Flask, code: str = "hue-2025") -> int:
    """A round evaluating the two departments, citizens by public link, leaders by code."""
    for unit in UNITS:
        add_unit(app, unit)
    with app.app_context(), app.test_request_context():
        unit_ids = db.session.scalars(select(Unit.id).where(Unit.code.in_(UNITS))).all()
        round_ = create_round(
            RoundSettings(
                code=code,
                year=2025,
                title_vi="Khảo sát Huế 2025",
                title_en="Huế survey 2025",
                unit_ids=list(unit_ids),
                offers={
                    "citizen": Offer("sipas_citizens", Access.PUBLIC),
                    "leader": Offer("par_leaders", Access.INVITATION),
                },
            )
        )
        db.session.commit()
        return round_.id


def store_frame(app: Flask, round_id: int) -> None:
    """The frame cells and margins stored directly (tests of the import use the page)."""
    with app.app_context():
        units = {unit.code: unit.id for unit in db.session.scalars(select(Unit))}
        for (unit, group, stratum), (population, target) in FRAME.items():
            db.session.add(
                FrameCell(
                    round_id=round_id,
                    unit_id=units[unit],
                    respondent_group=group,
                    stratum=stratum,
                    population=population,
                    sample_size=target,
                    margin_of_error=0.05,
                )
            )
        for group, margins in (("citizen", CITIZEN_MARGINS), ("leader", LEADER_MARGINS)):
            for variable, levels in margins.items():
                for level, target in levels.items():
                    db.session.add(
                        PopulationMargin(
                            round_id=round_id,
                            respondent_group=group,
                            variable=variable,
                            level=level,
                            target=target,
                        )
                    )
        db.session.commit()


RESPONSES: dict[tuple[str, str, str], int] = {
    ("finance", "citizen", "hue"): 30,
    ("finance", "citizen", "a_luoi"): 25,
    ("justice", "citizen", "hue"): 35,
    ("justice", "citizen", "a_luoi"): 20,
    ("finance", "leader", "finance"): 15,
    ("justice", "leader", "justice"): 12,
}
"""Responses stored per cell by :func:`seed_round` (fewer than each target)."""


def seed_round(app: Flask) -> SeededRound:
    """The round, its frame and margins, and :data:`RESPONSES` responses."""
    round_id = create_weighting_round(app)
    store_frame(app, round_id)
    for number, (cell, count) in enumerate(RESPONSES.items()):
        add_responses(app, round_id, cell, count, seed=number)
    citizens = sum(n for (_, group, _), n in RESPONSES.items() if group == "citizen")
    return SeededRound(round_id, citizens, sum(RESPONSES.values()) - citizens)


CITIZEN_SOURCES = {"sex": "item:d_sex", "age": "item:d_age_band", "area": "item:d_area"}
"""Where each citizen margin variable is read from."""

LEADER_SOURCES = {"level": "item:b_level"}
"""Where the leader margin variable is read from."""


def adopt_run(app: Flask, round_id: int, settings: WeightingSettings, label: str = "Run") -> int:
    """Weight the round with ``settings`` (as a run in the request would), store the run as
    succeeded and adopt it; its id."""
    with app.app_context():
        result = compute_weights(round_id, settings)
        run = WeightingRun(
            round_id=round_id,
            label=label,
            settings=settings.to_json(),
            status="succeeded",
            report=result.report,
            adopted_at=utcnow(),
        )
        run.store_weights(result.weights)
        db.session.add(run)
        db.session.commit()
        return run.id


class _FormValues(HTMLParser):
    """Collects the values a browser would post from the first POST form of a page's main."""

    def __init__(self) -> None:
        """Start outside any form."""
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._in_main = False
        self._in_form = False
        self._done = False
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note inputs, checked boxes and selected options inside the form."""
        attributes = dict(attrs)
        self._in_main = self._in_main or tag == "main"
        posts = (attributes.get("method") or "").lower() == "post"
        if tag == "form" and posts and self._in_main and not self._done:
            self._in_form = True
        if not self._in_form:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self.values.setdefault(name, []).append(attributes.get("value") or "y")
            elif kind != "file":
                self.values.setdefault(name, []).append(attributes.get("value") or "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            self.values.setdefault(self._select, []).append(attributes.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        """Leave a select or the form."""
        if tag == "select":
            self._select = None
        elif tag == "form" and self._in_form:
            self._in_form = False
            self._done = True


def form_values(html: str) -> dict[str, list[str]]:
    """What the first POST form of the page's main would send unchanged (name → values)."""
    parser = _FormValues()
    parser.feed(html)
    return parser.values
