"""The index of a round, computed from stored self-scores, decisions and survey responses,
against totals and ranks worked out by hand; what stops it; publication, its verification,
a tampered input named; the report pages and the download.

The round (department scheme, 70 appraised + 30 survey points, optional survey):

========== ================== =============================== ======= ===== ====
unit       appraised (of 70)  survey answers (10 delegates)   points  rank  band
========== ================== =============================== ======= ===== ====
planning   70                 all "4" (score 1) → 30          100.00  1     A
finance    70                 five "4", five "2" → ⅔ → 20     90.00   2     A
justice    67 (1.1 scored 0)  all "1" (score 0) → 0           67.00   3     C
health     67 (1.1 scored 0)  all "1" → 0                     67.00   3     C
inspectorate 70 (apart)       three "4": below the minimum    100.00  1     A
office     35 (apart)         none                            50.00   2     D
========== ================== =============================== ======= ===== ====

Inspectorate and office are ranked apart (the scheme's ``other_agencies`` group) and scored
without the survey, their appraised points rescaled to 100: 70/70 and 35/70.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import time
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import event, select, update

from questionnaires.scheme import SourceKind
from survey_app.evaluate import index_jobs
from survey_app.evaluate.index_jobs import overall_done, read_job
from survey_app.index_service import IndexStage, compute_round_index, read_responses
from survey_app.job_files import write_job
from survey_app.models import (
    AuditEvent,
    IndexSnapshot,
    Mode,
    PopulationMargin,
    Response,
    Role,
    Round,
    SelfScore,
    User,
    db,
)
from survey_app.models.base import utcnow
from survey_app.weighting_runs import WeightingSettings
from tests.app.evaluate.evaluate_helpers import (
    INDEX_ROUND_UNITS,
    accept_all,
    add_index_round,
    add_responses,
    add_round,
    add_self_scores,
    full_marks,
    preview_index,
    publish_index,
    scheme,
    signed_in,
    unit_id,
)
from tests.app.staff.staff_helpers import add_unit, csrf_token
from tests.app.staff.weighting.weighting_helpers import adopt_run


@pytest.fixture
def round_id(app: Flask) -> int:
    """The round of the module docstring, every self-score accepted."""
    return add_index_round(app)


@pytest.fixture
def evaluator(app: Flask) -> FlaskClient:
    """An evaluator, in English."""
    return signed_in(app, "eva", Role.EVALUATOR)


def _publish(client: FlaskClient, round_id: int, note: str = "") -> None:
    """Publish the round's index through the preview's form: the job ends on the ranking."""
    finished = publish_index(client, round_id, note)
    assert finished.status_code == 302, finished.text
    assert finished.headers["Location"].endswith(f"/evaluate/rounds/{round_id}/ranking")


def _ranking_rows(client: FlaskClient, round_id: int) -> list[dict[str, str]]:
    """The published ranking as downloaded (CSV)."""
    response = client.get(f"/evaluate/rounds/{round_id}/ranking.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith("dept-2024-ranking.csv")
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_index_matches_the_hand_worked_totals_and_ranks(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """Points, index, rank (ties share), band and ranking group as in the module docstring."""
    _publish(evaluator, round_id)
    rows = {row["unit_code"]: row for row in _ranking_rows(evaluator, round_id)}
    expected = {
        "planning": ("departments", "1", "100.0", "A"),
        "finance": ("departments", "2", "90.0", "A"),
        "justice": ("departments", "3", "67.0", "C"),
        "health": ("departments", "3", "67.0", "C"),
        "inspectorate": ("other_agencies", "1", "100.0", "A"),
        "office": ("other_agencies", "2", "50.0", "D"),
    }
    found = {
        code: (row["ranking_group"], row["rank"], row["index"], row["band"])
        for code, row in rows.items()
    }
    assert found == expected
    assert float(rows["finance"]["points"]) == pytest.approx(90.0)
    assert float(rows["office"]["max_points"]) == 70.0
    assert float(rows["office"]["points"]) == pytest.approx(35.0)
    # field 1 (14 points: 3 + 2 + 2 + 2.5 + 2.5 survey + 2): justice lost the 3 of 1.1 and the
    # 2.5 survey points → 8.5 / 14
    assert float(rows["justice"]["field_1"]) == pytest.approx(round(850 / 14, 2))
    # survey points carry no sampling error where every answer is the same
    assert (rows["planning"]["rank_low"], rows["planning"]["rank_high"]) == ("1", "1")
    assert (rows["justice"]["rank_low"], rows["justice"]["rank_high"]) == ("3", "3")
    assert float(rows["justice"]["p_top"]) == 1.0 and rows["justice"]["top_k"] == "3"


def test_the_preview_names_what_is_missing(app: Flask, evaluator: FlaskClient) -> None:
    """Missing and unappraised self-scores are listed by unit and criterion; nothing is shown."""
    round_id = add_round(app, "dept-gaps", ("planning", "justice"))
    add_self_scores(app, round_id, {"planning": full_marks()})
    page = preview_index(evaluator, round_id)
    assert page.status_code == 200
    assert "The index cannot be computed yet" in page.text
    assert "Unit justice has no self-score for 27 criteria: 1.1, 1.2" in page.text
    assert "Unit planning: 27 self-scores await appraisal" in page.text
    assert "Publish the index" not in page.text


def test_publishing_freezes_a_snapshot_that_verifies(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """The snapshot holds every input's hash and the results; recomputing reproduces it."""
    _publish(evaluator, round_id, note="Council decision 12/QĐ")
    with app.app_context():
        snapshot = db.session.scalars(select(IndexSnapshot)).one()
        assert set(snapshot.hashes["inputs"]) == {
            "responses",
            "weights",
            "frame",
            "margins",
            "self_scores",
            "appraisal",
            "statistics",
        }
        assert snapshot.hashes["definitions"]["scheme"] == snapshot.scheme_hash
        assert "questionnaire:province_department" in snapshot.hashes["definitions"]
        assert snapshot.code_version.startswith("sha256:")
        assert snapshot.note == "Council decision 12/QĐ"
        assert snapshot.results["replicates"] == 200
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "index.publish")
        ).one()
        assert event.object_id == str(snapshot.id) and event.round_id == round_id
    again = preview_index(evaluator, round_id)
    assert "reproduces the published index exactly" in again.text
    assert "differs from the published index" not in again.text


def test_a_tampered_input_is_named(app: Flask, round_id: int, evaluator: FlaskClient) -> None:
    """A self-score changed behind the appraisal's back: the preview names the self-scores and
    the results as differing, and the reports keep the published numbers."""
    _publish(evaluator, round_id)
    with app.app_context():
        db.session.execute(
            update(SelfScore)
            .where(
                SelfScore.round_id == round_id,
                SelfScore.unit_id == unit_id(app, "office"),
                SelfScore.criterion == "1.1",
            )
            .values(self_score=3.0)
        )
        db.session.commit()
    page = preview_index(evaluator, round_id)
    assert "The index computed now differs from the published index" in page.text
    differing = page.text.split('class="differences"')[1].split("</ul>")[0]
    assert "Self-scores" in differing
    assert "Results: indices, ranks and bands" in differing
    assert "Survey responses" not in differing and "Appraisal decisions" not in differing
    rows = {row["unit_code"]: row for row in _ranking_rows(evaluator, round_id)}
    assert rows["office"]["index"] == "50.0"


def test_a_changed_response_is_named(app: Flask, round_id: int, evaluator: FlaskClient) -> None:
    """An answer edited in the database after publication: the responses differ."""
    _publish(evaluator, round_id)
    with app.app_context():
        response = db.session.scalars(
            select(Response).where(Response.unit_id == unit_id(app, "justice"))
        ).first()
        assert response is not None
        response.answers = {**response.answers, "p1_direction": "4"}
        db.session.commit()
    page = preview_index(evaluator, round_id)
    differing = page.text.split('class="differences"')[1].split("</ul>")[0]
    assert "Survey responses" in differing
    assert "Results: points and sub-indices" in differing


def test_the_ranking_page_shows_the_published_numbers(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """Both ranking groups, sortable headers, the heat map and the interval chart."""
    _publish(evaluator, round_id)
    page = evaluator.get(f"/evaluate/rounds/{round_id}/ranking")
    assert page.status_code == 200
    text = page.text
    assert "Departments" in text and "Agencies ranked apart" in text
    assert "<strong>90.00</strong>" in text and "<strong>67.00</strong>" in text
    assert 'aria-sort="ascending" data-sort-key="rank"' in text
    assert "heat-map" in text and 'class="number heat-9">100.0<' in text
    assert 'role="img"' in text and "Ranks with their 90% intervals: Departments" in text
    assert "scored without the survey" in text.lower()
    by_name = evaluator.get(f"/evaluate/rounds/{round_id}/ranking?sort=unit&dir=asc")
    order = [by_name.text.index(f"Unit {code}<") for code in ("finance", "health", "justice")]
    assert order == sorted(order)
    by_index = evaluator.get(f"/evaluate/rounds/{round_id}/ranking?sort=index&dir=desc")
    assert by_index.text.index("Unit planning<") < by_index.text.index("Unit finance<")


NOTES = {
    "en": (
        "Scored without the survey (fewer respondents than the scheme's minimum), their other "
        "points rescaled to 100: inspectorate, office.",
        "No weighting run is adopted: the survey points use design weights N/n from the "
        "sampling frame.",
    ),
    "vi": (
        "Chấm điểm không có điều tra (ít người trả lời hơn mức tối thiểu của bộ chỉ số), các "
        "điểm còn lại được quy đổi về thang 100: inspectorate, office.",
        "Chưa chọn dùng lần tính trọng số nào: điểm điều tra dùng trọng số thiết kế N/n từ "
        "khung mẫu.",
    ),
}
"""The round's notes on how its index was computed, in each language."""


def _notices(html: str) -> list[str]:
    """The texts of a page's notices."""
    return [part.split("</div>", 1)[0] for part in html.split('<div class="notice">')[1:]]


def test_a_published_index_keeps_its_notes_in_both_languages(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """Published by an evaluator working in English, the notes read in Vietnamese to a reader
    who chose it (and in English to the publisher); a snapshot stored before notes were kept in
    both languages shows its notes as they were written."""
    _publish(evaluator, round_id)
    reader = signed_in(app, "reader", Role.EVALUATOR)
    reader.get("/lang/vi")
    for client, language in ((reader, "vi"), (evaluator, "en")):
        shown = _notices(client.get(f"/evaluate/rounds/{round_id}/ranking").text)
        assert [note.replace("&#39;", "'") for note in shown] == list(NOTES[language])
    assert set(_notices(preview_index(reader, round_id).text)) == set(NOTES["vi"])
    with app.app_context():
        snapshot = db.session.scalars(select(IndexSnapshot)).one()
        snapshot.results = {**snapshot.results, "notes": ["Ghi chú cũ, chỉ một ngôn ngữ."]}
        db.session.commit()
    shown = _notices(evaluator.get(f"/evaluate/rounds/{round_id}/ranking").text)
    assert shown == ["Ghi chú cũ, chỉ một ngôn ngữ."]


def test_the_ranking_downloads_as_xlsx(app: Flask, round_id: int, evaluator: FlaskClient) -> None:
    """The XLSX has the same rows as the CSV."""
    _publish(evaluator, round_id)
    response = evaluator.get(f"/evaluate/rounds/{round_id}/ranking.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("ranking_group", "rank", "unit_code", "unit_name", "index")
    assert ("departments", 1, "planning", "Unit planning", 100.0) == rows[1][:5]
    assert len(rows) == 1 + len(INDEX_ROUND_UNITS)


def test_a_unit_report_shows_where_points_were_lost(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """Justice: 67 points, rank 3 of 4, field bars, the lost criteria sorted, survey results
    with intervals and the probability against each other unit."""
    _publish(evaluator, round_id)
    page = evaluator.get(f"/evaluate/rounds/{round_id}/units/{unit_id(app, 'justice')}/report")
    assert page.status_code == 200
    text = page.text
    assert "67.00" in text and '3<span class="figure-of"> / 4</span>' in text
    fields = text.split('id="field-points"')[1].split("</tbody>")[0]
    assert 'id="field-sub-indices"' in text and fields.count("<tr>") == 1 + 7
    assert (
        '<th scope="row">1. Leadership and direction of public administration reform</th>'
        '<td class="number">8.50</td><td class="number">14.00</td><td class="number">60.7</td>'
    ) in fields
    lost = text.split('id="lost-heading"')[1]
    # every survey leaf (answers all "1") and 1.1 were lost: 4 (2.1.2), 3.5 (3.4.2), then the
    # 3-point leaves in code order (1.1, 3.3.2)
    assert lost.index("2.1.2 ") < lost.index("3.4.2 ") < lost.index("1.1 ") < lost.index("3.3.2 ")
    assert "Survey results by respondent group" in text and "delegate" in text
    assert "P(this unit above it)" in text
    officer = signed_in(app, "officer", Role.UNIT_OFFICER, "justice")
    own = officer.get(f"/evaluate/rounds/{round_id}/units/{unit_id(app, 'justice')}/report")
    assert own.status_code == 200 and "P(this unit above it)" not in own.text
    assert "Unit planning" not in own.text


def test_change_against_the_previous_year(app: Flask, evaluator: FlaskClient) -> None:
    """The 2024 index compared with the published 2023 index of the same scheme and units."""
    previous = add_round(app, "dept-2023", ("planning", "justice"), year=2023)
    add_self_scores(app, previous, {"planning": full_marks(0.5), "justice": full_marks()})
    accept_all(app, previous)
    _publish(evaluator, previous)
    current = add_round(app, "dept-2024b", ("planning", "justice"), year=2024)
    add_self_scores(app, current, {"planning": full_marks(), "justice": full_marks(0.5)})
    accept_all(app, current)
    _publish(evaluator, current)
    rows = {row["unit_code"]: row for row in _ranking_rows_of(evaluator, current)}
    assert (rows["planning"]["previous_rank"], rows["planning"]["index_change"]) == ("2", "50.0")
    assert (rows["justice"]["previous_rank"], rows["justice"]["index_change"]) == ("1", "-50.0")
    page = evaluator.get(f"/evaluate/rounds/{current}/units/{unit_id(app, 'planning')}/report")
    assert "Change against 2023" in page.text and "+50.00" in page.text


def _ranking_rows_of(client: FlaskClient, round_id: int) -> list[dict[str, str]]:
    """The published ranking of any round as downloaded (CSV)."""
    response = client.get(f"/evaluate/rounds/{round_id}/ranking.csv")
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


ANSWER_TARGETS = {"4": 750.0, "2": 50.0, "1": 200.0}
"""Delegates by their answer to p1_direction: with design weights 10 (planning, finance,
justice, health: N = 100, n = 10) and 100/3 (inspectorate: n = 3), the answer groups weigh
250, 50 and 200 before raking, so raking gives "4" answers g = 3 and the others g = 1."""


def _adopt_run(app: Flask, round_id: int) -> None:
    """Store the answer margins and adopt a run raking the delegates to them."""
    with app.app_context():
        for level, target in ANSWER_TARGETS.items():
            db.session.add(
                PopulationMargin(
                    round_id=round_id,
                    respondent_group="delegate",
                    variable="answer",
                    level=level,
                    target=target,
                )
            )
        db.session.commit()
    settings = WeightingSettings(margins={"delegate": {"answer": "item:p1_direction"}})
    adopt_run(app, round_id, settings, label="raked 2024")


def test_an_adopted_weighting_run_weights_the_survey(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """Raked, finance's "4" answers weigh 30 and its "2" answers 10: the weighted mean answer
    is (5·30·1 + 5·10·⅓) / 200 = ⅚, so 25 survey points and an index of 95.00 (90.00
    unweighted)."""
    _adopt_run(app, round_id)
    _publish(evaluator, round_id)
    rows = {row["unit_code"]: row for row in _ranking_rows(evaluator, round_id)}
    assert rows["finance"]["index"] == "95.0"
    assert rows["planning"]["index"] == "100.0" and rows["justice"]["index"] == "67.0"
    page = evaluator.get(f"/evaluate/rounds/{round_id}/ranking")
    assert "design weights N/n" not in page.text
    with app.app_context():
        snapshot = db.session.scalars(select(IndexSnapshot)).one()
        assert snapshot.weighting_run_id is not None
        assert snapshot.results["weights"] == "run"


def test_responses_without_a_weight_stop_the_index(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """Responses that came in after the adopted run are named, not guessed."""
    _adopt_run(app, round_id)
    add_responses(app, round_id, "office", ["4"] * 10)
    page = preview_index(evaluator, round_id)
    assert (
        "10 responses have no weight in the adopted weighting run “raked 2024” (they came in "
        "after it): make a new run and adopt it."
    ) in page.text


def test_a_run_that_cannot_be_replayed_stops_the_index(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """A margin edited after the adopted run: its weights can no longer be reproduced, so
    neither can their uncertainty; the preview says what to do."""
    _adopt_run(app, round_id)
    with app.app_context():
        db.session.execute(
            update(PopulationMargin)
            .where(PopulationMargin.level == "2")
            .values(target=PopulationMargin.target * 2)
        )
        db.session.commit()
    page = preview_index(evaluator, round_id)
    assert "The adopted weighting run can no longer be re-run on the stored data" in page.text


def test_the_responses_are_read_once_for_the_scores_and_the_run(app: Flask, round_id: int) -> None:
    """With an adopted run, computing the index reads the round's responses in one statement
    (and counts those left out in another): the scoring frame and the run's replay share it."""
    _adopt_run(app, round_id)
    statements: list[str] = []

    def note(*arguments: Any) -> None:
        statements.append(arguments[2])

    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert round_ is not None
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            computed = compute_round_index(round_, replicates=20)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
    assert computed.survey is not None and computed.survey.weights.run_id is not None
    on_responses = [text for text in statements if "FROM responses" in text]
    assert len(on_responses) == 2
    assert sum("count(responses.id)" in text for text in on_responses) == 1


def test_the_scoring_frame_holds_the_evaluated_units_responses(app: Flask, round_id: int) -> None:
    """One row per response to an evaluated unit, in id order, its stratum the unit's code when
    it has none; an item's answer as text, missing when it is not a single value. Responses
    without a unit or of a unit the round does not evaluate stay out of the scoring frame but
    are read for the replay of a run."""
    add_unit(app, "archive")
    add_responses(app, round_id, "archive", ["4"])
    with app.app_context():
        planning = db.session.scalars(
            select(Response)
            .where(Response.round_id == round_id, Response.unit_id == unit_id(app, "planning"))
            .order_by(Response.id)
        ).all()
        planning[0].stratum = None
        planning[1].stratum = ""
        planning[2].cluster = "planning-c1"
        answers = dict(planning[3].answers)
        answers["p1_direction"] = ["4", "2"]
        answers["p2_consulted"] = 3
        del answers["p2_practical"]
        planning[3].answers = answers
        unitless = Response(
            round_id=round_id,
            unit_id=None,
            respondent_group="delegate",
            questionnaire_id="province_department",
            questionnaire_version=planning[4].questionnaire_version,
            questionnaire_hash=planning[4].questionnaire_hash,
            mode=Mode.WEB,
            answers=planning[4].answers,
            paradata={},
            submitted_on=planning[4].submitted_on,
            submission_key="no-unit",
        )
        db.session.add(unitless)
        db.session.commit()
        ids = [response.id for response in planning]
        round_ = db.session.get(Round, round_id)
        assert round_ is not None
        read = read_responses(round_, scheme(), INDEX_ROUND_UNITS)
    frame = read.scoring.set_index("response_id")
    assert len(frame) == 43 and len(read.stored) == 45
    assert list(read.scoring["response_id"]) == sorted(read.scoring["response_id"])
    assert set(frame["unit"]) == set(INDEX_ROUND_UNITS) - {"office"}
    assert (frame["questionnaire"] == "province_department").all()
    assert frame.loc[ids[0], "stratum"] == "planning" and frame.loc[ids[1], "stratum"] == "planning"
    assert frame.loc[ids[2], "cluster"] == "planning-c1" and pd.isna(frame.loc[ids[0], "cluster"])
    row = frame.loc[ids[3]]
    assert pd.isna(row["p1_direction"]) and pd.isna(row["p2_practical"])
    assert row["p2_consulted"] == "3" and row["p3_on_time"] == "4"
    assert read.run is None


def test_the_index_page_lists_its_inputs(app: Flask, round_id: int, evaluator: FlaskClient) -> None:
    """Self-scores, responses and frame counted; an open round and a changed scheme noted."""
    page = evaluator.get(f"/evaluate/rounds/{round_id}/index")
    assert page.status_code == 200
    assert "162 of 162 entered, 162 appraised." in page.text
    assert "43 responses from the units evaluated; 5 sampling-frame cells." in page.text
    assert "Not published yet." in page.text and "still open" not in page.text
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert round_ is not None
        round_.status = "open"
        round_.scheme_hash = "0" * 64
        db.session.commit()
    page = evaluator.get(f"/evaluate/rounds/{round_id}/index")
    assert "The round is still open" in page.text
    assert "The scheme file has changed since the round was set up" in page.text


# --- computed in the background ------------------------------------------------------------

POLLS = 600
POLL_PAUSE = 0.1


def _start(client: FlaskClient, round_id: int, action: str, **data: str) -> str:
    """Press the index page's (``preview``) or the preview's (``publish``) button; the job's
    address."""
    page = client.get(f"/evaluate/rounds/{round_id}/index")
    started = client.post(
        f"/evaluate/rounds/{round_id}/index/{action}",
        data={"csrf_token": csrf_token(page.text), **data},
    )
    assert started.status_code == 302, started.text
    location: str = started.headers["Location"]
    assert f"/evaluate/rounds/{round_id}/index/jobs/" in location
    return location


def _statuses(client: FlaskClient, location: str) -> list[dict[str, Any]]:
    """The job's JSON status, polled until it has finished (every status seen)."""
    seen: list[dict[str, Any]] = []
    for _ in range(POLLS):
        status = client.get(f"{location}/status").get_json()
        seen.append(status)
        if status["finished"]:
            return seen
        time.sleep(POLL_PAUSE)
    raise AssertionError(f"the index job did not finish: {seen[-1]}")


def _job(app: Flask, location: str) -> dict[str, Any]:
    """The job file behind a job's address (``…/rounds/<round>/index/jobs/<job>``)."""
    parts = location.split("/")
    with app.app_context():
        job = read_job(int(parts[parts.index("rounds") + 1]), parts[-1])
    assert job is not None
    return job


def test_a_large_round_is_previewed_in_the_background(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """From INDEX_BACKGROUND_FROM responses the button returns at once; the progress only
    moves forward; the job's page then shows the same results as a computation in the
    request."""
    _adopt_run(app, round_id)
    inline = _job(app, _start(evaluator, round_id, "preview"))
    assert inline["status"] == "done"
    app.config["INDEX_BACKGROUND_FROM"] = 43
    location = _start(evaluator, round_id, "preview")
    statuses = _statuses(evaluator, location)
    assert statuses[-1]["status"] == "done" and statuses[-1]["done"] == 100
    progress = [status["done"] for status in statuses]
    assert progress == sorted(progress) and all(0 <= done <= 100 for done in progress)
    background = _job(app, location)
    assert background["result"]["document"] == inline["result"]["document"]
    page = evaluator.get(location)
    assert page.status_code == 200
    assert "The index computed now" in page.text and "Publish the index" in page.text
    assert "Computed in " in page.text


def test_a_large_round_is_published_in_the_background(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """The publication's job stores the snapshot in the evaluator's name, with the note; its
    page then goes to the ranking."""
    app.config["INDEX_BACKGROUND_FROM"] = 1
    location = _start(evaluator, round_id, "publish", note="Quyết định 12/QĐ")
    assert _statuses(evaluator, location)[-1]["status"] == "done"
    finished = evaluator.get(location)
    assert finished.status_code == 302
    assert finished.headers["Location"].endswith(f"/evaluate/rounds/{round_id}/ranking")
    with app.app_context():
        snapshot = db.session.scalars(select(IndexSnapshot)).one()
        assert snapshot.note == "Quyết định 12/QĐ"
        evaluator_id = db.session.scalar(select(User.id).where(User.username == "eva"))
        assert snapshot.published_by == evaluator_id
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "index.publish")
        ).one()
        assert event.user_id == evaluator_id
    rows = {row["unit_code"]: row for row in _ranking_rows(evaluator, round_id)}
    assert rows["finance"]["index"] == "90.0"


def test_a_background_job_keeps_its_problems_in_both_languages(
    app: Flask, evaluator: FlaskClient
) -> None:
    """What stops the index is kept in Vietnamese and English, the list's tail ("and N more")
    too: the starter, in Vietnamese, and a colleague who opens the job in English each read it
    in their own language."""
    round_id = add_round(app, "dept-gaps", ("planning", "justice"))
    app.config["INDEX_BACKGROUND_FROM"] = 0
    evaluator.get("/lang/vi")
    location = _start(evaluator, round_id, "preview")
    assert _statuses(evaluator, location)[-1]["status"] == "done"
    problems = _job(app, location)["result"]["problems"]
    leaves = len(scheme().leaves(SourceKind.APPRAISAL))
    more = leaves - 8
    assert problems[0]["vi"].startswith(
        f"Đơn vị justice chưa có điểm tự đánh giá cho {leaves} tiêu chí: 1.1, "
    ), problems
    assert problems[0]["vi"].endswith(f" và {more} mục khác."), problems
    assert problems[0]["en"].startswith(
        f"Unit justice has no self-score for {leaves} criteria: 1.1, "
    ), problems
    assert problems[0]["en"].endswith(f" and {more} more."), problems
    starter = evaluator.get(location).text
    colleague = signed_in(app, "colleague", Role.EVALUATOR).get(location).text
    assert problems[0]["vi"] in starter and problems[0]["en"] not in starter
    assert problems[0]["en"] in colleague and problems[0]["vi"] not in colleague


def test_a_failed_or_stalled_job_says_what_to_do(
    app: Flask, round_id: int, evaluator: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An internal error in the thread: the job fails, nothing is published, and its page says
    to compute again. A running job whose file has not moved for ten minutes is stalled."""

    def broken(*_arguments: object, **_keywords: object) -> None:
        raise RuntimeError("the engine broke")

    monkeypatch.setattr(index_jobs, "compute_round_index", broken)
    app.config["INDEX_BACKGROUND_FROM"] = 1
    location = _start(evaluator, round_id, "publish")
    assert _statuses(evaluator, location)[-1]["status"] == "failed"
    page = evaluator.get(location)
    assert "The index could not be computed" in page.text and "RuntimeError" in page.text
    with app.app_context():
        assert db.session.scalars(select(IndexSnapshot)).all() == []
        job = read_job(round_id, location.rsplit("/", 1)[1])
        assert job is not None
        job.update(status="running")
        write_job(index_jobs.jobs_folder(round_id), job)
        stale = (utcnow() - timedelta(minutes=11)).isoformat(timespec="seconds")
        path = index_jobs.jobs_folder(round_id) / f"{job['id']}.json"
        path.write_text(json.dumps({**job, "updated_at": stale}), encoding="utf-8")
    page = evaluator.get(location)
    assert "has not moved for more than ten minutes" in page.text
    assert evaluator.get(f"{location}/status").get_json()["stalled"] is True


def test_a_job_is_read_only_through_its_own_round(app: Flask, round_id: int) -> None:
    """Another round's address, an id that is no job, a malformed id: 404."""
    other = add_round(app, "dept-other", ("planning",))
    evaluator = signed_in(app, "eva", Role.EVALUATOR)
    location = _start(evaluator, round_id, "preview")
    job_id = location.rsplit("/", 1)[1]
    assert evaluator.get(f"/evaluate/rounds/{other}/index/jobs/{job_id}").status_code == 404
    base = f"/evaluate/rounds/{round_id}/index/jobs"
    assert evaluator.get(f"{base}/{'0' * 32}").status_code == 404
    assert evaluator.get(f"{base}/..%2Fsecret").status_code == 404
    assert evaluator.get(f"{base}/not-a-job/status").status_code == 404


def test_the_computation_announces_every_stage(app: Flask, round_id: int) -> None:
    """Reading, each bootstrap replicate re-weighted by the adopted run, each survey criterion
    scored, then the ranking: in that order."""
    _adopt_run(app, round_id)
    heard: list[tuple[IndexStage, int, int]] = []
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert round_ is not None
        compute_round_index(round_, replicates=20, progress=lambda *point: heard.append(point))
    stages = [stage for stage, _done, _total in heard]
    assert stages == sorted(stages, key=list(IndexStage).index)
    assert set(stages) == set(IndexStage)
    weighting = [(done, total) for stage, done, total in heard if stage is IndexStage.WEIGHTING]
    assert weighting == [(r, 20) for r in range(1, 21)]
    scoring = [(done, total) for stage, done, total in heard if stage is IndexStage.SCORING]
    leaves = len(scheme().leaves(SourceKind.SURVEY))
    assert scoring == [(k, leaves) for k in range(1, leaves + 1)]


@given(
    points=st.lists(
        st.tuples(st.sampled_from(list(IndexStage)), st.integers(0, 500), st.integers(0, 500)),
        min_size=1,
    )
)
def test_the_overall_progress_never_goes_back(points: list[tuple[IndexStage, int, int]]) -> None:
    """Points of the stages in order, each stage's count rising: the percentage rises from 0
    to 100 and ends each stage where the next begins."""
    order = list(IndexStage).index
    ordered = sorted(
        ((stage, min(done, total), total) for stage, done, total in points),
        key=lambda point: (order(point[0]), point[1] / point[2] if point[2] else 0.0),
    )
    percentages = [overall_done(*point) for point in ordered]
    assert percentages == sorted(percentages)
    assert all(0 <= percent <= 100 for percent in percentages)
    assert overall_done(IndexStage.READING, 0, 1) == 0
    assert overall_done(IndexStage.RANKING, 1, 1) == 100
    for before, after in itertools.pairwise(IndexStage):
        assert overall_done(before, 1, 1) == overall_done(after, 0, 1)


def test_a_preview_read_after_a_later_publication_says_so(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """A preview computed before a publication is not shown as reproducing it, nor compared
    with an older snapshot than the one the reports show."""
    location = _start(evaluator, round_id, "preview")
    _publish(evaluator, round_id)
    page = evaluator.get(location)
    assert "after this computation: compute the index again to compare with it" in page.text
    assert "reproduces the published index exactly" not in page.text
    compared = preview_index(evaluator, round_id)
    assert "reproduces the published index exactly" in compared.text
    compared_at = compared.request.path
    _publish(evaluator, round_id)
    page = evaluator.get(compared_at)
    assert "after this computation" in page.text
    assert "reproduces the published index exactly" not in page.text
    again = preview_index(evaluator, round_id)
    assert "reproduces the published index exactly" in again.text
    assert "after this computation" not in again.text


def test_the_index_page_lists_the_latest_computations(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """Newest first, with who started each, what it was and its state, each linking to its
    page; another round's computations are not listed."""
    assert "Recent computations" not in evaluator.get(f"/evaluate/rounds/{round_id}/index").text
    gaps = add_round(app, "dept-gaps", ("planning",))
    _start(evaluator, gaps, "preview")
    preview = _start(evaluator, round_id, "preview")
    app.config["INDEX_BACKGROUND_FROM"] = 1
    publication = _start(evaluator, round_id, "publish")
    _statuses(evaluator, publication)
    page = evaluator.get(f"/evaluate/rounds/{round_id}/index").text
    listed = page.split('id="jobs-title"')[1].split("</table>")[0]
    rows = listed.split("<tr>")[2:]
    assert len(rows) == 2
    assert f'href="{publication}"' in rows[0] and "Publication" in rows[0]
    assert f'href="{preview}"' in rows[1] and "Preview" in rows[1]
    assert all("Eva" in row and "Done" in row for row in rows)
    gaps_page = evaluator.get(f"/evaluate/rounds/{gaps}/index").text
    assert "Cannot be computed yet" in gaps_page and f'href="{preview}"' not in gaps_page


def test_a_refused_button_says_why_and_starts_nothing(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """Compute without a CSRF token, publish with a note over 2,000 characters: back to the
    index page with the reason; no job file, no snapshot."""
    computed = evaluator.post(f"/evaluate/rounds/{round_id}/index/preview", data={})
    assert computed.status_code == 302
    assert computed.headers["Location"].endswith(f"/evaluate/rounds/{round_id}/index")
    page = evaluator.get(computed.headers["Location"])
    assert "The index was not computed: reload the page and try again." in page.text
    assert "Recent computations" not in page.text
    preview = preview_index(evaluator, round_id)
    published = evaluator.post(
        f"/evaluate/rounds/{round_id}/index/publish",
        data={"csrf_token": csrf_token(preview.text), "note": "x" * 2001},
    )
    assert published.status_code == 302
    page = evaluator.get(published.headers["Location"])
    assert "The index was not published: compute it again and retry." in page.text
    with app.app_context():
        assert db.session.scalars(select(IndexSnapshot)).all() == []
        assert len(index_jobs.recent_jobs(round_id)) == 1
