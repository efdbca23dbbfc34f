"""An adopted run replayed as a function of the design weights (``replay_run``): it gives the
run's stored stage weights back, its non-response adjustment and raking leave calibration
traces, every bootstrap replicate it re-weights meets the margins (checked against the answers
stored), trimming in a replicate bounds each drawn record, a replay on responses a caller read
once is the replay reading them itself, and a run whose inputs changed is refused with a
reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from flask import Flask
from sqlalchemy import delete, select, update

from analysis.design import SurveyDesign
from analysis.errors import AnalysisError
from analysis.replication import ReplicateDesign, replicate_design
from survey_app.models import PopulationMargin, Response, WeightingRun, db
from survey_app.weighting_runs import (
    DesignSource,
    ReplayError,
    RunReplay,
    WeightingSettings,
    current_replay,
    load_responses,
    replay_run,
    replay_sources,
    run_weights,
)
from tests.app.staff.weighting.weighting_helpers import (
    CITIZEN_MARGINS,
    CITIZEN_SOURCES,
    LEADER_MARGINS,
    LEADER_SOURCES,
    SeededRound,
    adopt_run,
    seed_round,
)

REPLICATES = 12
MARGIN_RTOL = 1e-8

BOTH = {"citizen": CITIZEN_SOURCES, "leader": LEADER_SOURCES}
SETTINGS = {
    "raked": WeightingSettings(margins=BOTH),
    "nonresponse": WeightingSettings(
        design=DesignSource.TARGETS,
        nonresponse_classes=("unit", "respondent_group"),
        margins={"citizen": CITIZEN_SOURCES},
    ),
    "trimmed": WeightingSettings(margins=BOTH, trim_lower=0.5, trim_upper=1.5),
}


@pytest.fixture
def seeded(app: Flask) -> SeededRound:
    """The round with its frame, margins and responses."""
    return seed_round(app)


def _replay(app: Flask, round_id: int) -> tuple[RunReplay, pd.DataFrame]:
    """The current replay and the run's stored weights."""
    with app.app_context():
        replay = current_replay(round_id)
        assert replay is not None
        run = db.session.get(WeightingRun, replay.run_id)
        assert run is not None
        return replay, run.load_weights().set_index("response_id")


def _answers(app: Flask, round_id: int) -> pd.DataFrame:
    """Each response's group and stored demographic answers, by response id."""
    with app.app_context():
        rows = [
            {"response_id": r.id, "group": r.respondent_group, **r.answers}
            for r in db.session.scalars(select(Response).where(Response.round_id == round_id))
        ]
    return pd.DataFrame(rows).set_index("response_id")


def _replicates(
    replay: RunReplay, method: str = "bootstrap"
) -> tuple[SurveyDesign, ReplicateDesign, ReplicateDesign]:
    """The run's design, its replicates (bootstrap unless ``method`` says otherwise) and those
    replicates re-weighted."""
    base = SurveyDesign.from_frame(
        replay.frame,
        weights="design_weight",
        strata="design_stratum",
        psu="design_psu",
        nest=True,
        lonely_psu="adjust",
    )
    if method == "bootstrap":
        boot = replicate_design(base, method="bootstrap", replicates=REPLICATES, seed=5)
    else:
        boot = replicate_design(base, method="JKn")
    columns = replay.reweighting.columns
    return base, boot, boot.calibrated(replay.reweighting, columns=columns)


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_the_replay_gives_the_stored_stage_weights(
    app: Flask, seeded: SeededRound, name: str
) -> None:
    """Design weights in, the run's adjusted, calibrated and final weights out; one trace per
    calibration step (the non-response adjustment, the raking of every group at once)."""
    adopt_run(app, seeded.round_id, SETTINGS[name])
    replay, stored = _replay(app, seeded.round_id)
    row = stored.loc[replay.frame["response_id"]]
    full = replay.full
    np.testing.assert_allclose(full.weights, row["weight"], rtol=1e-10)
    assert replay.frame["weight"].tolist() == row["weight"].tolist()
    if name == "nonresponse":
        assert full.nonresponse is not None
        np.testing.assert_allclose(full.nonresponse.weights, row["adjusted_weight"], rtol=1e-12)
        assert full.nonresponse.trace.method == "poststratify"
    else:
        assert full.nonresponse is None
    assert full.raking is not None
    np.testing.assert_allclose(full.raking.weights, row["calibrated_weight"], rtol=1e-10)
    assert sorted(full.raking.groups) == sorted(SETTINGS[name].margins)
    assert [step.trace.method for step in full.steps][-1] == "rake"


def test_every_replicate_is_reraked_to_the_margins(app: Flask, seeded: SeededRound) -> None:
    """Per replicate, group and margin level, the re-weighted replicate weights of the
    respondents who gave that answer add up to the level's target; the bootstrap weights
    before re-weighting do not, and respondents a replicate drops keep weight 0."""
    adopt_run(app, seeded.round_id, SETTINGS["raked"])
    replay, _ = _replay(app, seeded.round_id)
    _, boot, raked = _replicates(replay)
    answers = _answers(app, seeded.round_id).loc[replay.frame["response_id"]]
    checks = [
        ("citizen", "d_sex", CITIZEN_MARGINS["sex"]),
        ("citizen", "d_age_band", CITIZEN_MARGINS["age"]),
        ("citizen", "d_area", CITIZEN_MARGINS["area"]),
        ("leader", "b_level", LEADER_MARGINS["level"]),
    ]
    before_errors = []
    for group, item, targets in checks:
        for level, target in targets.items():
            rows = ((answers["group"] == group) & (answers[item] == level)).to_numpy()
            totals = raked.replicate_weights[rows].sum(axis=0)
            np.testing.assert_allclose(totals, target, rtol=MARGIN_RTOL)
            before = boot.replicate_weights[rows].sum(axis=0)
            before_errors.append(np.max(np.abs(before / target - 1)))
            assert raked.weights[rows].sum() == pytest.approx(target, rel=MARGIN_RTOL)
    assert max(before_errors) > 0.05
    np.testing.assert_array_equal(raked.replicate_weights == 0, boot.replicate_weights == 0)


def test_a_replicate_is_trimmed_record_by_record_with_the_runs_bounds(
    app: Flask, seeded: SeededRound
) -> None:
    """Trimmed at 0.5–1.5 × the group's mean weight in the run: in every replicate each drawn
    record's weight (a unit's weight over its draws) lies within those bounds, and each
    group's total is still its margins' total. Units drawn more than once weigh more than the
    upper bound in all, which bounds applied to their sums would have cut."""
    adopt_run(app, seeded.round_id, SETTINGS["trimmed"])
    replay, stored = _replay(app, seeded.round_id)
    base, boot, trimmed = _replicates(replay)
    groups = replay.frame["weighting:respondent_group"].astype(str).to_numpy()
    calibrated = stored.loc[replay.frame["response_id"], "calibrated_weight"].to_numpy()
    above_upper = 0
    for group, total in (("citizen", 10_000.0), ("leader", 100.0)):
        rows = groups == group
        mean = calibrated[rows].mean()
        lower, upper = 0.5 * mean, 1.5 * mean
        assert replay.reweighting.bounds[group] == pytest.approx((lower, upper), rel=1e-12)
        weights = trimmed.replicate_weights[rows]
        draws = boot.replicate_weights[rows] / base.weights[rows, None]
        kept = draws > 0
        records = weights[kept] / draws[kept]
        assert records.min() >= lower * (1 - 1e-9) and records.max() <= upper * (1 + 1e-9)
        np.testing.assert_allclose(weights.sum(axis=0), total, rtol=MARGIN_RTOL)
        above_upper += int((weights > upper * (1 + 1e-9)).sum())
    assert above_upper > 0


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_a_replay_on_responses_read_once_is_the_replay_reading_its_own(
    app: Flask, seeded: SeededRound, name: str
) -> None:
    """The round's responses read once with the run's sources and the stored answers (as the
    index reads them for its scoring frame too) give the replay that reads them itself: the
    same frame, calibration steps, trimming bounds and weights, and the design columns of the
    run's weights those of ``current_weights`` (leaders have no stratum and no cluster)."""
    run_id = adopt_run(app, seeded.round_id, SETTINGS[name])
    with app.app_context():
        run = db.session.get(WeightingRun, run_id)
        assert run is not None
        assert replay_sources(run) == SETTINGS[name].sources()
        read = load_responses(seeded.round_id, replay_sources(run), answers=True)
        assert {"questionnaire", "answers"} <= set(read.columns)
        pd.testing.assert_frame_equal(run_weights(run, read), run_weights(run))
        own = replay_run(run)
        shared = replay_run(run, read)
    pd.testing.assert_frame_equal(shared.frame, own.frame)
    np.testing.assert_array_equal(shared.full.weights, own.full.weights)
    assert len(shared.full.steps) == len(own.full.steps) > 0
    for step, own_step in zip(shared.full.steps, own.full.steps, strict=True):
        np.testing.assert_array_equal(step.weights, own_step.weights)
    assert shared.reweighting.columns == own.reweighting.columns
    assert shared.reweighting.bounds == own.reweighting.bounds
    assert shared.reweighting.margins.keys() == own.reweighting.margins.keys()
    for group, table in own.reweighting.margins.items():
        pd.testing.assert_frame_equal(shared.reweighting.margins[group], table)


def test_responses_read_without_the_runs_margin_items_are_refused(
    app: Flask, seeded: SeededRound
) -> None:
    """A read that lacks an item the run's margins read is a caller's mistake, named as such,
    not a run whose answers changed."""
    run_id = adopt_run(app, seeded.round_id, SETTINGS["raked"])
    with app.app_context():
        run = db.session.get(WeightingRun, run_id)
        assert run is not None
        read = load_responses(seeded.round_id, {"item:d_sex"})
        with pytest.raises(ValueError, match="lack item:b_level, item:d_age_band, item:d_area"):
            replay_run(run, read)


def test_a_run_whose_inputs_changed_is_not_replayed(app: Flask, seeded: SeededRound) -> None:
    """A margin target edited after the run, settings that cannot be read (also when the
    responses are read for the replay first: its sources are then none), a response of the
    run deleted: each refused with its code; without an adopted run there is no replay."""
    with app.app_context():
        assert current_replay(seeded.round_id) is None
    run_id = adopt_run(app, seeded.round_id, SETTINGS["raked"])
    with app.app_context():
        db.session.execute(
            update(PopulationMargin)
            .where(PopulationMargin.variable == "sex", PopulationMargin.level == "male")
            .values(target=PopulationMargin.target + 1)
        )
        db.session.execute(
            update(PopulationMargin)
            .where(PopulationMargin.variable == "sex", PopulationMargin.level == "female")
            .values(target=PopulationMargin.target - 1)
        )
        db.session.commit()
        run = db.session.get(WeightingRun, run_id)
        assert run is not None
        with pytest.raises(ReplayError, match="gives other weights") as changed:
            replay_run(run)
        assert changed.value.code == "changed"
        settings = run.settings
        run.settings = {"margins": "none"}
        with pytest.raises(ReplayError) as unreadable:
            replay_run(run)
        assert unreadable.value.code == "settings"
        assert replay_sources(run) == set()
        with pytest.raises(ReplayError) as unreadable:
            replay_run(run, load_responses(seeded.round_id, replay_sources(run)))
        assert unreadable.value.code == "settings"
        run.settings = settings
        first = run.load_weights()["response_id"].iloc[0]
        db.session.execute(delete(Response).where(Response.id == first))
        with pytest.raises(ReplayError) as gone:
            replay_run(run)
        assert gone.value.code == "responses_gone" and gone.value.params == {"count": 1}


def test_a_level_a_replicate_misses_is_merged_into_its_neighbour(
    app: Flask, seeded: SeededRound
) -> None:
    """Re-weighting respondents among whom no citizen is 60 or over (a replicate can draw
    none) merges that level's target into 45–59, as collapse_empty does, instead of failing:
    the other age levels and every other margin are met, and so is the citizens' total."""
    adopt_run(app, seeded.round_id, SETTINGS["raked"])
    replay, _ = _replay(app, seeded.round_id)
    answers = _answers(app, seeded.round_id).loc[replay.frame["response_id"]]
    kept = (answers["d_age_band"] != "60_plus").to_numpy()
    frame = replay.frame[kept].reset_index(drop=True)
    weights = replay.reweighting(frame, frame["design_weight"].to_numpy())
    answers = answers[kept]
    ages = CITIZEN_MARGINS["age"]
    citizens = (answers["group"] == "citizen").to_numpy()
    for level, target in (
        ("18_29", ages["18_29"]),
        ("30_44", ages["30_44"]),
        ("45_59", ages["45_59"] + ages["60_plus"]),
    ):
        rows = citizens & (answers["d_age_band"] == level).to_numpy()
        assert weights[rows].sum() == pytest.approx(target, rel=MARGIN_RTOL)
    for level, target in CITIZEN_MARGINS["sex"].items():
        rows = citizens & (answers["d_sex"] == level).to_numpy()
        assert weights[rows].sum() == pytest.approx(target, rel=MARGIN_RTOL)
    assert weights[citizens].sum() == pytest.approx(10_000, rel=MARGIN_RTOL)


@pytest.mark.parametrize("collapse_empty", [False, True])
def test_a_numeric_total_is_met_in_every_replicate(
    app: Flask, seeded: SeededRound, collapse_empty: bool
) -> None:
    """Leaders raking-calibrated to their level and to a total of years in post (a number
    item), with or without collapsing empty levels (a rule for the categorical margins only):
    the replay gives the run's weights, and every jackknife replicate meets the total again.
    Years alternate 7 and 9 within each level, so a mean of 8 stays reachable when one leader
    is left out; bootstrap replicates of a couple of dozen leaders can draw a mix whose mean
    years cannot reach 8 with positive weights (raking then rightly fails)."""
    with app.app_context():
        leaders = db.session.scalars(
            select(Response).where(Response.respondent_group == "leader").order_by(Response.id)
        ).all()
        for level in {response.answers["b_level"] for response in leaders}:
            of_level = [response for response in leaders if response.answers["b_level"] == level]
            for position, response in enumerate(of_level):
                years = 7 if position % 2 == 0 else 9
                response.answers = {**response.answers, "b_years": years}
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
    sources = {**LEADER_SOURCES, "years": "item:b_years"}
    settings = WeightingSettings(margins={"leader": sources}, collapse_empty=collapse_empty)
    adopt_run(app, seeded.round_id, settings)
    replay, stored = _replay(app, seeded.round_id)
    np.testing.assert_allclose(
        replay.full.weights, stored.loc[replay.frame["response_id"], "weight"], rtol=1e-10
    )
    _, _, calibrated = _replicates(replay, method="JKn")
    answers = _answers(app, seeded.round_id).loc[replay.frame["response_id"]]
    leaders = (answers["group"] == "leader").to_numpy()
    years = answers["b_years"].where(leaders, 0).astype(float).to_numpy()
    np.testing.assert_allclose(years @ calibrated.replicate_weights, 800, rtol=MARGIN_RTOL)
    for level, target in LEADER_MARGINS["level"].items():
        rows = leaders & (answers["b_level"] == level).to_numpy()
        np.testing.assert_allclose(
            calibrated.replicate_weights[rows].sum(axis=0), target, rtol=MARGIN_RTOL
        )


def test_respondents_without_a_raked_group_cannot_be_reweighted(
    app: Flask, seeded: SeededRound
) -> None:
    """A frame without any leader (no bootstrap replicate of the run's strata is one) is
    refused with an analysis error, which a replicate design names by replicate."""
    adopt_run(app, seeded.round_id, SETTINGS["raked"])
    replay, _ = _replay(app, seeded.round_id)
    citizens = replay.frame[replay.frame["weighting:respondent_group"] == "citizen"]
    frame = citizens.reset_index(drop=True)
    with pytest.raises(AnalysisError, match="no level with respondents"):
        replay.reweighting(frame, frame["design_weight"].to_numpy())
