"""Secret codes handed to respondents (invitation and resume codes) and their keyed hashes.

Codes are drawn from ``secrets`` and written in Crockford's base 32 (digits and capitals without
I, L, O, U), grouped by four for reading aloud or typing from paper. Entry is forgiving: case,
spaces and dashes are ignored, and O/I/L are read as 0/1/1. Only HMAC-SHA256 of the normalised
code under the server key ``CODE_HMAC_KEY`` is stored, with a purpose prefix so an invitation
code can never match a resume code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import StrEnum

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base 32: 5 bits per character."""

INVITATION_CODE_LENGTH = 26
"""26 characters = 130 bits, above the 128 bits an invitation code must carry."""

RESUME_CODE_LENGTH = 12
"""12 characters = 60 bits: ample behind a keyed hash, a rate limit and a 30-day expiry."""

_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


class CodePurpose(StrEnum):
    """What a code opens; part of the hashed message."""

    INVITATION = "invitation"
    RESUME = "resume"


def generate(length: int) -> str:
    """A new random code of ``length`` characters, grouped by four with dashes."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(length))
    return "-".join(raw[start : start + 4] for start in range(0, length, 4))


def normalise(entered: str) -> str:
    """The canonical form of a code as typed: upper case, no separators, O/I/L read as digits."""
    compact = "".join(entered.split()).replace("-", "").upper()
    return compact.translate(_READ_AS)


def is_well_formed(entered: str, length: int) -> bool:
    """Whether ``entered`` normalises to ``length`` characters of the code alphabet."""
    code = normalise(entered)
    return len(code) == length and all(character in ALPHABET for character in code)


def code_hash(key: str, purpose: CodePurpose, entered: str) -> str:
    """HMAC-SHA256 (hex) of the normalised code for ``purpose`` under the server ``key``."""
    message = f"{purpose}:{normalise(entered)}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
