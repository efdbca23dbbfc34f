"""Warming a server process (``survey_app.warm``, run by ``gunicorn.conf.py`` in each worker):
afterwards no page compiles a template, and the hook leaves a failed app alone."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey_app.warm import warm_up
from tests.app.app_helpers import CITIZENS, demo

ROOT = Path(__file__).resolve().parents[2]


def _count_compiles(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates ``app`` compiles from now on."""
    compiled: list[str] = []
    compile_template = app.jinja_env.compile

    def counting(source: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(name or "?")
        return compile_template(source, name, *args, **kwargs)

    monkeypatch.setattr(app.jinja_env, "compile", counting)
    return compiled


def test_after_warming_no_page_compiles_a_template(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The home page and a survey's start page render from templates compiled at warm-up;
    without it they compile their own (the check can fail)."""
    demo(app)
    cold = _count_compiles(app, monkeypatch)
    assert client.get("/").status_code == 200
    assert cold, "the home page compiled nothing: the counter does not work"
    monkeypatch.undo()
    app.jinja_env.cache.clear()
    warm_up(app)
    warm = _count_compiles(app, monkeypatch)
    assert client.get("/").status_code == 200
    assert client.get(f"{CITIZENS}/").status_code == 200
    assert warm == []


def test_the_gunicorn_hooks_warm_the_app_and_skip_a_failed_one(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``post_worker_init`` warms the collection app; another Flask app and gunicorn's
    stand-in for an app that failed to load are not touched. ``when_ready`` warms the app in
    the master only when it is preloaded."""
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    warmed: list[object] = []
    monkeypatch.setattr("survey_app.warm.warm_up", warmed.append)
    hooks["post_worker_init"](SimpleNamespace(wsgi=app))
    hooks["post_worker_init"](SimpleNamespace(wsgi=lambda environ, start_response: []))
    hooks["post_worker_init"](SimpleNamespace(wsgi=Flask("bare_app")))
    assert warmed == [app]

    def master(preload: bool) -> SimpleNamespace:
        return SimpleNamespace(
            cfg=SimpleNamespace(preload_app=preload), app=SimpleNamespace(wsgi=lambda: app)
        )

    hooks["when_ready"](master(preload=False))
    assert warmed == [app]
    hooks["when_ready"](master(preload=True))
    assert warmed == [app, app]
