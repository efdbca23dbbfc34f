"""Keying paper questionnaires once: the same checks and skip logic as a web answer, a
response of mode ``paper`` with its serial and without staff identity, duplicate serials
refused by name, and what the round's paper page shows."""

from __future__ import annotations

import json
from datetime import date

from flask import Flask
from sqlalchemy import select

from survey_app.models import (
    AuditEvent,
    FrameCell,
    PaperEntryStatus,
    Response,
    RoundStatus,
    User,
    db,
)
from survey_app.staff.paper_duplicates import duplicate_paper_entries
from tests.app.staff.invitations.invitation_helpers import make_round, signed_in
from tests.app.staff.paper.paper_helpers import (
    entries,
    expected_answers,
    key,
    key_url,
    paper_responses,
)
from tests.app.staff.staff_helpers import csrf_token

IN_PERSON = {"s_channel": "in_person", "s_visits": "3", "d_district": "phu_vang"}


def test_a_keyed_form_is_a_paper_response_without_staff_identity(app: Flask) -> None:
    """One keying stores the response at once: mode paper, the serial (in capitals), the unit
    chosen, the stratum its questionnaire names, no paradata, nothing about the keyer; the
    entry records who keyed it; both steps are audited without answers."""
    test_round = make_round(app)
    client = signed_in(app, "lan")
    finance = test_round.unit_ids["finance"]
    saved = key(client, test_round.round_id, " p-0001 ", finance, IN_PERSON)
    assert saved.status_code == 302
    assert saved.headers["Location"] == f"{key_url(test_round.round_id)}?unit={finance}"
    again = client.get(saved.headers["Location"])
    assert "Form P-0001 is stored (paper)." in again.text
    assert f'<option value="{finance}" selected>' in again.text
    assert 'name="form_serial" value=""' in again.text
    [response] = paper_responses(app)
    assert response.mode == "paper"
    assert response.form_serial == "P-0001"
    assert response.answers == expected_answers(IN_PERSON)
    assert response.unit_id == finance
    assert response.stratum == "phu_vang"
    assert response.paradata == {}
    assert response.submitted_on == date.today()
    assert response.respondent_group == "citizen"
    columns = {column.name for column in Response.__table__.columns}
    assert not columns & {"keyed_by", "user_id", "created_by", "entered_by"}
    with app.app_context():
        lan = db.session.scalars(select(User).where(User.username == "lan")).one()
        stored = db.session.get(Response, response.id)
        assert stored is not None
        row_text = json.dumps([str(getattr(stored, c)) for c in columns], ensure_ascii=False)
        assert lan.username not in row_text and lan.display_name not in row_text
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith("paper_entry."))
        ).all()
        assert [e.action for e in events] == ["paper_entry.key", "paper_entry.accept"]
        assert all(e.user_id == lan.id for e in events)
        assert all("answers" not in json.dumps(e.details) for e in events)
        assert not any(response.id in json.dumps(e.details) for e in events)
        lan_id = lan.id
    [entry] = entries(app)
    assert (entry.entry_number, entry.status, entry.keyed_by) == (1, "accepted", lan_id)
    assert entry.answers == response.answers


def test_answers_are_stored_in_the_questionnaire_order(app: Flask) -> None:
    """Whatever order the fields are posted in, the stored answers follow the form's items."""
    test_round = make_round(app)
    client = signed_in(app, "lan")
    key(client, test_round.round_id, "P-1", test_round.unit_ids["finance"], IN_PERSON)
    [response] = paper_responses(app)
    order = list(expected_answers(IN_PERSON))
    assert list(response.answers) == order


def test_a_duplicate_serial_is_refused_by_name(app: Flask) -> None:
    """A serial already stored in the round is refused (typed in any case), with a message
    naming it, and nothing more is stored."""
    test_round = make_round(app)
    client = signed_in(app, "lan")
    finance = test_round.unit_ids["finance"]
    key(client, test_round.round_id, "HUE-000123", finance)
    refused = key(client, test_round.round_id, "hue-000123", finance, IN_PERSON)
    assert refused.status_code == 409
    assert "Form HUE-000123 has already been keyed and stored in this round." in refused.text
    assert len(paper_responses(app)) == 1
    assert len(entries(app)) == 1


def test_invalid_answers_are_refused_with_field_errors(app: Flask) -> None:
    """A required question left blank, a number out of its range, text where a number goes,
    no unit and a malformed serial: each named at its field and in the summary; nothing is
    stored."""
    test_round = make_round(app)
    client = signed_in(app, "lan")
    refused = key(
        client,
        test_round.round_id,
        "P 1/2",
        None,
        {"s_channel": "in_person", "s_visits": "25", "s_respondent": None},
    )
    assert refused.status_code == 400
    page = refused.text
    assert "There is a problem" in page
    assert "A serial number has 1 to 64 letters, digits, dots, hyphens or underscores." in page
    assert "Choose the unit the form is about, as printed on it." in page
    assert "Please answer this question." in page
    assert 'id="q_s_respondent-error"' in page
    assert 'id="q_s_visits-error"' in page
    assert 'href="#q_s_visits"' in page
    assert "The answer must be at most 20." in page
    unreadable = key(
        client,
        test_round.round_id,
        "P-1",
        test_round.unit_ids["finance"],
        IN_PERSON,
        extra={"q_s_visits": "abc"},
    )
    assert unreadable.status_code == 400
    assert "Enter a number, for example 12 or 3.5." in unreadable.text
    assert paper_responses(app) == []
    assert entries(app) == []


def test_skip_logic_prunes_what_the_form_does_not_ask(app: Flask) -> None:
    """An answer keyed to a question the answers skip is not stored, as on the web; a
    question the answers ask is required."""
    test_round = make_round(app)
    client = signed_in(app, "lan")
    finance = test_round.unit_ids["finance"]
    online = {"s_channel": "online", "d_district": "hue"}
    saved = key(client, test_round.round_id, "P-1", finance, online, extra={"q_s_visits": "4"})
    assert saved.status_code == 302
    [response] = paper_responses(app)
    assert "s_visits" not in response.answers
    missing = key(client, test_round.round_id, "P-2", finance, {**IN_PERSON, "s_visits": None})
    assert missing.status_code == 400
    assert 'id="q_s_visits-error"' in missing.text


def test_the_page_script_learns_which_questions_apply(app: Flask) -> None:
    """The visibility endpoint answers, for the answers being keyed, which items apply."""
    test_round = make_round(app)
    client = signed_in(app, "lan")
    page = client.get(key_url(test_round.round_id))
    url = f"{key_url(test_round.round_id)}/visible"
    token = csrf_token(page.text)
    in_person = client.post(url, data={"csrf_token": token, "q_s_channel": "in_person"}).json
    online = client.post(url, data={"csrf_token": token, "q_s_channel": "online"}).json
    assert in_person is not None and online is not None
    assert "s_visits" in in_person["visible"]
    assert "s_visits" not in online["visible"]
    assert client.post(url, data={"q_s_channel": "online"}).status_code == 400


def test_paper_forms_wait_for_the_round_to_open(app: Flask) -> None:
    """A round in preparation takes no paper form."""
    test_round = make_round(app, status=RoundStatus.DRAFT)
    client = signed_in(app, "lan")
    page = client.get(key_url(test_round.round_id), follow_redirects=True)
    assert "Paper forms are keyed once the round has opened." in page.text


def test_a_closed_round_still_takes_its_paper_forms(app: Flask) -> None:
    """Forms filled during fieldwork are keyed after the round closes."""
    test_round = make_round(app, status=RoundStatus.CLOSED)
    client = signed_in(app, "lan")
    saved = key(client, test_round.round_id, "P-9", test_round.unit_ids["justice"])
    assert saved.status_code == 302
    assert [r.form_serial for r in paper_responses(app)] == ["P-9"]


def test_identical_forms_under_two_serials_are_flagged(app: Flask) -> None:
    """Two serials keyed with the same answers show on the round's paper page and in
    ``duplicate_paper_entries``; a form with another answer does not."""
    test_round = make_round(app)
    client = signed_in(app, "lan")
    finance = test_round.unit_ids["finance"]
    key(client, test_round.round_id, "P-1", finance, IN_PERSON)
    key(client, test_round.round_id, "P-2", finance, IN_PERSON)
    key(client, test_round.round_id, "P-3", finance, {**IN_PERSON, "s_visits": "4"})
    with app.app_context():
        [group] = duplicate_paper_entries(test_round.round_id)
    assert group.serials == ("P-1", "P-2")
    page = client.get(f"/staff/rounds/{test_round.round_id}/paper")
    assert "P-1, P-2" in page.text
    assert "Paper forms stored: 3." in page.text
    panel = client.get(f"/staff/rounds/{test_round.round_id}")
    assert "Paper forms stored: 3. Waiting for their second entry: 0." in panel.text
    assert {entry.status for entry in entries(app)} == {PaperEntryStatus.ACCEPTED}


def test_a_paper_form_that_fills_its_cell_closes_the_quota(app: Flask) -> None:
    """A paper form counts toward its frame cell's quota like a web answer: the one that
    reaches it closes the cell."""
    test_round = make_round(app)
    finance = test_round.unit_ids["finance"]
    with app.app_context():
        cell = FrameCell(
            round_id=test_round.round_id,
            unit_id=finance,
            respondent_group="citizen",
            stratum="phu_vang",
            population=100,
            sample_size=2,
            margin_of_error=0.05,
            quota=2,
        )
        db.session.add(cell)
        db.session.commit()
        cell_id = cell.id
    client = signed_in(app, "lan")
    key(client, test_round.round_id, "P-1", finance, IN_PERSON)
    assert _quota_closed(app, cell_id) is False
    key(client, test_round.round_id, "P-2", finance, {**IN_PERSON, "s_visits": "4"})
    assert _quota_closed(app, cell_id) is True


def _quota_closed(app: Flask, cell_id: int) -> bool:
    """Whether the frame cell ``cell_id`` is closed."""
    with app.app_context():
        return db.session.scalars(
            select(FrameCell.quota_closed).where(FrameCell.id == cell_id)
        ).one()
