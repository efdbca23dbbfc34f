"""Imported statistics: the figures the scheme's statistic leaves convert to points.

A statistic leaf names an indicator (e.g. the share of files settled on time); evaluators import
one figure per unit × indicator from a CSV or XLSX file with the columns ``unit_code``,
``indicator`` and ``value`` (a decimal comma is accepted); the template adds
``criterion_code`` and ``measure`` for reading. The import is all or nothing — every problem
listed with its row and column — and replaces the figures it names; one audit event lists each
change (before, after).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select

from analysis.index.numbers import parse_number
from questionnaires.scheme import Scheme, SourceKind, StatisticSource
from survey_app.audit import record_audit
from survey_app.auth import current_account
from survey_app.models import Round, StatisticValue, Unit, db
from survey_app.models.base import utcnow
from survey_app.staff.tables import ImportProblem, ImportRefused, Row, read_table

REQUIRED: tuple[str, ...] = ("unit_code", "indicator", "value")
"""Columns a figures file must have."""

INFORMATION: tuple[str, ...] = ("criterion_code", "measure")
"""Template columns for the reader, ignored on import."""

TEMPLATE: tuple[str, ...] = ("unit_code", "indicator", "criterion_code", "measure", "value")
"""The template's columns, in order."""


@dataclass(frozen=True)
class Indicator:
    """A statistic leaf's indicator: its code, the leaf, and what it measures."""

    code: str
    criterion: str
    measure: str


def indicators(scheme: Scheme, language: str) -> list[Indicator]:
    """The indicators of the scheme's statistic leaves, in scheme order."""
    found = []
    for leaf in scheme.leaves(SourceKind.STATISTIC):
        source = leaf.source
        assert isinstance(source, StatisticSource)
        measure = source.measure.get(language) if source.measure else leaf.title.get(language)
        found.append(Indicator(source.indicator, leaf.code, measure))
    return found


def _figure(
    row: Row, units: dict[str, Unit], known: set[str], problems: list[ImportProblem]
) -> tuple[int, str, float] | None:
    """The unit, indicator and value of one row, or None with its problems noted."""
    before = len(problems)
    code, indicator, text = row.get("unit_code"), row.get("indicator"), row.get("value")
    if code not in units:
        problems.append(
            ImportProblem(
                row.number,
                "unit_code",
                gettext("%(value)s is not a unit of this round.", value=code or "—"),
            )
        )
    if indicator not in known:
        problems.append(
            ImportProblem(
                row.number,
                "indicator",
                gettext(
                    "%(value)s is not an indicator of this scheme: %(allowed)s.",
                    value=indicator or "—",
                    allowed=", ".join(sorted(known)),
                ),
            )
        )
    value = parse_number(text)
    if not text:
        problems.append(ImportProblem(row.number, "value", gettext("Enter the figure.")))
    elif value is None:
        problems.append(
            ImportProblem(row.number, "value", gettext("%(value)s is not a number.", value=text))
        )
    if len(problems) > before or value is None:
        return None
    return units[code].id, indicator, value


def read_figures(
    scheme: Scheme, units: Sequence[Unit], data: bytes, filename: str
) -> list[tuple[int, str, float]]:
    """The figures of an uploaded file (unit id, indicator, value); :class:`ImportRefused`
    with every problem, nothing stored."""
    rows = read_table(data, filename, required=REQUIRED, optional=INFORMATION)
    by_code = {unit.code: unit for unit in units}
    known = {indicator.code for indicator in indicators(scheme, "en")}
    problems: list[ImportProblem] = []
    figures: list[tuple[int, str, float]] = []
    first_row: dict[tuple[int, str], int] = {}
    for row in rows:
        if not row.get("value") and not row.get("unit_code") and not row.get("indicator"):
            continue
        figure = _figure(row, by_code, known, problems)
        if figure is None:
            continue
        key = figure[:2]
        if key in first_row:
            problems.append(
                ImportProblem(
                    row.number,
                    "indicator",
                    gettext(
                        "Unit %(unit)s, indicator %(indicator)s is already in row %(row)d.",
                        unit=row.get("unit_code"),
                        indicator=figure[1],
                        row=first_row[key],
                    ),
                )
            )
            continue
        first_row[key] = row.number
        figures.append(figure)
    if problems:
        raise ImportRefused(problems)
    if not figures:
        raise ImportRefused([ImportProblem(None, None, gettext("The file has no figure."))])
    return figures


def stored_figures(round_: Round) -> dict[tuple[int, str], StatisticValue]:
    """The round's stored figures by unit id and indicator."""
    rows = db.session.scalars(select(StatisticValue).where(StatisticValue.round_id == round_.id))
    return {(row.unit_id, row.statistic): row for row in rows}


def save_figures(
    round_: Round, figures: Sequence[tuple[int, str, float]], *, source_hash: str
) -> int:
    """Store new and changed figures with one audit event; how many changed."""
    stored = stored_figures(round_)
    ids = {unit_id for unit_id, _, _ in figures}
    rows = db.session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(ids)))
    codes = {unit_id: code for unit_id, code in rows}
    user = current_account()
    changes = []
    for unit_id, indicator, value in figures:
        row = stored.get((unit_id, indicator))
        if row is not None and row.value == value:
            continue
        changes.append(
            {
                "unit": codes[unit_id],
                "indicator": indicator,
                "before": row.value if row is not None else None,
                "after": value,
            }
        )
        if row is None:
            row = StatisticValue(round_id=round_.id, unit_id=unit_id, statistic=indicator)
            db.session.add(row)
        row.value = value
        row.entered_by = user.id
        row.entered_at = utcnow()
        row.source_hash = source_hash
    if changes:
        record_audit(
            "statistics.import",
            object_type="statistic_values",
            round_id=round_.id,
            details={"source_sha256": source_hash, "changes": changes},
        )
    return len(changes)


def template_rows(
    round_: Round, scheme: Scheme, units: Sequence[Unit], language: str
) -> list[list[object]]:
    """The template: one row per unit × indicator, with the figures already imported."""
    stored = stored_figures(round_)
    rows: list[list[object]] = []
    for unit in units:
        for indicator in indicators(scheme, language):
            found = stored.get((unit.id, indicator.code))
            value = f"{found.value:g}" if found is not None else ""
            rows.append([unit.code, indicator.code, indicator.criterion, indicator.measure, value])
    return rows
