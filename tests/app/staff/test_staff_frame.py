"""A round's sampling frame and margins: imports from CSV or XLSX that replace the round's
cells (target n from the formula unless given), every problem with row and column and nothing
stored, margins whose totals must agree, templates, and the calculator."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from survey_app.models import Access, AuditEvent, FrameCell, PopulationMargin, Role, Round, Unit, db
from survey_app.staff.round_setup import Offer, RoundSettings, create_round
from tests.app.staff.staff_helpers import add_unit, add_user, csrf_token, login

FRAME_HEADER = "unit_code,respondent_group,stratum,population,margin_of_error,sample_size,quota"
GOOD_FRAME = "\n".join(
    [
        FRAME_HEADER,
        "justice,citizen,,1000,,,",
        "justice,leader,,40,0.1,,",
        'finance,citizen,urban,400,"0,05",,250',
        "finance,citizen,rural,600,,120,",
    ]
)
MARGIN_HEADER = "respondent_group,variable,level,target"
GOOD_MARGINS = "\n".join(
    [
        MARGIN_HEADER,
        "citizen,sex,male,980",
        "citizen,sex,female,1020",
        "citizen,age,18-39,900",
        "citizen,age,40+,1100",
        "citizen,income,,5000000",
        "leader,sex,male,30",
        "leader,sex,female,10",
    ]
)


@pytest.fixture
def round_id(app: Flask) -> int:
    """A draft round evaluating justice and finance, surveying citizens and leaders."""
    add_unit(app, "justice")
    add_unit(app, "finance")
    add_unit(app, "outsider")
    with app.app_context(), app.test_request_context():
        units = db.session.scalars(select(Unit.id).where(Unit.code != "outsider")).all()
        round_ = create_round(
            RoundSettings(
                code="hue-2025",
                year=2025,
                title_vi="Khảo sát",
                title_en="Survey",
                unit_ids=list(units),
                offers={
                    "citizen": Offer("sipas_citizens", Access.PUBLIC),
                    "leader": Offer("par_leaders", Access.INVITATION),
                },
            )
        )
        db.session.commit()
        return round_.id


@pytest.fixture
def staff(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client signed in as survey staff, in English."""
    add_user(app, "lan", Role.STAFF)
    client.get("/lang/en")
    login(client, "lan")
    return client


def _upload(client: FlaskClient, round_id: int, target: str, content: bytes, filename: str) -> str:
    """Post a file to the frame or margins import; the page shown after."""
    page = client.get(f"/staff/rounds/{round_id}/frame")
    response = client.post(
        f"/staff/rounds/{round_id}/{target}/import",
        data={
            f"{target}-csrf_token": csrf_token(page.text),
            f"{target}-file": (io.BytesIO(content), filename),
        },
        content_type="multipart/form-data",
    )
    if response.status_code == 302:
        return client.get(response.headers["Location"]).text
    assert response.status_code == 200
    return response.text


def _cells(app: Flask) -> list[tuple[str, str, str, int, float, int, int | None]]:
    """Every stored cell: unit, group, stratum, N, e, n, quota."""
    with app.app_context():
        rows = db.session.execute(
            select(
                Unit.code,
                FrameCell.respondent_group,
                FrameCell.stratum,
                FrameCell.population,
                FrameCell.margin_of_error,
                FrameCell.sample_size,
                FrameCell.quota,
            )
            .join(Unit, Unit.id == FrameCell.unit_id)
            .order_by(Unit.code, FrameCell.respondent_group, FrameCell.stratum)
        ).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_a_good_frame_is_stored_with_computed_targets(
    app: Flask, staff: FlaskClient, round_id: int
) -> None:
    """Blank strata become the unit's code, blank n comes from the formula with the row's e
    (0.05 by default), a given n is kept; the page shows both n's and the audit the totals."""
    page = _upload(staff, round_id, "frame", GOOD_FRAME.encode("utf-8"), "frame.csv")
    assert "4 rows imported" in page
    assert _cells(app) == [
        ("finance", "citizen", "rural", 600, 0.05, 120, None),
        ("finance", "citizen", "urban", 400, 0.05, 200, 250),
        ("justice", "citizen", "justice", 1000, 0.05, 286, None),
        ("justice", "leader", "justice", 40, 0.1, 29, None),
    ]
    assert "<td>240</td>" in page and "<td>120 <span" in page  # formula n and the set n
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "frame.import")
        ).one()
    assert event.round_id == round_id
    assert event.details["before"] == {"cells": 0, "population": 0, "sample_size": 0}
    assert event.details["after"] == {"cells": 4, "population": 2040, "sample_size": 635}


def test_an_xlsx_frame_replaces_the_previous_one(
    app: Flask, staff: FlaskClient, round_id: int
) -> None:
    """A second import replaces every cell; numbers typed in Excel are read as written."""
    _upload(staff, round_id, "frame", GOOD_FRAME.encode("utf-8"), "frame.csv")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["unit_code", "respondent_group", "population", "margin_of_error"])
    sheet.append(["justice", "citizen", 10000, 0.05])
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = _upload(staff, round_id, "frame", buffer.getvalue(), "frame.xlsx")
    assert "1 rows imported" in page
    assert _cells(app) == [("justice", "citizen", "justice", 10000, 0.05, 385, None)]


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("outsider,citizen,,100,,,", "unit_code"),
        ("justice,delegate,,100,,,", "respondent_group"),
        ("justice,citizen,,lots,,,", "population"),
        ("justice,citizen,,,,,", "population"),
        ("justice,citizen,,100,0.5.1,,", "margin_of_error"),
        ("justice,citizen,,100,1.5,,", "margin_of_error"),
        ("justice,citizen,,100,,101,", "sample_size"),
        ("justice,citizen,,100,,-3,", "sample_size"),
        ("justice,citizen,,100,,,2.5", "quota"),
        ("justice,citizen,,1000,,,\njustice,citizen,justice,5,,,", "stratum"),
    ],
)
def test_frame_problems_name_row_and_column(
    app: Flask, staff: FlaskClient, round_id: int, row: str, column: str
) -> None:
    """The bad cell's row and column are reported; the previous frame is left as it was."""
    _upload(staff, round_id, "frame", GOOD_FRAME.encode("utf-8"), "frame.csv")
    before = _cells(app)
    content = "\n".join([FRAME_HEADER, "finance,leader,,20,,,", row])
    page = _upload(staff, round_id, "frame", content.encode("utf-8"), "frame.csv")
    bad_row = 3 + row.count("\n")
    assert "Nothing was imported." in page
    assert f"<td>{bad_row}</td><td>{column}</td>" in page
    assert _cells(app) == before


def test_a_frame_needs_units_and_questionnaires(app: Flask, staff: FlaskClient) -> None:
    """A round without units or questionnaires takes no frame."""
    with app.app_context():
        round_ = Round(code="empty", year=2025, title_vi="Trống", title_en="Empty")
        db.session.add(round_)
        db.session.commit()
        empty = round_.id
    page = _upload(staff, empty, "frame", GOOD_FRAME.encode("utf-8"), "frame.csv")
    assert "Choose the round&#39;s units and questionnaires before its frame." in page


def _margins(app: Flask) -> list[tuple[str, str, str, float]]:
    """Every stored margin."""
    with app.app_context():
        rows = db.session.execute(
            select(
                PopulationMargin.respondent_group,
                PopulationMargin.variable,
                PopulationMargin.level,
                PopulationMargin.target,
            ).order_by(PopulationMargin.id)
        ).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_good_margins_are_stored(app: Flask, staff: FlaskClient, round_id: int) -> None:
    """Categorical and numeric margins of each group are stored as given, and audited."""
    page = _upload(staff, round_id, "margins", GOOD_MARGINS.encode("utf-8"), "margins.csv")
    assert "7 rows imported" in page
    assert _margins(app)[4] == ("citizen", "income", "", 5000000.0)
    assert len(_margins(app)) == 7
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "margins.import")
        ).one()
    assert event.details["after"] == {"margins": 7}


@pytest.mark.parametrize(
    ("rows", "row", "column"),
    [
        (["citizen,sex,male,980", "citizen,sex,female,1020", "citizen,age,all,1999"], 4, "target"),
        (["citizen,income,,5", "citizen,income,high,5"], 2, "level"),
        (["citizen,sex,male,1", "citizen,sex,male,2"], 3, "level"),
        (["citizen,sex,male,-1"], 2, "target"),
        (["citizen,,male,1"], 2, "variable"),
        (["nobody,sex,male,1"], 2, "respondent_group"),
        (["citizen,sex,male,"], 2, "target"),
    ],
    ids=["totals differ", "numeric mixed", "duplicate", "negative", "variable", "group", "blank"],
)
def test_margin_problems_name_row_and_column(
    app: Flask, staff: FlaskClient, round_id: int, rows: list[str], row: int, column: str
) -> None:
    """Each margin problem is reported by row and column; nothing is stored."""
    content = "\n".join([MARGIN_HEADER, *rows])
    page = _upload(staff, round_id, "margins", content.encode("utf-8"), "margins.csv")
    assert f"<td>{row}</td><td>{column}</td>" in page
    assert _margins(app) == []


def test_templates_list_the_rounds_cells(app: Flask, staff: FlaskClient, round_id: int) -> None:
    """The frame template has a row per unit × group, in CSV and XLSX; it imports once N is
    filled in."""
    csv_template = staff.get(f"/staff/rounds/{round_id}/frame/template.csv")
    lines = csv_template.data.decode("utf-8-sig").splitlines()
    assert lines == [
        FRAME_HEADER,
        "finance,citizen,,,0.05,,",
        "finance,leader,,,0.05,,",
        "justice,citizen,,,0.05,,",
        "justice,leader,,,0.05,,",
    ]
    xlsx_template = staff.get(f"/staff/rounds/{round_id}/frame/template.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx_template.data)).active
    assert sheet is not None
    assert [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)] == [
        line.split(",") for line in lines
    ]
    filled = "\n".join(lines[:1] + [line.replace(",,,0.05", ",,50,0.05") for line in lines[1:]])
    assert "4 rows imported" in _upload(staff, round_id, "frame", filled.encode(), "f.csv")
    margins = staff.get(f"/staff/rounds/{round_id}/margins/template.csv")
    assert margins.data.decode("utf-8-sig").splitlines() == [MARGIN_HEADER]


def test_the_calculator_shows_n(staff: FlaskClient, round_id: int) -> None:
    """The frame page computes n for the N and e asked, and explains a bad input."""
    page = staff.get(f"/staff/rounds/{round_id}/frame?population=1000&e=0.05")
    assert "n = 286" in page.text
    bad = staff.get(f"/staff/rounds/{round_id}/frame?population=-4&e=0.05")
    assert "Enter a whole number N of 0 or more" in bad.text
