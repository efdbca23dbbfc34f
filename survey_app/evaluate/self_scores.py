"""Units' self-scores (tự đánh giá): entered on the web form or imported from a file.

A unit scores itself on every *appraisal* leaf of the round's scheme (survey and statistic
leaves are never self-scored), from 0 to the leaf's maximum. The file has the columns of
``analysis.selfassessment``'s template — ``unit_code``, ``criterion_code``, ``self_score``
(a decimal comma is accepted), optional ``note``; the template's ``criterion_title`` and
``max_points`` are for reading and ignored — and is imported all or nothing: every problem is
listed with its row and column and nothing is stored. A row with neither a score nor a note is
an unfilled template row and skipped.

A self-score that has been appraised (any appraisal decision on it) no longer changes: a file
may repeat it unchanged, but a different value is refused — the unit asks for reconsideration
instead. Saving writes the new and changed scores with who entered them, when, and the file's
SHA-256, and one audit event listing each change (before, after).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select

from analysis.index.numbers import parse_number
from analysis.index.points import POINTS_TOLERANCE
from analysis.selfassessment import (
    INFORMATION_COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    TEMPLATE_COLUMNS,
    self_score_template,
)
from questionnaires.scheme import Node, Scheme, SourceKind
from survey_app.audit import record_audit
from survey_app.auth import current_account
from survey_app.formatting import plain
from survey_app.models import AppraisalDecision, Round, SelfScore, Unit, db
from survey_app.models.base import utcnow
from survey_app.staff.tables import ImportProblem, ImportRefused, Row, read_table

Key = tuple[int, str]
"""A unit's id and a criterion code."""


@dataclass(frozen=True)
class ScoreEntry:
    """One self-score to store."""

    unit_id: int
    criterion: str
    score: float
    note: str


def source_label(kind: SourceKind | None) -> str:
    """Where a leaf's points come from, as a phrase."""
    labels = {
        SourceKind.APPRAISAL: gettext("self-assessment and appraisal"),
        SourceKind.SURVEY: gettext("the sociological survey"),
        SourceKind.STATISTIC: gettext("imported statistics"),
    }
    return labels[kind] if kind is not None else "—"


def score_problem(text: str, node: Node) -> str | None:
    """Why ``text`` is not a self-score of ``node`` (None: it is one)."""
    value = parse_number(text)
    problem: str | None = None
    if value is None:
        problem = gettext("%(value)s is not a number.", value=text)
    elif value < 0:
        problem = gettext("A score cannot be negative.")
    elif value > node.max_points + POINTS_TOLERANCE:
        problem = gettext(
            "%(value)s is above the criterion's maximum of %(maximum)s.",
            value=text,
            maximum=plain(node.max_points),
        )
    return problem


def stored_scores(round_: Round, units: Iterable[Unit]) -> dict[Key, SelfScore]:
    """The stored self-scores of ``units`` in the round."""
    ids = [unit.id for unit in units]
    rows = db.session.scalars(
        select(SelfScore).where(SelfScore.round_id == round_.id, SelfScore.unit_id.in_(ids))
    )
    return {(row.unit_id, row.criterion): row for row in rows}


def appraised_keys(round_: Round, units: Iterable[Unit]) -> set[Key]:
    """The unit × criterion pairs with an appraisal decision (their self-scores are fixed)."""
    ids = [unit.id for unit in units]
    rows = db.session.execute(
        select(AppraisalDecision.unit_id, AppraisalDecision.criterion)
        .where(AppraisalDecision.round_id == round_.id, AppraisalDecision.unit_id.in_(ids))
        .distinct()
    )
    return {(unit_id, criterion) for unit_id, criterion in rows}


def _criterion(row: Row, scheme: Scheme, problems: list[ImportProblem]) -> Node | None:
    """The appraisal leaf a row names, or None with its problem noted."""
    code = row.get("criterion_code")
    node = scheme.nodes.get(code)
    message = None
    if not code:
        message = gettext("Enter the criterion's code.")
    elif node is None:
        message = gettext(
            "%(value)s is not a criterion of scheme %(scheme)s.", value=code, scheme=scheme.id
        )
    elif not node.is_leaf:
        message = gettext(
            "Criterion %(code)s has sub-criteria: score each of them instead.", code=code
        )
    elif node.source_kind != SourceKind.APPRAISAL:
        message = gettext(
            "Criterion %(code)s is not self-assessed: its points come from %(source)s.",
            code=code,
            source=source_label(node.source_kind),
        )
    if message is not None:
        problems.append(ImportProblem(row.number, "criterion_code", message))
        return None
    return node


def _entry(
    row: Row,
    scheme: Scheme,
    units: dict[str, Unit],
    problems: list[ImportProblem],
) -> ScoreEntry | None:
    """The self-score of one row, or None with its problems noted."""
    before = len(problems)
    code = row.get("unit_code")
    unit = units.get(code)
    if not code:
        problems.append(ImportProblem(row.number, "unit_code", gettext("Enter the unit's code.")))
    elif unit is None:
        problems.append(
            ImportProblem(
                row.number,
                "unit_code",
                gettext("%(value)s is not a unit of this round you may score.", value=code),
            )
        )
    node = _criterion(row, scheme, problems)
    text = row.get("self_score")
    if not text:
        problems.append(ImportProblem(row.number, "self_score", gettext("Enter the self-score.")))
    elif node is not None:
        problem = score_problem(text, node)
        if problem is not None:
            problems.append(ImportProblem(row.number, "self_score", problem))
    if len(problems) > before or unit is None or node is None:
        return None
    score = parse_number(text)
    assert score is not None
    return ScoreEntry(unit.id, node.code, score, row.get("note"))


def read_upload(
    round_: Round, scheme: Scheme, units: Sequence[Unit], data: bytes, filename: str
) -> list[ScoreEntry]:
    """The self-scores of an uploaded file for ``units`` (the ones the user may score);
    :class:`ImportRefused` with every problem, nothing stored."""
    rows = read_table(
        data,
        filename,
        required=REQUIRED_COLUMNS,
        optional=(*OPTIONAL_COLUMNS, *INFORMATION_COLUMNS),
    )
    by_code = {unit.code: unit for unit in units}
    stored = stored_scores(round_, units)
    fixed = appraised_keys(round_, units)
    problems: list[ImportProblem] = []
    entries: list[ScoreEntry] = []
    first_row: dict[Key, int] = {}
    for row in rows:
        if not row.get("self_score") and not row.get("note"):
            continue
        entry = _entry(row, scheme, by_code, problems)
        if entry is None:
            continue
        key = (entry.unit_id, entry.criterion)
        if key in first_row:
            problems.append(
                ImportProblem(
                    row.number,
                    "criterion_code",
                    gettext(
                        "Unit %(unit)s, criterion %(code)s is already in row %(row)d.",
                        unit=row.get("unit_code"),
                        code=entry.criterion,
                        row=first_row[key],
                    ),
                )
            )
            continue
        first_row[key] = row.number
        if key in fixed and stored[key].self_score != entry.score:
            problems.append(
                ImportProblem(
                    row.number,
                    "self_score",
                    gettext(
                        "Criterion %(code)s of unit %(unit)s has been appraised: its self-score "
                        "stays %(score)s. Ask for reconsideration instead.",
                        code=entry.criterion,
                        unit=row.get("unit_code"),
                        score=plain(stored[key].self_score),
                    ),
                )
            )
            continue
        entries.append(entry)
    if problems:
        raise ImportRefused(problems)
    if not entries:
        raise ImportRefused([ImportProblem(None, None, gettext("The file has no self-score."))])
    return entries


def save_scores(
    round_: Round, entries: Sequence[ScoreEntry], *, source_hash: str | None, action: str
) -> int:
    """Store new and changed self-scores with one audit event ``action``; how many changed."""
    units = db.session.scalars(
        select(Unit).where(Unit.id.in_({entry.unit_id for entry in entries}))
    ).all()
    codes = {unit.id: unit.code for unit in units}
    stored = stored_scores(round_, units)
    fixed = appraised_keys(round_, units)
    user = current_account()
    changes = []
    for entry in entries:
        key = (entry.unit_id, entry.criterion)
        row = stored.get(key)
        if row is not None and (row.self_score, row.note) == (entry.score, entry.note):
            continue
        if key in fixed and row is not None and row.self_score != entry.score:
            raise ValueError(f"self-score {key} has been appraised and cannot change")
        changes.append(
            {
                "unit": codes[entry.unit_id],
                "criterion": entry.criterion,
                "before": row.self_score if row is not None else None,
                "after": entry.score,
            }
        )
        if row is None:
            row = SelfScore(round_id=round_.id, unit_id=entry.unit_id, criterion=entry.criterion)
            db.session.add(row)
        row.self_score = entry.score
        row.note = entry.note
        row.entered_by = user.id
        row.entered_at = utcnow()
        row.source_hash = source_hash
    if changes:
        record_audit(
            action,
            object_type="self_scores",
            round_id=round_.id,
            details={"source_sha256": source_hash, "changes": changes},
        )
    return len(changes)


def template_rows(
    round_: Round, scheme: Scheme, units: Sequence[Unit], language: str
) -> list[list[object]]:
    """The template: one row per unit × appraisal leaf, with the scores already entered."""
    stored = stored_scores(round_, units)
    ids = {unit.code: unit.id for unit in units}
    template = self_score_template(scheme, units=list(ids), language=language)
    rows = []
    for record in template.to_dict(orient="records"):
        found = stored.get((ids[record["unit_code"]], record["criterion_code"]))
        if found is not None:
            record["self_score"] = f"{found.self_score:g}"
            record["note"] = found.note
        rows.append([record[column] for column in TEMPLATE_COLUMNS])
    return rows
