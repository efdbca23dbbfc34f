"""Work a server process does once, before it takes requests, so that its first visitors do
not wait for it: reading and checking the bundled questionnaires (their YAML, about 0.06 s)
and compiling every page template (about 1.3 s for the 75 templates on the 2-core bench
machine: a first staff dashboard request spent a quarter of its time compiling its own).

gunicorn runs :func:`warm_up` through ``gunicorn.conf.py``: in the master before it forks the
workers when the app is preloaded (``--preload``: the workers inherit the compiled templates),
else in each worker before it takes requests. The development server and the command line do
not. Warming twice costs next to nothing: both caches are kept.
"""

from __future__ import annotations

from flask import Flask

from survey_app.catalogue import bundled_by_hash


def warm_up(app: Flask) -> None:
    """Load the bundled questionnaires and compile every HTML template of ``app``."""
    with app.app_context():
        bundled_by_hash()
        for name in app.jinja_env.list_templates(extensions=["html"]):
            app.jinja_env.get_template(name)
