"""Fixtures of the browser tests: one headless Chromium for the whole package, and the demo
site (migrated SQLite, the demo loaded, invitation codes kept) served once per module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from survey_app.demo import load_demo
from tests.e2e.browser_support import migrated_app, serve


@dataclass(frozen=True)
class DemoSite:
    """The demo served for real: the app, its base URL and the invitation codes issued."""

    app: Flask
    base: str
    codes: tuple[str, ...]


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    """The app, migrated and loaded with the demo round, served on a free loopback port."""
    folder: Path = tmp_path_factory.mktemp("e2e-demo")
    app = migrated_app(folder)
    with app.app_context():
        loaded = load_demo(date.today())
    with serve(app) as base:
        yield DemoSite(app, base, tuple(issued.code for issued in loaded.codes))
