"""Staff accounts: who may sign in to the workspace, with which role, and for which unit.

Respondents never have accounts. A ``unit_officer`` always belongs to one unit and only ever
sees that unit's data; the other roles have no unit. Passwords are stored only as Argon2id
hashes (``survey_app.auth.passwords``). ``session_version`` is part of the session's user id:
raising it (password change, deactivation, logout) ends every session of the account.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, check_in, utcnow
from survey_app.models.units import Unit


class Role(StrEnum):
    """What an account may do: administer everything, run surveys, appraise, or speak for one
    unit."""

    ADMIN = "admin"
    STAFF = "staff"
    EVALUATOR = "evaluator"
    UNIT_OFFICER = "unit_officer"


UNIT_SCOPE_RULE = (
    "(role = 'unit_officer' AND unit_id IS NOT NULL) "
    "OR (role <> 'unit_officer' AND unit_id IS NULL)"
)
"""A unit officer has a unit; nobody else has one."""


class User(Base):
    """One staff account."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(check_in("role", tuple(Role)), name="role"),
        CheckConstraint(UNIT_SCOPE_RULE, name="unit_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_on: Mapped[date | None]

    unit: Mapped[Unit | None] = relationship()

    @property
    def is_authenticated(self) -> bool:
        """Flask-Login: a loaded account is signed in."""
        return True

    @property
    def is_active(self) -> bool:
        """Flask-Login: only active accounts may sign in."""
        return self.active

    @property
    def is_anonymous(self) -> bool:
        """Flask-Login: an account is never the anonymous user."""
        return False

    def get_id(self) -> str:
        """Flask-Login: the session's user id, ``<id>:<session_version>``."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """End every session of this account (they carry the old session version)."""
        self.session_version += 1
