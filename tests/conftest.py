"""Shared fixtures: the app on SQLite and on PostgreSQL, migrated by Alembic, with clients.

``app`` is parametrised over both backends. SQLite gets a fresh file per test, copied from one
migrated template; PostgreSQL (``TEST_DATABASE_URL``) gets a schema of its own for this test
session, migrated once and emptied between tests, so parallel runs never meet. Without
``TEST_DATABASE_URL`` the PostgreSQL cases are skipped with that reason.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from hypothesis import HealthCheck, settings
from playwright.sync_api import Browser, sync_playwright

from survey_app import create_app
from survey_app.models import db
from tests.e2e.browser_support import CHROMIUM, CHROMIUM_ARGS

POSTGRES_SKIP_REASON = "TEST_DATABASE_URL is not set: PostgreSQL cases skipped"

# No property test fails for the time it takes: hypothesis's default 200 ms deadline per example
# and its too_slow health check depend on the machine's speed, which on the shared CI machine
# halves from one hour to the next. A test states what it checks, never how fast (speed is
# measured in bench/). Examples are still generated, counted and shrunk as usual.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


def base_config(instance: Path, database_url: str, **extra: Any) -> dict[str, Any]:
    """Configuration for a test app with its own instance folder and database."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "CODE_HMAC_KEY": "test-code-key",
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        **extra,
    }


def migrate_database(config: dict[str, Any]) -> None:
    """Create the schema the production way: ``flask db upgrade``."""
    app = create_app(config)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database to copy for each test."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite3"
    migrate_database(base_config(folder / "instance", f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[tuple[str, str]]:
    """A fresh migrated schema in the TEST_DATABASE_URL database: ``(url, schema)``."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(POSTGRES_SKIP_REASON)
    url = sa.make_url(url).set(drivername="postgresql+psycopg").render_as_string(False)
    schema = f"test_{secrets.token_hex(6)}"
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    migrate_database(
        base_config(
            Path(os.environ.get("TMPDIR", "/tmp")) / schema,
            url,
            SQLALCHEMY_ENGINE_OPTIONS=postgres_options(schema),
        )
    )
    yield url, schema
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def postgres_options(schema: str) -> dict[str, Any]:
    """Engine options that confine every connection to ``schema``."""
    return {"connect_args": {"options": f"-csearch_path={schema}"}}


def _empty_postgres(app: Flask) -> None:
    """Delete every row the previous test left, keeping the migrated schema."""
    with app.app_context():
        tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def make_app(request: pytest.FixtureRequest, tmp_path: Path, **extra: Any) -> Flask:
    """An app on the backend the test is parametrised with."""
    instance = tmp_path / "instance"
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "survey.sqlite3"
        shutil.copyfile(template, path)
        return create_app(base_config(instance, f"sqlite:///{path}", **extra))
    url, schema = request.getfixturevalue("postgres_schema")
    app = create_app(
        base_config(instance, url, SQLALCHEMY_ENGINE_OPTIONS=postgres_options(schema), **extra)
    )
    _empty_postgres(app)
    return app


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The collection app on a migrated, empty database."""
    application = make_app(request, tmp_path)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def sqlite_app_with(sqlite_template: Path, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """A maker of SQLite apps with extra configuration (for settings a test must change)."""
    made: list[Flask] = []

    def make(**extra: Any) -> Flask:
        """An app on a fresh copy of the migrated database, configured with ``extra``."""
        path = tmp_path / f"survey-{len(made)}.sqlite3"
        shutil.copyfile(sqlite_template, path)
        application = create_app(base_config(tmp_path / "instance", f"sqlite:///{path}", **extra))
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client (one browser's cookies)."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A runner for the app's CLI commands."""
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, started once per test process and shared by every browser
    test (Playwright's sync API allows one running instance per thread)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
