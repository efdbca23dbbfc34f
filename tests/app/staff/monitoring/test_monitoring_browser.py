"""End to end: the monitoring page in Chromium, on a desktop and on a phone, updating itself
as answers arrive; and a delegate of a closed cell thanked on a phone.

The app is served for real (werkzeug on a free loopback port, a migrated SQLite file holding
the hand-countable round of ``conftest``), the page's script polls every second
(``MONITORING_REFRESH_SECONDS``); screenshots go to ``test-output/e2e/monitoring/``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from survey_app import create_app
from survey_app.models import Role, db
from tests.app.staff.monitoring.conftest import KnownRound, build_known_round
from tests.app.staff.monitoring.monitoring_helpers import LEADERS, add_response, answers_for
from tests.app.staff.staff_helpers import PASSWORD, add_user
from tests.languages import other_language_left

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[4] / "test-output" / "e2e" / "monitoring"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _shot(page: Page, name: str) -> None:
    """Save a full-page screenshot as ``name.png``; the page shows no text of the other
    language."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    assert other_language_left(page) == [], name


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Flask, str, KnownRound]]:
    """The app with the known round and a staff account, served on a free loopback port."""
    app = create_app(
        {
            "SECRET_KEY": "e2e-secret",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e2e.sqlite3'}",
            "MONITORING_REFRESH_SECONDS": 1,
        }
    )
    with app.app_context():
        upgrade()
    known = build_known_round(app)
    add_user(app, "lan", Role.STAFF)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", known
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module", autouse=True)
def empty_screenshots() -> None:
    """An emptied screenshot folder for this module's pages."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()


def sign_in(page: Page, base: str, language: str = "en") -> None:
    """Sign in as the staff account, in ``language`` (chosen first: it survives signing in),
    and wait until the workspace has loaded everything."""
    page.goto(f"{base}/lang/{language}")
    page.goto(f"{base}/auth/login")
    page.fill("input[name=username]", "lan")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/staff/")
    page.wait_for_load_state("networkidle")


def test_the_dashboard_updates_itself(
    served: tuple[Flask, str, KnownRound], browser: Browser
) -> None:
    """Desktop: the figures, charts and tables; a new response appears without a reload;
    the pause button; nothing fetched from elsewhere."""
    app, base, known = served
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    elsewhere: list[str] = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith(base) else None)
    sign_in(page, base)
    page.goto(f"{base}/staff/rounds/{known.round_id}/monitoring")
    responses = page.locator(".monitoring-overview .figure .big").first
    expect(responses).to_have_text("9")
    expect(page.locator("figure#chart-leader")).to_be_visible()
    expect(page.locator("svg#durations-delegate")).to_be_visible()
    _shot(page, "01-dashboard-desktop")

    add_response(
        app,
        known.round_id,
        unit="finance",
        group="leader",
        stratum="province",
        questionnaire_id=LEADERS,
        answers=answers_for(LEADERS, b_level="province"),
        seconds=400,
    )
    expect(responses).to_have_text("10", timeout=15_000)
    expect(page.locator("#monitoring-updated")).to_contain_text("Figures checked at")

    pause = page.get_by_role("button", name="Pause live updates")
    pause.click()
    expect(page.get_by_role("button", name="Resume live updates")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.locator("#strata-leader > summary").click()
    expect(page.locator("#strata-leader table")).to_be_visible()
    _shot(page, "02-strata-open")
    assert elsewhere == []
    context.close()


def test_the_dashboard_on_a_phone(served: tuple[Flask, str, KnownRound], browser: Browser) -> None:
    """Phone: nothing wider than the screen but the scrolling tables; Vietnamese labels."""
    _app, base, known = served
    context = browser.new_context(viewport=PHONE, is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    sign_in(page, base, "vi")
    page.goto(f"{base}/staff/rounds/{known.round_id}/monitoring")
    expect(page.locator("h1")).to_have_text("Theo dõi thu thập")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "03-dashboard-phone")
    page.goto(f"{base}/staff/rounds/{known.round_id}/monitoring/flags?kind=speeders")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "04-flags-phone")
    page.goto(f"{base}/staff/rounds/{known.round_id}/monitoring/quotas")
    _shot(page, "05-quotas-phone")
    context.close()


def test_a_delegate_of_a_closed_cell_is_thanked_on_a_phone(
    served: tuple[Flask, str, KnownRound], browser: Browser
) -> None:
    """Finance's delegates cell is closed: after the first page, the thank-you page."""
    _app, base, _known = served
    context = browser.new_context(viewport=PHONE, is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    page.goto(f"{base}/r/mon-2025/province_department/")
    page.get_by_role("button", name="Bắt đầu").click()
    page.locator("input[value=provincial_delegate]").check()
    page.locator("input[value=finance]").check()
    page.locator("input[name=q_r_contact]").first.check()
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.locator("h1")).to_have_text("Cảm ơn Ông/Bà: nhóm của Ông/Bà đã có đủ câu trả lời")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "06-enough-answers-phone")
    context.close()
