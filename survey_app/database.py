"""Database set-up: engine options per backend and SQLite's connection pragmas.

SQLite runs in WAL mode (readers never block the writer) with foreign keys enforced,
``secure_delete`` on (a deleted row, such as a used invitation, is overwritten with zeros rather
than left in a free page of the file: ADR 0002) and a busy timeout (``SQLITE_BUSY_TIMEOUT``
seconds, default 10), so concurrent submissions wait for the write lock instead of failing. The
timeout stays below gunicorn's 30-second worker timeout, so a lock held too long ends as the
"briefly unavailable" page (``survey_app.errors``) rather than a killed worker. PostgreSQL
connections are pinged before use so a restarted server does not surface as an error page, and
a connection attempt gives up after ``connect_timeout`` (5 s unless the URL says otherwise).

The request's session is closed at teardown ahead of Flask-SQLAlchemy's own teardown: when the
connection died after the response was built (PostgreSQL restarted between the last statement
and the closing rollback), the failed rollback is logged and the session dropped, so a finished
request is not turned into gunicorn's bare 500. Nothing is lost: views commit their writes, and
the closing rollback only ends a transaction that wrote nothing.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError

from survey_app.models import db

SQLITE_BUSY_TIMEOUT = 10.0
"""How long a SQLite writer waits for the lock before giving up (seconds)."""

POSTGRES_CONNECT_TIMEOUT = 5
"""Seconds a new PostgreSQL connection may take before the attempt fails."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, busy_timeout_ms: int) -> None:
    """Switch on WAL, foreign keys, secure delete and the busy timeout for each new SQLite
    connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.close()


def _close_session(_error: BaseException | None) -> None:
    """Close the request's session; a connection found dead while rolling back is logged and
    the session dropped instead of failing the finished request."""
    try:
        db.session.remove()
    except (OperationalError, InterfaceError) as failed:
        current_app.logger.warning("closing the database session failed: %s", failed)
        db.session.registry.clear()


def init_app(app: Flask) -> None:
    """Bind ``db`` to the app with options suited to the configured backend."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    options: dict[str, Any] = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    if url.get_backend_name() == "postgresql":
        if url.drivername == "postgresql":
            app.config["SQLALCHEMY_DATABASE_URI"] = url.set(drivername="postgresql+psycopg")
        options.setdefault("pool_pre_ping", True)
        if "connect_timeout" not in url.query:
            connect_args = dict(options.get("connect_args", {}))
            connect_args.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT)
            options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    app.teardown_appcontext(_close_session)
    if url.get_backend_name() == "sqlite":
        busy_timeout_ms = round(
            1000 * float(app.config.get("SQLITE_BUSY_TIMEOUT", SQLITE_BUSY_TIMEOUT))
        )
        with app.app_context():
            event.listen(
                db.engine, "connect", partial(_sqlite_pragmas, busy_timeout_ms=busy_timeout_ms)
            )
