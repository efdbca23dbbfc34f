"""Who may use each invitation endpoint (merged by ``test_staff_access``): staff and
administrators only."""

from __future__ import annotations

from survey_app.models import Role

MANAGERS = frozenset({Role.ADMIN, Role.STAFF})

ENDPOINT_ROLES: dict[str, frozenset[Role]] = {
    "staff.invitations_home": MANAGERS,
    "staff.invitation_round": MANAGERS,
    "staff.invitation_issue": MANAGERS,
    "staff.invitation_codes_csv": MANAGERS,
    "staff.invitation_replace_code": MANAGERS,
    "staff.invitation_batch": MANAGERS,
    "staff.invitation_batch_action": MANAGERS,
}
