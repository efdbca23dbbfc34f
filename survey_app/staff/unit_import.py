"""Importing the unit hierarchy from a CSV or XLSX file, all or nothing.

Columns: ``code``, ``name_vi``, ``name_en``, ``kind`` (``ministry``, ``province``,
``department``, ``district``, ``commune``) and, optionally, ``parent_code`` (blank for a
top-level unit). A code already stored updates that unit; a new code adds one. A parent may be
a unit of the file or one already stored.

Every row is checked before anything is stored, and every problem is reported with its row and
column: a blank or malformed code, a code given twice, a missing name, an unknown kind, an
unknown parent, and a parent chain that comes back to where it started (a cycle, counting the
parents of stored units the file does not mention). One problem and nothing is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import select

from survey_app.audit import record_audit
from survey_app.models import Unit, UnitKind, db
from survey_app.staff.tables import ImportProblem, ImportRefused, Row, file_hash, read_table

REQUIRED_COLUMNS: tuple[str, ...] = ("code", "name_vi", "name_en", "kind")
OPTIONAL_COLUMNS: tuple[str, ...] = ("parent_code",)
TEMPLATE_COLUMNS: tuple[str, ...] = ("code", "name_vi", "name_en", "parent_code", "kind")
"""The columns of a unit file, in template order."""

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
"""A unit code (as schemes and responses use it)."""

NAME_LENGTH = 255


@dataclass(frozen=True)
class UnitSpec:
    """A unit as a row of the file gives it."""

    row: int
    code: str
    name_vi: str
    name_en: str
    kind: str
    parent_code: str | None


@dataclass
class UnitImport:
    """What an import did: the codes added and updated, and how many rows changed nothing."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


def _spec(row: Row, first_row: dict[str, int], problems: list[ImportProblem]) -> UnitSpec | None:
    """The unit of one row, or None (with its problems noted) when the row is not usable."""
    before = len(problems)
    code = row.get("code")
    if not code:
        problems.append(ImportProblem(row.number, "code", gettext("Enter the unit code.")))
    elif not CODE_PATTERN.fullmatch(code):
        problems.append(
            ImportProblem(
                row.number,
                "code",
                gettext(
                    "A code has at most 64 letters, digits, dots, hyphens or underscores, "
                    "without spaces."
                ),
            )
        )
    elif code in first_row:
        problems.append(
            ImportProblem(
                row.number,
                "code",
                gettext(
                    "The code %(code)s is also in row %(row)d.", code=code, row=first_row[code]
                ),
            )
        )
    else:
        first_row[code] = row.number
    for column in ("name_vi", "name_en"):
        name = row.get(column)
        if not name:
            problems.append(ImportProblem(row.number, column, gettext("Enter the name.")))
        elif len(name) > NAME_LENGTH:
            problems.append(
                ImportProblem(
                    row.number,
                    column,
                    gettext("The name must have at most %(count)d characters.", count=NAME_LENGTH),
                )
            )
    kind = row.get("kind")
    if kind not in tuple(UnitKind):
        problems.append(
            ImportProblem(
                row.number,
                "kind",
                gettext(
                    "Unknown kind %(kind)s; use one of %(kinds)s.",
                    kind=kind or "—",
                    kinds=", ".join(UnitKind),
                ),
            )
        )
    if len(problems) > before:
        return None
    return UnitSpec(
        row.number,
        code,
        row.get("name_vi"),
        row.get("name_en"),
        kind,
        row.get("parent_code") or None,
    )


def _cycle(start: str, parents: dict[str, str | None]) -> list[str] | None:
    """The codes of the cycle ``start`` belongs to, following parents; None if it has none."""
    path = [start]
    current = parents.get(start)
    while current is not None and current not in path:
        path.append(current)
        current = parents.get(current)
    if current == start:
        return path + [start]
    return None


def _parent_problems(specs: list[UnitSpec], stored: dict[str, Unit]) -> list[ImportProblem]:
    """Unknown parents and cycles."""
    stored_codes = {unit.id: code for code, unit in stored.items()}
    parents: dict[str, str | None] = {
        code: stored_codes.get(unit.parent_id) if unit.parent_id is not None else None
        for code, unit in stored.items()
    }
    known = set(stored) | {spec.code for spec in specs}
    problems: list[ImportProblem] = []
    for spec in specs:
        parents[spec.code] = spec.parent_code
        if spec.parent_code is not None and spec.parent_code not in known:
            problems.append(
                ImportProblem(
                    spec.row,
                    "parent_code",
                    gettext("Unknown parent unit %(code)s.", code=spec.parent_code),
                )
            )
    for spec in specs:
        cycle = _cycle(spec.code, parents)
        if cycle is not None:
            problems.append(
                ImportProblem(
                    spec.row,
                    "parent_code",
                    gettext("This parent makes a cycle: %(cycle)s.", cycle=" → ".join(cycle)),
                )
            )
    return problems


def _unit_state(unit: Unit, parent_code: str | None) -> dict[str, str | None]:
    """What the audit shows of a unit."""
    return {
        "code": unit.code,
        "name_vi": unit.name_vi,
        "name_en": unit.name_en,
        "kind": unit.kind,
        "parent_code": parent_code,
    }


def import_units(data: bytes, filename: str) -> UnitImport:
    """Check the whole file, then add and update its units with one audit event (the caller
    commits); :class:`ImportRefused` with every problem, and nothing changed, otherwise."""
    rows = read_table(data, filename, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS)
    problems: list[ImportProblem] = []
    first_row: dict[str, int] = {}
    specs = [spec for row in rows if (spec := _spec(row, first_row, problems)) is not None]
    stored = {unit.code: unit for unit in db.session.scalars(select(Unit))}
    if not problems:
        problems = _parent_problems(specs, stored)
    if not rows and not problems:
        problems.append(ImportProblem(None, None, gettext("The file has no units.")))
    if problems:
        raise ImportRefused(problems)
    return _store(specs, stored, file_hash(data))


def _store(specs: list[UnitSpec], stored: dict[str, Unit], digest: str) -> UnitImport:
    """Write the checked units and their audit event."""
    codes = {unit.id: code for code, unit in stored.items()}
    result = UnitImport()
    changes: list[dict[str, object]] = []
    before: dict[str, dict[str, str | None]] = {}
    for spec in specs:
        unit = stored.get(spec.code)
        if unit is None:
            unit = Unit(code=spec.code, name_vi=spec.name_vi, name_en=spec.name_en, kind=spec.kind)
            db.session.add(unit)
            stored[spec.code] = unit
            result.created.append(spec.code)
        else:
            parent = codes.get(unit.parent_id) if unit.parent_id is not None else None
            before[spec.code] = _unit_state(unit, parent)
            unit.name_vi, unit.name_en, unit.kind = spec.name_vi, spec.name_en, spec.kind
    db.session.flush()
    for spec in specs:
        unit = stored[spec.code]
        unit.parent_id = stored[spec.parent_code].id if spec.parent_code is not None else None
        if spec.code in before:
            after = _unit_state(unit, spec.parent_code)
            if after != before[spec.code]:
                result.updated.append(spec.code)
                changes.append({"code": spec.code, "before": before[spec.code], "after": after})
            else:
                result.unchanged += 1
    record_audit(
        "units.import",
        object_type="units",
        details={"file_sha256": digest, "created": result.created, "updated": changes},
    )
    return result
