"""The migrated schema: identical to the models, and unable to hold anything identifying."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from survey_app.models import db


def test_migrations_match_models(app: Flask) -> None:
    """Alembic's autogenerate comparison finds nothing between migrations and models."""
    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def _columns(app: Flask, table: str) -> dict[str, sa.types.TypeEngine[object]]:
    """The migrated columns of ``table`` and their types."""
    with app.app_context():
        inspector = sa.inspect(db.engine)
        return {column["name"]: column["type"] for column in inspector.get_columns(table)}


def test_responses_hold_no_identifier(app: Flask) -> None:
    """No column of responses could hold a token, an address, a user agent or a timestamp."""
    columns = _columns(app, "responses")
    assert set(columns) == {
        "id",
        "round_id",
        "unit_id",
        "respondent_group",
        "questionnaire_id",
        "questionnaire_version",
        "questionnaire_hash",
        "mode",
        "answers",
        "paradata",
        "stratum",
        "cluster",
        "submitted_on",
        "submission_key",
        "form_serial",
        "straight_line_items",
        "duration_seconds",
        "answers_digest",
    }
    assert isinstance(columns["submitted_on"], sa.Date)
    assert not isinstance(columns["submitted_on"], sa.DateTime)
    assert isinstance(columns["id"], sa.String)


def test_invitations_do_not_point_at_responses(app: Flask) -> None:
    """Invitations have no column or foreign key leading to a response, and no day or time of
    opening or use: only an ``opened`` flag (a used code's row is deleted, ADR 0002)."""
    columns = _columns(app, "invitations")
    assert not any("response" in name for name in columns)
    assert not [name for name, kind in columns.items() if isinstance(kind, sa.Date | sa.DateTime)]
    assert isinstance(columns["opened"], sa.Boolean)
    with app.app_context():
        inspector = sa.inspect(db.engine)
        targets = {fk["referred_table"] for fk in inspector.get_foreign_keys("invitations")}
        response_refs = inspector.get_foreign_keys("responses")
    assert targets == {"rounds", "units", "invitation_batches"}
    assert all(fk["referred_table"] != "invitations" for fk in response_refs)
