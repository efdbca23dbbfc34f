"""Who may use each export endpoint (merged by ``test_staff_access``)."""

from __future__ import annotations

from survey_app.models import Role

MANAGERS = frozenset({Role.ADMIN, Role.STAFF})

ENDPOINT_ROLES: dict[str, frozenset[Role]] = {
    "staff.export_list": MANAGERS,
    "staff.export_new": MANAGERS,
    "staff.export_job": MANAGERS,
    "staff.export_job_status": MANAGERS,
    "staff.export_view": MANAGERS,
    "staff.export_download": MANAGERS,
    "staff.export_again": MANAGERS,
}
