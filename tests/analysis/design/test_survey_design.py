"""SurveyDesign: what it accepts, what it refuses, and with which message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.design import (
    CalibrationMismatchError,
    DesignError,
    FpcError,
    LonelyPsuError,
    MissingColumnError,
    SurveyDesign,
)
from analysis.estimation import mean, total


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stratum": ["a", "a", "a", "a", "b", "b", "b", "b"],
            "psu": [1, 1, 2, 2, 1, 1, 2, 2],
            "w": [10.0, 12.0, 8.0, 9.0, 20.0, 22.0, 18.0, 21.0],
            "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 9.0],
            "n_psu": [5, 5, 5, 5, 4, 4, 4, 4],
        }
    )


def test_missing_column_names_it_and_lists_the_available_ones() -> None:
    with pytest.raises(MissingColumnError) as caught:
        SurveyDesign.from_frame(_frame(), weights="weight")
    assert "`weight`" in str(caught.value)
    assert "stratum, psu, w, y, n_psu" in str(caught.value)
    assert caught.value.code == "missing_column"


def test_psu_labels_repeating_across_strata_need_nest() -> None:
    with pytest.raises(DesignError, match="more than one stratum") as caught:
        SurveyDesign.from_frame(_frame(), weights="w", strata="stratum", psu="psu")
    assert "nest=True" in str(caught.value)
    nested = SurveyDesign.from_frame(_frame(), weights="w", strata="stratum", psu="psu", nest=True)
    assert nested.structure.n_psu == 4
    assert nested.structure.psu_count.tolist() == [2, 2]


def test_lonely_psu_fails_by_default_naming_the_stratum() -> None:
    frame = _frame()
    frame.loc[frame["stratum"] == "b", "psu"] = 1
    with pytest.raises(LonelyPsuError, match="stratum b has only one PSU") as caught:
        SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu", nest=True)
    assert caught.value.got == ["b"]
    design = SurveyDesign.from_frame(
        frame, weights="w", strata="stratum", psu="psu", nest=True, lonely_psu="remove"
    )
    assert total(design, "y")[0].se > 0


def test_a_fully_enumerated_lonely_stratum_is_not_an_error_and_adds_no_variance() -> None:
    frame = _frame()
    frame.loc[frame["stratum"] == "b", "psu"] = 1
    frame.loc[frame["stratum"] == "b", "n_psu"] = 1
    census = SurveyDesign.from_frame(
        frame, weights="w", strata="stratum", psu="psu", nest=True, fpc="n_psu"
    )
    only_a = SurveyDesign.from_frame(
        frame[frame["stratum"] == "a"], weights="w", strata="stratum", psu="psu", fpc="n_psu"
    )
    assert total(census, "y")[0].se == pytest.approx(total(only_a, "y")[0].se, rel=1e-12)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([5, 5, 5, 5, 0.5, 0.5, 0.5, 0.5], "mixes population sizes"),
        ([5, 5, 5, 6, 4, 4, 4, 4], "varies within stratum a"),
        ([1.5, 1.5, 1.5, 1.5, 4, 4, 4, 4], "has 1.5 PSUs in the population but 2 were sampled"),
        ([0, 0, 0, 0, 4, 4, 4, 4], "≤ 0"),
    ],
)
def test_inconsistent_fpc_is_refused(values: list[float], message: str) -> None:
    frame = _frame().assign(n_psu=values)
    with pytest.raises(FpcError, match=message):
        SurveyDesign.from_frame(
            frame, weights="w", strata="stratum", psu="psu", nest=True, fpc="n_psu"
        )


def test_fpc_as_population_size_or_sampling_fraction_is_the_same_design() -> None:
    frame = _frame()
    frame["fraction"] = np.where(frame["stratum"] == "a", 2 / 5, 2 / 4)
    sizes = SurveyDesign.from_frame(
        frame, weights="w", strata="stratum", psu="psu", nest=True, fpc="n_psu"
    )
    fractions = SurveyDesign.from_frame(
        frame, weights="w", strata="stratum", psu="psu", nest=True, fpc="fraction"
    )
    np.testing.assert_allclose(sizes.structure.fpc_factor, [3 / 5, 2 / 4])
    np.testing.assert_allclose(fractions.structure.fpc_factor, sizes.structure.fpc_factor)


def test_probabilities_are_inverse_weights() -> None:
    frame = _frame().assign(p=lambda f: 1.0 / f["w"])
    by_weight = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu", nest=True)
    by_prob = SurveyDesign.from_frame(frame, probs="p", strata="stratum", psu="psu", nest=True)
    a, b = mean(by_weight, "y")[0], mean(by_prob, "y")[0]
    assert a.estimate == pytest.approx(b.estimate, rel=1e-14)
    assert a.se == pytest.approx(b.se, rel=1e-12)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"w": [0.0, 12, 8, 9, 20, 22, 18, 21]}, "values ≤ 0"),
        ({"w": [np.nan, 12, 8, 9, 20, 22, 18, 21]}, "missing or infinite"),
        ({"stratum": ["a", None, "a", "a", "b", "b", "b", "b"]}, "missing values"),
        ({"w": list("abcdefgh")}, "must be numeric"),
    ],
)
def test_bad_weights_or_strata_are_refused(change: dict[str, list[object]], message: str) -> None:
    frame = _frame().assign(**change)
    with pytest.raises(DesignError, match=message):
        SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu", nest=True)


def test_weights_and_probs_are_exclusive_and_one_is_required() -> None:
    frame = _frame().assign(p=0.1)
    with pytest.raises(DesignError, match="exactly one"):
        SurveyDesign.from_frame(frame, weights="w", probs="p")
    with pytest.raises(DesignError, match="exactly one"):
        SurveyDesign.from_frame(frame)


def test_a_single_psu_without_strata_has_no_variance_and_is_refused() -> None:
    with pytest.raises(DesignError, match="only one primary sampling unit"):
        SurveyDesign.from_frame(_frame().assign(psu=1), weights="w", psu="psu")


def test_unknown_lonely_policy_is_refused() -> None:
    with pytest.raises(DesignError, match="unknown lonely_psu"):
        SurveyDesign.from_frame(_frame(), weights="w", lonely_psu="ignore")  # type: ignore[arg-type]


class _Trace:
    method = "linear"

    def __init__(self, initial: np.ndarray) -> None:
        self.initial_weights = initial
        self.calibrated_weights = initial * 2

    def adjust_influence(self, influence: np.ndarray) -> np.ndarray:
        return influence


class _Result:
    def __init__(self, initial: np.ndarray) -> None:
        self.trace = _Trace(initial)


def test_calibrating_from_other_weights_is_refused() -> None:
    design = SurveyDesign.from_frame(_frame(), weights="w")
    with pytest.raises(CalibrationMismatchError, match="did not start from"):
        design.calibrated(_Result(design.weights + 1.0))  # type: ignore[arg-type]
    calibrated = design.calibrated(_Result(design.weights.copy()))  # type: ignore[arg-type]
    np.testing.assert_allclose(calibrated.weights, design.weights * 2)
    assert len(calibrated.traces) == 1 and design.traces == ()


def test_trimmed_weights_replace_the_weights_and_keep_the_traces() -> None:
    design = SurveyDesign.from_frame(_frame(), weights="w")
    calibrated = design.calibrated(_Result(design.weights.copy()))  # type: ignore[arg-type]
    trimmed = calibrated.trimmed(calibrated.weights[::-1])
    np.testing.assert_array_equal(trimmed.weights, calibrated.weights[::-1])
    assert trimmed.traces == calibrated.traces
    with pytest.raises(CalibrationMismatchError, match="another number of respondents"):
        calibrated.trimmed(calibrated.weights[1:])
    zero = calibrated.weights.copy()
    zero[2] = 0.0
    with pytest.raises(DesignError, match=r"not positive in 1 rows \(rows 2\)"):
        calibrated.trimmed(zero)
