"""The layout of the workspace's row charts (bars against targets, rank intervals, estimates with
their confidence intervals): one HTML row per item, so its label wraps instead of being cut.

A row is three cells: the label, the track (a small ``<svg>`` as wide as its column, drawn in %
of that width) and the value written after it. On a wide screen the three stand side by side;
on a phone the label takes its own line above its track (``.chart-rows`` in ``staff.css``). The
first row is the axis: the scale's tick texts above the tracks. Lengths are SVG presentation
attributes, never inline styles (the Content-Security-Policy allows none).

The chart as a whole is one image (``role="img"``) named by its title and description, which
stay hidden on screen; each row's tooltip gives its exact figures, and the same figures belong
in a table beside the chart (its text alternative). The builders return escaped, well-formed
markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup, escape

FONT_SIZE = 13
"""Text drawn in a track (the axis' ticks), in CSS pixels."""

ROW_HEIGHT = 28
"""The least height of a row's track, in CSS pixels; a track is as tall as its row when the
label wraps, and what it draws is centred on it."""

AXIS_HEIGHT = 22
"""The height of the axis row's track."""

GRID_COLOUR = "#b1b4b6"
"""The scale's lines (grey, 2:1 against white: a guide, not content)."""

CHART_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def check_id(chart_id: str) -> None:
    """Refuse an id that cannot be an HTML id (the chart's title and description use it)."""
    if not CHART_ID.match(chart_id):
        raise ValueError(f"chart id {chart_id!r} must start with a letter: letters, digits, - or _")


def coordinate(value: float) -> str:
    """An SVG coordinate without needless digits (two decimals at most)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def at(fraction: float) -> str:
    """A fraction of a track's width (clipped to 0–1) as an SVG position in %."""
    return coordinate(100.0 * min(max(fraction, 0.0), 1.0)) + "%"


def row_track(content: str, height: int = ROW_HEIGHT) -> str:
    """A row's track: an ``<svg>`` as wide as its column, ``content`` drawn on it."""
    return (
        f'<svg class="row-track" width="100%" height="{height}" overflow="visible" '
        f'font-size="{FONT_SIZE}" fill="currentColor" aria-hidden="true">{content}</svg>'
    )


def grid_lines(fractions: Sequence[float], colour: str = GRID_COLOUR) -> str:
    """The scale's vertical lines across a track, at ``fractions`` of its width."""
    return "".join(
        f'<line x1="{at(fraction)}" x2="{at(fraction)}" y1="0" y2="100%" '
        f'stroke="{colour}" stroke-width="1"/>'
        for fraction in fractions
    )


def axis_row(ticks: Sequence[tuple[float, str]]) -> str:
    """The axis row: each tick's text at its fraction of the width (the first at 0 starts
    there, one at 1 ends there, the rest are centred)."""

    def anchor(fraction: float) -> str:
        return "start" if fraction <= 0 else "end" if fraction >= 1 else "middle"

    texts = "".join(
        f'<text x="{at(fraction)}" y="{AXIS_HEIGHT - 8}" text-anchor="{anchor(fraction)}">'
        f"{escape(text)}</text>"
        for fraction, text in ticks
    )
    return chart_row("", row_track(texts, AXIS_HEIGHT), css_class="row-axis")


def chart_row(
    label: str, track: str, value: str = "", *, tip: str = "", css_class: str = ""
) -> str:
    """One row: its label, its track (from :func:`row_track`) and its value, with ``tip`` as
    its tooltip and ``css_class`` added to ``chart-row`` (``row-highlight``: the label in bold)."""
    classes = f"chart-row {css_class}".strip()
    title = f' title="{escape(tip)}"' if tip else ""
    return (
        f'<div class="{classes}"{title}><span class="row-label">{escape(label)}</span>{track}'
        f'<span class="row-value">{escape(value)}</span></div>'
    )


def row_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[str],
    *,
    css_class: str,
    legend: str = "",
) -> Markup:
    """The chart: an image named by ``title`` and ``description`` holding ``rows`` (from
    :func:`axis_row` and :func:`chart_row`) and, under them, the ``legend`` markup if any."""
    check_id(chart_id)
    legend_part = f'<div class="chart-legend">{legend}</div>' if legend else ""
    return Markup(
        f'<figure id="{chart_id}" class="chart chart-rows {css_class}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<span id="{chart_id}-title" hidden="hidden">{escape(title)}</span>'
        f'<span id="{chart_id}-desc" hidden="hidden">{escape(description)}</span>'
        + "".join(rows)
        + legend_part
        + "</figure>"
    )
