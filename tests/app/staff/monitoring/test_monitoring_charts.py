"""The chart builders: labelled for assistive technology, escaped, scaled to round numbers,
with the figures in tooltips and in the table beside the chart."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from survey_app.charts import (
    Bar,
    Bin,
    bar_chart,
    data_table,
    histogram,
    nice_ceiling,
    progress_bar,
    ticks,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ElementTree.Element:
    """The chart as XML (it must be well-formed)."""
    return ElementTree.fromstring(str(markup).replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))


def test_bar_chart_is_an_image_labelled_by_its_title_and_description() -> None:
    """role=img, aria-labelledby naming the hidden title and description; a row per bar with
    its whole label, its value and a tooltip giving both figures."""
    markup = bar_chart(
        [Bar("Sở Lao động - Thương binh và Xã hội", 45, 60), Bar("Sở Y tế", 70, 60)],
        chart_id="chart-leader",
        title="Responses by unit",
        description="Two units against their targets.",
        value_name="responses",
        target_name="target",
    )
    chart = ElementTree.fromstring(str(markup))
    assert (chart.tag, chart.get("id"), chart.get("role")) == ("figure", "chart-leader", "img")
    assert chart.get("aria-labelledby") == "chart-leader-title chart-leader-desc"
    named = {span.get("id"): span for span in chart.iter("span") if span.get("id")}
    assert named["chart-leader-title"].text == "Responses by unit"
    assert named["chart-leader-desc"].text == "Two units against their targets."
    assert all(span.get("hidden") is not None for span in named.values())
    rows = [row for row in chart.iter("div") if row.get("class") == "chart-row"]
    assert [row.get("title") for row in rows] == [
        "Sở Lao động - Thương binh và Xã hội: responses 45, target 60",
        "Sở Y tế: responses 70, target 60",
    ]
    assert [[span.text for span in row.iter("span")] for row in rows] == [
        ["Sở Lao động - Thương binh và Xã hội", "45"],
        ["Sở Y tế", "70"],
    ]


def test_bar_lengths_and_target_lines_follow_a_round_scale() -> None:
    """The scale ends at 80 (the round number above 70), with its ticks written above the bars:
    45 fills 45/80 of its column, a target of 60 stands at 60/80."""
    markup = bar_chart(
        [Bar("a", 45, 60), Bar("b", 70, 60)],
        chart_id="c",
        title="t",
        description="d",
        value_name="responses",
        target_name="target",
    )
    chart = ElementTree.fromstring(str(markup))
    axis = next(row for row in chart.iter("div") if row.get("class") == "chart-row row-axis")
    assert [text.text for text in axis.iter("text")] == ["0", "20", "40", "60", "80"]
    widths = [rect.get("width") for rect in chart.iter("rect") if rect.get("class") == "bar"]
    assert widths == [f"{100 * 45 / 80:g}%", f"{100 * 70 / 80:g}%"]
    targets = [rect.get("x") for rect in chart.iter("rect") if rect.get("class") == "target"]
    assert targets == [f"{100 * 60 / 80:g}%"] * 2


def test_a_bar_chart_without_targets_has_no_target_lines_nor_legend_entry() -> None:
    """Targets are optional: none drawn, the legend names only the bars."""
    markup = bar_chart(
        [Bar("a", 3)], chart_id="c", title="t", description="d", value_name="responses"
    )
    chart = ElementTree.fromstring(str(markup))
    assert [rect.get("class") for rect in chart.iter("rect")] == ["bar", None]
    legend = next(div for div in chart.iter("div") if div.get("class") == "chart-legend")
    assert "".join(legend.itertext()).strip() == "responses"


def test_text_is_escaped() -> None:
    """Labels and titles cannot inject markup."""
    markup = bar_chart(
        [Bar("<script>alert(1)</script>", 1)],
        chart_id="c",
        title="A & B",
        description='"quoted"',
        value_name="n",
    )
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
    ElementTree.fromstring(str(markup))


def test_a_chart_id_must_be_an_html_id() -> None:
    """An id that could break the markup is refused."""
    with pytest.raises(ValueError, match="must start with a letter"):
        bar_chart([], chart_id='x" onload="', title="t", description="d", value_name="n")


def test_progress_bar_fills_to_the_share_and_turns_green_when_done() -> None:
    """75 % filled in blue; full and green at or over the total; labelled."""
    partial = progress_bar(45, 60, label="45 of 60")
    assert 'width="75%"' in partial and "#1d70b8" in partial
    assert 'aria-label="45 of 60"' in partial
    done = progress_bar(70, 60, label="70 of 60")
    assert 'width="100%" height="12" fill="#00703c"' in done
    assert 'width="0%"' in progress_bar(3, 0, label="no target")


def test_histogram_draws_one_column_per_bin_and_the_marker() -> None:
    """Columns, edge labels, and a dashed marker with its label at its position."""
    markup = histogram(
        [Bin("0–1 min", 2), Bin("1–2 min", 8), Bin("2 min+", 0)],
        chart_id="h",
        title="Durations",
        description="d",
        edges=["0", "1:00", "2:00", ""],
        marker=1.5,
        marker_label="threshold",
    )
    svg = parse(markup)
    columns = [r for r in svg.iter(f"{SVG}rect")]
    assert len(columns) == 3
    assert [t.text for r in columns for t in r.iter(f"{SVG}title")] == [
        "0–1 min: 2",
        "1–2 min: 8",
        "2 min+: 0",
    ]
    assert 'x1="50%"' in markup and "stroke-dasharray" in markup and ">threshold<" in markup


def test_histogram_needs_one_edge_more_than_bins() -> None:
    """Edges and bins must agree."""
    with pytest.raises(ValueError, match="needs 3 edge labels"):
        histogram([Bin("a", 1), Bin("b", 2)], chart_id="h", title="t", description="d", edges=["0"])


def test_nice_scale() -> None:
    """Round maxima and evenly spaced ticks."""
    assert nice_ceiling(70) == 100
    assert nice_ceiling(17.5) == 20
    assert nice_ceiling(0) == 1
    assert ticks(70) == [0, 20, 40, 60, 80]
    assert ticks(0) == [0, 1]


def test_data_table_has_a_caption_and_row_headers() -> None:
    """The text alternative: caption, column headers, first cell a row header, figures
    aligned right, escaped."""
    markup = data_table(
        caption="Responses by unit",
        headers=["Unit", "Responses"],
        rows=[["Sở <Y tế>", 70]],
        table_id="t1",
    )
    assert '<caption id="t1-caption">Responses by unit</caption>' in markup
    assert '<th scope="col">Unit</th><th scope="col" class="number">Responses</th>' in markup
    assert '<th scope="row">Sở &lt;Y tế&gt;</th><td class="number">70</td>' in markup
