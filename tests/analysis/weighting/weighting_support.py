"""Shared helpers of the weighting tests: reference data, R fixtures, a variance formula.

The variance helper is the textbook stratified between-PSU estimator with a first-stage finite
population correction (Cochran 1977, §5.3 and §11.2),
``V = Σ_h (1 − n_h/N_h) · n_h/(n_h − 1) · Σ_i (z_hi − z̄_h)²`` over PSU totals ``z_hi`` of the
adjusted influence values; it is written here independently of the production variance code so
that the weighting trace can be checked against the standard errors R reports.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

REFERENCE = Path(__file__).resolve().parents[2] / "reference"
DATA = REFERENCE / "data"
FIXTURES = REFERENCE / "weighting"


def read_data(name: str) -> pd.DataFrame:
    """A dataset exported by tests/reference/export_datasets.R."""
    return pd.read_csv(DATA / f"{name}.csv")


def read_fixture(name: str) -> pd.DataFrame:
    """A fixture written by tests/reference/make_weighting_reference.R."""
    return pd.read_csv(FIXTURES / name)


def max_relative_difference(actual: np.ndarray, expected: np.ndarray) -> float:
    """Largest elementwise |actual − expected| / |expected| (expected nonzero)."""
    return float(np.max(np.abs(np.asarray(actual) - expected) / np.abs(expected)))


def max_scaled_difference(actual: np.ndarray, expected: np.ndarray) -> float:
    """Largest |actual − expected| relative to the largest |expected| (for values near 0)."""
    return float(np.max(np.abs(np.asarray(actual) - expected)) / np.max(np.abs(expected)))


def stratified_variance(
    z: np.ndarray, *, strata: np.ndarray, psu: np.ndarray, population_psus: np.ndarray
) -> float:
    """Between-PSU variance of Σz with first-stage fpc; ``population_psus`` is N_h per unit."""
    frame = pd.DataFrame({"z": z, "h": strata, "psu": psu, "N": population_psus})
    totals = frame.groupby(["h", "psu"], sort=False).agg(z=("z", "sum"), N=("N", "first"))
    variance = 0.0
    for _, group in totals.groupby(level="h", sort=False):
        n = len(group)
        deviations = group["z"].to_numpy() - group["z"].mean()
        fpc = 1.0 - n / float(group["N"].iloc[0])
        variance += fpc * n / (n - 1) * float(np.sum(deviations**2))
    return variance


def mean_influence(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted influence of the ratio mean Σwy/Σw: (y − ȳ)·w/Σw."""
    return (y - np.sum(w * y) / np.sum(w)) * w / np.sum(w)
