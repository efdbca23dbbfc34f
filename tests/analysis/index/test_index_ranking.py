"""Competition ranking and bands."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from analysis.index.errors import IndexInputError
from analysis.index.ranking import band_of, competition_ranks
from questionnaires.scheme import Band


def brute_force(values: list[float]) -> list[int]:
    """1 + the number of strictly higher values, by definition."""
    return [1 + sum(other > v for other in values) for v in values]


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    assert competition_ranks([90.0, 85.0, 85.0, 80.0]).tolist() == [1, 2, 2, 4]
    assert competition_ranks([3.0, 5.0, 3.0, 1.0, 5.0]).tolist() == [3, 1, 3, 5, 1]


def test_columns_are_ranked_independently() -> None:
    matrix = np.array([[1.0, 9.0], [2.0, 9.0], [3.0, 1.0]])
    assert competition_ranks(matrix).tolist() == [[3, 1], [2, 1], [1, 3]]


def test_nan_is_refused() -> None:
    with pytest.raises(IndexInputError, match="NaN"):
        competition_ranks([1.0, float("nan")])


small_ties = st.lists(st.integers(0, 6).map(float), min_size=1, max_size=30)


@given(small_ties)
def test_ranks_match_the_definition(values: list[float]) -> None:
    assert competition_ranks(values).tolist() == brute_force(values)


@given(small_ties, st.randoms(use_true_random=False))
def test_ranks_are_permutation_consistent(values: list[float], rng: object) -> None:
    order = list(range(len(values)))
    rng.shuffle(order)  # type: ignore[attr-defined]
    ranks = competition_ranks(values)
    permuted = competition_ranks([values[i] for i in order])
    assert permuted.tolist() == [ranks[i] for i in order]


@given(small_ties)
def test_ranks_form_a_competition_ranking(values: list[float]) -> None:
    ranks = sorted(competition_ranks(values).tolist())
    # the k-th smallest rank of a competition ranking is the 1-based position of its tie run
    for position, rank in enumerate(ranks, start=1):
        assert rank <= position
        assert rank == position or rank == ranks[position - 2]


@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=12),
        elements=st.integers(0, 4).map(float),
    )
)
def test_matrix_ranking_equals_column_by_column(matrix: np.ndarray) -> None:
    ranks = competition_ranks(matrix)
    for column in range(matrix.shape[1]):
        assert ranks[:, column].tolist() == brute_force(matrix[:, column].tolist())


BANDS = [Band(code="A", minimum=90), Band(code="B", minimum=80), Band(code="C", minimum=70)]


@pytest.mark.parametrize(
    ("index", "band"),
    [
        (100.0, "A"),
        (90.0, "A"),
        (89.99, "B"),
        (80.0, "B"),
        (79.99, "C"),
        (70.0, "C"),
        (69.99, None),
        (0.0, None),
    ],
)
def test_bands_follow_the_thresholds(index: float, band: str | None) -> None:
    assert band_of(index, BANDS) == band
