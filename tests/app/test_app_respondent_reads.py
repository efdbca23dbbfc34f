"""What a respondent's page view asks of the database: showing a page writes nothing (its
timing mark lives in the session, ``survey_app.drafts``), and the survey behind the URL is a
cached snapshot (``survey_app.surveys``) that a change made in this process replaces at once
and a change made elsewhere replaces within ``SURVEY_CACHE_SECONDS``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from sqlalchemy import event, inspect, select, text

from survey_app import surveys
from survey_app.models import Draft, Round, RoundStatus, db
from tests.app.app_helpers import CITIZENS, csrf_token, demo, page_data, questionnaire, start


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _verbs(seen: list[str]) -> list[str]:
    """The first word of each statement, upper-cased."""
    return [statement.lstrip().split(None, 1)[0].upper() for statement in seen]


def _writes(seen: list[str]) -> list[str]:
    """The statements that change rows."""
    changing = {"INSERT", "UPDATE", "DELETE"}
    return [s for s, verb in zip(seen, _verbs(seen), strict=True) if verb in changing]


def test_showing_a_page_writes_nothing_and_its_time_is_still_kept(
    app: Flask, client: FlaskClient
) -> None:
    """A page GET runs no INSERT, UPDATE or DELETE; posting the page afterwards stores the time
    it was on screen. And the database work of every respondent's page is one SELECT of the
    draft to show it, one SELECT and one UPDATE to save it: the survey is a cached snapshot and
    the page mark lives in the session, so a second query here would be paid on every page."""
    demo(app)
    first = start(client).headers["Location"]
    with statements(app) as seen:
        shown = client.get(first)
    assert shown.status_code == 200
    assert seen, "the page view read nothing: the statement listener is not working"
    assert _writes(seen) == []
    assert _verbs(seen) == ["SELECT"], seen
    time.sleep(0.2)
    page_id = first.rsplit("/p/", 1)[1]
    data = page_data(questionnaire(), questionnaire().page(page_id), {}, {})
    data.update(csrf_token=csrf_token(shown.text), action="next")
    with statements(app) as seen:
        posted = client.post(first, data=data)
    assert posted.status_code == 302
    assert _writes(seen), "saving a page wrote nothing"
    assert _verbs(seen) == ["SELECT", "UPDATE"], seen
    with app.app_context():
        [seconds] = db.session.scalars(select(Draft.page_seconds)).all()
    assert set(seconds) == {page_id}
    assert 0.2 <= seconds[page_id] < 30


PAGE = "<the page posted>"
"""Stands for the posted page's id in a timing mark."""


@pytest.mark.parametrize(
    "mark",
    [None, ["another_page", 1.0], "garbage", ["only one"], [PAGE, "not a time"], [1, 2, 3]],
    ids=["none", "another-page", "text", "short", "bad-time", "long"],
)
def test_a_page_posted_without_its_mark_adds_no_time(
    app: Flask, client: FlaskClient, mark: object
) -> None:
    """The timing mark belongs to the page last shown: a post of a page the session did not
    show (an old copy, another device), or with a mark that is not a page and a time, saves
    the answers and adds no time."""
    demo(app)
    first = start(client).headers["Location"]
    shown = client.get(first)
    with client.session_transaction() as session:
        if mark is None:
            session.pop("shown")
        elif isinstance(mark, list):
            page_id = first.rsplit("/p/", 1)[1]
            session["shown"] = [page_id if part == PAGE else part for part in mark]
        else:
            session["shown"] = mark
    page_id = first.rsplit("/p/", 1)[1]
    data = page_data(questionnaire(), questionnaire().page(page_id), {}, {})
    data.update(csrf_token=csrf_token(shown.text), action="next")
    assert client.post(first, data=data).status_code == 302
    with app.app_context():
        [draft] = db.session.scalars(select(Draft)).all()
        assert draft.page_seconds == {}
        assert draft.answers


def _close_round_in_this_process(app: Flask) -> None:
    """Close the demo round through the ORM, as a staff page would."""
    with app.app_context():
        round_ = db.session.scalars(select(Round).where(Round.code == "demo")).one()
        round_.status = RoundStatus.CLOSED
        db.session.commit()


def _close_round_elsewhere(app: Flask) -> None:
    """Close the demo round with plain SQL on the app's engine: no ORM session sees it, as
    with another process."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("UPDATE rounds SET status = 'closed' WHERE code = 'demo'"))


def test_a_round_closed_in_this_process_is_closed_at_once(app: Flask, client: FlaskClient) -> None:
    """The cached snapshot goes when this process changes a round."""
    demo(app)
    assert client.get(f"{CITIZENS}/").status_code == 200
    _close_round_in_this_process(app)
    assert client.get(f"{CITIZENS}/").status_code == 410


def test_a_round_closed_by_another_process_is_seen_within_the_cache_time(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change this process did not make is read once the snapshot is older than
    ``SURVEY_CACHE_SECONDS``, and not before (the clock is the test's)."""
    clock = [1000.0]
    monkeypatch.setattr(surveys, "monotonic", lambda: clock[0])
    demo(app)
    assert client.get(f"{CITIZENS}/").status_code == 200
    _close_round_elsewhere(app)
    clock[0] += surveys.SURVEY_CACHE_SECONDS - 0.1
    assert client.get(f"{CITIZENS}/").status_code == 200, "the snapshot was not cached"
    clock[0] += 0.1
    assert client.get(f"{CITIZENS}/").status_code == 410


def test_migration_0005_drops_the_page_marks_and_gives_them_back(
    app: Flask, client: FlaskClient
) -> None:
    """Down to 0004 the draft columns ``shown_page``/``shown_at`` come back (empty) and the
    drafts survive; up again they go."""
    demo(app)
    start(client)

    def draft_columns() -> set[str]:
        return {column["name"] for column in inspect(db.engine).get_columns("drafts")}

    with app.app_context():
        db.session.remove()
        assert not {"shown_page", "shown_at"} & draft_columns()
        downgrade(revision="0004")
        assert {"shown_page", "shown_at"} <= draft_columns()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM drafts")).scalar() == 1
        upgrade()
        db.session.remove()
        assert not {"shown_page", "shown_at"} & draft_columns()
