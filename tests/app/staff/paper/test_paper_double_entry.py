"""Double entry: two people key the same serial independently; agreeing entries are stored
as one response, differing ones wait on a mismatch report until a third person chooses each
value from the paper (audited); the keyers cannot resolve their own entries."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey_app.models import AuditEvent, PaperEntryStatus, Role, db
from tests.app.staff.invitations.invitation_helpers import make_round, signed_in
from tests.app.staff.paper.paper_helpers import (
    entries,
    expected_answers,
    key,
    paper_responses,
)
from tests.app.staff.staff_helpers import csrf_token

IN_PERSON = {"s_channel": "in_person", "s_visits": "3", "d_district": "phu_vang"}


def _report_url(round_id: int, serial: str) -> str:
    """The mismatch report of a serial."""
    return f"/staff/rounds/{round_id}/paper/forms/{serial}"


def _resolve(client: FlaskClient, url: str, choices: dict[str, str]) -> str:
    """Post the report's choices; the page that follows (after any redirect)."""
    page = client.get(url)
    data = {"csrf_token": csrf_token(page.text)}
    data.update({f"choice_{key}": value for key, value in choices.items()})
    return client.post(url, data=data, follow_redirects=True).text


def test_agreeing_entries_are_stored_once(app: Flask) -> None:
    """The first entry waits (listed on the round's page, not stored); its keyer cannot key
    the second; another person's identical entry stores the form."""
    test_round = make_round(app, double_entry=True)
    lan, minh = signed_in(app, "lan"), signed_in(app, "minh")
    finance = test_round.unit_ids["finance"]
    first = key(lan, test_round.round_id, "P-7", finance, IN_PERSON)
    assert first.status_code == 302
    assert "First entry of form P-7 saved." in lan.get(first.headers["Location"]).text
    assert paper_responses(app) == []
    waiting = lan.get(f"/staff/rounds/{test_round.round_id}/paper").text
    assert "Waiting for the second entry" in waiting and "P-7" in waiting
    own = key(lan, test_round.round_id, "P-7", finance, IN_PERSON)
    assert own.status_code == 409
    assert "You keyed the first entry of form P-7" in own.text
    second = key(minh, test_round.round_id, "p-7", finance, IN_PERSON)
    assert second.status_code == 302
    assert "The two entries of form P-7 agree" in minh.get(second.headers["Location"]).text
    [response] = paper_responses(app)
    assert (response.form_serial, response.mode) == ("P-7", "paper")
    assert response.answers == expected_answers(IN_PERSON)
    assert [(e.entry_number, e.status) for e in entries(app)] == [
        (1, PaperEntryStatus.ACCEPTED),
        (2, PaperEntryStatus.ACCEPTED),
    ]
    third = key(signed_in(app, "hoa", Role.ADMIN), test_round.round_id, "P-7", finance)
    assert third.status_code == 409
    assert "Form P-7 has already been keyed and stored in this round." in third.text


def test_differing_entries_are_reported_and_resolved_by_a_third_person(app: Flask) -> None:
    """Entries differing in the unit and one answer are compared item by item; the report
    lists both differences with both values in words; the keyers may not resolve; a third
    person's choices store the form with those values, audited."""
    test_round = make_round(app, double_entry=True)
    lan, minh = signed_in(app, "lan"), signed_in(app, "minh")
    hoa = signed_in(app, "hoa", Role.ADMIN)
    finance, justice = test_round.unit_ids["finance"], test_round.unit_ids["justice"]
    key(lan, test_round.round_id, "P-8", finance, IN_PERSON)
    second = key(minh, test_round.round_id, "P-8", justice, {**IN_PERSON, "s_visits": "5"})
    url = _report_url(test_round.round_id, "P-8")
    assert second.headers["Location"] == url
    assert paper_responses(app) == []
    assert {e.status for e in entries(app)} == {PaperEntryStatus.MISMATCH}
    report = minh.get(url).text
    assert "The two entries of form P-8 differ" in report
    assert "Unit finance (finance)" in report and "Unit justice (justice)" in report
    assert "3 times" in report and "5 times" in report
    assert "you cannot resolve them" in report
    refused = _resolve(lan, url, {"unit": "1", "s_visits": "2"})
    assert "You keyed one of the entries of form P-8" in refused
    assert paper_responses(app) == []
    incomplete = _resolve(hoa, url, {"unit": "1"})
    assert "Choose the right value of every difference of form P-8." in incomplete
    done = _resolve(hoa, url, {"unit": "1", "s_visits": "2"})
    assert "The differences of form P-8 are resolved" in done
    [response] = paper_responses(app)
    assert response.unit_id == finance
    assert response.answers == expected_answers({**IN_PERSON, "s_visits": "5"})
    assert {e.status for e in entries(app)} == {PaperEntryStatus.ACCEPTED}
    with app.app_context():
        events = {
            e.action: e.details
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action.startswith("paper_entry."))
            )
        }
    assert events["paper_entry.mismatch"]["items"] == ["unit", "s_visits"]
    assert events["paper_entry.resolve"]["chosen"] == {"unit": 1, "s_visits": 2}
    assert events["paper_entry.accept"]["how"] == "resolved"


def test_chosen_values_must_make_a_valid_form(app: Flask) -> None:
    """Choosing "in person" from one entry and no number of visits from the other breaks the
    questionnaire's rules: refused, nothing stored, the report stays."""
    test_round = make_round(app, double_entry=True)
    lan, minh = signed_in(app, "lan"), signed_in(app, "minh")
    hoa = signed_in(app, "hoa", Role.ADMIN)
    finance = test_round.unit_ids["finance"]
    key(lan, test_round.round_id, "P-9", finance, IN_PERSON)
    online = {**IN_PERSON, "s_channel": "online", "s_visits": None}
    key(minh, test_round.round_id, "P-9", finance, online)
    url = _report_url(test_round.round_id, "P-9")
    others = _rating_differences(app)
    refused = _resolve(hoa, url, {"s_channel": "1", "s_visits": "2", **dict.fromkeys(others, "1")})
    assert "do not make a valid questionnaire together (s_visits)" in refused
    assert paper_responses(app) == []
    done = _resolve(hoa, url, dict.fromkeys(("s_channel", "s_visits", *others), "2"))
    assert "are resolved" in done
    [response] = paper_responses(app)
    assert response.answers["s_channel"] == "online"
    assert "s_visits" not in response.answers


def _rating_differences(app: Flask) -> list[str]:
    """The other items the two entries of P-9 differ on (questions asked only in person or
    only online)."""
    first, second = entries(app)
    keys = set(first.answers) | set(second.answers)
    return sorted(
        code
        for code in keys
        if code not in ("s_channel", "s_visits")
        and first.answers.get(code) != second.answers.get(code)
    )


def test_a_second_entry_must_use_the_first_entrys_questionnaire(app: Flask) -> None:
    """A serial first keyed as the citizens' form cannot be keyed again as the leaders'."""
    test_round = make_round(app, double_entry=True)
    lan, minh = signed_in(app, "lan"), signed_in(app, "minh")
    finance = test_round.unit_ids["finance"]
    key(lan, test_round.round_id, "P-10", finance, IN_PERSON)
    other = key(minh, test_round.round_id, "P-10", finance, questionnaire_id="par_leaders")
    assert other.status_code == 409
    assert "Form P-10 was first keyed as another questionnaire." in other.text
