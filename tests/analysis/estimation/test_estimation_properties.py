"""Invariants of the estimators on random stratified cluster samples (hypothesis), and the
variance formula against an independent, loop-by-loop transcription of Wolter (2007, §6.4)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.design import SurveyDesign
from analysis.estimation import linearised_variance, linearised_variances, mean, total
from analysis.estimation.quantile import _distribution, quantile_rule
from analysis.replication import replicate_design

SETTINGS = settings(max_examples=40)


@st.composite
def samples(draw: st.DrawFn) -> pd.DataFrame:
    """A stratified sample of 1–4 strata, 2–4 PSUs each, 1–5 respondents per PSU."""
    rows = []
    for h in range(draw(st.integers(1, 4))):
        for j in range(draw(st.integers(2, 4))):
            for _ in range(draw(st.integers(1, 5))):
                rows.append(
                    {
                        "stratum": f"s{h}",
                        "psu": f"s{h}-p{j}",
                        "w": draw(st.floats(1.0, 100.0)),
                        "y": draw(st.floats(-100.0, 100.0)),
                        "group": draw(st.sampled_from(["u", "v"])),
                    }
                )
    frame = pd.DataFrame(rows)
    frame["population_psus"] = frame.groupby("stratum")["psu"].transform("nunique") * 3
    return frame


def _design(frame: pd.DataFrame, *, fpc: bool = False, weights: str = "w") -> SurveyDesign:
    return SurveyDesign.from_frame(
        frame,
        weights=weights,
        strata="stratum",
        psu="psu",
        fpc="population_psus" if fpc else None,
    )


@SETTINGS
@given(samples(), st.floats(0.01, 100.0))
def test_scaling_weights_scales_totals_and_leaves_means_alone(
    frame: pd.DataFrame, c: float
) -> None:
    base = _design(frame)
    scaled = _design(frame.assign(w2=frame["w"] * c), weights="w2")
    t0, t1 = total(base, "y")[0], total(scaled, "y")[0]
    m0, m1 = mean(base, "y")[0], mean(scaled, "y")[0]
    np.testing.assert_allclose([t1.estimate, t1.se], [c * t0.estimate, c * t0.se], rtol=1e-9)
    np.testing.assert_allclose([m1.estimate, m1.se], [m0.estimate, m0.se], rtol=1e-9, atol=1e-12)


@SETTINGS
@given(samples())
def test_domain_totals_add_up_to_the_total(frame: pd.DataFrame) -> None:
    design = _design(frame)
    overall = total(design, "y")[0].estimate
    by_group = total(design, "y", by="group")
    np.testing.assert_allclose(sum(e.estimate for e in by_group), overall, rtol=1e-12, atol=1e-9)
    assert sum(e.n for e in by_group) == len(frame)


def _naive_variance(frame: pd.DataFrame, values: np.ndarray, fpc: bool) -> float:
    variance = 0.0
    for _, stratum in frame.assign(z=values).groupby("stratum"):
        psu_totals = stratum.groupby("psu")["z"].sum().to_numpy()
        n_h = len(psu_totals)
        f = 1.0 - n_h / stratum["population_psus"].iloc[0] if fpc else 1.0
        variance += f * n_h / (n_h - 1) * float(np.sum((psu_totals - psu_totals.mean()) ** 2))
    return variance


@SETTINGS
@given(samples(), st.booleans())
def test_total_and_mean_variances_match_the_textbook_formula(
    frame: pd.DataFrame, fpc: bool
) -> None:
    design = _design(frame, fpc=fpc)
    w, y = frame["w"].to_numpy(), frame["y"].to_numpy()
    t = total(design, "y")[0]
    np.testing.assert_allclose(t.se**2, _naive_variance(frame, w * y, fpc), rtol=1e-9, atol=1e-9)
    ybar = np.sum(w * y) / np.sum(w)
    m = mean(design, "y")[0]
    expected = _naive_variance(frame, w * (y - ybar) / np.sum(w), fpc)
    np.testing.assert_allclose(m.se**2, expected, rtol=1e-9, atol=1e-15)


@SETTINGS
@given(samples(), st.booleans())
def test_jackknife_variance_of_a_total_equals_its_linearised_variance(
    frame: pd.DataFrame, fpc: bool
) -> None:
    # For a total, JKn's replicate variance is algebraically the stratified between-PSU variance
    design = _design(frame, fpc=fpc)
    replicated = replicate_design(design, method="JKn")
    np.testing.assert_allclose(
        total(replicated, "y")[0].se, total(design, "y")[0].se, rtol=1e-9, atol=1e-9
    )


@SETTINGS
@given(
    st.lists(st.tuples(st.integers(0, 5), st.floats(0.1, 10.0)), min_size=1, max_size=30),
    st.floats(0.0, 1.0),
)
def test_quantile_rule_is_the_smallest_value_whose_share_reaches_p(
    pairs: list[tuple[int, float]], p: float
) -> None:
    values = np.array([v for v, _ in pairs], dtype=float)
    weights = np.array([w for _, w in pairs])
    ordered, cumulative, weight_total = _distribution(values, weights)
    q = quantile_rule(ordered, cumulative, weight_total, p)
    xs = sorted(set(values.tolist()))
    share = {x: float(weights[values <= x].sum() / weights.sum()) for x in xs}
    tolerance = 1e-12  # a share equal to p up to rounding may land on either side
    lenient = next(x for x in xs if share[x] >= p - tolerance)
    strict = next((x for x in xs if share[x] >= p + tolerance), xs[-1])
    assert q in xs
    assert lenient <= q <= strict


@SETTINGS
@given(samples())
def test_variances_are_the_diagonal_of_the_covariance(frame: pd.DataFrame) -> None:
    design = _design(frame, fpc=True)
    z = np.column_stack([frame["y"], frame["w"], frame["y"] * (frame["group"] == "u")])
    covariance = linearised_variance(z, design)
    variances = linearised_variances(z.copy(), design, overwrite=True)
    scale = max(float(np.max(np.abs(covariance))), 1e-300)
    np.testing.assert_allclose(variances, np.diag(covariance), rtol=1e-12, atol=1e-12 * scale)


def test_a_domain_of_one_respondent_has_no_design_effect_and_no_warning() -> None:
    frame = pd.DataFrame(
        {
            "y": [1.0, 2.0, 3.0, 4.0, 5.0],
            "d": ["a", "a", "a", "a", "b"],
            "w": [10.0, 20.0, 30.0, 40.0, 50.0],
            "stratum": ["x", "x", "y", "y", "y"],
            "psu": ["p1", "p2", "p3", "p4", "p5"],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a, b = mean(_design(frame), "y", by="d")
    assert b.n == 1 and np.isnan(b.deff) and b.estimate == 5.0
    assert a.n == 4 and np.isfinite(a.deff)
