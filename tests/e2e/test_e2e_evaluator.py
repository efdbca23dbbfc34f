"""End to end: an evaluator imports self-scores, changes one score with a reason, accepts the
rest, publishes the index and reads the ranking, in desktop Chromium (and the ranking on a
phone, in Vietnamese).

The app is served for real (werkzeug on a free loopback port, SQLite in a temporary folder,
migrated). The round scores five departments with the department scheme; four have ten survey
responses each. Screens are saved under ``test-output/e2e/evaluator/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from survey_app.models import AppraisalDecision, IndexSnapshot, Role, SelfScore, db
from tests.app.evaluate.evaluate_helpers import add_responses, add_round, appraisal_leaves
from tests.app.staff.staff_helpers import PASSWORD, add_user
from tests.e2e.browser_support import Screens, migrated_app, serve, watch_external

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
UNITS = ("planning", "finance", "justice", "health", "office")
ANSWERS = {
    "planning": ["4"] * 8 + ["3"] * 2,
    "finance": ["4"] * 4 + ["3"] * 4 + ["2"] * 2,
    "justice": ["3"] * 6 + ["2"] * 4,
    "health": ["4"] * 5 + ["2"] * 5,
}
"""Delegates' answers per department (office has no survey: scored on appraisal alone)."""

SHARES = {"planning": 1.0, "finance": 0.9, "justice": 0.8, "health": 0.85, "office": 0.7}
"""Each unit's self-scores as a share of every criterion's maximum."""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Flask, str, int]]:
    """The app with the round and an evaluator, served on a free loopback port."""
    app = migrated_app(tmp_path)
    round_id = add_round(app, "hue-departments-2024", UNITS, survey=True)
    for unit, answers in ANSWERS.items():
        add_responses(app, round_id, unit, answers)
    add_user(app, "thamdinh", Role.EVALUATOR)
    with serve(app) as base:
        yield app, base, round_id


LABEL_BOXES = """chart => [...document.querySelectorAll(`#${chart} .chart-row:not(.row-axis)`)]
  .map(row => {
    const label = row.querySelector('.row-label'), bar = row.querySelector('.row-track');
    const box = label.getBoundingClientRect(), track = bar.getBoundingClientRect();
    return {cut: label.scrollWidth > label.clientWidth || box.right > innerWidth,
            beside: box.right <= track.left, above: box.bottom <= track.top};
  })"""
"""For each row of a row chart (its id as the argument): whether its label is cut (wider than its
box, or past the window's edge), and whether it stands beside or above its track."""


def _assert_field_labels_whole(page: Page, *, beside: bool) -> None:
    """The unit report's field chart names every field as its table does, in full: beside the
    bars on a wide screen, above each bar on a phone."""
    labels = page.locator("#field-sub-indices .chart-row:not(.row-axis) .row-label")
    assert labels.all_inner_texts() == page.locator("#field-points tbody th").all_inner_texts()
    boxes = page.evaluate(LABEL_BOXES, "field-sub-indices")
    assert len(boxes) == 7
    assert boxes == [{"cut": False, "beside": beside, "above": not beside}] * 7


def _self_score_file(folder: Path) -> Path:
    """A CSV of every unit's self-scores (a share of each maximum, decimal commas)."""
    lines = ["unit_code,criterion_code,self_score,note"]
    for unit, share in SHARES.items():
        for code, maximum in appraisal_leaves():
            score = f"{maximum * share:g}".replace(".", ",")
            lines.append(f'{unit},{code},"{score}",Báo cáo năm 2024')
    path = folder / "tu-danh-gia.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_evaluator_appraises_and_publishes(
    browser: Browser, served: tuple[Flask, str, int], tmp_path: Path
) -> None:
    """Sign in → import self-scores → change one with a reason → accept the rest → compute →
    publish (in the background, the progress page reloading itself) → the ranking (sorted in
    place) → a unit's report; the ranking on a phone."""
    app, base, round_id = served
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    external = watch_external(page, base)
    screens = Screens(page, "evaluator")
    page.goto(f"{base}/lang/en?next=/auth/login")
    page.get_by_label("Username").fill("thamdinh")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{base}/evaluate/")
    page.get_by_role("link", name="Appraisal hue-departments-2024").click()
    page.get_by_role("navigation", name="This round").get_by_role(
        "link", name="Self-scores"
    ).click()
    page.get_by_label("File (CSV or XLSX)").set_input_files(_self_score_file(tmp_path))
    page.get_by_role("button", name="Import self-scores").click()
    expect(page.get_by_text("135 self-scores read, 135 new or changed.")).to_be_visible()
    screens.take("self-scores-imported")

    page.get_by_role("navigation", name="This round").get_by_role("link", name="Units").click()
    page.get_by_role("link", name="Appraisal – Unit justice").click()
    page.get_by_role("link", name="1.1 Annual PAR plan").click()
    page.get_by_label("Change the score").check()
    page.get_by_label("Appraised score").fill("1,5")
    page.get_by_label("Reason").fill("The plan was issued late (Decision 45, 20 March).")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("The score has been changed.")).to_be_visible()
    expect(page.get_by_text("changed the score from 2.40 to 1.50")).to_be_visible()
    screens.take("criterion-changed")

    for unit in UNITS:
        page.get_by_role("navigation", name="This round").get_by_role("link", name="Units").click()
        page.get_by_role("link", name=f"Appraisal – Unit {unit}").click()
        page.get_by_role("button", name="Accept all").click()
        expect(page.get_by_text("self-scores accepted.")).to_be_visible()
    screens.take("appraisal-accepted")

    page.get_by_role("navigation", name="This round").get_by_role("link", name="Index").click()
    page.get_by_role("button", name="Compute the index").click()
    expect(page.get_by_role("heading", name="The index computed now")).to_be_visible()
    screens.take("index-preview")
    previewed = page.get_by_role("table", name="Departments").inner_text()
    page.get_by_label("Note (optional)").fill("Approved by the council on 5 December.")
    # published as a large round is: in the background, its page polling until the ranking
    app.config["INDEX_BACKGROUND_FROM"] = 1
    page.get_by_role("button", name="Publish the index").click()
    expect(page.get_by_text("The index is published.")).to_be_visible(timeout=60_000)
    app.config.pop("INDEX_BACKGROUND_FROM")
    expect(page.get_by_role("heading", name="Ranking 2024")).to_be_visible()
    screens.take("ranking")
    published = page.get_by_role("table", name="Departments").inner_text()
    assert published.replace("▲", "") == previewed

    ranking = page.get_by_role("table", name="Departments")
    ranking.get_by_role("link", name="Unit", exact=True).click()
    names = ranking.locator("tbody th").all_inner_texts()
    assert [name.split(" no survey")[0] for name in names] == sorted(
        name.split(" no survey")[0] for name in names
    )
    assert "sort=unit" in page.url
    assert ranking.locator('th[data-sort-key="unit"]').get_attribute("aria-sort") == ("ascending")
    screens.take("ranking-sorted-by-name")

    page.get_by_role("link", name="Unit planning").first.click()
    expect(page.get_by_role("heading", name="Where the points were lost")).to_be_visible()
    _assert_field_labels_whole(page, beside=True)
    screens.take("unit-report")

    phone = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True)
    phone.add_cookies(context.cookies())
    small = phone.new_page()
    small.goto(f"{base}/lang/vi?next=/evaluate/rounds/{round_id}/ranking")
    assert small.locator("html").get_attribute("lang") == "vi"
    assert small.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screens.take("ranking-phone-vi", small)
    small.get_by_role("link", name="Đơn vị planning").first.click()
    small.wait_for_url("**/units/*/report")
    small.wait_for_load_state("load")
    assert small.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _assert_field_labels_whole(small, beside=False)
    screens.take("unit-report-phone-vi", small)
    small.goto(f"{base}/evaluate/rounds/{round_id}/units/1/self-assessment")
    screens.take("self-assessment-phone-vi", small)

    assert external == []
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(SelfScore)) == 135
        changed = db.session.scalars(
            select(AppraisalDecision).where(AppraisalDecision.verdict == "change")
        ).one()
        assert (changed.criterion, changed.old_score, changed.new_score) == ("1.1", 2.4, 1.5)
        snapshot = db.session.scalars(select(IndexSnapshot)).one()
        assert snapshot.note == "Approved by the council on 5 December."
