"""The settings of a run change its weights as documented: target sample sizes with
non-response classes, trimming, a numeric total, no raking; large rounds run in the background
with their progress readable; evaluators read runs but neither start nor adopt them."""

from __future__ import annotations

import time

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey_app.models import PopulationMargin, Response, Role, WeightingRun, db
from tests.app.staff.staff_helpers import add_user, login
from tests.app.staff.weighting.weighting_helpers import (
    FRAME,
    RESPONSES,
    SeededRound,
    form_values,
    seed_round,
)

POLLS = 400
POLL_PAUSE = 0.05


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
    """Start a run with the form's defaults but ``changes``; the run page's path."""
    page = client.get(f"/staff/rounds/{round_id}/weighting/new")
    data: dict[str, object] = dict(form_values(page.text))
    data.update(changes)
    response = client.post(f"/staff/rounds/{round_id}/weighting/new", data=data)
    assert response.status_code == 302, response.text
    return str(response.headers["Location"])


def last_run(app: Flask) -> WeightingRun:
    """The newest run (detached)."""
    with app.app_context():
        run = db.session.scalars(select(WeightingRun).order_by(WeightingRun.id.desc())).first()
        assert run is not None
        db.session.expunge(run)
        return run


def test_target_sizes_with_nonresponse_classes_spread_the_missing_weight(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """d = N/n_target; each unit × group class's respondents carry its non-respondents'
    weight, so with no raking every class adds up to its population."""
    location = start(
        staff,
        seeded.round_id,
        design="targets",
        nonresponse_classes=["unit", "respondent_group"],
        margin_0="",
        margin_1="",
        margin_2="",
        margin_3="",
    )
    page = staff.get(location)
    assert "Non-response adjustment" in page.text
    run = last_run(app)
    assert run.settings["nonresponse_classes"] == ["unit", "respondent_group"]
    with app.app_context():
        weights = run.load_weights()
        groups = dict(db.session.execute(select(Response.id, Response.respondent_group)).all())
    weights["group"] = weights["response_id"].map(groups)
    population, target = FRAME[("finance", "citizen", "hue")]
    in_cell = np.isclose(weights["design_weight"], population / target)
    assert in_cell.sum() == RESPONSES[("finance", "citizen", "hue")]
    assert weights.groupby("group")["weight"].sum().to_dict() == pytest.approx(
        {"citizen": 10_000, "leader": 100}
    )
    assert run.report is not None
    classes = {row["class"]: row for row in run.report["design"]["nonresponse"]}
    finance_citizens = classes["finance:citizen"]
    assert finance_citizens["units"] == 70
    assert finance_citizens["respondents"] == 55


def test_trimming_caps_the_weights_and_keeps_each_groups_total(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """Upper bound 1.2 × the group's mean: no weight above it, the total unchanged."""
    page = staff.get(start(staff, seeded.round_id, trim_upper="1,2"))
    assert "Weights trimmed" in page.text
    run = last_run(app)
    assert run.report is not None
    trimming = run.report["trimming"]["citizen"]
    assert trimming["trimmed"] > 0
    with app.app_context():
        weights = run.load_weights()
    citizen_rows = weights["population"] > 100
    final = weights.loc[citizen_rows, "weight"].to_numpy()
    assert final.max() <= trimming["upper"] * (1 + 1e-9)
    assert final.sum() == pytest.approx(10_000)
    residuals = run.report["raking"]["citizen"]["residuals"]
    assert max(row["relative_error"] for row in residuals) > 1e-6


def test_a_numeric_total_is_met_by_raking_calibration(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """Leaders' years in post (a number item) calibrated to a total beside their level."""
    with app.app_context():
        for response in db.session.scalars(
            select(Response).where(Response.respondent_group == "leader")
        ):
            response.answers = {**response.answers, "b_years": 5 + int(response.id, 16) % 7}
        db.session.add(
            PopulationMargin(
                round_id=seeded.round_id,
                respondent_group="leader",
                variable="years",
                level="",
                target=800,
            )
        )
        db.session.commit()
    page = staff.get(f"/staff/rounds/{seeded.round_id}/weighting/new")
    values = form_values(page.text)
    assert values["margin_4"] == ["item:b_years"]
    staff.get(start(staff, seeded.round_id))
    run = last_run(app)
    assert run.status == "succeeded", run.report
    assert run.report is not None
    leaders = run.report["raking"]["leader"]
    assert leaders["method"] == "raking"
    years = next(row for row in leaders["residuals"] if row["variable"] == "years")
    assert years["final"] == pytest.approx(800)


def test_a_large_round_is_weighted_in_the_background(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """From WEIGHTING_BACKGROUND_FROM responses the request returns at once; the status
    answers until the run has finished, then the page shows the report."""
    app.config["WEIGHTING_BACKGROUND_FROM"] = 1
    location = start(staff, seeded.round_id)
    statuses = []
    for _ in range(POLLS):
        status = staff.get(f"{location}/status").get_json()
        statuses.append(status)
        if status["finished"]:
            break
        time.sleep(POLL_PAUSE)
    assert statuses[-1]["finished"] is True
    assert statuses[-1]["status"] == "succeeded"
    page = staff.get(location)
    assert "Effective sample size" in page.text
    run = last_run(app)
    assert run.response_count == sum(RESPONSES.values())


def test_evaluators_read_runs_but_cannot_start_or_adopt_them(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """No start button, no adopt button; the report and the weights are theirs to read."""
    location = start(staff, seeded.round_id)
    add_user(app, "eva", Role.EVALUATOR)
    evaluator = app.test_client()
    evaluator.get("/lang/en")
    login(evaluator, "eva")
    listing = evaluator.get(f"/staff/rounds/{seeded.round_id}/weighting")
    assert listing.status_code == 200
    assert "New weighting run" not in listing.text
    page = evaluator.get(location)
    assert page.status_code == 200
    assert "Use this run for the round's estimates" not in page.text
    assert "Effective sample size" in page.text
    assert evaluator.get(f"{location}/weights.csv").status_code == 200
    assert evaluator.post(f"{location}/adopt").status_code == 403


def test_a_new_run_can_start_from_an_earlier_runs_settings(
    staff: FlaskClient, seeded: SeededRound
) -> None:
    """The form opened from a run repeats its design, margins and bounds."""
    location = start(staff, seeded.round_id, margin_1="", trim_upper="4", design="targets")
    run_id = location.rsplit("/", 1)[1]
    page = staff.get(f"/staff/rounds/{seeded.round_id}/weighting/new?from={run_id}")
    values = form_values(page.text)
    assert values["design"] == ["targets"]
    assert values["margin_1"] == [""]
    assert values["margin_0"] == ["item:d_sex"]
    assert values["trim_upper"] == ["4.0"]
    assert values["label"] == ["Run 2"]
    assert np.isclose(float(values["max_iterations"][0]), 1000)
