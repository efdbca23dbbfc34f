"""The calibration trace against a direct dense computation of R's formula.

R survey computes the adjusted influence as ``qr.resid(qr(X·√w0), x/(g√w0))·g√w0`` with ``X``
the full-rank model matrix (intercept and treatment-coded dummies, numeric columns). The tests
build that matrix densely with pandas, take a Householder QR with numpy and compare.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analysis.weighting import (
    CalibrationResult,
    CalibrationTrace,
    InvalidArgumentError,
    InvalidWeightsError,
    calibrate,
    poststratify,
    rake,
)

RTOL = 1e-9


def _sample(n: int = 60, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "sex": rng.choice(["f", "m"], n),
            "age": rng.choice(["a1", "a2", "a3"], n),
            "area": rng.choice(["u", "r"], n),
            "x": rng.gamma(3.0, 10.0, n),
            "w": rng.uniform(5, 30, n),
        }
    )


def _margins(data: pd.DataFrame, scale: float, numeric: bool) -> pd.DataFrame:
    """Targets a little off the sample's own weighted totals, so that g is not 1."""
    rows = []
    for variable, tilt in (("sex", 0.1), ("age", -0.2), ("area", 0.15)):
        totals = data.groupby(variable)["w"].sum()
        shares = totals / totals.sum() * (1 + tilt * np.linspace(-1, 1, len(totals)))
        shares /= shares.sum()
        rows += [(variable, level, scale * share) for level, share in shares.items()]
    if numeric:
        rows.append(("x", None, float((data["w"] * data["x"]).sum()) * 1.05 * scale
                     / data["w"].sum()))
    return pd.DataFrame(rows, columns=["variable", "level", "target"])


def _dense_adjust(model: pd.DataFrame, w0: np.ndarray, g: np.ndarray, x: np.ndarray) -> np.ndarray:
    """R's svyrecvar step, done densely: qr.resid(qr(X√w0), x/(g√w0))·g√w0."""
    root = np.sqrt(w0)
    q, _ = np.linalg.qr(model.to_numpy(dtype=float) * root[:, None])
    y = x / (g * root)[:, None]
    return (y - q @ (q.T @ y)) * (g * root)[:, None]


def _dense_model(data: pd.DataFrame, columns: list[str], numeric: list[str]) -> pd.DataFrame:
    dummies = pd.get_dummies(data[columns], drop_first=True, dtype=float)
    return pd.concat(
        [pd.Series(1.0, index=data.index, name="(Intercept)"), dummies, data[numeric]], axis=1
    )


def _fits(data: pd.DataFrame) -> dict[str, tuple[CalibrationResult, pd.DataFrame]]:
    scale = 1.1 * float(data["w"].sum())
    margins = _margins(data, scale, numeric=False)
    with_x = _margins(data, scale, numeric=True)
    cells = data.groupby(["sex", "age"]).size().reset_index()[["sex", "age"]]
    cells["target"] = np.linspace(500.0, 1200.0, len(cells))
    plain = _dense_model(data, ["sex", "age", "area"], [])
    numeric = _dense_model(data, ["sex", "age", "area"], ["x"])
    cell_model = pd.get_dummies(data["sex"] + ":" + data["age"], dtype=float)
    return {
        "poststratify": (
            poststratify(data, weights="w", by=["sex", "age"], population=cells), cell_model
        ),
        "rake": (rake(data, weights="w", margins=margins), plain),
        "raking": (calibrate(data, weights="w", margins=margins, method="raking"), plain),
        "linear-numeric": (calibrate(data, weights="w", margins=with_x), numeric),
        "logit-numeric": (
            calibrate(data, weights="w", margins=with_x, method="logit", bounds=(0.5, 1.8)),
            numeric,
        ),
    }


FITS = _fits(_sample())


@pytest.mark.parametrize("name", sorted(FITS))
def test_adjust_influence_equals_dense_qr_residual(name: str) -> None:
    result, model = FITS[name]
    rng = np.random.default_rng(3)
    x = rng.normal(size=(len(model), 3)) * result.weights[:, None]
    expected = _dense_adjust(model, result.trace.initial_weights, result.g, x)
    actual = result.trace.adjust_influence(x)
    assert np.max(np.abs(actual - expected)) < RTOL * np.max(np.abs(expected))
    assert np.max(np.abs(actual - x)) > 1e-3 * np.max(np.abs(x))


@pytest.mark.parametrize("name", sorted(FITS))
def test_one_column_is_adjusted_like_a_matrix_column(name: str) -> None:
    result, _ = FITS[name]
    x = np.arange(result.weights.size, dtype=float)
    single = result.trace.adjust_influence(x)
    assert single.shape == x.shape
    np.testing.assert_allclose(single, result.trace.adjust_influence(x[:, None])[:, 0])


@pytest.mark.parametrize("name", sorted(FITS))
def test_adjusting_into_out_overwrites_it_with_the_same_values(name: str) -> None:
    result, _ = FITS[name]
    x = np.random.default_rng(5).normal(size=(result.weights.size, 2)) * result.weights[:, None]
    expected = result.trace.adjust_influence(x)
    in_place = x.copy(order="F")
    assert result.trace.adjust_influence(in_place, out=in_place) is in_place
    np.testing.assert_allclose(in_place, expected, rtol=1e-13, atol=0)
    with pytest.raises(InvalidArgumentError, match="shape of the influence"):
        result.trace.adjust_influence(x, out=np.empty_like(x[:, 0]))


@pytest.mark.parametrize("name", sorted(FITS))
def test_calibration_variables_have_zero_adjusted_influence(name: str) -> None:
    """Totals of the calibration variables are fixed, so their influence is removed."""
    result, model = FITS[name]
    x = model.to_numpy(dtype=float) * result.weights[:, None]
    adjusted = result.trace.adjust_influence(x)
    assert np.max(np.abs(adjusted)) < 1e-9 * np.max(np.abs(x))


def test_trace_implements_the_contract() -> None:
    result, _ = FITS["rake"]
    assert isinstance(result.trace, CalibrationTrace)
    assert result.trace.method == "rake"
    np.testing.assert_array_equal(result.trace.calibrated_weights, result.weights)
    np.testing.assert_allclose(result.trace.initial_weights * result.g, result.weights)


def test_wrong_shape_is_rejected() -> None:
    result, _ = FITS["rake"]
    with pytest.raises(InvalidArgumentError) as caught:
        result.trace.adjust_influence(np.ones(result.weights.size + 1))
    assert caught.value.code == "invalid_argument"


def test_zero_calibrated_weight_is_rejected() -> None:
    result, _ = FITS["linear-numeric"]
    weights = result.weights.copy()
    weights[0] = 0.0
    trace = dataclasses.replace(result.trace, calibrated_weights=weights)
    with pytest.raises(InvalidWeightsError):
        trace.adjust_influence(np.ones(weights.size))


def test_many_post_strata_use_cell_means_without_a_dense_matrix() -> None:
    """20,000 cells: a dense Gram matrix would need 3.2 GB; cell means need none."""
    rng = np.random.default_rng(11)
    n, cells = 60_000, 20_000
    data = pd.DataFrame({"cell": rng.permutation(np.arange(n) % cells), "w": rng.uniform(1, 3, n)})
    population = pd.DataFrame({"cell": np.arange(cells), "target": rng.uniform(5, 9, cells)})
    result = poststratify(data, weights="w", by="cell", population=population)
    x = rng.normal(size=n) * result.weights
    frame = pd.DataFrame({"cell": data["cell"], "z": x / result.g, "w0": data["w"]})
    sums = frame.groupby("cell")[["z", "w0"]].transform("sum")
    expected = x - result.weights * sums["z"] / sums["w0"]
    np.testing.assert_allclose(result.trace.adjust_influence(x), expected, rtol=0, atol=1e-9)
