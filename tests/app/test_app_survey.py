"""The respondent's path through the citizens' survey, over HTTP with the test client."""

from __future__ import annotations

from datetime import date

from app_helpers import (
    CITIZENS,
    complete,
    csrf_token,
    demo,
    fill_pages,
    questionnaire,
    review_form,
    start,
    stored_responses,
)
from flask import Flask
from flask.testing import FlaskClient

from survey_app.models import Draft, db

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"


def test_citizen_completes_the_survey(app: Flask, client: FlaskClient) -> None:
    """Every page, the review and Submit store one response with answers and paradata."""
    demo(app)
    client.environ_base["HTTP_USER_AGENT"] = PHONE
    expected = complete(client)
    [response] = stored_responses(app)
    assert response.answers == expected
    assert response.questionnaire_id == "sipas_citizens"
    assert response.questionnaire_hash == questionnaire().content_hash
    assert response.respondent_group == "citizen"
    assert response.mode == "web"
    assert response.submitted_on == date.today()
    assert len(response.id) == 32
    paradata = response.paradata
    assert paradata["device"] == "mobile"
    visited = {
        page.id
        for page in questionnaire().pages
        if any(item.code in expected for item in page.items)
    }
    assert set(paradata["page_seconds"]) == visited
    assert all(seconds >= 0 for seconds in paradata["page_seconds"].values())
    assert paradata["duration_seconds"] == round(sum(paradata["page_seconds"].values()), 3)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Draft)) == 0
    done = client.get(f"{CITIZENS}/done")
    assert done.status_code == 200


def test_stratum_comes_from_the_answer_named_by_sampling(app: Flask, client: FlaskClient) -> None:
    """The citizens' questionnaire names the district item as stratum."""
    demo(app)
    stratum_item = questionnaire().definition.sampling.stratum
    assert stratum_item is not None
    expected = complete(client)
    [response] = stored_responses(app)
    assert response.stratum == str(expected[stratum_item])
    assert response.cluster is None
    assert response.unit_id is None


def test_hidden_items_are_neither_required_nor_stored(app: Flask, client: FlaskClient) -> None:
    """Online applicants are not asked the number of visits; a value posted anyway is
    dropped, and so is the result date of someone still waiting."""
    demo(app)
    first = start(client)
    location = first.headers["Location"]
    page = client.get(location)
    data = {
        "csrf_token": csrf_token(page.text),
        "action": "next",
        "q_s_respondent": "person",
        "q_s_procedure": "birth",
        "q_s_procedure_other": "should not be kept",
        "q_s_level": "commune",
        "q_s_channel": "online",
        "q_s_visits": "",
        "q_s_result": "not_yet",
        "q_s_result_date": "2024-01-01",
    }
    moved = client.post(location, data=data)
    assert moved.status_code == 302
    assert "/p/service" not in moved.headers["Location"]
    with app.app_context():
        draft = db.session.scalars(db.select(Draft)).one()
        assert draft.answers == {
            "s_respondent": "person",
            "s_procedure": "birth",
            "s_level": "commune",
            "s_channel": "online",
            "s_result": "not_yet",
        }


def test_errors_are_shown_and_answers_kept(app: Flask, client: FlaskClient) -> None:
    """A missing required answer and an unreadable number are listed at the top, linked,
    shown next to their fields, and everything typed stays on the page."""
    demo(app)
    location = start(client).headers["Location"]
    page = client.get(location)
    posted = client.post(
        location,
        data={
            "csrf_token": csrf_token(page.text),
            "action": "next",
            "q_s_respondent": "organisation",
            "q_s_procedure": "land",
            "q_s_level": "district",
            "q_s_channel": "in_person",
            "q_s_visits": "ba",
        },
    )
    assert posted.status_code == 200
    html = posted.text
    assert 'class="error-summary"' in html
    assert 'href="#q_s_result-on_time"' in html
    assert 'href="#q_s_visits"' in html
    assert 'id="q_s_visits-error"' in html
    assert "Vui lòng trả lời câu hỏi này." in html
    assert 'value="organisation" checked' in html
    assert 'value="land" checked' in html
    assert 'name="q_s_visits" value="ba"' in html
    with app.app_context():
        assert db.session.scalars(db.select(Draft)).one().answers == {}


def test_out_of_range_number_uses_the_loader_message(app: Flask, client: FlaskClient) -> None:
    """Bounds come from the definition: 25 visits is more than the maximum of 20."""
    demo(app)
    location = start(client).headers["Location"]
    page = client.get(location)
    posted = client.post(
        location,
        data={
            "csrf_token": csrf_token(page.text),
            "q_s_respondent": "person",
            "q_s_procedure": "birth",
            "q_s_level": "commune",
            "q_s_channel": "in_person",
            "q_s_visits": "25",
            "q_s_result": "not_yet",
        },
    )
    assert posted.status_code == 200
    assert "Giá trị không được lớn hơn 20." in posted.text


def test_failed_csrf_token_keeps_the_answers(app: Flask, client: FlaskClient) -> None:
    """A page posted with a stale token comes back with the answers and a clear message, and
    posting again with the fresh token moves on."""
    demo(app)
    location = start(client).headers["Location"]
    data = {
        "csrf_token": "stale-token",
        "action": "next",
        "q_s_respondent": "person",
        "q_s_procedure": "marriage",
        "q_s_level": "commune",
        "q_s_channel": "post",
        "q_s_result": "not_yet",
    }
    posted = client.post(location, data=data)
    assert posted.status_code == 200
    assert "Phiên làm việc đã hết hạn nên chưa thể nhận phiếu." in posted.text
    assert 'value="marriage" checked' in posted.text
    assert 'value="post" checked' in posted.text
    data["csrf_token"] = csrf_token(posted.text)
    again = client.post(location, data=data)
    assert again.status_code == 302


def test_review_lists_answers_and_change_returns_to_review(app: Flask, client: FlaskClient) -> None:
    """The review shows each visible answer in words with a change link that comes back."""
    demo(app)
    fill_pages(client, start(client), questionnaire(), {"s_procedure": "building"})
    review = client.get(f"{CITIZENS}/review")
    assert review.status_code == 200
    assert "Cấp giấy phép xây dựng" in review.text
    change = f"{CITIZENS}/p/service?from=review#q_s_procedure"
    assert f'href="{change}"' in review.text
    page = client.get(f"{CITIZENS}/p/service?from=review")
    assert 'name="from" value="review"' in page.text
    data = {
        "csrf_token": csrf_token(page.text),
        "from": "review",
        "q_s_respondent": "person",
        "q_s_procedure": "marriage",
        "q_s_level": "commune",
        "q_s_channel": "post",
        "q_s_result": "not_yet",
    }
    back = client.post(f"{CITIZENS}/p/service", data=data)
    assert back.headers["Location"].endswith("/review")
    assert "Đăng ký kết hôn" in client.get(f"{CITIZENS}/review").text


def test_submit_refuses_missing_answers(app: Flask, client: FlaskClient) -> None:
    """Jumping to the review before answering lists what is missing and stores nothing."""
    demo(app)
    start(client)
    form = review_form(client)
    refused = client.post(f"{CITIZENS}/submit", data=form)
    assert refused.status_code == 200
    assert 'class="error-summary"' in refused.text
    assert stored_responses(app) == []


def test_pages_work_without_javascript_and_load_no_external_resource(
    app: Flask, client: FlaskClient
) -> None:
    """Same-page dependent questions are in the HTML; every resource is served locally."""
    demo(app)
    page = client.get(start(client).headers["Location"])
    html = page.text
    assert 'data-item="s_visits" data-conditional="hidden"' in html
    assert "http://" not in html and "https://" not in html
    assert "<script>" not in html and "style=" not in html
    assert 'lang="vi"' in html
    assert "Trang 1/" in html
