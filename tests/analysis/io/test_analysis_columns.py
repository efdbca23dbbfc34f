"""Columns read without pandas: the values of a frame, and the same answers by both routes."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.columns import Columns, Text, factorize, floats, kind
from analysis.design import DesignError, SurveyDesign
from analysis.estimation import mean, proportion, quantile, ratio, total
from analysis.io import read_columns, read_frame
from analysis.weighting import EmptyLevelError, Margins, MissingValuesError, rake

ROOT = Path(__file__).resolve().parents[3]
GENERATED = ROOT / "tests" / "reference" / "data" / "generated.csv"
MARGINS = ROOT / "tests" / "reference" / "estimation" / "margins_gen_sex_age_area.csv"
DESIGN = {"weights": "weight", "strata": "stratum", "psu": "psu", "fpc": "fpc_psu"}


def test_read_columns_holds_what_read_frame_reads(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("area,y,n,ok\nurban,1.5,1,true\nrural,,2,false\n,3,,true\nurban,4,4,false\n")
    columns = read_columns(path)
    frame = read_frame(path)
    area = columns.columns["area"]
    assert isinstance(area, Text)
    assert area.labels == ("rural", "urban") == tuple(frame["area"].cat.categories)
    assert area.codes.tolist() == [1, 0, -1, 1] == frame["area"].cat.codes.tolist()
    np.testing.assert_array_equal(floats(columns, "y"), [1.5, math.nan, 3.0, 4.0])
    np.testing.assert_array_equal(floats(columns, "n"), frame["n"].to_numpy())
    assert [kind(columns, c) for c in ("area", "y", "n", "ok")] == [
        kind(frame, c) for c in ("area", "y", "n", "ok")
    ] == ["text", "number", "number", "boolean"]
    assert factorize(columns, "ok", sort=True)[0].tolist() == [1, 0, 1, 0]
    pd.testing.assert_frame_equal(
        columns.to_frame(), frame.assign(area=frame["area"].cat.set_categories(["rural", "urban"]))
    )


def test_many_blocks_with_missing_values_read_alike(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    n = 200_000
    text = rng.choice(np.array(["b", "a", "c", ""], dtype=object), n)
    counts = rng.integers(0, 9, n).astype(object)
    counts[rng.random(n) < 0.01] = ""
    path = tmp_path / "big.csv"
    pd.DataFrame({"t": text, "k": counts, "x": rng.normal(size=n)}).to_csv(path, index=False)
    columns, frame = read_columns(path), read_frame(path)
    t = columns.columns["t"]
    assert isinstance(t, Text) and t.labels == ("a", "b", "c")
    np.testing.assert_array_equal(t.codes, frame["t"].cat.codes.to_numpy())
    np.testing.assert_array_equal(floats(columns, "k"), frame["k"].to_numpy(dtype=float))
    np.testing.assert_array_equal(floats(columns, "x"), frame["x"].to_numpy())


def test_parquet_dictionaries_keep_only_observed_sorted_values(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    group = pd.Categorical(["b", "a", None, "b"], categories=["z", "b", "a"])
    pd.DataFrame({"group": group, "x": [1, 2, 3, 4]}).to_parquet(path)
    column = read_columns(path, columns=["group"]).columns["group"]
    assert isinstance(column, Text)
    assert column.labels == ("a", "b") and column.codes.tolist() == [1, 0, -1, 1]


def _designs() -> tuple[SurveyDesign, SurveyDesign]:
    margins = read_frame(MARGINS, text_columns=("level",))
    designs = []
    for data in (read_frame(GENERATED), read_columns(GENERATED)):
        design = SurveyDesign.from_frame(data, **DESIGN, lonely_psu="adjust")
        designs.append(design.calibrated(rake(data, weights=design.weights, margins=margins)))
    return designs[0], designs[1]


def test_frame_and_columns_give_the_same_estimates() -> None:
    from_frame, from_columns = _designs()
    assert isinstance(from_columns.data, Columns)
    for estimate in (
        lambda d: mean(d, ["q1", "score"], by="area"),
        lambda d: total(d, "income", by="sex"),
        lambda d: ratio(d, "income", "score", by="age"),
        lambda d: proportion(d, "sex", "female", by="area"),
        lambda d: proportion(d, "q1", 5),
        lambda d: quantile(d, "score", [0.25, 0.5], by="area"),
    ):
        for a, b in zip(estimate(from_frame), estimate(from_columns), strict=True):
            assert (a.variable, a.domain, a.n) == (b.variable, b.domain, b.n)
            assert b.estimate == pytest.approx(a.estimate, rel=1e-12)
            assert b.se == pytest.approx(a.se, rel=1e-12)
            assert b.deff == pytest.approx(a.deff, rel=1e-12, nan_ok=True)
    assert from_columns.frame["sex"].tolist() == from_frame.frame["sex"].tolist()


def test_margins_parse_alike_from_a_frame_and_from_columns() -> None:
    from_frame = Margins.from_frame(read_frame(MARGINS, text_columns=("level",)))
    assert Margins.from_frame(read_columns(MARGINS, text_columns=("level",))) == from_frame


def test_columns_errors_name_positions(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("h,p,w,sex\nA,1,1,f\n,2,1,m\nB,3,1,\nB,4,1,f\n")
    data = read_columns(path)
    with pytest.raises(DesignError, match=r"strata column `h` has 1 missing values \(rows 1\)"):
        SurveyDesign.from_frame(data, weights="w", strata="h", psu="p")
    margins = pd.DataFrame({"variable": ["sex"] * 3, "level": ["f", "m", "x"], "target": [5, 5, 1]})
    with pytest.raises(MissingValuesError, match="missing values in 1 rows: 2"):
        rake(data, weights="w", margins=margins)
    sex = Text(codes=np.array([0, 1, 0]), labels=("f", "m"))
    complete = Columns(rows=3, columns={"w": np.ones(3), "sex": sex})
    with pytest.raises(EmptyLevelError, match="level `x` has no respondents"):
        rake(complete, weights="w", margins=margins)
