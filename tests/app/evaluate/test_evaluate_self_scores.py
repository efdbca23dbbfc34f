"""Self-scores: a unit's web form, CSV/XLSX imports that store all or nothing (every problem
with its row and column), the templates, appraised scores that no longer change, and the audit.
"""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from survey_app.models import AuditEvent, Role, SelfScore, db
from tests.app.evaluate.evaluate_helpers import (
    accept_all,
    add_round,
    add_self_scores,
    appraisal_leaves,
    signed_in,
    unit_id,
)
from tests.app.staff.staff_helpers import csrf_token

HEADER = "unit_code,criterion_code,self_score,note"


@pytest.fixture
def round_id(app: Flask) -> int:
    """A department round evaluating justice and finance."""
    return add_round(app, "dept-2024", ("justice", "finance"))


@pytest.fixture
def evaluator(app: Flask) -> FlaskClient:
    """An evaluator, in English."""
    return signed_in(app, "eva", Role.EVALUATOR)


def _stored(app: Flask) -> dict[tuple[str, str], float]:
    """Every stored self-score by unit code and criterion."""
    with app.app_context():
        rows = db.session.scalars(select(SelfScore)).all()
        return {(row.unit.code, row.criterion): row.self_score for row in rows}


def _import(client: FlaskClient, round_id: int, content: bytes, filename: str) -> str:
    """Post a file to the self-score import; the page shown after (following a redirect)."""
    page = client.get(f"/evaluate/rounds/{round_id}/self-scores")
    response = client.post(
        f"/evaluate/rounds/{round_id}/self-scores/import",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.text


def _problems(page: str) -> list[tuple[str, str, str]]:
    """The (row, column, problem) rows of a refused import's table."""
    table = page.split('id="import-problems-title"')[1].split("</tbody>")[0]
    cells = [cell.split("</td>")[0].strip() for cell in table.split("<tbody>")[1].split("<td>")[1:]]
    return [tuple(cells[i : i + 3]) for i in range(0, len(cells), 3)]  # type: ignore[misc]


def test_a_valid_csv_is_imported_and_audited(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """Scores (a decimal comma too) and notes are stored with who, the file hash and one event."""
    text = "\n".join(
        [HEADER, 'justice,1.1,"2,5",Quyết định 12', "finance,1.2,2,", "justice,2.2,0,"]
    )
    page = _import(evaluator, round_id, text.encode(), "scores.csv")
    assert "3 self-scores read, 3 new or changed." in page
    assert _stored(app) == {("justice", "1.1"): 2.5, ("finance", "1.2"): 2.0, ("justice", "2.2"): 0}
    with app.app_context():
        row = db.session.scalars(select(SelfScore).where(SelfScore.criterion == "1.1")).one()
        assert row.note == "Quyết định 12" and row.source_hash and len(row.source_hash) == 64
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "self_scores.import")
        ).one()
        assert event.round_id == round_id
        assert {"unit": "justice", "criterion": "1.1", "before": None, "after": 2.5} in (
            event.details["changes"]
        )
    again = _import(evaluator, round_id, "\n".join([HEADER, "justice,1.1,3,"]).encode(), "s.csv")
    assert "1 self-scores read, 1 new or changed." in again
    assert _stored(app)[("justice", "1.1")] == 3.0


def test_every_problem_is_listed_and_nothing_is_stored(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """Each kind of row problem names its row and column; the good rows are not stored."""
    text = "\n".join(
        [
            HEADER,
            "justice,1.1,2,",  # 2: fine
            ",1.2,1,",  # 3: blank unit
            "outsider,1.2,1,",  # 4: not a unit of the round
            "justice,,1,",  # 5: blank criterion
            "justice,9.9,1,",  # 6: not a criterion
            "justice,1.4,1,",  # 7: has sub-criteria
            "justice,1.4.2,1,",  # 8: a survey leaf
            "justice,1.2,,a note without a score",  # 9: blank score
            "justice,1.3,abc,",  # 10: not a number
            "justice,1.5,-1,",  # 11: negative
            "justice,2.2,2.6,",  # 12: above the maximum 2.5
            "justice,1.1,1,",  # 13: repeats row 2
        ]
    )
    page = _import(evaluator, round_id, text.encode(), "scores.csv")
    assert "Problems in the file: 11. Nothing was imported." in page
    assert _problems(page) == [
        ("3", "unit_code", "Enter the unit&#39;s code."),
        ("4", "unit_code", "outsider is not a unit of this round you may score."),
        ("5", "criterion_code", "Enter the criterion&#39;s code."),
        ("6", "criterion_code", "9.9 is not a criterion of scheme par_department_2022."),
        ("7", "criterion_code", "Criterion 1.4 has sub-criteria: score each of them instead."),
        (
            "8",
            "criterion_code",
            "Criterion 1.4.2 is not self-assessed: its points come from the sociological survey.",
        ),
        ("9", "self_score", "Enter the self-score."),
        ("10", "self_score", "abc is not a number."),
        ("11", "self_score", "A score cannot be negative."),
        ("12", "self_score", "2.6 is above the criterion&#39;s maximum of 2.5."),
        ("13", "criterion_code", "Unit justice, criterion 1.1 is already in row 2."),
    ]
    assert _stored(app) == {}


def test_file_and_column_problems(app: Flask, round_id: int, evaluator: FlaskClient) -> None:
    """A missing or unknown column, a wrong file type, an empty file: refused, nothing stored."""
    page = _import(evaluator, round_id, b"unit_code,criterion,self_score\njustice,1.1,1\n", "s.csv")
    assert _problems(page) == [
        (
            "1",
            "criterion",
            "Unknown column; expected unit_code, criterion_code, self_score, "
            "note, criterion_title, max_points.",
        ),
        ("1", "criterion_code", "Required column missing."),
    ]
    wrong = _import(evaluator, round_id, b"%PDF-1.4", "scores.pdf")
    assert _problems(wrong) == [("—", "—", "Upload a .csv or .xlsx file.")]
    empty = _import(evaluator, round_id, (HEADER + "\njustice,1.1,,\n").encode(), "s.csv")
    assert _problems(empty) == [("—", "—", "The file has no self-score.")]
    assert _stored(app) == {}


def test_an_xlsx_template_filled_in_is_imported(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """The XLSX template lists every unit × self-assessed criterion; filled in, it imports."""
    response = evaluator.get(f"/evaluate/rounds/{round_id}/self-scores/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == [
        "unit_code",
        "criterion_code",
        "criterion_title",
        "max_points",
        "self_score",
        "note",
    ]
    assert len(rows) == 1 + 2 * len(appraisal_leaves())
    assert rows[1][:4] == ["finance", "1.1", "Annual PAR plan", 3]
    workbook = Workbook()
    filled = workbook.active
    assert filled is not None
    filled.append(rows[0])
    for row in rows[1:]:
        filled.append([*row[:4], row[3], "đủ hồ sơ"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = _import(evaluator, round_id, buffer.getvalue(), "tu-danh-gia.xlsx")
    assert "54 self-scores read, 54 new or changed." in page
    assert sum(_stored(app).values()) == pytest.approx(2 * 70)


def test_the_csv_template_carries_the_scores_entered(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """A re-downloaded template holds what is stored, so a file edited twice loses nothing."""
    add_self_scores(app, round_id, {"justice": {"1.1": 2.5}})
    response = evaluator.get(f"/evaluate/rounds/{round_id}/self-scores/template.csv")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    found = {(row["unit_code"], row["criterion_code"]): row["self_score"] for row in rows}
    assert found[("justice", "1.1")] == "2.5" and found[("justice", "1.2")] == ""


def test_an_appraised_score_no_longer_changes(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """A file may repeat an appraised score but not change it; the form shows it fixed."""
    add_self_scores(app, round_id, {"justice": {"1.1": 2.5}})
    accept_all(app, round_id)
    same = _import(evaluator, round_id, (HEADER + "\njustice,1.1,2.5,\n").encode(), "s.csv")
    assert "1 self-scores read, 0 new or changed." in same
    changed = _import(evaluator, round_id, (HEADER + "\njustice,1.1,1,\n").encode(), "s.csv")
    assert _problems(changed) == [
        (
            "2",
            "self_score",
            "Criterion 1.1 of unit justice has been appraised: its self-score stays 2.5. Ask "
            "for reconsideration instead.",
        )
    ]
    form = evaluator.get(
        f"/evaluate/rounds/{round_id}/units/{unit_id(app, 'justice')}/self-assessment"
    )
    assert 'id="score_1-1" name="score_1-1" value="2.5"' in form.text
    assert "appraised, fixed" in form.text
    assert _stored(app) == {("justice", "1.1"): 2.5}


def test_the_web_form_saves_scores_and_shows_problems(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """Valid scores are stored (blanks stay unscored); a bad one is shown at its field and
    nothing is saved."""
    path = f"/evaluate/rounds/{round_id}/units/{unit_id(app, 'justice')}/self-assessment"
    page = evaluator.get(path)
    assert page.status_code == 200
    assert "Self-assessment: Unit justice" in page.text
    assert "1. Leadership and direction of public administration reform" in page.text
    assert 'lang="vi">Kế hoạch cải cách hành chính năm</span> · maximum 3.00 points' in page.text
    token = csrf_token(page.text)
    bad = evaluator.post(
        path,
        data={"csrf_token": token, "score_1-1": "4", "score_1-2": "x", "score_1-3": "1,5"},
    )
    assert bad.status_code == 200
    assert "There is a problem" in bad.text
    assert '<a href="#score_1-1">4 is above the criterion&#39;s maximum of 3.</a>' in bad.text
    assert '<a href="#score_1-2">x is not a number.</a>' in bad.text
    assert _stored(app) == {}
    good = evaluator.post(
        path,
        data={
            "csrf_token": token,
            "score_1-1": "2,5",
            "note_1-1": "Kế hoạch số 5",
            "score_1-3": "",
        },
        follow_redirects=True,
    )
    assert "Self-assessment saved: 1 new or changed scores." in good.text
    assert _stored(app) == {("justice", "1.1"): 2.5}
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "self_scores.save")
        ).one()
        assert event.details["changes"] == [
            {"unit": "justice", "criterion": "1.1", "before": None, "after": 2.5}
        ]


def test_a_unit_officer_scores_only_its_own_unit(app: Flask, round_id: int) -> None:
    """Its form opens; another unit's is 404; a file row for another unit is refused."""
    officer = signed_in(app, "officer", Role.UNIT_OFFICER, "justice")
    own = officer.get(
        f"/evaluate/rounds/{round_id}/units/{unit_id(app, 'justice')}/self-assessment"
    )
    assert own.status_code == 200
    other = officer.get(
        f"/evaluate/rounds/{round_id}/units/{unit_id(app, 'finance')}/self-assessment"
    )
    assert other.status_code == 404
    overview = officer.get(f"/evaluate/rounds/{round_id}/self-scores")
    assert "Unit justice" in overview.text and "Unit finance" not in overview.text
    page = _import(officer, round_id, (HEADER + "\nfinance,1.1,1,\n").encode(), "s.csv")
    assert _problems(page) == [
        ("2", "unit_code", "finance is not a unit of this round you may score.")
    ]
    template = officer.get(f"/evaluate/rounds/{round_id}/self-scores/template.csv")
    units = {
        row["unit_code"] for row in csv.DictReader(io.StringIO(template.data.decode("utf-8-sig")))
    }
    assert units == {"justice"}
    assert _stored(app) == {}
