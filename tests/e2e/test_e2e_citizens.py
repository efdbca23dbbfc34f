"""End to end: a citizen answers the SIPAS survey on a phone-sized Chromium, in Vietnamese, and
in English after switching language on the home page.

The demo is served for real (``conftest.demo_site``). Playwright drives Debian's Chromium
through the home page, every page of the questionnaire (skip logic revealed by the page
script), the review and the submission; each screen is saved under
``test-output/e2e/citizens-<language>/``. In English every page must show the interface and
the questionnaire in English only. The stored response is read from the database: the same
answers in either language.
"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect

from questionnaires.loader import bundled_questionnaires
from survey_app.models import Response, db
from tests.e2e.browser_support import PHONE, PHONE_AGENT, Screens, watch_external
from tests.e2e.conftest import DemoSite
from tests.e2e.respondent import (
    change_procedure_answered_in_reverse,
    expected_answers,
    fill_page,
    page_id,
)
from tests.languages import other_language_left

pytestmark = pytest.mark.e2e

QUESTIONNAIRE = "sipas_citizens"
WORDS = {
    "vi": {
        "survey": "Phiếu khảo sát sự hài lòng",
        "start": "Bắt đầu",
        "progress": "Trang ",
        "next": "Tiếp tục",
        "review": "Kiểm tra lại câu trả lời",
        "in_person": "Trực tiếp tại Bộ phận Một cửa",
        "submit": "Gửi phiếu",
        "done": "Phiếu của Ông/Bà đã được gửi",
    },
    "en": {
        "survey": "Survey of citizens' and organisations' satisfaction",
        "start": "Start now",
        "progress": "Page ",
        "next": "Continue",
        "review": "Check your answers",
        "in_person": "In person at the one-stop shop",
        "submit": "Submit",
        "done": "Your answers have been sent",
    },
}


def stored_ids(site: DemoSite) -> set[str]:
    """The ids of the responses stored so far."""
    with site.app.app_context():
        return set(db.session.scalars(db.select(Response.id)))


def check_language(page: Page, language: str) -> None:
    """The page is in ``language``: its ``lang``, and no text of the other language left."""
    assert page.locator("html").get_attribute("lang") == language
    assert other_language_left(page) == []


def check_questions(page: Page, language: str) -> None:
    """The page's title and every question shown are the definition's text in ``language``."""
    questionnaire = bundled_questionnaires()[QUESTIONNAIRE]
    shown = questionnaire.page(page_id(page))
    expect(page.locator("h1")).to_have_text(shown.title.get(language))
    for question in page.locator(".question[data-item]:visible").all():
        item = questionnaire.item(question.get_attribute("data-item") or "")
        label = question.locator("legend, .question-label").first
        expect(label).to_contain_text(item.text.get(language))


@pytest.mark.parametrize("language", ["vi", "en"])
def test_citizen_fills_the_survey_on_a_phone(
    demo_site: DemoSite, browser: Browser, language: str
) -> None:
    """Home (switch language) → start → every page (skip logic) → review → submit → thanks →
    stored, the same answers in either language."""
    words = WORDS[language]
    before = stored_ids(demo_site)
    context = browser.new_context(
        viewport=PHONE, locale="vi-VN", is_mobile=True, user_agent=PHONE_AGENT
    )
    page = context.new_page()
    external = watch_external(page, demo_site.base)
    screens = Screens(page, f"citizens-{language}")
    page.goto(demo_site.base)
    assert page.locator("html").get_attribute("lang") == "vi"
    if language == "en":
        page.get_by_role("navigation", name="Ngôn ngữ").get_by_role("link", name="English").click()
    check_language(page, language)
    screens.take("home")
    page.get_by_role("link", name=words["survey"]).click()
    check_language(page, language)
    screens.take("start")
    page.get_by_role("button", name=words["start"]).click()
    page.wait_for_load_state()

    visits = page.locator("[data-item='s_visits']")
    expect(visits).to_be_hidden()
    first = True
    while "/review" not in page.url:
        check_language(page, language)
        assert page.locator(".progress").inner_text().startswith(words["progress"])
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        fill_page(page)
        check_questions(page, language)
        if first:
            expect(visits).to_be_visible()
            first = False
        screens.take(page_id(page))
        page.get_by_role("button", name=words["next"], exact=True).click()

    check_language(page, language)
    expect(page.get_by_role("heading", name=words["review"])).to_be_visible()
    expect(page.get_by_text(words["in_person"])).to_be_visible()
    screens.take("review")
    page.get_by_role("button", name=words["submit"], exact=True).click()
    expect(page.get_by_role("heading", name=words["done"])).to_be_visible()
    check_language(page, language)
    screens.take("done")
    context.close()

    assert external == []
    with demo_site.app.app_context():
        [response] = db.session.scalars(db.select(Response).where(Response.id.not_in(before))).all()
        assert response.questionnaire_id == QUESTIONNAIRE
        assert response.respondent_group == "citizen"
        assert response.mode == "web"
        assert response.stratum == "hue"
        assert response.answers == expected_answers(QUESTIONNAIRE)
        assert response.answers["s_channel"] == "in_person"
        assert response.answers["s_visits"] == 2
        assert response.answers["s_result_date"] == "2024-05-02"
        assert "s_procedure_other" not in response.answers
        assert set(response.paradata) == {"page_seconds", "duration_seconds", "device"}
        assert response.paradata["device"] == "mobile"
        assert response.submitted_on == date.today()


def test_a_late_answer_about_the_questions_shown_does_not_undo_a_newer_one(
    demo_site: DemoSite, browser: Browser
) -> None:
    """Two changes in a row send two questions to the server about which questions to show;
    when the answer to the first comes back last (a slow phone network, arrow keys moving a
    radio choice), the page keeps what the answer to the latest change said."""
    context = browser.new_context(
        viewport=PHONE, locale="vi-VN", is_mobile=True, user_agent=PHONE_AGENT
    )
    page = context.new_page()
    page.goto(demo_site.base + f"/r/demo/{QUESTIONNAIRE}/")
    page.get_by_role("button", name=WORDS["vi"]["start"]).click()
    page.wait_for_load_state()
    assert page_id(page) == "service"
    other = page.locator(".question[data-item='s_procedure_other']")
    expect(other).to_be_hidden()

    change_procedure_answered_in_reverse(
        page, page.locator("form[data-visibility-url]"), lambda: expect(other).to_be_visible()
    )
    expect(other).to_be_visible()
    context.close()
