"""Interface names of stored codes (roles, unit kinds, round statuses, access modes), in the
current language; templates use them as filters (``{{ user.role | role_label }}``)."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext


def role_label(role: str) -> str:
    """The name of a role."""
    names: dict[str, str] = {
        "admin": gettext("Administrator"),
        "staff": gettext("Survey staff"),
        "evaluator": gettext("Evaluator"),
        "unit_officer": gettext("Unit officer"),
    }
    return names.get(role, role)


def kind_label(kind: str) -> str:
    """The name of a kind of unit."""
    names: dict[str, str] = {
        "ministry": gettext("Ministry"),
        "province": gettext("Province"),
        "department": gettext("Department"),
        "district": gettext("District"),
        "commune": gettext("Commune"),
    }
    return names.get(kind, kind)


def status_label(status: str) -> str:
    """The name of a round status."""
    names: dict[str, str] = {
        "draft": gettext("In preparation"),
        "open": gettext("Open"),
        "closed": gettext("Closed"),
    }
    return names.get(status, status)


def access_label(access: str) -> str:
    """The name of a way of reaching a questionnaire."""
    names: dict[str, str] = {
        "public": gettext("Public link"),
        "invitation": gettext("Invitation code"),
    }
    return names.get(access, access)


def init_app(app: Flask) -> None:
    """Register the labels as template filters."""
    for function in (role_label, kind_label, status_label, access_label):
        app.add_template_filter(function)
