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

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from survey_app.models import (
    Access,
    Draft,
    QuestionnaireVersion,
    Round,
    RoundQuestionnaire,
    RoundStatus,
    db,
)
from tests.e2e.browser_support import PHONE, PHONE_AGENT, AxeAudit
from tests.e2e.conftest import DemoSite
from tests.e2e.respondent import fill_page, page_id

pytestmark = pytest.mark.e2e

CITIZENS = "/r/demo/sipas_citizens/"
LEADERS = "par_leaders"
CLOSED_ROUND = "closed-demo"
NEXT = {"vi": "Tiếp tục", "en": "Continue"}
SAVE = {"vi": "Lưu và làm tiếp sau", "en": "Save and continue later"}
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
    """A click on the button named ``name`` (exactly), waiting for the page it loads."""
    return page.get_by_role("button", name=name, exact=True).click


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
