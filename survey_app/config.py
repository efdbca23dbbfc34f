"""Configuration: defaults, then the environment (``FLASK_*`` and ``DATABASE_URL``), then tests.

The secret key comes from ``FLASK_SECRET_KEY``; without it (the demo) one is generated once and
kept in ``instance/secret_key`` so sessions, resume codes and invitation codes survive restarts.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

SECRET_KEY_FILE = "secret_key"
DEFAULT_DATABASE_FILE = "survey.sqlite3"


def migrations_directory() -> str:
    """The absolute path of the Alembic migrations folder beside the package."""
    return str(Path(__file__).resolve().parent.parent / "migrations")


def _instance_secret_key(instance: Path) -> str:
    """Read the demo secret key from the instance folder, generating it on first use."""
    path = instance / SECRET_KEY_FILE
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Load defaults, the environment and ``test_config`` into ``app.config``.

    ``INSTANCE_PATH`` (``FLASK_INSTANCE_PATH``) moves the instance folder, where the default
    SQLite database, the demo secret key and the demo invitation file live.
    """
    app.config.from_mapping(
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=30),
        DRAFT_LIFETIME=timedelta(days=30),
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_CODE_ENTRY="10 per minute;50 per hour",
        RATELIMIT_SUBMISSION="30 per minute",
        BABEL_DEFAULT_LOCALE="vi",
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.config.from_prefixed_env()
    if "DATABASE_URL" in os.environ:
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if test_config is not None:
        app.config.from_mapping(test_config)
    if app.config.get("INSTANCE_PATH"):
        app.instance_path = str(app.config["INSTANCE_PATH"])
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", f"sqlite:///{instance / DEFAULT_DATABASE_FILE}"
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(instance)
    if not app.config.get("CODE_HMAC_KEY"):
        app.config["CODE_HMAC_KEY"] = app.config["SECRET_KEY"]
