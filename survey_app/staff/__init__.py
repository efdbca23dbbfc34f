"""The staff workspace (``/staff/…``): one blueprint, its routes in one module per feature.

* ``shell``: the home page (the rounds) and the audit log;
* ``rounds``: a round's set-up, page and status (open, close, reopen);
* ``units``: the unit hierarchy and its import;
* ``frame``: a round's sampling frame and population margins;
* ``users``: accounts (administrators).

Every module of this package is imported with it, so a new feature is one new module: it adds
its routes to ``survey_app.staff.blueprint.bp`` and its menu entry or round panel through
``survey_app.staff.menu`` (``add_menu_item``, ``add_round_panel``), and nothing else changes.

Public helpers for features built on the workspace: ``register_error_pages`` (the same error
pages on another workspace blueprint, e.g. ``/evaluate/``), ``survey_app.staff.tables`` (read
an upload all or nothing with row/column problems, write a CSV/XLSX template), the templates
``staff/layout.html`` and ``staff/macros.html``; from ``survey_app.auth``: ``roles_required``,
the unit-scope helpers and ``ActionForm``; and ``survey_app.audit.record_audit``.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from types import ModuleType

from flask import Flask
from flask_wtf.csrf import generate_csrf

from survey_app.forms.entry import csrf_message
from survey_app.staff.blueprint import bp as bp
from survey_app.staff.blueprint import register_error_pages as register_error_pages

FEATURES: tuple[ModuleType, ...] = tuple(
    import_module(f"{__name__}.{module.name}") for module in pkgutil.iter_modules(__path__)
)
"""Every module of the package, imported so that their routes and menu entries register."""


def init_app(app: Flask) -> None:
    """Register the workspace blueprint, its template filters, the menu, ``csrf_token()`` (for
    action buttons) and ``csrf_message()`` (for a form whose token failed) for templates."""
    from survey_app.staff import labels, menu

    labels.init_app(app)
    menu.init_app(app)
    app.add_template_global(generate_csrf, "csrf_token")
    app.add_template_global(csrf_message, "csrf_message")
    app.register_blueprint(bp)
