"""Invitation and resume codes: entropy, readable entry, keyed hashes."""

from __future__ import annotations

import math

from survey_app import codes


def test_invitation_codes_carry_at_least_128_bits() -> None:
    """26 base-32 characters hold 130 bits, and codes do not repeat."""
    bits = codes.INVITATION_CODE_LENGTH * math.log2(len(codes.ALPHABET))
    assert bits >= 128
    drawn = {codes.generate(codes.INVITATION_CODE_LENGTH) for _ in range(500)}
    assert len(drawn) == 500
    assert all(codes.is_well_formed(code, codes.INVITATION_CODE_LENGTH) for code in drawn)


def test_entry_forgives_case_spaces_dashes_and_look_alikes() -> None:
    """A code typed in lower case, with spaces, O for 0 and l for 1, hashes the same."""
    code = "0123-4567-89AB-CDEF-GH1J-KM"
    typed = " o123 4567-89ab cdef gh1j km "
    typed_with_l = typed.replace("gh1j", "ghlj")
    expected = codes.code_hash("key", codes.CodePurpose.INVITATION, code)
    assert codes.code_hash("key", codes.CodePurpose.INVITATION, typed) == expected
    assert codes.code_hash("key", codes.CodePurpose.INVITATION, typed_with_l) == expected


def test_hash_depends_on_key_and_purpose() -> None:
    """Another server key or another purpose gives another hash; the code is not in it."""
    code = codes.generate(codes.RESUME_CODE_LENGTH)
    digest = codes.code_hash("key", codes.CodePurpose.RESUME, code)
    assert len(digest) == 64
    assert codes.code_hash("other", codes.CodePurpose.RESUME, code) != digest
    assert codes.code_hash("key", codes.CodePurpose.INVITATION, code) != digest
    assert codes.normalise(code) not in digest


def test_malformed_codes_are_rejected_before_lookup() -> None:
    """Wrong length or characters outside the alphabet are not well formed."""
    assert not codes.is_well_formed("ABCD", codes.RESUME_CODE_LENGTH)
    assert not codes.is_well_formed("ABCD-EFGH-JKU!", codes.RESUME_CODE_LENGTH)
    assert codes.is_well_formed("abcd-efgh-jkmn", codes.RESUME_CODE_LENGTH)
