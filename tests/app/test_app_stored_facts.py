"""Quality facts stored with a response at insert (``survey_app.monitoring.stored_facts``):
the rating items of its longest straight-lined page, set on every ORM insert and filled for
responses stored before the column existed (migration 0004)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from survey_app.models import Response, db
from survey_app.monitoring.rules import FlagSettings, longest_straight_line, rating_pages
from tests.app.app_helpers import complete, demo, questionnaire


def _stored(app: Flask) -> dict[str, int]:
    """Each response's stored ``straight_line_items``."""
    with app.app_context():
        return dict(db.session.execute(select(Response.id, Response.straight_line_items)).all())


def test_a_submission_stores_its_longest_straight_line(app: Flask, client: FlaskClient) -> None:
    """The first choice on every rating item straight-lines every rating page: the largest
    page's item count is stored; varying one answer on that page shortens it."""
    demo(app)
    citizens = questionnaire("sipas_citizens")
    pages = rating_pages(citizens, FlagSettings(min_rating_items=2))
    largest = max(pages, key=lambda page: len(page.codes))
    complete(client)
    second_level = largest.levels[1]
    complete(app.test_client(), {largest.codes[0]: second_level})
    with app.app_context():
        stored = db.session.execute(select(Response.answers, Response.straight_line_items)).all()
    values = sorted(items for _answers, items in stored)
    others = [len(page.codes) for page in pages if page is not largest]
    assert values == sorted([max(others, default=0), len(largest.codes)])
    for answers, items in stored:
        assert items == longest_straight_line(citizens, answers)


def test_migration_0004_fills_the_responses_stored_before(app: Flask, client: FlaskClient) -> None:
    """Down to 0003 (the column goes) and up again: the stored responses get their value."""
    demo(app)
    complete(client)
    before = _stored(app)
    assert set(before.values()) != {0}
    with app.app_context():
        db.session.remove()
        downgrade(revision="0003")
        columns = {c["name"] for c in inspect(db.engine).get_columns("responses")}
        assert "straight_line_items" not in columns
        upgrade()
        db.session.remove()
    assert _stored(app) == before
