"""The flag rules one by one — speeders, straight-liners, duplicate paper forms — and the
flagged responses' list and download, which show no answer and nothing that identifies."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient

from questionnaires.loader import bundled_questionnaires
from survey_app.monitoring.rules import (
    FlagSettings,
    always_shown_items,
    bin_position,
    duration_bin,
    rating_pages,
    read_settings,
    speeder_threshold,
)
from tests.app.staff.monitoring.conftest import KnownRound
from tests.app.staff.monitoring.monitoring_helpers import (
    DELEGATES,
    LEADERS,
    add_response,
    answers_for,
    make_round,
    page_codes,
)


def test_speeder_threshold_follows_the_questionnaire_length() -> None:
    """2 s per item every respondent sees: items under a relevance rule do not count."""
    forms = bundled_questionnaires()
    assert always_shown_items(forms["par_leaders"]) == 45
    assert always_shown_items(forms["sipas_citizens"]) == 29
    assert speeder_threshold(forms["par_leaders"], FlagSettings()) == 90
    assert speeder_threshold(forms["province_department"], FlagSettings(3.5, 5)) == 63


def test_rating_pages_with_enough_items() -> None:
    """Pages with at least N rating items, with the substantive levels they share."""
    leaders = bundled_questionnaires()["par_leaders"]
    pages = rating_pages(leaders, FlagSettings(min_rating_items=6))
    assert [page.page_id for page in pages] == ["procedures", "civil_service"]
    assert pages[0].levels == ("4", "3", "2", "1")
    assert len(rating_pages(leaders, FlagSettings(min_rating_items=4))) == 8


def test_settings_from_the_query_string() -> None:
    """Decimal commas accepted; out-of-range values reported, their defaults used."""
    assert read_settings({"seconds_per_item": "1,5"}) == (FlagSettings(1.5, 5), [])
    settings, problems = read_settings({"seconds_per_item": "-1", "min_rating_items": "x"})
    assert settings == FlagSettings()
    assert [problem.field for problem in problems] == ["seconds_per_item", "min_rating_items"]
    assert FlagSettings(2, 5).query() == {}
    assert FlagSettings(2.5, 7).query() == {"seconds_per_item": "2.5", "min_rating_items": "7"}


def test_duration_bins_double() -> None:
    """Bins under 15 s, 15–30 s … 64 min and more; a marker's position in bins."""
    assert [duration_bin(s) for s in (0, 14.9, 15, 59, 60, 3839, 3840, 10**6)] == [
        0,
        0,
        1,
        2,
        3,
        8,
        9,
        9,
    ]
    assert bin_position(7.5) == 0.5
    assert bin_position(90) == pytest.approx(1 + 2.585, abs=1e-3)


def test_straight_lining_needs_every_rating_item_of_a_page(app: Flask, staff: FlaskClient) -> None:
    """Flagged: every rating item of a 5-item page the same level. Not flagged: one item
    left out, a special answer among them, all special answers, or a 4-item page."""
    round_id = make_round(app)
    leadership = page_codes(LEADERS, "leadership")
    impact = page_codes(LEADERS, "impact")
    assert len(leadership) == 5 and len(impact) == 4
    cases = {
        "straight": dict.fromkeys(leadership, "2"),
        "one left out": dict.fromkeys(leadership[:-1], "2") | {leadership[-1]: None},
        "a special": dict.fromkeys(leadership[:-1], "2") | {leadership[-1]: "dk"},
        "all special": dict.fromkeys(leadership, "dk"),
        "short page": dict.fromkeys(impact, "1"),
    }
    ids = {
        name: add_response(
            app,
            round_id,
            unit="justice",
            group="leader",
            stratum="province",
            questionnaire_id=LEADERS,
            answers=answers_for(LEADERS, **chosen),
            seconds=500,
        )
        for name, chosen in cases.items()
    }
    listed = staff.get(f"/staff/rounds/{round_id}/monitoring/flags?kind=straightliners")
    assert listed.status_code == 200
    assert ids["straight"] in listed.text
    assert [name for name, key in ids.items() if key in listed.text] == ["straight"]
    four = staff.get(
        f"/staff/rounds/{round_id}/monitoring/flags?kind=straightliners&min_rating_items=4"
    )
    assert ids["short page"] in four.text


def test_speeders_are_web_responses_under_the_threshold(app: Flask, staff: FlaskClient) -> None:
    """35 s is under 36 s for delegates; 36 s is not; paper has no time and is never one."""
    round_id = make_round(app)
    common = {
        "unit": "justice",
        "group": "delegate",
        "stratum": "provincial_delegate",
        "questionnaire_id": DELEGATES,
        "answers": answers_for(DELEGATES),
    }
    fast = add_response(app, round_id, seconds=35, **common)
    limit = add_response(app, round_id, seconds=36, **common)
    paper = add_response(app, round_id, serial="S-1", **common)
    listed = staff.get(f"/staff/rounds/{round_id}/monitoring/flags?kind=speeders").text
    assert fast in listed and limit not in listed and paper not in listed
    assert "35 s" in listed and "36 s" in listed  # its time and the threshold


def test_duplicate_paper_forms(known: KnownRound, staff: FlaskClient) -> None:
    """The two paper forms with identical answers, in one numbered group, with serials."""
    page = staff.get(f"/staff/rounds/{known.round_id}/monitoring/flags?kind=duplicates")
    assert page.status_code == 200
    assert known.paper[0] in page.text and known.paper[1] in page.text
    assert "<code>P1</code>" in page.text and "<code>P2</code>" in page.text
    assert "Duplicate paper forms: 2" in page.text


def test_the_list_shows_evidence_and_nothing_that_identifies(
    known: KnownRound, staff: FlaskClient
) -> None:
    """Reference, unit, group, mode and the evidence; no answer, day, stratum or device."""
    html = staff.get(f"/staff/rounds/{known.round_id}/monitoring/flags?kind=speeders").text
    assert known.speeder in html
    assert "Speeders: 2" in html
    assert "1 min 00 s" in html and "1 min 30 s" in html
    for hidden in ("2025-03-01", "desktop", "province<", "b_level", "Ý kiến"):
        assert hidden not in html
    straight = staff.get(
        f"/staff/rounds/{known.round_id}/monitoring/flags?kind=straightliners"
    ).text
    assert known.straight in straight and "Straight-liners: 1" in straight


def test_download_of_flagged_responses(known: KnownRound, staff: FlaskClient) -> None:
    """Every flagged response of a kind, as CSV (and XLSX), with its evidence columns."""
    answer = staff.get(f"/staff/rounds/{known.round_id}/monitoring/flags.csv?kind=duplicates")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == "attachment; filename=mon-2025-duplicates.csv"
    rows = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert sorted((row["form_serial"], row["duplicate_group"]) for row in rows) == [
        ("P1", "1"),
        ("P2", "1"),
    ]
    assert {row["unit_code"] for row in rows} == {"justice", "finance"}
    assert set(rows[0]) == {
        "response_id",
        "unit_code",
        "unit_name",
        "respondent_group",
        "mode",
        "seconds",
        "speeder_threshold_seconds",
        "straightlined_pages",
        "duplicate_group",
        "form_serial",
    }
    speeders = staff.get(f"/staff/rounds/{known.round_id}/monitoring/flags.csv?kind=speeders")
    rows = list(csv.DictReader(io.StringIO(speeders.data.decode("utf-8-sig"))))
    assert sorted((r["seconds"], r["speeder_threshold_seconds"]) for r in rows) == [
        ("20.0", "36.0"),
        ("60.0", "90.0"),
    ]
    assert known.speeder in {r["response_id"] for r in rows}
    workbook = staff.get(f"/staff/rounds/{known.round_id}/monitoring/flags.xlsx?kind=speeders")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"
    assert staff.get(f"/staff/rounds/{known.round_id}/monitoring/flags.pdf").status_code == 404


def test_flags_paged(app: Flask, staff: FlaskClient) -> None:
    """A hundred per page, with links to the next and previous pages."""
    round_id = make_round(app)
    for _ in range(101):
        add_response(
            app,
            round_id,
            unit="justice",
            group="delegate",
            stratum="provincial_delegate",
            questionnaire_id=DELEGATES,
            answers=answers_for(DELEGATES),
            seconds=5,
        )
    first = staff.get(f"/staff/rounds/{round_id}/monitoring/flags?kind=speeders").text
    assert "Page 1 of 2" in first and "page=2" in first and first.count("<code>") == 100
    second = staff.get(f"/staff/rounds/{round_id}/monitoring/flags?kind=speeders&page=2").text
    assert second.count("<code>") == 1 and "page=1" in second
    beyond = staff.get(f"/staff/rounds/{round_id}/monitoring/flags?kind=speeders&page=5").text
    assert "Speeders: 101" in beyond
    assert staff.get(f"/staff/rounds/{round_id}/monitoring/flags?kind=nonsense").status_code == 404
