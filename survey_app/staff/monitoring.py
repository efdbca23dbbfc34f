"""Round monitoring: how collection is going, for staff, administrators and unit officers.

* ``GET /staff/rounds/<id>/monitoring``: the dashboard — per respondent group, responses of
  each unit (and stratum) against the frame's target, response and completion rates, median
  duration, the quality flags and the quotas, with a bar chart and a duration histogram beside
  their tables. ``?seconds_per_item=&min_rating_items=`` set the flag thresholds for the round
  (``survey_app.monitoring.rules``). A small script (``static/staff-monitoring.js``) refreshes
  the figures every :data:`REFRESH_SECONDS` seconds (``MONITORING_REFRESH_SECONDS`` in the
  configuration) from the JSON endpoint; without it the page is complete and a reload
  refreshes it.
* ``GET /api/staff/rounds/<id>/monitoring``: the same figures as JSON, with the page's live
  part as ``html``; its ETag changes only when the figures do, so a poll that finds nothing
  new is answered 304 without a body.
* ``GET /staff/rounds/<id>/monitoring/flags``: the flagged responses, one kind and one page at
  a time, and ``…/flags.<csv|xlsx>`` to download them (administrators and staff only).

Unit officers see only their unit's rows (their group figures are their unit's); flagged
responses are never listed to them. The round page gets a panel with the round's progress.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from survey_app.auth import MANAGERS, roles_required, round_or_404
from survey_app.auth.scope import own_unit_id
from survey_app.i18n import current_language
from survey_app.models import Role, Round
from survey_app.models.base import utcnow
from survey_app.monitoring import dashboard as figures
from survey_app.monitoring import queries
from survey_app.monitoring.flags import FlagKind, flagged_page
from survey_app.monitoring.rules import (
    DEFAULT_MIN_RATING_ITEMS,
    DEFAULT_SECONDS_PER_ITEM,
    FlagSettings,
    SettingsProblem,
    read_settings,
)
from survey_app.staff.blueprint import bp
from survey_app.staff.menu import add_round_panel
from survey_app.staff.monitoring_view import dashboard_json, group_charts, unit_label
from survey_app.staff.tables import MIMETYPES, write_table

MONITORING_ROLES = (Role.ADMIN, Role.STAFF, Role.UNIT_OFFICER)
"""Who reads a round's monitoring (unit officers: their unit only)."""

REFRESH_SECONDS = 10
"""How often the page's script asks for fresh figures (``MONITORING_REFRESH_SECONDS``)."""

FLAGS_PER_PAGE = 100

api = Blueprint("staff_monitoring_api", __name__, url_prefix="/api/staff")
"""The monitoring JSON endpoint, registered with the workspace blueprint."""

bp.record_once(lambda state: state.app.register_blueprint(api))


API_ERRORS = (400, 401, 403, 404)
"""Errors the JSON endpoint answers in JSON (by code: the app's own pages are by code too)."""


def api_error(error: HTTPException) -> ResponseReturnValue:
    """An error of the JSON endpoint, as JSON."""
    return jsonify(error=error.description), error.code or 500


def _json_errors(blueprint: Blueprint) -> None:
    """Answer ``blueprint``'s errors :data:`API_ERRORS` in JSON."""
    for code in API_ERRORS:
        blueprint.register_error_handler(code, api_error)


_json_errors(api)


def _build(round_: Round, settings: FlagSettings) -> figures.Dashboard:
    """The round's dashboard as the signed-in account may see it."""
    return figures.build(
        round_,
        settings,
        unit_scope=own_unit_id(),
        language=current_language(),
        now=utcnow(),
    )


INDENTATION = re.compile(r"\n\s+")
"""Line breaks and the indentation after them (the live part has no preformatted text)."""


def _live(dashboard: figures.Dashboard) -> Markup:
    """The part of the page the script refreshes, without the template's indentation."""
    html = render_template(
        "staff/monitoring/_live.html",
        dashboard=dashboard,
        charts=group_charts(dashboard, current_language()),
        manager=own_unit_id() is None,
    )
    return Markup(INDENTATION.sub("\n", html))


@bp.get("/rounds/<int:round_id>/monitoring")
@roles_required(*MONITORING_ROLES)
def round_monitoring(round_id: int) -> ResponseReturnValue:
    """The round's monitoring dashboard."""
    round_ = round_or_404(round_id)
    settings, problems = read_settings(request.args)
    dashboard = _build(round_, settings)
    return render_template(
        "staff/monitoring/dashboard.html",
        round_=round_,
        dashboard=dashboard,
        live=_live(dashboard),
        problems=problems,
        values={
            "seconds_per_item": request.args.get("seconds_per_item", ""),
            "min_rating_items": request.args.get("min_rating_items", ""),
        },
        defaults={
            "seconds_per_item": f"{DEFAULT_SECONDS_PER_ITEM:g}",
            "min_rating_items": str(DEFAULT_MIN_RATING_ITEMS),
        },
        data_url=url_for(
            "staff_monitoring_api.round_monitoring_data",
            round_id=round_.id,
            **dict[str, Any](settings.query()),
        ),
        refresh_seconds=current_app.config.get("MONITORING_REFRESH_SECONDS", REFRESH_SECONDS),
        manager=own_unit_id() is None,
    )


def _settings_error(problems: list[SettingsProblem]) -> ResponseReturnValue:
    """A 400 naming each setting that cannot be used."""
    return (
        jsonify(
            error=gettext("The monitoring settings cannot be used."),
            problems={problem.field: problem.message for problem in problems},
        ),
        400,
    )


@api.get("/rounds/<int:round_id>/monitoring")
@roles_required(*MONITORING_ROLES)
def round_monitoring_data(round_id: int) -> ResponseReturnValue:
    """The dashboard's figures as JSON (and the page's live part as ``html``)."""
    round_ = round_or_404(round_id)
    settings, problems = read_settings(request.args)
    if problems:
        return _settings_error(problems)
    dashboard = _build(round_, settings)
    payload = dashboard_json(dashboard, current_language(), _live(dashboard))
    response = jsonify(payload)
    figures_only = {key: value for key, value in payload.items() if key != "computed_at"}
    response.set_etag(hashlib.sha256(json.dumps(figures_only, sort_keys=True).encode()).hexdigest())
    response.headers["Cache-Control"] = "no-cache, private"
    return response.make_conditional(request)


def _kind() -> FlagKind:
    """The kind of flag asked for (speeders by default); 404 for an unknown one."""
    try:
        return FlagKind(request.args.get("kind", FlagKind.SPEEDERS.value))
    except ValueError:
        abort(404)


@bp.get("/rounds/<int:round_id>/monitoring/flags")
@roles_required(*MANAGERS)
def round_flags(round_id: int) -> ResponseReturnValue:
    """One page of the round's flagged responses of one kind."""
    round_ = round_or_404(round_id)
    settings, problems = read_settings(request.args)
    kind = _kind()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = flagged_page(
        round_.id,
        figures.version_rules(round_, settings),
        kind,
        offset=(page - 1) * FLAGS_PER_PAGE,
        limit=FLAGS_PER_PAGE,
    )
    return render_template(
        "staff/monitoring/flags.html",
        round_=round_,
        kind=kind,
        kinds=list(FlagKind),
        found=found,
        page=page,
        pages=max(1, math.ceil(found.total / FLAGS_PER_PAGE)),
        problems=problems,
        query=settings.query(),
    )


@bp.get("/rounds/<int:round_id>/monitoring/flags.<file_format>")
@roles_required(*MANAGERS)
def round_flags_file(round_id: int, file_format: str) -> ResponseReturnValue:
    """Every flagged response of one kind as CSV or XLSX."""
    round_ = round_or_404(round_id)
    if file_format not in MIMETYPES:
        abort(404)
    settings, _problems = read_settings(request.args)
    kind = _kind()
    found = flagged_page(
        round_.id, figures.version_rules(round_, settings), kind, offset=0, limit=None
    )
    language = current_language()
    rows = [
        [
            flagged.response_id,
            flagged.unit.code if flagged.unit is not None else "",
            unit_label(flagged.unit, language),
            flagged.group,
            flagged.mode,
            "" if flagged.seconds is None else round(flagged.seconds, 1),
            "" if flagged.threshold is None else round(flagged.threshold, 1),
            flagged.straight_pages or "",
            flagged.copy_group or "",
            flagged.serial or "",
        ]
        for flagged in found.responses
    ]
    columns = [
        "response_id",
        "unit_code",
        "unit_name",
        "respondent_group",
        "mode",
        "seconds",
        "speeder_threshold_seconds",
        "straightlined_pages",
        "duplicate_group",
        "form_serial",
    ]
    return Response(
        write_table(columns, rows, file_format),
        mimetype=MIMETYPES[file_format],
        headers={
            "Content-Disposition": f"attachment; filename={round_.code}-{kind.value}.{file_format}"
        },
    )


@bp.app_template_global("monitoring_overview")
def monitoring_overview(round_: Round) -> dict[str, int]:
    """The round page panel's figures: responses, target, cells closed (no JSON is read)."""
    own = own_unit_id()
    counts = [c for c in queries.cell_counts(round_.id) if own is None or c.unit_id == own]
    cells = [c for c in queries.frame_cells(round_.id) if own is None or c.unit_id == own]
    return {
        "responses": sum(count.responses for count in counts),
        "target": sum(cell.sample_size for cell in cells),
        "cells": len(cells),
        "closed": sum(1 for cell in cells if cell.quota_closed),
    }


add_round_panel("staff/monitoring/_round_panel.html", order=20, roles=frozenset(MONITORING_ROLES))
