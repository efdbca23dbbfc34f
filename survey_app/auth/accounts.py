"""Staff accounts: creating, changing, re-passwording and deactivating them, each with its audit
event in the caller's transaction.

Usernames are lower case (3–64 of ``a–z 0–9 . _ -``, starting with a letter or digit). A unit
officer needs a unit and nobody else may have one. The last active administrator can be
neither demoted nor deactivated. Changing an account's role, unit or active flag, or its
password, ends its sessions. Errors are :class:`AccountError` with a translated message and the
form field at fault.
"""

from __future__ import annotations

import re

from flask_babel import gettext
from sqlalchemy import func, select

from survey_app.audit import record_audit, state
from survey_app.auth.passwords import hash_password, password_problem
from survey_app.models import Role, Unit, User, db

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
"""What a (lower-cased) username may look like."""

DISPLAY_NAME_LENGTH = 255

ACCOUNT_FIELDS: tuple[str, ...] = ("username", "display_name", "role", "unit_id", "active")
"""The account fields an audit event shows (never the password hash)."""


class AccountError(ValueError):
    """An account change that cannot be made; ``field`` is the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        """Keep the message and the field."""
        super().__init__(message)
        self.message = message
        self.field = field


def normalise_username(username: str) -> str:
    """The stored form of a typed username: trimmed and lower case."""
    return username.strip().lower()


def find_user(username: str) -> User | None:
    """The account with ``username`` (typed in any case), or None."""
    return db.session.scalars(
        select(User).where(User.username == normalise_username(username))
    ).first()


def _check_profile(display_name: str, role: str, unit: Unit | None) -> None:
    """Refuse a blank or long display name, an unknown role, and a unit for the wrong role."""
    if not display_name.strip():
        raise AccountError(gettext("Enter the person's name."), "display_name")
    if len(display_name) > DISPLAY_NAME_LENGTH:
        raise AccountError(
            gettext("The name must have at most %(count)d characters.", count=DISPLAY_NAME_LENGTH),
            "display_name",
        )
    if role not in tuple(Role):
        raise AccountError(gettext("Choose a role."), "role")
    if role == Role.UNIT_OFFICER and unit is None:
        raise AccountError(gettext("A unit officer must belong to a unit."), "unit")
    if role != Role.UNIT_OFFICER and unit is not None:
        raise AccountError(gettext("Only unit officers belong to a unit."), "unit")


def _check_password(password: str, username: str) -> None:
    """Refuse a password that breaks the password rule."""
    problem = password_problem(password, username)
    if problem is not None:
        raise AccountError(problem, "password")


def create_user(
    *, username: str, display_name: str, role: str, password: str, unit: Unit | None = None
) -> User:
    """Add a new active account (not committed)."""
    name = normalise_username(username)
    if not USERNAME_PATTERN.fullmatch(name):
        raise AccountError(
            gettext(
                "A username has 3 to 64 characters: letters a–z, digits, dots, hyphens or "
                "underscores, starting with a letter or digit."
            ),
            "username",
        )
    if find_user(name) is not None:
        raise AccountError(gettext("The username %(name)s is taken.", name=name), "username")
    _check_profile(display_name, role, unit)
    _check_password(password, name)
    user = User(
        username=name,
        display_name=display_name.strip(),
        role=role,
        unit_id=unit.id if unit is not None else None,
        password_hash=hash_password(password),
        active=True,
        session_version=1,
    )
    db.session.add(user)
    record_audit("user.create", user, after=state(user, *ACCOUNT_FIELDS))
    return user


def _other_active_admins(user: User) -> int:
    """How many active administrators there are besides ``user``."""
    count = db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
    )
    return int(count or 0)


def update_user(
    user: User, *, display_name: str, role: str, unit: Unit | None, active: bool
) -> None:
    """Change an account's name, role, unit and active flag (not committed)."""
    _check_profile(display_name, role, unit)
    stays_admin = role == Role.ADMIN and active
    if user.role == Role.ADMIN and user.active and not stays_admin:
        if _other_active_admins(user) == 0:
            raise AccountError(
                gettext("This is the last active administrator; appoint another one first."),
                "role" if role != Role.ADMIN else "active",
            )
    before = state(user, *ACCOUNT_FIELDS)
    unit_id = unit.id if unit is not None else None
    access_changed = (user.role, user.unit_id, user.active) != (role, unit_id, active)
    user.display_name = display_name.strip()
    user.role = role
    user.unit_id = unit_id
    user.active = active
    if access_changed:
        user.end_sessions()
    after = state(user, *ACCOUNT_FIELDS)
    if after != before:
        record_audit("user.update", user, before=before, after=after)


def set_password(user: User, password: str) -> None:
    """Give ``user`` a new password and end their sessions (not committed)."""
    _check_password(password, user.username)
    user.password_hash = hash_password(password)
    user.end_sessions()
    record_audit("user.set_password", user)


def deactivate(user: User) -> None:
    """Stop ``user`` from signing in, ending their sessions (not committed)."""
    unit = db.session.get(Unit, user.unit_id) if user.unit_id is not None else None
    update_user(user, display_name=user.display_name, role=user.role, unit=unit, active=False)
