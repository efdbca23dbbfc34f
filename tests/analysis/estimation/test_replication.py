"""Replicate-weight generators: their structure, scales, and refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from estimation_support import read_data

from analysis.design import MissingColumnError, SurveyDesign
from analysis.estimation import mean, total
from analysis.replication import ReplicateDesign, ReplicateError, replicate_design
from analysis.weighting import EmptyLevelError


def _generated(lonely: str = "adjust", strata: str = "stratum") -> SurveyDesign:
    return SurveyDesign.from_frame(
        read_data("generated"), weights="weight", strata=strata, psu="psu", lonely_psu=lonely
    )


def _factors(design: ReplicateDesign, base: SurveyDesign) -> np.ndarray:
    return design.replicate_weights / base.weights[:, None]


def test_rao_wu_bootstrap_draws_n_h_psus_per_stratum_and_replicate() -> None:
    base = _generated()
    boot = replicate_design(base, method="bootstrap", replicates=20, seed=1)
    factors = _factors(boot, base)
    structure = base.structure
    for h in range(structure.n_strata):
        first_rows = [np.flatnonzero(structure.psu == p)[0] for p in
                      np.flatnonzero(structure.psu_stratum == h)]
        draws = factors[first_rows].sum(axis=0)
        np.testing.assert_allclose(draws, structure.psu_count[h])
    harmonic = 1 / np.mean(1 / structure.psu_count)
    assert boot.scale == pytest.approx(harmonic / ((harmonic - 1) * 19))
    again = replicate_design(base, method="bootstrap", replicates=20, seed=1)
    np.testing.assert_array_equal(again.replicate_weights, boot.replicate_weights)


def test_factors_are_constant_within_psus() -> None:
    base = _generated(strata="stratum_merged")
    sub = replicate_design(base, method="subbootstrap", replicates=10, seed=2)
    factors = _factors(sub, base)
    structure = base.structure
    for p in range(structure.n_psu):
        rows = factors[structure.psu == p]
        np.testing.assert_allclose(rows, np.broadcast_to(rows[0], rows.shape), rtol=1e-14)
    for h in range(structure.n_strata):
        first_rows = [np.flatnonzero(structure.psu == p)[0] for p in
                      np.flatnonzero(structure.psu_stratum == h)]
        np.testing.assert_allclose(factors[first_rows].sum(axis=0), structure.psu_count[h])
    assert sub.scale == pytest.approx(1 / 9)


def test_subbootstrap_refuses_single_psu_strata() -> None:
    with pytest.raises(ReplicateError, match="stratum S08 has one"):
        replicate_design(_generated(), method="subbootstrap", replicates=10, seed=3)


def test_jk1_refuses_strata_and_jkn_needs_them() -> None:
    with pytest.raises(ReplicateError, match="JK1 is for unstratified"):
        replicate_design(_generated(), method="JK1")
    frame = read_data("apiclus1")
    unstratified = SurveyDesign.from_frame(frame, weights="pw", psu="dnum")
    with pytest.raises(ReplicateError, match="JKn needs strata"):
        replicate_design(unstratified, method="JKn")


def test_calibrated_designs_must_be_replicated_before_calibration() -> None:
    frame = read_data("apiclus1")
    design = SurveyDesign.from_frame(frame, weights="pw", psu="dnum")

    class Trace:
        method = "linear"
        initial_weights = design.weights
        calibrated_weights = design.weights * 1.1

        def adjust_influence(self, x: np.ndarray) -> np.ndarray:
            return x

    class Result:
        trace = Trace()

    with pytest.raises(ReplicateError, match="already calibrated"):
        replicate_design(design.calibrated(Result()), method="JK1")  # type: ignore[arg-type]


def test_mse_centres_on_the_full_sample_estimate() -> None:
    base = _generated()
    plain = replicate_design(base, method="bootstrap", replicates=30, seed=4)
    centred = replicate_design(base, method="bootstrap", replicates=30, seed=4, mse=True)
    reps = plain.replicate_weights
    y = np.nan_to_num(read_data("generated")["score"].to_numpy())
    thetas = (reps * y[:, None]).sum(axis=0) / reps.sum(axis=0)
    full = mean(plain, "score")[0].estimate
    expected_plain = plain.scale * np.sum((thetas - thetas.mean()) ** 2)
    expected_mse = plain.scale * np.sum((thetas - full) ** 2)
    assert mean(plain, "score")[0].se ** 2 == pytest.approx(expected_plain, rel=1e-10)
    assert mean(centred, "score")[0].se ** 2 == pytest.approx(expected_mse, rel=1e-10)


def test_a_domain_missing_from_a_replicate_is_an_error_not_a_silent_drop() -> None:
    frame = pd.DataFrame(
        {"w": [1.0, 2, 3, 4], "psu": [1, 2, 3, 4], "g": ["a", "b", "b", "b"], "y": [1.0, 2, 3, 4]}
    )
    jk = replicate_design(SurveyDesign.from_frame(frame, weights="w", psu="psu"), method="JK1")
    assert total(jk, "y", by="g")[0].se > 0
    with pytest.raises(ReplicateError, match="give no estimate"):
        mean(jk, "y", by="g")


def test_calibrated_hands_the_step_only_its_columns_and_names_a_failing_replicate() -> None:
    boot = replicate_design(_generated(), method="bootstrap", replicates=5, seed=2)
    seen: list[list[str]] = []

    def scale_by_sex(frame: pd.DataFrame, weights: np.ndarray) -> np.ndarray:
        seen.append([str(c) for c in frame.columns])
        return weights * np.where(frame["sex"] == "female", 2.0, 1.0)

    scaled = boot.calibrated(scale_by_sex, columns=["sex"])
    assert seen == [["sex"]] * 6
    female = (boot.frame["sex"] == "female").to_numpy()
    np.testing.assert_allclose(scaled.replicate_weights[female], 2 * boot.replicate_weights[female])
    with pytest.raises(MissingColumnError, match="weighting column `gender`"):
        boot.calibrated(scale_by_sex, columns=["gender"])
    calls = iter(range(10))

    def fails_on_the_third(frame: pd.DataFrame, weights: np.ndarray) -> np.ndarray:
        if next(calls) == 3:
            raise EmptyLevelError("margin `sex` level `male` has no respondents", hint="collapse")
        return weights

    with pytest.raises(ReplicateError, match="replicate 3 of 5: margin `sex`") as caught:
        boot.calibrated(fails_on_the_third, columns=["sex"])
    assert isinstance(caught.value.__cause__, EmptyLevelError)
    assert caught.value.hint == "collapse"
