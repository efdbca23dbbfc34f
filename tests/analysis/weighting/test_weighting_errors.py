"""Loud failures: every input the engine cannot weight correctly raises a specific error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import AnalysisError
from analysis.weighting import (
    CollapseError,
    ConvergenceError,
    EmptyLevelError,
    InfeasibleBoundsError,
    InvalidArgumentError,
    InvalidMarginsError,
    InvalidWeightsError,
    Margins,
    MarginTotalsDisagreeError,
    MissingValuesError,
    UnknownLevelError,
    UnknownVariableError,
    UntargetedLevelError,
    ZeroTargetError,
    calibrate,
    poststratify,
    rake,
    trim_weights,
)


def _data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sex": ["f", "m", "f", "m", "f", "m"],
            "age": ["18-29", "30-44", "45-59", "18-29", "30-44", "45-59"],
            "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "w": [10.0, 12.0, 9.0, 11.0, 10.0, 8.0],
        },
        index=[f"r{i}" for i in range(6)],
    )


def _margins(**changes: dict[str, float]) -> pd.DataFrame:
    levels = {
        "sex": {"f": 50.0, "m": 50.0},
        "age": {"18-29": 30.0, "30-44": 30.0, "45-59": 25.0, "60+": 15.0},
    }
    levels.update(changes)
    rows = [(v, level, t) for v, targets in levels.items() for level, t in targets.items()]
    return pd.DataFrame(rows, columns=["variable", "level", "target"])


def test_every_error_is_an_analysis_error_with_code_and_hint() -> None:
    with pytest.raises(AnalysisError) as caught:
        rake(_data(), weights="w", margins=_margins())
    error = caught.value
    assert isinstance(error, EmptyLevelError)
    assert error.code == "margin_level_empty"
    assert (error.variable, error.level) == ("age", "60+")
    assert "collapse it or drop it" in str(error)
    assert error.hint and "neighbour" in error.hint


@pytest.mark.parametrize(
    ("value", "message"),
    [(np.nan, "missing or not finite"), (-1.0, "zero or negative"), (0.0, "zero or negative")],
)
def test_bad_weights_name_the_rows(value: float, message: str) -> None:
    data = _data()
    data.loc["r3", "w"] = value
    with pytest.raises(InvalidWeightsError, match=message) as caught:
        calibrate(data, weights="w", margins=_margins(age={"18-29": 40, "30-44": 30,
                                                           "45-59": 30}))
    assert "r3" in str(caught.value)


def test_weights_of_the_wrong_length_are_rejected() -> None:
    with pytest.raises(InvalidWeightsError):
        rake(_data(), weights=[1.0, 2.0], margins=_margins())


def test_unknown_weight_column_suggests_a_name() -> None:
    with pytest.raises(UnknownVariableError) as caught:
        rake(_data(), weights="ww", margins=_margins())
    assert caught.value.hint == "did you mean `w`?"


def test_missing_values_in_a_margin_variable_are_named() -> None:
    data = _data()
    data.loc["r1", "sex"] = None
    with pytest.raises(MissingValuesError) as caught:
        rake(data, weights="w", margins=_margins(age={"18-29": 40, "30-44": 30, "45-59": 30}))
    assert caught.value.variable == "sex"
    assert "r1" in str(caught.value)


def test_a_misspelt_level_is_unknown_with_a_suggestion() -> None:
    margins = _margins(sex={"F": 50.0, "m": 50.0})
    with pytest.raises(UnknownLevelError) as caught:
        rake(_data(), weights="w", margins=margins)
    assert (caught.value.variable, caught.value.level) == ("sex", "F")
    assert caught.value.hint == "did you mean `f`?"


def test_a_data_level_without_target_is_named() -> None:
    margins = _margins(age={"18-29": 40.0, "30-44": 60.0})
    with pytest.raises(UntargetedLevelError) as caught:
        rake(_data(), weights="w", margins=margins)
    assert (caught.value.variable, caught.value.level) == ("age", "45-59")


def test_a_declared_category_without_respondents_is_empty_not_unknown() -> None:
    data = _data()
    data["age"] = pd.Categorical(data["age"], categories=["18-29", "30-44", "45-59", "60+"])
    with pytest.raises(EmptyLevelError):
        rake(data, weights="w", margins=_margins())
    with pytest.raises(UnknownLevelError):
        rake(data, weights="w", margins=_margins(age={"18-29": 30, "30-44": 30, "45-59": 25,
                                                      "70+": 15}))


def test_collapsing_into_the_neighbour_is_reported_and_met() -> None:
    result = rake(_data(), weights="w", margins=_margins(), collapse={"age": "neighbour"})
    assert len(result.collapsed) == 1
    moved = result.collapsed[0]
    assert (moved.variable, moved.level, moved.into, moved.target) == ("age", "60+", "45-59", 15.0)
    older = (_data()["age"] == "45-59").to_numpy()
    assert result.weights[older].sum() == pytest.approx(40.0, rel=1e-10)
    residuals = result.margin_residuals.set_index(["variable", "level"])
    assert residuals.loc[("age", "45-59"), "target"] == 40.0


def test_collapsing_into_a_named_level() -> None:
    result = rake(_data(), weights="w", margins=_margins(), collapse={"age": {"60+": "18-29"}})
    young = (_data()["age"] == "18-29").to_numpy()
    assert result.weights[young].sum() == pytest.approx(45.0, rel=1e-10)
    assert result.collapsed[0].into == "18-29"


@pytest.mark.parametrize(
    "collapse",
    [{"age": {"60+": "90+"}}, {"agee": "neighbour"}, {"age": "nearest"}],
)
def test_impossible_collapsing_rules_are_errors(collapse: dict[str, object]) -> None:
    with pytest.raises(CollapseError):
        rake(_data(), weights="w", margins=_margins(), collapse=collapse)  # type: ignore[arg-type]


def test_a_rule_that_does_not_cover_the_empty_level_is_an_error() -> None:
    with pytest.raises(EmptyLevelError):
        rake(_data(), weights="w", margins=_margins(), collapse={"age": {"70+": "45-59"}})


def test_a_zero_target_without_respondents_is_dropped_and_listed() -> None:
    margins = _margins(age={"18-29": 40.0, "30-44": 30.0, "45-59": 30.0, "60+": 0.0})
    result = rake(_data(), weights="w", margins=margins)
    row = result.margin_residuals.set_index(["variable", "level"]).loc[("age", "60+")]
    assert (row["target"], row["achieved"]) == (0.0, 0.0)
    assert result.collapsed == ()


def test_a_zero_target_with_respondents_cannot_be_raked_but_can_be_linear() -> None:
    margins = _margins(age={"18-29": 0.0, "30-44": 50.0, "45-59": 50.0})
    with pytest.raises(ZeroTargetError) as caught:
        rake(_data(), weights="w", margins=margins)
    assert caught.value.level == "18-29"
    result = calibrate(_data(), weights="w", margins=margins)
    young = (_data()["age"] == "18-29").to_numpy()
    assert abs(result.weights[young].sum()) < 1e-9


def test_margins_whose_totals_disagree_are_named() -> None:
    margins = _margins(age={"18-29": 40.0, "30-44": 30.0, "45-59": 31.0})
    with pytest.raises(MarginTotalsDisagreeError) as caught:
        rake(_data(), weights="w", margins=margins)
    assert caught.value.variable == "age"
    assert (caught.value.expected, caught.value.got) == (100.0, 101.0)


def test_a_population_size_must_agree_with_the_margins() -> None:
    margins = _margins(age={"18-29": 40.0, "30-44": 30.0, "45-59": 30.0})
    with pytest.raises(MarginTotalsDisagreeError):
        calibrate(_data(), weights="w", margins=margins, population_size=90.0)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"variable": ["sex"], "target": [1.0]}), "lacks column"),
        (pd.DataFrame({"variable": ["sex", "sex"], "level": ["f", "f"], "target": [1, 2]}),
         "more than once"),
        (pd.DataFrame({"variable": ["sex"], "level": ["f"], "target": [-1.0]}), "negative"),
        (pd.DataFrame({"variable": ["sex"], "level": ["f"], "target": ["many"]}),
         "no numeric target"),
        (pd.DataFrame({"variable": ["x", "x"], "level": [None, "1"], "target": [1.0, 2.0]}),
         "mixes a numeric total"),
        (pd.DataFrame({"variable": [None], "level": ["f"], "target": [1.0]}), "without a variable"),
        (pd.DataFrame({"variable": [], "level": [], "target": []}), "empty"),
    ],
)
def test_malformed_margins_tables(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(InvalidMarginsError, match=message):
        Margins.from_frame(frame)


def test_numeric_totals_need_a_numeric_complete_column() -> None:
    data = _data()
    with pytest.raises(InvalidMarginsError, match="not numeric"):
        calibrate(data, weights="w", margins=pd.DataFrame(
            {"variable": ["sex"], "level": [None], "target": [3.0]}))
    data.loc["r2", "x"] = np.nan
    with pytest.raises(MissingValuesError) as caught:
        calibrate(data, weights="w", margins=pd.DataFrame(
            {"variable": ["x"], "level": [None], "target": [300.0]}))
    assert caught.value.variable == "x"


def test_raking_refuses_numeric_totals() -> None:
    margins = pd.DataFrame({"variable": ["x"], "level": [None], "target": [300.0]})
    with pytest.raises(InvalidMarginsError, match="calibrate"):
        rake(_data(), weights="w", margins=margins)


def test_non_convergence_carries_the_history() -> None:
    margins = _margins(sex={"f": 90.0, "m": 10.0},
                       age={"18-29": 40.0, "30-44": 30.0, "45-59": 30.0})
    with pytest.raises(ConvergenceError) as caught:
        calibrate(_data(), weights="w", margins=margins, method="logit", bounds=(0.5, 1.5),
                  max_iterations=8)
    history = caught.value.history
    assert 1 <= len(history) <= 8
    assert caught.value.got == history[-1] > caught.value.expected
    assert all(np.isfinite(history))


def test_raking_to_margins_the_sample_cannot_meet_does_not_converge() -> None:
    """Every woman is urban and every man rural, so sex and area margins must match."""
    data = pd.DataFrame({"sex": ["f", "f", "m", "m"], "area": ["u", "u", "r", "r"],
                         "w": [1.0, 1.0, 1.0, 1.0]})
    margins = pd.DataFrame({"variable": ["sex", "sex", "area", "area"],
                            "level": ["f", "m", "u", "r"], "target": [60.0, 40.0, 30.0, 70.0]})
    with pytest.raises(ConvergenceError) as caught:
        rake(data, weights="w", margins=margins, max_iterations=25)
    assert len(caught.value.history) == 25
    assert caught.value.history[-1] > 0.1


@pytest.mark.parametrize(
    ("method", "bounds"),
    [("logit", (-np.inf, np.inf)), ("linear", (1.2, 2.0)), ("linear", (0.5, 0.9)),
     ("probit", (0.5, 2.0))],
)
def test_invalid_methods_and_bounds(method: str, bounds: tuple[float, float]) -> None:
    with pytest.raises(InvalidArgumentError):
        calibrate(_data(), weights="w", margins=_margins(), method=method,  # type: ignore[arg-type]
                  bounds=bounds)


@pytest.mark.parametrize(("tolerance", "iterations"), [(0.0, 10), (1.5, 10), (1e-8, 0)])
def test_invalid_tolerances(tolerance: float, iterations: int) -> None:
    with pytest.raises(InvalidArgumentError):
        rake(_data(), weights="w", margins=_margins(), tolerance=tolerance,
             max_iterations=iterations)


def _cells(**targets: float) -> pd.DataFrame:
    return pd.DataFrame({"sex": list(targets), "target": list(targets.values())})


def test_poststratification_cell_errors() -> None:
    data = _data()
    with pytest.raises(UntargetedLevelError):
        poststratify(data, weights="w", by="sex", population=_cells(f=10.0))
    with pytest.raises(EmptyLevelError) as caught:
        poststratify(data, weights="w", by="sex", population=_cells(f=10.0, m=5.0, x=3.0))
    assert caught.value.level == "x"
    with pytest.raises(ZeroTargetError):
        poststratify(data, weights="w", by="sex", population=_cells(f=10.0, m=0.0))
    duplicated = pd.DataFrame({"sex": ["f", "f", "m"], "target": [1.0, 2.0, 3.0]})
    with pytest.raises(InvalidMarginsError, match="more than once"):
        poststratify(data, weights="w", by="sex", population=duplicated)
    with pytest.raises(InvalidMarginsError, match="lacks column"):
        poststratify(data, weights="w", by="sex", population=_cells(f=1.0, m=2.0),
                     count="Freq")


def test_poststratification_matches_integer_cells_as_strings() -> None:
    data = pd.DataFrame({"group": [1, 2, 2], "w": [1.0, 1.0, 1.0]})
    population = pd.DataFrame({"group": ["1", "2"], "target": [5.0, 8.0]})
    result = poststratify(data, weights="w", by="group", population=population)
    assert result.weights.tolist() == [5.0, 4.0, 4.0]


def test_trimming_errors() -> None:
    with pytest.raises(InfeasibleBoundsError):
        trim_weights([1.0, 2.0, 3.0], upper=1.5)
    with pytest.raises(InvalidArgumentError):
        trim_weights([1.0, 2.0, 3.0], lower=3.0, upper=1.0)
    with pytest.raises(InvalidWeightsError):
        trim_weights([1.0, -2.0, 3.0], upper=2.5)
