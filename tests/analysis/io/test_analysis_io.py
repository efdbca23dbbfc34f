"""Reading respondent files: formats, missing cells, text columns, errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.design import MissingColumnError
from analysis.io import DataFileError, read_frame, write_frame


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_text_columns_become_sorted_categories_and_empty_cells_missing(tmp_path: Path) -> None:
    path = _write(tmp_path, "area,age,y\nurban,60+,1\nrural,18-29,\n,30-44,3\nurban,18-29,4\n")
    frame = read_frame(path)
    assert list(frame["area"].cat.categories) == ["rural", "urban"]
    assert list(frame["age"].cat.categories) == ["18-29", "30-44", "60+"]
    assert frame["area"].isna().tolist() == [False, False, True, False]
    assert frame["y"].isna().tolist() == [False, True, False, False]
    assert frame["area"].astype(str).tolist()[:2] == ["urban", "rural"]


def test_text_columns_stay_text_even_when_numeric_looking(tmp_path: Path) -> None:
    path = _write(tmp_path, "variable,level,target\nq1,1,10\nq1,2,20\n")
    frame = read_frame(path, text_columns=("level",))
    assert frame["level"].tolist() == ["1", "2"]


def test_only_requested_columns_are_read_and_absent_ones_are_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "a,b,c\n1,2,3\n")
    assert list(read_frame(path, columns=["c", "a"]).columns) == ["c", "a"]
    with pytest.raises(MissingColumnError, match="`d` is not in .*available columns: a, b, c"):
        read_frame(path, columns=["a", "d"])


def test_parquet_round_trip(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": [1.0, 2.5], "g": ["a", "b"]})
    path = tmp_path / "data.parquet"
    write_frame(frame, path)
    back = read_frame(path, columns=["x"])
    assert back["x"].tolist() == [1.0, 2.5]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("data.xlsx", "", "cannot tell the format"),
        ("missing.csv", None, "does not exist"),
        ("bad.parquet", "not parquet", "cannot read"),
    ],
)
def test_unreadable_inputs_raise_data_file_errors(
    tmp_path: Path, name: str, content: str | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(DataFileError, match=message):
        read_frame(path)
