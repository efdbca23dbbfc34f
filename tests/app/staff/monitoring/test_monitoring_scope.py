"""Who sees what: a unit officer sees only its unit's rows (and group figures made of them),
never flagged responses or quotas; another unit's round is 404; evaluators have no access;
the JSON endpoint answers scripts in JSON."""

from __future__ import annotations

import pytest
from flask import Flask

from survey_app.models import Role
from tests.app.staff.monitoring.conftest import KnownRound, signed_in
from tests.app.staff.staff_helpers import add_unit


def test_a_unit_officer_sees_its_unit_only(known: KnownRound, app: Flask) -> None:
    """Only finance rows; group figures are finance's, its median too; duplicates counted
    for its own form only."""
    officer = signed_in(app, Role.UNIT_OFFICER, "finance")
    data = officer.get(f"/api/staff/rounds/{known.round_id}/monitoring").get_json()
    units = {row["unit"]["code"] for group in data["groups"] for row in group["rows"]}
    assert units == {"finance"}
    leaders = next(group for group in data["groups"] if group["group"] == "leader")
    assert (leaders["responses"], leaders["target"], leaders["invitations"]) == (2, 3, 4)
    assert leaders["median_seconds"] == pytest.approx(1200)
    assert leaders["duplicates"] == 1
    assert data["totals"]["responses"] == 2
    page = officer.get(f"/staff/rounds/{known.round_id}/monitoring")
    assert page.status_code == 200
    assert "Unit justice" not in page.text and "Unit finance" in page.text
    assert "/monitoring/flags" not in page.text and "/monitoring/quotas" not in page.text


def test_a_unit_officer_lists_no_flagged_response(known: KnownRound, app: Flask) -> None:
    """Flags and quotas are for staff and administrators."""
    officer = signed_in(app, Role.UNIT_OFFICER, "justice")
    base = f"/staff/rounds/{known.round_id}/monitoring"
    assert officer.get(f"{base}/flags").status_code == 403
    assert officer.get(f"{base}/flags.csv").status_code == 403
    assert officer.get(f"{base}/quotas").status_code == 403


def test_another_units_round_is_not_found(known: KnownRound, app: Flask) -> None:
    """A unit outside the round: the round does not exist for it, in JSON for scripts."""
    add_unit(app, "health")
    officer = signed_in(app, Role.UNIT_OFFICER, "health")
    assert officer.get(f"/staff/rounds/{known.round_id}/monitoring").status_code == 404
    answer = officer.get(f"/api/staff/rounds/{known.round_id}/monitoring")
    assert answer.status_code == 404
    assert answer.is_json and "error" in answer.get_json()


def test_evaluators_and_the_anonymous(known: KnownRound, app: Flask) -> None:
    """Evaluators are refused (JSON for the API); the anonymous script gets 401."""
    evaluator = signed_in(app, Role.EVALUATOR)
    assert evaluator.get(f"/staff/rounds/{known.round_id}/monitoring").status_code == 403
    refused = evaluator.get(f"/api/staff/rounds/{known.round_id}/monitoring")
    assert refused.status_code == 403 and refused.is_json
    anonymous = app.test_client().get(f"/api/staff/rounds/{known.round_id}/monitoring")
    assert anonymous.status_code == 401


def test_the_round_panel_of_a_unit_officer(known: KnownRound, app: Flask) -> None:
    """The round page's panel counts the officer's unit only."""
    officer = signed_in(app, Role.UNIT_OFFICER, "justice")
    html = officer.get(f"/staff/rounds/{known.round_id}").text
    assert "7 responses of 11 targeted." in html
    assert "0 of 3 frame cells closed by their quota." in html
    admin = signed_in(app, Role.ADMIN)
    assert "9 responses of 16 targeted." in admin.get(f"/staff/rounds/{known.round_id}").text
