"""How the monitoring figures are written: numbers, shares and durations in the interface
language, the charts of each respondent group, and the JSON of the live endpoint.

Numbers follow the language's conventions (``1.234`` and ``85,5 %`` in Vietnamese, ``1,234``
and ``85.5%`` in English); durations read ``10 min 27 s``. The template filters are
``monitoring_count``, ``monitoring_percent`` and ``monitoring_duration``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal, format_percent, gettext
from markupsafe import Markup

from survey_app.charts import Bar, Bin, bar_chart, data_table, histogram, progress_bar
from survey_app.i18n import current_language
from survey_app.models import Access, Unit
from survey_app.monitoring.dashboard import Dashboard, GroupSummary, Row, StratumLine
from survey_app.monitoring.rules import DURATION_EDGES, bin_position
from survey_app.staff.blueprint import bp


@bp.app_template_filter("monitoring_count")
def count_text(value: float | None) -> str:
    """A count with the language's thousands separator; a dash for none."""
    if value is None:
        return "—"
    text: str = format_decimal(value, format="#,##0")
    return text


@bp.app_template_filter("monitoring_percent")
def percent_text(share: float | None) -> str:
    """A share as a percentage with one decimal; a dash when undefined."""
    if share is None:
        return "—"
    text: str = format_percent(share, format="#,##0.0%")
    return text


@bp.app_template_filter("monitoring_duration")
def duration_text(seconds: float | None) -> str:
    """A duration as hours, minutes and seconds, e.g. ``10 min 27 s``; a dash for none."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole >= 3600:
        hours, minutes = divmod(round(seconds / 60), 60)
        text: str = gettext("%(hours)d h %(minutes)02d min", hours=hours, minutes=minutes)
        return text
    minutes, secs = divmod(whole, 60)
    if minutes:
        text = gettext("%(minutes)d min %(seconds)02d s", minutes=minutes, seconds=secs)
    else:
        text = gettext("%(seconds)d s", seconds=secs)
    return text


def edge_text(seconds: float) -> str:
    """A bin edge, compact: ``15 s``, ``1 min``, ``64 min``."""
    if seconds < 60:
        text: str = gettext("%(seconds)d s", seconds=seconds)
    else:
        text = gettext("%(minutes)d min", minutes=seconds // 60)
    return text


def unit_label(unit: Unit | None, language: str) -> str:
    """A row's unit name, or what stands for responses that name none."""
    if unit is None:
        text: str = gettext("No unit given")
        return text
    return unit.name(language)


@bp.app_template_global("monitoring_unit")
def unit_in_page(unit: Unit | None) -> str:
    """A row's unit name in the interface language."""
    return unit_label(unit, current_language())


@bp.app_template_global("monitoring_progress")
def progress(value: int, target: int) -> Markup:
    """A progress bar of ``value`` against ``target``, labelled with both."""
    if not target:
        label: str = gettext("%(count)s, no target", count=count_text(value))
    else:
        label = gettext(
            "%(count)s of %(target)s targeted (%(share)s)",
            count=count_text(value),
            target=count_text(target),
            share=percent_text(value / target),
        )
    return progress_bar(value, target, label=label)


def group_chart(group: GroupSummary, language: str) -> Markup:
    """Responses of each unit against its target, as bars."""
    bars = [
        Bar(unit_label(row.unit, language), row.responses, row.target or None) for row in group.rows
    ]
    return bar_chart(
        bars,
        chart_id=f"chart-{group.group}",
        title=gettext("Responses by unit: %(group)s", group=group.title),
        description=gettext(
            "One bar per unit: its responses, with its target sample size as a black line. "
            "The table below gives the same figures."
        ),
        value_name=gettext("responses"),
        target_name=gettext("target"),
        number_format=count_text,
        minimum_step=1,
    )


def _bin_label(index: int) -> str:
    """The range of duration bin ``index``."""
    low = 0.0 if index == 0 else DURATION_EDGES[index - 1]
    if index == len(DURATION_EDGES):
        text: str = gettext("%(low)s or more", low=edge_text(low))
        return text
    text = gettext("%(low)s to %(high)s", low=edge_text(low), high=edge_text(DURATION_EDGES[index]))
    return text


def duration_bins(group: GroupSummary) -> list[tuple[str, int]]:
    """The group's web durations per bin, labelled."""
    return [(_bin_label(index), count) for index, count in enumerate(group.duration_bins)]


def duration_chart(group: GroupSummary) -> Markup:
    """The group's web durations as a histogram, with the speeder threshold marked."""
    threshold = group.speeder_seconds
    return histogram(
        [Bin(label, count) for label, count in duration_bins(group)],
        chart_id=f"durations-{group.group}",
        title=gettext("Time taken to answer: %(group)s", group=group.title),
        description=gettext(
            "Web responses by time taken, in bins that double in length; the red line is "
            "the speeder threshold. The table beside gives the same figures."
        ),
        edges=["0", *(edge_text(edge) for edge in DURATION_EDGES), ""],
        marker=bin_position(threshold) if threshold is not None else None,
        marker_label=gettext("speeders below %(time)s", time=duration_text(threshold))
        if threshold is not None
        else "",
        number_format=count_text,
    )


def duration_table(group: GroupSummary) -> Markup:
    """The histogram's figures as a table, its text alternative."""
    return data_table(
        caption=gettext("Web responses by time taken: %(group)s", group=group.title),
        headers=[gettext("Time taken"), gettext("Responses")],
        rows=[(label, count_text(count)) for label, count in duration_bins(group)],
        table_id=f"durations-{group.group}-values",
    )


def group_charts(dashboard: Dashboard, language: str) -> dict[str, dict[str, Markup]]:
    """Each group's charts: ``bars`` (units against targets), ``durations`` and the
    durations' table."""
    return {
        group.group: {
            "bars": group_chart(group, language),
            "durations": duration_chart(group),
            "durations_table": duration_table(group),
        }
        for group in dashboard.groups
    }


def _stratum_json(line: StratumLine) -> dict[str, Any]:
    """One stratum as JSON."""
    return {
        "stratum": line.stratum,
        "responses": line.responses,
        "target": line.target,
        "quota": line.quota,
        "closed": line.closed,
        "in_frame": line.in_frame,
    }


def _row_json(row: Row, language: str) -> dict[str, Any]:
    """One unit × group as JSON."""
    return {
        "unit": None
        if row.unit is None
        else {"id": row.unit.id, "code": row.unit.code, "name": row.unit.name(language)},
        "responses": row.responses,
        "web": row.web,
        "paper": row.paper,
        "target": row.target,
        "invitations": row.invitations,
        "drafts": row.drafts,
        "response_rate": row.response_rate,
        "completion_rate": row.completion_rate,
        "median_seconds": row.median_seconds,
        "speeders": row.speeders,
        "straightliners": row.straightliners,
        "duplicates": row.duplicates,
        "cells": row.cells,
        "closed_cells": row.closed_cells,
        "strata": [_stratum_json(line) for line in row.strata],
    }


TOTALS = (
    "responses",
    "web",
    "paper",
    "target",
    "drafts",
    "speeders",
    "straightliners",
    "duplicates",
)
"""The integer figures summed per group and for the round."""


def dashboard_json(dashboard: Dashboard, language: str, html: str) -> dict[str, Any]:
    """The dashboard as the JSON endpoint returns it; ``html`` is the page's live part."""
    groups = []
    for group in dashboard.groups:
        totals = {name: group.total(name) for name in TOTALS}
        groups.append(
            {
                "group": group.group,
                "access": group.access,
                "title": group.title,
                **totals,
                "invitations": group.total("invitations")
                if group.access == Access.INVITATION
                else None,
                "response_rate": group.response_rate,
                "completion_rate": group.completion_rate,
                "median_seconds": group.median_seconds,
                "speeder_seconds": group.speeder_seconds,
                "duration_bins": list(group.duration_bins),
                "rows": [_row_json(row, language) for row in group.rows],
            }
        )
    return {
        "round": {"id": dashboard.round.id, "code": dashboard.round.code},
        "computed_at": dashboard.computed_at.isoformat(timespec="seconds") + "Z",
        "settings": {
            "seconds_per_item": dashboard.settings.seconds_per_item,
            "min_rating_items": dashboard.settings.min_rating_items,
        },
        "totals": {name: dashboard.total(name) for name in TOTALS},
        "groups": groups,
        "html": html,
    }
