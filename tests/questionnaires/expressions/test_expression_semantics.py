"""Evaluation rules: nulls, three-valued logic, type coercion, dates, functions, holds()."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from questionnaires.expressions import (
    AnswerTypeError,
    ExpressionError,
    OwnValueUnavailable,
    parse,
)

TODAY = date(2024, 6, 15)


def value(source: str, answers: dict[str, object] | None = None, **kwargs: object) -> object:
    return parse(source).evaluate(answers or {}, today=TODAY, **kwargs)


def same(actual: object, expected: object) -> bool:
    return type(actual) is type(expected) and actual == expected


@pytest.mark.parametrize(
    "source",
    [
        "q = 1",
        "q != 1",
        "q < 1",
        "q >= 'a'",
        "q + 1",
        "1 - q",
        "q * 2",
        "q / 2",
        "q % 2",
        "-q",
        "not q",
        "q = null",
        "null = null",
        "length(q)",
        "date(q)",
        "q in [1, 2]",
    ],
)
def test_null_propagates_from_an_unanswered_item(source: str) -> None:
    assert value(source) is None
    assert value(source, {"q": None}) is None
    assert value(source, {"q": "   "}) is None
    assert value(source, {"q": []}) is None


@pytest.mark.parametrize(
    ("left", "right", "conjunction", "disjunction"),
    [
        ("true", "true", True, True),
        ("true", "false", False, True),
        ("true", "null", None, True),
        ("false", "false", False, False),
        ("false", "null", False, None),
        ("null", "null", None, None),
    ],
)
def test_and_or_are_kleene(
    left: str, right: str, conjunction: bool | None, disjunction: bool | None
) -> None:
    for a, b in ((left, right), (right, left)):
        assert value(f"{a} and {b}") is conjunction
        assert value(f"{a} or {b}") is disjunction


def test_not_is_three_valued_and_non_booleans_count_as_null() -> None:
    assert value("not true") is False
    assert value("not false") is True
    assert value("not null") is None
    assert value("not 1") is None
    assert value("'yes' and true") is None
    assert value("'yes' or false") is None


def test_in_is_a_disjunction_of_equalities() -> None:
    assert value("3 in []") is False
    assert value("3 in [1, 3]") is True
    assert value("3 in [1, null]") is None  # 3 = 1 is false, 3 = null is null
    assert value("3 in [null, 3]") is True
    assert value("3 not in [1, null]") is None
    assert value("3 not in [1, 2]") is True
    assert value("q in ['a', 'b']", {"q": "b"}) is True


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("'5' = 5", True),
        ("5 = ' 5 '", True),
        ("'5.0' = 5", True),
        ("'-2' < 0", True),
        ("'abc' = 5", False),
        ("'abc' != 5", True),
        ("'abc' < 5", None),
        ("'10' < '9'", True),  # two strings compare as text
        ("'10' = '10.0'", False),
        ("'b' > 'a'", True),
        ("true = 1", False),
        ("true = true", True),
        ("true < false", None),
        ("true != 'true'", True),
        ("1 = 1.0", True),
        ("'1e3' = 1000", False),  # no exponents: not a numeric string
        ("'nan' = 'nan'", True),
        ("'inf' > 1", None),
    ],
)
def test_mixed_types_compare_by_the_documented_rules(source: str, expected: object) -> None:
    assert value(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("'2' * '3'", 6),
        ("'2.5' + 1", 3.5),
        ("'x' + 1", None),
        ("true + 1", None),
        ("7 / 2", 3.5),
        ("6 / 3", 2.0),
        ("1 / 0", None),
        ("1 % 0", None),
        ("1.5 / 0", None),
        ("7 % 3", 1),
        ("-7 % 3", 2),  # the sign of the divisor
        ("7 % -3", -2),
        ("-'4'", -4),
        ("-'x'", None),
        ("-true", None),
    ],
)
def test_arithmetic_is_total(source: str, expected: object) -> None:
    assert same(value(source), expected) or (expected is None and value(source) is None)


def test_overflow_gives_null() -> None:
    huge = "9" * 400
    assert value(f"{huge} / 1") is None  # an integer too large for a float
    assert value(f"{huge} + 0.5") is None
    assert value(f"q * {huge}", {"q": 1e300}) is None  # overflows to infinity
    assert value("q > 1", {"q": "9" * 400 + ".5"}) is None  # not a finite number


def test_lists_compare_as_sets_of_codes() -> None:
    answers: dict[str, object] = {"a": ["x", "y"], "b": ["y", "x"], "c": ["x"]}
    assert value("a = b", answers) is True
    assert value("a = c", answers) is False
    assert value("a != c", answers) is True
    assert value("a = 'x'", answers) is False
    assert value("a < b", answers) is None


def test_dates_compare_and_count_days() -> None:
    answers: dict[str, object] = {"d": "2024-06-01", "e": "2024-06-20", "bad": "2024-02-30"}
    assert value("d < today()", answers) is True
    assert value("e <= today()", answers) is False
    assert value("today() - d", answers) == 14
    assert value("d - today()", answers) == -14
    assert value("date(e) - date(d)", answers) == 19
    assert value("e - d", answers) is None  # two strings are not dates until date() says so
    assert value("today() + 1 = '2024-06-16'") is True
    assert value("1 + today() = '2024-06-16'") is True
    assert value("today() - 15 = date('2024-05-31')") is True
    assert value("today() + 0.5") is None
    assert value("today() * 2") is None
    assert value("today() + today()") is None
    assert value("bad < today()", answers) is None
    assert value("bad = today()", answers) is False
    assert value("date(bad)", answers) is None
    assert value("date('20240101')") is None  # only YYYY-MM-DD
    assert value("today() = 20240615") is False
    assert value("today() + 99999999") is None  # beyond the calendar


def test_date_answers_may_be_date_objects() -> None:
    assert value("d = '2024-01-02'", {"d": date(2024, 1, 2)}) is True
    assert value("d = '2024-01-02'", {"d": datetime(2024, 1, 2, 13, 5)}) is True


def test_today_defaults_to_the_server_date() -> None:
    assert parse("today()").evaluate({}) == date.today()


def test_functions() -> None:
    answers: dict[str, object] = {"m": ["a", "c"], "s": "b", "t": "xin chào", "n": 12}
    assert value("selected(m, 'a')", answers) is True
    assert value("selected(m, 'b')", answers) is False
    assert value("selected(s, 'b')", answers) is True
    assert value("selected(s, 'a')", answers) is False
    assert value("selected(z, 'a')", answers) is False
    assert value("selected(n, '12')", answers) is False  # a number is not a choice code
    assert value("count(m)", answers) == 2
    assert value("count(s)", answers) == 1
    assert value("count(z)", answers) == 0
    assert value("answered(t)", answers) is True
    assert value("answered(z)", answers) is False
    assert value("answered(e)", {"e": ""}) is False
    assert value("length(t)", answers) == 8
    assert value("length(m)", answers) == 2
    assert value("length(n)", answers) is None
    assert value("length(z)", answers) is None


def test_own_value_is_the_value_under_check() -> None:
    expression = parse("selected(., 'none') and count(.) > 1")
    assert expression.evaluate({}, own_value=["a", "none"]) is True
    assert expression.evaluate({}, own_value=["none"]) is False
    assert parse(". >= 18 and . <= q_max").evaluate({"q_max": 60}, own_value=20) is True
    assert parse(". = 1").evaluate({}, own_value=None) is None
    with pytest.raises(OwnValueUnavailable, match="only available in constraints"):
        parse(". = 1").evaluate({})


def test_answers_outside_the_convention_are_refused_loudly() -> None:
    with pytest.raises(AnswerTypeError, match="the answer to q is a dict"):
        parse("q = 1").evaluate({"q": {"x": 1}})
    with pytest.raises(AnswerTypeError, match="the answer to q is a set"):
        parse("q = 1").evaluate({"q": ["a", {"b"}]})


def test_holds_only_for_true() -> None:
    assert parse("q = 1").holds({"q": 1})
    assert not parse("q = 1").holds({"q": 2})
    assert not parse("q = 1").holds({})  # null counts as false
    assert not parse("not q = 1").holds({})  # and so does its negation
    assert not parse("q").holds({"q": "yes"})  # a non-boolean value does not hold
    assert not parse("1").holds({})
    assert parse(". > 3").holds({}, own_value=4)


def test_names_are_item_codes_and_nothing_else() -> None:
    with pytest.raises(ExpressionError, match="not an item code"):
        parse("__import__ = 1")
    with pytest.raises(ExpressionError, match="unknown function '__import__'"):
        parse("__import__('os')")
    assert parse("os = 1").evaluate({}) is None  # an unknown name is just an unanswered item
    assert parse("os = 1").evaluate({"os": 1}) is True
