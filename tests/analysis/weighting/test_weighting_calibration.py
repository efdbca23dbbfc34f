"""Calibration behaviour checked by hand: closed forms, result contents, level matching."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest

from analysis.weighting import Margins, calibrate, poststratify, rake


def _data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sex": ["f", "m", "f", "m", "f"],
            "x": [1.0, 3.0, 2.0, 5.0, 4.0],
            "w": [2.0, 1.0, 3.0, 2.0, 2.0],
        }
    )


def test_linear_calibration_to_a_size_and_a_numeric_total_is_the_greg_closed_form() -> None:
    """g = 1 + x̃ᵀ(Σ w x̃ x̃ᵀ)⁻¹(t − Σ w x̃) with x̃ = (1, x)."""
    data = _data()
    margins = pd.DataFrame({"variable": ["x"], "level": [None], "target": [40.0]})
    result = calibrate(data, weights="w", margins=margins, population_size=12.0)
    design = np.column_stack([np.ones(5), data["x"]])
    w = data["w"].to_numpy()
    t = np.array([12.0, 40.0])
    lam = np.linalg.solve(design.T @ (design * w[:, None]), t - design.T @ w)
    np.testing.assert_allclose(result.g, 1 + design @ lam, rtol=1e-12)
    assert result.iterations == 1
    assert result.method == "linear"
    residuals = result.margin_residuals.set_index("variable")
    assert residuals.loc["(population size)", "achieved"] == pytest.approx(12.0)
    assert residuals.loc["x", "achieved"] == pytest.approx(40.0)


def test_raking_of_a_single_margin_is_post_stratification() -> None:
    data = _data()
    margins = pd.DataFrame({"variable": ["sex", "sex"], "level": ["f", "m"],
                            "target": [14.0, 6.0]})
    raked = rake(data, weights="w", margins=margins)
    post = poststratify(data, weights="w", by="sex",
                        population=pd.DataFrame({"sex": ["f", "m"], "target": [14.0, 6.0]}))
    np.testing.assert_allclose(raked.weights, [4.0, 2.0, 6.0, 4.0, 4.0], rtol=1e-12)
    np.testing.assert_allclose(post.weights, raked.weights, rtol=1e-12)
    assert post.method == "poststratify" and raked.method == "rake"
    assert post.iterations == 1 and post.history[0] < 1e-15


def test_margin_residuals_list_every_level() -> None:
    data = _data()
    margins = pd.DataFrame({"variable": ["sex", "sex", "x"], "level": ["f", "m", None],
                            "target": [14.0, 6.0, 60.0]})
    result = calibrate(data, weights="w", margins=margins, method="raking")
    table = result.margin_residuals
    assert list(table.columns) == ["variable", "level", "target", "achieved", "residual",
                                   "relative_error"]
    assert table["variable"].tolist() == ["sex", "sex", "x"]
    np.testing.assert_allclose(table["achieved"], [14.0, 6.0, 60.0], rtol=1e-10)
    assert (table["relative_error"] < 1e-10).all()
    assert result.history[-1] == pytest.approx(float(table["relative_error"].max()), abs=1e-12)


def test_levels_are_compared_as_strings() -> None:
    data = pd.DataFrame({"band": [1, 2, 2, 3], "flag": [True, False, True, True],
                         "w": [1.0, 1.0, 1.0, 1.0]})
    margins = pd.DataFrame(
        {"variable": ["band"] * 3 + ["flag"] * 2, "level": ["1", "2", "3", "True", "False"],
         "target": [10.0, 20.0, 30.0, 45.0, 15.0]}
    )
    result = rake(data, weights="w", margins=margins)
    assert result.weights[data["band"].to_numpy() == 1].sum() == pytest.approx(10.0)
    assert result.weights[~data["flag"].to_numpy()].sum() == pytest.approx(15.0)


def test_margins_round_trip_through_a_frame() -> None:
    frame = pd.DataFrame({"variable": ["sex", "sex", "x"], "level": ["f", "m", ""],
                          "target": [14.0, 6.0, 60.0]})
    margins = Margins.from_frame(frame)
    assert [m.variable for m in margins.categorical] == ["sex"]
    assert margins.numeric[0].total == 60.0
    again = Margins.from_frame(margins.to_frame())
    assert again == margins


@pytest.mark.parametrize(
    "module",
    ["calibration", "raking", "poststratification", "trimming", "design_weights", "report"],
)
def test_docstring_examples(module: str) -> None:
    imported = importlib.import_module(f"analysis.weighting.{module}")
    failures, attempted = doctest.testmod(imported, optionflags=doctest.ELLIPSIS)
    assert attempted > 0
    assert failures == 0
