"""Who may use each workspace endpoint: the table ``test_staff_access`` checks the app against.

Every endpoint under ``/staff/``, ``/evaluate/`` and ``/api/staff`` must be listed in a table
like this one. A feature adds its own ``endpoint_roles.py`` beside its tests (any folder under
``tests/app/``) with an ``ENDPOINT_ROLES`` mapping; the access test merges them all.
"""

from __future__ import annotations

from survey_app.models import Role

ALL = frozenset(Role)
MANAGERS = frozenset({Role.ADMIN, Role.STAFF})
READERS = frozenset({Role.ADMIN, Role.STAFF, Role.EVALUATOR})
ADMIN = frozenset({Role.ADMIN})

ENDPOINT_ROLES: dict[str, frozenset[Role]] = {
    "staff.home": ALL,
    "staff.audit_log": ADMIN,
    "staff.round_new": MANAGERS,
    "staff.round_view": ALL,
    "staff.round_edit": MANAGERS,
    "staff.round_status": MANAGERS,
    "staff.round_frame": MANAGERS,
    "staff.round_frame_import": MANAGERS,
    "staff.round_frame_template": MANAGERS,
    "staff.unit_list": READERS,
    "staff.unit_import": MANAGERS,
    "staff.unit_file": MANAGERS,
    "staff.unit_view": ALL,
    "staff.user_list": ADMIN,
    "staff.user_new": ADMIN,
    "staff.user_edit": ADMIN,
    "staff.user_password": ADMIN,
}
