"""Survey-weighted regressions against R ``svyglm`` (tests/reference/estimation/regressions.csv):
coefficients within 1e-8 relative, design-based standard errors within 1e-6 relative, residual
degrees of freedom exactly; on stratified, two-stage, clustered, lonely-PSU and calibrated
designs, linear and logistic, with missing responses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from estimation_support import build_design, design_rows, number, read_fixture

from analysis.design import SurveyDesign
from analysis.regression import RegressionError, survey_regression

MODELS = read_fixture("regressions.csv")
KEYS = sorted(set(zip(MODELS["design"], MODELS["model"], MODELS["family"], strict=True)))
RESPONSES = {"sch.wide": "sch.wide=Yes"}


@pytest.mark.parametrize("key", KEYS, ids=[f"{d}:{m}" for d, m, _ in KEYS])
def test_coefficients_and_standard_errors_match_svyglm(key: tuple[str, str, str]) -> None:
    name, model, family = key
    row = next(r for r in design_rows() if r["name"] == name)
    design = build_design(row)
    assert isinstance(design, SurveyDesign)
    response, predictors = model.split("~")
    result = survey_regression(
        design,
        RESPONSES.get(response, response),
        predictors.split("+"),
        family="logistic" if family == "binomial" else "linear",
    )
    expected = MODELS[(MODELS["design"] == name) & (MODELS["model"] == model)]
    ours = result.to_frame().set_index("term")
    assert list(ours.index) == list(expected["term"])
    want_beta = expected["estimate"].map(number).to_numpy()
    want_se = expected["se"].map(number).to_numpy()
    np.testing.assert_allclose(ours["estimate"].to_numpy(), want_beta, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours["se"].to_numpy(), want_se, rtol=1e-6)
    assert result.df == number(expected["df"].iloc[0])


def test_logistic_response_outside_unit_interval_is_refused() -> None:
    frame = pd.DataFrame({"w": [1.0] * 6, "y": [0, 1, 2, 0, 1, 0], "x": [1, 2, 3, 4, 5, 6]})
    design = SurveyDesign.from_frame(frame, weights="w")
    with pytest.raises(RegressionError, match="outside"):
        survey_regression(design, "y", ["x"], family="logistic")


def test_collinear_predictors_are_refused() -> None:
    frame = pd.DataFrame({"w": [1.0] * 5, "y": [1.0, 2, 3, 4, 6], "x": [1.0, 2, 3, 4, 5]})
    frame["z"] = 2 * frame["x"]
    design = SurveyDesign.from_frame(frame, weights="w")
    with pytest.raises(RegressionError, match="collinear"):
        survey_regression(design, "y", ["x", "z"])
