"""The export layout: column order merged across versions, kinds by item type, merged choice
lists, renamed and clashing names, and notes on disagreeing versions."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from export_helpers import CHANNELS, form

from questionnaires.loader import load_questionnaire
from questionnaires.model import Choice, Text
from survey_app.export.errors import ColumnNameError
from survey_app.export.layout import (
    FIXED_COLUMNS,
    ColumnKind,
    build_layout,
    is_integer_coded,
    merged_item_order,
)

FIXED = [column.name for column in FIXED_COLUMNS]


def _choice(code: str) -> Choice:
    return Choice(code=code, label=Text(vi=code, en=code))


def test_fixed_columns_lead_in_the_documented_order() -> None:
    """Every export starts with the response, sampling and version fields."""
    assert FIXED == [
        "response_id",
        "round",
        "unit",
        "respondent_group",
        "mode",
        "stratum",
        "cluster",
        "questionnaire_id",
        "questionnaire_version",
        "questionnaire_hash",
        "submitted_on",
        "duration_seconds",
        "device",
        "form_serial",
    ]
    assert build_layout([]).names == tuple(FIXED)


def test_one_version_keeps_form_order_with_indicators_after_their_item() -> None:
    """Items follow the form; each multiple-choice column is followed by one per choice."""
    layout = build_layout([form("export_survey_v1")])
    assert layout.names[len(FIXED) :] == (
        "sex",
        "pregnant_visits",
        "age",
        "to",
        "staff_polite",
        "result_ok",
        CHANNELS,
        f"{CHANNELS}__web",
        f"{CHANNELS}__phone",
        f"{CHANNELS}__office",
        "hours_waited",
        "result_on",
        "comment",
    )
    assert layout.notes == ()


def test_kinds_follow_item_types() -> None:
    """Integer codes become integers, other codes text; numbers, dates and text typed."""
    layout = build_layout([form("export_survey_v1")])
    kinds = {column.name: column.kind for column in layout.columns}
    assert kinds["sex"] is ColumnKind.CODE
    assert kinds["staff_polite"] is ColumnKind.CODED_INTEGER
    assert kinds["result_ok"] is ColumnKind.CODE
    assert kinds[CHANNELS] is ColumnKind.CHOICES
    assert kinds[f"{CHANNELS}__web"] is ColumnKind.INDICATOR
    assert kinds["age"] is ColumnKind.INTEGER
    assert kinds["hours_waited"] is ColumnKind.DECIMAL
    assert kinds["result_on"] is ColumnKind.DATE
    assert kinds["comment"] is ColumnKind.TEXT
    assert kinds["submitted_on"] is ColumnKind.DATE
    types = {field.name: field.type for field in layout.schema}
    assert types["staff_polite"] == pa.int64()
    assert types[f"{CHANNELS}__web"] == pa.int8()
    assert types["result_on"] == pa.date32()


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (["1", "2", "10"], True),
        (["0", "9"], True),
        (["1", "dk"], False),
        (["01", "2"], False),
        (["1_2", "2"], False),
        (["1" * 19], False),
        ([], False),
    ],
)
def test_integer_coding_needs_every_code_to_read_back_unchanged(
    codes: list[str], expected: bool
) -> None:
    """Leading zeros, underscores, words and codes too long for int64 keep a list as text."""
    assert is_integer_coded([_choice(code) for code in codes]) is expected


def test_versions_merge_items_in_a_stable_order() -> None:
    """A new item lands after its predecessor; another questionnaire's first item before the
    first item it shares; the result does not depend on anything but the versions given."""
    versions = [form("export_survey_v1"), form("export_survey_v2"), form("other_survey")]
    order = merged_item_order(versions)
    assert order[:4] == ["unit", "sex", "district", "pregnant_visits"]
    assert order[-1] == "comment"
    assert len(order) == len(set(order))
    assert merged_item_order(versions) == order


def test_versions_merge_choice_lists_and_take_the_last_labels() -> None:
    """Codes keep their first order, a new code is appended, the newest label wins."""
    layout = build_layout([form("export_survey_v1"), form("export_survey_v2")])
    column = next(c for c in layout.columns if c.name == "staff_polite")
    assert [c.code for c in column.choices] == ["4", "3", "2", "1", "9", "5"]
    assert column.choices[0].label.en == "Strongly agree (v2)"
    assert column.label.en == "Staff were polite (v2)"
    assert [v.questionnaire_version for v in column.versions] == ["1", "2"]
    assert column.is_rating


def test_number_is_decimal_when_any_version_allows_decimals() -> None:
    """``age`` is an integer in version 1 and a decimal in version 2."""
    layout = build_layout([form("export_survey_v1"), form("export_survey_v2")])
    kinds = {column.name: column.kind for column in layout.columns}
    assert kinds["age"] is ColumnKind.DECIMAL


def test_disagreeing_versions_give_a_text_column_and_a_note() -> None:
    """A date in one questionnaire and text in another cannot share a typed column."""
    layout = build_layout([form("export_survey_v1"), form("other_survey")])
    column = next(c for c in layout.columns if c.name == "result_on")
    assert column.kind is ColumnKind.TEXT
    assert column.mixed
    assert (
        "item result_on is date in export_survey 1; short_text in other_survey 2024.1: "
        "exported as text"
    ) in layout.notes


def test_item_named_like_a_fixed_column_is_renamed_with_a_note() -> None:
    """The item ``unit`` becomes ``item_unit``; the fixed ``unit`` column stays."""
    layout = build_layout([form("other_survey")])
    assert "item_unit" in layout.names
    assert layout.names.count("unit") == 1
    renamed = next(c for c in layout.columns if c.name == "item_unit")
    assert renamed.item == "unit"
    assert "item unit is exported as column item_unit: unit is a fixed column" in layout.notes


CLASHING_FORM = """
format: 1
id: clash
version: "1"
respondent_group: citizen
title: {vi: "Trùng tên", en: "Clash"}
intro: {vi: "Thử", en: "Test"}
pages:
  - id: only
    title: {vi: "Trang", en: "Page"}
    items:
      - code: help
        type: multiple_choice
        text: {vi: "Cần hỗ trợ gì?", en: "What help?"}
        choices:
          - {code: money, label: {vi: "Tiền", en: "Money"}}
      - code: help__money
        type: short_text
        text: {vi: "Bao nhiêu?", en: "How much?"}
"""


def test_two_columns_with_one_name_are_refused(tmp_path: Path) -> None:
    """An item code equal to another item's indicator name cannot be exported."""
    path = tmp_path / "clash.yaml"
    path.write_text(CLASHING_FORM, encoding="utf-8")
    with pytest.raises(ColumnNameError, match="help__money"):
        build_layout([load_questionnaire(path)])
