"""The WSGI entry point for gunicorn and ``flask --app wsgi``."""

from survey_app import create_app

app = create_app()
