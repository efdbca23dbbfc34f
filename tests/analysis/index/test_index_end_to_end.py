"""From responses and self-scores to the index, on the bundled department scheme."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.design import SurveyDesign
from analysis.index.compute import compute_index
from analysis.index.errors import IndexInputError
from analysis.scoring import score_survey
from analysis.selfassessment import (
    AppraisalDecision,
    Verdict,
    apply_decisions,
    appraised_points,
    parse_self_scores,
)
from questionnaires.loader import bundled_questionnaires
from questionnaires.scheme import SourceKind, SurveySource, bundled_schemes

SCHEME = bundled_schemes()["par_department_2022"]
ITEMS = sorted(
    {
        item
        for leaf in SCHEME.leaves(SourceKind.SURVEY)
        if isinstance(leaf.source, SurveySource)
        for group in leaf.source.groups
        for item in group.items
    }
)


def responses(answers: dict[str, tuple[int, str]]) -> pd.DataFrame:
    """``n`` delegates per department, all giving the same answer to every item."""
    rows = []
    for unit, (n, answer) in answers.items():
        for _ in range(n):
            rows.append(
                {
                    "unit": unit,
                    "respondent_group": "delegate",
                    "w": 2.0,
                    **dict.fromkeys(ITEMS, answer),
                }
            )
    return pd.DataFrame(rows)


def self_scores(units: list[str], share: float) -> pd.DataFrame:
    lines = ["unit_code,criterion_code,self_score"]
    for unit in units:
        for leaf in SCHEME.leaves(SourceKind.APPRAISAL):
            lines.append(f"{unit},{leaf.code},{leaf.max_points * share}")
    return parse_self_scores(
        "\n".join(lines).encode(), file_format="csv", scheme=SCHEME, units=units
    )


def test_surveyed_and_unsurveyed_departments() -> None:
    units = ["justice", "finance", "inspectorate"]
    frame = responses({"justice": (12, "4"), "finance": (15, "3")})
    design = SurveyDesign.from_frame(frame, weights="w", strata="unit", lonely_psu="fail")
    survey = score_survey(
        design, scheme=SCHEME, questionnaires=bundled_questionnaires(), units=units[:2]
    )
    scores = self_scores(units, 0.8)
    decisions = [
        AppraisalDecision(u, c, Verdict.ACCEPT)
        for u, c in zip(scores["unit"], scores["criterion"], strict=True)
    ]
    decisions.append(
        AppraisalDecision("finance", "1.1", Verdict.CHANGE, score=0.0, reason="không có kế hoạch")
    )
    appraised = appraised_points(apply_decisions(scores, decisions, scheme=SCHEME))
    result = compute_index(
        SCHEME, year=2024, units=units, appraised=appraised, survey=survey.combined
    )
    table = result.units.set_index("unit")
    # appraisal leaves are worth 70 points: 80 % of them is 56
    assert table.loc["justice", "index"] == pytest.approx(56 + 30)
    assert table.loc["finance", "index"] == pytest.approx(56 - 0.8 * 3 + 30 * 2 / 3)
    # no survey for the inspectorate: 56 of 70 rescaled to 100, ranked apart
    assert table.loc["inspectorate", "index"] == pytest.approx(80)
    assert not table.loc["inspectorate", "surveyed"]
    assert table.loc["inspectorate", "ranking_group"] == "other_agencies"
    assert table["rank"].to_dict() == {"justice": 1, "finance": 2, "inspectorate": 1}
    assert table["band"].to_dict() == {"justice": "B", "finance": "C", "inspectorate": "B"}
    assert np.isclose(survey.combined["se"], 0).all()  # identical answers: no sampling spread


def test_a_flagged_department_stops_the_index() -> None:
    frame = responses({"justice": (12, "4"), "finance": (4, "3")})
    design = SurveyDesign.from_frame(frame, weights="w", strata="unit")
    survey = score_survey(design, scheme=SCHEME, questionnaires=bundled_questionnaires())
    assert survey.combined.groupby("unit")["flagged"].all().to_dict() == {
        "finance": True,
        "justice": False,
    }
    scores = self_scores(["justice", "finance"], 1.0)
    appraised = scores.rename(columns={"self_score": "points"})
    with pytest.raises(IndexInputError, match="unit finance, criterion 1.4.2: flagged"):
        compute_index(
            SCHEME,
            year=2024,
            units=["justice", "finance"],
            appraised=appraised,
            survey=survey.combined,
        )
