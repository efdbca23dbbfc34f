"""End to end: staff keying a paper form, in desktop Chromium, see the questions the answers
skip greyed and disabled (the page script asks the server after each change), and a late
answer from the server about an earlier change never undoes the latest one.

The demo is served for real (``conftest.demo_site``); a staff account is added to it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from survey_app.models import Role, Round, db
from tests.app.staff.staff_helpers import PASSWORD, add_user
from tests.e2e.browser_support import DESKTOP
from tests.e2e.conftest import DemoSite
from tests.e2e.respondent import change_procedure_answered_in_reverse

pytestmark = pytest.mark.e2e


def test_a_late_answer_about_skipped_questions_does_not_undo_a_newer_one(
    demo_site: DemoSite, browser: Browser
) -> None:
    """Choose a procedure, then "another procedure" before the server has answered either:
    the answer about the first, coming back last, leaves the "which procedure" question open
    to keying, as the answer about the latest change said."""
    add_user(demo_site.app, "paperclerk", Role.STAFF)
    with demo_site.app.app_context():
        round_id = db.session.scalars(select(Round.id)).one()
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{demo_site.base}/auth/login")
    page.fill("#username", "paperclerk")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    page.goto(f"{demo_site.base}/staff/rounds/{round_id}/paper/sipas_citizens")
    form = page.locator("form.paper-form")
    other = page.locator(".question[data-item='s_procedure_other']")
    expect(other).to_have_attribute("data-conditional", "hidden")

    change_procedure_answered_in_reverse(
        page, form, lambda: expect(other).to_have_attribute("data-conditional", "shown")
    )
    expect(other).to_have_attribute("data-conditional", "shown")
    expect(other.locator("input")).to_be_enabled()
    context.close()
