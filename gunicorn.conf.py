"""gunicorn settings, read from the working directory when gunicorn starts there.

Each worker warms up (``survey_app.warm``: bundled questionnaires read, templates compiled)
before it accepts its first request. Everything else (workers, threads, bind address) is given
on the command line; see the README's "Deploying" section.
"""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    """Warm the worker's app before it takes requests: the collection app only, not another
    app served from here (the benchmarks' bare app) nor gunicorn's stand-in for an app that
    failed to load."""
    from flask import Flask

    from survey_app.warm import warm_up

    if isinstance(worker.wsgi, Flask) and worker.wsgi.name == "survey_app":
        warm_up(worker.wsgi)
