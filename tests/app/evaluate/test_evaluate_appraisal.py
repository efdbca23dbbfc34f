"""Appraisal: accepting and changing self-scores (a change needs its reason), append-only
decisions with their audit events, a unit's request for reconsideration and the council's
answer, the criterion's history, and who may do what."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey_app.models import (
    AppendOnlyError,
    AppraisalDecision,
    AuditEvent,
    ReconsiderationRequest,
    Role,
    db,
)
from tests.app.evaluate.evaluate_helpers import add_round, add_self_scores, signed_in, unit_id
from tests.app.staff.staff_helpers import csrf_token


@pytest.fixture
def round_id(app: Flask) -> int:
    """A department round; justice scored itself 2.5 of 3 on 1.1 and 2 of 2 on 1.2."""
    round_id = add_round(app, "dept-2024", ("justice", "finance"))
    add_self_scores(app, round_id, {"justice": {"1.1": 2.5, "1.2": 2.0}, "finance": {"1.1": 3}})
    return round_id


@pytest.fixture
def evaluator(app: Flask) -> FlaskClient:
    """An evaluator, in English."""
    return signed_in(app, "eva", Role.EVALUATOR)


def _criterion(app: Flask, round_id: int, code: str = "1.1", unit: str = "justice") -> str:
    """The path of a criterion's page."""
    return f"/evaluate/rounds/{round_id}/units/{unit_id(app, unit)}/criteria/{code}"


def _decide(client: FlaskClient, path: str, **data: str) -> tuple[int, str]:
    """Post the decision form of a criterion's page; status and the page that follows."""
    page = client.get(path)
    fields = {f"decision-{name}": value for name, value in data.items()}
    response = client.post(
        f"{path}/decision",
        data={"decision-csrf_token": csrf_token(page.text), **fields},
        follow_redirects=True,
    )
    return response.status_code, response.text


def _decisions(app: Flask) -> list[tuple[str, str, float, float | None, str]]:
    """Every stored decision: criterion, verdict, old, new, reason."""
    with app.app_context():
        return [
            (d.criterion, d.verdict, d.old_score, d.new_score, d.reason)
            for d in db.session.scalars(select(AppraisalDecision).order_by(AppraisalDecision.id))
        ]


def test_a_change_without_a_reason_is_refused(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """No reason, or a score above the maximum: the form says so and nothing is stored."""
    status, page = _decide(evaluator, _criterion(app, round_id), verdict="change", new_score="2")
    assert status == 400
    assert '<a href="#decision-reason">Give the reason for changing the score.</a>' in page
    status, page = _decide(
        evaluator, _criterion(app, round_id), verdict="change", new_score="3,5", reason="late"
    )
    assert status == 400
    assert "3,5 is above the criterion&#39;s maximum of 3." in page
    status, page = _decide(evaluator, _criterion(app, round_id), reason="no verdict")
    assert status == 400 and "Choose accept or change." in page
    assert _decisions(app) == []


def test_a_change_with_its_reason_is_recorded_and_audited(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """The decision keeps the old and new scores and the reason; so does its audit event; a
    later accept supersedes it, both stay."""
    path = _criterion(app, round_id)
    status, page = _decide(
        evaluator, path, verdict="change", new_score="1,5", reason="Kế hoạch ban hành chậm"
    )
    assert status == 200
    assert "The score has been changed." in page
    assert "changed the score from 2.50 to 1.50" in page and "Kế hoạch ban hành chậm" in page
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "appraisal.change")
        ).one()
        assert event.details == {
            "before": {"score": 2.5},
            "after": {"score": 1.5},
            "unit": "justice",
            "criterion": "1.1",
            "reason": "Kế hoạch ban hành chậm",
        }
        assert event.user is not None and event.user.username == "eva"
    status, page = _decide(evaluator, path, verdict="accept")
    assert "The self-score is accepted." in page
    assert "accepted the self-score (1.50 → 2.50)" in page
    assert _decisions(app) == [
        ("1.1", "change", 2.5, 1.5, "Kế hoạch ban hành chậm"),
        ("1.1", "accept", 1.5, None, ""),
    ]
    with app.app_context():
        first = db.session.scalars(select(AppraisalDecision)).first()
        assert first is not None
        first.reason = "edited"
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()


def test_accepting_every_pending_score(app: Flask, round_id: int, evaluator: FlaskClient) -> None:
    """One button accepts the unit's undecided self-scores, one decision and event each."""
    path = f"/evaluate/rounds/{round_id}/units/{unit_id(app, 'justice')}/appraisal"
    page = evaluator.get(path)
    assert "2 self-scores await appraisal." in page.text
    assert page.text.count("no self-score") == 25
    response = evaluator.post(
        f"{path}/accept-pending",
        data={"csrf_token": csrf_token(page.text)},
        follow_redirects=True,
    )
    assert "2 self-scores accepted." in response.text
    assert "await appraisal" not in response.text
    assert sorted(_decisions(app)) == [
        ("1.1", "accept", 2.5, None, ""),
        ("1.2", "accept", 2.0, None, ""),
    ]
    with app.app_context():
        count = db.session.scalar(
            select(db.func.count()).where(AuditEvent.action == "appraisal.accept")
        )
        assert count == 2


def test_reconsideration_requested_and_accepted(
    app: Flask, round_id: int, evaluator: FlaskClient
) -> None:
    """The unit asks, the council accepts with a new score: a decision naming the request, the
    request closed, both audited and in the criterion's history."""
    path = _criterion(app, round_id)
    _decide(evaluator, path, verdict="change", new_score="1", reason="No evidence attached")
    officer = signed_in(app, "officer", Role.UNIT_OFFICER, "justice")
    page = officer.get(path)
    assert "Ask for reconsideration" in page.text and "Record the decision" not in page.text
    empty = officer.post(
        f"{path}/reconsideration",
        data={"request-csrf_token": csrf_token(page.text), "request-request_text": " "},
    )
    assert empty.status_code == 400
    assert "Explain why the score should be reconsidered." in empty.text
    sent = officer.post(
        f"{path}/reconsideration",
        data={
            "request-csrf_token": csrf_token(page.text),
            "request-request_text": "Kế hoạch số 5 đính kèm tại trang 3",
        },
        follow_redirects=True,
    )
    assert "Your request has been sent to the appraisal council." in sent.text
    assert "awaiting the council's answer" in sent.text
    assert "Ask for reconsideration" not in sent.text
    with app.app_context():
        request = db.session.scalars(select(ReconsiderationRequest)).one()
        request_id = request.id
    council = evaluator.get(path)
    assert "Answer the request for reconsideration" in council.text
    refused = evaluator.post(
        f"{path}/reconsideration/{request_id}",
        data={
            "outcome-csrf_token": csrf_token(council.text),
            "outcome-outcome": "accepted",
            "outcome-new_score": "",
            "outcome-answer": "Đã xem",
        },
    )
    assert refused.status_code == 400
    assert "Enter the appraised score after reconsideration." in refused.text
    settled = evaluator.post(
        f"{path}/reconsideration/{request_id}",
        data={
            "outcome-csrf_token": csrf_token(council.text),
            "outcome-outcome": "accepted",
            "outcome-new_score": "2",
            "outcome-answer": "Evidence found on page 3",
        },
        follow_redirects=True,
    )
    assert "The request is accepted and the score set." in settled.text
    assert "changed the score from 1.00 to 2.00" in settled.text
    assert "on reconsideration" in settled.text
    with app.app_context():
        request = db.session.get(ReconsiderationRequest, request_id)
        assert request is not None
        assert (request.outcome, request.outcome_text) == ("accepted", "Evidence found on page 3")
        last = db.session.scalars(
            select(AppraisalDecision).order_by(AppraisalDecision.id.desc())
        ).first()
        assert last is not None and last.reconsideration_id == request_id
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"reconsideration.request", "reconsideration.accepted"} <= actions
    history = officer.get(path).text
    positions = [
        history.index(text)
        for text in (
            "No evidence attached",
            "Kế hoạch số 5 đính kèm tại trang 3",
            "Evidence found on page 3",
        )
    ]
    assert positions == sorted(positions)


def test_reconsideration_rejected(app: Flask, round_id: int, evaluator: FlaskClient) -> None:
    """A rejection keeps the score and shows the council's answer in the history."""
    path = _criterion(app, round_id)
    _decide(evaluator, path, verdict="accept")
    officer = signed_in(app, "officer", Role.UNIT_OFFICER, "justice")
    page = officer.get(path)
    officer.post(
        f"{path}/reconsideration",
        data={"request-csrf_token": csrf_token(page.text), "request-request_text": "Xin 3 điểm"},
    )
    with app.app_context():
        request_id = db.session.scalars(select(ReconsiderationRequest.id)).one()
    council = evaluator.get(path)
    settled = evaluator.post(
        f"{path}/reconsideration/{request_id}",
        data={
            "outcome-csrf_token": csrf_token(council.text),
            "outcome-outcome": "rejected",
            "outcome-answer": "Không có tài liệu kiểm chứng",
        },
        follow_redirects=True,
    )
    assert "The request is rejected." in settled.text
    assert "The council rejected the request." in settled.text
    assert "Không có tài liệu kiểm chứng" in settled.text
    assert len(_decisions(app)) == 1


def test_who_may_do_what(app: Flask, round_id: int, evaluator: FlaskClient) -> None:
    """Unit officers cannot decide; evaluators cannot ask; a request needs a decision first;
    another unit's criterion, or a code that is not a self-assessed leaf, is 404."""
    officer = signed_in(app, "officer", Role.UNIT_OFFICER, "justice")
    path = _criterion(app, round_id)
    page = officer.get(path)
    assert "Ask for reconsideration" not in page.text
    assert officer.post(f"{path}/decision", data={}).status_code == 403
    assert evaluator.post(f"{path}/reconsideration", data={}).status_code == 403
    early = officer.post(
        f"{path}/reconsideration",
        data={"request-csrf_token": csrf_token(page.text), "request-request_text": "why"},
    )
    assert early.status_code == 400
    assert "This criterion has not been appraised yet." in early.text
    assert officer.get(_criterion(app, round_id, unit="finance")).status_code == 404
    assert (
        officer.get(
            f"/evaluate/rounds/{round_id}/units/{unit_id(app, 'finance')}/appraisal"
        ).status_code
        == 404
    )
    assert evaluator.get(_criterion(app, round_id, code="1.4.2")).status_code == 404
    assert evaluator.get(_criterion(app, round_id, code="1.4")).status_code == 404
    staff = signed_in(app, "lan", Role.STAFF)
    read = staff.get(path)
    assert read.status_code == 200 and "Record the decision" not in read.text
