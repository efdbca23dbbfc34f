"""End to end: a survey staff member sets up a round, imports its sampling frame and margins
from CSV files, looks at the round's monitoring, weights it, reads the weighting report, adopts
it, and exports the responses as a CSV zip whose manifest matches its files, in desktop
Chromium, in Vietnamese (the report also on a phone).

The app is served for real (werkzeug on a free loopback port, SQLite in a temporary folder,
migrated). Units and the staff account are stored first; the round is created through its form;
its responses (137, as collected) are stored once it exists. Screens are saved under
``test-output/e2e/staff/``.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from survey_app.models import ExportManifest, Role, Round, WeightingRun, db
from survey_app.weighting_runs import current_weights
from tests.app.staff.staff_helpers import PASSWORD, add_unit, add_user
from tests.app.staff.weighting.weighting_helpers import (
    RESPONSES,
    UNITS,
    add_responses,
    frame_csv,
    margins_csv,
)
from tests.e2e.browser_support import Screens, migrated_app, serve, watch_external

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    """The app with two departments and a staff account, served on a free loopback port."""
    app = migrated_app(tmp_path)
    for unit in UNITS:
        add_unit(app, unit)
    add_user(app, "lan", Role.STAFF)
    with serve(app) as base:
        yield app, base


def _create_round(page: Page) -> None:
    """Fill the new round's form: code, titles, the department scheme, both departments,
    citizens and leaders."""
    page.get_by_role("link", name="Đợt khảo sát mới").click()
    page.fill("#code", "hue-2025")
    page.fill("#year", "2025")
    page.fill("#title_vi", "Khảo sát sự hài lòng Huế 2025")
    page.fill("#title_en", "Huế satisfaction survey 2025")
    page.select_option("#scheme_id", "par_department_2022")
    for unit in page.locator("input[name=units]").all():
        unit.check()
    page.select_option("#offer_citizen", "sipas_citizens")
    page.select_option("#offer_leader", "par_leaders")
    page.select_option("#access_leader", "invitation")
    page.get_by_role("button", name="Tạo đợt khảo sát").click()


def _import(page: Page, target: str, path: Path, button: str) -> None:
    """Upload ``path`` as the frame or the margins on the frame page."""
    page.set_input_files(f"#{target}-file", str(path))
    page.get_by_role("button", name=button).click()
    expect(page.locator(".notice-success")).to_be_visible()


def test_staff_weights_a_round_and_exports_it(
    browser: Browser, served: tuple[Flask, str], tmp_path: Path
) -> None:
    """Sign in → new round → responses arrive → frame and margins from CSV → monitoring →
    weighting → report → adopt → CSV export → zip whose manifest matches its files."""
    app, base = served
    frame_file = tmp_path / "frame.csv"
    frame_file.write_text(frame_csv(), encoding="utf-8")
    margins_file = tmp_path / "margins.csv"
    margins_file.write_text(margins_csv(), encoding="utf-8")
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    external = watch_external(page, base)
    screens = Screens(page, "staff")

    page.goto(f"{base}/staff/")
    page.fill("#username", "lan")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    _create_round(page)
    expect(page.get_by_role("heading", name="Khảo sát sự hài lòng Huế 2025")).to_be_visible()
    with app.app_context():
        round_id = db.session.scalars(select(Round.id)).one()
    for number, (cell, count) in enumerate(RESPONSES.items()):
        add_responses(app, round_id, cell, count, seed=number)
    page.reload()
    screens.take("round")

    page.get_by_role("link", name="Khung mẫu", exact=True).first.click()
    _import(page, "frame", frame_file, "Nhập và thay thế khung mẫu")
    _import(page, "margins", margins_file, "Nhập và thay thế tổng biên")
    expect(page.locator("#cells-heading")).to_be_visible()
    screens.take("frame")

    page.goto(f"{base}/staff/rounds/{round_id}")
    page.locator(f'a[href="/staff/rounds/{round_id}/monitoring"]').first.click()
    expect(page.locator("h1")).to_be_visible()
    expect(page.get_by_text("137", exact=True).first).to_be_visible()
    screens.take("monitoring")

    page.goto(f"{base}/staff/rounds/{round_id}")
    page.get_by_role("link", name="Xem các lần tính quyền số").click()
    page.get_by_role("link", name="Tính quyền số lần mới").click()
    expect(page.locator("#margin_1")).to_have_value("item:d_age_band")
    page.fill("#trim_upper", "3,5")
    screens.take("weighting-form")
    page.get_by_role("button", name="Chạy tính quyền số").click()
    expect(page.get_by_role("heading", name="Số liệu chính")).to_be_visible()
    expect(page.locator("svg#weights-citizen")).to_be_visible()
    screens.take("weighting-report")
    page.get_by_role("button", name="Dùng lần chạy này cho các ước lượng của đợt khảo sát").click()
    expect(page.locator(".notice-success")).to_be_visible()
    report_url = page.url

    phone = browser.new_context(
        viewport=PHONE, locale="vi-VN", is_mobile=True, storage_state=context.storage_state()
    ).new_page()
    phone.goto(report_url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screens.take("phone-weighting-report", phone)

    page.goto(f"{base}/staff/rounds/{round_id}")
    expect(page.get_by_text("Lần chạy hiện hành:")).to_be_visible()
    page.get_by_role("link", name="Xuất dữ liệu mới").click()
    expect(page.get_by_role("heading", name="Xuất dữ liệu mới")).to_be_visible()
    screens.take("export-form")
    page.get_by_role("button", name="Xuất dữ liệu", exact=True).click()
    expect(page.get_by_role("heading", name="Bản xuất 1")).to_be_visible()
    screens.take("export")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải tệp zip").click()
    archive_path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(archive_path)

    assert external == []
    assert archive_path.name == "hue-2025-export-1-csv.zip"
    with zipfile.ZipFile(archive_path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["files"]:
            assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"]
        data = archive.read("hue-2025-responses.csv").decode("utf-8-sig").splitlines()
    assert manifest["rows"] == sum(RESPONSES.values()) == len(data) - 1
    assert manifest["round"]["code"] == "hue-2025"
    assert manifest["created_by"]["username"] == "lan"
    assert {q["id"] for q in manifest["questionnaires"]} == {"sipas_citizens", "par_leaders"}
    with app.app_context():
        run = db.session.scalars(select(WeightingRun)).one()
        assert run.settings["trim_upper"] == 3.5
        weights = current_weights(round_id)
        assert weights is not None and len(weights) == sum(RESPONSES.values())
        stored = db.session.scalars(select(ExportManifest)).one()
        archive_entry = next(f for f in stored.files if f["role"] == "archive")
        assert archive_entry["sha256"] == hashlib.sha256(archive_path.read_bytes()).hexdigest()
