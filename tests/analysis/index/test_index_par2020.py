"""The published PAR Index 2020 provincial table, reproduced from its components.

The index is a plain sum of points (maximum 100); ranks are competition ranks of the index.
The published components are rounded to two decimals, so their sum may differ from the
published index by up to 0.01 (Quảng Ninh: 91.05 against 91.04; Phú Thọ: 85.73 against 85.74).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.index.compute import compute_index
from questionnaires.scheme import load_scheme

DATA = Path(__file__).parent / "data"


def points(table: pd.DataFrame, column: str, criterion: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"unit": table["province"], "criterion": criterion, "points": table[column]}
    )


def test_index_and_rank_of_the_published_2020_table() -> None:
    table = pd.read_csv(DATA / "par2020_provinces_top10.csv")
    scheme = load_scheme(DATA / "par2020_components.yaml")
    result = compute_index(
        scheme,
        year=2020,
        units=table["province"].tolist(),
        appraised=points(table, "appraised", "2.1"),
        survey=pd.concat([points(table, "leaders_survey", "1.1"), points(table, "sipas", "8.1.1")]),
        statistics=points(table, "socioeconomic_impact", "8.2"),
    )
    units = result.units.set_index("unit").loc[table["province"]]
    assert units["index"].to_numpy() == pytest.approx(table["index"].to_numpy(), abs=0.0100001)
    assert units["rank"].tolist() == table["rank"].tolist()
    assert units["band"].tolist() == ["A", "A"] + ["B"] * 8
    # the field sub-indices are the components over their maxima
    nodes = result.nodes.set_index(["unit", "code"])
    assert nodes.loc[("Quảng Ninh", "8.1"), "sub_index"] == pytest.approx(95.6)
    assert nodes.loc[("Hải Phòng", "2"), "sub_index"] == pytest.approx(58.71 / 62 * 100)
