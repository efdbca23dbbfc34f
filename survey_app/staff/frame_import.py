"""Importing a round's sampling frame and population margins, all or nothing.

**Frame** columns: ``unit_code`` (a unit the round evaluates), ``respondent_group`` (a group
the round surveys), ``population`` (N, a whole number ≥ 0) and optionally ``stratum`` (blank:
the unit's code), ``margin_of_error`` (e, 0 < e < 1, default 0.05; a decimal comma is
accepted), ``sample_size`` (the target n, 0 ≤ n ≤ N; blank: ``ceil(N / (1 + N·e²))``) and
``quota`` (responses after which the cell closes; blank: no quota). A unit × group × stratum
appears once.

**Margins** columns: ``respondent_group``, ``variable``, ``level`` (blank for a numeric
variable) and ``target`` (a population total ≥ 0). A group × variable × level appears once; a
variable is either categorical (every row has a level) or numeric (one row, no level); and the
categorical variables of a group must add up to the same total (each is the population size),
as raking requires (``analysis.weighting.margins``).

An import replaces the round's whole frame (or margins) in one transaction with its audit
event; any problem, reported with row and column, and nothing is stored.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from sqlalchemy import delete, func, select

from analysis.weighting.margins import MARGIN_TOTAL_RTOL
from survey_app.audit import record_audit
from survey_app.models import FrameCell, PopulationMargin, Round, RoundQuestionnaire, db
from survey_app.staff.sample_size import DEFAULT_MARGIN_OF_ERROR, sample_size
from survey_app.staff.tables import ImportProblem, ImportRefused, Row, file_hash, read_table

FRAME_REQUIRED: tuple[str, ...] = ("unit_code", "respondent_group", "population")
FRAME_OPTIONAL: tuple[str, ...] = ("stratum", "margin_of_error", "sample_size", "quota")
FRAME_TEMPLATE: tuple[str, ...] = (
    "unit_code",
    "respondent_group",
    "stratum",
    "population",
    "margin_of_error",
    "sample_size",
    "quota",
)
"""The frame file's columns, in template order."""

MARGIN_COLUMNS: tuple[str, ...] = ("respondent_group", "variable", "level", "target")
"""The margins file's columns, in template order."""

WHOLE_NUMBER = re.compile(r"^\d+$")
STRATUM_LENGTH = 128
VARIABLE_LENGTH = 64
LEVEL_LENGTH = 128


def round_groups(round_: Round) -> list[str]:
    """The respondent groups ``round_`` surveys (those of its questionnaires), sorted."""
    groups = db.session.scalars(
        select(RoundQuestionnaire.respondent_group)
        .where(RoundQuestionnaire.round_id == round_.id)
        .distinct()
    )
    return sorted(groups)


def _whole(row: Row, column: str, problems: list[ImportProblem]) -> int | None:
    """The whole number ≥ 0 in ``column``; None (noting a problem unless blank) otherwise."""
    text = row.get(column)
    if not text:
        return None
    if not WHOLE_NUMBER.fullmatch(text):
        problems.append(
            ImportProblem(
                row.number,
                column,
                gettext("%(value)s is not a whole number of 0 or more.", value=text),
            )
        )
        return None
    return int(text)


def _decimal(row: Row, column: str, problems: list[ImportProblem]) -> Decimal | None:
    """The decimal number in ``column`` (a decimal comma allowed); None if blank or bad."""
    text = row.get(column)
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        problems.append(
            ImportProblem(row.number, column, gettext("%(value)s is not a number.", value=text))
        )
        return None
    return value


def _choice(
    row: Row, column: str, allowed: list[str] | dict[str, int], problems: list[ImportProblem]
) -> str | None:
    """The value of ``column`` if it is one of ``allowed``; None (with a problem) otherwise."""
    text = row.get(column)
    if text in allowed:
        return text
    problems.append(
        ImportProblem(
            row.number,
            column,
            gettext(
                "%(value)s is not one of this round's: %(allowed)s.",
                value=text or "—",
                allowed=", ".join(sorted(allowed)) or "—",
            ),
        )
    )
    return None


def _require_setup(round_: Round, groups: list[str]) -> None:
    """Refuse a frame for a round without units or questionnaires."""
    if not round_.units or not groups:
        raise ImportRefused(
            [
                ImportProblem(
                    None,
                    None,
                    gettext("Choose the round's units and questionnaires before its frame."),
                )
            ]
        )


@dataclass(frozen=True)
class CellSpec:
    """One checked frame row."""

    unit_id: int
    respondent_group: str
    stratum: str
    population: int
    margin_of_error: Decimal
    sample_size: int
    quota: int | None


def _cell(
    row: Row, units: dict[str, int], groups: list[str], problems: list[ImportProblem]
) -> CellSpec | None:
    """The cell of one frame row, or None with its problems noted."""
    before = len(problems)
    unit_code = _choice(row, "unit_code", units, problems)
    group = _choice(row, "respondent_group", groups, problems)
    stratum = row.get("stratum") or (unit_code or "")
    if len(stratum) > STRATUM_LENGTH:
        problems.append(
            ImportProblem(
                row.number,
                "stratum",
                gettext("At most %(count)d characters.", count=STRATUM_LENGTH),
            )
        )
    population = _whole(row, "population", problems)
    if population is None and not row.get("population"):
        problems.append(
            ImportProblem(row.number, "population", gettext("Enter the population count N."))
        )
    e = _decimal(row, "margin_of_error", problems)
    if e is not None and not 0 < e < 1:
        problems.append(
            ImportProblem(
                row.number,
                "margin_of_error",
                gettext("The margin of error must lie between 0 and 1, e.g. 0.05."),
            )
        )
    target = _whole(row, "sample_size", problems)
    quota = _whole(row, "quota", problems)
    if population is not None and target is not None and target > population:
        problems.append(
            ImportProblem(
                row.number,
                "sample_size",
                gettext(
                    "The sample size %(n)d is larger than the population %(N)d.",
                    n=target,
                    N=population,
                ),
            )
        )
    if len(problems) > before or unit_code is None or group is None or population is None:
        return None
    margin = e if e is not None else DEFAULT_MARGIN_OF_ERROR
    return CellSpec(
        unit_id=units[unit_code],
        respondent_group=group,
        stratum=stratum,
        population=population,
        margin_of_error=margin,
        sample_size=target if target is not None else sample_size(population, margin),
        quota=quota,
    )


@dataclass(frozen=True)
class FrameSummary:
    """The size of a round's frame: cells, total N, total n, and population margins."""

    cells: int
    population: int
    sample_size: int
    margins: int


def frame_summary(round_: Round) -> FrameSummary:
    """The size of the round's stored frame and margins."""
    cells, population, target = db.session.execute(
        select(
            func.count(FrameCell.id),
            func.coalesce(func.sum(FrameCell.population), 0),
            func.coalesce(func.sum(FrameCell.sample_size), 0),
        ).where(FrameCell.round_id == round_.id)
    ).one()
    margins = db.session.scalar(
        select(func.count(PopulationMargin.id)).where(PopulationMargin.round_id == round_.id)
    )
    return FrameSummary(int(cells), int(population), int(target), int(margins or 0))


def _cells_state(round_: Round) -> dict[str, int]:
    """What the audit shows of a frame."""
    summary = frame_summary(round_)
    return {
        "cells": summary.cells,
        "population": summary.population,
        "sample_size": summary.sample_size,
    }


def import_frame(round_: Round, data: bytes, filename: str) -> int:
    """Replace the round's frame with the file's cells (the caller commits); how many."""
    groups = round_groups(round_)
    _require_setup(round_, groups)
    rows = read_table(data, filename, required=FRAME_REQUIRED, optional=FRAME_OPTIONAL)
    units = {unit.code: unit.id for unit in round_.units}
    problems: list[ImportProblem] = []
    cells: list[CellSpec] = []
    first_row: dict[tuple[int, str, str], int] = {}
    for row in rows:
        cell = _cell(row, units, groups, problems)
        if cell is None:
            continue
        key = (cell.unit_id, cell.respondent_group, cell.stratum)
        if key in first_row:
            problems.append(
                ImportProblem(
                    row.number,
                    "stratum",
                    gettext(
                        "This unit, group and stratum are also in row %(row)d.",
                        row=first_row[key],
                    ),
                )
            )
            continue
        first_row[key] = row.number
        cells.append(cell)
    if not rows:
        problems.append(ImportProblem(None, None, gettext("The file has no rows.")))
    if problems:
        raise ImportRefused(problems)
    before = _cells_state(round_)
    db.session.execute(delete(FrameCell).where(FrameCell.round_id == round_.id))
    db.session.add_all(
        FrameCell(
            round_id=round_.id,
            unit_id=cell.unit_id,
            respondent_group=cell.respondent_group,
            stratum=cell.stratum,
            population=cell.population,
            sample_size=cell.sample_size,
            margin_of_error=float(cell.margin_of_error),
            quota=cell.quota,
        )
        for cell in cells
    )
    db.session.flush()
    record_audit(
        "frame.import",
        round_,
        before=before,
        after=_cells_state(round_),
        details={"file_sha256": file_hash(data)},
    )
    return len(cells)


@dataclass(frozen=True)
class MarginSpec:
    """One checked margins row."""

    row: int
    respondent_group: str
    variable: str
    level: str
    target: float


def _margin(row: Row, groups: list[str], problems: list[ImportProblem]) -> MarginSpec | None:
    """The margin of one row, or None with its problems noted."""
    before = len(problems)
    group = _choice(row, "respondent_group", groups, problems)
    variable = row.get("variable")
    if not variable:
        problems.append(ImportProblem(row.number, "variable", gettext("Enter the variable.")))
    elif len(variable) > VARIABLE_LENGTH:
        problems.append(
            ImportProblem(
                row.number,
                "variable",
                gettext("At most %(count)d characters.", count=VARIABLE_LENGTH),
            )
        )
    level = row.get("level")
    if len(level) > LEVEL_LENGTH:
        problems.append(
            ImportProblem(
                row.number, "level", gettext("At most %(count)d characters.", count=LEVEL_LENGTH)
            )
        )
    target = _decimal(row, "target", problems)
    if target is None and not row.get("target"):
        problems.append(ImportProblem(row.number, "target", gettext("Enter the target total.")))
    elif target is not None and target < 0:
        problems.append(
            ImportProblem(row.number, "target", gettext("The target must be 0 or more."))
        )
    if len(problems) > before or group is None or target is None:
        return None
    return MarginSpec(row.number, group, variable, level, float(target))


def _total_problems(margins: list[MarginSpec]) -> list[ImportProblem]:
    """Variables mixing numeric and categorical rows, and categorical totals that differ."""
    by_variable: dict[tuple[str, str], list[MarginSpec]] = defaultdict(list)
    for margin in margins:
        by_variable[(margin.respondent_group, margin.variable)].append(margin)
    problems: list[ImportProblem] = []
    reference: dict[str, tuple[str, float]] = {}
    for (group, variable), rows in by_variable.items():
        blank = [m for m in rows if not m.level]
        if blank and len(rows) > 1:
            problems.append(
                ImportProblem(
                    blank[0].row,
                    "level",
                    gettext(
                        "Variable %(variable)s has levels in other rows; a numeric variable "
                        "has one row with no level.",
                        variable=variable,
                    ),
                )
            )
            continue
        if blank:
            continue
        total = math.fsum(m.target for m in rows)
        if group not in reference:
            reference[group] = (variable, total)
            continue
        first, expected = reference[group]
        if abs(total - expected) > MARGIN_TOTAL_RTOL * max(abs(total), abs(expected)):
            problems.append(
                ImportProblem(
                    rows[0].row,
                    "target",
                    gettext(
                        "For group %(group)s the levels of %(variable)s add up to %(total)s but "
                        "those of %(first)s to %(expected)s; both must be the population size.",
                        group=group,
                        variable=variable,
                        total=f"{total:g}",
                        first=first,
                        expected=f"{expected:g}",
                    ),
                )
            )
    return problems


def import_margins(round_: Round, data: bytes, filename: str) -> int:
    """Replace the round's population margins with the file's (the caller commits); how many."""
    groups = round_groups(round_)
    _require_setup(round_, groups)
    rows = read_table(data, filename, required=MARGIN_COLUMNS)
    problems: list[ImportProblem] = []
    margins: list[MarginSpec] = []
    first_row: dict[tuple[str, str, str], int] = {}
    for row in rows:
        margin = _margin(row, groups, problems)
        if margin is None:
            continue
        key = (margin.respondent_group, margin.variable, margin.level)
        if key in first_row:
            problems.append(
                ImportProblem(
                    row.number,
                    "level",
                    gettext(
                        "This group, variable and level are also in row %(row)d.",
                        row=first_row[key],
                    ),
                )
            )
            continue
        first_row[key] = row.number
        margins.append(margin)
    if not problems:
        problems = _total_problems(margins)
    if not rows:
        problems.append(ImportProblem(None, None, gettext("The file has no rows.")))
    if problems:
        raise ImportRefused(problems)
    before = frame_summary(round_).margins
    db.session.execute(delete(PopulationMargin).where(PopulationMargin.round_id == round_.id))
    db.session.add_all(
        PopulationMargin(
            round_id=round_.id,
            respondent_group=m.respondent_group,
            variable=m.variable,
            level=m.level,
            target=m.target,
        )
        for m in margins
    )
    record_audit(
        "margins.import",
        round_,
        before={"margins": before},
        after={"margins": len(margins)},
        details={"file_sha256": file_hash(data)},
    )
    return len(margins)


def frame_template_rows(round_: Round) -> list[list[object]]:
    """One template row per unit × group of the round, N and n left to fill in."""
    groups = round_groups(round_)
    return [
        [unit.code, group, "", "", str(DEFAULT_MARGIN_OF_ERROR), "", ""]
        for unit in round_.units
        for group in groups
    ]
