"""Rank intervals, P(top k) and pairwise probabilities over replicates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from analysis.index.errors import IndexInputError
from analysis.index.uncertainty import rank_uncertainty


def run(fixed: list[float], point: list[float], reps: np.ndarray, **kw: float) -> pd.DataFrame:
    units = [f"U{i}" for i in range(len(fixed))]
    result = rank_uncertainty(
        fixed_points=pd.Series(fixed, index=units),
        survey_points=pd.Series(point, index=units),
        survey_replicates=pd.DataFrame(reps, index=units),
        decimals=2,
        **kw,  # type: ignore[arg-type]
    )
    return result


def test_hand_worked_example() -> None:
    # totals per replicate (columns): U0 = 60 + [30, 30, 10, 30], U1 = 50 + [30, 35, 35, 30]
    # U2 = 70 + [0, 0, 0, 0]
    reps = np.array([[30, 30, 10, 30], [30, 35, 35, 30], [0, 0, 0, 0]], dtype=float)
    result = run([60, 50, 70], [30, 32, 0], reps, top=1, level=0.9)
    units = result.units.set_index("unit")
    # point totals 90, 82, 70 → ranks 1, 2, 3
    assert units["rank"].to_dict() == {"U0": 1, "U1": 2, "U2": 3}
    # replicate totals: U0 90 90 70 90; U1 80 85 85 80; U2 70 70 70 70
    # replicate ranks:  U0 1 1 2 1;     U1 2 2 1 2;     U2 3 3 2 3 (tied with U0 in the third)
    assert units["p_top"].to_dict() == {"U0": 0.75, "U1": 0.25, "U2": 0.0}
    # 90 %: the 0.05 and 0.95 quantiles of the inverted CDF of the replicate ranks
    intervals = {u: (units.loc[u, "rank_low"], units.loc[u, "rank_high"]) for u in units.index}
    assert intervals == {"U0": (1, 2), "U1": (1, 2), "U2": (2, 3)}
    above = result.above
    assert above.loc["U0", "U1"] == 0.75 and above.loc["U1", "U0"] == 0.25
    assert above.loc["U1", "U2"] == 1.0 and above.loc["U0", "U0"] == 0.0
    assert result.replicates == 4


def test_ties_in_a_replicate_count_for_neither() -> None:
    reps = np.array([[10.0, 10.0], [10.0, 12.0]])
    result = run([0, 0], [10, 11], reps)
    assert result.above.loc["U0", "U1"] == 0.0
    assert result.above.loc["U1", "U0"] == 0.5


def test_bad_arguments_are_refused() -> None:
    reps = np.ones((2, 3))
    with pytest.raises(IndexInputError, match="level 1.5"):
        run([0, 0], [1, 1], reps, level=1.5)
    with pytest.raises(IndexInputError, match="top 0"):
        run([0, 0], [1, 1], reps, top=0)
    with pytest.raises(IndexInputError, match="survey_replicates has no row for unit U1"):
        rank_uncertainty(
            fixed_points=pd.Series([1.0, 2.0], index=["U0", "U1"]),
            survey_points=pd.Series([1.0, 2.0], index=["U0", "U1"]),
            survey_replicates=pd.DataFrame([[1.0]], index=["U0"]),
            decimals=2,
        )


@settings(max_examples=60)
@given(
    st.integers(2, 8).flatmap(
        lambda n: st.tuples(
            hnp.arrays(np.float64, n, elements=st.integers(0, 60).map(float)),
            hnp.arrays(np.float64, n, elements=st.integers(0, 40).map(float)),
            hnp.arrays(np.float64, (n, 15), elements=st.integers(0, 40).map(float)),
        )
    ),
    st.floats(0.5, 0.95),
)
def test_intervals_contain_the_point_rank_and_probabilities_are_coherent(
    data: tuple[np.ndarray, np.ndarray, np.ndarray], level: float
) -> None:
    fixed, point, reps = data
    result = run(list(fixed), list(point), reps, level=level, top=1)
    units = result.units
    assert (units["rank_low"] <= units["rank"]).all()
    assert (units["rank"] <= units["rank_high"]).all()
    assert ((units["p_top"] >= 0) & (units["p_top"] <= 1)).all()
    above = result.above.to_numpy()
    assert np.all(above + above.T <= 1 + 1e-12)
    assert np.all(np.diag(above) == 0)
    # someone ranks first in every replicate
    assert units["p_top"].sum() >= 1 - 1e-12


def test_interval_is_widened_to_the_point_rank() -> None:
    reps = np.array([[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]])
    units = run([0, 0], [10, 5], reps).units.set_index("unit")
    # U0 first on the point estimates but second in every replicate
    assert units.loc["U0", "rank"] == 1
    assert (units.loc["U0", "rank_low"], units.loc["U0", "rank_high"]) == (1, 2)


def test_survey_points_replicates_rescore_every_replicate() -> None:
    from test_index_scoring import LEADERS, QUESTIONNAIRES, scheme_with

    from analysis.design import SurveyDesign
    from analysis.index.uncertainty import survey_points_replicates
    from analysis.replication import replicate_design

    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "unit": np.repeat(["A", "B", "C"], 12),
            "respondent_group": "leader",
            "q1": rng.choice(["1", "2", "3", "4"], 36),
            "w": rng.uniform(1, 4, 36),
            "psu": np.arange(36),
        }
    )
    base = SurveyDesign.from_frame(frame, weights="w", strata="unit", psu="psu")
    design = replicate_design(base, method="bootstrap", replicates=40, seed=11)
    scheme = scheme_with([LEADERS])
    result = survey_points_replicates(design, scheme=scheme, questionnaires=QUESTIONNAIRES)
    assert result.replicates.shape == (3, 40)
    y = frame["q1"].astype(int).sub(1).div(3).to_numpy()
    for unit in ("A", "B", "C"):
        rows = (frame["unit"] == unit).to_numpy()
        w = frame["w"].to_numpy()
        assert result.points[unit] == pytest.approx(30 * (w[rows] @ y[rows]) / w[rows].sum())
        reps = design.replicate_weights[rows]
        expected = 30 * (reps.T @ y[rows]) / reps.sum(axis=0)
        assert result.replicates.loc[unit].to_numpy() == pytest.approx(expected)
    uncertainty = rank_uncertainty(
        fixed_points=pd.Series({"A": 50.0, "B": 50.0, "C": 50.0}),
        survey_points=result.points,
        survey_replicates=result.replicates,
        decimals=2,
        top=1,
    )
    assert uncertainty.units["p_top"].sum() >= 1


def test_flagged_units_cannot_be_simulated() -> None:
    from test_index_scoring import LEADERS, QUESTIONNAIRES, scheme_with

    from analysis.design import SurveyDesign
    from analysis.index.uncertainty import survey_points_replicates
    from analysis.replication import replicate_design

    frame = pd.DataFrame(
        {
            "unit": ["A"] * 4 + ["B"],
            "respondent_group": "leader",
            "q1": ["1", "2", "3", "4", "4"],
            "w": 1.0,
        }
    )
    design = replicate_design(SurveyDesign.from_frame(frame, weights="w"), method="JK1")
    with pytest.raises(IndexInputError, match="unit B, criterion 2.1: flagged"):
        survey_points_replicates(
            design, scheme=scheme_with([LEADERS]), questionnaires=QUESTIONNAIRES
        )
