"""Drafts: answers in progress on the server, found through the id in the session cookie.

A draft lives ``DRAFT_LIFETIME`` (30 days by default) after its last save. Its one-time
submission key makes submitting idempotent; its resume code (shown once, stored as a keyed
hash) lets the respondent continue on another day or device.

Requests read a draft as a :class:`LiveDraft`, one row's plain values, and write it with single
statements built once (:data:`_SAVE_PAGE`): drafts are the hottest rows of a survey, read by
nearly every respondent request and written by every page posted, so they skip the ORM's
object loading, change tracking and flush (ADR 0003, addendum).

Time on a page runs from the moment it is sent (:func:`mark_shown`, kept in the signed session
cookie so that showing a page writes nothing to the database) to the moment its answers are
saved (:func:`save`) in the same session; a page saved without a matching mark (another
device, a page posted from an older copy) adds no time.

When a page's answers cannot be saved because the database is unavailable for a moment
(``survey_app.errors``), they are kept in the signed session cookie instead
(:func:`keep_unsaved`): the page shows them again (:func:`unsaved`) so that sending it once
more saves them, after which the cookie copy is dropped (:func:`save`). Only the one page is
kept, and only while the cookie stays under :data:`MAX_COOKIE_BYTES`; it never reaches the
database by any other way than the respondent sending the page.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from flask import current_app, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import Select, Table, bindparam, delete, insert, select, update

from survey_app import codes
from survey_app.models import Draft, Invitation, db
from survey_app.models.base import utcnow
from survey_app.paradata import add_page_time

SESSION_KEY = "draft"
SHOWN_KEY = "shown"
"""Session key of the page on screen and when it was sent: ``[page id, Unix time]``."""
UNSAVED_KEY = "unsaved"
"""Session key of the answers of a page that could not be saved."""

MAX_COOKIE_BYTES = 3_800
"""The largest signed session cookie kept with unsaved answers (browsers refuse 4 KiB)."""


@dataclass(frozen=True)
class LiveDraft:
    """A live draft as stored: what the respondent's requests read of it."""

    id: str
    offer_id: int
    answers: dict[str, Any]
    page_seconds: dict[str, float]
    current_page: str | None
    submission_key: str
    invitation_id: int | None


_drafts = cast(Table, Draft.__table__)
_LIVE = select(
    _drafts.c.id,
    _drafts.c.round_questionnaire_id,
    _drafts.c.answers,
    _drafts.c.page_seconds,
    _drafts.c.current_page,
    _drafts.c.submission_key,
    _drafts.c.invitation_id,
).where(_drafts.c.expires_at >= bindparam("now"))
"""The live drafts, to be narrowed by a further condition."""

_BY_ID = _LIVE.where(_drafts.c.id == bindparam("draft_id"))

_SAVE_PAGE = (
    update(_drafts)
    .where(_drafts.c.id == bindparam("draft_id"))
    .values(
        answers=bindparam("saved_answers"),
        page_seconds=bindparam("saved_page_seconds"),
        current_page=bindparam("saved_current_page"),
        expires_at=bindparam("saved_expires_at"),
    )
)
"""One page's save: a single UPDATE of the draft's row."""


def _first_live(statement: Select[Any], **parameters: Any) -> LiveDraft | None:
    """The first live draft ``statement`` (a narrowing of :data:`_LIVE`) finds, if any."""
    row = db.session.execute(statement, {"now": utcnow(), **parameters}).first()
    return LiveDraft(*row) if row is not None else None


def _lifetime() -> timedelta:
    """How long an untouched draft is kept."""
    lifetime: timedelta = current_app.config["DRAFT_LIFETIME"]
    return lifetime


def purge_expired(now: datetime) -> int:
    """Delete drafts past their expiry; returns how many went."""
    result = db.session.execute(delete(Draft).where(Draft.expires_at < now))
    return int(getattr(result, "rowcount", 0) or 0)


def start(offer_id: int, invitation: Invitation | None = None) -> LiveDraft:
    """Create, store and remember a new draft for the offer ``offer_id``."""
    now = utcnow()
    purge_expired(now)
    draft = LiveDraft(
        id=secrets.token_hex(16),
        offer_id=offer_id,
        answers={},
        page_seconds={},
        current_page=None,
        submission_key=secrets.token_hex(16),
        invitation_id=invitation.id if invitation is not None else None,
    )
    db.session.execute(
        insert(_drafts).values(
            id=draft.id,
            round_questionnaire_id=offer_id,
            answers=draft.answers,
            page_seconds=draft.page_seconds,
            submission_key=draft.submission_key,
            invitation_id=draft.invitation_id,
            created_at=now,
            expires_at=now + _lifetime(),
        )
    )
    db.session.commit()
    remember(draft)
    return draft


def remember(draft: LiveDraft) -> None:
    """Put the draft id, and nothing else about it, in the session."""
    session[SESSION_KEY] = draft.id
    session.pop(SHOWN_KEY, None)
    session.permanent = True


def forget() -> None:
    """Drop the draft id, and any answers kept for it, from the session."""
    session.pop(SESSION_KEY, None)
    session.pop(UNSAVED_KEY, None)
    session.pop(SHOWN_KEY, None)


def current(offer_id: int) -> LiveDraft | None:
    """The session's live draft for the offer ``offer_id``, if any."""
    draft_id = session.get(SESSION_KEY)
    if not isinstance(draft_id, str):
        return None
    draft = _first_live(_BY_ID, draft_id=draft_id)
    if draft is None or draft.offer_id != offer_id:
        return None
    return draft


def of_invitation(invitation: Invitation) -> LiveDraft | None:
    """The live draft already opened with ``invitation``, if any."""
    return _first_live(_LIVE.where(_drafts.c.invitation_id == invitation.id))


def invitation_of(draft: LiveDraft) -> Invitation | None:
    """The invitation ``draft`` was opened with, while it is still issued and linked."""
    if draft.invitation_id is None:
        return None
    return db.session.get(Invitation, draft.invitation_id)


def mark_shown(page_id: str) -> None:
    """Record in the session that ``page_id`` is on screen from now on (the start of its
    timing); nothing is written to the database."""
    session[SHOWN_KEY] = [page_id, time.time()]


def _shown_since(page_id: str) -> datetime | None:
    """When ``page_id`` was shown in this session (UTC, naive), if it is the page the session
    showed last."""
    shown = session.get(SHOWN_KEY)
    if (
        not isinstance(shown, list)
        or len(shown) != 2
        or shown[0] != page_id
        or not isinstance(shown[1], int | float)
    ):
        return None
    return datetime.fromtimestamp(shown[1], UTC).replace(tzinfo=None)


def save(draft: LiveDraft, page_id: str, answers: dict[str, Any], next_page: str | None) -> None:
    """Store ``answers`` (already merged and pruned), the time spent on ``page_id`` and where
    the respondent goes next; extends the draft's life. ``draft`` is not changed: read the
    draft again for the stored values."""
    now = utcnow()
    shown_at = _shown_since(page_id)
    page_seconds = draft.page_seconds
    if shown_at is not None:
        page_seconds = add_page_time(page_seconds, page_id, shown_at, now)
    db.session.execute(
        _SAVE_PAGE,
        {
            "draft_id": draft.id,
            "saved_answers": answers,
            "saved_page_seconds": page_seconds,
            "saved_current_page": next_page,
            "saved_expires_at": now + _lifetime(),
        },
    )
    db.session.commit()
    session.pop(UNSAVED_KEY, None)
    session.pop(SHOWN_KEY, None)


def keep_unsaved(draft_id: str, page_id: str, page_answers: dict[str, Any]) -> bool:
    """Keep ``page_answers`` of ``page_id`` in the session cookie because the database could
    not store them; False (and a warning logged) when the cookie would grow too large."""
    session[UNSAVED_KEY] = {"draft": draft_id, "page": page_id, "answers": page_answers}
    interface = current_app.session_interface
    serializer = (
        interface.get_signing_serializer(current_app)
        if isinstance(interface, SecureCookieSessionInterface)
        else None
    )
    size = len(serializer.dumps(dict(session))) if serializer is not None else 0
    if size > MAX_COOKIE_BYTES:
        session.pop(UNSAVED_KEY, None)
        current_app.logger.warning(
            "answers of page %s not kept in the session: %d bytes signed, over %d",
            page_id,
            size,
            MAX_COOKIE_BYTES,
        )
        return False
    return True


def unsaved(draft: LiveDraft, page_id: str) -> dict[str, Any] | None:
    """The answers of ``page_id`` kept in the session for ``draft``, if any."""
    kept = session.get(UNSAVED_KEY)
    if not isinstance(kept, dict) or kept.get("draft") != draft.id or kept.get("page") != page_id:
        return None
    answers = kept.get("answers")
    return answers if isinstance(answers, dict) else None


def has_unsaved() -> bool:
    """Whether the session keeps answers that could not be saved."""
    return UNSAVED_KEY in session


def issue_resume_code(draft: LiveDraft) -> str:
    """A new resume code for ``draft`` (replacing any earlier one); only its hash is kept."""
    code = codes.generate(codes.RESUME_CODE_LENGTH)
    digest = codes.code_hash(current_app.config["CODE_HMAC_KEY"], codes.CodePurpose.RESUME, code)
    db.session.execute(
        update(_drafts).where(_drafts.c.id == draft.id).values(resume_code_hash=digest)
    )
    db.session.commit()
    return code


def find_by_resume_code(entered: str) -> LiveDraft | None:
    """The live draft a typed resume code opens, if any."""
    if not codes.is_well_formed(entered, codes.RESUME_CODE_LENGTH):
        return None
    digest = codes.code_hash(current_app.config["CODE_HMAC_KEY"], codes.CodePurpose.RESUME, entered)
    return _first_live(_LIVE.where(_drafts.c.resume_code_hash == digest))
