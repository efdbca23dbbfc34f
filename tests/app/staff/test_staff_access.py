"""Every workspace route, walked from the app's URL map: anonymous visitors are sent to sign
in (``/api/`` callers get 401), roles without access get 403, roles with access get through.

The allowed roles come from the ``ENDPOINT_ROLES`` tables of every ``endpoint_roles.py`` under
``tests/app/``; an endpoint under a workspace prefix missing from them fails the test, so routes
added later are covered as soon as they exist. Ids in the URL are ones that do not exist, so a
role with access gets at most 404 and nothing changes.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from flask import Flask, url_for
from werkzeug.routing import IntegerConverter, Rule
from werkzeug.test import TestResponse

from survey_app.models import Role
from tests.app.staff.staff_helpers import add_unit, add_user, login

WORKSPACE_PREFIXES = ("/staff/", "/evaluate/", "/api/staff")
"""Paths that belong to the workspace."""

MISSING_ID = 987654
PLACEHOLDER = "none"


def endpoint_roles() -> dict[str, frozenset[Role]]:
    """The merged ``ENDPOINT_ROLES`` tables of every ``endpoint_roles.py`` under tests/app."""
    merged: dict[str, frozenset[Role]] = {}
    for path in sorted(Path(__file__).resolve().parents[1].rglob("endpoint_roles.py")):
        spec = importlib.util.spec_from_file_location(f"roles_{path.parent.name}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for endpoint, roles in module.ENDPOINT_ROLES.items():
            assert endpoint not in merged, f"{endpoint} is listed twice ({path})"
            merged[endpoint] = frozenset(roles)
    return merged


def workspace_rules(app: Flask) -> list[Rule]:
    """The URL rules under a workspace prefix."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(WORKSPACE_PREFIXES) or rule.rule == "/staff"
    ]


def sample_path(app: Flask, rule: Rule) -> str:
    """A path matching ``rule`` with ids that exist nowhere."""
    values = {
        name: MISSING_ID if isinstance(converter, IntegerConverter) else PLACEHOLDER
        for name, converter in rule._converters.items()
    }
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def is_sign_in(response: TestResponse) -> bool:
    """Whether ``response`` sends the browser to the sign-in page."""
    return response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def test_every_workspace_endpoint_is_in_a_roles_table(app: Flask) -> None:
    """No workspace endpoint lacks its row, and no row names an endpoint that is gone."""
    table = endpoint_roles()
    endpoints = {rule.endpoint for rule in workspace_rules(app)}
    assert endpoints - set(table) == set(), "add these endpoints to an ENDPOINT_ROLES table"
    assert set(table) - endpoints == set(), "these ENDPOINT_ROLES rows name no endpoint"


def test_every_workspace_route_enforces_its_roles(app: Flask) -> None:
    """Anonymous: sign-in (or 401); a role outside the table: 403; inside: neither."""
    table = endpoint_roles()
    add_unit(app, "justice")
    clients = {}
    for role in Role:
        username = f"user-{role.value}".replace("_", "-")
        add_user(app, username, role, "justice" if role == Role.UNIT_OFFICER else None)
        clients[role] = app.test_client()
        assert login(clients[role], username).status_code == 302
    anonymous = app.test_client()
    wrong: list[str] = []
    for rule in workspace_rules(app):
        path = sample_path(app, rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            where = f"{method} {path} ({rule.endpoint})"
            response = anonymous.open(path, method=method)
            if path.startswith("/api/"):
                if response.status_code != 401:
                    wrong.append(f"{where} anonymous: {response.status_code}, not 401")
            elif not is_sign_in(response):
                wrong.append(f"{where} anonymous: {response.status_code}, not sign-in")
            for role, client in clients.items():
                response = client.open(path, method=method)
                if role not in table.get(rule.endpoint, frozenset()):
                    if response.status_code != 403:
                        wrong.append(f"{where} {role.value}: {response.status_code}, not 403")
                elif response.status_code in (401, 403) or is_sign_in(response):
                    wrong.append(f"{where} {role.value}: refused, but the role is allowed")
    assert wrong == []
