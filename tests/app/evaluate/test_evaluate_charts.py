"""The index reports' range charts: one row per unit or survey result, its label in full, its
line and dot where its figures put them on the scale, its figures written after it and in its
tooltip, in the page's number format."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from survey_app.evaluate.charts import EstimateRow, IntervalRow, estimate_chart, interval_chart


def _rows(markup: str) -> list[ElementTree.Element]:
    """The chart's rows, the axis left out (the markup must be well-formed)."""
    chart = ElementTree.fromstring(markup)
    return [row for row in chart.iter("div") if "chart-row" in (row.get("class") or "").split()][1:]


def test_interval_chart_places_each_rank_and_its_interval_on_the_ranks() -> None:
    """Four ranks: rank r sits at (r − ½) / 4 of the track; the highlighted unit is in bold and
    red; the axis names every rank."""
    markup = interval_chart(
        "intervals-dept",
        "Ranks with their 90% intervals",
        "One line per unit.",
        [
            IntervalRow("Sở Lao động - Thương binh và Xã hội", 1, 1, 2),
            IntervalRow("Sở Y tế", 3, 2, 4, highlight=True),
        ],
        4,
    )
    chart = ElementTree.fromstring(str(markup))
    assert (chart.get("role"), chart.get("aria-labelledby")) == (
        "img",
        "intervals-dept-title intervals-dept-desc",
    )
    axis = chart.find("div")
    assert axis is not None and [t.text for t in axis.iter("text")] == ["1", "2", "3", "4"]
    rows = _rows(str(markup))
    assert [[span.text for span in row.iter("span")] for row in rows] == [
        ["Sở Lao động - Thương binh và Xã hội", "1–2"],
        ["Sở Y tế", "2–4"],
    ]
    assert [row.get("title") for row in rows] == [
        "Sở Lao động - Thương binh và Xã hội: 1 (1–2)",
        "Sở Y tế: 3 (2–4)",
    ]
    lines = [
        next(line for line in row.iter("line") if line.get("stroke-width") == "3") for row in rows
    ]
    assert [(line.get("x1"), line.get("x2")) for line in lines] == [
        ("12.5%", "37.5%"),
        ("37.5%", "87.5%"),
    ]
    dots = [next(row.iter("circle")) for row in rows]
    assert [dot.get("cx") for dot in dots] == ["12.5%", "62.5%"]
    assert [dot.get("fill") for dot in dots] == ["#505a5f", "#d4351c"]
    assert [row.get("class") for row in rows] == ["chart-row", "chart-row row-highlight"]


@pytest.mark.parametrize(
    ("decimal", "value", "tip"),
    [
        (".", "72.5%", "2.1.2 · delegate: 72.5% (60.0%–85.0%)"),
        (",", "72,5%", "2.1.2 · delegate: 72,5% (60,0%–85,0%)"),
    ],
)
def test_estimate_chart_writes_percentages_in_the_page_format(
    decimal: str, value: str, tip: str
) -> None:
    """The estimate is a dot at its share of the track on a line over its interval, written
    after it and in its tooltip with the page's decimal sign; the axis runs 0–100%."""
    markup = estimate_chart(
        "survey-results",
        "Survey results",
        "Dots and lines.",
        [EstimateRow("2.1.2 · delegate", 72.5, 60.0, 85.0)],
        lambda share: f"{share:.1f}".replace(".", decimal) + "%",
    )
    chart = ElementTree.fromstring(str(markup))
    axis = chart.find("div")
    assert axis is not None
    assert [t.text for t in axis.iter("text")] == ["0%", "25%", "50%", "75%", "100%"]
    assert [t.get("text-anchor") for t in axis.iter("text")] == [
        "start",
        "middle",
        "middle",
        "middle",
        "end",
    ]
    (row,) = _rows(str(markup))
    assert [span.text for span in row.iter("span")] == ["2.1.2 · delegate", value]
    assert row.get("title") == tip
    assert next(row.iter("circle")).get("cx") == "72.5%"
    line = next(line for line in row.iter("line") if line.get("stroke-width") == "3")
    assert (line.get("x1"), line.get("x2")) == ("60%", "85%")


def test_a_label_is_escaped() -> None:
    """A unit's name cannot inject markup into the chart."""
    markup = interval_chart("i", "t", "d", [IntervalRow("<script>x</script>", 1, 1, 1)], 1)
    assert "<script>" not in markup and "&lt;script&gt;x&lt;/script&gt;" in markup
    ElementTree.fromstring(str(markup))
