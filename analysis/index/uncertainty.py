"""Rank uncertainty: how sure is a unit's rank, given the survey's sampling error?

Published PAR Index tables give a rank and no uncertainty, yet survey points are estimates.
Here the appraised and statistic points of each unit are held fixed and the survey points vary
over ``R`` replicates (bootstrap replicate weights, each replicate re-scored exactly as the full
sample; :func:`survey_points_replicates`). With ``T`` the units × replicates matrix of totals
(fixed + replicate survey points), every column is ranked by competition ranking
(:func:`analysis.index.ranking.competition_ranks`, one argsort over the whole matrix), and:

* the rank interval at ``level`` (default 90 %) runs from the ``(1 − level)/2`` to the
  ``(1 + level)/2`` quantile of the unit's replicate ranks (inverted CDF, so both ends are ranks
  that occurred), widened if needed to contain the point rank: an interval never contradicts the
  published table;
* P(top k) = share of replicates in which the unit ranks k or better;
* P(A above B) = share of replicates in which A's total is strictly higher than B's (ties count
  for neither, so P(A above B) + P(B above A) ≤ 1).

The units given are ranked together: call once per ranking group. Totals are compared after
rounding to ``decimals``, as the published ranks are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.index.errors import IndexInputError
from analysis.index.ranking import competition_ranks
from analysis.replication import ReplicateDesign
from analysis.scoring import score_survey
from questionnaires.loader import Questionnaire
from questionnaires.scheme import Scheme


@dataclass(frozen=True, eq=False)
class RankUncertainty:
    """Rank intervals and probabilities for one ranking group.

    ``units``: one row per unit with ``unit, points, rank, rank_low, rank_high, p_top``
    (``p_top`` = P(rank ≤ ``top``)). ``above``: a units × units frame, row A column B holding
    P(A ranks above B); the diagonal is 0.
    """

    level: float
    top: int
    replicates: int
    units: pd.DataFrame
    above: pd.DataFrame


def rank_uncertainty(
    *,
    fixed_points: pd.Series,
    survey_points: pd.Series,
    survey_replicates: pd.DataFrame,
    decimals: int,
    level: float = 0.9,
    top: int = 10,
) -> RankUncertainty:
    """Rank intervals, P(top ``top``) and pairwise P(A above B) (see the module docstring).

    Parameters
    ----------
    fixed_points
        Appraised + statistic points per unit (index: unit code).
    survey_points
        The full-sample survey points per unit: with ``fixed_points`` they give the point rank.
    survey_replicates
        Survey points per unit (rows) and replicate (columns).
    decimals
        Totals are rounded to this many decimals before ranking (``ranking.decimals``).
    level
        Coverage of the rank interval, in (0, 1).
    top
        The ``k`` of P(top k), at least 1.
    """
    if not 0.0 < level < 1.0:
        raise IndexInputError("rank uncertainty", [f"level {level} is not in (0, 1)"])
    if top < 1:
        raise IndexInputError("rank uncertainty", [f"top {top} is not at least 1"])
    units = list(fixed_points.index)
    problems = [
        f"{name} has no row for unit {unit}"
        for name, frame in (
            ("survey_points", survey_points),
            ("survey_replicates", survey_replicates),
        )
        for unit in units
        if unit not in frame.index
    ]
    if survey_replicates.shape[1] == 0:
        problems.append("survey_replicates has no replicate columns")
    if problems:
        raise IndexInputError("rank uncertainty", problems)
    fixed = fixed_points.to_numpy(dtype=np.float64)
    point_totals = np.round(fixed + survey_points.loc[units].to_numpy(dtype=np.float64), decimals)
    totals = np.round(
        fixed[:, None] + survey_replicates.loc[units].to_numpy(dtype=np.float64), decimals
    )
    point_rank = competition_ranks(point_totals)
    ranks = competition_ranks(totals)
    tail = (1.0 - level) / 2.0
    low = np.quantile(ranks, tail, axis=1, method="inverted_cdf").astype(np.int64)
    high = np.quantile(ranks, 1.0 - tail, axis=1, method="inverted_cdf").astype(np.int64)
    above = np.empty((len(units), len(units)))
    for a in range(len(units)):
        above[a] = (totals[a] > totals).mean(axis=1)
    frame = pd.DataFrame(
        {
            "unit": units,
            "points": point_totals,
            "rank": point_rank,
            "rank_low": np.minimum(low, point_rank),
            "rank_high": np.maximum(high, point_rank),
            "p_top": (ranks <= top).mean(axis=1),
        }
    )
    return RankUncertainty(
        level=level,
        top=top,
        replicates=totals.shape[1],
        units=frame.sort_values(["rank", "unit"], kind="stable").reset_index(drop=True),
        above=pd.DataFrame(above, index=pd.Index(units, name="unit"), columns=units),
    )


@dataclass(frozen=True, eq=False)
class SurveyPointReplicates:
    """Total survey points per unit: full sample (``points``) and per replicate (``replicates``,
    units × replicates), as :func:`rank_uncertainty` takes them."""

    points: pd.Series
    replicates: pd.DataFrame


def survey_points_replicates(
    design: ReplicateDesign,
    *,
    scheme: Scheme,
    questionnaires: Mapping[str, Questionnaire],
    units: Sequence[str] | None = None,
) -> SurveyPointReplicates:
    """Re-score every replicate of a bootstrap (or other replicate) design.

    Build ``design`` with ``analysis.replication.replicate_design(base, method="bootstrap")``
    (then ``.calibrated(...)`` if the weights are raked, so every replicate is re-raked). Each
    replicate's weights re-estimate every survey leaf of every unit
    (:func:`analysis.scoring.score_survey`); a unit's total is the sum over its survey leaves.

    Raises
    ------
    IndexInputError
        A unit × leaf is flagged (too few respondents): its rank cannot be simulated.
    """
    scores = score_survey(design, scheme=scheme, questionnaires=questionnaires, units=units)
    flagged = scores.combined[scores.combined["flagged"]]
    if len(flagged):
        raise IndexInputError(
            "survey replicates",
            [
                f"unit {u}, criterion {c}: flagged (fewer respondents than the scheme's minimum)"
                for u, c in zip(flagged["unit"], flagged["criterion"], strict=True)
            ],
        )
    assert scores.replicates is not None
    points = scores.combined.groupby("unit", sort=False)["points"].sum()
    replicates = scores.replicates.groupby(level="unit", sort=False).sum()
    return SurveyPointReplicates(points=points, replicates=replicates.loc[points.index])
