"""The functions of the expression language, their parameters and their (total) rules.

=====================  =========================================================================
``selected(item, 'c')``  true when choice ``c`` is chosen: in a multiple-choice answer's list, or
                         as a single-choice/rating answer; false when the item is unanswered
``count(item)``          how many codes are chosen: 0 when unanswered, 1 for a single answer
``answered(item)``       true when the item has an answer (blank text and empty lists do not count)
``length(x)``            characters in a text, codes in a list; null for anything else
``today()``              the current date (the server's, or the one given to ``evaluate``)
``date(x)``              ``x`` as a date: a date, or an ISO ``YYYY-MM-DD`` string; else null
=====================  =========================================================================

``item`` parameters take an item code or ``.``; ``'c'`` must be a string literal (so the checker
can verify the code exists). ``selected``, ``count`` and ``answered`` never give null.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import Enum

from questionnaires.expressions.values import Value, as_date


class Parameter(Enum):
    """What a function argument must be in source text."""

    ITEM = "an item code or ."
    CODE = "a choice code in quotes"
    VALUE = "any expression"


@dataclass(frozen=True)
class Function:
    """A function: its name, parameters, call pattern for messages and rule."""

    name: str
    parameters: tuple[Parameter, ...]
    pattern: str
    apply: Callable[[tuple[Value, ...], date], Value]


def _selected(arguments: tuple[Value, ...], today: date) -> Value:
    value, code = arguments
    if isinstance(value, tuple):
        return code in value
    return isinstance(value, str) and value == code


def _count(arguments: tuple[Value, ...], today: date) -> Value:
    (value,) = arguments
    if value is None:
        return 0
    return len(value) if isinstance(value, tuple) else 1


def _answered(arguments: tuple[Value, ...], today: date) -> Value:
    return arguments[0] is not None


def _length(arguments: tuple[Value, ...], today: date) -> Value:
    (value,) = arguments
    return len(value) if isinstance(value, str | tuple) else None


def _today(arguments: tuple[Value, ...], today: date) -> Value:
    return today


def _date(arguments: tuple[Value, ...], today: date) -> Value:
    return as_date(arguments[0])


FUNCTIONS: dict[str, Function] = {
    function.name: function
    for function in (
        Function("selected", (Parameter.ITEM, Parameter.CODE), "selected(item, 'code')", _selected),
        Function("count", (Parameter.ITEM,), "count(item)", _count),
        Function("answered", (Parameter.ITEM,), "answered(item)", _answered),
        Function("length", (Parameter.VALUE,), "length(text)", _length),
        Function("today", (), "today()", _today),
        Function("date", (Parameter.VALUE,), "date(text)", _date),
    )
}
"""Every function, by name."""
