"""Statistic leaves: imported figures converted to points.

A statistic leaf names an indicator (e.g. the share of records processed online) and a
conversion. The figures arrive as a tidy frame, one row per unit × indicator (columns ``unit``,
``indicator``, ``value``). Conversions are a registry keyed by the scheme's ``conversion.name``;
the built-in one is

``linear``
    points = max × clip((value − floor) / (target − floor), 0, 1):
    nothing at or beyond the floor, the maximum at or beyond the target, linear in between;
    a floor above the target means lower is better.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import pandas as pd

from analysis.index.errors import IndexInputError
from analysis.index.numbers import parse_number
from questionnaires.scheme import LinearConversion, Scheme, SourceKind, StatisticSource

FIGURE_COLUMNS: tuple[str, ...] = ("unit", "indicator", "value")
"""Columns of the figures frame."""


def linear_points(conversion: LinearConversion, *, value: float, max_points: float) -> float:
    """``max × clip((value − floor) / (target − floor), 0, 1)`` (see the module docstring)."""
    fraction = (value - conversion.floor) / (conversion.target - conversion.floor)
    return max_points * min(1.0, max(0.0, fraction))


class ConversionRule(Protocol):
    """Turns one unit's figure into points, given the leaf's conversion and maximum."""

    def __call__(
        self, conversion: LinearConversion, *, value: float, max_points: float
    ) -> float: ...


CONVERSIONS: Mapping[str, ConversionRule] = {"linear": linear_points}
"""Conversion rules by the name a scheme gives in ``conversion.name``."""


def statistic_points(
    scheme: Scheme, figures: pd.DataFrame, *, units: Sequence[str]
) -> pd.DataFrame:
    """Points of every statistic leaf for every unit.

    Returns a frame with columns ``unit``, ``criterion``, ``indicator``, ``value``, ``points``.
    Raises :class:`IndexInputError` listing every missing, duplicated or non-finite figure.
    """
    missing_columns = [c for c in FIGURE_COLUMNS if c not in figures.columns]
    if missing_columns:
        raise IndexInputError(
            "statistic figures", [f"missing column {c!r}" for c in missing_columns]
        )
    problems: list[str] = []
    keyed: dict[tuple[str, str], float] = {}
    for row, unit, indicator, value in zip(
        range(2, len(figures) + 2),
        figures["unit"].astype(str),
        figures["indicator"].astype(str),
        figures["value"],
        strict=True,
    ):
        number = parse_number(value)
        if number is None:
            problems.append(f"row {row}: value {value!r} of {indicator} for {unit} is not a number")
        elif (unit, indicator) in keyed:
            problems.append(f"row {row}: a second figure of {indicator} for {unit}")
        else:
            keyed[(unit, indicator)] = number
    rows: list[dict[str, object]] = []
    for leaf in scheme.leaves(SourceKind.STATISTIC):
        source = leaf.source
        assert isinstance(source, StatisticSource)
        convert = CONVERSIONS[source.conversion.name]
        for unit in units:
            found = keyed.get((unit, source.indicator))
            if found is None:
                problems.append(
                    f"no figure of {source.indicator} for unit {unit} (criterion {leaf.code})"
                )
                continue
            rows.append(
                {
                    "unit": unit,
                    "criterion": leaf.code,
                    "indicator": source.indicator,
                    "value": found,
                    "points": convert(source.conversion, value=found, max_points=leaf.max_points),
                }
            )
    if problems:
        raise IndexInputError("statistic figures", problems)
    return pd.DataFrame(rows, columns=["unit", "criterion", "indicator", "value", "points"])
