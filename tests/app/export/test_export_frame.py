"""Records → the typed frame, without Flask or a database: dtypes, values, empty cells for
hidden items, multiple choice and its indicators, special codes, and refused answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from export_helpers import ANSWERS_A, ANSWERS_B, ANSWERS_C, ANSWERS_D, CHANNELS, form

from questionnaires.loader import Questionnaire
from survey_app.export.errors import AnswerError, StoredDefinitionError
from survey_app.export.frame import build_frame, empty_frame
from survey_app.export.layout import ExportLayout, build_layout
from survey_app.export.records import ResponseRecord
from survey_app.export.spss_names import spss_names
from survey_app.export.writers import WriterOptions
from survey_app.export.writers.parquet_writer import ParquetWriter


def _record(
    questionnaire: Questionnaire, answers: dict[str, Any], response_id: str, **fields: Any
) -> ResponseRecord:
    values: dict[str, Any] = {
        "response_id": response_id,
        "round": "r2023",
        "unit": "home_affairs",
        "respondent_group": questionnaire.respondent_group,
        "mode": "web",
        "stratum": "hue",
        "cluster": None,
        "questionnaire_id": questionnaire.id,
        "questionnaire_version": questionnaire.version,
        "questionnaire_hash": questionnaire.content_hash,
        "submitted_on": date(2023, 5, 1),
        "answers": answers,
        "paradata": {"duration_seconds": 90.25, "device": "tablet"},
    }
    values.update(fields)
    return ResponseRecord(**values)


@pytest.fixture(scope="module")
def versions() -> tuple[Questionnaire, Questionnaire, Questionnaire]:
    """export_survey versions 1 and 2 and other_survey."""
    return form("export_survey_v1"), form("export_survey_v2"), form("other_survey")


@pytest.fixture(scope="module")
def layout(versions: tuple[Questionnaire, Questionnaire, Questionnaire]) -> ExportLayout:
    """The layout of all three versions."""
    return build_layout(list(versions))


@pytest.fixture(scope="module")
def frame(
    versions: tuple[Questionnaire, Questionnaire, Questionnaire], layout: ExportLayout
) -> pd.DataFrame:
    """Four responses over the three versions."""
    v1, v2, other = versions
    records = [
        _record(v1, ANSWERS_A, "a"),
        _record(v1, ANSWERS_B, "b", mode="paper", paradata={}, form_serial="HUE-000123"),
        _record(other, ANSWERS_C, "c", unit=None),
        _record(v2, ANSWERS_D, "d", submitted_on=date(2024, 6, 1)),
    ]
    return build_frame(records, layout)


def _column(frame: pd.DataFrame, name: str) -> list[object]:
    """A column's values with nulls as None."""
    return [None if pd.isna(value) else value for value in frame[name].tolist()]


def test_columns_and_dtypes_follow_the_layout(frame: pd.DataFrame, layout: ExportLayout) -> None:
    """One column per layout column, each an Arrow-backed dtype of the layout's type."""
    assert tuple(frame.columns) == layout.names
    for field in layout.schema:
        assert frame[field.name].dtype == pd.ArrowDtype(field.type), field.name
    assert frame["staff_polite"].dtype == pd.ArrowDtype(pa.int64())
    assert frame["submitted_on"].dtype == pd.ArrowDtype(pa.date32())


def test_fixed_fields_come_from_the_record_and_its_paradata(frame: pd.DataFrame) -> None:
    """Sampling fields, version and paradata fill the leading columns."""
    assert _column(frame, "response_id") == ["a", "b", "c", "d"]
    assert _column(frame, "unit") == ["home_affairs", "home_affairs", None, "home_affairs"]
    assert _column(frame, "mode") == ["web", "paper", "web", "web"]
    assert _column(frame, "questionnaire_version") == ["1", "1", "2024.1", "2"]
    assert _column(frame, "duration_seconds") == [90.25, None, 90.25, 90.25]
    assert _column(frame, "device") == ["tablet", None, "tablet", "tablet"]
    assert _column(frame, "submitted_on")[3] == date(2024, 6, 1)
    assert _column(frame, "form_serial") == [None, "HUE-000123", None, None]


def test_choice_codes_keep_special_answers_as_codes(frame: pd.DataFrame) -> None:
    """Integer codes as integers (don't know 9 included); text codes as text (na included)."""
    assert _column(frame, "staff_polite") == [4, 9, None, 5]
    assert _column(frame, "result_ok") == ["yes", "na", None, None]
    assert _column(frame, "sex") == ["female", "male", "female", "male"]


def test_hidden_and_unasked_items_are_empty(frame: pd.DataFrame) -> None:
    """A skipped item, and an item the response's version does not have, are null."""
    assert _column(frame, "pregnant_visits") == [2, None, None, None]
    assert _column(frame, "district") == [None, None, None, "a_luoi"]


def test_multiple_choice_joins_codes_and_fills_indicators(frame: pd.DataFrame) -> None:
    """Chosen codes joined by ';'; 1 chosen, 0 not chosen, empty when unanswered."""
    assert _column(frame, CHANNELS) == ["web;office", "phone", None, None]
    assert _column(frame, f"{CHANNELS}__web") == [1, 0, None, None]
    assert _column(frame, f"{CHANNELS}__phone") == [0, 1, None, None]
    assert _column(frame, f"{CHANNELS}__office") == [1, 0, None, None]


def test_numbers_dates_and_text_are_typed(frame: pd.DataFrame) -> None:
    """Integers stay integers in a decimal column's values, dates are dates, text verbatim."""
    assert _column(frame, "age") == [34.0, 61.0, None, 45.5]
    assert _column(frame, "hours_waited") == [1.5, None, None, None]
    assert _column(frame, "comment")[0] == ANSWERS_A["comment"]
    assert _column(frame, "comment")[1] == "=1+1"


def test_disagreeing_versions_write_answers_out_as_text(frame: pd.DataFrame) -> None:
    """``result_on`` holds export_survey's date text and other_survey's free text."""
    assert _column(frame, "result_on") == ["2023-04-28", None, "tháng 5", None]
    assert _column(frame, "item_unit") == [None, None, "Sở Tư pháp", None]


def test_one_version_gives_a_date_column() -> None:
    """Without the disagreeing questionnaire, ``result_on`` is a real date column."""
    v1 = form("export_survey_v1")
    frame = build_frame([_record(v1, ANSWERS_A, "a")], build_layout([v1]))
    assert frame["result_on"].tolist() == [date(2023, 4, 28)]
    assert frame["age"].dtype == pd.ArrowDtype(pa.int64())


def test_an_empty_list_counts_as_unanswered() -> None:
    """A multiple-choice answer with nothing chosen is empty, not all zeros."""
    v1 = form("export_survey_v1")
    frame = build_frame([_record(v1, {CHANNELS: []}, "a")], build_layout([v1]))
    assert pd.isna(frame[CHANNELS].iloc[0])
    assert pd.isna(frame[f"{CHANNELS}__web"].iloc[0])


def test_empty_frame_has_the_typed_columns(layout: ExportLayout) -> None:
    """No rows, but every column with its dtype."""
    frame = empty_frame(layout)
    assert len(frame) == 0
    assert tuple(frame.columns) == layout.names
    assert frame["staff_polite"].dtype == pd.ArrowDtype(pa.int64())


@pytest.mark.parametrize(
    ("item", "value", "shown"),
    [
        ("staff_polite", "7", "'7'"),
        ("staff_polite", 4, "4"),
        ("sex", ["male"], "['male']"),
        (CHANNELS, ["web", "fax"], "['web', 'fax']"),
        (CHANNELS, "web", "'web'"),
        ("age", 34.5, "34.5"),
        ("age", True, "True"),
        ("hours_waited", "1.5", "'1.5'"),
        ("result_on", "2023-02-30", "'2023-02-30'"),
        ("comment", 12, "12"),
    ],
)
def test_answers_that_do_not_fit_their_item_are_refused(
    item: str, value: object, shown: str
) -> None:
    """The error names the response, its version, the value and the item."""
    v1 = form("export_survey_v1")
    good = _record(v1, {"sex": "male"}, "fine")
    bad = _record(v1, {item: value}, "broken")
    with pytest.raises(AnswerError) as raised:
        build_frame([good, bad], build_layout([v1]))
    message = str(raised.value)
    assert message.startswith("response broken (questionnaire export_survey version 1)")
    assert f"holds {shown} for item {item}" in message


def test_answers_to_items_the_version_lacks_are_refused() -> None:
    """An answer key that is no item of the response's version is a loud error."""
    v1, v2 = form("export_survey_v1"), form("export_survey_v2")
    record = _record(v2, {"sex": "male", "hours_waited": 2}, "stray")
    with pytest.raises(AnswerError, match="response stray answers items .* hours_waited"):
        build_frame([record], build_layout([v1, v2]))


def test_a_version_missing_from_the_layout_is_refused() -> None:
    """Records of a version the layout was not built from cannot be placed."""
    v1, v2 = form("export_survey_v1"), form("export_survey_v2")
    with pytest.raises(StoredDefinitionError, match=v2.content_hash):
        build_frame([_record(v2, {}, "x")], build_layout([v1]))


def test_paradata_of_the_wrong_type_is_refused() -> None:
    """A duration that is not a number names the response and the column."""
    v1 = form("export_survey_v1")
    record = replace(_record(v1, {}, "odd"), paradata={"duration_seconds": "long"})
    with pytest.raises(AnswerError, match="response odd has 'long' as duration_seconds"):
        build_frame([record], build_layout([v1]))


def test_integral_floats_are_accepted_as_integers() -> None:
    """``3.0`` stored for an integer item reads back as the integer 3."""
    v1 = form("export_survey_v1")
    frame = build_frame([_record(v1, {"age": 34.0}, "a")], build_layout([v1]))
    assert frame["age"].tolist() == [34]
    assert frame["age"].dtype == pd.ArrowDtype(pa.int64())


def test_a_frame_built_by_hand_can_be_written(
    frame: pd.DataFrame, layout: ExportLayout, tmp_path: Path
) -> None:
    """A writer takes the typed frame itself (the notebook route) and keeps its types."""
    out = tmp_path / "frame.parquet"
    writer = ParquetWriter(out, WriterOptions(layout, "vi", spss_names(layout.names), []))
    writer.write(frame)
    writer.close()
    back = pq.read_table(out)
    assert back.schema.equals(layout.schema)
    assert back.column("staff_polite").to_pylist() == [4, 9, None, 5]
