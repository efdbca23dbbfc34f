"""Design weights from a frame and non-response adjustment within classes, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.weighting import (
    FrameMismatchError,
    InvalidArgumentError,
    InvalidMarginsError,
    MissingValuesError,
    NoRespondentsError,
    adjust_nonresponse,
    design_weights,
)


def _sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": ["A", "A", "A", "B", "B", "C"],
            "group": ["leader", "citizen", "citizen", "citizen", "citizen", "leader"],
            "responded": [True, True, False, True, False, False],
        }
    )


def test_weights_are_frame_count_over_sample_count() -> None:
    frame = pd.DataFrame({"unit": ["A", "B", "C"], "population": [30, 10, 7]})
    result = design_weights(_sample(), strata="unit", frame=frame)
    np.testing.assert_allclose(result.weights, [10, 10, 10, 5, 5, 7])
    assert result.unsampled == ()
    assert result.strata["sampled"].tolist() == [3, 2, 1]


def test_strata_may_combine_columns_and_frame_strata_may_be_unsampled() -> None:
    frame = pd.DataFrame(
        {
            "unit": ["A", "A", "B", "B", "C", "C"],
            "group": ["leader", "citizen"] * 3,
            "N": [4, 40, 3, 20, 2, 50],
        }
    )
    result = design_weights(_sample(), strata=["unit", "group"], frame=frame, population="N")
    np.testing.assert_allclose(result.weights, [4, 20, 20, 10, 10, 2])
    assert result.unsampled == ("B:leader", "C:citizen")
    unsampled = result.strata[result.strata["sampled"] == 0]
    assert unsampled["weight"].isna().all()
    assert result.weights.sum() == pytest.approx(4 + 40 + 20 + 2)


def test_a_sampled_stratum_missing_from_the_frame_is_named() -> None:
    frame = pd.DataFrame({"unit": ["A", "B"], "population": [30, 10]})
    with pytest.raises(FrameMismatchError) as caught:
        design_weights(_sample(), strata="unit", frame=frame)
    assert caught.value.level == "C"


def test_more_sampled_units_than_the_frame_holds_is_an_error() -> None:
    frame = pd.DataFrame({"unit": ["A", "B", "C"], "population": [2, 10, 7]})
    with pytest.raises(FrameMismatchError, match="3 sampled units"):
        design_weights(_sample(), strata="unit", frame=frame)


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"unit": ["A", "B", "C"], "population": [30, 0, 7]}),
        pd.DataFrame({"unit": ["A", "A", "B", "C"], "population": [30, 3, 10, 7]}),
        pd.DataFrame({"unit": ["A", None, "C"], "population": [30, 3, 7]}),
    ],
)
def test_malformed_frames(frame: pd.DataFrame) -> None:
    with pytest.raises(InvalidMarginsError):
        design_weights(_sample(), strata="unit", frame=frame)


def test_missing_strata_in_the_sample() -> None:
    sample = _sample()
    sample.loc[2, "unit"] = None
    frame = pd.DataFrame({"unit": ["A", "B", "C"], "population": [30, 10, 7]})
    with pytest.raises(MissingValuesError):
        design_weights(sample, strata="unit", frame=frame)


def test_respondents_carry_the_weight_of_their_class() -> None:
    sample = _sample()
    weights = np.array([10.0, 10.0, 30.0, 5.0, 5.0, 7.0])
    sample["group"] = ["x", "x", "x", "y", "y", "y"]
    result = adjust_nonresponse(sample, weights=weights, responded="responded", classes="group")
    np.testing.assert_allclose(result.weights, [25.0, 25.0, 0.0, 17.0, 0.0, 0.0])
    assert result.weights.sum() == pytest.approx(weights.sum())
    assert result.respondents.tolist() == sample["responded"].tolist()
    table = result.classes.set_index("class")
    assert table.loc["x", "factor"] == pytest.approx(50.0 / 20.0)
    assert table.loc["y", "respondents"] == 1


def test_response_may_be_coded_zero_one() -> None:
    sample = _sample().assign(responded=[1, 1, 0, 1, 0, 1])
    result = adjust_nonresponse(sample, weights=np.ones(6), responded="responded", classes="unit")
    np.testing.assert_allclose(result.weights, [1.5, 1.5, 0.0, 2.0, 0.0, 1.0])


def test_a_class_without_respondents_is_named() -> None:
    with pytest.raises(NoRespondentsError) as caught:
        adjust_nonresponse(_sample(), weights=np.ones(6), responded="responded",
                           classes=["unit", "group"])
    assert caught.value.level == "C:leader"
    assert caught.value.variable == "unit:group"


@pytest.mark.parametrize("responded", [["yes", "no", "yes", "no", "yes", "no"],
                                       [True, None, True, False, True, False]])
def test_response_indicator_must_be_boolean_and_complete(responded: list[object]) -> None:
    sample = _sample().assign(responded=responded)
    with pytest.raises((InvalidArgumentError, MissingValuesError)):
        adjust_nonresponse(sample, weights=np.ones(6), responded="responded", classes="unit")
