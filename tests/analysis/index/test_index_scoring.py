"""Survey points: rules, weighted means with linearised standard errors, flags, groups.

Expected values are computed here from the formulas (Hájek mean; ultimate-cluster variance
with every respondent its own PSU: V = n/(n−1) Σ (z_i − z̄)², z_i = w_i (y_i − ȳ_d)/Ŵ_d on the
domain's rows and 0 elsewhere), not by the estimation package.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from index_fixtures import make_scheme, small_definition, text

from analysis.design import SurveyDesign
from analysis.replication import replicate_design
from analysis.scoring import RULES, ScoringError, score_survey
from questionnaires.loader import Questionnaire
from questionnaires.model import QuestionnaireDefinition
from questionnaires.scheme import MeanScaled, Scheme, ScoringRule, TopBoxShare

FOUR = [
    {"code": "4", "label": text("Rất tốt", "Very good"), "score": 1.0},
    {"code": "3", "label": text("Tốt", "Good"), "score": 2 / 3},
    {"code": "2", "label": text("Kém", "Poor"), "score": 1 / 3},
    {"code": "1", "label": text("Rất kém", "Very poor"), "score": 0.0},
    {"code": "dk", "label": text("Không biết", "Don't know"), "special": "dont_know"},
]
FIVE = [
    {"code": str(k), "label": text(f"m{k}", f"l{k}"), "score": (k - 1) / 4} for k in range(5, 0, -1)
] + [{"code": "na", "label": text("Không áp dụng", "N/A"), "special": "not_applicable"}]


def questionnaire(qid: str, group: str, scale: list[dict[str, Any]]) -> Questionnaire:
    definition = QuestionnaireDefinition.model_validate(
        {
            "id": qid,
            "version": "1",
            "respondent_group": group,
            "title": text("t", "t"),
            "intro": text("i", "i"),
            "choice_lists": {"scale": scale},
            "pages": [
                {
                    "id": "p1",
                    "title": text("p", "p"),
                    "items": [
                        {
                            "code": "q1",
                            "type": "rating",
                            "text": text("a", "a"),
                            "choices": "scale",
                        },
                        {
                            "code": "q2",
                            "type": "rating",
                            "text": text("b", "b"),
                            "choices": "scale",
                        },
                    ],
                }
            ],
        }
    )
    return Questionnaire(definition, path=Path(f"{qid}.yaml"), content_hash="0" * 64)


QUESTIONNAIRES = {
    "par_leaders": questionnaire("par_leaders", "leader", FOUR),
    "sipas": questionnaire("sipas", "citizen", FIVE),
}


def scheme_with(
    groups: list[dict[str, Any]], rule: Any = "mean_scaled", minimum: int = 2
) -> Scheme:
    definition = small_definition()
    definition["fields"][1]["criteria"][0]["source"] = {
        "kind": "survey",
        "rule": rule,
        "groups": groups,
        "min_respondents": minimum,
    }
    return make_scheme(fields=definition["fields"])


LEADERS = {"group": "leader", "questionnaire": "par_leaders", "items": ["q1"]}


def hajek(y: np.ndarray, w: np.ndarray, rows: np.ndarray) -> tuple[float, float]:
    """Domain mean and its linearised SE, every respondent a PSU, no strata."""
    total_w = w[rows].sum()
    mean = float((w[rows] * y[rows]).sum() / total_w)
    z = np.where(rows, w * (np.where(rows, y, 0) - mean) / total_w, 0.0)
    n = len(z)
    return mean, math.sqrt(n / (n - 1) * ((z - z.mean()) ** 2).sum())


def design(frame: pd.DataFrame) -> SurveyDesign:
    return SurveyDesign.from_frame(frame, weights="w")


def test_rule_registry_covers_the_scheme_format() -> None:
    models = get_args(get_args(ScoringRule)[0])
    names = {get_args(model.model_fields["name"].annotation)[0] for model in models}
    assert names == {"mean_scaled", "top_box_share"}
    assert set(RULES) == names


def test_rules_turn_choices_into_values() -> None:
    five = QUESTIONNAIRES["sipas"].choices("q1")
    assert RULES["mean_scaled"](MeanScaled(name="mean_scaled"), five) == {
        "5": 1.0,
        "4": 0.75,
        "3": 0.5,
        "2": 0.25,
        "1": 0.0,
    }
    assert RULES["top_box_share"](TopBoxShare(name="top_box_share", top=2), five) == {
        "5": 1.0,
        "4": 1.0,
        "3": 0.0,
        "2": 0.0,
        "1": 0.0,
    }


def test_mean_scaled_points_and_se() -> None:
    frame = pd.DataFrame(
        {
            "unit": ["A", "A", "A", "A", "B", "B", "B"],
            "respondent_group": ["leader"] * 7,
            "q1": ["4", "3", "dk", "1", "2", "4", None],
            "w": [1.0, 2.0, 1.5, 3.0, 1.0, 1.0, 2.0],
        }
    )
    scores = score_survey(
        design(frame), scheme=scheme_with([LEADERS]), questionnaires=QUESTIONNAIRES
    )
    row = scores.by_group.set_index("unit").loc["A"]
    y = np.array([1, 2 / 3, np.nan, 0, 1 / 3, 1, np.nan])
    w = frame["w"].to_numpy()
    rows = (frame["unit"] == "A").to_numpy() & ~np.isnan(y)
    mean, se = hajek(y, w, rows)
    assert mean == pytest.approx((1 * 1 + 2 * 2 / 3 + 0) / 6)
    assert row["points"] == pytest.approx(30 * mean)
    assert row["se"] == pytest.approx(30 * se)
    assert (row["n"], row["n_excluded"], bool(row["flagged"])) == (3, 1, False)
    combined = scores.combined.set_index("unit")
    assert combined.loc["A", "points"] == pytest.approx(row["points"])
    assert combined.loc["A", "se"] == pytest.approx(row["se"])
    assert combined.loc["B", "n"] == 2 and combined.loc["B", "n_excluded"] == 1


def test_top_box_share_over_two_items() -> None:
    frame = pd.DataFrame(
        {
            "unit": ["A"] * 4,
            "respondent_group": ["citizen"] * 4,
            "q1": ["5", "4", "3", "na"],
            "q2": ["3", "5", None, "na"],
            "w": [1.0, 1.0, 2.0, 1.0],
        }
    )
    groups = [{"group": "citizen", "questionnaire": "sipas", "items": ["q1", "q2"]}]
    scheme = scheme_with(groups, rule={"name": "top_box_share", "top": 2})
    scores = score_survey(design(frame), scheme=scheme, questionnaires=QUESTIONNAIRES)
    row = scores.combined.iloc[0]
    # respondent values: (1 + 0)/2, (1 + 1)/2, 0/1; the fourth only answered N/A
    assert row["points"] == pytest.approx(30 * (0.5 + 1.0 + 0.0) / 4)
    assert (row["n"], row["n_excluded"]) == (3, 1)


def test_too_few_respondents_are_flagged_not_scored() -> None:
    frame = pd.DataFrame(
        {
            "unit": ["A", "A", "A", "B"],
            "respondent_group": ["leader"] * 4,
            "q1": ["4", "3", "2", "4"],
            "w": [1.0] * 4,
        }
    )
    scores = score_survey(
        design(frame),
        scheme=scheme_with([LEADERS], minimum=3),
        questionnaires=QUESTIONNAIRES,
        units=["A", "B", "C"],
    )
    flagged = scores.combined.set_index("unit")
    assert flagged["flagged"].to_dict() == {"A": False, "B": True, "C": True}
    assert math.isnan(flagged.loc["B", "points"]) and math.isnan(flagged.loc["B", "se"])
    assert flagged.loc["C", "n"] == 0


def test_groups_combine_with_normalised_weights_and_joint_se() -> None:
    frame = pd.DataFrame(
        {
            "unit": ["A"] * 6,
            "respondent_group": ["leader"] * 3 + ["citizen"] * 3,
            "q1": ["4", "3", "1", "5", "1", "4"],
            "w": [1.0, 2.0, 1.0, 3.0, 1.0, 2.0],
        }
    )
    groups = [
        {**LEADERS, "weight": 2.0},
        {"group": "citizen", "questionnaire": "sipas", "items": ["q1"], "weight": 1.0},
    ]
    scores = score_survey(design(frame), scheme=scheme_with(groups), questionnaires=QUESTIONNAIRES)
    w = frame["w"].to_numpy()
    leaders = np.array([1, 2 / 3, 0, np.nan, np.nan, np.nan])
    citizens = np.array([np.nan, np.nan, np.nan, 1, 0, 0.75])
    lead_rows, cit_rows = ~np.isnan(leaders), ~np.isnan(citizens)
    m1, _ = hajek(leaders, w, lead_rows)
    m2, _ = hajek(citizens, w, cit_rows)
    z = (2 / 3) * np.where(lead_rows, w * (np.nan_to_num(leaders) - m1) / w[lead_rows].sum(), 0)
    z += (1 / 3) * np.where(cit_rows, w * (np.nan_to_num(citizens) - m2) / w[cit_rows].sum(), 0)
    se = math.sqrt(6 / 5 * ((z - z.mean()) ** 2).sum())
    row = scores.combined.iloc[0]
    assert row["points"] == pytest.approx(30 * (2 / 3 * m1 + 1 / 3 * m2))
    assert row["se"] == pytest.approx(30 * se)
    assert set(scores.by_group["group"]) == {"leader", "citizen"}


def test_replicate_design_gives_replicate_points() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "unit": np.repeat(["A", "B"], 10),
            "respondent_group": "leader",
            "q1": rng.choice(["1", "2", "3", "4"], 20),
            "w": rng.uniform(1, 3, 20),
            "psu": np.arange(20),
        }
    )
    base = SurveyDesign.from_frame(frame, weights="w", strata="unit", psu="psu")
    replicated = replicate_design(base, method="bootstrap", replicates=30, seed=3)
    scores = score_survey(replicated, scheme=scheme_with([LEADERS]), questionnaires=QUESTIONNAIRES)
    assert scores.replicates is not None
    assert scores.replicates.shape == (2, 30)
    reps = scores.replicates.loc[("A", "2.1")].to_numpy()
    scale = replicated.scale
    assert scores.combined.set_index("unit").loc["A", "se"] == pytest.approx(
        math.sqrt(scale * ((reps - reps.mean()) ** 2).sum())
    )
    linear = score_survey(base, scheme=scheme_with([LEADERS]), questionnaires=QUESTIONNAIRES)
    assert linear.replicates is None
    assert linear.combined["points"].tolist() == pytest.approx(scores.combined["points"].tolist())


def test_replicates_given_beside_a_linearisation_design() -> None:
    """Points and standard errors stay the linearisation's; each replicate's points are the
    weighted mean answer under that replicate's weights (worked here), as the replicate design
    alone gives them; a replicate design or other respondents are refused."""
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            "unit": np.repeat(["A", "B"], 12),
            "respondent_group": "leader",
            "q1": rng.choice(["1", "2", "3", "4"], 24),
            "w": rng.uniform(1, 3, 24),
            "psu": np.arange(24),
        }
    )
    base = SurveyDesign.from_frame(frame, weights="w", strata="unit", psu="psu")
    replicated = replicate_design(base, method="bootstrap", replicates=25, seed=8)
    scheme = scheme_with([LEADERS])
    both = score_survey(base, scheme=scheme, questionnaires=QUESTIONNAIRES, replicates=replicated)
    linear = score_survey(base, scheme=scheme, questionnaires=QUESTIONNAIRES)
    pd.testing.assert_frame_equal(both.combined, linear.combined)
    pd.testing.assert_frame_equal(both.by_group, linear.by_group)
    alone = score_survey(replicated, scheme=scheme, questionnaires=QUESTIONNAIRES)
    assert both.replicates is not None and alone.replicates is not None
    pd.testing.assert_frame_equal(both.replicates, alone.replicates, rtol=1e-12)
    score = frame["q1"].astype(int).sub(1).div(3).to_numpy()
    in_a = (frame["unit"] == "A").to_numpy()
    weights = replicated.replicate_weights[in_a, 4]
    expected = 30 * float(weights @ score[in_a]) / float(weights.sum())
    assert both.replicates.loc[("A", "2.1"), 4] == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ScoringError, match="same respondents"):
        score_survey(
            replicated, scheme=scheme, questionnaires=QUESTIONNAIRES, replicates=replicated
        )
    fewer = replicate_design(
        SurveyDesign.from_frame(frame.iloc[:20], weights="w", strata="unit", psu="psu"),
        method="bootstrap",
        replicates=5,
        seed=1,
    )
    with pytest.raises(ScoringError, match="same respondents"):
        score_survey(base, scheme=scheme, questionnaires=QUESTIONNAIRES, replicates=fewer)


def test_unknown_answers_and_missing_columns_are_loud() -> None:
    frame = pd.DataFrame(
        {"unit": ["A", "A"], "respondent_group": ["leader"] * 2, "q1": ["4", "9"], "w": [1.0, 1.0]}
    )
    with pytest.raises(ScoringError, match="item q1 holds answers 9"):
        score_survey(design(frame), scheme=scheme_with([LEADERS]), questionnaires=QUESTIONNAIRES)
    with pytest.raises(ScoringError, match="no column q1"):
        score_survey(
            design(frame.drop(columns="q1")),
            scheme=scheme_with([LEADERS]),
            questionnaires=QUESTIONNAIRES,
        )
    with pytest.raises(ScoringError, match="units not in the unit list: A"):
        score_survey(
            design(frame.assign(q1="4")),
            scheme=scheme_with([LEADERS]),
            questionnaires=QUESTIONNAIRES,
            units=["B"],
        )


def test_numeric_answer_columns_are_read_as_codes() -> None:
    frame = pd.DataFrame(
        {"unit": ["A", "A"], "respondent_group": ["leader"] * 2, "q1": [4.0, 1.0], "w": [1.0, 1.0]}
    )
    scores = score_survey(
        design(frame), scheme=scheme_with([LEADERS]), questionnaires=QUESTIONNAIRES
    )
    assert scores.combined.iloc[0]["points"] == pytest.approx(15.0)


@settings(max_examples=30)
@given(
    st.lists(
        st.tuples(st.sampled_from(["4", "3", "2", "1", "dk"]), st.floats(0.5, 5.0)),
        min_size=3,
        max_size=25,
    )
)
def test_points_stay_within_the_maximum(answers: list[tuple[str, float]]) -> None:
    frame = pd.DataFrame(
        {
            "unit": ["A"] * len(answers),
            "respondent_group": "leader",
            "q1": [a for a, _ in answers],
            "w": [w for _, w in answers],
        }
    )
    scores = score_survey(
        design(frame), scheme=scheme_with([LEADERS], minimum=2), questionnaires=QUESTIONNAIRES
    )
    row = scores.combined.iloc[0]
    valued = sum(a != "dk" for a, _ in answers)
    assert row["n"] == valued and row["n_excluded"] == len(answers) - valued
    if valued >= 2:
        assert -1e-12 <= row["points"] <= 30 + 1e-12
    else:
        assert bool(row["flagged"])


def test_unknown_items_and_questionnaires_are_loud() -> None:
    frame = pd.DataFrame(
        {"unit": ["A", "A"], "respondent_group": ["leader"] * 2, "q1": ["4", "1"], "w": [1.0, 1.0]}
    )
    missing_item = {**LEADERS, "items": ["q9"]}
    with pytest.raises(ScoringError, match="questionnaire par_leaders version 1 has no item q9"):
        score_survey(
            design(frame), scheme=scheme_with([missing_item]), questionnaires=QUESTIONNAIRES
        )
    with pytest.raises(ScoringError, match="criterion 2.1 needs questionnaire par_leaders"):
        score_survey(design(frame), scheme=scheme_with([LEADERS]), questionnaires={})


def test_score_responses_builds_the_design_from_columns() -> None:
    from analysis.scoring import score_responses

    frame = pd.DataFrame(
        {
            "unit": ["A"] * 4 + ["B"] * 4,
            "respondent_group": "leader",
            "q1": ["4", "3", "1", "2", "4", "4", "3", "3"],
            "w": [1.0, 2.0, 1.0, 1.0, 3.0, 1.0, 1.0, 2.0],
        }
    )
    direct = score_responses(
        frame,
        scheme=scheme_with([LEADERS]),
        questionnaires=QUESTIONNAIRES,
        weights="w",
        strata="unit",
    )
    via_design = score_survey(
        SurveyDesign.from_frame(frame, weights="w", strata="unit"),
        scheme=scheme_with([LEADERS]),
        questionnaires=QUESTIONNAIRES,
    )
    pd.testing.assert_frame_equal(direct.combined, via_design.combined)


def test_questionnaire_column_restricts_rows() -> None:
    frame = pd.DataFrame(
        {
            "unit": ["A"] * 4,
            "respondent_group": "leader",
            "questionnaire": ["par_leaders", "par_leaders", "other", "other"],
            "q1": ["4", "4", "1", "1"],
            "w": 1.0,
        }
    )
    scores = score_survey(
        design(frame), scheme=scheme_with([LEADERS]), questionnaires=QUESTIONNAIRES
    )
    assert scores.combined.iloc[0]["points"] == pytest.approx(30.0)
    assert (scores.combined.iloc[0]["n"], scores.combined.iloc[0]["n_excluded"]) == (2, 0)
