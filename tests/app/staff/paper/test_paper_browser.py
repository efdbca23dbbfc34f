"""End to end in Chromium: a staff member signs in, issues a batch of invitation codes, saves
the CSV, prints the A4 sheets (a PDF with one page per code, and a screenshot of a sheet as
printed), then keys a paper questionnaire with the keyboard alone.

The app is served for real (werkzeug on a free loopback port, SQLite in a temporary folder,
migrated by Alembic); screenshots go to ``test-output/e2e/staff-invitations-paper/``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from survey_app import create_app
from survey_app.models import Invitation, Response, Role, db
from tests.app.staff.invitations.invitation_helpers import SetUpRound, make_round
from tests.app.staff.staff_helpers import PASSWORD, add_user
from tests.languages import other_language_left

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[4] / "test-output/e2e/staff-invitations-paper"
DESKTOP = {"width": 1280, "height": 900}
A4_PRINTABLE = {"width": 680, "height": 1001}
"""The printable area of an A4 page inside print.css's margins (180 × 265 mm) at 96 dpi."""
TEXT_ANSWERS = {"number": "2", "date": "2024-05-02", "text": "Phường Phú Hội"}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Flask, str, SetUpRound]]:
    """The app with a round and a staff account, served on a free loopback port."""
    app = create_app(
        {
            "SECRET_KEY": "e2e-secret",
            "CODE_HMAC_KEY": "e2e-code-key",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e2e.sqlite3'}",
        }
    )
    with app.app_context():
        upgrade()
    test_round = make_round(app)
    add_user(app, "lan", Role.STAFF)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", test_round
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


def _shot(page: Page, name: str, *, full_page: bool = True) -> None:
    """Save a screenshot of the page as ``name.png``; the page shows no text of the other
    language."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=full_page)
    assert other_language_left(page) == [], name


def _answer(page: Page, question: Locator) -> None:
    """Answer one applicable question from the keyboard: the number of its first answer (the
    first two for "in person" and a result received), or typed text."""
    choices = question.locator(".choice input")
    if choices.count():
        choices.first.focus()
        with page.expect_response(lambda response: response.url.endswith("/visible")):
            page.keyboard.press("1")
        return
    kind = "text"
    if question.locator("input.input-number").count():
        kind = "number"
    elif question.locator("input[type=date]").count():
        kind = "date"
    field = question.locator("input, textarea").first
    with page.expect_response(lambda response: response.url.endswith("/visible")):
        field.fill(TEXT_ANSWERS[kind])
        page.keyboard.press("Tab")


def _key_every_question(page: Page) -> int:
    """Answer every question that applies, in order, as each answer reveals more; how many."""
    answered: set[str] = set()
    while True:
        pending = [
            question
            for question in page.locator(".paper-form .question[data-item]:not(.skipped)").all()
            if question.get_attribute("data-item") not in answered
        ]
        if not pending:
            return len(answered)
        answered.add(pending[0].get_attribute("data-item") or "")
        _answer(page, pending[0])


def _pdf_pages(pdf: bytes) -> int:
    """The number of pages of a PDF (its page objects)."""
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_staff_issue_codes_print_sheets_and_key_a_paper_form(
    browser: Browser,
    served: tuple[Flask, str, SetUpRound],
) -> None:
    """Sign in → issue 2 codes → CSV → print (A4 PDF, 2 pages) → key a form by keyboard."""
    app, base, test_round = served
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    external: list[str] = []
    page.on(
        "request",
        lambda request: external.append(request.url) if not request.url.startswith(base) else None,
    )
    page.goto(f"{base}/auth/login")
    page.fill("#username", "lan")
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.get_by_role("link", name="Thư mời").click()
    page.get_by_role("link", name="Khảo sát Chỉ số CCHC các sở").click()
    page.get_by_label("Đơn vị finance (finance)").check()
    page.get_by_label("Số mã cho mỗi đơn vị").fill("2")
    _shot(page, "01-issue-form")
    page.get_by_role("button", name="Cấp mã").click()

    expect(page.get_by_role("heading", name="Đã cấp 2 mã")).to_be_visible()
    expect(page.get_by_text("Hãy lưu các mã này ngay")).to_be_visible()
    _shot(page, "02-codes-shown-once")
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải các mã (CSV)").click()
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == "unit,group,code,link" and len(rows) == 3
    expect(page.get_by_role("button", name="In giấy mời")).to_be_visible()

    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    assert _pdf_pages(pdf) == 2
    (SCREENSHOTS / "03-sheets.pdf").write_bytes(pdf)
    page.set_viewport_size(A4_PRINTABLE)
    assert page.locator(".site-header").is_hidden()
    expect(page.locator(".sheet-qr svg").first).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".sheet").first.screenshot(path=SCREENSHOTS / "03-sheet-printed-a4.png")
    page.emulate_media(media="screen")
    page.set_viewport_size(DESKTOP)

    page.get_by_role("link", name="Phiếu giấy").first.click()
    page.get_by_role("link", name="Khảo sát Chỉ số CCHC các sở").click()
    page.locator(".paper-offers a").first.click()
    expect(page.locator("#form_serial")).to_be_focused()
    page.keyboard.type("hue-000123")
    page.select_option("#unit", label="Đơn vị finance (finance)")
    visits = page.locator("[data-item='s_visits']")
    expect(visits).to_have_class(re.compile(r"\bskipped\b"))
    answered = _key_every_question(page)
    expect(visits).not_to_have_class(re.compile(r"\bskipped\b"))
    _shot(page, "04-paper-form-keyed")
    page.locator(".paper-form button[type=submit]").click()
    expect(page.get_by_text("Đã lưu phiếu HUE-000123 (phiếu giấy).")).to_be_visible()
    expect(page.locator("#form_serial")).to_be_focused()
    expect(page.locator("#form_serial")).to_have_value("")
    expect(page.locator("#unit")).to_have_value(str(test_round.unit_ids["finance"]))
    _shot(page, "05-paper-form-stored")

    assert external == []
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Invitation)) == 2
        [response] = db.session.scalars(select(Response)).all()
        assert (response.mode, response.form_serial) == ("paper", "HUE-000123")
        assert response.unit_id == test_round.unit_ids["finance"]
        assert response.answers["s_channel"] == "in_person"
        assert response.answers["s_visits"] == 2
        assert "s_procedure_other" not in response.answers
        assert len(response.answers) == answered
        assert response.submitted_on == date.today()
