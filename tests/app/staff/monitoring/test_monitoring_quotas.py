"""Quotas: a cell closes when a submission fills it; new respondents of a closed cell get the
"enough answers, thank you" page instead of the form (public link and invitation code); a
respondent already past the sampling question still finishes and is stored; staff set,
close and reopen quotas, cell by cell or for the whole round, audited."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey_app.invitations import issue_batch
from survey_app.models import AuditEvent, Draft, FrameCell, Response, Round, Unit, db
from tests.app.app_helpers import csrf_token, page_data, review_form
from tests.app.staff.monitoring.monitoring_helpers import (
    DELEGATES,
    LEADERS,
    add_cell,
    add_response,
    answers_for,
    make_round,
    questionnaire,
)
from tests.app.staff.staff_helpers import post_form

DELEGATE_SURVEY = "/r/mon-2025/province_department"
LEADER_SURVEY = "/r/mon-2025/par_leaders"
ENOUGH = "this group already has enough answers"


def first_page(client: FlaskClient) -> str:
    """Start the delegates' public survey; the address of its first page."""
    start = client.get(f"{DELEGATE_SURVEY}/")
    assert start.status_code == 200
    started = client.post(f"{DELEGATE_SURVEY}/", data={"csrf_token": csrf_token(start.text)})
    assert started.status_code == 302
    location: str = started.headers["Location"]
    return location


def post_page(
    client: FlaskClient,
    questionnaire_id: str,
    location: str,
    answers: dict[str, Any],
    **chosen: Any,
) -> Any:
    """Answer the page at ``location`` (``chosen`` first) and press Next."""
    shown = client.get(location)
    assert shown.status_code == 200, shown.text
    form = questionnaire(questionnaire_id)
    data = page_data(form, form.page(location.rsplit("/p/", 1)[1]), answers, chosen)
    return client.post(
        location, data={**data, "csrf_token": csrf_token(shown.text), "action": "next"}
    )


def finish(
    client: FlaskClient, base: str, questionnaire_id: str, response: Any, answers: dict[str, Any]
) -> None:
    """Answer the remaining pages from ``response`` (a redirect) and submit."""
    while not response.headers["Location"].endswith("/review"):
        response = post_page(client, questionnaire_id, response.headers["Location"], answers)
        assert response.status_code == 302, response.text
    submitted = client.post(f"{base}/submit", data=review_form(client, base))
    assert submitted.status_code == 302
    assert submitted.headers["Location"].endswith("/done")


def responses_in(app: Flask, unit: str, stratum: str) -> int:
    """Stored responses of a cell."""
    with app.app_context():
        return int(
            db.session.scalar(
                select(func.count())
                .select_from(Response)
                .join(Unit, Unit.id == Response.unit_id)
                .where(Unit.code == unit, Response.stratum == stratum)
            )
            or 0
        )


def cell_closed(app: Flask, cell_id: int) -> bool:
    """Whether the cell is closed."""
    with app.app_context():
        cell = db.session.get(FrameCell, cell_id)
        assert cell is not None
        return cell.quota_closed


def drafts(app: Flask) -> int:
    """Drafts kept."""
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Draft)) or 0)


def test_a_submission_that_fills_the_quota_closes_the_cell(app: Flask) -> None:
    """The response reaching the quota closes its cell in its own transaction, audited as
    done by the system with the counts only."""
    round_id = make_round(app)
    cell = add_cell(app, round_id, "justice", "delegate", "provincial_delegate", 5, quota=1)
    add_cell(app, round_id, "finance", "delegate", "provincial_delegate", 5, quota=1)
    client = app.test_client()
    answers: dict[str, Any] = {}
    page = post_page(
        client,
        DELEGATES,
        first_page(client),
        answers,
        r_role="provincial_delegate",
        r_department="justice",
    )
    assert not cell_closed(app, cell)
    finish(client, DELEGATE_SURVEY, DELEGATES, page, answers)
    assert cell_closed(app, cell)
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "frame_cell.quota_reached")
        ).one()
        assert event.user_id is None and event.round_id == round_id
        assert event.object_id == str(cell)
        assert event.details == {
            "before": {"quota_closed": False},
            "after": {"quota_closed": True},
            "quota": 1,
            "responses": 1,
        }


def test_a_new_respondent_of_a_closed_cell_is_thanked_instead_of_asked(app: Flask) -> None:
    """Once the department and role place a delegate in a closed cell, the polite page
    replaces the form and the draft is gone; another department still goes on."""
    round_id = make_round(app)
    add_cell(app, round_id, "justice", "delegate", "provincial_delegate", 5, quota=1, closed=True)
    add_cell(app, round_id, "finance", "delegate", "provincial_delegate", 5)
    client = app.test_client()
    client.get("/lang/en")
    location = first_page(client)
    assert client.get(location).status_code == 200
    turned = post_page(
        client, DELEGATES, location, {}, r_role="provincial_delegate", r_department="justice"
    )
    assert turned.status_code == 200
    assert ENOUGH in turned.text
    assert 'role="status"' in turned.text and "<form" not in turned.text.split("<main", 1)[1]
    assert drafts(app) == 0
    assert client.get(location).status_code == 302
    other = app.test_client()
    moved_on = post_page(
        other,
        DELEGATES,
        first_page(other),
        {},
        r_role="provincial_delegate",
        r_department="finance",
    )
    assert moved_on.status_code == 302


def test_the_thank_you_page_speaks_vietnamese(app: Flask) -> None:
    """The default language: the page is in Vietnamese."""
    round_id = make_round(app)
    add_cell(app, round_id, "justice", "delegate", "provincial_delegate", 5, closed=True)
    add_cell(app, round_id, "finance", "delegate", "provincial_delegate", 5)
    client = app.test_client()
    turned = post_page(
        client,
        DELEGATES,
        first_page(client),
        {},
        r_role="provincial_delegate",
        r_department="justice",
    )
    assert '<html lang="vi">' in turned.text
    assert "Cảm ơn" in turned.text


def test_when_every_cell_is_closed_the_first_page_says_so(app: Flask) -> None:
    """With no open cell in the group, the respondent is thanked before any question."""
    round_id = make_round(app)
    add_cell(app, round_id, "justice", "delegate", "provincial_delegate", 5, closed=True)
    add_cell(app, round_id, "finance", "delegate", "district_delegate", 5, closed=True)
    client = app.test_client()
    client.get("/lang/en")
    shown = client.get(first_page(client))
    assert shown.status_code == 200 and ENOUGH in shown.text
    assert drafts(app) == 0


def test_a_late_submission_after_closing_is_still_stored(app: Flask) -> None:
    """A delegate past the sampling question when the cell closes finishes, and the answer
    is stored beyond the quota."""
    round_id = make_round(app)
    cell = add_cell(app, round_id, "justice", "delegate", "provincial_delegate", 5, quota=1)
    add_cell(app, round_id, "finance", "delegate", "provincial_delegate", 5)
    late = app.test_client()
    late_answers: dict[str, Any] = {}
    late_page = post_page(
        late,
        DELEGATES,
        first_page(late),
        late_answers,
        r_role="provincial_delegate",
        r_department="justice",
    )
    assert late_page.status_code == 302
    quick = app.test_client()
    quick_answers: dict[str, Any] = {}
    quick_page = post_page(
        quick,
        DELEGATES,
        first_page(quick),
        quick_answers,
        r_role="provincial_delegate",
        r_department="justice",
    )
    finish(quick, DELEGATE_SURVEY, DELEGATES, quick_page, quick_answers)
    assert cell_closed(app, cell)
    finish(late, DELEGATE_SURVEY, DELEGATES, late_page, late_answers)
    assert responses_in(app, "justice", "provincial_delegate") == 2


def invitation_code(app: Flask, round_id: int, unit: str) -> str:
    """A leader's invitation code for ``unit``."""
    with app.app_context(), app.test_request_context():
        round_ = db.session.get(Round, round_id)
        found = db.session.scalars(select(Unit).where(Unit.code == unit)).one()
        assert round_ is not None
        issued = issue_batch(round_, found, "leader", 1, "test", None)
        db.session.commit()
        return issued[0].code


def test_an_invited_leader_of_a_closed_cell_is_thanked(app: Flask) -> None:
    """The level question places a leader: province closed, district open."""
    round_id = make_round(app)
    add_cell(app, round_id, "justice", "leader", "province", 4, closed=True)
    add_cell(app, round_id, "justice", "leader", "district", 2)
    closed = app.test_client()
    closed.get("/lang/en")
    entered = closed.get(f"/i/{invitation_code(app, round_id, 'justice')}", follow_redirects=False)
    assert entered.status_code == 302
    location = closed.get(entered.headers["Location"]).headers["Location"]
    turned = post_page(closed, LEADERS, location, {}, b_level="province")
    assert turned.status_code == 200 and ENOUGH in turned.text
    opened = app.test_client()
    entered = opened.get(f"/i/{invitation_code(app, round_id, 'justice')}")
    location = opened.get(entered.headers["Location"]).headers["Location"]
    assert post_page(opened, LEADERS, location, {}, b_level="district").status_code == 302


def test_responses_without_a_unit_are_never_turned_away(app: Flask) -> None:
    """The citizens' form names no unit: its respondents belong to no cell."""
    from tests.app.app_helpers import complete, demo

    demo(app)
    with app.app_context():
        round_ = db.session.scalars(select(Round).where(Round.code == "demo")).one()
        unit = db.session.scalars(select(Unit).where(Unit.code == "hue")).one()
        db.session.add(
            FrameCell(
                round_id=round_.id,
                unit_id=unit.id,
                respondent_group="citizen",
                stratum="hue",
                population=10,
                sample_size=1,
                margin_of_error=0.05,
                quota=0,
                quota_closed=True,
            )
        )
        db.session.commit()
    complete(app.test_client(), {"d_district": "hue"})


def test_staff_set_close_and_reopen_quotas(app: Flask, staff: FlaskClient) -> None:
    """One form for every cell, saved together and audited cell by cell."""
    round_id = make_round(app)
    justice = add_cell(app, round_id, "justice", "leader", "province", 4)
    finance = add_cell(app, round_id, "finance", "leader", "province", 3, quota=3, closed=True)
    add_response(
        app,
        round_id,
        unit="justice",
        group="leader",
        stratum="province",
        questionnaire_id=LEADERS,
        answers=answers_for(LEADERS),
        seconds=200,
    )
    page = f"/staff/rounds/{round_id}/monitoring/quotas"
    listed = staff.get(page)
    assert listed.status_code == 200
    assert f'id="quota-{justice}"' in listed.text and f'for="state-{finance}"' in listed.text
    saved = post_form(
        staff,
        page,
        {
            f"quota-{justice}": "2",
            f"state-{justice}": "open",
            f"quota-{finance}": "",
            f"state-{finance}": "open",
        },
    )
    assert saved.status_code == 302
    assert "Cells changed: 2." in staff.get(page).text
    with app.app_context():
        cells = {c.id: (c.quota, c.quota_closed) for c in db.session.scalars(select(FrameCell))}
        assert cells == {justice: (2, False), finance: (None, False)}
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "frame_cell.quota")
            .order_by(AuditEvent.id)
        ).all()
        assert {e.object_id: e.details["after"] for e in events} == {
            str(justice): {"quota": 2, "quota_closed": False},
            str(finance): {"quota": None, "quota_closed": False},
        }
        assert all(e.user_id is not None for e in events)


def test_a_full_cell_cannot_be_reopened_and_nothing_is_saved(
    app: Flask, staff: FlaskClient
) -> None:
    """A quota met by the responses keeps the cell closed: the error names the cell and what
    to do, and no other change of the form is saved; a quota that is no number is refused."""
    round_id = make_round(app)
    justice = add_cell(app, round_id, "justice", "leader", "province", 4)
    finance = add_cell(app, round_id, "finance", "leader", "province", 3)
    add_response(
        app,
        round_id,
        unit="justice",
        group="leader",
        stratum="province",
        questionnaire_id=LEADERS,
        answers=answers_for(LEADERS),
        seconds=200,
    )
    page = f"/staff/rounds/{round_id}/monitoring/quotas"
    refused = post_form(
        staff,
        page,
        {
            f"quota-{justice}": "1",
            f"state-{justice}": "open",
            f"quota-{finance}": "many",
            f"state-{finance}": "closed",
        },
    )
    assert refused.status_code == 200
    assert "There is a problem: nothing was saved" in refused.text
    assert "justice · leader · province has 1 responses, which meets the quota of 1" in refused.text
    assert "finance · leader · province: enter the quota as a whole number" in refused.text
    assert f'href="#quota-{justice}"' in refused.text
    assert 'value="many"' in refused.text
    with app.app_context():
        stored = {c.id: (c.quota, c.quota_closed) for c in db.session.scalars(select(FrameCell))}
        assert stored == {justice: (None, False), finance: (None, False)}
    closed = post_form(staff, page, {f"quota-{justice}": "1", f"state-{justice}": "closed"})
    assert closed.status_code == 302
    assert cell_closed(app, justice)


def test_whole_round_actions(app: Flask, staff: FlaskClient) -> None:
    """Quotas to targets closes the cells already full; removing reopens everything; one
    audit event each."""
    round_id = make_round(app)
    full = add_cell(app, round_id, "justice", "leader", "province", 1)
    empty = add_cell(app, round_id, "finance", "leader", "province", 3)
    add_response(
        app,
        round_id,
        unit="justice",
        group="leader",
        stratum="province",
        questionnaire_id=LEADERS,
        answers=answers_for(LEADERS),
        seconds=200,
    )
    page = f"/staff/rounds/{round_id}/monitoring/quotas"
    done = post_form(staff, page, {}, f"{page}/targets")
    assert done.status_code == 302
    with app.app_context():
        cells = {c.id: (c.quota, c.quota_closed) for c in db.session.scalars(select(FrameCell))}
    assert cells == {full: (1, True), empty: (3, False)}
    assert post_form(staff, page, {}, f"{page}/remove").status_code == 302
    with app.app_context():
        cells = {c.id: (c.quota, c.quota_closed) for c in db.session.scalars(select(FrameCell))}
        assert cells == {full: (None, False), empty: (None, False)}
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.round_id == round_id).order_by(AuditEvent.id)
        ).all()
    assert actions[-2:] == ["frame_cells.quotas_to_targets", "frame_cells.quotas_removed"]
    assert staff.post(f"{page}/targets").status_code == 400
    assert post_form(staff, page, {}, f"{page}/everything").status_code == 404


def test_a_form_from_an_older_frame_saves_nothing(app: Flask, staff: FlaskClient) -> None:
    """Cells that no longer exist: nothing saved, and the page says why."""
    round_id = make_round(app)
    add_cell(app, round_id, "justice", "leader", "province", 1)
    page = f"/staff/rounds/{round_id}/monitoring/quotas"
    answer = post_form(staff, page, {"quota-987654": "3", "state-987654": "open"})
    assert answer.status_code == 200
    assert "The frame has changed since this page was opened" in answer.text


def test_a_round_without_frame(app: Flask, staff: FlaskClient) -> None:
    """The quotas page points to the frame."""
    round_id = make_round(app)
    page = staff.get(f"/staff/rounds/{round_id}/monitoring/quotas")
    assert "The round has no sampling frame yet" in page.text
