"""The index carries the weighting into its uncertainty (ADR 0007).

The round: departments ``planning`` and ``finance`` (department scheme), each surveyed by 40
delegates in 5 clusters (N = 100) and 10 observers (N = 50; raked too, scored nowhere). Every
delegate answers every survey item by role — provincial delegates "4", district delegates "3",
commune committee members "2", commune council members "1" — so survey points are a function
of the role mix, and the adopted run rakes each group to its own role margins. The numbers the
index computes through the database are compared with what ``analysis`` gives on the same
design built here from the stored answers, the raking posed as one calibration on margins
interacted with the respondent group (not by the bridge's code path).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import numpy as np
import pandas as pd
import pytest
from flask import Flask
from sqlalchemy import select

from analysis.design import SurveyDesign
from analysis.replication import ReplicateDesign, replicate_design
from analysis.scoring import SurveyScores, score_survey
from analysis.weighting import calibrate, poststratify, trim_weights
from questionnaires.loader import bundled_questionnaires
from survey_app.catalogue import store_version
from survey_app.index_service import (
    compute_round_index,
    read_responses,
    scheme_of,
    survey_designs,
    survey_items,
)
from survey_app.models import FrameCell, Mode, PopulationMargin, Response, Round, db
from survey_app.weighting_runs import DesignSource, WeightingSettings
from tests.app.evaluate.evaluate_helpers import (
    accept_all,
    add_round,
    add_self_scores,
    full_marks,
    scheme,
    unit_id,
)
from tests.app.staff.weighting.weighting_helpers import adopt_run

UNITS = ("finance", "planning")
ROLES = ("provincial_delegate", "district_delegate", "commune_committee", "commune_council")
ANSWER_OF_ROLE = dict(zip(ROLES, ("4", "3", "2", "1"), strict=True))
DELEGATES = {"planning": (16, 12, 8, 4), "finance": (14, 10, 10, 6)}
"""Delegates of each role per unit (40 each; each unit holds about half of every role)."""
OBSERVERS = {"planning": (4, 3, 2, 1), "finance": (1, 2, 3, 4)}
MARGINS = {"delegate": (50.0, 60.0, 50.0, 40.0), "observer": (25.0, 25.0, 25.0, 25.0)}
POPULATION = {"delegate": 100, "observer": 50}
CLUSTERS = 5
TRIM = (0.7, 1.3)
SE_RTOL = 1e-6
REPLICATES = 200


def _respondents() -> pd.DataFrame:
    """The respondents as stored: unit, group, role, cluster (an observer is one of their
    own, labelled so that the bootstrap draws do not depend on the random response ids)."""
    rows = []
    for group, counts in (("delegate", DELEGATES), ("observer", OBSERVERS)):
        for unit in UNITS:
            roles = [role for role, k in zip(ROLES, counts[unit], strict=True) for _ in range(k)]
            for i, role in enumerate(roles):
                cluster = f"{unit}-c{i % CLUSTERS}" if group == "delegate" else f"{unit}-o{i}"
                rows.append((unit, group, role, cluster))
    return pd.DataFrame(rows, columns=["unit", "respondent_group", "r_role", "cluster"])


def _store(app: Flask, round_id: int, respondents: pd.DataFrame) -> None:
    """The responses, frame cells and role margins of the module docstring."""
    items = survey_items(scheme())
    with app.app_context():
        version, _ = store_version(bundled_questionnaires()["province_department"])
        for row in respondents.itertuples(index=False):
            answer = ANSWER_OF_ROLE[row.r_role]
            db.session.add(
                Response(
                    round_id=round_id,
                    unit_id=unit_id(app, row.unit),
                    respondent_group=row.respondent_group,
                    questionnaire_id="province_department",
                    questionnaire_version=version.version,
                    questionnaire_hash=version.content_hash,
                    mode=Mode.WEB,
                    answers={"r_role": row.r_role, **{item: answer for item in items}},
                    paradata={},
                    stratum=row.unit,
                    cluster=row.cluster,
                    submitted_on=date(2024, 6, 1),
                    submission_key=uuid.uuid4().hex,
                )
            )
        for unit in UNITS:
            for group, population in POPULATION.items():
                here = (respondents["unit"] == unit) & (respondents["respondent_group"] == group)
                sample = int(here.sum())
                db.session.add(
                    FrameCell(
                        round_id=round_id,
                        unit_id=unit_id(app, unit),
                        respondent_group=group,
                        stratum=unit,
                        population=population,
                        sample_size=sample,
                        margin_of_error=0.05,
                    )
                )
        for group, targets in MARGINS.items():
            for role, target in zip(ROLES, targets, strict=True):
                db.session.add(
                    PopulationMargin(
                        round_id=round_id,
                        respondent_group=group,
                        variable="role",
                        level=role,
                        target=target,
                    )
                )
        db.session.commit()


@pytest.fixture
def round_id(app: Flask) -> Iterator[int]:
    """The round of the module docstring, appraised in full, without a weighting run."""
    round_id = add_round(app, "dept-weighted", UNITS, survey=True)
    add_self_scores(app, round_id, {unit: full_marks() for unit in UNITS})
    accept_all(app, round_id)
    _store(app, round_id, _respondents())
    yield round_id


TARGETS = {
    "planning": {"delegate": 50, "observer": 20},
    "finance": {"delegate": 80, "observer": 12},
}
"""Target sample sizes of the non-response variant: response rates differ by group within a
unit, so the adjustment within units moves weight between the groups before the raking. (Its
trace leaves a unit's standard errors as they are: the influence of a unit's mean adds up to
zero over any class that holds the whole unit.)"""


def _adopt(app: Flask, round_id: int, variant: str) -> None:
    """Adopt a run raking both groups to their roles; ``trimmed`` then trims them,
    ``nonresponse`` first sets the frame's target sample sizes to :data:`TARGETS` and adjusts
    for non-response within units."""
    role = {"role": "item:r_role"}
    trimmed = variant == "trimmed"
    nonresponse = variant == "nonresponse"
    if nonresponse:
        with app.app_context():
            for cell in db.session.scalars(select(FrameCell).where(FrameCell.round_id == round_id)):
                cell.sample_size = TARGETS[cell.unit.code][cell.respondent_group]
            db.session.commit()
    settings = WeightingSettings(
        design=DesignSource.TARGETS if nonresponse else DesignSource.RESPONSES,
        nonresponse_classes=("unit",) if nonresponse else (),
        margins={"delegate": role, "observer": role},
        trim_lower=TRIM[0] if trimmed else None,
        trim_upper=TRIM[1] if trimmed else None,
    )
    adopt_run(app, round_id, settings)


def _direct_design(variant: str) -> SurveyDesign:
    """The design built here: N/n (n the responses, or the target sample size for the
    non-response variant, whose weights are then post-stratified to each unit's population,
    the sum of its cells' N); raked on group-interacted role margins; trimmed group by group
    at the run's multiples of the group's mean raked weight (``trimmed``)."""
    data = _respondents()
    items = survey_items(scheme())
    answers = data["r_role"].map(ANSWER_OF_ROLE)
    data = data.assign(
        **{item: answers for item in items},
        questionnaire="province_department",
        design_stratum=data["unit"] + "|" + data["respondent_group"] + "|" + data["unit"],
        design_psu=data["cluster"],
    )
    if variant == "nonresponse":
        cells = zip(data["unit"], data["respondent_group"], strict=True)
        sizes = pd.Series([TARGETS[unit][group] for unit, group in cells])
    else:
        sizes = data.groupby(["unit", "respondent_group"])["r_role"].transform("size")
    data["w0"] = data["respondent_group"].map(POPULATION) / sizes
    rows = []
    for group, targets in MARGINS.items():
        other = "observer" if group == "delegate" else "delegate"
        inside = data["respondent_group"] == group
        data[f"role_{group}"] = data["r_role"].where(inside, other)
        rows += [(f"role_{group}", role, t) for role, t in zip(ROLES, targets, strict=True)]
        rows.append((f"role_{group}", other, sum(MARGINS[other])))
    design = SurveyDesign.from_frame(
        data,
        weights="w0",
        strata="design_stratum",
        psu="design_psu",
        nest=True,
        lonely_psu="adjust",
    )
    if variant == "nonresponse":
        population = pd.DataFrame({"unit": list(UNITS), "target": sum(POPULATION.values())})
        design = design.calibrated(
            poststratify(data, weights=design.weights, by="unit", population=population)
        )
    margins = pd.DataFrame(rows, columns=["variable", "level", "target"])
    raked = design.calibrated(
        calibrate(data, weights=design.weights, margins=margins, method="raking", tolerance=1e-13)
    )
    if variant != "trimmed":
        return raked
    final = raked.weights.copy()
    for group in MARGINS:
        rows_of = (data["respondent_group"] == group).to_numpy()
        mean = raked.weights[rows_of].mean()
        final[rows_of] = trim_weights(
            raked.weights[rows_of], lower=TRIM[0] * mean, upper=TRIM[1] * mean, strict=True
        ).weights
    return raked.trimmed(final)


def _scores(design: SurveyDesign | ReplicateDesign) -> SurveyScores:
    return score_survey(
        design,
        scheme=scheme(),
        questionnaires={"province_department": bundled_questionnaires()["province_department"]},
        units=list(UNITS),
    )


def _by_group(scores: SurveyScores) -> pd.DataFrame:
    return scores.by_group.set_index(["unit", "criterion", "group"]).sort_index()


@pytest.mark.parametrize("variant", ["raked", "trimmed", "nonresponse"])
def test_standard_errors_are_those_of_the_calibrated_design(
    app: Flask, round_id: int, variant: str
) -> None:
    """Points and standard errors of every unit × criterion × group, as the index computes
    them from the database, equal those of the design calibrated (and trimmed) here."""
    _adopt(app, round_id, variant)
    with app.app_context(), app.test_request_context():
        round_ = db.session.get(Round, round_id)
        assert round_ is not None
        computed = compute_round_index(round_, replicates=20)
    assert computed.survey is not None
    found = _by_group(computed.survey.scores)
    expected = _by_group(_scores(_direct_design(variant)))
    np.testing.assert_allclose(found["points"], expected["points"], rtol=1e-9)
    np.testing.assert_allclose(found["se"], expected["se"], rtol=SE_RTOL)
    assert (found["se"] > 0).all()


def test_raking_to_the_roles_lowers_the_standard_error_of_points_made_by_roles(
    app: Flask, round_id: int
) -> None:
    """The answers follow the role, the margin raked to, so the calibrated estimator removes
    part of the role mix's sampling error. The raking is across both units: a unit's
    linearised residual is its role deviation times 1 − p (p, the unit's share of the role,
    about ½ here) in its own stratum and times −p in the other, so its variance is about
    ½ of the fixed-weights one, its standard error about 0.7 of it. Every unit's standard
    error is below 0.8 of the one treating the same final weights as fixed, by linearisation
    and by the index's bootstrap (its replicates re-raked, against the same replicates with the
    final weights fixed)."""
    _adopt(app, round_id, "raked")
    with app.app_context(), app.test_request_context():
        round_ = db.session.get(Round, round_id)
        assert round_ is not None
        the_scheme = scheme_of(round_)
        assert the_scheme is not None
        designs = survey_designs(round_, read_responses(round_, the_scheme, UNITS), REPLICATES)
    calibrated = designs.linear
    fixed = SurveyDesign.from_frame(
        calibrated.frame.assign(final=calibrated.weights),
        weights="final",
        strata="design_stratum",
        psu="design_psu",
        nest=True,
        lonely_psu="adjust",
    )
    ratio = _by_group(_scores(calibrated))["se"] / _by_group(_scores(fixed))["se"]
    assert ratio.max() < 0.8
    base = SurveyDesign.from_frame(
        calibrated.frame,
        weights="design_weight",
        strata="design_stratum",
        psu="design_psu",
        nest=True,
        lonely_psu="adjust",
    )
    draws = replicate_design(base, method="bootstrap", replicates=REPLICATES, seed=round_id)
    held = ReplicateDesign(
        frame=calibrated.frame,
        weights=calibrated.weights,
        replicate_weights=draws.replicate_weights
        / base.weights[:, None]
        * calibrated.weights[:, None],
        scale=draws.scale,
        rscales=draws.rscales,
        method="bootstrap",
    )
    np.testing.assert_array_equal(
        held.replicate_weights == 0, designs.replicates.replicate_weights == 0
    )
    boot_ratio = _by_group(_scores(designs.replicates))["se"] / _by_group(_scores(held))["se"]
    assert boot_ratio.max() < 0.8


def _collapsed(targets: tuple[float, ...], present: np.ndarray) -> np.ndarray:
    """The targets a raking meets when the levels not ``present`` merge into the nearest
    present level (the lower of two equally near), as ``collapse_empty`` does."""
    merged = np.array(targets)
    active = np.flatnonzero(present)
    for level in np.flatnonzero(~present):
        into = active[np.argmin(np.abs(active - level))]
        merged[into] += merged[level]
        merged[level] = 0.0
    return merged


def test_the_index_replicates_are_reraked(app: Flask, round_id: int) -> None:
    """Each of the replicates behind the rank intervals meets both groups' role margins; where
    a replicate draws no observer of a role (4 of the 10 observers of a unit hold a role at
    most), that role's target goes to the nearest role drawn, and the group's total is kept."""
    _adopt(app, round_id, "raked")
    with app.app_context(), app.test_request_context():
        round_ = db.session.get(Round, round_id)
        assert round_ is not None
        the_scheme = scheme_of(round_)
        assert the_scheme is not None
        designs = survey_designs(round_, read_responses(round_, the_scheme, UNITS), REPLICATES)
        stored = select(Response.id, Response.respondent_group, Response.answers)
        roles = {
            response_id: (group, answers["r_role"])
            for response_id, group, answers in db.session.execute(stored)
        }
    weights = designs.replicates.replicate_weights
    found = [roles[response_id] for response_id in designs.replicates.frame["response_id"]]
    collapsed = 0
    for group, targets in MARGINS.items():
        rows = [np.array([key == (group, role) for key in found]) for role in ROLES]
        totals = np.array([weights[r].sum(axis=0) for r in rows])
        present = np.array([(weights[r] > 0).any(axis=0) for r in rows])
        for replicate in range(weights.shape[1]):
            expected = _collapsed(targets, present[:, replicate])
            np.testing.assert_allclose(totals[:, replicate], expected, rtol=1e-8, atol=1e-9)
        collapsed += int((~present).sum())
    assert collapsed > 0
