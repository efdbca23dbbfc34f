"""Small server-side charts for the workspace: horizontal bars against a target, progress bars
and histograms, plus the data table that goes beside a chart as its text alternative.

Every builder returns escaped markup (:class:`markupsafe.Markup`) ready for a template. The
charts need no script and no external resource: colours and sizes are SVG presentation
attributes (the Content-Security-Policy allows no inline style), text inherits the page's font
and colour. They are accessible: each chart has ``role="img"`` and is labelled by its title and
description; each bar has a tooltip with its exact figures; the same figures belong in a table
beside the chart (:func:`data_table`), which is what screen readers and people who prefer
numbers use.

Layout is in percentages of the chart's width with text in CSS pixels, so a chart fills any
column from a phone to a desktop without its text shrinking or growing. A bar chart is a row
chart (:mod:`survey_app.chart_rows`), so its labels wrap in full on any screen; histograms and
progress bars are single ``<svg>`` images.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from survey_app.chart_rows import (
    FONT_SIZE,
    GRID_COLOUR,
    ROW_HEIGHT,
    at,
    axis_row,
    chart_row,
    check_id,
    coordinate,
    grid_lines,
    row_chart,
    row_track,
)
from survey_app.formatting import number

BAR_COLOUR = "#1d70b8"
"""Bars (blue, 5.2:1 against white)."""

TARGET_COLOUR = "#0b0c0c"
"""Target lines and text (near black)."""

MARKER_COLOUR = "#d4351c"
"""A marker line on a histogram, e.g. a threshold (red, 4.5:1 against white)."""

DONE_COLOUR = "#00703c"
"""A progress bar that reached its total (green, 5.7:1 against white)."""

HISTOGRAM_PLOT = 170
HISTOGRAM_TOP = 26
HISTOGRAM_BOTTOM = 30

NumberFormat = Callable[[float], str]


def _default_format(value: float) -> str:
    """A number with the language's thousands separator and no decimals."""
    return number(value, 0)


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
    check_id(chart_id)
    return (
        f'<svg id="{chart_id}" class="chart {css_class}" width="100%" '
        f'height="{coordinate(height)}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
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
    """Horizontal bars, one row per ``bars`` item (:mod:`survey_app.chart_rows`), each with its
    target as a black line and its value written after it.

    ``value_name`` and ``target_name`` name the two in the legend and the tooltips (``target_name``
    None: no legend entry for targets). The scale runs from 0 to a round number at or above the
    largest value or target, in steps of at least ``minimum_step`` (1 for counts).
    """
    largest = max([bar.value for bar in bars] + [bar.target or 0.0 for bar in bars] + [0.0])
    grid = ticks(largest, minimum_step=minimum_step)
    scale = grid[-1]
    lines = grid_lines([value / scale for value in grid])
    middle = ROW_HEIGHT // 2
    rows = [axis_row([(value / scale, number_format(value)) for value in grid])]
    for bar in bars:
        tip = f"{bar.label}: {value_name} {number_format(bar.value)}"
        if bar.target is not None and target_name is not None:
            tip += f", {target_name} {number_format(bar.target)}"
        # centred on the track: placed at half its height, then moved up by half their own
        drawn = lines + (
            f'<rect class="bar" x="0" y="50%" transform="translate(0 {5 - middle})" '
            f'width="{at(bar.value / scale)}" height="{ROW_HEIGHT - 10}" fill="{BAR_COLOUR}"/>'
        )
        if bar.target is not None:
            drawn += (
                f'<rect class="target" x="{at(bar.target / scale)}" y="50%" '
                f'transform="translate(-1.5 {2 - middle})" width="3" height="{ROW_HEIGHT - 4}" '
                f'fill="{TARGET_COLOUR}"/>'
            )
        rows.append(chart_row(bar.label, row_track(drawn), number_format(bar.value), tip=tip))
    legend = (
        f'<span><svg width="14" height="12" aria-hidden="true"><rect width="14" height="12" '
        f'fill="{BAR_COLOUR}"/></svg> {escape(value_name)}</span>'
    )
    if target_name is not None:
        legend += (
            f'<span><svg width="4" height="14" aria-hidden="true"><rect width="3" height="14" '
            f'fill="{TARGET_COLOUR}"/></svg> {escape(target_name)}</span>'
        )
    return row_chart(chart_id, title, description, rows, css_class="chart-bars", legend=legend)


def progress_bar(value: float, total: float, *, label: str) -> Markup:
    """A thin bar filled to ``value / total`` (full, and green, once ``total`` is reached;
    empty without a total); ``label`` is what it says to a screen reader and in its tooltip."""
    share = 0.0 if total <= 0 else min(max(value / total, 0.0), 1.0)
    colour = DONE_COLOUR if total > 0 and value >= total else BAR_COLOUR
    return Markup(
        f'<svg class="chart chart-progress" width="100%" height="12" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
        f'<rect width="100%" height="12" fill="{GRID_COLOUR}"/>'
        f'<rect width="{coordinate(100 * share)}%" height="12" fill="{colour}"/></svg>'
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
            f'<line x1="0" x2="100%" y1="{coordinate(y)}" y2="{coordinate(y)}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/><text x="0" y="{coordinate(y - 3)}">'
            f"{escape(number_format(value))}</text>"
        )
    for index, item in enumerate(bins):
        tall = HISTOGRAM_PLOT * item.count / scale
        parts.append(
            f'<rect x="{coordinate(index * width + width * 0.08)}%" y="{coordinate(base - tall)}" '
            f'width="{coordinate(width * 0.84)}%" height="{coordinate(tall)}" fill="{BAR_COLOUR}">'
            f"<title>{escape(item.label)}: {escape(number_format(item.count))}</title></rect>"
        )
    for index, edge in enumerate(edges):
        anchor = "start" if index == 0 else "end" if index == len(bins) else "middle"
        parts.append(
            f'<text class="edge edge-{index % 2}" x="{coordinate(index * width)}%" '
            f'y="{base + 18}" text-anchor="{anchor}">{escape(edge)}</text>'
        )
    if marker is not None:
        at = min(max(marker, 0.0), float(len(bins))) * width
        anchor = "start" if at < 50 else "end"
        shift = 4 if at < 50 else -4
        parts.append(
            f'<line x1="{coordinate(at)}%" x2="{coordinate(at)}%" y1="{HISTOGRAM_TOP - 6}" '
            f'y2="{base}" stroke="{MARKER_COLOUR}" stroke-width="2" stroke-dasharray="5 3"/>'
            f'<text x="{coordinate(at)}%" dx="{shift}" y="{HISTOGRAM_TOP - 10}" '
            f'text-anchor="{anchor}" fill="{MARKER_COLOUR}">{escape(marker_label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def data_table(
    *, caption: str, headers: Sequence[str], rows: Sequence[Sequence[object]], table_id: str
) -> Markup:
    """The figures of a chart as a table, in a frame that scrolls sideways on a phone: the first
    column names each row (row headers), the others are figures, aligned right; ``caption``
    names it for everyone."""
    check_id(table_id)
    head = "".join(
        f'<th scope="col">{escape(header)}</th>'
        if n == 0
        else f'<th scope="col" class="number">{escape(header)}</th>'
        for n, header in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<th scope="row">{escape(cell)}</th>'
            if n == 0
            else f'<td class="number">{escape(cell)}</td>'
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
