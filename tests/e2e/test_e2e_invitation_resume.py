"""End to end on a phone-sized Chromium, in Vietnamese: the two ways back into a questionnaire.

(a) An official types the code from an invitation letter on the home page's code form, answers
every page of the leaders' survey and submits it. The stored response carries the invitation's
unit, and the code then opens nothing: typed again, it is refused as unknown or already used,
and no invitation row is left to find (ADR 0002).

(b) A citizen starts the citizens' survey, saves on the second page and is shown a resume
code; the browser context is closed (cookies and session gone). In a new context the citizen
types the code on the resume form, lands on the page they saved with its answers still chosen,
completes the survey and submits it; the stored response holds every answer, those given
before the break included.

Each screen is saved under ``test-output/e2e/invitation-vi/`` and ``resume-vi/``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from survey_app.invitations import find_by_code
from survey_app.models import Response, db
from tests.e2e.browser_support import PHONE, PHONE_AGENT, Screens, watch_external
from tests.e2e.conftest import DemoSite
from tests.e2e.respondent import expected_answers, fill_page, page_id

pytestmark = pytest.mark.e2e

WORDS = {
    "code_label": "Mã khảo sát",
    "next": "Tiếp tục",
    "save": "Lưu và làm tiếp sau",
    "start": "Bắt đầu",
    "submit": "Gửi phiếu",
    "done": "Phiếu của Ông/Bà đã được gửi",
    "saved": "Câu trả lời đã được lưu",
    "resume_link": "Tiếp tục phiếu đã lưu",
    "resume_label": "Mã tiếp tục",
    "welcome": "Chào mừng Ông/Bà trở lại. Các câu trả lời đã được khôi phục.",
    "unknown": "Chúng tôi không nhận ra mã này, hoặc mã đã được dùng để gửi một phiếu khảo sát",
}
"""The Vietnamese interface texts the journeys look for (from the message catalogue)."""
RESUME_CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){2}$")


def phone(browser: Browser) -> BrowserContext:
    """A new phone-sized Vietnamese browser context: no cookies, no session."""
    return browser.new_context(
        viewport=PHONE, locale="vi-VN", is_mobile=True, user_agent=PHONE_AGENT
    )


def press(page: Page, name: str) -> None:
    """Press the button named ``name`` and wait until the page it leads to has loaded."""
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def stored_ids(site: DemoSite) -> set[str]:
    """The ids of the responses stored so far."""
    with site.app.app_context():
        return set(db.session.scalars(db.select(Response.id)))


def new_response(site: DemoSite, before: set[str]) -> Response:
    """The one response stored since ``before``."""
    with site.app.app_context():
        [response] = db.session.scalars(db.select(Response).where(Response.id.not_in(before)))
        db.session.expunge(response)
        return response


def answer_to_review(page: Page, screens: Screens) -> None:
    """Answer every page from the current one to the review, saving a screenshot of each."""
    while "/review" not in page.url:
        expect(page.locator(".progress")).to_be_visible()
        fill_page(page)
        screens.take(page_id(page))
        press(page, WORDS["next"])


def type_code(page: Page, code: str) -> None:
    """Type an invitation code into the home page's code form and send it."""
    page.get_by_label(WORDS["code_label"]).fill(code)
    press(page, WORDS["next"])


def test_official_answers_with_an_invitation_code_used_once(
    demo_site: DemoSite, browser: Browser
) -> None:
    """Code typed on the form → leaders' survey → stored with the invitation's unit → the
    code is refused afterwards as unknown or already used."""
    code = demo_site.codes[-1]
    with demo_site.app.app_context():
        invitation = find_by_code(code)
        assert invitation is not None
        unit_id = invitation.unit_id
    before = stored_ids(demo_site)
    context = phone(browser)
    page = context.new_page()
    external = watch_external(page, demo_site.base)
    screens = Screens(page, "invitation-vi")
    page.goto(demo_site.base)
    assert page.locator("html").get_attribute("lang") == "vi"
    screens.take("home")
    type_code(page, code)
    assert "/r/demo/par_leaders/p/" in page.url
    answer_to_review(page, screens)
    screens.take("review")
    press(page, WORDS["submit"])
    expect(page.get_by_role("heading", level=1)).to_have_text(WORDS["done"])
    screens.take("done")

    page.goto(demo_site.base)
    type_code(page, code)
    expect(page.locator(".field-error")).to_contain_text(WORDS["unknown"])
    expect(page.locator(".error-summary")).to_be_focused()
    screens.take("code-refused")
    context.close()

    assert external == []
    response = new_response(demo_site, before)
    assert response.questionnaire_id == "par_leaders"
    assert response.unit_id == unit_id
    assert response.answers == expected_answers("par_leaders")
    with demo_site.app.app_context():
        assert find_by_code(code) is None


def test_citizen_resumes_in_a_new_browser_with_the_resume_code(
    demo_site: DemoSite, browser: Browser
) -> None:
    """Start → page 1 → save on page 2 → code shown → browser closed → new browser → code
    typed → page 2 with its answers → the rest → submitted with every answer."""
    before = stored_ids(demo_site)
    context = phone(browser)
    page = context.new_page()
    screens = Screens(page, "resume-vi")
    page.goto(f"{demo_site.base}/r/demo/sipas_citizens/")
    press(page, WORDS["start"])
    fill_page(page)
    screens.take(page_id(page))
    press(page, WORDS["next"])
    saved_page = page_id(page)
    fill_page(page)
    chosen = page.locator(".question input:checked").evaluate_all(
        "nodes => nodes.map(node => node.id)"
    )
    assert chosen
    screens.take(saved_page)
    press(page, WORDS["save"])
    expect(page.get_by_role("heading", level=1)).to_have_text(WORDS["saved"])
    resume_code = page.locator(".resume-code").inner_text().strip()
    assert RESUME_CODE.match(resume_code), resume_code
    screens.take("saved")
    context.close()

    context = phone(browser)
    page = context.new_page()
    screens.page = page
    page.goto(demo_site.base)
    page.get_by_role("link", name=WORDS["resume_link"]).click()
    page.wait_for_load_state()
    page.get_by_label(WORDS["resume_label"]).fill(resume_code)
    screens.take("resume-form")
    press(page, WORDS["next"])
    expect(page.get_by_role("status")).to_have_text(WORDS["welcome"])
    assert page_id(page) == saved_page
    for option in chosen:
        expect(page.locator(f"[id='{option}']")).to_be_checked()
    screens.take(f"{saved_page}-resumed")
    press(page, WORDS["next"])
    answer_to_review(page, screens)
    screens.take("review")
    press(page, WORDS["submit"])
    expect(page.get_by_role("heading", level=1)).to_have_text(WORDS["done"])
    screens.take("done")
    context.close()

    response = new_response(demo_site, before)
    assert response.questionnaire_id == "sipas_citizens"
    assert response.answers == expected_answers("sipas_citizens")
