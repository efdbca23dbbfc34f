"""Server-rendered SVG range charts of the index reports; no script, no external library
(bars and tables come from ``survey_app.charts``).

Each chart is a small SVG string (``markupsafe.Markup``) drawn from plain numbers:

* :func:`interval_chart`: ranks with their 90 % intervals (a line from the lowest to the highest
  plausible rank, a dot at the published rank), one row per unit;
* :func:`estimate_chart`: survey results as a share of the maximum with their 95 % confidence
  intervals, one row per criterion × respondent group.

Both charts have a title and a description (``role="img"``, ``aria-labelledby``) and are
always shown beside a table with the same numbers, their text alternative; each row's tooltip
has its figures. Positions are percentages of the chart's width and text is in CSS pixels, so a
chart fills a phone's column as well as a desktop's without its text shrinking (a label longer
than its column is clipped; the tooltip and the table have it in full). Colours reach a contrast
of at least 3:1 against white (WCAG 1.4.11).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

ESTIMATE_COLOUR = "#1d70b8"
GRID_COLOUR = "#dee0e2"
INTERVAL_COLOUR = "#505a5f"
HIGHLIGHT_COLOUR = "#d4351c"

ROW_HEIGHT = 24
AXIS_HEIGHT = 28
LABEL_SHARE = 34.0
"""The label column, in % of the chart's width."""

PLOT_START = 37.0
PLOT_END = 97.0
"""Where the plot runs, in % of the chart's width."""


def _percent(fraction: float) -> str:
    """The position of a fraction (0–1, clipped) of the plot, as a percentage of the width."""
    clipped = min(1.0, max(0.0, fraction))
    return f"{PLOT_START + (PLOT_END - PLOT_START) * clipped:.2f}%"


def _frame(chart_id: str, title: str, description: str, rows: int) -> tuple[list[str], int]:
    """The opening of a row chart (the SVG element, its title and description) and its height."""
    height = AXIS_HEIGHT + rows * ROW_HEIGHT + 8
    name = escape(chart_id)
    return [
        f'<svg class="row-chart" id="{name}" width="100%" height="{height}" role="img" '
        f'aria-labelledby="{name}-title {name}-desc">',
        f'<title id="{name}-title">{escape(title)}</title>',
        f'<desc id="{name}-desc">{escape(description)}</desc>',
    ], height


def _axis(ticks: Sequence[tuple[float, str]], height: int) -> list[str]:
    """Tick labels along the top and faint grid lines down the plot (``ticks``: fraction of the
    plot, text)."""
    return [
        f'<line x1="{_percent(at)}" x2="{_percent(at)}" y1="{AXIS_HEIGHT - 6}" '
        f'y2="{height - 4}" stroke="{GRID_COLOUR}" stroke-width="1"/>'
        f'<text x="{_percent(at)}" y="{AXIS_HEIGHT - 10}" text-anchor="middle" '
        f'class="axis-label">{escape(text)}</text>'
        for at, text in ticks
    ]


def _row(
    number: int,
    label: str,
    tip: str,
    low: float,
    high: float,
    dot: float,
    colour: str,
    *,
    bold: bool = False,
) -> str:
    """One row: a clipped label, a line from ``low`` to ``high`` and a dot at ``dot``
    (fractions of the plot), with ``tip`` as its tooltip."""
    top = AXIS_HEIGHT + number * ROW_HEIGHT
    middle = top + ROW_HEIGHT / 2
    weight = ' font-weight="700"' if bold else ""
    return (
        f"<g><title>{escape(tip)}</title>"
        f'<svg x="0" y="{top}" width="{LABEL_SHARE:.0f}%" height="{ROW_HEIGHT}" overflow="hidden">'
        f'<text x="0" y="{ROW_HEIGHT - 8}" class="row-label"{weight}>{escape(label)}</text></svg>'
        f'<line x1="{_percent(low)}" x2="{_percent(high)}" y1="{middle}" y2="{middle}" '
        f'stroke="{colour}" stroke-width="3" stroke-linecap="round"/>'
        f'<circle cx="{_percent(dot)}" cy="{middle}" r="5" fill="{colour}"/></g>'
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
    """Ranks 1…``count`` left to right, each unit's interval as a line and its rank as a dot."""
    parts, height = _frame(chart_id, title, description, len(rows))

    def at(rank: float) -> float:
        """A rank's place on the plot (rank 1 a half step in from the left)."""
        return (rank - 0.5) / count

    parts += _axis([(at(rank), str(rank)) for rank in _rank_ticks(count)], height)
    for number, row in enumerate(rows):
        parts.append(
            _row(
                number,
                row.label,
                f"{row.label}: {row.rank} ({row.low}–{row.high})",
                at(row.low),
                at(row.high),
                at(row.rank),
                HIGHLIGHT_COLOUR if row.highlight else INTERVAL_COLOUR,
                bold=row.highlight,
            )
        )
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class EstimateRow:
    """One survey result as a percentage of its maximum, with its confidence interval."""

    label: str
    value: float
    low: float
    high: float


def estimate_chart(
    chart_id: str, title: str, description: str, rows: Sequence[EstimateRow]
) -> Markup:
    """Percentages 0–100 left to right, each estimate a dot on its interval."""
    parts, height = _frame(chart_id, title, description, len(rows))
    parts += _axis([(v / 100, f"{v:g}%") for v in (0, 25, 50, 75, 100)], height)
    for number, row in enumerate(rows):
        parts.append(
            _row(
                number,
                row.label,
                f"{row.label}: {row.value:.1f}% ({row.low:.1f}–{row.high:.1f})",
                row.low / 100,
                row.high / 100,
                row.value / 100,
                ESTIMATE_COLOUR,
            )
        )
    parts.append("</svg>")
    return Markup("".join(parts))
