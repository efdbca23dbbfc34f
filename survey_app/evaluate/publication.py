"""Publishing a round's index and reading what was published.

Publishing stores an ``index_snapshots`` row: the snapshot's hashes
(``ComputedIndex.snapshot``), and the **results document** the report pages read — so a report
shows what was published, whatever the data or the scheme file say later. The document
(format 1) holds the scheme's tree (codes, bilingual titles, maxima, sources), ranking groups
and bands; per unit its index, points, rank, band, 90 % rank interval and P(top k) and the
change against the previous year; per unit × node the points, maximum and sub-index; survey
points per unit × leaf × respondent group with standard errors; and per ranking group the
matrix of P(A ranks above B). Missing numbers are JSON ``null``, never NaN.

The change against the previous year (``analysis.index.compare_with_previous``) is taken
against the previous year's *published* index of the same scheme: the round of that year
sharing most units with this one (ties: the latest), rebuilt from its document.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select

from analysis.index import IndexResult, RoundComparison, compare_with_previous
from analysis.index.compute import NODE_COLUMNS, UNIT_COLUMNS
from questionnaires.scheme import Scheme
from survey_app.audit import record_audit
from survey_app.index_service import CI_Z, RANK_LEVEL, ComputedIndex
from survey_app.models import IndexSnapshot, Round, User, db

DOCUMENT_FORMAT = 1
"""Version of the published results document."""


def published_snapshot(round_: Round) -> IndexSnapshot | None:
    """The round's published index: its latest snapshot."""
    return db.session.scalars(
        select(IndexSnapshot)
        .where(IndexSnapshot.round_id == round_.id)
        .order_by(IndexSnapshot.id.desc())
        .limit(1)
    ).first()


def previous_round(round_: Round, codes: Sequence[str]) -> Round | None:
    """The previous year's published round of the same scheme sharing most units with
    ``codes`` (ties: the latest)."""
    candidates = db.session.scalars(
        select(Round)
        .where(
            Round.scheme_id == round_.scheme_id,
            Round.year == round_.year - 1,
            Round.id.in_(select(IndexSnapshot.round_id)),
        )
        .order_by(Round.id.desc())
    ).all()
    wanted = set(codes)
    best: tuple[int, Round] | None = None
    for candidate in candidates:
        shared = len(wanted & {unit.code for unit in candidate.units})
        if shared and (best is None or shared > best[0]):
            best = (shared, candidate)
    return best[1] if best else None


def _number(value: Any) -> float | None:
    """A finite float for JSON, None for a missing value."""
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def result_of(snapshot: IndexSnapshot) -> IndexResult:
    """The index a snapshot published, rebuilt from its results document."""
    document = snapshot.results
    units = pd.DataFrame(
        [[row[column] for column in UNIT_COLUMNS] for row in document["units"]],
        columns=list(UNIT_COLUMNS),
    )
    units["rank"] = pd.array(units["rank"], dtype="Int64")
    nodes = pd.DataFrame(document["nodes"], columns=list(NODE_COLUMNS)).astype(
        {"points": "float64", "max_points": "float64", "sub_index": "float64"}
    )
    return IndexResult(
        scheme_id=snapshot.scheme_id,
        scheme_hash=snapshot.scheme_hash,
        year=int(document["year"]),
        units=units,
        nodes=nodes,
    )


def _scheme_tree(scheme: Scheme) -> list[dict[str, Any]]:
    """Every node of the scheme as the reports show it."""
    return [
        {
            "code": node.code,
            "level": node.level.value,
            "parent": node.parent,
            "title_vi": node.title.get("vi"),
            "title_en": node.title.get("en"),
            "max_points": node.max_points,
            "source": node.source_kind.value if node.source_kind else None,
        }
        for node in scheme.nodes.values()
    ]


def _unit_rows(computed: ComputedIndex, comparison: Comparison | None) -> list[dict[str, Any]]:
    """One published row per unit: the index, rank, band, interval, P(top k) and change."""
    names = {unit.code: unit for unit in computed.units}
    intervals: dict[str, dict[str, Any]] = {}
    for group, found in computed.uncertainty.items():
        for row in found.units.itertuples(index=False):
            intervals[row.unit] = {
                "rank_low": int(row.rank_low),
                "rank_high": int(row.rank_high),
                "p_top": float(row.p_top),
                "top": computed.top[group],
            }
    change: dict[str, Any] = {}
    if comparison is not None:
        change = comparison.changes.units.set_index("unit").to_dict(orient="index")
    rows = []
    for row in computed.result.units.to_dict(orient="records"):
        code = row["unit"]
        unit = names[code]
        before = change.get(code, {})
        rows.append(
            {
                **{column: row[column] for column in ("unit", "ranking_group", "band")},
                "surveyed": bool(row["surveyed"]),
                "points": float(row["points"]),
                "max_points": float(row["max_points"]),
                "index": float(row["index"]),
                "index_rounded": float(row["index_rounded"]),
                "rank": int(row["rank"]),
                "unit_id": unit.id,
                "name_vi": unit.name_vi,
                "name_en": unit.name_en,
                "rank_low": None,
                "rank_high": None,
                "p_top": None,
                "top": None,
                **intervals.get(code, {}),
                "previous_index": _number(before.get("previous_index")),
                "index_change": _number(before.get("index_change")),
                "previous_rank": _number(before.get("previous_rank")),
                "rank_change": _number(before.get("rank_change")),
            }
        )
    return rows


@dataclass(frozen=True, eq=False)
class Comparison:
    """The change against the previous year's published round."""

    previous: Round
    changes: RoundComparison


def comparison_for(round_: Round, computed: ComputedIndex) -> Comparison | None:
    """The change of ``computed`` against the previous year's published index, if any."""
    previous = previous_round(round_, [unit.code for unit in computed.units])
    if previous is None:
        return None
    published = published_snapshot(previous)
    assert published is not None
    return Comparison(previous, compare_with_previous(computed.result, result_of(published)))


def results_document(computed: ComputedIndex, comparison: Comparison | None) -> dict[str, Any]:
    """The published results: everything the report pages show, JSON-ready (no NaN)."""
    result = computed.result
    nodes = [
        [row[0], row[1], row[2], _number(row[3]), _number(row[4]), _number(row[5])]
        for row in result.nodes[list(NODE_COLUMNS)].itertuples(index=False, name=None)
    ]
    changes: list[list[Any]] = []
    if comparison is not None:
        changes = [
            [unit, code, _number(change)]
            for unit, code, change in comparison.changes.nodes[
                ["unit", "code", "sub_index_change"]
            ].itertuples(index=False, name=None)
            if _number(change) is not None
        ]
    survey: list[dict[str, Any]] = []
    if computed.survey is not None:
        for row in computed.survey.scores.by_group.to_dict(orient="records"):
            if row["unit"] in set(computed.survey.points["unit"]):
                survey.append(
                    {
                        "unit": row["unit"],
                        "criterion": row["criterion"],
                        "group": row["group"],
                        "points": _number(row["points"]),
                        "se": _number(row["se"]),
                        "n": int(row["n"]),
                    }
                )
    above = {
        group: {
            "units": [str(code) for code in found.above.index],
            "matrix": [[float(p) for p in row] for row in found.above.to_numpy()],
        }
        for group, found in computed.uncertainty.items()
    }
    previous = comparison.previous if comparison is not None else None
    return {
        "format": DOCUMENT_FORMAT,
        "scheme_id": computed.scheme.id,
        "scheme_version": computed.scheme.version,
        "year": result.year,
        "max_points": computed.scheme.max_points,
        "decimals": computed.scheme.definition.ranking.decimals,
        "groups": [
            {"code": g.code, "name_vi": g.name.get("vi"), "name_en": g.name.get("en")}
            for g in computed.scheme.definition.ranking.groups
        ],
        "bands": [
            {
                "code": band.code,
                "minimum": band.minimum,
                "label_vi": band.label.get("vi") if band.label else None,
                "label_en": band.label.get("en") if band.label else None,
            }
            for band in computed.scheme.definition.bands
        ],
        "tree": _scheme_tree(computed.scheme),
        "units": _unit_rows(computed, comparison),
        "nodes": nodes,
        "node_changes": changes,
        "survey": survey,
        "ci_z": CI_Z,
        "above": above,
        "replicates": computed.replicates if above else 0,
        "seed": computed.round_id,
        "level": RANK_LEVEL,
        "previous": (
            {"round_id": previous.id, "code": previous.code, "year": previous.year}
            if previous is not None
            else None
        ),
        "weights": (
            "run" if computed.survey and computed.survey.weights.run_id is not None else "frame"
        ),
        "notes": [note.to_json() for note in computed.notes],
    }


def publish(
    round_: Round,
    computed: ComputedIndex,
    comparison: Comparison | None,
    user: User,
    note: str = "",
) -> IndexSnapshot:
    """Store ``computed`` as the round's published index, with its audit event (the caller
    commits)."""
    snapshot = computed.snapshot()
    row = IndexSnapshot(
        round_id=round_.id,
        scheme_id=snapshot.scheme_id,
        scheme_hash=computed.scheme.content_hash,
        code_version=snapshot.code_version,
        hashes=snapshot.to_dict(),
        results=results_document(computed, comparison),
        weighting_run_id=computed.survey.weights.run_id if computed.survey else None,
        note=note,
        published_by=user.id,
    )
    db.session.add(row)
    record_audit(
        "index.publish",
        row,
        details={
            "scheme": snapshot.scheme_id,
            "year": snapshot.year,
            "units": len(computed.units),
            "replicates": row.results["replicates"],
            "results": dict(snapshot.results),
        },
        actor=user,
    )
    return row
