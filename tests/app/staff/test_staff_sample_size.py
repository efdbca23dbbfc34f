"""The sample-size helper: n = ceil(N / (1 + N·e²)), checked against the formula done by hand
and in exact arithmetic."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_app.staff.sample_size import SampleSizeError, sample_size


@pytest.mark.parametrize(
    ("population", "margin", "expected"),
    [
        (0, "0.05", 0),
        (1, "0.05", 1),
        (100, "0.05", 80),  # 100 / 1.25 = 80 exactly
        (400, "0.05", 200),  # 400 / 2 = 200 exactly (a float e would give 200.000…03 or 199.99…)
        (1_000, "0.05", 286),  # 285.71…
        (10_000, "0.05", 385),  # 384.61…
        (36_525, "0.05", 396),  # 395.66…: SIPAS 2024's households
        (100, "0.1", 50),
        (5_000, "0.03", 910),  # 909.09…
        (1_000_000, "0.05", 400),  # 399.84…: n tends to 1/e² = 400
    ],
)
def test_known_values(population: int, margin: str, expected: int) -> None:
    """Worked values of the formula, by hand."""
    assert sample_size(population, margin) == expected
    assert sample_size(population, Decimal(margin)) == expected
    assert sample_size(population, float(margin)) == expected


def test_the_default_margin_is_five_percent() -> None:
    """Without e the SIPAS 0.05 is used."""
    assert sample_size(1_000) == sample_size(1_000, "0.05") == 286


@given(
    population=st.integers(min_value=0, max_value=10**8),
    hundredths=st.integers(min_value=1, max_value=99),
)
def test_n_is_the_formula_rounded_up(population: int, hundredths: int) -> None:
    """n is the smallest whole number at or above N / (1 + N·e²), and never above N."""
    e = Fraction(hundredths, 100)
    exact = Fraction(population) / (1 + population * e * e)
    n = sample_size(population, f"0.{hundredths:02d}")
    assert n - 1 < exact <= n
    assert n <= population
    assert n == math.ceil(exact)


@pytest.mark.parametrize(
    ("population", "margin"),
    [(-1, "0.05"), (10, "0"), (10, "1"), (10, "-0.05"), (True, "0.05")],
)
def test_impossible_inputs_are_refused(population: int, margin: str) -> None:
    """A negative or non-integer N, or e outside (0, 1), raises :class:`SampleSizeError`."""
    with pytest.raises(SampleSizeError):
        sample_size(population, margin)
