"""What the workspace shows around a page: the menu, and the panels of a round's page.

Feature modules register themselves when imported, so adding a feature never edits the
layout::

    add_menu_item("staff.invitations", lazy_gettext("Invitations"), order=30,
                  active_prefix="staff.invitation")
    add_round_panel("staff/invitations/_round_panel.html", order=30)

A menu item is shown to a user only if its view's ``roles_required`` lets the user in; a
round panel lists its roles itself. Panels are rendered inside the round page with ``round_``
(the round) in the context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from survey_app.auth.roles import allowed_roles
from survey_app.models import Role, User


@dataclass(frozen=True)
class MenuItem:
    """A link in the workspace menu."""

    endpoint: str
    label: Any
    order: int
    active_prefix: str
    round_pages: bool


@dataclass(frozen=True)
class MenuLink:
    """A menu item as one user sees it."""

    label: str
    url: str
    active: bool


@dataclass(frozen=True)
class RoundPanel:
    """A section of the round page, with the roles that see it."""

    template: str
    order: int
    roles: frozenset[Role]


_menu: dict[str, MenuItem] = {}
_panels: dict[str, RoundPanel] = {}


def add_menu_item(
    endpoint: str,
    label: Any,
    *,
    order: int,
    active_prefix: str = "",
    round_pages: bool = False,
) -> None:
    """Show a link to ``endpoint`` (a lazy translated ``label``) in the menu, at ``order``;
    it is highlighted on every endpoint starting with ``active_prefix`` (default: itself) and,
    with ``round_pages``, on any page of one round that no other item claims."""
    _menu[endpoint] = MenuItem(endpoint, label, order, active_prefix or endpoint, round_pages)


def add_round_panel(template: str, *, order: int, roles: frozenset[Role] | None = None) -> None:
    """Include ``template`` in every round's page, at ``order``, for ``roles`` (default all)."""
    _panels[template] = RoundPanel(template, order, roles or frozenset(Role))


def menu_for(user: User) -> list[MenuLink]:
    """The menu links ``user`` may follow, in order."""
    endpoint = request.endpoint or ""
    items = sorted(_menu.values(), key=lambda item: item.order)
    claimed = {
        item.endpoint
        for item in items
        if endpoint == item.endpoint or endpoint.startswith(item.active_prefix)
    }
    on_round_page = not claimed and "round_id" in (request.view_args or {})
    links = []
    for item in items:
        roles = allowed_roles(current_app.view_functions[item.endpoint])
        if roles is not None and user.role in roles:
            active = item.endpoint in claimed or (on_round_page and item.round_pages)
            links.append(MenuLink(str(item.label), url_for(item.endpoint), active))
    return links


def round_panels_for(user: User) -> list[str]:
    """The templates of the round page's panels ``user`` sees, in order."""
    panels = sorted(_panels.values(), key=lambda panel: panel.order)
    return [panel.template for panel in panels if user.role in panel.roles]


def _template_menu() -> dict[str, object]:
    """``staff_menu()`` for templates: the signed-in user's links (none when signed out)."""

    def staff_menu() -> list[MenuLink]:
        """The menu of the signed-in user."""
        return menu_for(current_user) if current_user.is_authenticated else []

    return {"staff_menu": staff_menu}


def init_app(app: Flask) -> None:
    """Offer ``staff_menu()`` to every template."""
    app.context_processor(_template_menu)
