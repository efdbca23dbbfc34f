"""Who may use each weighting endpoint (merged by ``test_staff_access``)."""

from __future__ import annotations

from survey_app.models import Role

MANAGERS = frozenset({Role.ADMIN, Role.STAFF})
READERS = frozenset({Role.ADMIN, Role.STAFF, Role.EVALUATOR})

ENDPOINT_ROLES: dict[str, frozenset[Role]] = {
    "staff.weighting_runs": READERS,
    "staff.weighting_new": MANAGERS,
    "staff.weighting_run": READERS,
    "staff.weighting_run_status": READERS,
    "staff.weighting_adopt": MANAGERS,
    "staff.weighting_weights": READERS,
}
