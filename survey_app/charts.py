"""Small server-side SVG charts for the workspace: horizontal bars against a target, progress
bars and histograms, plus the data table that goes beside a chart as its text alternative.

Every builder returns escaped markup (:class:`markupsafe.Markup`) ready for a template. The
charts need no script, no stylesheet and no external resource: colours and sizes are
presentation attributes, text inherits the page's font and colour. They are accessible: the
``<svg>`` has ``role="img"`` and is labelled by its ``<title>`` and ``<desc>``; each bar has its
own ``<title>`` (a tooltip with the exact figure); the same figures belong in a table beside
the chart (:func:`data_table`), which is what screen readers and people who prefer numbers use.

Layout is in percentages of the chart's width with text in CSS pixels, so a chart fills any
column from a phone to a desktop without its text shrinking or growing: bar lengths stretch,
labels keep their size (a bar label longer than its column is clipped; the tooltip and the
table have it in full).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_COLOUR = "#1d70b8"
"""Bars (blue, 5.2:1 against white)."""

TARGET_COLOUR = "#0b0c0c"
"""Target lines and text (near black)."""

GRID_COLOUR = "#b1b4b6"
"""Grid lines and the empty part of a progress bar."""

MARKER_COLOUR = "#d4351c"
"""A marker line on a histogram, e.g. a threshold (red, 4.5:1 against white)."""

DONE_COLOUR = "#00703c"
"""A progress bar that reached its total (green, 5.7:1 against white)."""

FONT_SIZE = 13
ROW_HEIGHT = 26
AXIS_HEIGHT = 22
LEGEND_HEIGHT = 26
LABEL_WIDTH = 34.0
"""Bar charts: the label column, in % of the width."""

BAR_START = 35.0
BAR_END = 86.0
"""Bar charts: where bars run, in % of the width; their value is written after."""

HISTOGRAM_PLOT = 170
HISTOGRAM_TOP = 26
HISTOGRAM_BOTTOM = 30

CHART_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")

NumberFormat = Callable[[float], str]


def _default_format(value: float) -> str:
    """A number with thousands separators and no decimals."""
    return f"{value:,.0f}"


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value and, optionally, the target it is measured against."""

    label: str
    value: float
    target: float | None = None


@dataclass(frozen=True)
class Bin:
    """One histogram bin: how many fall in it, and its label for the tooltip."""

    label: str
    count: int


def _check_id(chart_id: str) -> None:
    """Refuse an id that cannot be an HTML id (the chart's title and description use it)."""
    if not CHART_ID.match(chart_id):
        raise ValueError(f"chart id {chart_id!r} must start with a letter: letters, digits, - or _")


def _number(value: float) -> str:
    """A coordinate without needless digits."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above ``value`` (1 for nothing)."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * power:
            return step * power
    return 10.0 * power


def ticks(maximum: float, count: int = 4, *, minimum_step: float = 0.0) -> list[float]:
    """Round grid values from 0 up to at least ``maximum``, about ``count`` steps apart, the
    steps no smaller than ``minimum_step`` (1 for counts)."""
    step = max(nice_ceiling(maximum / count), minimum_step)
    steps = max(1, math.ceil(maximum / step - 1e-9))
    return [step * n for n in range(steps + 1)]


def _open(chart_id: str, title: str, description: str, height: float, css_class: str) -> str:
    """The opening ``<svg>`` with its title and description."""
    _check_id(chart_id)
    return (
        f'<svg id="{chart_id}" class="chart {css_class}" width="100%" height="{_number(height)}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-size="{FONT_SIZE}" fill="currentColor">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )


def bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    description: str,
    value_name: str,
    target_name: str | None = None,
    number_format: NumberFormat = _default_format,
    minimum_step: float = 0.0,
) -> Markup:
    """Horizontal bars, one row per ``bars`` item, each with its target as a black line.

    ``value_name`` and ``target_name`` name the two in the legend and the tooltips (``target_name``
    None: no legend entry for targets). The scale runs from 0 to a round number at or above the
    largest value or target, in steps of at least ``minimum_step`` (1 for counts).
    """
    largest = max([bar.value for bar in bars] + [bar.target or 0.0 for bar in bars] + [0.0])
    grid = ticks(largest, minimum_step=minimum_step)
    scale = grid[-1]
    height = AXIS_HEIGHT + len(bars) * ROW_HEIGHT + LEGEND_HEIGHT
    span = BAR_END - BAR_START

    def x(value: float) -> str:
        """The position of ``value`` on the bar scale, in %."""
        return _number(BAR_START + span * min(max(value, 0.0), scale) / scale) + "%"

    parts = [_open(chart_id, title, description, height, "chart-bars")]
    bottom = AXIS_HEIGHT + len(bars) * ROW_HEIGHT
    for value in grid:
        parts.append(
            f'<line x1="{x(value)}" x2="{x(value)}" y1="{AXIS_HEIGHT - 4}" y2="{bottom}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
            f'<text x="{x(value)}" y="{AXIS_HEIGHT - 8}" text-anchor="middle">'
            f"{escape(number_format(value))}</text>"
        )
    for row, bar in enumerate(bars):
        top = AXIS_HEIGHT + row * ROW_HEIGHT
        tip = f"{bar.label}: {value_name} {number_format(bar.value)}"
        if bar.target is not None and target_name is not None:
            tip += f", {target_name} {number_format(bar.target)}"
        parts.append(
            f'<svg x="0" y="{top}" width="{_number(LABEL_WIDTH)}%" height="{ROW_HEIGHT}" '
            f'overflow="hidden"><text x="0" y="{ROW_HEIGHT - 8}">{escape(bar.label)}</text></svg>'
            f'<rect x="{_number(BAR_START)}%" y="{top + 5}" '
            f'width="{_number(span * min(max(bar.value, 0.0), scale) / scale)}%" '
            f'height="{ROW_HEIGHT - 10}" fill="{BAR_COLOUR}"><title>{escape(tip)}</title></rect>'
            f'<text x="100%" y="{top + ROW_HEIGHT - 8}" text-anchor="end">'
            f"{escape(number_format(bar.value))}</text>"
        )
        if bar.target is not None:
            parts.append(
                f'<line x1="{x(bar.target)}" x2="{x(bar.target)}" y1="{top + 2}" '
                f'y2="{top + ROW_HEIGHT - 2}" stroke="{TARGET_COLOUR}" stroke-width="3"/>'
            )
    legend = bottom + 18
    parts.append(
        f'<rect x="0" y="{legend - 11}" width="14" height="12" fill="{BAR_COLOUR}"/>'
        f'<text x="0" dx="20" y="{legend}">{escape(value_name)}</text>'
    )
    if target_name is not None:
        parts.append(
            f'<line x1="50%" x2="50%" y1="{legend - 12}" y2="{legend + 2}" '
            f'stroke="{TARGET_COLOUR}" stroke-width="3"/><text x="50%" dx="8" '
            f'y="{legend}">{escape(target_name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def progress_bar(value: float, total: float, *, label: str) -> Markup:
    """A thin bar filled to ``value / total`` (full, and green, once ``total`` is reached;
    empty without a total); ``label`` is what it says to a screen reader and in its tooltip."""
    share = 0.0 if total <= 0 else min(max(value / total, 0.0), 1.0)
    colour = DONE_COLOUR if total > 0 and value >= total else BAR_COLOUR
    return Markup(
        f'<svg class="chart chart-progress" width="100%" height="12" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
        f'<rect width="100%" height="12" fill="{GRID_COLOUR}"/>'
        f'<rect width="{_number(100 * share)}%" height="12" fill="{colour}"/></svg>'
    )


def histogram(
    bins: Sequence[Bin],
    *,
    chart_id: str,
    title: str,
    description: str,
    edges: Sequence[str],
    marker: float | None = None,
    marker_label: str = "",
    number_format: NumberFormat = _default_format,
) -> Markup:
    """Columns of equal width, one per bin, with the bin edges written underneath.

    ``edges`` has one label more than there are bins (the first and last may be empty for
    open bins). ``marker``, in bins from the left edge (2.5: half-way through the third bin),
    draws a dashed red line with ``marker_label`` above it.
    """
    if len(edges) != len(bins) + 1:
        raise ValueError(f"a histogram of {len(bins)} bins needs {len(bins) + 1} edge labels")
    height = HISTOGRAM_TOP + HISTOGRAM_PLOT + HISTOGRAM_BOTTOM
    base = HISTOGRAM_TOP + HISTOGRAM_PLOT
    grid = ticks(max([b.count for b in bins] + [0]), 3, minimum_step=1)
    scale = grid[-1]
    width = 100.0 / max(len(bins), 1)
    parts = [_open(chart_id, title, description, height, "chart-histogram")]
    for value in grid:
        y = base - HISTOGRAM_PLOT * value / scale
        parts.append(
            f'<line x1="0" x2="100%" y1="{_number(y)}" y2="{_number(y)}" stroke="{GRID_COLOUR}" '
            f'stroke-width="1"/><text x="0" y="{_number(y - 3)}">'
            f"{escape(number_format(value))}</text>"
        )
    for index, item in enumerate(bins):
        tall = HISTOGRAM_PLOT * item.count / scale
        parts.append(
            f'<rect x="{_number(index * width + width * 0.08)}%" y="{_number(base - tall)}" '
            f'width="{_number(width * 0.84)}%" height="{_number(tall)}" fill="{BAR_COLOUR}">'
            f"<title>{escape(item.label)}: {escape(number_format(item.count))}</title></rect>"
        )
    for index, edge in enumerate(edges):
        anchor = "start" if index == 0 else "end" if index == len(bins) else "middle"
        parts.append(
            f'<text class="edge edge-{index % 2}" x="{_number(index * width)}%" '
            f'y="{base + 18}" text-anchor="{anchor}">{escape(edge)}</text>'
        )
    if marker is not None:
        at = min(max(marker, 0.0), float(len(bins))) * width
        anchor = "start" if at < 50 else "end"
        shift = 4 if at < 50 else -4
        parts.append(
            f'<line x1="{_number(at)}%" x2="{_number(at)}%" y1="{HISTOGRAM_TOP - 6}" y2="{base}" '
            f'stroke="{MARKER_COLOUR}" stroke-width="2" stroke-dasharray="5 3"/>'
            f'<text x="{_number(at)}%" dx="{shift}" y="{HISTOGRAM_TOP - 10}" '
            f'text-anchor="{anchor}" fill="{MARKER_COLOUR}">{escape(marker_label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def data_table(
    *, caption: str, headers: Sequence[str], rows: Sequence[Sequence[object]], table_id: str
) -> Markup:
    """The figures of a chart as a table (the first column as row headers), in a frame that
    scrolls sideways on a phone; ``caption`` names it for everyone."""
    _check_id(table_id)
    head = "".join(f'<th scope="col">{escape(header)}</th>' for header in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<th scope="row">{escape(cell)}</th>' if n == 0 else f"<td>{escape(cell)}</td>"
            for n, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return Markup(
        f'<div class="table-wrap" role="region" aria-labelledby="{table_id}-caption" tabindex="0">'
        f'<table class="data numbers" id="{table_id}"><caption id="{table_id}-caption">'
        f"{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        "</div>"
    )
