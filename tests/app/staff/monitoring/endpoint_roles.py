"""Who may use the monitoring endpoints (merged into the access test's table)."""

from __future__ import annotations

from survey_app.models import Role

MONITORING = frozenset({Role.ADMIN, Role.STAFF, Role.UNIT_OFFICER})
MANAGERS = frozenset({Role.ADMIN, Role.STAFF})

ENDPOINT_ROLES: dict[str, frozenset[Role]] = {
    "staff.round_monitoring": MONITORING,
    "staff_monitoring_api.round_monitoring_data": MONITORING,
    "staff.round_flags": MANAGERS,
    "staff.round_flags_file": MANAGERS,
    "staff.round_quotas": MANAGERS,
    "staff.round_quotas_all": MANAGERS,
}
