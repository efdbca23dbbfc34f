"""Statistics for the province scheme's statistic leaves: imported all or nothing by
evaluators, shown per unit, templated, and named when missing from the index."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey_app.models import AuditEvent, Role, StatisticValue, db
from tests.app.evaluate.evaluate_helpers import PROVINCES, add_round, preview_index, signed_in
from tests.app.staff.staff_helpers import csrf_token

INDICATORS = (
    "on_time_files",
    "online_files",
    "grdp_growth",
    "budget_revenue",
    "new_enterprises",
    "poverty_reduction",
)


@pytest.fixture
def round_id(app: Flask) -> int:
    """A province round evaluating Huế and Đà Nẵng."""
    return add_round(app, "par-2024", ("hue", "danang"), scheme_id=PROVINCES, kind="province")


@pytest.fixture
def evaluator(app: Flask) -> FlaskClient:
    """An evaluator, in English."""
    return signed_in(app, "eva", Role.EVALUATOR)


def _import(client: FlaskClient, round_id: int, text: str) -> tuple[int, str]:
    """Post a CSV to the statistics import; status and the page shown after."""
    page = client.get(f"/evaluate/rounds/{round_id}/statistics")
    response = client.post(
        f"/evaluate/rounds/{round_id}/statistics/import",
        data={
            "csrf_token": csrf_token(page.text),
            "file": (io.BytesIO(text.encode()), "figures.csv"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    return response.status_code, response.text


def _stored(app: Flask) -> dict[tuple[str, str], float]:
    """Stored figures by unit code and indicator."""
    with app.app_context():
        rows = db.session.scalars(select(StatisticValue)).all()
        return {(row.unit.code, row.statistic): row.value for row in rows}


def test_figures_are_imported_and_shown(app: Flask, round_id: int, evaluator: FlaskClient) -> None:
    """Every unit × indicator stored with one audit event and shown in the table."""
    lines = ["unit_code,indicator,value"] + [
        f'{unit},{indicator},"{number}"'
        for unit in ("hue", "danang")
        for number, indicator in enumerate(INDICATORS, start=90)
    ]
    lines[1] = 'hue,on_time_files,"97,5"'
    status, page = _import(evaluator, round_id, "\n".join(lines))
    assert status == 200
    assert "12 figures read, 12 new or changed." in page
    assert _stored(app)[("hue", "on_time_files")] == 97.5
    assert _stored(app)[("danang", "poverty_reduction")] == 95
    assert '<td class="number">97.50</td>' in page
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "statistics.import")
        ).one()
        assert len(event.details["changes"]) == 12


def test_problems_are_listed_and_nothing_is_stored(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """Unknown unit and indicator, blank and non-numeric values, a repeated row."""
    text = "\n".join(
        [
            "unit_code,indicator,value",
            "hue,on_time_files,95",
            "hanoi,on_time_files,90",
            "hue,rainfall,12",
            "hue,online_files,",
            "hue,grdp_growth,six",
            "hue,on_time_files,96",
        ]
    )
    status, page = _import(evaluator, round_id, text)
    assert status == 200
    assert "Problems in the file: 5. Nothing was imported." in page
    for expected in (
        "<td>3</td><td>unit_code</td><td>hanoi is not a unit of this round.</td>",
        "<td>4</td><td>indicator</td><td>rainfall is not an indicator of this scheme: "
        "budget_revenue, grdp_growth, new_enterprises, on_time_files, online_files, "
        "poverty_reduction.</td>",
        "<td>5</td><td>value</td><td>Enter the figure.</td>",
        "<td>6</td><td>value</td><td>six is not a number.</td>",
        "<td>7</td><td>indicator</td><td>Unit hue, indicator on_time_files is already in row "
        "2.</td>",
    ):
        assert expected in page
    assert _stored(app) == {}


def test_the_template_and_who_may_import(app: Flask, round_id: int) -> None:
    """Evaluators get a unit × indicator template; unit officers see only their own figures
    and may not import."""
    evaluator = signed_in(app, "eva", Role.EVALUATOR)
    template = evaluator.get(f"/evaluate/rounds/{round_id}/statistics/template.csv")
    rows = list(csv.DictReader(io.StringIO(template.data.decode("utf-8-sig"))))
    assert {(row["unit_code"], row["indicator"]) for row in rows} == {
        (unit, indicator) for unit in ("hue", "danang") for indicator in INDICATORS
    }
    officer = signed_in(app, "officer", Role.UNIT_OFFICER, "hue")
    page = officer.get(f"/evaluate/rounds/{round_id}/statistics")
    assert page.status_code == 200
    assert "Unit hue" in page.text and "Unit danang" not in page.text
    assert "Import figures" not in page.text
    assert officer.post(f"/evaluate/rounds/{round_id}/statistics/import").status_code == 403


def test_missing_figures_stop_the_index(app: Flask, round_id: int, evaluator: FlaskClient) -> None:
    """The preview names each indicator still missing, with its criterion and the units."""
    _import(evaluator, round_id, "unit_code,indicator,value\nhue,on_time_files,95")
    page = preview_index(evaluator, round_id)
    assert "No figure of on_time_files (criterion 8.2.1) for: danang." in page.text
    assert "No figure of online_files (criterion 8.2.2) for: danang, hue." in page.text
