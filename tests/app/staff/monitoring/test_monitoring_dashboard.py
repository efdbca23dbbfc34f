"""The monitoring dashboard's figures on the hand-countable round (``conftest``): responses
against targets, response and completion rates, medians, flags, strata and quotas — in the
JSON endpoint and on the page — and the figures moving as answers arrive."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.app.staff.monitoring.conftest import KnownRound
from tests.app.staff.monitoring.monitoring_helpers import (
    LEADERS,
    add_response,
    answers_for,
)


def figures(client: FlaskClient, round_id: int, query: str = "") -> dict[str, Any]:
    """The JSON endpoint's answer."""
    response = client.get(f"/api/staff/rounds/{round_id}/monitoring{query}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.get_json()
    return data


def group(data: dict[str, Any], name: str) -> dict[str, Any]:
    """One respondent group of the JSON."""
    found: dict[str, Any] = next(g for g in data["groups"] if g["group"] == name)
    return found


def row(data: dict[str, Any], name: str, unit: str | None) -> dict[str, Any]:
    """One unit × group row of the JSON (``unit`` None: the row without a unit)."""
    found: dict[str, Any] = next(
        r
        for r in group(data, name)["rows"]
        if (r["unit"] is None and unit is None) or (r["unit"] and r["unit"]["code"] == unit)
    )
    return found


def test_leaders_by_unit(known: KnownRound, staff: FlaskClient) -> None:
    """Counts, target, invitations (withdrawn codes and batches left out), rates, median of
    the web durations, flags and cells, unit by unit."""
    data = figures(staff, known.round_id)
    justice = row(data, "leader", "justice")
    assert {k: justice[k] for k in ("responses", "web", "paper", "target", "invitations")} == {
        "responses": 4,
        "web": 3,
        "paper": 1,
        "target": 6,
        "invitations": 7,
    }
    assert justice["response_rate"] == pytest.approx(4 / 7)
    assert justice["drafts"] == 1
    assert justice["completion_rate"] == pytest.approx(3 / 4)
    assert justice["median_seconds"] == pytest.approx(300)
    assert (justice["speeders"], justice["straightliners"], justice["duplicates"]) == (1, 1, 1)
    assert (justice["cells"], justice["closed_cells"]) == (2, 0)
    finance = row(data, "leader", "finance")
    assert (finance["responses"], finance["target"], finance["invitations"]) == (2, 3, 4)
    assert finance["response_rate"] == pytest.approx(0.5)
    assert finance["completion_rate"] == pytest.approx(1.0)
    assert finance["median_seconds"] == pytest.approx(1200)
    assert (finance["speeders"], finance["straightliners"], finance["duplicates"]) == (0, 0, 1)


def test_leaders_in_all(known: KnownRound, staff: FlaskClient) -> None:
    """The group sums its rows; its median is over every web duration (60, 300, 600, 1200)."""
    leaders = group(figures(staff, known.round_id), "leader")
    assert leaders["access"] == "invitation"
    assert (leaders["responses"], leaders["target"], leaders["invitations"]) == (6, 9, 11)
    assert leaders["response_rate"] == pytest.approx(6 / 11)
    assert leaders["completion_rate"] == pytest.approx(4 / 5)
    assert leaders["median_seconds"] == pytest.approx(450)
    assert leaders["speeder_seconds"] == pytest.approx(90)
    assert (leaders["speeders"], leaders["straightliners"], leaders["duplicates"]) == (1, 1, 2)
    assert sum(leaders["duration_bins"]) == 4
    assert leaders["duration_bins"][5] == 1  # 60 s: 1–2 min
    assert leaders["duration_bins"][7] == 1  # 300 s: 4–8 min


def test_delegates_public_link(known: KnownRound, staff: FlaskClient) -> None:
    """Public group: rate against the target; drafts found by their answered department;
    a stratum outside the frame; a closed cell; a draft of unknown unit in its own row."""
    data = figures(staff, known.round_id)
    justice = row(data, "delegate", "justice")
    assert (justice["responses"], justice["target"], justice["invitations"]) == (3, 5, None)
    assert justice["response_rate"] == pytest.approx(3 / 5)
    assert justice["drafts"] == 2
    assert justice["completion_rate"] == pytest.approx(3 / 5)
    assert justice["median_seconds"] == pytest.approx(50)
    assert justice["speeders"] == 1
    assert [
        (s["stratum"], s["responses"], s["target"], s["in_frame"]) for s in justice["strata"]
    ] == [
        ("provincial_delegate", 2, 5, True),
        ("commune_council", 1, None, False),
    ]
    finance = row(data, "delegate", "finance")
    assert (finance["responses"], finance["target"], finance["response_rate"]) == (0, 2, 0)
    assert finance["completion_rate"] is None
    assert (finance["cells"], finance["closed_cells"]) == (1, 1)
    assert finance["strata"][0]["quota"] == 2 and finance["strata"][0]["closed"] is True
    unknown = row(data, "delegate", None)
    assert (unknown["responses"], unknown["drafts"], unknown["target"]) == (0, 1, 0)
    delegates = group(data, "delegate")
    assert delegates["response_rate"] == pytest.approx(3 / 7)
    assert delegates["completion_rate"] == pytest.approx(3 / 6)
    assert delegates["median_seconds"] == pytest.approx(50)
    assert data["totals"]["responses"] == 9 and data["totals"]["target"] == 16


def test_page_shows_the_figures_with_charts_and_tables(
    known: KnownRound, staff: FlaskClient
) -> None:
    """The page: a chart per group labelled for assistive technology, its table, the
    formatted figures, links to flags and quotas, the script and the settings form."""
    page = staff.get(f"/staff/rounds/{known.round_id}/monitoring")
    assert page.status_code == 200
    html = page.text
    assert (
        'id="chart-leader"' in html
        and 'aria-labelledby="chart-leader-title chart-leader-desc"' in html
    )
    assert 'id="durations-leader"' in html and "speeders below 1 min 30 s" in html
    assert '<h3 class="table-heading" id="units-leader-caption">By unit: ' in html
    assert "57.1%" in html  # justice leaders: 4 of 7 invitations
    assert "75.0%" in html  # justice leaders: 3 of 4 started online
    assert "5 min 00 s" in html  # justice leaders' median
    assert "1 of 1 closed" in html
    assert "not in the frame" in html
    assert "staff-monitoring.js" in html and 'data-refresh-url="/api/staff/rounds/' in html
    assert f"/staff/rounds/{known.round_id}/monitoring/flags?kind=speeders" in html
    assert f"/staff/rounds/{known.round_id}/monitoring/quotas" in html
    assert 'for="setting-seconds_per_item"' in html


def test_page_in_vietnamese_uses_its_number_format(known: KnownRound, staff: FlaskClient) -> None:
    """Vietnamese: decimal comma, translated labels."""
    staff.get("/lang/vi")
    html = staff.get(f"/staff/rounds/{known.round_id}/monitoring").text
    assert "57,1%" in html
    assert '<html lang="vi">' in html


def test_settings_change_the_flags(known: KnownRound, staff: FlaskClient) -> None:
    """10 s per item: 450 s threshold, so 60 s and 300 s are speeders; pages of 6 rating
    items or more: the 5-item leadership page no longer counts."""
    data = figures(staff, known.round_id, "?seconds_per_item=10&min_rating_items=6")
    leaders = group(data, "leader")
    assert leaders["speeder_seconds"] == pytest.approx(450)
    assert leaders["speeders"] == 2
    assert leaders["straightliners"] == 0
    assert data["settings"] == {"seconds_per_item": 10.0, "min_rating_items": 6}


def test_wrong_settings(known: KnownRound, staff: FlaskClient) -> None:
    """The JSON answers 400 naming each setting; the page shows an error summary and uses
    the defaults."""
    response = staff.get(
        f"/api/staff/rounds/{known.round_id}/monitoring?seconds_per_item=fast&min_rating_items=1"
    )
    assert response.status_code == 400
    problems = response.get_json()["problems"]
    assert set(problems) == {"seconds_per_item", "min_rating_items"}
    assert "from 0 to 60" in problems["seconds_per_item"]
    page = staff.get(f"/staff/rounds/{known.round_id}/monitoring?seconds_per_item=fast")
    assert page.status_code == 200
    assert 'class="error-summary"' in page.text and 'href="#setting-seconds_per_item"' in page.text
    assert "speeders below 1 min 30 s" in page.text


def test_figures_follow_new_answers(known: KnownRound, app: Flask, staff: FlaskClient) -> None:
    """A new response moves its row (the cache recomputes what changed), and the
    unchanged rows keep their figures."""
    before = figures(staff, known.round_id)
    add_response(
        app,
        known.round_id,
        unit="finance",
        group="leader",
        stratum="province",
        questionnaire_id=LEADERS,
        answers=answers_for(LEADERS, b_level="province"),
        seconds=30,
    )
    after = figures(staff, known.round_id)
    finance = row(after, "leader", "finance")
    assert (finance["responses"], finance["speeders"]) == (3, 1)
    assert finance["median_seconds"] == pytest.approx((30 + 1200) / 2)
    assert group(after, "leader")["median_seconds"] == pytest.approx(300)
    assert row(after, "leader", "justice") == row(before, "leader", "justice")


def test_unchanged_figures_answer_304(known: KnownRound, app: Flask, staff: FlaskClient) -> None:
    """The ETag follows the figures: the same figures are not sent twice."""
    url = f"/api/staff/rounds/{known.round_id}/monitoring"
    first = staff.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache, private"
    assert staff.get(url, headers={"If-None-Match": etag}).status_code == 304
    add_response(
        app,
        known.round_id,
        unit="justice",
        group="leader",
        stratum="district",
        questionnaire_id=LEADERS,
        answers=answers_for(LEADERS, b_level="district"),
        seconds=700,
    )
    assert staff.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_round_page_panel(known: KnownRound, staff: FlaskClient) -> None:
    """The round's page shows its progress and links to the monitoring."""
    html = staff.get(f"/staff/rounds/{known.round_id}").text
    assert "9 responses of 16 targeted." in html
    assert "1 of 5 frame cells closed by their quota." in html
    assert f'href="/staff/rounds/{known.round_id}/monitoring"' in html


def test_an_empty_round(app: Flask, staff: FlaskClient) -> None:
    """No frame, no response: the groups say so, nothing breaks."""
    from tests.app.staff.monitoring.monitoring_helpers import make_round

    round_id = make_round(app)
    data = figures(staff, round_id)
    assert [g["rows"] for g in data["groups"]] == [[], []]
    page = staff.get(f"/staff/rounds/{round_id}/monitoring")
    assert page.status_code == 200
    assert "No response, invitation or frame cell for this group yet." in page.text
