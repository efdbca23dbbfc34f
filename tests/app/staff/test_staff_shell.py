"""The workspace's frame: a menu by role with the current section marked, who is signed in,
the language switch, and round-page panels that features register."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from jinja2 import ChoiceLoader, DictLoader

from survey_app.models import Role, Round, db
from survey_app.staff import menu
from tests.app.staff.staff_helpers import add_unit, add_user, login

MENU_LINK = re.compile(r'<li><a href="([^"]+)"( aria-current="page")?>([^<]+)</a></li>')


def _menu(client: FlaskClient, path: str = "/staff/") -> list[tuple[str, bool, str]]:
    """The menu of a page: (address, current, label) per link."""
    page = client.get(path)
    assert page.status_code == 200
    return [(url, bool(current), label) for url, current, label in MENU_LINK.findall(page.text)]


SHELL_ITEMS = {"Rounds", "Units", "Accounts", "Audit log"}
"""The shell's own menu entries; features add theirs beside them."""


@pytest.mark.parametrize(
    ("role", "shell_items"),
    [
        (Role.ADMIN, {"Rounds", "Units", "Accounts", "Audit log"}),
        (Role.STAFF, {"Rounds", "Units"}),
        (Role.EVALUATOR, {"Rounds", "Units"}),
        (Role.UNIT_OFFICER, {"Rounds"}),
    ],
)
def test_the_menu_follows_the_role(
    app: Flask, client: FlaskClient, role: Role, shell_items: set[str]
) -> None:
    """Each role sees exactly the links it may follow: every shown link opens, every menu entry
    left out is refused; the shell's own entries are as expected; the section is marked."""
    add_unit(app, "justice")
    add_user(app, "someone", role, "justice" if role == Role.UNIT_OFFICER else None)
    client.get("/lang/en")
    login(client, "someone")
    links = _menu(client)
    assert {label for _, _, label in links} & SHELL_ITEMS == shell_items
    for url, _, label in links:
        assert client.get(url).status_code == 200, label
    with app.test_request_context():
        every_entry = {url_for(endpoint) for endpoint in menu._menu}
    for url in every_entry - {url for url, _, _ in links}:
        assert client.get(url).status_code == 403, url
    assert [label for _, current, label in links if current] == ["Rounds"]
    if Role.ADMIN == role:
        assert [label for _, current, label in _menu(client, "/staff/users/new") if current] == [
            "Accounts"
        ]


def test_the_layout_names_the_user_and_switches_language(app: Flask, client: FlaskClient) -> None:
    """Name and role are shown; the language switch comes back to the same page."""
    add_user(app, "lan", Role.EVALUATOR)
    login(client, "lan")
    page = client.get("/staff/units")
    assert "Lan" in page.text and "Người thẩm định" in page.text
    switched = client.get("/lang/en?next=/staff/units")
    assert switched.headers["Location"] == "/staff/units"
    assert "Evaluator" in client.get("/staff/units").text


@pytest.fixture
def panel(app: Flask) -> Iterator[str]:
    """A round panel template registered for administrators, removed afterwards."""
    template = "tests/panel.html"
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({template: "<section>Panel of {{ round_.code }}</section>"}), app.jinja_loader]
    )
    menu.add_round_panel(template, order=50, roles=frozenset({Role.ADMIN}))
    yield template
    menu._panels.pop(template)


def test_round_panels_show_to_their_roles(app: Flask, panel: str) -> None:
    """A registered panel is rendered in the round page for its roles only."""
    add_user(app, "boss", Role.ADMIN)
    add_user(app, "lan", Role.STAFF)
    with app.app_context():
        round_ = Round(code="r1", year=2025, title_vi="Đợt", title_en="Round")
        db.session.add(round_)
        db.session.commit()
        round_id = round_.id
    boss, lan = app.test_client(), app.test_client()
    login(boss, "boss")
    login(lan, "lan")
    assert "<section>Panel of r1</section>" in boss.get(f"/staff/rounds/{round_id}").text
    assert "Panel of" not in lan.get(f"/staff/rounds/{round_id}").text


def test_a_round_page_no_other_entry_claims_marks_rounds(app: Flask, client: FlaskClient) -> None:
    """A feature page of one round (its weighting runs) keeps "Rounds" current; a page that a
    menu entry of its own claims (the round's invitations) marks that entry instead."""
    add_user(app, "lan", Role.STAFF)
    with app.app_context():
        round_ = Round(code="r1", year=2025, title_vi="Đợt", title_en="Round")
        db.session.add(round_)
        db.session.commit()
        round_id = round_.id
    client.get("/lang/en")
    login(client, "lan")
    for path, current in [
        (f"/staff/rounds/{round_id}/weighting", ["Rounds"]),
        (f"/staff/rounds/{round_id}/invitations", ["Invitations"]),
        ("/staff/units", ["Units"]),
    ]:
        assert [label for _, marked, label in _menu(client, path) if marked] == current, path
