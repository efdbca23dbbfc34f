"""Totals, sub-indices, ranks and bands of the index (hand-computed expectations)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from index_fixtures import make_scheme, points_frame

from analysis.index.compute import compute_index
from analysis.index.errors import IndexInputError
from analysis.index.statistics import statistic_points
from questionnaires.scheme import Scheme

UNITS = ["A", "B", "C", "X"]
APPRAISED = {
    ("A", "1.1"): 20,
    ("A", "1.2.1"): 10,
    ("A", "2.2"): 30,
    ("B", "1.1"): 15,
    ("B", "1.2.1"): 5,
    ("B", "2.2"): 21,
    ("C", "1.1"): 10,
    ("C", "1.2.1"): 10,
    ("C", "2.2"): 20,
    ("X", "1.1"): 0,
    ("X", "1.2.1"): 0,
    ("X", "2.2"): 0,
}
SURVEY = {("A", "2.1"): 30, ("B", "2.1"): 24, ("C", "2.1"): 20, ("X", "2.1"): 10}
FIGURES = pd.DataFrame(
    {"unit": UNITS, "indicator": ["online_share"] * 4, "value": [100, 50, 150, -5]}
)


def run(scheme: Scheme, **changes: pd.DataFrame | None) -> pd.DataFrame:
    frames: dict[str, pd.DataFrame | None] = {
        "appraised": points_frame(APPRAISED),
        "survey": points_frame(SURVEY),
        "statistics": statistic_points(scheme, FIGURES, units=UNITS),
    }
    frames.update(changes)
    return compute_index(scheme, year=2024, units=UNITS, **frames).units.set_index("unit")


def test_totals_ranks_and_bands(scheme: Scheme) -> None:
    units = run(scheme)
    assert units["points"].to_dict() == pytest.approx({"A": 100, "B": 70, "C": 70, "X": 10})
    assert units["index"].to_dict() == pytest.approx({"A": 100, "B": 70, "C": 70, "X": 10})
    # B and C tie for second; X is ranked apart, first of its group
    assert units["rank"].to_dict() == {"A": 1, "B": 2, "C": 2, "X": 1}
    assert units["ranking_group"].to_dict() == {"A": "main", "B": "main", "C": "main", "X": "apart"}
    assert units["band"].to_dict() == {"A": "A", "B": "C", "C": "C", "X": None}


def test_units_are_ordered_by_group_then_rank(scheme: Scheme) -> None:
    result = compute_index(
        scheme,
        year=2024,
        units=UNITS,
        appraised=points_frame(APPRAISED),
        survey=points_frame(SURVEY),
        statistics=statistic_points(scheme, FIGURES, units=UNITS),
    )
    assert result.units["unit"].tolist() == ["A", "B", "C", "X"]
    assert (result.scheme_id, result.year) == ("small", 2024)


def test_sub_indices_of_fields_and_criteria(scheme: Scheme) -> None:
    result = compute_index(
        scheme,
        year=2024,
        units=UNITS,
        appraised=points_frame(APPRAISED),
        survey=points_frame(SURVEY),
        statistics=statistic_points(scheme, FIGURES, units=UNITS),
    )
    nodes = result.nodes.set_index(["unit", "code"])
    # B: field 1 = 15 + 5 + 5 (50 % of the way to target 100) = 25 of 40
    assert nodes.loc[("B", "1"), "points"] == pytest.approx(25)
    assert nodes.loc[("B", "1"), "sub_index"] == pytest.approx(62.5)
    assert nodes.loc[("B", "1.2"), "sub_index"] == pytest.approx(50)
    assert nodes.loc[("B", "2.1"), "sub_index"] == pytest.approx(80)
    assert nodes.loc[("B", "1.2.2"), "level"] == "sub_criterion"
    assert len(result.nodes) == len(UNITS) * len(scheme.nodes)


def test_rank_uses_the_rounded_index(scheme: Scheme) -> None:
    survey = dict(SURVEY)
    survey[("B", "2.1")] = 24.001  # 70.001 rounds to 70.00: still tied with C
    units = run(scheme, survey=points_frame(survey))
    assert units.loc["B", "rank"] == units.loc["C", "rank"] == 2
    survey[("B", "2.1")] = 24.01
    units = run(scheme, survey=points_frame(survey))
    assert (units.loc["B", "rank"], units.loc["C", "rank"]) == (2, 3)


def test_optional_survey_rescales_the_other_points_to_100() -> None:
    scheme = make_scheme(survey_optional=True)
    survey = {k: v for k, v in SURVEY.items() if k[0] != "B"}
    units = run(scheme, survey=points_frame(survey))
    # B without survey: 15 + 5 + 5 + 21 = 46 of 70 → 65.71
    assert bool(units.loc["B", "surveyed"]) is False
    assert units.loc["B", "max_points"] == pytest.approx(70)
    assert units.loc["B", "index"] == pytest.approx(46 / 70 * 100)
    assert units.loc["A", "index"] == pytest.approx(100)
    assert bool(units.loc["A", "surveyed"]) is True


def test_without_the_optional_rule_a_missing_survey_is_an_error(scheme: Scheme) -> None:
    survey = {k: v for k, v in SURVEY.items() if k[0] != "B"}
    with pytest.raises(IndexInputError, match="unit B, criterion 2.1: missing"):
        run(scheme, survey=points_frame(survey))


def test_every_problem_is_listed(scheme: Scheme) -> None:
    appraised = dict(APPRAISED)
    appraised[("A", "1.1")] = 25  # above max 20
    appraised[("B", "1.1")] = -1
    appraised[("Z", "1.1")] = 1  # unknown unit
    appraised[("A", "2.1")] = 1  # survey leaf
    appraised[("A", "1.2")] = 1  # inner node
    del appraised[("C", "2.2")]
    frame = pd.concat([points_frame(appraised), points_frame({("A", "2.2"): 30})])
    with pytest.raises(IndexInputError) as caught:
        run(scheme, appraised=frame)
    problems = "\n".join(caught.value.problems)
    assert "unit A, criterion 1.1: 25 outside [0, 20]" in problems
    assert "unit B, criterion 1.1: -1 outside" in problems
    assert "unit Z, criterion 1.1: unknown unit" in problems
    assert "criterion 2.1: a survey leaf; give its points with the survey points" in problems
    assert "criterion 1.2: not a leaf" in problems
    assert "unit C, criterion 2.2: missing" in problems
    assert "unit A, criterion 2.2: appears more than once" in problems
    assert len(caught.value.problems) == 7


def test_flagged_survey_points_are_refused(scheme: Scheme) -> None:
    survey = points_frame(SURVEY).assign(flagged=[False, True, False, False])
    survey.loc[1, "points"] = float("nan")
    with pytest.raises(IndexInputError, match="unit B, criterion 2.1: flagged"):
        run(scheme, survey=survey)


def test_year_outside_the_edition_is_refused(scheme: Scheme) -> None:
    with pytest.raises(IndexInputError, match="2021 is outside scheme small's years 2022–2030"):
        compute_index(scheme, year=2021, units=UNITS)


def test_missing_columns_are_named(scheme: Scheme) -> None:
    with pytest.raises(IndexInputError, match="missing column 'points'"):
        run(scheme, survey=points_frame(SURVEY).drop(columns="points"))


def test_duplicate_units_are_refused(scheme: Scheme) -> None:
    with pytest.raises(IndexInputError, match="unit A listed more than once"):
        compute_index(scheme, year=2024, units=["A", "A"])


leaf_fraction = st.floats(0, 1, allow_nan=False)


@settings(max_examples=40)
@given(st.lists(st.tuples(*[leaf_fraction] * 5), min_size=1, max_size=6))
def test_index_lies_in_0_100_and_sums_the_leaves(fractions: list[tuple[float, ...]]) -> None:
    scheme = make_scheme()
    units = [f"U{i}" for i in range(len(fractions))]
    leaves = scheme.leaves()
    rows = {
        (unit, leaf.code): f * leaf.max_points
        for unit, fs in zip(units, fractions, strict=True)
        for leaf, f in zip(leaves, fs, strict=True)
    }
    by_kind = {
        kind: points_frame({k: v for k, v in rows.items() if scheme.node(k[1]).source_kind == kind})
        for kind in ("appraisal", "survey", "statistic")
    }
    result = compute_index(
        scheme,
        year=2022,
        units=units,
        appraised=by_kind["appraisal"],
        survey=by_kind["survey"],
        statistics=by_kind["statistic"],
    ).units.set_index("unit")
    for unit, fs in zip(units, fractions, strict=True):
        expected = sum(f * leaf.max_points for f, leaf in zip(fs, leaves, strict=True))
        assert result.loc[unit, "index"] == pytest.approx(expected, abs=1e-9)
        assert 0.0 <= result.loc[unit, "index"] <= 100.0 + 1e-9
        assert not math.isnan(result.loc[unit, "index"])
