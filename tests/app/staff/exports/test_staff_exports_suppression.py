"""Small-cell suppression on its own: cells counted beforehand decide, a missing value is a
cell like any other, groupings add up, and impossible rules are refused."""

from __future__ import annotations

import pyarrow as pa
import pytest

from survey_app.export.suppression import (
    SuppressionAction,
    SuppressionRule,
    SuppressionRuleError,
    Suppressor,
)

TABLE = pa.table(
    {
        "unit": ["a", "a", "a", "b", "b", None],
        "respondent_group": ["citizen", "citizen", "leader", "citizen", "leader", "citizen"],
        "mode": ["web", "web", "web", "paper", "web", "web"],
        "answer": ["1", "2", "3", "4", "5", "6"],
    }
)
UNIT_GROUP = ("unit", "respondent_group")
MODE = ("mode",)


def counts(
    table: pa.Table, *groupings: tuple[str, ...]
) -> dict[tuple[str, ...], dict[tuple[str | None, ...], int]]:
    """Cell sizes of ``table`` per grouping (what the database would count)."""
    result: dict[tuple[str, ...], dict[tuple[str | None, ...], int]] = {}
    for grouping in groupings:
        cells: dict[tuple[str | None, ...], int] = {}
        for key in zip(*(table.column(name).to_pylist() for name in grouping), strict=True):
            cells[key] = cells.get(key, 0) + 1
        result[grouping] = cells
    return result


def test_dropping_leaves_out_every_row_of_a_small_cell_in_any_grouping() -> None:
    """k = 2: single cells of unit × group (a-leader, b-citizen, b-leader, none-citizen) and of
    mode (paper) go; counted once per chunk, the outcome adds up over chunks."""
    rule = SuppressionRule(k=2, groupings=(UNIT_GROUP, MODE))
    suppressor = Suppressor(rule, counts(TABLE, UNIT_GROUP, MODE))
    first = suppressor.apply(TABLE.slice(0, 3))
    second = suppressor.apply(TABLE.slice(3))
    assert first.column("answer").to_pylist() == ["1", "2"]
    assert second.num_rows == 0
    outcome = suppressor.outcome.to_json()
    assert outcome["rows_dropped"] == 4
    assert outcome["by_grouping"] == [
        {"columns": ["unit", "respondent_group"], "small_cells": 4, "rows": 4},
        {"columns": ["mode"], "small_cells": 1, "rows": 1},
    ]


def test_blanking_empties_only_the_columns_of_the_groupings_a_row_is_small_in() -> None:
    """Row 4 (b, citizen, paper) is small in both groupings: unit, group and mode emptied; the
    answers are kept everywhere."""
    rule = SuppressionRule(k=2, groupings=(UNIT_GROUP, MODE), action=SuppressionAction.BLANK)
    suppressor = Suppressor(rule, counts(TABLE, UNIT_GROUP, MODE))
    result = suppressor.apply(TABLE)
    assert result.column("answer").to_pylist() == TABLE.column("answer").to_pylist()
    assert result.column("unit").to_pylist() == ["a", "a", None, None, None, None]
    assert result.column("mode").to_pylist() == ["web", "web", "web", None, "web", "web"]
    assert result.schema == TABLE.schema
    assert suppressor.outcome.rows_blanked == 4


@pytest.mark.parametrize(
    ("k", "groupings"),
    [(1, (UNIT_GROUP,)), (5, ()), (5, (("unit", "answer"),)), (5, (("unit", "unit"),))],
)
def test_a_rule_that_cannot_work_is_refused(k: int, groupings: tuple[tuple[str, ...], ...]) -> None:
    """k below 2, no grouping, a column that is not a fixed one, a column twice."""
    with pytest.raises(SuppressionRuleError):
        SuppressionRule(k=k, groupings=groupings)


def test_a_rule_survives_its_json() -> None:
    """Stored in an export's filters and read back unchanged."""
    rule = SuppressionRule(k=7, groupings=(UNIT_GROUP, MODE), action=SuppressionAction.BLANK)
    assert SuppressionRule.from_json(rule.to_json()) == rule
