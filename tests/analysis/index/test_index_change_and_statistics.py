"""Change against the previous round, and statistic conversion."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from index_fixtures import make_scheme, points_frame

from analysis.index.change import compare_with_previous
from analysis.index.compute import IndexResult, compute_index
from analysis.index.errors import IndexInputError, RoundMismatchError
from analysis.index.statistics import linear_points, statistic_points
from questionnaires.scheme import LinearConversion, Scheme


def result(scheme: Scheme, year: int, survey: dict[str, float]) -> IndexResult:
    units = list(survey)
    appraised = {(u, c): 10.0 for u in units for c in ("1.1", "1.2.1", "2.2")}
    statistics = {(u, "1.2.2"): 5.0 for u in units}
    return compute_index(
        scheme,
        year=year,
        units=units,
        appraised=points_frame(appraised),
        survey=points_frame({(u, "2.1"): p for u, p in survey.items()}),
        statistics=points_frame(statistics),
    )


def test_change_in_index_rank_and_sub_index(scheme: Scheme) -> None:
    before = result(scheme, 2023, {"A": 20, "B": 25})
    now = result(scheme, 2024, {"A": 28, "B": 24, "C": 1})
    comparison = compare_with_previous(now, before)
    units = comparison.units.set_index("unit")
    # totals: 35 + survey; A 55 → 63 (rank 2 → 1), B 60 → 59 (rank 1 → 2)
    assert units.loc["A", "index_change"] == pytest.approx(8)
    assert units.loc["A", "rank_change"] == 1
    assert units.loc["B", "index_change"] == pytest.approx(-1)
    assert units.loc["B", "rank_change"] == -1
    assert math.isnan(units.loc["C", "previous_index"])
    assert pd.isna(units.loc["C", "rank_change"])
    nodes = comparison.nodes.set_index(["unit", "code"])
    assert nodes.loc[("A", "2.1"), "sub_index_change"] == pytest.approx((28 - 20) / 30 * 100)
    assert (comparison.year, comparison.previous_year) == (2024, 2023)


def test_only_the_previous_year_of_the_same_scheme_compares(scheme: Scheme) -> None:
    now = result(scheme, 2024, {"A": 1})
    with pytest.raises(RoundMismatchError, match="must be of 2023, got 2022"):
        compare_with_previous(now, result(scheme, 2022, {"A": 1}))
    other = make_scheme(edition={**scheme.definition.edition.model_dump(), "id": "other"})
    with pytest.raises(RoundMismatchError, match="cannot compare scheme small with scheme other"):
        compare_with_previous(now, result(other, 2023, {"A": 1}))


@pytest.mark.parametrize(
    ("floor", "target", "value", "points"),
    [
        (0, 100, 50, 5.0),
        (0, 100, 120, 10.0),
        (0, 100, -3, 0.0),
        (20, 5, 10, 10 * (10 - 20) / (5 - 20)),  # lower is better
        (20, 5, 30, 0.0),
        (20, 5, 1, 10.0),
    ],
)
def test_linear_conversion(floor: float, target: float, value: float, points: float) -> None:
    conversion = LinearConversion(name="linear", floor=floor, target=target)
    assert linear_points(conversion, value=value, max_points=10) == pytest.approx(points)


def test_statistic_points_per_unit(scheme: Scheme) -> None:
    figures = pd.DataFrame(
        {"unit": ["A", "B"], "indicator": ["online_share"] * 2, "value": ["87,5", 40]}
    )
    points = statistic_points(scheme, figures, units=["A", "B"])
    assert points[["unit", "criterion", "points"]].to_dict(orient="records") == [
        {"unit": "A", "criterion": "1.2.2", "points": pytest.approx(8.75)},
        {"unit": "B", "criterion": "1.2.2", "points": pytest.approx(4.0)},
    ]


def test_statistic_figures_problems_are_all_listed(scheme: Scheme) -> None:
    figures = pd.DataFrame(
        {"unit": ["A", "A", "B"], "indicator": ["online_share"] * 3, "value": [1, 2, "n/a"]}
    )
    with pytest.raises(IndexInputError) as caught:
        statistic_points(scheme, figures, units=["A", "B", "C"])
    assert caught.value.problems == [
        "row 3: a second figure of online_share for A",
        "row 4: value 'n/a' of online_share for B is not a number",
        "no figure of online_share for unit B (criterion 1.2.2)",
        "no figure of online_share for unit C (criterion 1.2.2)",
    ]
    with pytest.raises(IndexInputError, match="missing column 'value'"):
        statistic_points(scheme, figures.drop(columns="value"), units=["A"])
