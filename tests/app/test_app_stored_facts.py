"""Quality facts stored with a response at insert (``survey_app.monitoring.stored_facts``):
the rating items of its longest straight-lined page, its total duration and the digest of its
answers, set on every ORM insert and filled for responses stored before the columns existed
(migrations 0004 and 0006)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import inspect, select

from survey_app.models import Response, db
from survey_app.monitoring.rules import FlagSettings, longest_straight_line, rating_pages
from survey_app.monitoring.stored_facts import answers_digest, paradata_duration
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


def _duration_and_digest(app: Flask) -> dict[str, tuple[float | None, str | None]]:
    """Each response's stored ``duration_seconds`` and ``answers_digest``."""
    with app.app_context():
        return {
            response_id: (seconds, digest)
            for response_id, seconds, digest in db.session.execute(
                select(Response.id, Response.duration_seconds, Response.answers_digest)
            )
        }


def test_a_submission_stores_its_duration_and_the_digest_of_its_answers(
    app: Flask, client: FlaskClient
) -> None:
    """The duration is the paradata's total; the digest is that of the stored answers."""
    demo(app)
    complete(client)
    with app.app_context():
        [response] = db.session.scalars(select(Response)).all()
        assert response.duration_seconds == response.paradata["duration_seconds"]
        assert response.answers_digest == answers_digest(response.answers)


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.one_of(
            st.integers(), st.text(max_size=12), st.lists(st.text(max_size=6), max_size=3)
        ),
        max_size=8,
    )
)
def test_equal_answers_have_equal_digests_whatever_their_order(answers: dict[str, Any]) -> None:
    """Reversing the order of the answers keeps the digest; changing one answer changes it."""
    reordered = dict(reversed(list(answers.items())))
    assert answers_digest(reordered) == answers_digest(answers)
    changed = {**answers, "zz-extra": "x"}
    assert answers_digest(changed) != answers_digest(answers)


def test_paradata_duration_is_a_number_or_nothing() -> None:
    """Only a number counts as a duration (paper paradata has none)."""
    assert paradata_duration({"duration_seconds": 12}) == 12.0
    assert paradata_duration({"duration_seconds": 12.5}) == 12.5
    assert paradata_duration({}) is None
    assert paradata_duration(None) is None
    assert paradata_duration({"duration_seconds": True}) is None
    assert paradata_duration({"duration_seconds": "12"}) is None


def test_migration_0006_fills_the_responses_stored_before(app: Flask, client: FlaskClient) -> None:
    """Down to 0005 (the columns and indexes go) and up again: the stored responses get their
    duration and digest back."""
    demo(app)
    complete(client)
    complete(app.test_client())
    before = _duration_and_digest(app)
    assert all(seconds is not None and digest for seconds, digest in before.values())
    with app.app_context():
        db.session.remove()
        downgrade(revision="0005")
        columns = {c["name"] for c in inspect(db.engine).get_columns("responses")}
        assert not {"duration_seconds", "answers_digest"} & columns
        upgrade()
        db.session.remove()
        indexes = {index["name"] for index in inspect(db.engine).get_indexes("responses")}
        assert {"ix_responses_monitoring", "ix_responses_copies"} <= indexes
    assert _duration_and_digest(app) == before
