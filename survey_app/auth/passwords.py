"""Password hashing with Argon2id (argon2-cffi's RFC 9106 low-memory profile) and the password
rule staff accounts follow.

Hashes carry their own parameters, so a hash made under older parameters still verifies and is
replaced at the next sign-in (:func:`needs_rehash`). A sign-in with an unknown username is
checked against a fixed dummy hash, so it takes as long as one with a wrong password.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import gettext

PASSWORD_MIN_LENGTH = 12
"""Shortest password accepted."""

PASSWORD_MAX_LENGTH = 256
"""Longest password accepted (bounds the hashing work per attempt)."""

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password``, salted, with its parameters."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; a malformed hash never matches."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether ``stored_hash`` was made with other parameters than the current ones."""
    return _hasher.check_needs_rehash(stored_hash)


@cache
def _dummy_hash() -> str:
    """A hash of a random-looking password nobody knows, made once per process."""
    return _hasher.hash("dummy password for unknown usernames")


def spend_verification_time(password: str) -> None:
    """Do the work of one verification for an unknown username, so timing reveals nothing."""
    verify_password(_dummy_hash(), password)


def password_problem(password: str, username: str) -> str | None:
    """Why ``password`` is not acceptable for ``username``, or None when it is."""
    problem: str | None = None
    if len(password) < PASSWORD_MIN_LENGTH:
        problem = gettext(
            "The password must have at least %(count)d characters.", count=PASSWORD_MIN_LENGTH
        )
    elif len(password) > PASSWORD_MAX_LENGTH:
        problem = gettext(
            "The password must have at most %(count)d characters.", count=PASSWORD_MAX_LENGTH
        )
    elif password.strip().lower() == username.strip().lower():
        problem = gettext("The password must not be the username.")
    return problem
