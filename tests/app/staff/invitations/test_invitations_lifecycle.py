"""After issuing: counts per batch (issued, opened, used, expired, revoked) from the codes'
states alone, revoking a batch, replacing a code read from its paper or lost with it, expiring
codes when the round closes or by hand, and renewing them."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey_app.invitations import code_hash
from survey_app.models import AuditEvent, Invitation, InvitationBatch, RoundStatus, db
from survey_app.staff.invitations_batches import BatchCounts, batch_counts
from tests.app.staff.invitations.invitation_helpers import (
    LEADERS,
    SetUpRound,
    answer_with_code,
    issue,
    make_round,
    respondent,
    shown_codes,
    signed_in,
)
from tests.app.staff.staff_helpers import csrf_token, post_form


def _batch_ids(app: Flask) -> list[int]:
    """Every batch's id, in issuing order."""
    with app.app_context():
        return list(db.session.scalars(select(InvitationBatch.id).order_by(InvitationBatch.id)))


def _counts(app: Flask, batch_id: int) -> BatchCounts:
    """A batch's counts."""
    with app.app_context():
        return batch_counts(batch_id)


def _status(app: Flask, code: str) -> str:
    """The stored status of ``code``; ``gone`` once used (its row is deleted with its use)."""
    with app.app_context():
        status = db.session.scalars(
            select(Invitation.status).where(Invitation.code_hash == code_hash(code))
        ).first()
        return "gone" if status is None else status


def _actions(app: Flask) -> list[str]:
    """The invitation audit actions, oldest first."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.startswith("invitation"))
                .order_by(AuditEvent.id)
            )
        )


def _batch_url(test_round: SetUpRound, batch_id: int, action: str = "") -> str:
    """A batch's page, or one of its actions."""
    url = f"/staff/rounds/{test_round.round_id}/invitations/batches/{batch_id}"
    return f"{url}/{action}" if action else url


def _act(client: FlaskClient, test_round: SetUpRound, batch_id: int, action: str) -> str:
    """Press a batch's action button; the page it leads to."""
    page = _batch_url(test_round, batch_id)
    data = {"confirm": "y"} if action == "revoke" else {}
    done = post_form(client, page, data, _batch_url(test_round, batch_id, action))
    if done.status_code == 302:
        return client.get(done.headers["Location"]).text
    return done.text


def test_counts_follow_opening_and_use(app: Flask) -> None:
    """A code typed on the entry form counts as opened (once, a flag without a day); a code
    used to send the questionnaire counts as used, its row gone; the round page's panel sums
    them up."""
    test_round = make_round(app)
    staff = signed_in(app, "lan")
    codes = shown_codes(issue(staff, test_round, units=("finance",), size=3))
    [batch_id] = _batch_ids(app)
    assert _counts(app, batch_id) == BatchCounts(issued=3)
    browser = respondent(app)
    home = browser.get("/")
    typed = browser.post("/code", data={"csrf_token": csrf_token(home.text), "code": codes[0]})
    assert typed.headers["Location"] == f"{LEADERS}/continue"
    browser.post("/code", data={"csrf_token": csrf_token(home.text), "code": codes[0]})
    assert _counts(app, batch_id) == BatchCounts(issued=3, opened=1, opened_unused=1)
    with app.app_context():
        opened = db.session.scalars(
            select(Invitation.opened).where(Invitation.code_hash == code_hash(codes[0]))
        ).one()
        assert opened is True
    answer_with_code(respondent(app), codes[1])
    assert _status(app, codes[1]) == "gone"
    counts = _counts(app, batch_id)
    assert (counts.issued, counts.opened, counts.used, counts.unused) == (3, 2, 1, 2)
    panel = staff.get(f"/staff/rounds/{test_round.round_id}").text
    assert "Codes issued: 3. Opened: 2; used: 1; expired: 0; revoked: 0." in panel


def test_revoking_a_batch_withdraws_its_unused_codes(app: Flask) -> None:
    """Revocation needs its tick; then every unused code is revoked (a used one stays used),
    a revoked code is refused at entry, and the batch takes no further change."""
    test_round = make_round(app)
    staff = signed_in(app, "lan")
    codes = shown_codes(issue(staff, test_round, units=("finance",), size=3))
    [batch_id] = _batch_ids(app)
    answer_with_code(respondent(app), codes[0])
    unconfirmed = post_form(
        staff, _batch_url(test_round, batch_id), {}, _batch_url(test_round, batch_id, "revoke")
    )
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm the revocation." in unconfirmed.text
    page = _act(staff, test_round, batch_id, "revoke")
    assert "The batch is revoked. Unused codes that stopped working: 2." in page
    assert [_status(app, code) for code in codes] == ["gone", "revoked", "revoked"]
    refused = respondent(app).get(f"/i/{codes[1]}", follow_redirects=True)
    assert "This code is no longer valid. Ask the survey team for a new one." in refused.text
    again = _act(staff, test_round, batch_id, "replace")
    assert "This batch has been revoked; nothing can change in it." in again
    with app.app_context():
        batch = db.session.get(InvitationBatch, batch_id)
        assert batch is not None and batch.revoked_at is not None
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "invitation_batch.revoke")
        ).one()
        assert event.details["before"]["revoked"] == 0
        assert event.details["after"]["revoked"] == 2


def test_a_code_read_from_its_paper_is_revoked_and_replaced(app: Flask) -> None:
    """Typing the code of a doubtful paper revokes it and shows one new code of the same
    batch (whose size grows by one); the old code no longer opens, the new one does."""
    test_round = make_round(app)
    staff = signed_in(app, "lan")
    codes = shown_codes(issue(staff, test_round, units=("justice",), size=2))
    [batch_id] = _batch_ids(app)
    replaced = post_form(
        staff,
        f"/staff/rounds/{test_round.round_id}/invitations",
        {"code": codes[1].lower().replace("-", " ")},
        f"/staff/rounds/{test_round.round_id}/invitations/replace",
    )
    assert replaced.status_code == 200
    assert "Replacement code issued" in replaced.text
    [new] = shown_codes(replaced)
    assert new not in codes
    assert _status(app, codes[1]) == "revoked"
    assert _status(app, new) == "issued"
    counts = _counts(app, batch_id)
    assert (counts.issued, counts.revoked, counts.unused) == (3, 1, 2)
    with app.app_context():
        batch = db.session.get(InvitationBatch, batch_id)
        assert batch is not None and batch.size == 3
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "invitation_batch.replace")
        ).one()
        assert event.details["found_by"] == "code"
        assert (event.details["before"]["size"], event.details["after"]["size"]) == (2, 3)
    assert respondent(app).get(f"/i/{new}").headers["Location"] == f"{LEADERS}/continue"
    twice = post_form(
        staff,
        f"/staff/rounds/{test_round.round_id}/invitations",
        {"code": codes[1]},
        f"/staff/rounds/{test_round.round_id}/invitations/replace",
    )
    assert twice.status_code == 400
    assert "This code has already been revoked." in twice.text
    unknown = post_form(
        staff,
        f"/staff/rounds/{test_round.round_id}/invitations",
        {"code": "0000-0000-0000-0000-0000-0000-00"},
        f"/staff/rounds/{test_round.round_id}/invitations/replace",
    )
    refusal = "No unused code of this round matches: check the code against the paper."
    assert refusal in unknown.text
    answer_with_code(respondent(app), new)
    used = post_form(
        staff,
        f"/staff/rounds/{test_round.round_id}/invitations",
        {"code": new},
        f"/staff/rounds/{test_round.round_id}/invitations/replace",
    )
    assert used.status_code == 400
    assert refusal in used.text
    assert "A code already used to answer is no longer stored." in used.text


def test_a_code_lost_with_its_paper_gets_a_replacement_in_its_batch(app: Flask) -> None:
    """Without the paper, the batch issues one more code (shown once); nothing is revoked."""
    test_round = make_round(app)
    staff = signed_in(app, "lan")
    codes = shown_codes(issue(staff, test_round, units=("justice",), size=2))
    [batch_id] = _batch_ids(app)
    page = _act(staff, test_round, batch_id, "replace")
    [new] = shown_codes(page)
    assert new not in codes
    assert _counts(app, batch_id) == BatchCounts(issued=3)
    assert _actions(app)[-1] == "invitation_batch.replace"


def test_closing_the_round_expires_unused_codes(app: Flask) -> None:
    """Closing expires every unused code in the same transaction (audited); reopening leaves
    them expired until the batch is renewed, and the renewed codes open again."""
    test_round = make_round(app)
    staff = signed_in(app, "lan")
    codes = shown_codes(issue(staff, test_round, units=("finance",), size=2))
    [batch_id] = _batch_ids(app)
    answer_with_code(respondent(app), codes[0])
    round_page = f"/staff/rounds/{test_round.round_id}"
    closed = post_form(staff, round_page, {}, f"{round_page}/status/close")
    assert closed.status_code == 302
    assert [_status(app, code) for code in codes] == ["gone", "expired"]
    assert "invitations.expire" in _all_actions(app)
    refused = _act(staff, test_round, batch_id, "renew")
    assert "The round is closed (or past its closing date)" in refused
    post_form(staff, round_page, {}, f"{round_page}/status/reopen")
    assert _status(app, codes[1]) == "expired"
    renewed = _act(staff, test_round, batch_id, "renew")
    assert "Expired codes of the batch valid again: 1." in renewed
    assert _status(app, codes[1]) == "issued"
    assert respondent(app).get(f"/i/{codes[1]}").headers["Location"] == f"{LEADERS}/continue"


def _all_actions(app: Flask) -> list[str]:
    """Every audit action, oldest first."""
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_batch_expires_by_hand(app: Flask) -> None:
    """Expiring a batch ends its unused codes (audited); a second time there is none left."""
    test_round = make_round(app)
    staff = signed_in(app, "lan")
    codes = shown_codes(issue(staff, test_round, units=("finance",), size=2))
    [batch_id] = _batch_ids(app)
    page = _act(staff, test_round, batch_id, "expire")
    assert "Unused codes of the batch now expired: 2." in page
    assert {_status(app, code) for code in codes} == {"expired"}
    assert _counts(app, batch_id).expired == 2
    again = _act(staff, test_round, batch_id, "expire")
    assert "This batch has no unused code to expire." in again
    assert _actions(app)[-1] == "invitation_batch.expire"


def test_a_draft_round_may_prepare_codes_that_open_only_once_it_opens(app: Flask) -> None:
    """Codes issued before the round opens are refused as not open, then work."""
    test_round = make_round(app, status=RoundStatus.DRAFT)
    staff = signed_in(app, "lan")
    [code] = shown_codes(issue(staff, test_round, units=("finance",), size=1))
    early = respondent(app).get(f"/i/{code}", follow_redirects=True)
    assert "The survey for this code is not open." in early.text
    round_page = f"/staff/rounds/{test_round.round_id}"
    post_form(staff, round_page, {}, f"{round_page}/status/open")
    assert respondent(app).get(f"/i/{code}").headers["Location"] == f"{LEADERS}/continue"
