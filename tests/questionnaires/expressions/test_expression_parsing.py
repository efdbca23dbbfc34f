"""Parsing: accepted syntax, precedence, references, and errors with positions."""

from __future__ import annotations

import pytest

from questionnaires.expressions import ExpressionError, parse
from questionnaires.expressions.lexer import MAX_SOURCE_LENGTH
from questionnaires.expressions.nodes import Call
from questionnaires.expressions.parser import MAX_DEPTH, MAX_NESTING


def value(source: str, **answers: object) -> object:
    return parse(source).evaluate(answers)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),  # left to right
        ("12 / 4 / 3", 1.0),
        ("-2 * 3", -6),
        ("- - 4", 4),
        ("7 % 4 + 1", 4),
        ("1 + 2 = 3", True),
        ("not 1 = 2", True),  # not binds looser than comparison
        ("true or false and false", True),  # and binds tighter than or
        ("(true or false) and false", False),
        ("not true or true", True),
        ("not (true or true)", False),
        ("2 in [1, 2, 3]", True),
        ("2 not in [1, 2, 3]", False),
        ("1 + 1 in [2]", True),
        ("'a' == \"a\"", True),
        ("1 != 2", True),
        ("0.5 + 0.25", 0.75),
    ],
)
def test_precedence_and_literals(source: str, expected: object) -> None:
    result = value(source)
    assert result == expected
    assert type(result) is type(expected)


def test_references_name_item_codes_but_not_the_own_value() -> None:
    expression = parse("selected(q1, 'a') and . > q2 + count(q_3) or length(.) in [q4]")
    assert expression.references == frozenset({"q1", "q2", "q_3", "q4"})
    assert expression.uses_own_value
    assert not parse("q1 = 1").uses_own_value


def test_source_is_kept_verbatim() -> None:
    assert parse("  q1 =1 ").source == "  q1 =1 "


def test_calls_lists_function_calls_in_source_order() -> None:
    source = "selected(a, 'x') or (count(b) > 1 and selected(c, 'y'))"
    calls = parse(source).calls("selected")
    assert [type(call) for call in calls] == [Call, Call]
    assert [call.position for call in calls] == [0, source.index("selected(c")]


@pytest.mark.parametrize(
    ("source", "column", "fragment"),
    [
        ("", 1, "empty"),
        ("q1 =", 5, "expected a value"),
        ("q1 = = 2", 6, "expected a value"),
        ("(q1 = 2", 8, "')' to close the '(' at column 1"),
        ("q1 = 2)", 7, "unexpected ')'"),
        ("a < b < c", 7, "cannot be chained"),
        ("a = 1 in [1]", 7, "cannot be chained"),
        ("a not b", 7, "followed by 'in'"),
        ("a in 1", 6, "'[' to open the list"),
        ("a in [1, 2", 11, "',' or ']'"),
        ("foo(1)", 1, "unknown function 'foo'"),
        ("count()", 1, "count takes 1 argument(s), given 0"),
        ("today(1)", 1, "today takes 0 argument(s), given 1"),
        ("selected(1, 'a')", 10, "must be an item code or ."),
        ("selected(q1, code)", 14, "must be a choice code in quotes"),
        ("answered(q1 + 1)", 13, "must be an item code or ."),
        ("'abc", 1, "never closed"),
        ("Q1 = 1", 1, "not an item code"),
        (".5", 1, "leading digit"),
        ("1abc", 2, "runs into letters"),
        ("q1 && q2", 4, "use 'and', 'or', 'not'"),
        ("q1 = 1 ; q2", 8, "unexpected character ';'"),
        ("and", 1, "'and' cannot start a value"),
        ("q1 = in", 6, "'in' cannot start a value"),
    ],
)
def test_errors_name_the_column_and_the_problem(source: str, column: int, fragment: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(source)
    assert caught.value.column == column
    assert fragment in caught.value.message
    assert f"column {column}" in str(caught.value)


def test_source_length_is_bounded() -> None:
    parse("1" + " " * (MAX_SOURCE_LENGTH - 1))
    with pytest.raises(ExpressionError, match="characters long"):
        parse("1" + " " * MAX_SOURCE_LENGTH)


def test_nesting_is_bounded_without_exhausting_the_stack() -> None:
    ok = "(" * MAX_NESTING + "1" + ")" * MAX_NESTING
    assert parse(ok).evaluate({}) == 1
    for deep in (
        "(" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1),
        "(" * 999 + "1" + ")" * 999,
        "-" * 1999 + "1",
        "not " * 499 + "true",
        "count(" * 300,
        "1 in [" * 300,
    ):
        with pytest.raises(ExpressionError, match="nested more than"):
            parse(deep)


def test_tree_depth_is_bounded() -> None:
    assert parse("+".join(["1"] * MAX_DEPTH)).evaluate({}) == MAX_DEPTH
    with pytest.raises(ExpressionError, match=f"more than {MAX_DEPTH} operations deep"):
        parse("+".join(["1"] * (MAX_DEPTH + 2)))
