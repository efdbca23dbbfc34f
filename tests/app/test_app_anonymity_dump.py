"""Anonymity, shown on a full dump of the database after a round (ADR 0002).

Staff issue invitation codes, officials open some and answer with some, and then the whole
database is dumped the way an administrator (or an intruder) would take it: ``pg_dump`` on
PostgreSQL, ``iterdump`` and the raw database file on SQLite. The dump must not let anyone join
a code to a response:

* no code appears in it, and no keyed hash of a *used* code: those rows are gone with their use
  (the hashes of the unused codes are there, which shows the search would have found them);
* nothing in it records when a code was used: the batch rows are byte for byte what they were
  before anyone answered, no audit event is written at use, invitations carry no date or time
  at all, and a response's only time is its day;
* no draft is left that could still point from a code to answers.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import inspect, select

from survey_app.invitations import code_hash
from survey_app.models import AuditEvent, Draft, Invitation, InvitationBatch, Response, db
from tests.app.app_helpers import fill_pages, questionnaire, review_form
from tests.app.staff.invitations.invitation_helpers import (
    LEADERS,
    answer_with_code,
    issue,
    make_round,
    respondent,
    shown_codes,
    signed_in,
)

ANSWERED = 4
OPENED_ONLY = 1


def _table_rows(app: Flask, model: type[Any]) -> list[tuple[object, ...]]:
    """Every row of ``model``'s table, every column, in key order."""
    with app.app_context():
        table = model.__table__
        return [
            tuple(row) for row in db.session.execute(select(table).order_by(*table.primary_key))
        ]


def _audit_count(app: Flask) -> int:
    """How many audit events are stored."""
    with app.app_context():
        return db.session.scalar(select(db.func.count()).select_from(AuditEvent)) or 0


def _sqlite_path(app: Flask) -> Path:
    """The SQLite database file of ``app``."""
    return Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))


def _dump(app: Flask) -> tuple[str, bytes]:
    """A full dump of the app's database as SQL text, and the raw database file (SQLite; empty
    on PostgreSQL, whose files belong to the server)."""
    url: str = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if url.startswith("sqlite"):
        path = _sqlite_path(app)
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            text = "\n".join(connection.iterdump())
        return text, path.read_bytes()
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is missing: `make test` installs postgresql-client"
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]
    schema = options.removeprefix("-csearch_path=")
    libpq_url = url.replace("postgresql+psycopg://", "postgresql://")
    dumped = subprocess.run(
        [pg_dump, "--no-owner", f"--schema={schema}", libpq_url],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return dumped.stdout, b""


def test_a_database_dump_cannot_join_a_code_to_a_response(app: Flask) -> None:
    """Codes issued, some opened, some used: the dump holds no used code's trace."""
    test_round = make_round(app)
    staff = signed_in(app, "lan")
    codes = shown_codes(issue(staff, test_round, units=("finance", "justice"), size=4))
    assert len(codes) == 8
    used, opened, unused = (
        codes[:ANSWERED],
        codes[ANSWERED : ANSWERED + OPENED_ONLY],
        codes[ANSWERED + OPENED_ONLY :],
    )
    with app.test_request_context():
        used_hashes = [code_hash(code) for code in used]
        kept_hashes = [code_hash(code) for code in opened + unused]
    batches_before = _table_rows(app, InvitationBatch)
    audit_before = _audit_count(app)

    for code in used:
        answer_with_code(respondent(app), code)
    for code in opened:
        assert respondent(app).get(f"/i/{code}").status_code == 302

    assert _table_rows(app, InvitationBatch) == batches_before
    assert _audit_count(app) == audit_before
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Response)) == ANSWERED
        linked = db.session.scalars(
            select(Invitation.code_hash).join(Draft, Draft.invitation_id == Invitation.id)
        ).all()
        assert linked == [code_hash(code) for code in opened]
        assert db.session.scalar(select(db.func.count()).select_from(Draft)) == OPENED_ONLY
        stored = db.session.scalars(select(Invitation.code_hash)).all()
        assert sorted(stored) == sorted(kept_hashes)
        columns = {
            table: {
                column["name"]: str(column["type"]).upper()
                for column in inspect(db.engine).get_columns(table)
            }
            for table in ("invitations", "responses")
        }

    timed = re.compile(r"DATE|TIME")
    assert not [name for name, kind in columns["invitations"].items() if timed.search(kind)]
    assert [name for name, kind in columns["responses"].items() if timed.search(kind)] == [
        "submitted_on"
    ]
    assert "TIME" not in columns["responses"]["submitted_on"]

    text, raw = _dump(app)
    assert "CREATE TABLE" in text and "invitation_batches" in text
    for kept in kept_hashes:
        assert kept in text, "the dump should hold the unused codes' hashes"
    for gone in used_hashes:
        assert gone not in text
        assert gone.encode() not in raw
    for code in codes:
        assert code not in text and code.replace("-", "") not in text
    if raw:
        assert kept_hashes[0].encode() in raw, "the raw file should hold the unused hashes"


def test_a_second_browser_with_the_same_code_leaves_no_trace_either(app: Flask) -> None:
    """Two browsers that open one letter's code share its draft: the first to send stores the
    response and deletes the code; the second's send is the same submission (one response);
    no draft or row is left, and the code no longer opens anything."""
    test_round = make_round(app)
    staff = signed_in(app, "lan")
    [code] = shown_codes(issue(staff, test_round, units=("finance",), size=1))
    first, second = respondent(app), respondent(app)
    for browser in (first, second):
        entered = browser.get(f"/i/{code}")
        fill_pages(browser, browser.get(entered.headers["Location"]), questionnaire("par_leaders"))
    second_form = review_form(second, LEADERS)
    sent = first.post(f"{LEADERS}/submit", data=review_form(first, LEADERS))
    assert sent.headers["Location"].endswith("/done")
    again = second.post(f"{LEADERS}/submit", data=second_form)
    assert again.headers["Location"].endswith("/done")
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Response)) == 1
        assert db.session.scalar(select(db.func.count()).select_from(Invitation)) == 0
        assert db.session.scalar(select(db.func.count()).select_from(Draft)) == 0
    reopened = respondent(app).get(f"/i/{code}", follow_redirects=True)
    assert "it has already been used to submit a questionnaire" in reopened.text


def test_counts_survive_the_deletion_of_used_codes(app: Flask) -> None:
    """Used = size − rows stored: the round page still tells staff how many codes were used."""
    size = 3
    test_round = make_round(app)
    staff = signed_in(app, "lan")
    codes = shown_codes(issue(staff, test_round, units=("finance",), size=size))
    answer_with_code(respondent(app), codes[0])
    panel = staff.get(f"/staff/rounds/{test_round.round_id}").text
    assert f"Codes issued: {size}. Opened: 1; used: 1; expired: 0; revoked: 0." in panel
