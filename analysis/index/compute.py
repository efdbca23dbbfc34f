"""The index: totals, sub-indices, ranks and bands per unit.

For each unit (Chỉ số CCHC, DOMAIN.md)::

    points(node) = Σ points of the leaves under the node
    sub-index(node) = points(node) / max(node) × 100          (fields and criteria alike)
    total = appraised points + survey points + statistic points
    index = total / scheme maximum × 100                     (the maximum is 100)

With an optional survey and an unsurveyed unit, every maximum counts only the leaves that have
points, so the index is the non-survey points rescaled to 100 and a survey-only node has no
sub-index. Units are then ranked within their ranking group (competition ranking on the index
rounded to the scheme's ``ranking.decimals``) and banded (:mod:`analysis.index.ranking`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.index.errors import IndexInputError
from analysis.index.points import assemble_leaf_points
from analysis.index.ranking import band_of, competition_ranks
from questionnaires.scheme import NodeLevel, Scheme

UNIT_COLUMNS: tuple[str, ...] = (
    "unit",
    "ranking_group",
    "surveyed",
    "points",
    "max_points",
    "index",
    "index_rounded",
    "rank",
    "band",
)
NODE_COLUMNS: tuple[str, ...] = ("unit", "code", "level", "points", "max_points", "sub_index")


@dataclass(frozen=True, eq=False)
class IndexResult:
    """One round's index for one scheme.

    ``units`` has one row per unit (columns ``UNIT_COLUMNS``), ordered by ranking group (in the
    scheme's order), rank and unit code; ``rank`` is a nullable integer, ``band`` is None below
    every band and ``surveyed`` is false for a unit scored without its optional survey.
    ``nodes`` has one row per unit × node (fields, criteria and sub-criteria, in scheme order;
    ``NODE_COLUMNS``).
    """

    scheme_id: str
    scheme_hash: str
    year: int
    units: pd.DataFrame
    nodes: pd.DataFrame


def _membership(scheme: Scheme) -> pd.DataFrame:
    """Leaves × nodes 0/1 matrix: 1 where the leaf lies under (or is) the node."""
    leaves = [leaf.code for leaf in scheme.leaves()]
    member = pd.DataFrame(0.0, index=leaves, columns=list(scheme.nodes))
    for leaf in leaves:
        code: str | None = leaf
        while code is not None:
            member.loc[leaf, code] = 1.0
            code = scheme.node(code).parent
    return member


def compute_index(
    scheme: Scheme,
    *,
    year: int,
    units: Sequence[str],
    appraised: pd.DataFrame | None = None,
    survey: pd.DataFrame | None = None,
    statistics: pd.DataFrame | None = None,
) -> IndexResult:
    """Compute every unit's index, sub-indices, rank and band for ``year``.

    Parameters
    ----------
    scheme
        The loaded, checked scheme; ``year`` must fall within its edition's years.
    units
        The unit codes scored this round.
    appraised, survey, statistics
        Leaf points by source (``unit``, ``criterion``, ``points``): appraised scores (e.g.
        ``analysis.selfassessment.apply_decisions``), combined survey points
        (``analysis.scoring.score_survey(...).combined``) and converted figures
        (:func:`analysis.index.statistics.statistic_points`).

    Raises
    ------
    IndexInputError
        The year is outside the edition, or any points are missing or invalid (all listed).
    """
    edition = scheme.definition.edition
    if not edition.years.contains(year):
        last = edition.years.last if edition.years.last is not None else "…"
        raise IndexInputError(
            "round year",
            [f"{year} is outside scheme {scheme.id}'s years {edition.years.first}–{last}"],
            hint="choose the edition in force that year",
        )
    leaf_points = assemble_leaf_points(
        scheme, units=units, appraised=appraised, survey=survey, statistics=statistics
    )
    matrix = leaf_points.matrix
    member = _membership(scheme)
    leaf_max = np.array([scheme.node(code).max_points for code in matrix.columns])
    values = matrix.to_numpy(dtype=np.float64)
    present = ~np.isnan(values)
    node_points = np.nan_to_num(values) @ member.to_numpy()
    node_max = (present * leaf_max) @ member.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        sub_index = np.where(node_max > 0, node_points / node_max * 100.0, np.nan)

    field_columns = [
        i for i, code in enumerate(member.columns) if scheme.node(code).level == NodeLevel.FIELD
    ]
    total = node_points[:, field_columns].sum(axis=1)
    total_max = node_max[:, field_columns].sum(axis=1)
    index = total / total_max * 100.0
    decimals = scheme.definition.ranking.decimals
    rounded = np.round(index, decimals)

    groups = [scheme.ranking_group(unit) for unit in matrix.index]
    rank = np.zeros(len(groups), dtype=np.int64)
    group_array = np.array(groups, dtype=object)
    for group in scheme.definition.ranking.groups:
        where = group_array == group.code
        if where.any():
            rank[where] = competition_ranks(rounded[where])
    bands = scheme.definition.bands
    units_frame = pd.DataFrame(
        {
            "unit": matrix.index.to_list(),
            "ranking_group": groups,
            "surveyed": leaf_points.surveyed.to_numpy(),
            "points": total,
            "max_points": total_max,
            "index": index,
            "index_rounded": rounded,
            "rank": pd.array(rank, dtype="Int64"),
            "band": pd.Series([band_of(float(v), bands) for v in rounded], dtype=object),
        },
        columns=list(UNIT_COLUMNS),
    )
    group_order = {g.code: i for i, g in enumerate(scheme.definition.ranking.groups)}
    units_frame = (
        units_frame.assign(_group=units_frame["ranking_group"].map(group_order))
        .sort_values(["_group", "rank", "unit"], kind="stable")
        .drop(columns="_group")
        .reset_index(drop=True)
    )
    codes = list(member.columns)
    levels = [scheme.node(code).level.value for code in codes]
    nodes_frame = pd.DataFrame(
        {
            "unit": np.repeat(matrix.index.to_numpy(), len(codes)),
            "code": codes * len(matrix.index),
            "level": levels * len(matrix.index),
            "points": node_points.ravel(),
            "max_points": node_max.ravel(),
            "sub_index": sub_index.ravel(),
        },
        columns=list(NODE_COLUMNS),
    )
    return IndexResult(
        scheme_id=scheme.id,
        scheme_hash=scheme.content_hash,
        year=year,
        units=units_frame,
        nodes=nodes_frame,
    )
