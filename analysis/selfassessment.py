"""Self-assessment uploads and appraisal decisions, the pure part.

A unit scores itself (tự đánh giá) on every *appraisal* leaf of the scheme; survey and statistic
leaves are never self-scored. Units upload a CSV or XLSX built from :func:`self_score_template`
with the columns

==================  ==========================================================================
``unit_code``       the unit's code (one of the round's units)
``criterion_code``  an appraisal leaf of the scheme
``self_score``      a number in [0, the leaf's maximum]; a decimal comma (``7,5``) is accepted
``note``            optional free text
==================  ==========================================================================

(the template's ``criterion_title`` and ``max_points`` columns are for reading and are ignored).
Parsing is all-or-nothing: every problem (unknown or missing column, unknown unit or criterion,
a criterion that is not an appraisal leaf, a duplicate unit × criterion, a blank or non-numeric
score, a negative score or one above the maximum) is collected with its spreadsheet row number
(the header is row 1) and column, and :class:`SelfScoreUploadError` carries the full list;
nothing is returned unless the whole file is valid. Entirely blank rows are skipped.

The appraisal council (Hội đồng thẩm định) then accepts or changes each self-score; a change
must give a reason. :func:`apply_decisions` applies decisions in the order given (a later
decision on the same unit × criterion supersedes an earlier one, as on reconsideration) and
yields the appraised points the index uses; rows without a decision stay ``pending``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.index.numbers import parse_number
from analysis.index.points import POINTS_TOLERANCE
from questionnaires.scheme import Scheme, SourceKind

FileFormat = Literal["csv", "xlsx"]

REQUIRED_COLUMNS: tuple[str, ...] = ("unit_code", "criterion_code", "self_score")
"""Columns an upload must have."""

OPTIONAL_COLUMNS: tuple[str, ...] = ("note",)
"""Columns an upload may have and that are kept."""

INFORMATION_COLUMNS: tuple[str, ...] = ("criterion_title", "max_points")
"""Template columns for the reader's information, ignored on upload."""

TEMPLATE_COLUMNS: tuple[str, ...] = (
    "unit_code",
    "criterion_code",
    "criterion_title",
    "max_points",
    "self_score",
    "note",
)
"""Columns of the downloadable template, in order."""

SELF_SCORE_COLUMNS: tuple[str, ...] = ("unit", "criterion", "self_score", "note")
"""Columns of a parsed upload."""


@dataclass(frozen=True)
class UploadProblem:
    """One problem of an upload: its spreadsheet row (``None`` for the whole file) and column."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [f"row {self.row}" if self.row is not None else "file"]
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class SelfScoreUploadError(AnalysisError):
    """The uploaded self-scores are not valid; ``problems`` lists every problem found."""

    code = "self_score_upload"

    def __init__(self, problems: Sequence[UploadProblem]) -> None:
        self.problems = list(problems)
        lines = "\n  ".join(str(p) for p in self.problems)
        super().__init__(
            f"the self-score file has {len(self.problems)} problem(s); nothing was imported\n"
            f"  {lines}",
            got=[str(p) for p in self.problems],
            hint="correct the rows listed and upload the whole file again",
        )


def _cell_text(value: object) -> str:
    """A code cell as text: numbers typed into a spreadsheet lose their ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _read_table(data: bytes, file_format: FileFormat) -> pd.DataFrame:
    """The upload as a frame of raw cells (text for CSV, cell values for XLSX)."""
    try:
        if file_format == "csv":
            text = data.decode("utf-8-sig")
            return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        return pd.read_excel(io.BytesIO(data), dtype=object, na_filter=False, engine="openpyxl")
    except UnicodeDecodeError as error:
        raise SelfScoreUploadError(
            [UploadProblem(None, None, f"the CSV is not UTF-8 text ({error.reason})")]
        ) from error
    except (ValueError, OSError, KeyError) as error:
        raise SelfScoreUploadError(
            [UploadProblem(None, None, f"the file cannot be read as {file_format}: {error}")]
        ) from error


def parse_self_scores(
    data: bytes, *, file_format: FileFormat, scheme: Scheme, units: Sequence[str]
) -> pd.DataFrame:
    """Parse and validate an uploaded self-score file (all-or-nothing; module docstring).

    Returns a frame with columns ``SELF_SCORE_COLUMNS`` (``self_score`` a float, ``note`` text,
    empty when absent), one row per non-blank input row, in file order.

    Raises
    ------
    SelfScoreUploadError
        With every problem found, each naming its row and column.
    """
    table = _read_table(data, file_format)
    table.columns = [str(c).strip() for c in table.columns]
    problems: list[UploadProblem] = []
    allowed = set(REQUIRED_COLUMNS + OPTIONAL_COLUMNS + INFORMATION_COLUMNS)
    for column in table.columns:
        if column not in allowed:
            problems.append(
                UploadProblem(1, column, f"unknown column; expected {', '.join(TEMPLATE_COLUMNS)}")
            )
    for column in REQUIRED_COLUMNS:
        if column not in table.columns:
            problems.append(UploadProblem(1, column, "required column is missing"))
    if len(set(table.columns)) != len(table.columns):
        problems.append(UploadProblem(1, None, "a column name appears twice"))
    if problems:
        raise SelfScoreUploadError(problems)

    known_units = set(units)
    first_row: dict[tuple[str, str], int] = {}
    rows: list[dict[str, object]] = []
    has_note = "note" in table.columns
    for position, record in enumerate(table.to_dict(orient="records")):
        row = position + 2
        if all(_cell_text(v) == "" for v in record.values()):
            continue
        unit = _cell_text(record["unit_code"])
        criterion = _cell_text(record["criterion_code"])
        raw_score = record["self_score"]
        row_ok = True
        if unit == "":
            problems.append(UploadProblem(row, "unit_code", "unit code is blank"))
            row_ok = False
        elif unit not in known_units:
            problems.append(UploadProblem(row, "unit_code", f"unknown unit {unit!r}"))
            row_ok = False
        node = scheme.nodes.get(criterion)
        if criterion == "":
            problems.append(UploadProblem(row, "criterion_code", "criterion code is blank"))
            row_ok = False
        elif node is None or not node.is_leaf:
            problems.append(
                UploadProblem(
                    row,
                    "criterion_code",
                    f"{criterion!r} is not a scored criterion of scheme {scheme.id}",
                )
            )
            row_ok = False
        elif node.source_kind != SourceKind.APPRAISAL:
            problems.append(
                UploadProblem(
                    row,
                    "criterion_code",
                    f"criterion {criterion} takes its points from the {node.source_kind}, "
                    "not from self-assessment",
                )
            )
            row_ok = False
        score = parse_number(raw_score)
        if _cell_text(raw_score) == "":
            problems.append(UploadProblem(row, "self_score", "self-score is blank"))
            row_ok = False
        elif score is None:
            problems.append(UploadProblem(row, "self_score", f"{raw_score!r} is not a number"))
            row_ok = False
        elif score < 0:
            problems.append(UploadProblem(row, "self_score", f"{score:g} is negative"))
            row_ok = False
        elif node is not None and node.is_leaf and score > node.max_points + POINTS_TOLERANCE:
            problems.append(
                UploadProblem(
                    row,
                    "self_score",
                    f"{score:g} is above the maximum {node.max_points:g} of criterion {criterion}",
                )
            )
            row_ok = False
        key = (unit, criterion)
        if unit and criterion and key in first_row:
            problems.append(
                UploadProblem(
                    row,
                    "criterion_code",
                    f"unit {unit}, criterion {criterion} already given in row {first_row[key]}",
                )
            )
            row_ok = False
        else:
            first_row.setdefault(key, row)
        if row_ok:
            rows.append(
                {
                    "unit": unit,
                    "criterion": criterion,
                    "self_score": score,
                    "note": _cell_text(record["note"]) if has_note else "",
                }
            )
    if problems:
        raise SelfScoreUploadError(problems)
    return pd.DataFrame(rows, columns=list(SELF_SCORE_COLUMNS)).astype({"self_score": "float64"})


def read_self_scores(path: Path, *, scheme: Scheme, units: Sequence[str]) -> pd.DataFrame:
    """:func:`parse_self_scores` on a file, its format from the suffix (``.csv``/``.xlsx``)."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("csv", "xlsx"):
        raise SelfScoreUploadError(
            [UploadProblem(None, None, f"{path.name}: expected a .csv or .xlsx file")]
        )
    file_format: FileFormat = "csv" if suffix == "csv" else "xlsx"
    return parse_self_scores(path.read_bytes(), file_format=file_format, scheme=scheme, units=units)


def self_score_template(
    scheme: Scheme, *, units: Sequence[str], language: str = "vi"
) -> pd.DataFrame:
    """The template: one row per unit × appraisal leaf, scores and notes left blank."""
    leaves = scheme.leaves(SourceKind.APPRAISAL)
    return pd.DataFrame(
        [
            {
                "unit_code": unit,
                "criterion_code": leaf.code,
                "criterion_title": leaf.title.get(language),
                "max_points": leaf.max_points,
                "self_score": "",
                "note": "",
            }
            for unit in units
            for leaf in leaves
        ],
        columns=list(TEMPLATE_COLUMNS),
    )


def write_self_score_template(
    scheme: Scheme, *, units: Sequence[str], file_format: FileFormat, language: str = "vi"
) -> bytes:
    """The template as file contents: UTF-8 CSV (with BOM, for Excel) or XLSX."""
    template = self_score_template(scheme, units=units, language=language)
    if file_format == "csv":
        text: str = template.to_csv(index=False)
        return text.encode("utf-8-sig")
    buffer = io.BytesIO()
    template.to_excel(buffer, index=False, sheet_name="self_scores", engine="openpyxl")
    return buffer.getvalue()


# --- appraisal -----------------------------------------------------------------------------


class Verdict(StrEnum):
    """What the appraisal council decided about one self-score."""

    ACCEPT = "accept"
    CHANGE = "change"


class AppraisalStatus(StrEnum):
    """Where a self-score stands in appraisal."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    CHANGED = "changed"


@dataclass(frozen=True)
class AppraisalDecision:
    """One decision: accept the self-score, or change it to ``score`` giving a ``reason``."""

    unit: str
    criterion: str
    verdict: Verdict
    score: float | None = None
    reason: str = ""


class AppraisalError(AnalysisError):
    """Appraisal decisions cannot be applied; ``problems`` lists every one."""

    code = "appraisal"

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n  ".join(self.problems)
        super().__init__(
            f"{len(self.problems)} appraisal problem(s); nothing was applied\n  {lines}",
            got=self.problems,
        )


APPRAISAL_COLUMNS: tuple[str, ...] = (
    "unit",
    "criterion",
    "self_score",
    "points",
    "status",
    "reason",
)
"""Columns of :func:`apply_decisions`' result; ``points`` is the appraised score."""


def apply_decisions(
    self_scores: pd.DataFrame, decisions: Sequence[AppraisalDecision], *, scheme: Scheme
) -> pd.DataFrame:
    """Apply appraisal decisions, in order, to parsed self-scores (all-or-nothing).

    A change needs a non-blank reason and a score in [0, max]; an accept carries no score;
    every decision must concern a self-scored unit × criterion. Returns ``APPRAISAL_COLUMNS``:
    ``points`` is the appraised score (the self-score when accepted, NaN while pending).

    The definition is sequential: decision 1, 2, … each overwrite the points, status and
    reason of their unit × criterion, so the *last* decision on a unit × criterion stands.
    It is computed at once: every decision is checked with array masks, the problems are
    listed in decision order (each decision's in the order accept, reason, score), and the
    last decision per row (the first of the reversed list, ``np.unique``) is written with one
    assignment per column. Self-scores given twice for a unit × criterion are appraised in
    their last row, as a look-up table built from them keeps the last.

    Raises
    ------
    AppraisalError
        With every problem, each naming the decision's number, unit and criterion.
    KeyError
        A changed criterion is not a node of ``scheme`` (:meth:`Scheme.node`).
    """
    result = self_scores[["unit", "criterion", "self_score"]].reset_index(drop=True)
    position = {
        (str(u), str(c)): i
        for i, (u, c) in enumerate(zip(result["unit"], result["criterion"], strict=True))
    }
    count = len(decisions)
    row = np.fromiter(
        (position.get((d.unit, d.criterion), -1) for d in decisions), dtype=np.intp, count=count
    )
    accept = np.fromiter((d.verdict == Verdict.ACCEPT for d in decisions), bool, count=count)
    given = np.fromiter((d.score is not None for d in decisions), bool, count=count)
    score = np.fromiter(
        (math.nan if d.score is None else d.score for d in decisions), np.float64, count=count
    )
    reasons = np.array([d.reason.strip() for d in decisions], dtype=object)
    known = row >= 0
    change = known & ~accept
    changed = dict.fromkeys(d.criterion for d, c in zip(decisions, change, strict=True) if c)
    maxima = {criterion: scheme.node(criterion).max_points for criterion in changed}
    maximum = np.fromiter(
        (maxima.get(d.criterion, math.inf) for d in decisions), np.float64, count=count
    )
    with np.errstate(invalid="ignore"):
        in_range = (score >= 0) & (score <= maximum + POINTS_TOLERANCE)
    unknown = ~known
    accepted_with_score = known & accept & given
    no_reason = change & (reasons == "")
    no_score = change & ~given
    out_of_range = change & given & ~in_range
    problems: list[str] = []
    flagged = unknown | accepted_with_score | no_reason | no_score | out_of_range
    for k in np.flatnonzero(flagged).tolist():
        decision = decisions[k]
        where = f"decision {k + 1} (unit {decision.unit}, criterion {decision.criterion})"
        if unknown[k]:
            problems.append(f"{where}: no self-score to appraise")
        elif accepted_with_score[k]:
            problems.append(f"{where}: an accepted score takes no new score; use change")
        else:
            if no_reason[k]:
                problems.append(f"{where}: a change needs a reason")
            if no_score[k]:
                problems.append(f"{where}: a change needs the appraised score")
            elif out_of_range[k]:
                problems.append(f"{where}: score {score[k]:g} outside [0, {maximum[k]:g}]")
    if problems:
        raise AppraisalError(problems)
    reversed_rows, first_reversed = np.unique(row[::-1], return_index=True)
    last = count - 1 - first_reversed
    self_score = result["self_score"].to_numpy(dtype=np.float64)
    points = np.full(len(result), math.nan)
    points[reversed_rows] = np.where(accept[last], self_score[reversed_rows], score[last])
    status = np.full(len(result), AppraisalStatus.PENDING.value, dtype=object)
    status[reversed_rows] = np.where(
        accept[last], AppraisalStatus.ACCEPTED.value, AppraisalStatus.CHANGED.value
    )
    reason = np.full(len(result), "", dtype=object)
    reason[reversed_rows] = reasons[last]
    result["points"] = points
    result["status"] = status
    result["reason"] = reason
    return result[list(APPRAISAL_COLUMNS)]


def appraised_points(appraisal: pd.DataFrame) -> pd.DataFrame:
    """The index's appraised points (``unit, criterion, points``); refuses pending rows."""
    pending = appraisal[appraisal["status"] == AppraisalStatus.PENDING.value]
    if len(pending):
        raise AppraisalError(
            [
                f"unit {u}, criterion {c}: not appraised yet"
                for u, c in zip(pending["unit"], pending["criterion"], strict=True)
            ]
        )
    return appraisal[["unit", "criterion", "points"]].reset_index(drop=True)
