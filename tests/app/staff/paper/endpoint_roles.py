"""Who may use each paper endpoint (merged by ``test_staff_access``): staff and
administrators only."""

from __future__ import annotations

from survey_app.models import Role

MANAGERS = frozenset({Role.ADMIN, Role.STAFF})

ENDPOINT_ROLES: dict[str, frozenset[Role]] = {
    "staff.paper_home": MANAGERS,
    "staff.paper_round": MANAGERS,
    "staff.paper_key": MANAGERS,
    "staff.paper_visible": MANAGERS,
    "staff.paper_mismatch": MANAGERS,
}
