"""Accessibility: axe-core finds no WCAG 2.0/2.1 A or AA violation on any respondent page, in
Vietnamese and in English, on a phone-sized (390×844) Chromium.

The pages audited, each as a respondent reaches it: the home page; the invitation code form,
empty and refusing an unknown code; the citizens' survey start page; every questionnaire page
of the citizens' survey and one showing validation errors (a required question left empty);
the page showing a resume code after "Save and continue later"; the resume form, empty and
refusing a wrong code; the review and the thank-you page; every page of the leaders' survey
opened with an invitation code, its review, and the "code already used" page (its invitation
taken by another draft, as ``survey_app.submission`` does when the code is used elsewhere);
the closed-survey page of a round that has ended; and the 404 page. Every violation is kept
and reported at once at the end, so one run shows all that is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from questionnaires.loader import bundled_questionnaires
from questionnaires.model import ItemType
from survey_app.models import (
    Access,
    Draft,
    QuestionnaireVersion,
    Response,
    Round,
    RoundQuestionnaire,
    RoundStatus,
    db,
)
from tests.e2e.browser_support import PHONE, PHONE_AGENT, AxeAudit, Screens
from tests.e2e.conftest import DemoSite
from tests.e2e.respondent import DATE, NUMBER, TEXT, expected_answers, fill_page, page_id

pytestmark = pytest.mark.e2e

QUESTIONNAIRE = "sipas_citizens"
CITIZENS = f"/r/demo/{QUESTIONNAIRE}/"
LEADERS = "par_leaders"
CLOSED_ROUND = "closed-demo"
NEXT = {"vi": "Tiếp tục", "en": "Continue"}
SAVE = {"vi": "Lưu và làm tiếp sau", "en": "Save and continue later"}
REVIEW = {"vi": "Kiểm tra lại câu trả lời", "en": "Check your answers"}
SKIP = {"vi": "Chuyển đến nội dung chính", "en": "Skip to main content"}
USED = {"vi": "Mã này đã được sử dụng", "en": "This code has already been used"}
START = {"vi": "Bắt đầu", "en": "Start now"}
SUBMIT = {"vi": "Gửi phiếu", "en": "Submit"}
LANGUAGE_CODE = {"vi": 0, "en": 1}
"""Which demo invitation code each language's leaders' journey uses."""


def phone_context(browser: Browser, site: DemoSite, language: str) -> BrowserContext:
    """A phone-sized context whose session shows the interface in ``language``."""
    context = browser.new_context(
        viewport=PHONE, locale="vi-VN", is_mobile=True, user_agent=PHONE_AGENT
    )
    page = context.new_page()
    page.goto(f"{site.base}/lang/{language}?next=/")
    assert page.locator("html").get_attribute("lang") == language
    page.close()
    return context


def button(page: Page, name: str) -> Callable[[], None]:
    """A click on the button named ``name`` (exactly), waiting for the page it loads (and the
    page script that hides the questions not relevant yet)."""

    def press() -> None:
        """Click, then wait until the next page has loaded."""
        page.get_by_role("button", name=name, exact=True).click()
        page.wait_for_load_state()

    return press


def close_a_round(site: DemoSite) -> str:
    """Add (once) a round that ended yesterday offering the citizens' survey; its start URL."""
    with site.app.app_context():
        if db.session.scalars(db.select(Round).where(Round.code == CLOSED_ROUND)).first() is None:
            yesterday = date.today() - timedelta(days=1)
            version = db.session.scalars(
                db.select(QuestionnaireVersion).where(
                    QuestionnaireVersion.questionnaire_id == "sipas_citizens"
                )
            ).one()
            closed = Round(
                code=CLOSED_ROUND,
                year=yesterday.year,
                title_vi="Đợt khảo sát đã kết thúc",
                title_en="A finished round",
                opens_on=yesterday - timedelta(days=30),
                closes_on=yesterday,
                status=RoundStatus.CLOSED,
            )
            db.session.add(closed)
            db.session.flush()
            db.session.add(
                RoundQuestionnaire(
                    round_id=closed.id,
                    questionnaire_version_id=version.id,
                    respondent_group=version.respondent_group,
                    access=Access.PUBLIC,
                )
            )
            db.session.commit()
    return f"/r/{CLOSED_ROUND}/sipas_citizens/"


def unlink_invitation_draft(site: DemoSite) -> None:
    """Do to the one draft opened with an invitation what using its code from another draft
    does: unlink it from the invitation, so submitting it is refused as "code already used"."""
    with site.app.app_context():
        [draft] = db.session.scalars(db.select(Draft).where(Draft.invitation_id.is_not(None)))
        draft.invitation_id = None
        db.session.commit()


def audit_entry_pages(page: Page, site: DemoSite, audit: AxeAudit) -> None:
    """Home, the code form empty and refusing a code, the resume form likewise, 404, closed."""
    page.goto(site.base)
    audit.check(page, "home")
    page.goto(f"{site.base}/code")
    audit.check(page, "code entry")
    page.locator("#code").fill("ABCD-EFGH-JKMN-PQRS")
    button(page, NEXT[page.locator("html").get_attribute("lang") or "vi"])()
    expect(page.locator(".field-error")).to_be_visible()
    audit.check(page, "code entry, refused")
    page.goto(f"{site.base}/resume")
    audit.check(page, "resume entry")
    page.locator("#code").fill("ABCD-EFGH-JKMN")
    button(page, NEXT[page.locator("html").get_attribute("lang") or "vi"])()
    expect(page.locator(".field-error")).to_be_visible()
    audit.check(page, "resume entry, refused")
    missing = page.goto(f"{site.base}/no-such-page")
    assert missing is not None and missing.status == 404
    audit.check(page, "404")
    closed = page.goto(site.base + close_a_round(site))
    assert closed is not None and closed.status == 410
    audit.check(page, "closed survey")


def audit_citizens(page: Page, site: DemoSite, language: str, audit: AxeAudit) -> None:
    """Start, errors, resume code shown, every page, review and thanks of the citizens' survey."""
    page.goto(site.base + CITIZENS)
    audit.check(page, "citizens: start")
    button(page, START[language])()
    expect(page.locator(".progress")).to_be_visible()
    button(page, NEXT[language])()
    expect(page.locator(".error-summary")).to_be_focused()
    audit.check(page, f"citizens: {page_id(page)} with errors")
    fill_page(page)
    button(page, SAVE[language])()
    expect(page.locator(".resume-code")).to_be_visible()
    audit.check(page, "citizens: resume code shown")
    page.locator(".buttons a.button").click()
    page.wait_for_load_state()
    expect(page.locator(".question input:checked").first).to_be_checked()
    audit.check(page, f"citizens: {page_id(page)} resumed")
    button(page, NEXT[language])()
    expect(page).not_to_have_url(re.compile(r"/p/service$"))
    while "/review" not in page.url:
        expect(page.locator(".progress")).to_be_visible()
        fill_page(page)
        audit.check(page, f"citizens: {page_id(page)}")
        button(page, NEXT[language])()
    audit.check(page, "citizens: review")
    button(page, SUBMIT[language])()
    expect(page.locator(".confirmation")).to_be_visible()
    audit.check(page, "citizens: thank you")


def audit_leaders(page: Page, site: DemoSite, language: str, audit: AxeAudit) -> None:
    """Every page and the review of the leaders' survey, then the "code already used" page."""
    page.goto(f"{site.base}/r/demo/{LEADERS}/")
    audit.check(page, "leaders: start")
    page.goto(f"{site.base}/code")
    page.locator("#code").fill(site.codes[LANGUAGE_CODE[language]])
    button(page, NEXT[language])()
    while "/review" not in page.url:
        expect(page.locator(".progress")).to_be_visible()
        fill_page(page)
        audit.check(page, f"leaders: {page_id(page)}")
        button(page, NEXT[language])()
    audit.check(page, "leaders: review")
    unlink_invitation_draft(site)
    button(page, SUBMIT[language])()
    expect(page.get_by_role("heading", level=1)).to_have_text(USED[language])
    audit.check(page, "leaders: code already used")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_respondent_pages_have_no_axe_violations(
    demo_site: DemoSite, browser: Browser, language: str
) -> None:
    """axe-core (WCAG 2.0/2.1 A and AA) on every respondent page in ``language``: no violation."""
    audit = AxeAudit()
    context = phone_context(browser, demo_site, language)
    page = context.new_page()
    audit_entry_pages(page, demo_site, audit)
    audit_citizens(page, demo_site, language, audit)
    audit_leaders(page, demo_site, language, audit)
    context.close()
    assert len(audit.checked) > 20
    assert audit.report() == ""


FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const question = element.closest(".question[data-item]");
  return {
    tag: element.tagName.toLowerCase(),
    type: element.getAttribute("type") || "",
    item: question ? question.getAttribute("data-item") : null,
    text: (element.innerText || "").trim(),
    outline: [style.outlineStyle, parseFloat(style.outlineWidth), style.outlineColor],
    background: style.backgroundColor,
  };
}"""
"""What the keyboard user sees focused: the element, its question and its focus styling."""
FOCUS_YELLOW = "rgb(255, 221, 0)"
TRANSPARENT = "rgba(0, 0, 0, 0)"
MOST_TABS = 200
"""More Tab presses than any respondent page has stops (the review has a link per answer)."""


def focused(page: Page) -> dict[str, Any]:
    """The focused element's description, after checking its focus indicator is visible: an
    outline at least 2px wide in a visible colour, or the focus yellow behind buttons (whose
    outline is transparent, for forced-colour modes)."""
    state: dict[str, Any] = page.evaluate(FOCUSED)
    style, width, colour = state["outline"]
    assert style != "none" and width >= 2, f"no focus outline on {state}"
    assert colour != TRANSPARENT or state["background"] == FOCUS_YELLOW, f"focus unseen: {state}"
    return state


def tab_to(
    page: Page, wanted: Callable[[dict[str, Any]], bool], back: bool = False
) -> dict[str, Any]:
    """Press Tab (Shift+Tab with ``back``) until the focused element is ``wanted``."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        state = focused(page)
        if wanted(state):
            return state
    raise AssertionError(f"Tab never reached the element wanted; last focused: {state}")


def named(text: str) -> Callable[[dict[str, Any]], bool]:
    """A test for the focused button or link whose text is ``text``."""
    return lambda state: state["tag"] in ("button", "a") and state["text"] == text


def wait_for_relevance(page: Page, items: list[str], answers: dict[str, Any]) -> None:
    """Wait until the page shows exactly the questions of ``items`` relevant to ``answers``
    (the page script asks the server after each change)."""
    questionnaire = bundled_questionnaires()[QUESTIONNAIRE]
    for code in items:
        question = page.locator(f".question[data-item='{code}']")
        if questionnaire.is_relevant(code, answers):
            expect(question).to_be_visible()
        else:
            expect(question).to_be_hidden()


def type_date(page: Page) -> None:
    """Type 2 May 2024 into the focused date field, day first; a browser that orders the fields
    month first (Chromium's own locale decides, not the page's) gets Shift+Tab back to the first
    field and the month typed first."""
    year, month, day = DATE.split("-")
    page.keyboard.type(day + month + year)
    if page.evaluate("document.activeElement.value") != DATE:
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        page.keyboard.type(month + day + year)


def answer_by_keyboard(page: Page, state: dict[str, Any], answers: dict[str, Any]) -> None:
    """Answer the focused question the way ``respondent.fill_page`` does, with keys only:
    Space on the first option (arrows down and up again on the first question), the digits of
    2 May 2024 in the date's fields, typing into text boxes."""
    questionnaire = bundled_questionnaires()[QUESTIONNAIRE]
    item = questionnaire.item(state["item"])
    first = questionnaire.choices(item)[0].code if questionnaire.choices(item) else None
    if state["type"] == "radio":
        if state["item"] == "s_respondent":
            page.keyboard.press("ArrowDown")
            page.keyboard.press("ArrowUp")
        else:
            page.keyboard.press("Space")
        answers[item.code] = first
    elif state["type"] == "checkbox":
        page.keyboard.press("Space")
        answers[item.code] = [first]
    elif state["type"] == "date":
        type_date(page)
        answers[item.code] = DATE
    elif item.type is ItemType.NUMBER:
        page.keyboard.type(NUMBER)
        answers[item.code] = int(NUMBER)
    else:
        page.keyboard.type(TEXT)
        answers[item.code] = TEXT
    if state["type"] in ("radio", "checkbox"):
        expect(page.locator(":focus")).to_be_checked()
    else:
        expect(page.locator(":focus")).to_have_value(str(answers[item.code]))


def enter_and_load(page: Page) -> None:
    """Press Enter on the focused button and wait until the page it leads to has loaded (a key
    press, unlike a click, does not wait for the navigation it starts)."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def keyboard_page(page: Page, language: str, answers: dict[str, Any], screens: Screens) -> None:
    """Answer every question of a questionnaire page, then press Continue, by keyboard only
    (the page is saved as a screenshot with Continue focused).

    The first Tab reaches the skip link; Tab then walks the page in reading order, answering
    each question on its first stop; Shift+Tab from Continue goes back to the last question."""
    items: list[str] = page.locator(".question[data-item]").evaluate_all(
        "nodes => nodes.map(node => node.getAttribute('data-item'))"
    )
    wait_for_relevance(page, items, answers)
    assert tab_to(page, lambda state: True)["text"] == SKIP[language]
    while True:
        state = tab_to(
            page, lambda state: state["item"] is not None or named(NEXT[language])(state)
        )
        if state["item"] is None:
            break
        if state["item"] not in answers:
            answer_by_keyboard(page, state, answers)
            wait_for_relevance(page, items, answers)
    shown = page.locator(".question[data-item]:visible").evaluate_all(
        "nodes => nodes.map(node => node.getAttribute('data-item'))"
    )
    assert set(shown) <= set(answers)
    assert tab_to(page, lambda state: True, back=True)["item"] == shown[-1]
    tab_to(page, named(NEXT[language]))
    screens.take(page_id(page))
    enter_and_load(page)


def test_citizen_completes_the_survey_with_the_keyboard_only(
    demo_site: DemoSite, browser: Browser
) -> None:
    """Start → every page → review → submit → thanks with Tab, Shift+Tab, Space, arrows, Enter
    and typing only, every focused element showing a focus indicator; the response is stored
    with the answers ``respondent.fill_page`` gives."""
    language = "vi"
    with demo_site.app.app_context():
        before = set(db.session.scalars(db.select(Response.id)))
    context = phone_context(browser, demo_site, language)
    page = context.new_page()
    screens = Screens(page, "keyboard-vi")
    page.goto(demo_site.base + CITIZENS)
    tab_to(page, named(START[language]))
    enter_and_load(page)
    answers: dict[str, Any] = {}
    while "/review" not in page.url:
        expect(page.locator(".progress")).to_be_visible()
        keyboard_page(page, language, answers, screens)
    expect(page.get_by_role("heading", level=1)).to_have_text(REVIEW[language])
    tab_to(page, named(SUBMIT[language]))
    screens.take("review-submit-focused")
    enter_and_load(page)
    expect(page.locator(".confirmation")).to_be_visible()
    screens.take("done")
    context.close()

    with demo_site.app.app_context():
        [response] = db.session.scalars(db.select(Response).where(Response.id.not_in(before))).all()
        assert response.questionnaire_id == QUESTIONNAIRE
        assert response.answers == expected_answers(QUESTIONNAIRE) == answers
