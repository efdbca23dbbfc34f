"""The collection app: Flask factory wiring configuration, extensions, blueprints and the CLI."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the collection app."""
    app = Flask(__name__, instance_relative_config=True)

    from survey_app import config

    config.configure(app, test_config)

    from survey_app import auth, database, errors, evaluate, formatting, i18n, security, staff
    from survey_app.extensions import limiter, migrate
    from survey_app.models import db
    from survey_app.monitoring import stored_facts  # noqa: F401  (the insert hook)

    database.init_app(app)
    migrate.init_app(app, db, directory=config.migrations_directory(), render_as_batch=True)
    limiter.init_app(app)
    i18n.init_app(app)
    formatting.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    auth.init_app(app)

    from survey_app.routes import invitations, public, survey

    app.register_blueprint(public.bp)
    app.register_blueprint(invitations.bp)
    app.register_blueprint(survey.bp)
    staff.init_app(app)
    evaluate.init_app(app)

    from survey_app import cli

    cli.init_app(app)
    return app
