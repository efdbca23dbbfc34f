"""Property tests: parsing never fails but with ExpressionError, and evaluation of generated
expressions never fails and agrees with a reference evaluator written here from the documented
rules (FORMAT.md, "Expression language")."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaires.expressions import ExpressionError, parse

TODAY = date(2024, 6, 15)
CODES = ("a", "b", "c", "d")

# --- parse never fails with anything but ExpressionError ---------------------------------------

TOKENS = [
    "a",
    "b",
    "q1",
    ".",
    "1",
    "2.5",
    "'x'",
    '"y"',
    "true",
    "false",
    "null",
    "and",
    "or",
    "not",
    "in",
    "(",
    ")",
    "[",
    "]",
    ",",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "selected",
    "count",
    "answered",
    "length",
    "today",
    "date",
    "foo",
    "'",
    '"',
    "!",
    "&",
    "9" * 30,
    ".5",
    "A",
    "_",
]


def _parses_or_refuses(source: str) -> None:
    try:
        parse(source)
    except ExpressionError as error:
        assert 0 <= error.position <= len(source)
        assert error.message


@given(st.text(max_size=300))
def test_parse_of_arbitrary_text_raises_only_expression_error(source: str) -> None:
    _parses_or_refuses(source)


@given(st.lists(st.sampled_from(TOKENS), max_size=80).map(" ".join))
def test_parse_of_token_soup_raises_only_expression_error(source: str) -> None:
    _parses_or_refuses(source)


OPENERS = ["(", "-", "not ", "[", "count(", "1 in ["]
"""Tokens that each open one more level of nesting."""


@settings(max_examples=30)
@given(
    # Runs of one opener, 20–40 runs of 25–60 each: 500–2,400 levels, far past MAX_DEPTH and
    # Python's recursion limit, drawn in tens of choices rather than a thousand (a draw per
    # token made input generation fail hypothesis's speed check on a busy machine).
    st.lists(
        st.tuples(st.sampled_from(OPENERS), st.integers(25, 60)), min_size=20, max_size=40
    ).map(lambda runs: "".join(opener * times for opener, times in runs))
)
def test_parse_of_deeply_nested_text_raises_only_expression_error(source: str) -> None:
    _parses_or_refuses(source)


# --- the reference evaluator ----------------------------------------------------------------------
# Trees: ("lit", v) ("item", code) ("own",) ("neg", t) ("not", t) ("bin", op, l, r)
# ("and"|"or", l, r) ("in", t, (options…), negated) ("call", name, (args…))

Tree = tuple[Any, ...]


def kind(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "num"
    if isinstance(v, str):
        return "str"
    if isinstance(v, tuple):
        return "list"
    return "date"


def normalise(raw: object) -> object:
    if isinstance(raw, str) and raw.strip() == "":
        return None
    if isinstance(raw, list):
        return tuple(raw) if raw else None
    return raw


def num(v: object) -> int | float | None:
    k = kind(v)
    if k == "num":
        return v  # type: ignore[return-value]
    if k == "str" and re.fullmatch(r"[+-]?\d+(\.\d+)?", v.strip()):  # type: ignore[union-attr]
        text = v.strip()  # type: ignore[union-attr]
        return float(text) if "." in text else int(text)
    return None


def day(v: object) -> date | None:
    if kind(v) == "date":
        return v  # type: ignore[return-value]
    if kind(v) == "str" and re.fullmatch(r"\d\d\d\d-\d\d-\d\d", v.strip()):  # type: ignore[union-attr]
        try:
            return date.fromisoformat(v.strip())  # type: ignore[union-attr]
        except ValueError:
            return None
    return None


def ref_eq(a: object, b: object) -> bool | None:
    ka, kb = kind(a), kind(b)
    if "null" in (ka, kb):
        return None
    if "list" in (ka, kb):
        return ka == kb and set(a) == set(b)  # type: ignore[call-overload]
    if "bool" in (ka, kb):
        return ka == kb and a == b
    if ka == kb == "str":
        return a == b
    if "num" in (ka, kb):
        x, y = num(a), num(b)
        return x is not None and y is not None and x == y
    x2, y2 = day(a), day(b)
    return x2 is not None and y2 is not None and x2 == y2


def ref_order(a: object, b: object) -> int | None:
    ka, kb = kind(a), kind(b)
    if {ka, kb} & {"null", "bool", "list"}:
        return None
    pair: tuple[Any, Any]
    if ka == kb == "str":
        pair = (a, b)
    elif "num" in (ka, kb):
        pair = (num(a), num(b))
    else:
        pair = (day(a), day(b))
    if pair[0] is None or pair[1] is None:
        return None
    return -1 if pair[0] < pair[1] else (1 if pair[0] > pair[1] else 0)


def whole(v: object) -> int | None:
    n = num(v)
    if n is None or n != int(n):
        return None
    return int(n)


def ref_arith(op: str, a: object, b: object) -> object:
    if a is None or b is None:
        return None
    if "date" in (kind(a), kind(b)):
        if op == "-" and day(a) and day(b):
            return (day(a) - day(b)).days  # type: ignore[operator]
        shift = None
        if op in "+-" and kind(a) == "date" and whole(b) is not None:
            start, shift = a, whole(b) * (1 if op == "+" else -1)  # type: ignore[operator]
        if op == "+" and kind(b) == "date" and whole(a) is not None:
            start, shift = b, whole(a)
        if shift is None:
            return None
        ordinal = start.toordinal() + shift  # type: ignore[attr-defined]
        in_calendar = date.min.toordinal() <= ordinal <= date.max.toordinal()
        return date.fromordinal(ordinal) if in_calendar else None
    x, y = num(a), num(b)
    if x is None or y is None or (op in "/%" and y == 0):
        return None
    result = {
        "+": lambda: x + y,
        "-": lambda: x - y,
        "*": lambda: x * y,
        "/": lambda: x / y,
        "%": lambda: x % y,
    }[op]()
    return None if isinstance(result, float) and not math.isfinite(result) else result


def cond(v: object) -> bool | None:
    return v if isinstance(v, bool) else None


def ref_and(a: bool | None, b: bool | None) -> bool | None:
    return False if False in (a, b) else (None if None in (a, b) else True)


def ref_or(a: bool | None, b: bool | None) -> bool | None:
    return True if True in (a, b) else (None if None in (a, b) else False)


def ref_not(a: bool | None) -> bool | None:
    return None if a is None else not a


def reference(tree: Tree, answers: dict[str, object], own: object) -> object:
    tag = tree[0]
    if tag == "lit":
        return tree[1]
    if tag == "item":
        return normalise(answers.get(tree[1]))
    if tag == "own":
        return normalise(own)
    if tag == "neg":
        n = num(reference(tree[1], answers, own))
        return None if n is None else -n
    if tag == "not":
        return ref_not(cond(reference(tree[1], answers, own)))
    if tag in ("and", "or"):
        left = cond(reference(tree[1], answers, own))
        right = cond(reference(tree[2], answers, own))
        return ref_and(left, right) if tag == "and" else ref_or(left, right)
    if tag == "in":
        subject = reference(tree[1], answers, own)
        found: bool | None = False
        for option in tree[2]:
            found = ref_or(found, ref_eq(subject, reference(option, answers, own)))
        return ref_not(found) if tree[3] else found
    if tag == "bin":
        op, a, b = tree[1], reference(tree[2], answers, own), reference(tree[3], answers, own)
        if op in ("=", "=="):
            return ref_eq(a, b)
        if op == "!=":
            return ref_not(ref_eq(a, b))
        if op in ("<", "<=", ">", ">="):
            sign = ref_order(a, b)
            if sign is None:
                return None
            return {"<": sign < 0, "<=": sign <= 0, ">": sign > 0, ">=": sign >= 0}[op]
        return ref_arith(op, a, b)
    name, args = tree[1], tree[2]
    if name == "today":
        return TODAY
    if name == "selected":
        v = reference(args[0], answers, own)
        return (args[1][1] in v) if kind(v) == "list" else v == args[1][1]
    v = reference(args[0], answers, own)
    if name == "count":
        return 0 if v is None else (len(v) if kind(v) == "list" else 1)  # type: ignore[arg-type]
    if name == "answered":
        return v is not None
    if name == "length":
        return len(v) if kind(v) in ("str", "list") else None  # type: ignore[arg-type]
    return day(v)


# --- rendering trees as source ----------------------------------------------------------------


def render(tree: Tree) -> str:
    tag = tree[0]
    if tag == "lit":
        v = tree[1]
        if v is None:
            return "null"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return repr(v) if "'" not in v else f'"{v}"'
        return repr(v)
    if tag == "item":
        return tree[1]
    if tag == "own":
        return "."
    if tag == "neg":
        return f"-({render(tree[1])})"
    if tag == "not":
        return f"not ({render(tree[1])})"
    if tag in ("and", "or"):
        return f"({render(tree[1])}) {tag} ({render(tree[2])})"
    if tag == "in":
        options = ", ".join(render(option) for option in tree[2])
        return f"({render(tree[1])}) {'not in' if tree[3] else 'in'} [{options}]"
    if tag == "bin":
        return f"({render(tree[2])}) {tree[1]} ({render(tree[3])})"
    return f"{tree[1]}({', '.join(render(arg) for arg in tree[2])})"


# --- strategies ----------------------------------------------------------------------------------

numbers = st.one_of(st.integers(-20, 20), st.sampled_from([0.5, 2.5, -1.5, 0.0, 100.25]))
texts = st.sampled_from(
    ["a", "b", "yes", "5", "-3", "2.5", " 7 ", "7", "+1", "1e3", "x y", "10", "2024-06-15"]
)
iso_dates = st.dates(date(2023, 1, 1), date(2025, 12, 31)).map(date.isoformat)
bad_dates = st.sampled_from(["2024-02-30", "2024-13-01", "20240101"])

literals = st.one_of(numbers, texts, iso_dates, st.booleans(), st.none()).map(lambda v: ("lit", v))
leaves = st.one_of(
    literals,
    st.sampled_from(CODES).map(lambda code: ("item", code)),
    st.just(("own",)),
    st.just(("call", "today", ())),
)
item_args = st.one_of(st.sampled_from(CODES).map(lambda code: ("item", code)), st.just(("own",)))
OPERATORS = ["=", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%"]


def extend(sub: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    return st.one_of(
        sub.map(lambda t: ("neg", t)),
        sub.map(lambda t: ("not", t)),
        st.tuples(st.just("bin"), st.sampled_from(OPERATORS), sub, sub),
        st.tuples(st.sampled_from(["and", "or"]), sub, sub),
        st.tuples(st.just("in"), sub, st.lists(sub, max_size=3).map(tuple), st.booleans()),
        st.tuples(
            st.just("call"),
            st.just("selected"),
            st.tuples(
                item_args, st.sampled_from(["a", "b", "yes"]).map(lambda code: ("lit", code))
            ),
        ),
        st.tuples(st.just("call"), st.sampled_from(["count", "answered"]), st.tuples(item_args)),
        st.tuples(st.just("call"), st.sampled_from(["length", "date"]), st.tuples(sub)),
    )


def trees(depth: int) -> st.SearchStrategy[Tree]:
    strategy: st.SearchStrategy[Tree] = leaves
    for _ in range(depth):
        strategy = st.one_of(leaves, extend(strategy))
    return strategy


answer_values = st.one_of(
    st.none(),
    st.just(""),
    st.just("  "),
    numbers,
    texts,
    iso_dates,
    bad_dates,
    st.dates(date(2023, 1, 1), date(2025, 12, 31)),
    st.lists(st.sampled_from(["a", "b", "yes"]), max_size=3, unique=True),
    st.booleans(),
)
answer_sets = st.dictionaries(st.sampled_from(CODES), answer_values)


def agree(actual: object, expected: object) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(actual, float) or isinstance(expected, float):
        return isinstance(actual, int | float) and actual == expected
    if isinstance(actual, tuple):
        return actual == expected
    return type(actual) is type(expected) and actual == expected


@settings(max_examples=400)
@given(trees(4), answer_sets, answer_values)
def test_evaluation_agrees_with_the_reference(
    tree: Tree, answers: dict[str, object], own: object
) -> None:
    source = render(tree)
    expression = parse(source)
    actual = expression.evaluate(answers, own_value=own, today=TODAY)
    expected = reference(tree, answers, own)
    assert agree(actual, expected), (source, answers, own, actual, expected)
    assert expression.holds(answers, own_value=own, today=TODAY) is (expected is True)


@given(trees(3))
def test_references_are_the_item_codes_in_the_tree(tree: Tree) -> None:
    codes = set(re.findall(r"'item', '([a-d])'", repr(tree)))
    assert parse(render(tree)).references == codes


POOL: list[object] = [
    None,
    "",
    "  ",
    True,
    False,
    0,
    1,
    -7,
    3,
    2.5,
    -1.5,
    0.0,
    "a",
    "b",
    "yes",
    "7",
    " 7 ",
    "-3",
    "2.5",
    "1e3",
    "10",
    "2024-06-15",
    "2024-06-01",
    "2024-02-30",
    date(2024, 6, 15),
    date(2023, 1, 1),
    ["a", "b"],
    ["b", "a"],
    ["a"],
    [],
]
"""A value of every kind, with near-misses, so that every pair of kinds meets every operator."""


def test_every_operator_agrees_with_the_reference_on_every_pair_of_values() -> None:
    for operator in OPERATORS:
        expression = parse(f"a {operator} b")
        tree = ("bin", operator, ("item", "a"), ("item", "b"))
        for left in POOL:
            for right in POOL:
                answers = {"a": left, "b": right}
                actual = expression.evaluate(answers, today=TODAY)
                expected = reference(tree, answers, None)
                assert agree(actual, expected), (left, operator, right, actual, expected)


def test_logic_and_membership_agree_with_the_reference_on_every_pair_of_values() -> None:
    shapes = {
        "a and b": ("and", ("item", "a"), ("item", "b")),
        "a or b": ("or", ("item", "a"), ("item", "b")),
        "not a": ("not", ("item", "a")),
        "-a": ("neg", ("item", "a")),
        "a in [b, 'a', 3]": ("in", ("item", "a"), (("item", "b"), ("lit", "a"), ("lit", 3)), False),
        "a not in [b]": ("in", ("item", "a"), (("item", "b"),), True),
        "selected(a, 'a')": ("call", "selected", (("item", "a"), ("lit", "a"))),
        "count(a)": ("call", "count", (("item", "a"),)),
        "answered(a)": ("call", "answered", (("item", "a"),)),
        "length(a)": ("call", "length", (("item", "a"),)),
        "date(a)": ("call", "date", (("item", "a"),)),
    }
    logic_values = [None, True, False, *POOL]
    for source, tree in shapes.items():
        expression = parse(source)
        for left in logic_values:
            for right in logic_values:
                answers = {"a": left, "b": right}
                actual = expression.evaluate(answers, today=TODAY)
                expected = reference(tree, answers, None)
                assert agree(actual, expected), (source, left, right, actual, expected)


@settings(max_examples=600)
@given(st.sampled_from(OPERATORS), answer_values, answer_values)
def test_each_operator_agrees_with_the_reference_on_every_kind_of_value(
    operator: str, left: object, right: object
) -> None:
    answers = {"a": left, "b": right}
    tree = ("bin", operator, ("item", "a"), ("item", "b"))
    actual = parse(f"a {operator} b").evaluate(answers, today=TODAY)
    assert agree(actual, reference(tree, answers, None)), (left, operator, right, actual)
    with_today = parse(f"today() {operator} b").evaluate(answers, today=TODAY)
    tree = ("bin", operator, ("call", "today", ()), ("item", "b"))
    assert agree(with_today, reference(tree, answers, None)), (operator, right, with_today)
