"""What the browser tests share: the app served on a free loopback port, numbered screenshots
(each checked for text of the other language), a watch for requests leaving the site, requests
held back to answer them out of order, and axe-core's accessibility check.

axe-core is the npm package pinned in ``package.json`` (``make test`` installs it with
``npm ci``); it is injected into each page from ``node_modules`` and run with the WCAG 2.0 and
2.1 level A and AA rules.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Page, Route
from werkzeug.serving import make_server

from survey_app import create_app
from survey_app.models import db
from tests.languages import other_language_left

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "e2e"
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PHONE_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36"
)
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
"""The axe rules run: WCAG 2.0 and 2.1, levels A and AA."""


def migrated_app(folder: Path, **extra: Any) -> Flask:
    """An app on a new SQLite file in ``folder``, migrated the production way."""
    app = create_app(
        {
            "SECRET_KEY": "e2e-secret",
            "INSTANCE_PATH": str(folder / "instance"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'e2e.sqlite3'}",
            **extra,
        }
    )
    with app.app_context():
        upgrade()
    return app


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve ``app`` with werkzeug on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        with app.app_context():
            db.engine.dispose()


class Screens:
    """Numbered full-page screenshots in ``test-output/e2e/<journey>/``, emptied first; each
    screen taken is also checked to carry no text of the other language
    (:func:`tests.e2e.languages.other_language_left`)."""

    def __init__(self, page: Page, journey: str) -> None:
        """Start numbering at 1 in an emptied folder."""
        self.folder = OUTPUT / journey
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.page = page
        self.count = 0

    def take(self, name: str, page: Page | None = None) -> None:
        """Save the current page (or ``page``) as ``NN-name.png``; fail, naming the texts, if
        it shows any of the other language."""
        self.count += 1
        shown = page or self.page
        path = self.folder / f"{self.count:02d}-{name}.png"
        shown.screenshot(path=path, full_page=True)
        left = other_language_left(shown)
        assert left == [], f"{path.name}: text of the other language on the page: {left}"


def watch_external(page: Page, base: str) -> list[str]:
    """A list that collects every request ``page`` makes outside ``base``."""
    external: list[str] = []
    page.on(
        "request",
        lambda request: external.append(request.url) if not request.url.startswith(base) else None,
    )
    return external


class HeldRequests:
    """The requests ``page`` sends to URLs matching ``pattern``, held back (not sent on) until
    the test lets each go: a slow network that answers them in the order the test chooses."""

    def __init__(self, page: Page, pattern: str) -> None:
        """Start holding the requests to ``pattern``."""
        self.page = page
        self.routes: list[Route] = []
        page.route(pattern, self._hold)

    def _hold(self, route: Route) -> None:
        """Keep ``route`` to be let go later (Playwright needs a Python function here)."""
        self.routes.append(route)

    def wait_for(self, count: int, seconds: float = 5.0) -> list[Route]:
        """The first ``count`` requests held, once the page has sent them."""
        for _ in range(round(seconds / 0.05)):
            if len(self.routes) >= count:
                return self.routes[:count]
            self.page.wait_for_timeout(50)
        raise AssertionError(f"{len(self.routes)} requests held, {count} expected")


def posted_value(route: Route, name: str) -> str | None:
    """The value of the field ``name`` in the multipart form data a held request carries."""
    found = re.search(rf'name="{re.escape(name)}"\r\n\r\n([^\r]*)', route.request.post_data or "")
    return found.group(1) if found else None


@cache
def axe_source() -> str:
    """The text of axe-core's script, read once."""
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's Content-Security-Policy
        # (no inline scripts) does not govern; a <script> tag would be blocked by it.
        page.evaluate(axe_source())
    results: dict[str, Any] = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                       resultTypes: ["violations"]})""",
        list(WCAG_TAGS),
    )
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def describe_violations(where: str, violations: list[dict[str, Any]]) -> list[str]:
    """One line per violation and element: rule, impact, target, help URL, and why."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            lines.append(
                f"{where}: {violation['id']} [{violation['impact']}] "
                f"target={' '.join(map(str, node['target']))} {violation['helpUrl']}\n"
                f"    {node.get('failureSummary', '').replace(chr(10), ' ')}"
            )
    return lines


class AxeAudit:
    """axe-core run on page after page; every violation is kept, to be reported at once."""

    def __init__(self) -> None:
        """No page checked yet."""
        self.checked: list[str] = []
        self.problems: list[str] = []

    def check(self, page: Page, where: str) -> None:
        """Run axe on ``page`` now and keep what it finds under the label ``where``."""
        self.checked.append(where)
        self.problems.extend(describe_violations(where, axe_violations(page)))

    def report(self) -> str:
        """Every violation found, one per line, or an empty string."""
        if not self.problems:
            return ""
        return (
            f"{len(self.problems)} accessibility violation(s) on {len(self.checked)} page views:\n"
            + "\n".join(self.problems)
        )
