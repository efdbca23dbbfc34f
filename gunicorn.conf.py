"""gunicorn settings, read from the working directory when gunicorn starts there.

The collection app warms up (``survey_app.warm``: bundled questionnaires read, templates
compiled) before any worker accepts a request: in the master when the app is preloaded
(``--preload``; the forked workers share the work), else in each worker as it starts.
Everything else (workers, threads, bind address) is given on the command line; see the README's
"Deploying" section.
"""

from __future__ import annotations

from typing import Any


def _warm(app: object) -> None:
    """Warm ``app`` if it is the collection app: not another app served from here (the
    benchmarks' bare app) nor gunicorn's stand-in for an app that failed to load."""
    from flask import Flask

    from survey_app.warm import warm_up

    if isinstance(app, Flask) and app.name == "survey_app":
        warm_up(app)


def when_ready(server: Any) -> None:
    """Warm the preloaded app in the master, before the workers are forked."""
    if server.cfg.preload_app:
        _warm(server.app.wsgi())


def post_worker_init(worker: Any) -> None:
    """Warm the worker's app before it takes requests (quick when the master already did)."""
    _warm(worker.wsgi)
