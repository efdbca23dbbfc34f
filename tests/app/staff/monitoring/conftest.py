"""Fixtures of the monitoring tests: the hand-countable round and signed-in clients.

The round (``monitoring_helpers.make_round``) holds, for **leaders** (par_leaders, by
invitation; speeder threshold 2 s × 45 items = 90 s):

* justice: cells province (target 4) and district (2); 7 invitations issued besides one
  withdrawn (3 used, 4 unused); responses — web 600 s (one page of 4 × "4" and a "dk": not
  straight), web 60 s (speeder), web 300 s in district (its leadership page all "3":
  straight-liner), paper P1 with answers A; one unfinished draft opened with an invitation;
* finance: cell province (3); 4 invitations (1 used, 3 unused) and 2 in a withdrawn batch;
  responses — web 1200 s (leadership page all "dk": not straight), paper P2 with answers A
  (a duplicate of P1, in another unit);

and for **delegates** (province_department, public; threshold 2 s × 18 = 36 s):

* justice: cell provincial_delegate (5); web responses 100 s and 20 s (speeder) in it, 50 s
  in commune_council (a stratum outside the frame); two drafts answering "justice", one
  expired draft (not counted);
* finance: cell provincial_delegate (2, quota 2, closed by staff); no response;
* a draft with no answer yet (unit unknown).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey_app.models import Role
from tests.app.staff.monitoring.monitoring_helpers import (
    DELEGATES,
    LEADERS,
    add_cell,
    add_draft,
    add_invitations,
    add_response,
    answers_for,
    make_round,
    page_codes,
)
from tests.app.staff.staff_helpers import add_user, login


@dataclass(frozen=True)
class KnownRound:
    """The ids a test needs."""

    round_id: int
    speeder: str
    straight: str
    paper: tuple[str, str]


def build_known_round(app: Flask) -> KnownRound:
    """Store the round described in this module's docstring."""
    round_id = make_round(app)
    add_cell(app, round_id, "justice", "leader", "province", 4)
    add_cell(app, round_id, "justice", "leader", "district", 2)
    add_cell(app, round_id, "finance", "leader", "province", 3)
    add_cell(app, round_id, "justice", "delegate", "provincial_delegate", 5)
    add_cell(app, round_id, "finance", "delegate", "provincial_delegate", 2, quota=2, closed=True)
    unused = add_invitations(app, round_id, "justice", used=3, issued=4, revoked=1)
    add_invitations(app, round_id, "finance", used=1, issued=3, revoked_batch=2)

    leadership = page_codes(LEADERS, "leadership")
    institutions = page_codes(LEADERS, "institutions")
    almost = {code: "4" for code in institutions[:-1]} | {institutions[-1]: "dk"}
    leader = {"round_id": round_id, "group": "leader", "questionnaire_id": LEADERS}
    add_response(
        app,
        unit="justice",
        stratum="province",
        seconds=600,
        answers=answers_for(LEADERS, b_level="province", **almost),
        **leader,
    )
    speeder = add_response(
        app,
        unit="justice",
        stratum="province",
        seconds=60,
        answers=answers_for(LEADERS, b_level="province"),
        **leader,
    )
    straight = add_response(
        app,
        unit="justice",
        stratum="district",
        seconds=300,
        answers=answers_for(LEADERS, b_level="district", **dict.fromkeys(leadership, "3")),
        **leader,
    )
    copied = answers_for(LEADERS, b_level="province", b_years=7)
    first = add_response(
        app, unit="justice", stratum="province", serial="P1", answers=copied, **leader
    )
    add_response(
        app,
        unit="finance",
        stratum="province",
        seconds=1200,
        answers=answers_for(LEADERS, b_level="province", **dict.fromkeys(leadership, "dk")),
        **leader,
    )
    second = add_response(
        app, unit="finance", stratum="province", serial="P2", answers=copied, **leader
    )
    add_draft(app, round_id, "leader", invitation_id=unused[0])

    delegate = {"round_id": round_id, "group": "delegate", "questionnaire_id": DELEGATES}
    for seconds, role in (
        (100, "provincial_delegate"),
        (20, "provincial_delegate"),
        (50, "commune_council"),
    ):
        add_response(
            app,
            unit="justice",
            stratum=role,
            seconds=seconds,
            answers=answers_for(DELEGATES, r_role=role, r_department="justice"),
            **delegate,
        )
    for _ in range(2):
        add_draft(app, round_id, "delegate", answers={"r_department": "justice"})
    add_draft(app, round_id, "delegate", answers={"r_department": "justice"}, expired=True)
    add_draft(app, round_id, "delegate")
    return KnownRound(round_id, speeder, straight, (first, second))


@pytest.fixture
def known(app: Flask) -> KnownRound:
    """The hand-countable round."""
    return build_known_round(app)


def signed_in(app: Flask, role: Role, unit: str | None = None) -> FlaskClient:
    """A client signed in with ``role`` (of ``unit``), in English."""
    username = f"{role.value}-{unit or 'all'}".replace("_", "-")
    add_user(app, username, role, unit)
    client = app.test_client()
    client.get("/lang/en")
    assert login(client, username).status_code == 302
    return client


@pytest.fixture
def staff(app: Flask) -> FlaskClient:
    """Survey staff, signed in, in English."""
    return signed_in(app, Role.STAFF)
