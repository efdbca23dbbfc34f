"""A weighting run that cannot be made fails with its reason kept on the run and explained on
its page, with what to do; the settings form refuses impossible bounds; a stalled run says so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from analysis.errors import AnalysisError
from analysis.weighting import (
    CollapseError,
    ConvergenceError,
    EmptyLevelError,
    FrameMismatchError,
    InfeasibleBoundsError,
    InvalidMarginsError,
    MarginTotalsDisagreeError,
    MissingValuesError,
    NoRespondentsError,
    UnknownLevelError,
    UntargetedLevelError,
    ZeroTargetError,
)
from survey_app.models import (
    AuditEvent,
    FrameCell,
    PopulationMargin,
    Response,
    Role,
    WeightingRun,
    WeightingRunStatus,
    db,
)
from survey_app.models.base import utcnow
from survey_app.staff.weighting_errors import explain
from survey_app.staff.weighting_jobs import describe_failure
from survey_app.weighting_runs import Stage, StageError
from tests.app.staff.staff_helpers import add_user, login
from tests.app.staff.weighting.weighting_helpers import SeededRound, form_values, seed_round


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


def run_page(client: FlaskClient, round_id: int, **changes: object) -> str:
    """Start a run with the form's defaults but ``changes``; the run page's text."""
    page = client.get(f"/staff/rounds/{round_id}/weighting/new")
    data: dict[str, object] = dict(form_values(page.text))
    data.update(changes)
    response = client.post(f"/staff/rounds/{round_id}/weighting/new", data=data)
    assert response.status_code == 302, response.text
    shown = client.get(response.headers["Location"])
    assert shown.status_code == 200
    return shown.text


def only_run(app: Flask) -> WeightingRun:
    """The one stored run (detached)."""
    with app.app_context():
        run = db.session.scalars(select(WeightingRun)).one()
        db.session.expunge(run)
        return run


def set_margin_level(app: Flask, round_id: int, variable: str, old: str, new: str) -> None:
    """Rename a level of a citizen margin (as a margins file with a typo would)."""
    with app.app_context():
        db.session.execute(
            update(PopulationMargin)
            .where(
                PopulationMargin.round_id == round_id,
                PopulationMargin.variable == variable,
                PopulationMargin.level == old,
            )
            .values(level=new)
        )
        db.session.commit()


def add_empty_level(app: Flask, round_id: int) -> None:
    """Give the citizens' age margin a level no response has (its target taken from 60_plus)."""
    with app.app_context():
        margin = db.session.scalars(
            select(PopulationMargin).where(
                PopulationMargin.round_id == round_id, PopulationMargin.level == "60_plus"
            )
        ).one()
        margin.target -= 400
        db.session.add(
            PopulationMargin(
                round_id=round_id,
                respondent_group="citizen",
                variable="age",
                level="80_plus",
                target=400,
            )
        )
        db.session.commit()


def test_a_margin_level_without_responses_fails_and_says_how_to_merge_it(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """The run fails (no 500), its page names the level and the tick box that merges it; with
    the box ticked the run succeeds and reports the merge."""
    add_empty_level(app, seeded.round_id)
    text = run_page(staff, seeded.round_id, margin_1="item:d_age_band")
    assert "The weighting failed" in text
    assert "Level “80_plus” of margin “age” has no response in group citizen" in text
    assert "Merge a margin level that has no responses into its neighbouring level" in text
    run = only_run(app)
    assert run.status == WeightingRunStatus.FAILED
    assert run.report is not None and run.report["error"]["code"] == "margin_level_empty"
    assert run.weights is None
    with app.app_context():
        failed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "weighting_run.fail")
        ).one()
        assert failed.user_id is not None
    text = run_page(staff, seeded.round_id, margin_1="item:d_age_band", collapse_empty="y")
    assert "its target 400 was merged into “60_plus”" in text


def test_a_misspelt_level_lists_the_levels_the_responses_have(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """A target for 60+ while the answers say 60_plus: both are named."""
    set_margin_level(app, seeded.round_id, "age", "60_plus", "60+")
    text = run_page(staff, seeded.round_id, margin_1="item:d_age_band")
    assert "has a target for level “60+”, which no response of group citizen gave" in text
    assert "The responses have: 18_29, 30_44, 45_59, 60_plus" in text


def test_a_raking_that_does_not_converge_shows_its_history(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """One iteration is not enough for three margins: the error and each iteration's
    largest relative error are shown, with the advice to raise the limit."""
    text = run_page(staff, seeded.round_id, margin_1="item:d_age_band", max_iterations="1")
    assert "did not converge in 1 iterations" in text
    assert "raise the maximum number of iterations" in text
    assert "Largest relative margin error after each of the last iterations" in text
    run = only_run(app)
    assert run.report is not None and len(run.report["error"]["history"]) == 1


def test_a_margin_variable_no_response_carries_is_named(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """area read from the occupation item, which nobody answered."""
    text = run_page(staff, seeded.round_id, margin_2="item:d_occupation")
    assert (
        "No response of group citizen carries margin variable “area” (read from "
        "item:d_occupation)" in text
    )
    assert "Choose the item the variable comes from" in text


def test_a_response_without_a_unit_cannot_be_design_weighted(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """A public response with no unit belongs to no frame cell."""
    with app.app_context():
        response = db.session.scalars(select(Response).limit(1)).one()
        response.unit_id = None
        db.session.commit()
    text = run_page(staff, seeded.round_id)
    assert "1 responses have no unit, so they belong to no cell of the frame." in text


def test_impossible_trimming_bounds_are_refused_on_the_form(
    staff: FlaskClient, seeded: SeededRound
) -> None:
    """A lower bound of 1.5 and an upper of 0.8 times the mean: both named, nothing started."""
    page = staff.get(f"/staff/rounds/{seeded.round_id}/weighting/new")
    data: dict[str, object] = dict(form_values(page.text))
    data.update(trim_lower="1.5", trim_upper="0,8")
    response = staff.post(f"/staff/rounds/{seeded.round_id}/weighting/new", data=data)
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "The lower bound must lie above 0 and below 1." in response.text
    assert "The upper bound must be above 1." in response.text


def test_a_run_whose_progress_stopped_is_shown_as_stalled(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """Pending for eleven minutes without progress: the page and the status say stalled."""
    with app.app_context():
        run = WeightingRun(
            round_id=seeded.round_id,
            label="Lost",
            settings={"design": "responses", "margins": {}},
            status=WeightingRunStatus.PENDING,
            report={
                "progress": {
                    "stage": "rake",
                    "done": 3,
                    "total": 5,
                    "updated_at": (utcnow() - timedelta(minutes=11)).isoformat(),
                }
            },
        )
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    page = staff.get(f"/staff/rounds/{seeded.round_id}/weighting/{run_id}")
    assert "Step 3 of 5: Raking to the margins." in page.text
    assert "has not moved for more than ten minutes" in page.text
    status = staff.get(f"/staff/rounds/{seeded.round_id}/weighting/{run_id}/status").get_json()
    assert status == {
        "status": "pending",
        "finished": False,
        "stage": "rake",
        "done": 3,
        "total": 5,
        "stalled": True,
        "message": "Step 3 of 5: Raking to the margins.",
    }


def test_a_response_without_the_margins_answer_is_counted(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """One citizen did not say where they live: area cannot be raked, and the page says so."""
    with app.app_context():
        response = db.session.scalars(
            select(Response).where(Response.respondent_group == "citizen").limit(1)
        ).one()
        response.answers = {
            key: value for key, value in response.answers.items() if key != "d_area"
        }
        db.session.commit()
    text = run_page(staff, seeded.round_id)
    assert "1 responses of group citizen have no value for “area”." in text
    assert "Leave the variable out, or read it from an item every respondent answers." in text


def test_a_response_outside_the_frame_names_its_cell(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """A citizen of a district the frame does not list."""
    with app.app_context():
        response = db.session.scalars(
            select(Response).where(Response.respondent_group == "citizen").limit(1)
        ).one()
        response.stratum = "phu_vang"
        db.session.commit()
    text = run_page(staff, seeded.round_id)
    assert "Responses fall in the cell" in text
    assert "citizen · phu_vang" in text
    assert "Add the cell to the frame with its population" in text


def test_more_responses_than_a_cells_target_cannot_use_targets(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """With n = the target sample size, a cell over its target is named."""
    with app.app_context():
        cell = db.session.scalars(
            select(FrameCell).where(FrameCell.respondent_group == "leader").limit(1)
        ).one()
        cell.sample_size = 5
        db.session.commit()
    text = run_page(staff, seeded.round_id, design="targets")
    assert "more than its target sample size 5" in text
    assert "Use the number of responses as n" in text


@pytest.mark.parametrize(
    "error",
    [
        CollapseError("x", variable="age", level="80_plus"),
        ConvergenceError("x", history=(0.5, 0.25)),
        EmptyLevelError("x", variable="age", level="80_plus"),
        FrameMismatchError("x", level="a:b:c"),
        InfeasibleBoundsError("x"),
        InvalidMarginsError("x"),
        MarginTotalsDisagreeError("x"),
        MissingValuesError("x", got=3, variable="area"),
        NoRespondentsError("x", level="a:citizen"),
        UnknownLevelError("x", expected=["a", "b"], variable="age", level="60+"),
        UntargetedLevelError("x", expected=["a"], variable="age", level="b"),
        ZeroTargetError("x", variable="age", level="b"),
    ],
    ids=lambda error: error.code,
)
def test_every_weighting_error_is_explained(
    sqlite_app_with: Callable[..., Flask], error: AnalysisError
) -> None:
    """Whatever an analysis error carries, the explanation has a problem and a remedy."""
    with sqlite_app_with().test_request_context():
        failure = describe_failure(StageError(Stage.RAKE, "citizen", error))
        explanation = explain(failure)
    assert explanation.problem and explanation.remedy
    assert "None" not in explanation.problem
    assert explanation.technical == "x"
