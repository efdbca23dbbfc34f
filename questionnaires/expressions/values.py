"""Values of the expression language and the rules that make every operation total.

Values are ``null`` (Python ``None``), booleans, numbers (``int``/``float``), strings, dates
(``datetime.date``) and lists of choice codes (a multiple-choice answer, as a ``tuple``).

Answers are read with :func:`from_answer`: a missing key, ``None``, a blank string and an empty
list are all *null* (unanswered); a non-finite float is null; a list becomes a tuple.

The null rule: every comparison and every arithmetic operation with a null operand gives null.

Type rules (so that no operation can fail):

* **Numeric strings are numbers when the other side is a number.** ``'5' = 5`` is true and
  ``'5' + 1`` is 6; a numeric string is an optional sign, digits and an optional fraction
  (``-3``, ``2.50``). Arithmetic uses every numeric string as a number (``'2' * '3'`` is 6).
* **Two strings compare as text**, by Unicode code point: ``'10' < '9'`` is true. Choice codes
  are strings; compare them with numbers (``q3 >= 4``) to compare them as numbers.
* **Dates** compare with dates, and with ISO strings ``YYYY-MM-DD`` read as dates (a date
  answer is such a string). ``date - date`` is the number of days between them;
  ``date + n`` and ``date - n`` move by ``n`` whole days.
* **Lists** equal lists holding the same codes (order ignored); they have no order.
* **Mismatches** (text with a number, a boolean with anything but a boolean, a list with a
  single value, a string that is not a date with a date): ``=`` is false, ``!=`` is true, and
  ordering and arithmetic give null.
* Division or remainder by zero, a non-finite or overflowing result, and date arithmetic
  leaving the calendar give null. ``/`` always gives a fractional number; ``%`` takes the sign
  of the divisor.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta

Scalar = bool | int | float | str | date
"""A single value."""

Value = Scalar | tuple[Scalar, ...] | None
"""Any value an expression can produce or read."""

Number = int | float

_NUMERIC = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class AnswerTypeError(TypeError):
    """An answer value is not one of the documented answer types."""


def from_answer(raw: object, *, code: str) -> Value:
    """Read the stored answer ``raw`` of item ``code`` as a value (see the module rules)."""
    if isinstance(raw, list | tuple):
        elements: list[Scalar] = []
        for element in raw:
            value = _scalar_from_answer(element, code=code)
            if value is not None:
                elements.append(value)
        return tuple(elements) if elements else None
    return _scalar_from_answer(raw, code=code)


def _scalar_from_answer(raw: object, *, code: str) -> Scalar | None:
    if raw is None or isinstance(raw, bool | int):
        return raw
    if isinstance(raw, float):
        return raw if math.isfinite(raw) else None
    if isinstance(raw, str):
        return raw if raw.strip() else None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    raise AnswerTypeError(
        f"the answer to {code} is a {type(raw).__name__}; answers must be text, numbers, "
        "dates, booleans or lists of choice codes"
    )


def is_number(value: Value) -> bool:
    """Whether ``value`` is an int or float (booleans are not numbers)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def as_number(value: Value) -> Number | None:
    """``value`` as a number if it is one or is a numeric string, else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _NUMERIC.fullmatch(text) is None:
            return None
        try:
            number: Number = float(text) if "." in text else int(text)
        except ValueError:  # more digits than Python converts
            return None
        return number if _finite(number) else None
    return None


def as_date(value: Value) -> date | None:
    """``value`` as a date if it is one or is an ISO ``YYYY-MM-DD`` string, else ``None``."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _finite(number: Number) -> bool:
    return not isinstance(number, float) or math.isfinite(number)


def _numbers(left: Value, right: Value) -> tuple[Number, Number] | None:
    """Both sides as numbers when one side is a number and the other is or reads as one."""
    if not (is_number(left) or is_number(right)):
        return None
    left_number, right_number = as_number(left), as_number(right)
    if left_number is None or right_number is None:
        return None
    return left_number, right_number


def _dates(left: Value, right: Value) -> tuple[date, date] | None:
    """Both sides as dates when one side is a date and the other is or reads as one."""
    if not (isinstance(left, date) or isinstance(right, date)):
        return None
    left_date, right_date = as_date(left), as_date(right)
    if left_date is None or right_date is None:
        return None
    return left_date, right_date


def equals(left: Value, right: Value) -> bool | None:
    """``left = right`` under the module rules."""
    if left is None or right is None:
        return None
    if isinstance(left, tuple) or isinstance(right, tuple):
        if isinstance(left, tuple) and isinstance(right, tuple):
            return set(left) == set(right)
        return False
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    numbers = _numbers(left, right)
    if numbers is not None:
        return numbers[0] == numbers[1]
    dates = _dates(left, right)
    return dates is not None and dates[0] == dates[1]


def order(left: Value, right: Value) -> int | None:
    """-1, 0 or 1 as ``left`` is below, equal to or above ``right``; None when unordered."""
    if left is None or right is None or isinstance(left, bool | tuple):
        return None
    if isinstance(right, bool | tuple):
        return None
    if isinstance(left, str) and isinstance(right, str):
        return (left > right) - (left < right)
    numbers = _numbers(left, right)
    if numbers is not None:
        return (numbers[0] > numbers[1]) - (numbers[0] < numbers[1])
    dates = _dates(left, right)
    if dates is not None:
        return (dates[0] > dates[1]) - (dates[0] < dates[1])
    return None


def compare(operator: str, left: Value, right: Value) -> bool | None:
    """Apply a comparison operator (``= == != < <= > >=``)."""
    if operator in ("=", "=="):
        return equals(left, right)
    if operator == "!=":
        same = equals(left, right)
        return None if same is None else not same
    sign = order(left, right)
    if sign is None:
        return None
    if operator == "<":
        return sign < 0
    if operator == "<=":
        return sign <= 0
    if operator == ">":
        return sign > 0
    if operator == ">=":
        return sign >= 0
    raise ValueError(f"not a comparison operator: {operator!r}")


def arithmetic(operator: str, left: Value, right: Value) -> Value:
    """Apply ``+ - * / %`` under the module rules."""
    if left is None or right is None:
        return None
    if isinstance(left, date) or isinstance(right, date):
        return _date_arithmetic(operator, left, right)
    left_number, right_number = as_number(left), as_number(right)
    if left_number is None or right_number is None:
        return None
    try:
        result = _number_arithmetic(operator, left_number, right_number)
    except (ZeroDivisionError, OverflowError):
        return None
    return result if result is None or _finite(result) else None


def _number_arithmetic(operator: str, left: Number, right: Number) -> Number | None:
    if operator == "+":
        return left + right
    if operator == "-":
        return left - right
    if operator == "*":
        return left * right
    if operator == "/":
        return left / right
    if operator == "%":
        return left % right
    raise ValueError(f"not an arithmetic operator: {operator!r}")


def _date_arithmetic(operator: str, left: Value, right: Value) -> Value:
    left_date, right_date = as_date(left), as_date(right)
    try:
        if operator == "-" and left_date is not None and right_date is not None:
            return (left_date - right_date).days
        if operator in "+-" and left_date is not None and isinstance(left, date):
            days = _whole_days(right)
            if days is not None:
                return left_date + timedelta(days=days if operator == "+" else -days)
        if operator == "+" and right_date is not None and isinstance(right, date):
            days = _whole_days(left)
            if days is not None:
                return right_date + timedelta(days=days)
    except OverflowError:
        return None
    return None


def _whole_days(value: Value) -> int | None:
    number = as_number(value)
    if number is None or (isinstance(number, float) and not number.is_integer()):
        return None
    return int(number)


def negate(value: Value) -> Value:
    """Unary minus: the negated number, or null for anything that is not a number."""
    number = as_number(value)
    return None if number is None else -number


def truth(value: Value) -> bool | None:
    """A value used as a condition: booleans are themselves, everything else is null."""
    return value if isinstance(value, bool) else None
