"""``record_audit``: one event in the same transaction as the change, naming who, what and
which round, with JSON details that never hold respondent data."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask_login import login_user
from sqlalchemy import select

from survey_app.audit import AuditDataError, record_audit, state
from survey_app.models import AuditEvent, FrameCell, Role, Round, RoundStatus, Unit, User, db
from tests.app.staff.staff_helpers import add_user


def _round() -> Round:
    """A stored draft round."""
    round_ = Round(code="r", year=2025, title_vi="Đợt", title_en="Round", opens_on=date(2025, 3, 1))
    db.session.add(round_)
    db.session.flush()
    return round_


def test_an_event_names_actor_object_and_round(app: Flask) -> None:
    """The signed-in user acts; a model instance gives its table, key and round."""
    add_user(app, "lan", Role.STAFF)
    with app.app_context(), app.test_request_context():
        user = db.session.scalars(select(User)).one()
        login_user(user)
        round_ = _round()
        before = state(round_, "status", "opens_on")
        round_.status = RoundStatus.OPEN
        record_audit("round.open", round_, before=before, after=state(round_, "status"))
        unit = Unit(code="u", name_vi="Đơn vị", name_en="Unit", kind="department")
        db.session.add(unit)
        db.session.flush()
        cell = FrameCell(
            round_id=round_.id,
            unit_id=unit.id,
            respondent_group="citizen",
            stratum="u",
            population=10,
            sample_size=10,
            margin_of_error=0.05,
        )
        db.session.add(cell)
        record_audit("frame.cell", cell, details={"note": "added"})
        db.session.commit()
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.action, e.object_type, e.object_id, e.round_id, e.user_id) for e in events] == [
            ("user.create", "users", str(user.id), None, None),
            ("round.open", "rounds", str(round_.id), round_.id, user.id),
            ("frame.cell", "frame_cells", str(cell.id), round_.id, user.id),
        ]
        assert events[1].details == {
            "before": {"status": "draft", "opens_on": "2025-03-01"},
            "after": {"status": "open"},
        }
        assert events[2].details == {"note": "added"}


def test_the_event_shares_the_changes_transaction(app: Flask) -> None:
    """Rolled back with its change, the event is gone too; committed, both are stored."""
    with app.app_context():
        round_ = _round()
        record_audit("round.create", round_, actor=None)
        db.session.rollback()
        assert db.session.scalars(select(AuditEvent)).first() is None
        assert db.session.scalars(select(Round)).first() is None
        round_ = _round()
        record_audit("round.create", round_, actor=None)
        db.session.commit()
        assert db.session.scalars(select(AuditEvent.action)).all() == ["round.create"]


@pytest.mark.parametrize(
    "details",
    [
        {"answers": {"q1": "a"}},
        {"after": {"paradata": {"duration_seconds": 3}}},
        {"rows": [{"password_hash": "x"}]},
        {"invitation_code": "ABCD"},
    ],
)
def test_respondent_data_and_secrets_are_refused(app: Flask, details: dict[str, object]) -> None:
    """Details holding answers, paradata, codes or passwords raise before anything is added."""
    with app.app_context():
        with pytest.raises(AuditDataError):
            record_audit("response.edit", object_type="responses", object_id="x", details=details)
        assert not db.session.new


def test_details_must_be_json(app: Flask) -> None:
    """A value JSON cannot hold is refused by name; enums and dates are converted."""
    with app.app_context():
        with pytest.raises(AuditDataError, match="object"):
            record_audit("x.y", details={"thing": object()})
        event = record_audit("x.y", details={"status": RoundStatus.OPEN, "tags": {"b", "a"}})
        assert event.details == {"status": "open", "tags": ["a", "b"]}
