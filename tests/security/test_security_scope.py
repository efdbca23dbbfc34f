"""A unit officer cannot reach another unit's data by changing an id in the URL.

``tests/app/staff/test_staff_access.py`` already walks the URL map for every role and for
anonymous visitors (roles); ``test_staff_scope.py``, ``monitoring/test_monitoring_scope.py``
and ``evaluate/test_evaluate_scope.py`` check a few pages' unit scope by hand. This walks the
URL map instead, so a route added later is covered at once: every workspace route a unit
officer may use that takes a round or unit id is opened, with every method it accepts, by the
officer of ``justice`` with the ids of

* another unit (``finance``),
* a round that evaluates only ``finance``,
* a round that evaluates both, together with ``finance`` as the unit,

and each answers exactly as an id that exists nowhere does (403 or 404, same status): nothing
of the other unit is shown, changed, or even confirmed to exist. The same routes opened with
the officer's own ids go through (not 403/404) for the pages that need no further set-up, so
the walk is not vacuous.
"""

from __future__ import annotations

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter, Rule

from survey_app.models import AuditEvent, Role, db
from tests.app.staff.staff_helpers import add_round_of_units, add_unit, add_user, login
from tests.app.staff.test_staff_access import endpoint_roles, workspace_rules

MISSING = 987654
SCOPED = ("round_id", "unit_id")
OWN_PAGES = frozenset({"staff.unit_view", "staff.round_view", "staff.round_monitoring"})
"""Pages that open with the officer's own ids without further set-up: the control."""


def _officer_rules(app: Flask) -> list[Rule]:
    """Workspace rules a unit officer may use that take a round or unit id."""
    table = endpoint_roles()
    return [
        rule
        for rule in workspace_rules(app)
        if Role.UNIT_OFFICER in table.get(rule.endpoint, frozenset())
        and any(name in rule.arguments for name in SCOPED)
    ]


def _path(app: Flask, rule: Rule, ids: dict[str, int]) -> str:
    """``rule`` with ``ids`` for rounds and units, ``csv`` as format, 1 or ``none`` else."""
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        if name in ids:
            values[name] = ids[name]
        elif name == "file_format":
            values[name] = "csv"
        else:
            values[name] = 1 if isinstance(converter, IntegerConverter) else "none"
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _audit_count(app: Flask) -> int:
    """How many audit entries are stored (every workspace change writes one)."""
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_a_unit_officer_cannot_reach_another_unit_by_changing_ids(
    app: Flask, client: FlaskClient
) -> None:
    """Every officer route with another unit's round or unit id answers as a missing id does;
    with the officer's own ids, the control pages open."""
    add_unit(app, "hue", "province")
    own_unit = add_unit(app, "justice", parent="hue")
    other_unit = add_unit(app, "finance", parent="hue")
    own_round = add_round_of_units(app, "own", "justice")
    other_round = add_round_of_units(app, "other", "finance")
    shared_round = add_round_of_units(app, "shared", "justice", "finance")
    add_user(app, "officer", Role.UNIT_OFFICER, "justice")
    assert login(client, "officer").status_code == 302
    audit_before = _audit_count(app)
    rules = _officer_rules(app)
    assert {rule.endpoint for rule in rules} >= OWN_PAGES
    wrong: list[str] = []
    opened: set[str] = set()
    for rule in rules:
        attempts: list[dict[str, int]] = [{"round_id": other_round, "unit_id": other_unit}]
        if {"round_id", "unit_id"} <= rule.arguments:
            attempts.append({"round_id": shared_round, "unit_id": other_unit})
            attempts.append({"round_id": other_round, "unit_id": own_unit})
        missing = {name: MISSING for name in SCOPED}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            absent = client.open(_path(app, rule, missing), method=method).status_code
            for ids in attempts:
                path = _path(app, rule, ids)
                status = client.open(path, method=method).status_code
                if status not in (403, 404) or status != absent:
                    wrong.append(f"{method} {path} ({rule.endpoint}): {status}, missing {absent}")
            if method == "GET" and rule.endpoint in OWN_PAGES:
                own = _path(app, rule, {"round_id": own_round, "unit_id": own_unit})
                if client.get(own).status_code == 200:
                    opened.add(rule.endpoint)
    assert wrong == []
    assert opened == OWN_PAGES, "the officer's own pages did not open: the walk proves nothing"
    assert _audit_count(app) == audit_before
