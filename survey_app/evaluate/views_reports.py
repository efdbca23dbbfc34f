"""Reports of the published index: the ranking (sortable, with the fields' heat map and the
rank-interval chart), its CSV/XLSX download, and a unit's report."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from survey_app.auth import ALL_ROLES, READERS, current_account, roles_required
from survey_app.charts import Bar, bar_chart, data_table
from survey_app.evaluate.blueprint import bp, round_unit_or_404, scored_round_or_404
from survey_app.evaluate.charts import EstimateRow, IntervalRow, estimate_chart, interval_chart
from survey_app.evaluate.publication import published_snapshot
from survey_app.evaluate.published import SORT_KEYS, Published, UnitRow, heat_class
from survey_app.formatting import number
from survey_app.i18n import current_language
from survey_app.models import Role, Round
from survey_app.staff.tables import MIMETYPES, write_table


def _published(round_: Round) -> Published | None:
    """The round's published results in the reader's language."""
    snapshot = published_snapshot(round_)
    return Published(snapshot.results, current_language()) if snapshot is not None else None


def _interval_chart(
    published: Published, group: str, rows: list[UnitRow], highlight: str | None = None
) -> object:
    """The rank-interval chart of one ranking group, in rank order."""
    shown = [
        row
        for row in sorted(rows, key=lambda row: (row.rank, row.code))
        if row.rank_low is not None and row.rank_high is not None
    ]
    if not shown:
        return None
    name = published.group_names()[group]
    level = round(100 * float(published.document["level"]))
    return interval_chart(
        f"intervals-{group}",
        gettext("Ranks with their %(level)d%% intervals: %(group)s", level=level, group=name),
        gettext(
            "For each unit, a dot at its published rank and a line over the ranks it takes in "
            "%(level)d%% of %(replicates)d bootstrap replicates of the survey. The table lists "
            "the same intervals.",
            level=level,
            replicates=published.document["replicates"],
        ),
        [
            IntervalRow(
                row.name,
                row.rank,
                row.rank_low or row.rank,
                row.rank_high or row.rank,
                row.code == highlight,
            )
            for row in shown
        ],
        published.group_size(rows[0]),
    )


@bp.get("/rounds/<int:round_id>/ranking")
@roles_required(*READERS)
def ranking(round_id: int) -> ResponseReturnValue:
    """The published ranking; ``?sort=`` one of :data:`SORT_KEYS`, ``&dir=asc|desc``."""
    round_, _scheme = scored_round_or_404(round_id)
    published = _published(round_)
    if published is None:
        return render_template("evaluate/not_published.html", round_=round_)
    sort = request.args.get("sort", "rank")
    sort = sort if sort in SORT_KEYS else "rank"
    descending = request.args.get("dir") == "desc"
    groups = published.groups(sort, descending)
    return render_template(
        "evaluate/ranking.html",
        round_=round_,
        published=published,
        groups=groups,
        charts={code: _interval_chart(published, code, rows) for code, rows in groups},
        sort=sort,
        descending=descending,
        sort_keys=SORT_KEYS,
        heat_class=heat_class,
        group_names=published.group_names(),
        band_labels=published.band_labels(),
    )


@bp.get("/rounds/<int:round_id>/ranking.<file_format>")
@roles_required(*READERS)
def ranking_download(round_id: int, file_format: str) -> ResponseReturnValue:
    """The published ranking as CSV or XLSX, one row per unit, fields' sub-indices as columns."""
    round_, _scheme = scored_round_or_404(round_id)
    published = _published(round_)
    if published is None or file_format not in MIMETYPES:
        abort(404)
    columns, rows = published.download_rows()
    return Response(
        write_table(columns, rows, file_format),
        mimetype=MIMETYPES[file_format],
        headers={
            "Content-Disposition": f"attachment; filename={round_.code}-ranking.{file_format}"
        },
    )


@bp.get("/rounds/<int:round_id>/units/<int:unit_id>/report")
@roles_required(*ALL_ROLES)
def unit_report(round_id: int, unit_id: int) -> ResponseReturnValue:
    """A unit's published results: points per field, where points were lost, survey results
    with confidence intervals, its rank's uncertainty and the change on last year. A unit
    officer sees its own unit's interval and no other unit's figures."""
    round_, _scheme = scored_round_or_404(round_id)
    unit = round_unit_or_404(round_, unit_id)
    published = _published(round_)
    row = published.unit(unit.id) if published is not None else None
    if published is None or row is None:
        return render_template("evaluate/not_published.html", round_=round_, unit=unit)
    fields = published.fields
    values = published.values[row.code]
    averages = {node.code: published.group_average(row, node.code) for node in fields}
    group_name = published.group_names()[row.group]
    field_chart = bar_chart(
        [
            Bar(
                f"{node.code}. {node.title}",
                values[node.code].sub_index or 0.0,
                averages[node.code],
            )
            for node in fields
        ],
        chart_id="field-sub-indices",
        title=gettext("Sub-index of each field: %(unit)s", unit=row.name),
        description=gettext(
            "For each field, a bar for the unit's points as a share of the field's maximum "
            "(0–100) and a line at the average of %(group)s. The table below gives the points.",
            group=group_name,
        ),
        value_name=gettext("this unit"),
        target_name=gettext("group average"),
        number_format=lambda value: number(value, 1),
    )
    field_table = data_table(
        caption=gettext("Points, maximum and sub-index of each field"),
        headers=[
            gettext("Field"),
            gettext("Points"),
            gettext("Maximum"),
            gettext("Sub-index"),
            gettext("Average sub-index of %(group)s", group=group_name),
        ],
        rows=[
            [
                f"{node.code}. {node.title}",
                number(values[node.code].points),
                number(node.max_points),
                number(values[node.code].sub_index, 1),
                number(averages[node.code], 1),
            ]
            for node in fields
        ],
        table_id="field-points",
    )
    survey = published.survey_rows(row)
    estimates = (
        estimate_chart(
            "survey-results",
            gettext("Survey results as a share of each criterion's maximum"),
            gettext(
                "For each criterion and respondent group, a dot at the points won as a "
                "percentage of the maximum and a line over its confidence interval at 95%. The "
                "table lists the same numbers."
            ),
            [
                EstimateRow(
                    f"{item.criterion} · {item.group}",
                    item.percent,
                    100 * item.low / item.max_points,
                    100 * item.high / item.max_points,
                )
                for item in survey
            ],
            lambda value: number(value, 1) + "%",
        )
        if survey
        else None
    )
    own_only = current_account().role == Role.UNIT_OFFICER
    group_rows = [
        other
        for other in published.units
        if other.group == row.group and not (own_only and other.code != row.code)
    ]
    return render_template(
        "evaluate/unit_report.html",
        round_=round_,
        unit=unit,
        published=published,
        row=row,
        fields=fields,
        values=values,
        field_chart=field_chart,
        field_table=field_table,
        lost=published.lost(row),
        survey=survey,
        estimates=estimates,
        interval=_interval_chart(published, row.group, group_rows, highlight=row.code),
        above=[] if own_only else published.above(row),
        changes=published.changes(row),
        group_name=group_name,
        band_labels=published.band_labels(),
        group_size=published.group_size(row),
    )
