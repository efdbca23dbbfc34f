"""Small-cell suppression of a responses export: a threshold k, the groupings whose cells are
checked, and what happens to the rows of a small cell.

A *grouping* is a cross of fixed columns (:data:`SUPPRESSIBLE_COLUMNS`), e.g. unit ×
respondent group; its *cells* are the combinations of values that occur. A cell is *small*
when it holds fewer than k responses (a missing value is a value like any other). Cell sizes
are counted once, over every response the export would hold before any suppression
(``counts``, given by the caller, who can count in the database), so the result does not
depend on the order of the groupings or of the rows. Then, row by row:

* ``drop``: a row in a small cell of any grouping is left out of the export;
* ``blank``: for each grouping in whose small cell the row lies, that grouping's columns are
  emptied in the row (the answers stay). Blanking leaves other columns that may repeat what
  was emptied (a leader's stratum is its unit's code): put them in the grouping too, or drop.

The outcome (:class:`SuppressionOutcome`) counts, per grouping, the small cells and the rows
they hold, and in all the rows dropped or blanked. The small cells' values are not part of it:
listed in a manifest they would tell the small counts the rule hides. Flask-free.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SUPPRESSIBLE_COLUMNS: tuple[str, ...] = ("unit", "respondent_group", "mode", "stratum", "cluster")
"""The fixed export columns a grouping may cross (they are columns of ``responses``)."""

MIN_THRESHOLD = 2
"""The smallest meaningful k: with k = 1 no cell is ever small."""

Key = tuple[str | None, ...]
"""A cell: one value (or None) per column of its grouping."""


class SuppressionAction(StrEnum):
    """What happens to the rows of a small cell."""

    DROP = "drop"
    BLANK = "blank"


class SuppressionRuleError(ValueError):
    """A rule that cannot be applied: k below 2, no grouping, an unknown or repeated column."""


@dataclass(frozen=True)
class SuppressionRule:
    """Threshold k, the groupings (each a tuple of columns) and the action."""

    k: int
    groupings: tuple[tuple[str, ...], ...]
    action: SuppressionAction = SuppressionAction.DROP

    def __post_init__(self) -> None:
        """Refuse a rule that would suppress nothing or name unknown columns."""
        if self.k < MIN_THRESHOLD:
            raise SuppressionRuleError(f"the threshold k must be at least {MIN_THRESHOLD}")
        if not self.groupings:
            raise SuppressionRuleError("choose at least one grouping of columns")
        for grouping in self.groupings:
            unknown = [name for name in grouping if name not in SUPPRESSIBLE_COLUMNS]
            if unknown or not grouping or len(set(grouping)) < len(grouping):
                raise SuppressionRuleError(
                    f"a grouping crosses distinct columns among {', '.join(SUPPRESSIBLE_COLUMNS)}"
                    f"; got {', '.join(grouping) or 'none'}"
                )

    def to_json(self) -> dict[str, Any]:
        """The rule as stored in an export's filters."""
        return {
            "k": self.k,
            "groupings": [list(grouping) for grouping in self.groupings],
            "action": self.action.value,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SuppressionRule:
        """The rule :meth:`to_json` stored."""
        return cls(
            k=int(data["k"]),
            groupings=tuple(tuple(grouping) for grouping in data["groupings"]),
            action=SuppressionAction(data["action"]),
        )


@dataclass
class GroupingOutcome:
    """What one grouping suppressed: its small cells and the rows they hold."""

    columns: tuple[str, ...]
    small_cells: int
    rows: int = 0


@dataclass
class SuppressionOutcome:
    """What a rule suppressed in an export (no cell values; see the module docstring)."""

    rule: SuppressionRule
    groupings: list[GroupingOutcome] = field(default_factory=list)
    rows_dropped: int = 0
    rows_blanked: int = 0

    def to_json(self) -> dict[str, Any]:
        """The outcome as the manifest records it."""
        return {
            **self.rule.to_json(),
            "rows_dropped": self.rows_dropped,
            "rows_blanked": self.rows_blanked,
            "by_grouping": [
                {"columns": list(g.columns), "small_cells": g.small_cells, "rows": g.rows}
                for g in self.groupings
            ],
        }


class Suppressor:
    """Applies a rule to the export's tables, chunk by chunk, keeping the outcome."""

    def __init__(
        self, rule: SuppressionRule, counts: Mapping[tuple[str, ...], Mapping[Key, int]]
    ) -> None:
        """``counts`` gives, per grouping, the number of responses in each of its cells."""
        self.rule = rule
        self._small: list[frozenset[Key]] = []
        self.outcome = SuppressionOutcome(rule)
        for grouping in rule.groupings:
            cells = counts[grouping]
            small = frozenset(key for key, count in cells.items() if 0 < count < rule.k)
            self._small.append(small)
            self.outcome.groupings.append(GroupingOutcome(grouping, len(small)))

    def _masks(self, table: pa.Table) -> list[np.ndarray]:
        """For each grouping, which rows of ``table`` lie in one of its small cells."""
        masks = []
        for grouping, small in zip(self.rule.groupings, self._small, strict=True):
            if not small:
                masks.append(np.zeros(table.num_rows, dtype=np.bool_))
                continue
            columns = [table.column(name).to_pylist() for name in grouping]
            keys: Sequence[Key] = list(zip(*columns, strict=True))
            masks.append(np.fromiter((key in small for key in keys), np.bool_, len(keys)))
        return masks

    def apply(self, table: pa.Table) -> pa.Table:
        """``table`` with the rule applied to its rows (the outcome updated)."""
        masks = self._masks(table)
        for outcome, mask in zip(self.outcome.groupings, masks, strict=True):
            outcome.rows += int(mask.sum())
        affected = np.logical_or.reduce(masks) if masks else np.zeros(table.num_rows, bool)
        if self.rule.action is SuppressionAction.DROP:
            self.outcome.rows_dropped += int(affected.sum())
            return table.filter(pa.array(~affected))
        self.outcome.rows_blanked += int(affected.sum())
        for name in dict.fromkeys(
            column for grouping in self.rule.groupings for column in grouping
        ):
            blank = np.zeros(table.num_rows, dtype=np.bool_)
            for grouping, mask in zip(self.rule.groupings, masks, strict=True):
                if name in grouping:
                    blank |= mask
            if blank.any():
                index = table.schema.get_field_index(name)
                column = table.column(index)
                emptied = pc.if_else(pa.array(blank), pa.scalar(None, column.type), column)
                table = table.set_column(index, table.schema.field(index), emptied)
        return table
