"""Change against the previous year's round of the same scheme.

For each unit in the current round::

    index_change = index − previous index          (in index points)
    rank_change  = previous rank − rank            (positive: the unit moved up)

and for each node the change of its sub-index. A unit absent from the previous round has no
previous values (missing, not zero). Rounds compare only when they use the same scheme edition
(same ``scheme_id``) and the previous round is exactly one year earlier.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.index.compute import IndexResult
from analysis.index.errors import RoundMismatchError


@dataclass(frozen=True, eq=False)
class RoundComparison:
    """Per unit (``units``) and per unit × node (``nodes``) change against the previous year."""

    year: int
    previous_year: int
    units: pd.DataFrame
    nodes: pd.DataFrame


def compare_with_previous(current: IndexResult, previous: IndexResult) -> RoundComparison:
    """Compare ``current`` with ``previous`` (see the module docstring).

    ``units`` columns: ``unit, ranking_group, index, previous_index, index_change, rank,
    previous_rank, rank_change``; ``nodes`` columns: ``unit, code, level, sub_index,
    previous_sub_index, sub_index_change``.
    """
    if current.scheme_id != previous.scheme_id:
        raise RoundMismatchError(
            f"cannot compare scheme {current.scheme_id} with scheme {previous.scheme_id}",
            expected=current.scheme_id,
            got=previous.scheme_id,
            hint="compare rounds of the same scheme edition only",
        )
    if previous.year != current.year - 1:
        raise RoundMismatchError(
            f"the previous round must be of {current.year - 1}, got {previous.year}",
            expected=current.year - 1,
            got=previous.year,
        )
    before = previous.units[["unit", "index", "rank"]].rename(
        columns={"index": "previous_index", "rank": "previous_rank"}
    )
    units = current.units[["unit", "ranking_group", "index", "rank"]].merge(
        before, on="unit", how="left", validate="one_to_one"
    )
    units["index_change"] = units["index"] - units["previous_index"]
    units["rank_change"] = units["previous_rank"] - units["rank"]
    units = units[
        [
            "unit",
            "ranking_group",
            "index",
            "previous_index",
            "index_change",
            "rank",
            "previous_rank",
            "rank_change",
        ]
    ]
    nodes_before = previous.nodes[["unit", "code", "sub_index"]].rename(
        columns={"sub_index": "previous_sub_index"}
    )
    nodes = current.nodes[["unit", "code", "level", "sub_index"]].merge(
        nodes_before, on=["unit", "code"], how="left", validate="one_to_one"
    )
    nodes["sub_index_change"] = nodes["sub_index"] - nodes["previous_sub_index"]
    return RoundComparison(year=current.year, previous_year=previous.year, units=units, nodes=nodes)
