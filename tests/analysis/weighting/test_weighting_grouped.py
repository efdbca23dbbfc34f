"""Raking within groups as one calibration step, and trimming after it.

Three independent routes to the same numbers:

* R survey 4.1.1 (tests/reference/make_grouped_reference.R): one ``calibrate`` of the
  generated design on group-interacted margins (urban respondents raked to sex and age, rural
  respondents to sex), then ``trimWeights``; weights, adjusted influence values and standard
  errors of a mean, a total and domain means;
* the block-diagonal GREG residual written densely here: the group-interacted dummy matrix
  ``X``, ``β = (XᵀW0X)⁺ Xᵀ W0 (x/w)`` by least squares, ``x − w·Xβ``;
* our own ``calibrate(method="raking")`` on group-interacted margin variables.

Tolerances are those of the other R checks (test_weighting_reference.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from weighting_support import (
    FIXTURES,
    max_relative_difference,
    max_scaled_difference,
    read_data,
)
from weighting_support import read_fixture as read_weighting_fixture

from analysis.design import SurveyDesign
from analysis.estimation import mean, total
from analysis.weighting import (
    GroupedCalibration,
    InvalidArgumentError,
    calibrate,
    rake,
    trim_weights,
    within_groups,
)

WEIGHT_RTOL = 1e-8
INFLUENCE_RTOL = 1e-6
SE_RTOL = 1e-6
GROUPS = ("urban", "rural")


def _margins(group: str) -> pd.DataFrame:
    margins = read_weighting_fixture("margins_grouped_generated.csv")
    chosen = margins[margins["group"] == group]
    return chosen[["variable", "level", "target"]].reset_index(drop=True)


def _raked_within_groups(data: pd.DataFrame, weights: np.ndarray) -> GroupedCalibration:
    parts = {}
    for group in GROUPS:
        rows = np.flatnonzero(data["area"].to_numpy() == group)
        subset = data.iloc[rows].reset_index(drop=True)
        parts[group] = (rows, rake(subset, weights=weights[rows], margins=_margins(group)))
    return within_groups(weights, parts)


@pytest.fixture(scope="module")
def generated() -> tuple[SurveyDesign, GroupedCalibration]:
    data = read_data("generated")
    design = SurveyDesign.from_frame(
        data, weights="weight", strata="stratum", psu="psu", fpc="fpc_psu", lonely_psu="adjust"
    )
    return design, _raked_within_groups(data, design.weights)


def test_weights_and_adjusted_influence_match_r(
    generated: tuple[SurveyDesign, GroupedCalibration],
) -> None:
    design, raked = generated
    reference = read_weighting_fixture("weights_grouped_generated.csv")
    assert max_relative_difference(raked.weights, reference["weight"].to_numpy()) < WEIGHT_RTOL
    influence = reference[["infl_mean", "infl_total"]].to_numpy()
    adjusted = raked.trace.adjust_influence(influence)
    for column, name in enumerate(("mean", "total")):
        expected = reference[f"adj_{name}"].to_numpy()
        assert max_scaled_difference(adjusted[:, column], expected) < INFLUENCE_RTOL


@pytest.mark.parametrize("case", ["raked", "trimmed"])
def test_standard_errors_match_r(
    generated: tuple[SurveyDesign, GroupedCalibration], case: str
) -> None:
    """After the grouped raking (one trace), and after a strict trimming of its weights (the
    trace kept, R ``trimWeights``)."""
    design, raked = generated
    calibrated = design.calibrated(raked)
    if case == "trimmed":
        bounds = read_weighting_fixture("trim_bounds_grouped_generated.csv").iloc[0]
        trimmed = trim_weights(
            calibrated.weights, lower=bounds["lower"], upper=bounds["upper"], strict=True
        )
        assert trimmed.n_trimmed > 0
        calibrated = calibrated.trimmed(trimmed.weights)
    reference = pd.read_csv(FIXTURES / "se_grouped_generated.csv", keep_default_na=False)
    expected = reference[reference["case"] == case].set_index("domain")
    found = {
        "": mean(calibrated, "score")[0],
        "total": total(calibrated, "income")[0],
        **{f"sex={e.domain}": e for e in mean(calibrated, "score", by="sex")},
    }
    rows = {
        "": expected.loc[""].query("statistic == 'mean'").iloc[0],
        "total": expected.loc[""].query("statistic == 'total'").iloc[0],
        "sex=female": expected.loc["sex=female"],
        "sex=male": expected.loc["sex=male"],
    }
    for key, row in rows.items():
        assert abs(found[key].estimate / float(row["estimate"]) - 1) < WEIGHT_RTOL, key
        assert abs(found[key].se / float(row["se"]) - 1) < SE_RTOL, key


def _dense_residual(model: np.ndarray, w0: np.ndarray, w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``x − w·Xβ`` with β the w0-weighted least-squares fit of x/w on X (minimum norm)."""
    root = np.sqrt(w0)
    beta, *_ = np.linalg.lstsq(model * root[:, None], (x / w[:, None]) * root[:, None])
    return x - w[:, None] * (model @ beta)


def test_the_trace_is_the_dense_block_diagonal_greg_residual() -> None:
    """Three groups: two raked on different margins, one left alone (zero rows of X)."""
    rng = np.random.default_rng(11)
    n = 90
    data = pd.DataFrame(
        {
            "group": np.repeat(["a", "b", "c"], 30),
            "sex": rng.choice(["f", "m"], n),
            "age": rng.choice(["young", "mid", "old"], n),
        }
    )
    w0 = rng.uniform(5.0, 40.0, n)
    margins = {
        "a": pd.DataFrame(
            {
                "variable": ["sex", "sex", "age", "age", "age"],
                "level": ["f", "m", "young", "mid", "old"],
                "target": [600.0, 400.0, 300.0, 300.0, 400.0],
            }
        ),
        "b": pd.DataFrame(
            {
                "variable": ["age"] * 3,
                "level": ["young", "mid", "old"],
                "target": [200.0, 500.0, 300.0],
            }
        ),
    }
    parts = {}
    for group, table in margins.items():
        rows = np.flatnonzero(data["group"].to_numpy() == group)
        subset = data.iloc[rows].reset_index(drop=True)
        parts[group] = (rows, rake(subset, weights=w0[rows], margins=table))
    grouped = within_groups(w0, parts)
    columns = []
    for group, table in margins.items():
        for variable, level in table[["variable", "level"]].itertuples(index=False):
            columns.append((data["group"] == group) & (data[variable] == level))
    model = np.column_stack(columns).astype(float)
    x = rng.normal(size=(n, 3)) * w0[:, None]
    expected = _dense_residual(model, w0, grouped.weights, x)
    assert np.allclose(
        grouped.trace.adjust_influence(x), expected, rtol=0, atol=1e-10 * abs(x).max()
    )
    untouched = data["group"].to_numpy() == "c"
    assert np.array_equal(grouped.weights[untouched], w0[untouched])
    in_place = x.copy()
    grouped.trace.adjust_influence(in_place, out=in_place)
    assert np.allclose(in_place, expected, rtol=0, atol=1e-10 * abs(x).max())
    assert grouped.trace.method == "rake"


def test_raking_each_group_is_one_raking_on_interacted_margins() -> None:
    """Our calibrate(method="raking") on margin variables holding a level inside their group
    and the group's name elsewhere gives the same weights and standard errors."""
    data = read_data("generated")
    design = SurveyDesign.from_frame(
        data, weights="weight", strata="stratum", psu="psu", fpc="fpc_psu", lonely_psu="adjust"
    )
    separate = design.calibrated(_raked_within_groups(data, design.weights))
    interacted = data.assign(
        u_sex=np.where(data["area"] == "urban", data["sex"], "rural"),
        u_age=np.where(data["area"] == "urban", data["age"], "rural"),
        r_sex=np.where(data["area"] == "rural", data["sex"], "urban"),
    )
    rows = []
    for group, column in (("urban", {"sex": "u_sex", "age": "u_age"}), ("rural", {"sex": "r_sex"})):
        table = _margins(group)
        other = "rural" if group == "urban" else "urban"
        other_total = float(_margins(other).query("variable == 'sex'")["target"].sum())
        for variable, name in column.items():
            chosen = table[table["variable"] == variable]
            rows += [
                (name, level, target)
                for level, target in zip(chosen["level"], chosen["target"], strict=True)
            ]
            rows.append((name, other, other_total))
    margins = pd.DataFrame(rows, columns=["variable", "level", "target"])
    joint = design.calibrated(
        calibrate(
            interacted, weights=design.weights, margins=margins, method="raking", tolerance=1e-13
        )
    )
    assert max_relative_difference(separate.weights, joint.weights) < WEIGHT_RTOL
    for one, other in zip(
        mean(separate, "score", by="sex"), mean(joint, "score", by="sex"), strict=True
    ):
        assert abs(one.se / other.se - 1) < SE_RTOL


def test_groups_must_be_disjoint_and_start_from_the_initial_weights() -> None:
    data = pd.DataFrame({"sex": ["f", "m", "f", "m"]})
    margins = pd.DataFrame({"variable": ["sex", "sex"], "level": ["f", "m"], "target": [3.0, 2.0]})
    w0 = np.ones(4)
    first = np.array([0, 1])
    raked = rake(data.iloc[first], weights=w0[first], margins=margins)
    with pytest.raises(InvalidArgumentError, match="shares rows"):
        within_groups(w0, {"a": (first, raked), "b": (np.array([1, 2]), raked)})
    with pytest.raises(InvalidArgumentError, match="did not start from the initial weights"):
        within_groups(w0 * 2, {"a": (first, raked)})
    with pytest.raises(InvalidArgumentError, match="outside 0..3"):
        within_groups(w0, {"a": (np.array([3, 4]), raked)})
    with pytest.raises(InvalidArgumentError, match="has 2 weights for 3 rows"):
        within_groups(w0, {"a": (np.array([0, 1, 2]), raked)})


def test_trimming_copies_is_trimming_the_repeated_records() -> None:
    """Weights standing for c_i records trim as the data with each record repeated c_i times,
    added back up per unit; with every c_i = 1 nothing changes."""
    rng = np.random.default_rng(3)
    records = rng.gamma(2.0, 20.0, 40)
    copies = rng.integers(1, 4, 40)
    for strict in (False, True):
        expanded = trim_weights(np.repeat(records, copies), lower=15.0, upper=70.0, strict=strict)
        units = np.repeat(np.arange(40), copies)
        expected = np.bincount(units, weights=expanded.weights)
        found = trim_weights(records * copies, lower=15.0, upper=70.0, strict=strict, copies=copies)
        assert np.allclose(found.weights, expected, rtol=1e-12, atol=0)
        assert found.weights.sum() == pytest.approx((records * copies).sum(), rel=1e-12)
        plain = trim_weights(records, lower=15.0, upper=70.0, strict=strict)
        ones = trim_weights(records, lower=15.0, upper=70.0, strict=strict, copies=np.ones(40))
        assert np.array_equal(plain.weights, ones.weights)
    with pytest.raises(InvalidArgumentError, match="copies"):
        trim_weights(records, upper=70.0, copies=np.zeros(40))
