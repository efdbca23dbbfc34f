"""Invariants of the weighting engine, on random samples and targets (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis.weighting import calibrate, poststratify, rake, trim_weights

LEVELS = {"sex": ["f", "m"], "age": ["a", "b", "c", "d"], "area": ["u", "r"]}
PROPERTY_SETTINGS = settings(max_examples=40)
IPF_CYCLES = 20_000
"""Cycles raking may take here: IPF converges linearly, and in a small sample whose levels
nearly coincide (12 respondents, every "b" age also "m" and "r") it can need more than its
default 1000 cycles to meet the margins within the tolerance."""


@st.composite
def samples(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A sample with every level present, weights, and feasible raking targets.

    Targets are the margins of other positive weights on the same units, so weights meeting
    them exist and raking has a solution.
    """
    n = draw(st.integers(min_value=12, max_value=80))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({name: rng.choice(levels, n) for name, levels in LEVELS.items()})
    for name, levels in LEVELS.items():
        data.loc[: len(levels) - 1, name] = levels
    data["w"] = rng.uniform(1.0, 50.0, n)
    population = rng.uniform(10.0, 500.0, n)
    rows = [
        (name, level, float(population[data[name] == level].sum()))
        for name, levels in LEVELS.items()
        for level in levels
    ]
    return data, pd.DataFrame(rows, columns=["variable", "level", "target"])


def _achieved(data: pd.DataFrame, weights: np.ndarray, margins: pd.DataFrame) -> np.ndarray:
    return np.array(
        [
            weights[(data[row.variable] == row.level).to_numpy()].sum()
            for row in margins.itertuples()
        ]
    )


@PROPERTY_SETTINGS
@given(samples())
def test_raked_weights_reproduce_every_margin(case: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    data, margins = case
    result = rake(data, weights="w", margins=margins, max_iterations=IPF_CYCLES)
    np.testing.assert_allclose(
        _achieved(data, result.weights, margins), margins["target"], rtol=1e-9
    )
    assert result.history[-1] < 1e-10
    assert (result.margin_residuals["relative_error"] < 1e-9).all()


@PROPERTY_SETTINGS
@given(samples())
def test_raking_keeps_weights_positive(case: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    data, margins = case
    assert (rake(data, weights="w", margins=margins, max_iterations=IPF_CYCLES).weights > 0).all()


@PROPERTY_SETTINGS
@given(samples(), st.floats(min_value=1e-3, max_value=1e4))
def test_raking_ignores_the_scale_of_initial_weights(
    case: tuple[pd.DataFrame, pd.DataFrame], factor: float
) -> None:
    data, margins = case
    base = rake(data, weights="w", margins=margins, max_iterations=IPF_CYCLES).weights
    scaled = rake(
        data, weights=data["w"].to_numpy() * factor, margins=margins, max_iterations=IPF_CYCLES
    ).weights
    np.testing.assert_allclose(scaled, base, rtol=1e-8)


@PROPERTY_SETTINGS
@given(samples())
def test_ipf_and_newton_raking_agree(case: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Both fits to margins within 1e-12: weights, less well determined than the margins in a
    small sample (g from 0.3 to 8 among 12 respondents), then agree within 1e-8; IPF, which
    converges linearly, may need more than its default 1000 cycles there."""
    data, margins = case
    ipf = rake(data, weights="w", margins=margins, tolerance=1e-12, max_iterations=IPF_CYCLES)
    newton = calibrate(
        data, weights="w", margins=margins, method="raking", tolerance=1e-12, max_iterations=100
    )
    np.testing.assert_allclose(newton.weights, ipf.weights, rtol=1e-8)


@PROPERTY_SETTINGS
@given(samples())
def test_linear_calibration_reproduces_every_margin(
    case: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    data, margins = case
    result = calibrate(data, weights="w", margins=margins)
    np.testing.assert_allclose(
        _achieved(data, result.weights, margins), margins["target"], rtol=1e-9
    )
    assert result.iterations == 1


@PROPERTY_SETTINGS
@given(samples(), st.floats(min_value=0.05, max_value=0.2))
def test_logit_g_weights_stay_inside_their_bounds(
    case: tuple[pd.DataFrame, pd.DataFrame], margin: float
) -> None:
    """Targets a few percent from the sample's own margins, bounds wide enough to meet them.

    The targets are the margins of the weights tilted row by row (a factor per level of each
    variable), so they are consistent even where the sample makes two levels coincide (every
    ``age == "b"`` also ``area == "r"``). The bounds are known to be wide enough when the
    unbounded (linear) g-weights already lie within them; a small sample can need wider ones
    (e.g. 12 respondents in as many cells fix g exactly), and then a convergence error is the
    right answer, not a failure.
    """
    data, _ = case
    tilted = data["w"].to_numpy().copy()
    for name, levels in LEVELS.items():
        factors = dict(zip(levels, 1 + margin / 4 * np.linspace(-1, 1, len(levels)), strict=True))
        tilted *= data[name].map(factors).to_numpy(dtype=float)
    rows = [
        (name, level, float(tilted[(data[name] == level).to_numpy()].sum()))
        for name, levels in LEVELS.items()
        for level in levels
    ]
    targets = pd.DataFrame(rows, columns=["variable", "level", "target"])
    lower, upper = 1 - 4 * margin, 1 + 4 * margin
    unbounded = calibrate(data, weights="w", margins=targets).g
    assume(lower < unbounded.min() and unbounded.max() < upper)
    result = calibrate(
        data,
        weights="w",
        margins=targets,
        method="logit",
        bounds=(lower, upper),
        max_iterations=100,
    )
    assert ((result.g > lower) & (result.g < upper)).all()
    np.testing.assert_allclose(
        _achieved(data, result.weights, targets), targets["target"], rtol=1e-9
    )


@PROPERTY_SETTINGS
@given(samples())
def test_poststratification_meets_cell_counts_exactly(
    case: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    data, _ = case
    cells = data.groupby(["sex", "area"]).size().reset_index()[["sex", "area"]]
    cells["target"] = np.arange(1, len(cells) + 1) * 100.0
    result = poststratify(data, weights="w", by=["sex", "area"], population=cells)
    merged = data.assign(final=result.weights).groupby(["sex", "area"])["final"].sum()
    expected = cells.set_index(["sex", "area"])["target"]
    np.testing.assert_allclose(merged.loc[expected.index], expected, rtol=1e-12)


@settings(max_examples=80)
@given(
    st.lists(st.floats(min_value=0.1, max_value=1000.0), min_size=3, max_size=60),
    st.floats(min_value=0.05, max_value=0.95),
    st.floats(min_value=1.05, max_value=5.0),
)
def test_strict_trimming_keeps_the_total_and_respects_the_bounds(
    weights: list[float], low: float, high: float
) -> None:
    values = np.array(weights)
    lower, upper = low * values.mean(), high * values.mean()
    result = trim_weights(values, lower=lower, upper=upper, strict=True)
    assert abs(result.weights.sum() - values.sum()) <= 1e-9 * values.sum()
    assert (result.weights >= lower).all() and (result.weights <= upper).all()
    assert result.n_trimmed == int(result.trimmed.sum())


@settings(max_examples=80)
@given(
    st.lists(st.floats(min_value=0.1, max_value=1000.0), min_size=3, max_size=60),
    st.floats(min_value=1.05, max_value=5.0),
    st.booleans(),
)
def test_upper_trimming_caps_the_largest_and_raises_the_rest(
    weights: list[float], high: float, strict: bool
) -> None:
    values = np.array(weights)
    upper = high * values.mean()
    result = trim_weights(values, upper=upper, strict=strict)
    assert np.array_equal(result.trimmed[values > upper], np.ones((values > upper).sum(), bool))
    assert (result.weights[values > upper] <= upper).all()
    kept = ~result.trimmed
    assert (result.weights[kept] >= values[kept]).all()
    assert abs(result.weights.sum() - values.sum()) <= 1e-9 * values.sum()
