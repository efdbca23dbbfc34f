"""The index reports' range charts, as row charts (:mod:`survey_app.chart_rows`; bars and tables
come from ``survey_app.charts``):

* :func:`interval_chart`: ranks with their 90 % intervals (a line from the lowest to the highest
  plausible rank, a dot at the published rank), one row per unit;
* :func:`estimate_chart`: survey results as a share of the maximum with their 95 % confidence
  intervals, one row per criterion × respondent group.

Like every row chart, each is one image named by its title and description, always shown beside
a table with the same numbers, its text alternative; each row's tooltip has its figures and
its label wraps in full on any screen. Colours reach a contrast of at least 3:1 against white
(WCAG 1.4.11).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from survey_app.chart_rows import at, axis_row, chart_row, grid_lines, row_chart, row_track
from survey_app.charts import NumberFormat

ESTIMATE_COLOUR = "#1d70b8"
GRID_COLOUR = "#dee0e2"
INTERVAL_COLOUR = "#505a5f"
HIGHLIGHT_COLOUR = "#d4351c"


def _row(
    label: str,
    tip: str,
    value: str,
    grid: str,
    low: float,
    high: float,
    dot: float,
    colour: str,
    *,
    bold: bool = False,
) -> str:
    """One row: a line from ``low`` to ``high`` and a dot at ``dot`` (fractions of the track)
    over the ``grid`` lines, ``value`` written after, ``tip`` as its tooltip."""
    drawn = (
        f'{grid}<line x1="{at(low)}" x2="{at(high)}" y1="50%" y2="50%" stroke="{colour}" '
        f'stroke-width="3" stroke-linecap="round"/>'
        f'<circle cx="{at(dot)}" cy="50%" r="5" fill="{colour}"/>'
    )
    return chart_row(
        label, row_track(drawn), value, tip=tip, css_class="row-highlight" if bold else ""
    )


@dataclass(frozen=True)
class IntervalRow:
    """One unit's rank and its plausible range."""

    label: str
    rank: int
    low: int
    high: int
    highlight: bool = False


def _rank_ticks(count: int) -> list[int]:
    """Rank ticks: 1, then every 5th (every rank for small groups), and the last."""
    step = 1 if count <= 12 else 5
    return sorted({1, count, *range(step, count + 1, step)})


def interval_chart(
    chart_id: str, title: str, description: str, rows: Sequence[IntervalRow], count: int
) -> Markup:
    """Ranks 1…``count`` left to right, each unit's interval as a line and its rank as a dot,
    the interval written after it."""

    def place(rank: float) -> float:
        """A rank's place on the track (rank 1 a half step in from the left)."""
        return (rank - 0.5) / count

    ranks = _rank_ticks(count)
    grid = grid_lines([place(rank) for rank in ranks], GRID_COLOUR)
    parts = [axis_row([(place(rank), str(rank)) for rank in ranks])]
    for row in rows:
        parts.append(
            _row(
                row.label,
                f"{row.label}: {row.rank} ({row.low}–{row.high})",
                f"{row.low}–{row.high}",
                grid,
                place(row.low),
                place(row.high),
                place(row.rank),
                HIGHLIGHT_COLOUR if row.highlight else INTERVAL_COLOUR,
                bold=row.highlight,
            )
        )
    return row_chart(chart_id, title, description, parts, css_class="chart-intervals")


@dataclass(frozen=True)
class EstimateRow:
    """One survey result as a percentage of its maximum, with its confidence interval."""

    label: str
    value: float
    low: float
    high: float


def estimate_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[EstimateRow],
    percent_format: NumberFormat,
) -> Markup:
    """Percentages 0–100 left to right (whole numbers on the axis), each estimate a dot on its
    interval, written after it; ``percent_format`` writes a percentage in the page's language."""
    scale = (0, 25, 50, 75, 100)
    grid = grid_lines([value / 100 for value in scale], GRID_COLOUR)
    parts = [axis_row([(value / 100, f"{value}%") for value in scale])]
    for row in rows:
        parts.append(
            _row(
                row.label,
                f"{row.label}: {percent_format(row.value)} "
                f"({percent_format(row.low)}–{percent_format(row.high)})",
                percent_format(row.value),
                grid,
                row.low / 100,
                row.high / 100,
                row.value / 100,
                ESTIMATE_COLOUR,
            )
        )
    return row_chart(chart_id, title, description, parts, css_class="chart-estimates")
