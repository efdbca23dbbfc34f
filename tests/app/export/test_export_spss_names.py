"""SPSS variable names: valid names kept, invalid ones repaired, all unique ignoring case."""

from __future__ import annotations

import pytest

from survey_app.export.spss_names import is_valid_spss_name, spss_names

LONG_ITEM = "channels_used_for_contacting_the_agency_about_the_application_x"


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("staff_polite", True),
        ("q1.a", True),
        ("to", False),
        ("WITH", False),
        ("1st", False),
        ("_x", False),
        ("end.", False),
        ("a-b", False),
        ("x" * 64, True),
        ("x" * 65, False),
    ],
)
def test_validity(name: str, valid: bool) -> None:
    """Letters first; letters, digits, _ and .; not ending in .; 64 bytes; no reserved word."""
    assert is_valid_spss_name(name) is valid


def test_valid_names_are_kept_and_invalid_ones_repaired() -> None:
    """Reserved words and bad starts get ``v_``; other characters become ``_``."""
    mapping = spss_names(["response_id", "to", "1st", "a-b", "by"])
    assert mapping == {
        "response_id": "response_id",
        "to": "v_to",
        "1st": "v_1st",
        "a-b": "a_b",
        "by": "v_by",
    }


def test_long_indicator_names_keep_their_choice_code() -> None:
    """The item part is cut so ``__<code>`` stays readable within 64 bytes."""
    names = [LONG_ITEM, f"{LONG_ITEM}__web", f"{LONG_ITEM}__phone"]
    mapping = spss_names(names)
    assert mapping[LONG_ITEM] == LONG_ITEM
    assert mapping[f"{LONG_ITEM}__web"].endswith("__web")
    assert mapping[f"{LONG_ITEM}__phone"].endswith("__phone")
    assert all(len(name) <= 64 for name in mapping.values())


def test_names_are_unique_ignoring_case_and_valid_names_are_claimed_first() -> None:
    """``Q`` and ``q`` cannot both be kept; a repaired name never takes a valid one's place."""
    mapping = spss_names(["v_to", "to", "Q", "q", "x" * 70, "x" * 70 + "y"])
    assert mapping["v_to"] == "v_to"
    assert mapping["to"] == "v_to_2"
    assert mapping["Q"] == "Q"
    assert mapping["q"] == "q_2"
    assert mapping["x" * 70] == "x" * 64
    assert mapping["x" * 70 + "y"] == "x" * 62 + "_2"
    lowered = [name.lower() for name in mapping.values()]
    assert len(lowered) == len(set(lowered))
    assert all(is_valid_spss_name(name) for name in mapping.values())
