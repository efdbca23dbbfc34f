"""Weighting runs from the workspace: settings matched to the margins, a run weighted in the
request, its report, adopting it as the round's current weighting, and the weights the index
reads (``current_weights``)."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey_app.models import AuditEvent, Role, WeightingRun, WeightingRunStatus, db
from survey_app.weighting_runs import current_weights
from tests.app.staff.staff_helpers import add_user, csrf_token, login
from tests.app.staff.weighting.weighting_helpers import (
    CITIZEN_MARGINS,
    FRAME,
    RESPONSES,
    SeededRound,
    form_values,
    seed_round,
)


@pytest.fixture
def seeded(app: Flask) -> SeededRound:
    """The round with its frame, margins and responses."""
    return seed_round(app)


@pytest.fixture
def staff(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client signed in as survey staff, in English."""
    add_user(app, "lan", Role.STAFF)
    client.get("/lang/en")
    login(client, "lan")
    return client


def start(client: FlaskClient, round_id: int, **changes: object) -> str:
    """Open the settings form, change ``changes`` and start the run; the run page's path."""
    page = client.get(f"/staff/rounds/{round_id}/weighting/new")
    assert page.status_code == 200, page.text
    data: dict[str, object] = dict(form_values(page.text))
    data.update(changes)
    response = client.post(f"/staff/rounds/{round_id}/weighting/new", data=data)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def test_the_form_reads_each_margin_from_the_item_its_name_points_to(
    staff: FlaskClient, seeded: SeededRound
) -> None:
    """sex → d_sex, age → d_age_band, area → d_area, level → b_level."""
    page = staff.get(f"/staff/rounds/{seeded.round_id}/weighting/new")
    values = form_values(page.text)
    assert values["margin_0"] == ["item:d_sex"]
    assert values["margin_1"] == ["item:d_age_band"]
    assert values["margin_2"] == ["item:d_area"]
    assert values["margin_3"] == ["item:b_level"]
    assert values["label"] == ["Run 1"]
    assert values["design"] == ["responses"]


def test_a_run_weights_to_the_margins_and_reports(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """The run finishes in the request: each group's weights add up to its margins' total,
    the report shows effective n and design effects, and the run is audited."""
    location = start(staff, seeded.round_id)
    page = staff.get(location)
    assert page.status_code == 200
    assert "Effective sample size" in page.text
    assert "Design effect of the weights (Kish)" in page.text
    assert "Margin residuals of group citizen" in page.text
    with app.app_context():
        run = db.session.scalars(select(WeightingRun)).one()
        assert run.status == WeightingRunStatus.SUCCEEDED
        assert run.response_count == sum(RESPONSES.values())
        weights = run.load_weights()
        assert run.settings["margins"]["citizen"] == {
            "sex": "item:d_sex",
            "age": "item:d_age_band",
            "area": "item:d_area",
        }
        report = run.report
        assert report is not None
        citizen = next(row for row in report["summary"] if row["domain"] == "citizen")
        assert citizen["total"] == pytest.approx(sum(CITIZEN_MARGINS["sex"].values()))
        residuals = report["raking"]["citizen"]["residuals"]
        assert max(row["relative_error"] for row in residuals) < 1e-8
        assert weights["weight"].sum() == pytest.approx(10_100)
        actions = [event.action for event in db.session.scalars(select(AuditEvent))]
        assert "weighting_run.start" in actions and "weighting_run.finish" in actions
        assert current_weights(seeded.round_id) is None


def test_the_report_writes_its_figures_in_the_readers_language(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """Totals, weights and design effects with the reader's thousands and decimal signs: a
    Vietnamese reader must not see 10,000.0 (ten, in Vietnamese) for ten thousand."""
    location = start(staff, seeded.round_id)
    english = staff.get(location).text
    staff.get("/lang/vi")
    vietnamese = staff.get(location).text
    with app.app_context():
        report = db.session.scalars(select(WeightingRun)).one().report
    assert report is not None
    citizen = next(row for row in report["summary"] if row["domain"] == "citizen")
    deff = f"{citizen['deff']:.3f}"
    for cell in ("10,000.0", deff, f"{citizen['mean']:,.3f}"):
        assert f'<td class="number">{cell}</td>' in english
    for cell in ("10.000,0", deff.replace(".", ",")):
        assert f'<td class="number">{cell}</td>' in vietnamese
    assert "10.100" in vietnamese
    assert "10,000.0" not in vietnamese and "10,100" not in vietnamese


def test_adopting_a_run_makes_its_weights_the_rounds(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """Adopted, the run is the round's current one: current_weights gives its weights with the
    design columns, and the round page's panel names it."""
    location = start(staff, seeded.round_id)
    page = staff.get(location)
    adopt = staff.post(f"{location}/adopt", data={"csrf_token": csrf_token(page.text)})
    assert adopt.status_code == 302
    with app.app_context():
        weights = current_weights(seeded.round_id)
        assert weights is not None
        assert list(weights.columns)[:7] == [
            "response_id",
            "weight",
            "unit",
            "respondent_group",
            "stratum",
            "psu",
            "population",
        ]
        assert len(weights) == sum(RESPONSES.values())
        leaders = weights[weights["respondent_group"] == "leader"]
        assert set(leaders["stratum"]) == {"finance|leader|finance", "justice|leader|justice"}
        assert (leaders["psu"] == leaders["response_id"]).all()
        citizens = weights[weights["respondent_group"] == "citizen"]
        assert citizens["psu"].str.startswith(("hue-c", "a_luoi-c")).all()
        hue = citizens[citizens["stratum"] == "finance|citizen|hue"]
        assert (hue["population"] == FRAME[("finance", "citizen", "hue")][0]).all()
        assert (hue["design_weight"] == 4000 / 30).all()
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "weighting_run.adopt")
        ).one()
        assert event.details["after"]["current_run"] is not None
    round_page = staff.get(f"/staff/rounds/{seeded.round_id}")
    assert "Current run:" in round_page.text
    assert "Run 1" in round_page.text


def test_the_weights_download_as_csv(staff: FlaskClient, seeded: SeededRound) -> None:
    """One row per response with its weight, stages and design columns."""
    location = start(staff, seeded.round_id)
    download = staff.get(f"{location}/weights.csv")
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert len(rows) == sum(RESPONSES.values())
    assert {"response_id", "weight", "stratum", "psu", "design_weight"} <= set(rows[0])
