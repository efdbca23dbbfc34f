"""The one way to write the audit trail: :func:`record_audit`, inside the change's transaction.

Every staff action that changes data calls ``record_audit`` before committing, so the change and
its event are stored together or not at all::

    before = audit.state(round_, "status")
    round_.status = RoundStatus.OPEN
    record_audit("round.open", round_, before=before, after=audit.state(round_, "status"))
    db.session.commit()

The acting user is the signed-in account (None for the command line and the system). The
object is given as a model instance (type = its table, id = its primary key; a ``round_id``
attribute, or the round itself, fills the round) or as ``object_type``/``object_id``. Details
are JSON: ``before`` and ``after`` states plus any context. Respondent data never goes in:
keys such as ``answers`` or ``paradata`` are refused with :class:`AuditDataError`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import inspect

from survey_app.models import AuditEvent, Base, Round, User, db

FORBIDDEN_KEYS = frozenset(
    {
        "answers",
        "paradata",
        "code_hash",
        "invitation_code",
        "resume_code",
        "password",
        "password_hash",
    }
)
"""Detail keys that would carry respondent data or secrets."""


class Actor(enum.Enum):
    """Who acts when no account is passed: the signed-in user."""

    CURRENT_USER = "current user"


class AuditDataError(ValueError):
    """The details of an audit event hold something they must not (respondent data, secrets),
    or something that is not JSON."""


def jsonable(value: Any) -> Any:
    """``value`` as JSON-ready data: dates as ISO text, enums as their value, tuples as lists."""
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(item) for item in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise AuditDataError(f"cannot record a {type(value).__name__} in the audit trail")


def _check_keys(value: Any, path: str) -> None:
    """Refuse forbidden keys anywhere in ``value``."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if str(key) in FORBIDDEN_KEYS:
                raise AuditDataError(f"audit details must not hold {path}{key}")
            _check_keys(item, f"{path}{key}.")
    elif isinstance(value, list):
        for item in value:
            _check_keys(item, path)


def state(obj: Base, *fields: str) -> dict[str, Any]:
    """The JSON-ready values of ``fields`` of ``obj`` (for ``before``/``after``)."""
    return {field: jsonable(getattr(obj, field)) for field in fields}


def _actor_id() -> int | None:
    """The signed-in account's id, or None outside a request or when nobody is signed in."""
    if has_request_context() and current_user.is_authenticated:
        user_id: int = current_user.id
        return user_id
    return None


def _identity(obj: Base) -> tuple[str, str, int | None]:
    """Table name, primary key (flushing a new object to get it) and round of ``obj``."""
    identity = inspect(obj).identity
    if identity is None:
        db.session.flush()
        identity = inspect(obj).identity
    assert identity is not None
    key = ":".join(str(part) for part in identity)
    if isinstance(obj, Round):
        round_id: int | None = obj.id
    else:
        round_id = getattr(obj, "round_id", None)
    return str(obj.__tablename__), key, round_id


def record_audit(
    action: str,
    obj: Base | None = None,
    *,
    object_type: str | None = None,
    object_id: str | int | None = None,
    round_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
    actor: User | Actor | None = Actor.CURRENT_USER,
) -> AuditEvent:
    """Add an audit event to the session (the caller commits it with the change).

    ``action`` is ``<object>.<verb>`` (``round.open``, ``units.import``); ``actor`` defaults to
    the signed-in account; pass ``actor=None`` for the system.
    """
    if obj is not None:
        object_type, key, own_round = _identity(obj)
        object_id = key
        round_id = round_id if round_id is not None else own_round
    payload: dict[str, Any] = {}
    if before is not None:
        payload["before"] = jsonable(before)
    if after is not None:
        payload["after"] = jsonable(after)
    if details is not None:
        payload.update(jsonable(details))
    _check_keys(payload, "")
    if actor is Actor.CURRENT_USER:
        user_id = _actor_id()
    else:
        user_id = actor.id if isinstance(actor, User) else None
    event = AuditEvent(
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        round_id=round_id,
        user_id=user_id,
        details=payload,
    )
    db.session.add(event)
    return event
