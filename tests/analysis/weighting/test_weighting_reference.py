"""Weights, calibration traces and standard errors against R survey 4.1.1 fixtures.

The fixtures come from tests/reference/make_weighting_reference.R, which reads the same CSVs.
Weights must agree within 1e-8 relative; the adjusted influence values (what R's svyrecvar
hands to its variance formula) within 1e-6 of their scale; the standard errors computed from
our adjusted influence values with an independent variance formula within 1e-6 relative of
the SEs R prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from weighting_support import (
    max_relative_difference,
    max_scaled_difference,
    mean_influence,
    read_data,
    read_fixture,
    stratified_variance,
)

from analysis.weighting import CalibrationResult, calibrate, poststratify, rake, trim_weights

WEIGHT_RTOL = 1e-8
INFLUENCE_RTOL = 1e-6
SE_RTOL = 1e-6


def _stype_population() -> pd.DataFrame:
    margins = read_fixture("margins_apistrat_stype.csv")
    return margins.rename(columns={"level": "stype"})[["stype", "target"]]


@dataclass(frozen=True)
class Case:
    name: str
    data: str
    run: Callable[[pd.DataFrame], CalibrationResult]
    mean: str
    total: str


CASES = [
    Case("ps_apistrat", "apistrat",
         lambda d: poststratify(d, weights="pw", by="stype", population=_stype_population()),
         "api00", "enroll"),
    Case("ps_generated", "generated",
         lambda d: poststratify(d, weights="weight", by=["sex", "age"],
                                population=read_fixture("poststrata_generated.csv")),
         "score", "income"),
    Case("cal_linear_apiclus1", "apiclus1",
         lambda d: calibrate(d, weights="pw", margins=read_fixture("margins_apiclus1.csv")),
         "api00", "enroll"),
    Case("cal_raking_apiclus1", "apiclus1",
         lambda d: calibrate(d, weights="pw", margins=read_fixture("margins_apiclus1.csv"),
                             method="raking"),
         "api00", "enroll"),
    Case("cal_logit_apiclus1", "apiclus1",
         lambda d: calibrate(d, weights="pw", margins=read_fixture("margins_apiclus1.csv"),
                             method="logit", bounds=(0.7, 1.7)),
         "api00", "enroll"),
    Case("cal_linear_bounded_apiclus1", "apiclus1",
         lambda d: calibrate(d, weights="pw", margins=read_fixture("margins_apiclus1.csv"),
                             method="linear", bounds=(0.5, 1.7)),
         "api00", "enroll"),
    Case("rake_apistrat", "apistrat",
         lambda d: rake(d, weights="pw", margins=read_fixture("margins_apistrat.csv")),
         "api00", "enroll"),
    Case("rake_apistrat", "apistrat",
         lambda d: calibrate(d, weights="pw", margins=read_fixture("margins_apistrat.csv"),
                             method="raking"),
         "api00", "enroll"),
    Case("rake_generated", "generated",
         lambda d: rake(d, weights="weight", margins=read_fixture("margins_generated.csv")),
         "score", "income"),
    Case("rake_generated", "generated",
         lambda d: calibrate(d, weights="weight", margins=read_fixture("margins_generated.csv"),
                             method="raking"),
         "score", "income"),
    Case("cal_linear_generated", "generated",
         lambda d: calibrate(d, weights="weight", margins=read_fixture("margins_generated.csv")),
         "score", "income"),
]
IDS = [f"{case.name}-{i}" for i, case in enumerate(CASES)]

DESIGNS = {
    "apistrat": {"strata": "stype", "psu": None, "population_psus": "fpc"},
    "apiclus1": {"strata": None, "psu": "dnum", "population_psus": "fpc"},
}


@pytest.fixture(scope="module", params=CASES, ids=IDS)
def fitted(request: pytest.FixtureRequest) -> tuple[Case, pd.DataFrame, CalibrationResult]:
    case: Case = request.param
    data = read_data(case.data)
    return case, data, case.run(data)


API_CASES = [case for case in CASES if case.data in DESIGNS]


def _influences(case: Case, data: pd.DataFrame, weights: np.ndarray) -> np.ndarray:
    y = data[case.mean].to_numpy(dtype=float)
    z = data[case.total].to_numpy(dtype=float)
    return np.column_stack([mean_influence(y, weights), z * weights])


def test_weights_match_r(fitted: tuple[Case, pd.DataFrame, CalibrationResult]) -> None:
    case, _, result = fitted
    expected = read_fixture(f"weights_{case.name}.csv")["weight"].to_numpy()
    assert max_relative_difference(result.weights, expected) < WEIGHT_RTOL


def test_adjusted_influence_matches_r(
    fitted: tuple[Case, pd.DataFrame, CalibrationResult],
) -> None:
    case, data, result = fitted
    reference = read_fixture(f"weights_{case.name}.csv")
    raw = _influences(case, data, result.weights)
    adjusted = result.trace.adjust_influence(raw)
    for column, name in enumerate(("mean", "total")):
        assert max_scaled_difference(raw[:, column], reference[f"infl_{name}"]) < INFLUENCE_RTOL
        assert (
            max_scaled_difference(adjusted[:, column], reference[f"adj_{name}"].to_numpy())
            < INFLUENCE_RTOL
        )


def test_adjustment_changes_the_influence(
    fitted: tuple[Case, pd.DataFrame, CalibrationResult],
) -> None:
    """Guards the comparison above: the trace is not the identity on these data."""
    case, data, result = fitted
    raw = _influences(case, data, result.weights)
    assert max_scaled_difference(result.trace.adjust_influence(raw), raw) > 1e-3


@pytest.mark.parametrize("case", API_CASES, ids=[f"{c.name}-{i}" for i, c in enumerate(API_CASES)])
def test_standard_errors_match_r(case: Case) -> None:
    data = read_data(case.data)
    result = case.run(data)
    expected = read_fixture("se.csv")
    rows = expected[expected["case"] == case.name]
    design = DESIGNS[case.data]
    n = len(data)
    strata = data[design["strata"]].to_numpy() if design["strata"] else np.zeros(n)
    psu = data[design["psu"]].to_numpy() if design["psu"] else np.arange(n)
    adjusted = result.trace.adjust_influence(_influences(case, data, result.weights))
    assert len(rows) == 2
    for column, statistic in enumerate(("mean", "total")):
        row = rows[rows["statistic"] == statistic].iloc[0]
        variance = stratified_variance(
            adjusted[:, column], strata=strata, psu=psu,
            population_psus=data[design["population_psus"]].to_numpy(),
        )
        y = data[row["variable"]].to_numpy(dtype=float)
        estimate = np.sum(result.weights * y)
        if statistic == "mean":
            estimate /= np.sum(result.weights)
        assert abs(estimate / row["estimate"] - 1) < WEIGHT_RTOL
        assert abs(np.sqrt(variance) / row["se"] - 1) < SE_RTOL


@pytest.mark.parametrize("name", ["cal_linear_apiclus1", "generated"])
@pytest.mark.parametrize("strict", [False, True])
def test_trimming_matches_r(name: str, strict: bool) -> None:
    reference = read_fixture(f"trim_{name}.csv")
    result = trim_weights(
        reference["initial"].to_numpy(),
        lower=float(reference["lower"].iloc[0]),
        upper=float(reference["upper"].iloc[0]),
        strict=strict,
    )
    expected = reference["trimmed_strict" if strict else "trimmed"].to_numpy()
    assert max_relative_difference(result.weights, expected) < WEIGHT_RTOL
    assert result.n_trimmed > 0
