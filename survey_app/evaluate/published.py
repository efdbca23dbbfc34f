"""The published index as the report pages read it: the results document of a snapshot
(``survey_app.evaluate.publication``; a preview's document reads the same) in the reader's
language.

* the ranking: units per ranking group with index, band, rank, 90 % rank interval, P(top k) and
  change, sortable by any of those (:data:`SORT_KEYS`), and the fields' sub-indices for the
  heat map (:func:`heat_class` buckets them by tens);
* a unit: its sub-index per field against the group's average, the criteria where
  the points were lost (maximum − points, largest first), its survey results per respondent
  group with 95 % confidence intervals (points ± z·se), P(this unit ranks above each other unit
  of its group), and the change of every sub-index against the previous year;
* the ranking as a table for CSV/XLSX download.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SORT_KEYS: tuple[str, ...] = ("rank", "unit", "index", "band", "interval", "p_top", "change")
"""Columns the ranking may be sorted by (``?sort=``)."""

DOWNLOAD_COLUMNS: tuple[str, ...] = (
    "ranking_group",
    "rank",
    "unit_code",
    "unit_name",
    "index",
    "points",
    "max_points",
    "band",
    "rank_low",
    "rank_high",
    "p_top",
    "top_k",
    "previous_rank",
    "index_change",
)
"""The fixed columns of the ranking download; one ``field_<code>`` column per field follows."""


def heat_class(value: float | None) -> str:
    """The heat-map class of a sub-index: ``heat-0`` (below 10) … ``heat-9`` (90 and over)."""
    if value is None:
        return "heat-none"
    return f"heat-{min(9, max(0, int(value // 10)))}"


@dataclass(frozen=True)
class NodeInfo:
    """A node of the published scheme; ``full_title`` names a sub-criterion's criterion too."""

    code: str
    level: str
    parent: str | None
    title: str
    full_title: str
    max_points: float
    source: str | None


@dataclass(frozen=True)
class UnitRow:
    """One unit of the published ranking."""

    code: str
    unit_id: int
    name: str
    group: str
    index: float
    points: float
    max_points: float
    rank: int
    band: str | None
    surveyed: bool
    rank_low: int | None
    rank_high: int | None
    p_top: float | None
    top: int | None
    previous_rank: int | None
    index_change: float | None
    rank_change: int | None


@dataclass(frozen=True)
class NodeValue:
    """A node's points, maximum and sub-index for one unit (None where it has none)."""

    points: float | None
    max_points: float | None
    sub_index: float | None


@dataclass(frozen=True)
class SurveyRow:
    """A survey result of one unit × criterion × respondent group."""

    criterion: str
    title: str
    group: str
    points: float
    max_points: float
    low: float
    high: float
    n: int

    @property
    def percent(self) -> float:
        """The points as a percentage of the maximum."""
        return 100.0 * self.points / self.max_points


def _integer(value: Any) -> int | None:
    """An optional whole number from the document."""
    return None if value is None else int(value)


class Published:
    """A results document (a snapshot's, or a preview's) in one language."""

    def __init__(self, document: dict[str, Any], language: str) -> None:
        """Read ``document`` for the reader's ``language``."""
        self.document = document
        self.language = language
        self.decimals = int(self.document["decimals"])
        key = f"title_{language}"
        titles = {node["code"]: node[key] for node in self.document["tree"]}
        self.tree = {
            node["code"]: NodeInfo(
                code=node["code"],
                level=node["level"],
                parent=node["parent"],
                title=node[key],
                full_title=(
                    f"{titles[node['parent']]} — {node[key]}"
                    if node["level"] == "sub_criterion"
                    else node[key]
                ),
                max_points=float(node["max_points"]),
                source=node["source"],
            )
            for node in self.document["tree"]
        }
        self.units = [self._unit(row) for row in self.document["units"]]
        self.values: dict[str, dict[str, NodeValue]] = {}
        for unit, code, _level, points, maximum, sub_index in self.document["nodes"]:
            self.values.setdefault(unit, {})[code] = NodeValue(points, maximum, sub_index)

    def _unit(self, row: dict[str, Any]) -> UnitRow:
        """A unit row of the document."""
        return UnitRow(
            code=row["unit"],
            unit_id=int(row["unit_id"]),
            name=row[f"name_{self.language}"],
            group=row["ranking_group"],
            index=float(row["index"]),
            points=float(row["points"]),
            max_points=float(row["max_points"]),
            rank=int(row["rank"]),
            band=row["band"],
            surveyed=bool(row["surveyed"]),
            rank_low=_integer(row["rank_low"]),
            rank_high=_integer(row["rank_high"]),
            p_top=row["p_top"],
            top=_integer(row["top"]),
            previous_rank=_integer(row["previous_rank"]),
            index_change=row["index_change"],
            rank_change=_integer(row["rank_change"]),
        )

    # --- the whole round -------------------------------------------------------------------

    @property
    def fields(self) -> list[NodeInfo]:
        """The scheme's fields, in order."""
        return [node for node in self.tree.values() if node.level == "field"]

    def group_names(self) -> dict[str, str]:
        """Ranking group names by code, in the scheme's order."""
        return {g["code"]: g[f"name_{self.language}"] for g in self.document["groups"]}

    def band_labels(self) -> dict[str, str]:
        """Band labels by code (the code when a band has no label)."""
        return {
            band["code"]: band[f"label_{self.language}"] or band["code"]
            for band in self.document["bands"]
        }

    def groups(
        self, sort: str = "rank", descending: bool = False
    ) -> list[tuple[str, list[UnitRow]]]:
        """The ranking groups that have units, each with its rows sorted by ``sort``."""
        key = _SORTERS.get(sort, _SORTERS["rank"])
        found = []
        for code in self.group_names():
            rows = [row for row in self.units if row.group == code]
            if rows:
                rows.sort(key=lambda row: (row.rank, row.code))
                rows.sort(key=key, reverse=descending)
                found.append((code, rows))
        return found

    def unit(self, unit_id: int) -> UnitRow | None:
        """The row of the unit with ``unit_id``, if it was published."""
        return next((row for row in self.units if row.unit_id == unit_id), None)

    def sub_index(self, unit: UnitRow, code: str) -> float | None:
        """A unit's sub-index of node ``code``."""
        value = self.values.get(unit.code, {}).get(code)
        return value.sub_index if value is not None else None

    def format_index(self, value: float) -> str:
        """An index to the published decimals."""
        return f"{value:.{self.decimals}f}"

    # --- one unit --------------------------------------------------------------------------

    def group_size(self, unit: UnitRow) -> int:
        """How many units share ``unit``'s ranking group."""
        return sum(1 for row in self.units if row.group == unit.group)

    def group_average(self, unit: UnitRow, code: str) -> float | None:
        """The average sub-index of node ``code`` over ``unit``'s ranking group."""
        found = [
            value
            for row in self.units
            if row.group == unit.group
            and (value := self.values[row.code][code].sub_index) is not None
        ]
        return sum(found) / len(found) if found else None

    def lost(self, unit: UnitRow) -> list[tuple[NodeInfo, NodeValue, float]]:
        """The leaves where ``unit`` lost points, largest loss first: (node, value, lost)."""
        found = []
        for code, node in self.tree.items():
            value = self.values[unit.code].get(code)
            if node.level == "field" or value is None or value.max_points is None:
                continue
            is_leaf = not any(other.parent == code for other in self.tree.values())
            if not is_leaf or value.points is None:
                continue
            lost = value.max_points - value.points
            if lost > 10 ** -(self.decimals + 2):
                found.append((node, value, lost))
        found.sort(key=lambda item: (-item[2], item[0].code))
        return found

    def survey_rows(self, unit: UnitRow) -> list[SurveyRow]:
        """``unit``'s survey results per criterion × respondent group, in scheme order."""
        z = float(self.document["ci_z"])
        order = {code: position for position, code in enumerate(self.tree)}
        rows = []
        for row in self.document["survey"]:
            if row["unit"] != unit.code or row["points"] is None:
                continue
            node = self.tree[row["criterion"]]
            spread = z * (row["se"] or 0.0)
            rows.append(
                SurveyRow(
                    criterion=node.code,
                    title=node.full_title,
                    group=row["group"],
                    points=row["points"],
                    max_points=node.max_points,
                    low=max(0.0, row["points"] - spread),
                    high=min(node.max_points, row["points"] + spread),
                    n=int(row["n"]),
                )
            )
        rows.sort(key=lambda row: (order[row.criterion], row.group))
        return rows

    def above(self, unit: UnitRow) -> list[tuple[UnitRow, float, float]]:
        """For each other unit of the group: (it, P(unit above it), P(it above unit))."""
        found = self.document["above"].get(unit.group)
        if not found or unit.code not in found["units"]:
            return []
        codes = found["units"]
        matrix = found["matrix"]
        me = codes.index(unit.code)
        rows = {row.code: row for row in self.units}
        pairs = [
            (rows[code], float(matrix[me][j]), float(matrix[j][me]))
            for j, code in enumerate(codes)
            if j != me
        ]
        pairs.sort(key=lambda pair: (pair[0].rank, pair[0].code))
        return pairs

    def changes(self, unit: UnitRow) -> dict[str, float]:
        """The change of each of ``unit``'s sub-indices against the previous year."""
        return {
            code: change
            for code_unit, code, change in self.document["node_changes"]
            if code_unit == unit.code
        }

    # --- download --------------------------------------------------------------------------

    def download_rows(self) -> tuple[list[str], list[list[object]]]:
        """The ranking as a table: :data:`DOWNLOAD_COLUMNS` then one column per field."""
        columns = [*DOWNLOAD_COLUMNS, *(f"field_{node.code}" for node in self.fields)]
        rows: list[list[object]] = []
        for _group, units in self.groups():
            for row in units:
                rounded = [
                    _rounded(self.sub_index(row, node.code), self.decimals) for node in self.fields
                ]
                rows.append(
                    [
                        row.group,
                        row.rank,
                        row.code,
                        row.name,
                        round(row.index, self.decimals),
                        round(row.points, self.decimals + 2),
                        row.max_points,
                        row.band or "",
                        _blank(row.rank_low),
                        _blank(row.rank_high),
                        _blank(_rounded(row.p_top, 3)),
                        _blank(row.top),
                        _blank(row.previous_rank),
                        _blank(_rounded(row.index_change, self.decimals)),
                        *(_blank(value) for value in rounded),
                    ]
                )
        return columns, rows


def _rounded(value: float | None, decimals: int) -> float | None:
    """``value`` rounded, None kept."""
    return None if value is None or math.isnan(value) else round(value, decimals)


def _blank(value: object) -> object:
    """An empty cell for a missing value."""
    return "" if value is None else value


def collation_key(text: str) -> str:
    """A name as sorted: case and Vietnamese diacritics folded (``Đà`` sorts with ``da``)."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _missing_last(value: float | None) -> float:
    """A sort key putting missing values last."""
    return math.inf if value is None else value


_SORTERS: dict[str, Callable[[UnitRow], Any]] = {
    "rank": lambda row: row.rank,
    "unit": lambda row: collation_key(row.name),
    "index": lambda row: row.index,
    "band": lambda row: row.band or "~",
    "interval": lambda row: _missing_last(
        None if row.rank_low is None or row.rank_high is None else row.rank_high - row.rank_low
    ),
    "p_top": lambda row: _missing_last(row.p_top),
    "change": lambda row: _missing_last(row.index_change),
}
"""Sort keys of :data:`SORT_KEYS`."""
