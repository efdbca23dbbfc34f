"""Migration 0003 (a used invitation leaves no trace) downgraded and upgraded again: the
0002 columns come back with counts equal to the 0003 ones, and the upgrade deletes the used
codes again, so the round's counts survive the round trip unchanged."""

from __future__ import annotations

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from survey_app.models import db
from survey_app.staff.invitations_batches import round_counts
from tests.app.staff.invitations.invitation_helpers import (
    answer_with_code,
    issue,
    make_round,
    respondent,
    shown_codes,
    signed_in,
)


def test_migration_0003_round_trip_keeps_the_counts(app: Flask) -> None:
    """Three codes: one used, one opened only, one untouched. Down to 0002 the used code is a
    placeholder row with status ``used`` and the two opened ones have a day of opening; back
    at the head the used row is gone again and the counts are those from before."""
    test_round = make_round(app)
    staff = signed_in(app, "lan")
    used, opened, _untouched = shown_codes(issue(staff, test_round, units=("finance",), size=3))
    answer_with_code(respondent(app), used)
    assert respondent(app).get(f"/i/{opened}").status_code == 302
    with app.app_context():
        before = round_counts(test_round.round_id)
        assert (before.issued, before.opened, before.used) == (3, 2, 1)
        db.session.remove()
        downgrade(revision="0002")
        columns = {c["name"] for c in inspect(db.engine).get_columns("invitations")}
        assert {"used_on", "opened_on", "batch"} <= columns
        with db.engine.connect() as connection:
            statuses = dict(
                connection.execute(
                    text("SELECT status, count(*) FROM invitations GROUP BY status")
                ).all()
            )
            dated = connection.execute(
                text("SELECT count(*) FROM invitations WHERE opened_on IS NOT NULL")
            ).scalar()
        assert statuses == {"used": 1, "issued": 2}
        assert dated == 2
        upgrade()
        db.session.remove()
        with db.engine.connect() as connection:
            left = connection.execute(text("SELECT count(*) FROM invitations")).scalar()
        assert left == 2
        assert round_counts(test_round.round_id) == before
