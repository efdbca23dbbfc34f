"""Evaluation of a syntax tree over answers, total by construction.

Each node is evaluated by the rules of ``values`` (null propagation, type coercion) and
``functions``; ``and``/``or``/``not`` follow Kleene's three-valued logic:

=========  =======  =======  =======
``and``    true     false    null
true       true     false    null
false      false    false    false
null       null     false    null
=========  =======  =======  =======

``or`` is the dual (true wins, then null), ``not null`` is null, and a value that is not a
boolean counts as null wherever a condition is expected. ``x in [a, b]`` means
``x = a or x = b`` (false for an empty list) and ``x not in [a, b]`` means ``not (x in [a, b])``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from questionnaires.expressions.functions import FUNCTIONS
from questionnaires.expressions.nodes import (
    Binary,
    Call,
    ItemRef,
    Literal,
    Logical,
    Membership,
    Node,
    OwnValue,
    Unary,
)
from questionnaires.expressions.parser import COMPARISONS
from questionnaires.expressions.values import (
    Value,
    arithmetic,
    compare,
    equals,
    from_answer,
    negate,
    truth,
)


class OwnValueUnavailable(LookupError):
    """``.`` was evaluated outside a constraint (no value under check was given)."""


@dataclass(frozen=True)
class Context:
    """What an evaluation reads: the answers, the value under check (if any) and today."""

    answers: Mapping[str, object]
    own_value: Value
    has_own_value: bool
    today: date


def evaluate_node(node: Node, context: Context) -> Value:
    """The value of ``node`` under ``context``."""
    match node:
        case Literal(value=value):
            return value
        case ItemRef(code=code):
            return from_answer(context.answers.get(code), code=code)
        case OwnValue():
            if not context.has_own_value:
                raise OwnValueUnavailable(
                    "'.' (the value being checked) is only available in constraints"
                )
            return context.own_value
        case Unary(operator="not", operand=operand):
            return kleene_not(truth(evaluate_node(operand, context)))
        case Unary(operand=operand):
            return negate(evaluate_node(operand, context))
        case Logical(operator=operator, left=left, right=right):
            return _logical(operator, left, right, context)
        case Binary(operator=operator, left=left, right=right):
            left_value = evaluate_node(left, context)
            right_value = evaluate_node(right, context)
            if operator in COMPARISONS:
                return compare(operator, left_value, right_value)
            return arithmetic(operator, left_value, right_value)
        case Membership(operand=operand, options=options, negated=negated):
            subject = evaluate_node(operand, context)
            found: bool | None = False
            for option in options:
                found = kleene_or(found, equals(subject, evaluate_node(option, context)))
            return kleene_not(found) if negated else found
        case Call(name=name, arguments=arguments):
            values = tuple(evaluate_node(argument, context) for argument in arguments)
            return FUNCTIONS[name].apply(values, context.today)
    raise TypeError(f"not an expression node: {node!r}")


def _logical(operator: str, left: Node, right: Node, context: Context) -> bool | None:
    first = truth(evaluate_node(left, context))
    if operator == "and":
        if first is False:
            return False
        return kleene_and(first, truth(evaluate_node(right, context)))
    if first is True:
        return True
    return kleene_or(first, truth(evaluate_node(right, context)))


def kleene_not(value: bool | None) -> bool | None:
    """Three-valued ``not``."""
    return None if value is None else not value


def kleene_and(left: bool | None, right: bool | None) -> bool | None:
    """Three-valued ``and``: false wins, then null."""
    if left is False or right is False:
        return False
    if left is None or right is None:
        return None
    return True


def kleene_or(left: bool | None, right: bool | None) -> bool | None:
    """Three-valued ``or``: true wins, then null."""
    if left is True or right is True:
        return True
    if left is None or right is None:
        return None
    return False
