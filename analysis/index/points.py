"""Assembling the leaf points of every unit, by source, into one units × leaves matrix.

Each leaf of a scheme takes its points from exactly one source: appraised self-assessment,
the survey, or an imported statistic. The engine receives one tidy frame per source (columns
``unit``, ``criterion``, ``points``; extra columns are ignored) and checks, collecting every
problem before raising :class:`IndexInputError`:

* every criterion named is a leaf of that source in the scheme, every unit is a listed unit;
* no unit × criterion appears twice, and every unit × leaf of the source is present;
* points are numbers in [0, max] (within ``POINTS_TOLERANCE``); a survey row that
  ``analysis.scoring`` flagged (too few respondents) has no points and is reported as such.

Optional survey (``survey_optional`` in the scheme, e.g. provincial department schemes): a unit
with no survey rows at all is *unsurveyed*; its survey leaves stay missing (NaN) and the index
rescales its other points to 100. A unit with some survey rows must have them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.index.errors import IndexInputError
from questionnaires.scheme import Scheme, SourceKind

POINTS_TOLERANCE = 1e-9
"""Points may exceed a leaf's maximum by this much (floating-point sums), never more."""

POINTS_COLUMNS: tuple[str, ...] = ("unit", "criterion", "points")
"""Columns every points frame must have."""


@dataclass(frozen=True, eq=False)
class LeafPoints:
    """Points per unit (rows, in the order given) and leaf (columns, in scheme order).

    ``matrix`` holds NaN only for the survey leaves of unsurveyed units; ``surveyed`` says, per
    unit, whether its survey points are present.
    """

    matrix: pd.DataFrame
    surveyed: pd.Series


def _check_frame(
    scheme: Scheme,
    kind: SourceKind,
    frame: pd.DataFrame,
    *,
    units: Sequence[str],
    problems: list[str],
) -> dict[tuple[str, str], float]:
    """Validate one source's frame; return its points keyed by (unit, criterion)."""
    label = f"{kind.value} points"
    missing = [c for c in POINTS_COLUMNS if c not in frame.columns]
    if missing:
        problems.extend(f"{label}: missing column {c!r}" for c in missing)
        return {}
    known_units = set(units)
    flagged = (
        frame["flagged"].fillna(False).astype(bool).tolist()
        if "flagged" in frame.columns
        else [False] * len(frame)
    )
    keyed: dict[tuple[str, str], float] = {}
    for unit, criterion, points, is_flagged in zip(
        frame["unit"].astype(str),
        frame["criterion"].astype(str),
        pd.to_numeric(frame["points"], errors="coerce"),
        flagged,
        strict=True,
    ):
        where = f"{label}: unit {unit}, criterion {criterion}"
        node = scheme.nodes.get(criterion)
        if node is None or not node.is_leaf:
            problems.append(f"{where}: not a leaf of scheme {scheme.id}")
            continue
        if node.source_kind != kind:
            other = node.source_kind
            problems.append(f"{where}: a {other} leaf; give its points with the {other} points")
            continue
        if unit not in known_units:
            problems.append(f"{where}: unknown unit (not in the unit list)")
            continue
        if (unit, criterion) in keyed:
            problems.append(f"{where}: appears more than once")
            continue
        if is_flagged:
            problems.append(f"{where}: flagged (fewer respondents than the scheme's minimum)")
        elif pd.isna(points):
            problems.append(f"{where}: points missing or not a number")
        elif points < 0 or points > node.max_points + POINTS_TOLERANCE:
            problems.append(f"{where}: {points:g} outside [0, {node.max_points:g}]")
        keyed[(unit, criterion)] = float(points)
    return keyed


def assemble_leaf_points(
    scheme: Scheme,
    *,
    units: Sequence[str],
    appraised: pd.DataFrame | None = None,
    survey: pd.DataFrame | None = None,
    statistics: pd.DataFrame | None = None,
) -> LeafPoints:
    """Check the three points frames against the scheme and merge them (module docstring)."""
    if len(set(units)) != len(units):
        duplicated = sorted({u for u in units if list(units).count(u) > 1})
        raise IndexInputError("unit list", [f"unit {u} listed more than once" for u in duplicated])
    problems: list[str] = []
    leaves = scheme.leaves()
    matrix = pd.DataFrame(
        np.nan, index=pd.Index(list(units), name="unit"), columns=[leaf.code for leaf in leaves]
    )
    frames = {
        SourceKind.APPRAISAL: appraised,
        SourceKind.SURVEY: survey,
        SourceKind.STATISTIC: statistics,
    }
    surveyed = pd.Series(True, index=matrix.index, name="surveyed")
    for kind, frame in frames.items():
        keyed = (
            {}
            if frame is None
            else _check_frame(scheme, kind, frame, units=units, problems=problems)
        )
        kind_leaves = scheme.leaves(kind)
        for unit in units:
            present = [leaf for leaf in kind_leaves if (unit, leaf.code) in keyed]
            if kind == SourceKind.SURVEY and scheme.definition.survey_optional and not present:
                surveyed[unit] = False
                continue
            for leaf in kind_leaves:
                if (unit, leaf.code) in keyed:
                    matrix.loc[unit, leaf.code] = keyed[(unit, leaf.code)]
                else:
                    problems.append(
                        f"{kind.value} points: unit {unit}, criterion {leaf.code}: missing"
                    )
    if not scheme.leaves(SourceKind.SURVEY):
        surveyed[:] = False
    if problems:
        raise IndexInputError(
            f"points for scheme {scheme.id}",
            problems,
            hint="every unit needs exactly one row per leaf of each source",
        )
    return LeafPoints(matrix=matrix, surveyed=surveyed)
