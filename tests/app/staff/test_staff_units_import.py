"""Importing the unit hierarchy: a good file adds and updates units (CSV or XLSX) with one
audit event; every kind of error is reported with its row and column and nothing is stored."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import select

from survey_app.models import AuditEvent, Role, Unit, db
from survey_app.staff.tables import ImportRefused
from survey_app.staff.unit_import import import_units
from tests.app.staff.staff_helpers import add_unit, add_user, csrf_token, login

HEADER = "code,name_vi,name_en,parent_code,kind"
GOOD = "\n".join(
    [
        HEADER,
        "hue,Tỉnh Thừa Thiên Huế,Thừa Thiên Huế Province,,province",
        "justice,Sở Tư pháp,Department of Justice,hue,department",
        "phu_vang,Huyện Phú Vang,Phú Vang District,hue,district",
        "phu_vang_office,Văn phòng HĐND và UBND huyện,District Office,phu_vang,department",
    ]
)


@pytest.fixture
def staff(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client signed in as survey staff, in English."""
    add_user(app, "lan", Role.STAFF)
    client.get("/lang/en")
    login(client, "lan")
    return client


def _upload(client: FlaskClient, content: bytes, filename: str) -> str:
    """Post a file to the units import; the resulting page."""
    page = client.get("/staff/units")
    response = client.post(
        "/staff/units/import",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )
    if response.status_code == 302:
        return client.get(response.headers["Location"]).text
    assert response.status_code == 200
    return response.text


def _units(app: Flask) -> dict[str, tuple[str, str | None, str]]:
    """Every unit: code → (English name, parent code, kind)."""
    with app.app_context():
        units = list(db.session.scalars(select(Unit)))
        codes = {unit.id: unit.code for unit in units}
        return {
            u.code: (u.name_en, codes.get(u.parent_id) if u.parent_id else None, u.kind)
            for u in units
        }


def test_a_good_file_adds_the_hierarchy(app: Flask, staff: FlaskClient) -> None:
    """Units and their parents are stored, children before parents in the file or not."""
    lines = GOOD.splitlines()
    content = "\n".join([lines[0], *reversed(lines[1:])]).encode("utf-8")
    page = _upload(staff, content, "units.csv")
    assert "Units imported: 4 added, 0 changed, 0 unchanged." in page
    assert _units(app) == {
        "hue": ("Thừa Thiên Huế Province", None, "province"),
        "justice": ("Department of Justice", "hue", "department"),
        "phu_vang": ("Phú Vang District", "hue", "district"),
        "phu_vang_office": ("District Office", "phu_vang", "department"),
    }
    assert "Sở Tư pháp" not in page  # English interface shows English names
    assert "Department of Justice" in page


def test_an_xlsx_file_updates_existing_units(app: Flask, staff: FlaskClient) -> None:
    """Stored codes are updated, others added; the audit event lists both with before/after."""
    add_unit(app, "hue", "province")
    add_unit(app, "justice", parent="hue")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["code", "name_vi", "name_en", "parent_code", "kind"])
    sheet.append(["hue", "Đơn vị hue", "Unit hue", None, "province"])
    sheet.append(["justice", "Sở Tư pháp", "Department of Justice", "hue", "department"])
    sheet.append(["finance", "Sở Tài chính", "Department of Finance", "hue", "department"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = _upload(staff, buffer.getvalue(), "units.xlsx")
    assert "Units imported: 1 added, 1 changed, 1 unchanged." in page
    assert _units(app)["justice"] == ("Department of Justice", "hue", "department")
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "units.import")
        ).one()
    assert event.details["created"] == ["finance"]
    [change] = event.details["updated"]
    assert change["before"]["name_en"] == "Unit justice"
    assert change["after"]["name_en"] == "Department of Justice"
    assert len(event.details["file_sha256"]) == 64


def _problems(
    app: Flask, content: str, filename: str = "units.csv"
) -> list[tuple[int | None, str | None]]:
    """The (row, column) of every problem ``import_units`` reports for ``content``."""
    with app.app_context(), app.test_request_context():
        with pytest.raises(ImportRefused) as refused:
            import_units(content.encode("utf-8"), filename)
        db.session.rollback()
        return [(p.row, p.column) for p in refused.value.problems]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["hue,Huế,Hue,nowhere,province"], [(2, "parent_code")]),
        (["hue,Huế,Hue,,province", "hue,Huế 2,Hue 2,,province"], [(3, "code")]),
        (
            ["hue,,Hue,,province", "justice,Tư pháp,,hue,department"],
            [(2, "name_vi"), (3, "name_en")],
        ),
        (["a,A,A,b,department", "b,B,B,a,department"], [(2, "parent_code"), (3, "parent_code")]),
        (["a,A,A,a,department"], [(2, "parent_code")]),
        (["hue,Huế,Hue,,state"], [(2, "kind")]),
        (["hue huế,Huế,Hue,,province", ",X,X,,province"], [(2, "code"), (3, "code")]),
    ],
    ids=["unknown parent", "duplicate code", "missing name", "cycle", "own parent", "kind", "code"],
)
def test_each_error_names_row_and_column(
    app: Flask, rows: list[str], expected: list[tuple[int, str]]
) -> None:
    """Every problem is reported with its spreadsheet row and column; nothing is stored."""
    assert _problems(app, "\n".join([HEADER, *rows])) == expected
    assert _units(app) == {}


def test_a_cycle_through_stored_units_is_refused(app: Flask) -> None:
    """A file that puts a stored province under its own department makes a cycle."""
    add_unit(app, "hue", "province")
    add_unit(app, "justice", parent="hue")
    content = "\n".join([HEADER, "hue,Huế,Hue,justice,province"])
    assert _problems(app, content) == [(2, "parent_code")]
    assert _units(app)["hue"] == ("Unit hue", None, "province")


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        ("code,name_vi,kind\nhue,Huế,province", "units.csv", [(1, "name_en")]),
        (HEADER + ",colour\nhue,Huế,Hue,,province,red", "units.csv", [(1, "colour")]),
        (HEADER, "units.csv", [(None, None)]),
        (GOOD, "units.txt", [(None, None)]),
        ("not a workbook", "units.xlsx", [(None, None)]),
    ],
    ids=["missing column", "unknown column", "no rows", "wrong type", "broken xlsx"],
)
def test_file_level_problems(
    app: Flask, content: str, filename: str, expected: list[tuple[int | None, str | None]]
) -> None:
    """Missing or unknown columns, an empty or unreadable file: refused, nothing stored."""
    assert _problems(app, content, filename) == expected
    assert _units(app) == {}


def test_the_page_lists_problems_and_stores_nothing(app: Flask, staff: FlaskClient) -> None:
    """Through the web, the problems appear in a table with row and column."""
    content = "\n".join(
        [HEADER, "hue,Huế,Hue,,province", "justice,Tư pháp,Justice,nowhere,department"]
    )
    page = _upload(staff, content.encode("utf-8"), "units.csv")
    assert "Problems in the file: 1. Nothing was imported." in page
    assert "<td>3</td><td>parent_code</td><td>Unknown parent unit nowhere.</td>" in page
    assert _units(app) == {}
    with app.app_context():
        assert (
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "units.import")
            ).first()
            is None
        )


def test_the_current_units_download_as_an_import_file(app: Flask, staff: FlaskClient) -> None:
    """The download re-imports to the same hierarchy, changing nothing."""
    _upload(staff, GOOD.encode("utf-8"), "units.csv")
    before = _units(app)
    download = staff.get("/staff/units/units.csv")
    assert download.headers["Content-Type"].startswith("text/csv")
    text = download.data.decode("utf-8-sig")
    assert text.splitlines()[0] == HEADER
    page = _upload(staff, download.data, "units.csv")
    assert "0 added, 0 changed, 4 unchanged" in page
    assert _units(app) == before
