"""Checking one answer value against its item, by the answer-value convention of ``model``.

Before an author's ``constraint`` is tried, a value must have the item type's shape:

=====================  ======================================================================
``single_choice``,     one of the item's choice codes (str)
``rating``
``multiple_choice``    a list of distinct codes of the item's choices
``number``             an int or a finite float (not a boolean); a whole number when
                       ``integer: true``; within ``minimum`` and ``maximum`` (inclusive)
``short_text``,        a str of at most ``max_length`` characters
``long_text``
``date``               an ISO 8601 date string ``YYYY-MM-DD`` naming a real day
=====================  ======================================================================

Each failure is a bilingual message for the respondent (numbers written the Vietnamese way in
Vietnamese: ``1,5``). A missing value (None, blank text, empty list) is not checked here: that is
the business of ``required``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date

from babel.numbers import format_decimal

from questionnaires.model import Choice, Item, ItemType, Text

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

REQUIRED_MESSAGE = Text(vi="Vui lòng trả lời câu hỏi này.", en="Please answer this question.")
"""Shown when a required item has no answer."""


def is_blank(value: object) -> bool:
    """Whether ``value`` counts as no answer: None, blank text or an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return len(value) == 0
    return False


def _number(value: float, language: str) -> str:
    shown: float = int(value) if float(value).is_integer() else value
    return str(format_decimal(shown, locale=language))


def value_problem(item: Item, choices: Sequence[Choice], value: object) -> Text | None:
    """Why ``value`` is not a valid answer to ``item`` (with ``choices`` resolved), or None."""
    if is_blank(value):
        return None
    if item.type in (ItemType.SINGLE_CHOICE, ItemType.RATING):
        return _single_choice(choices, value)
    if item.type is ItemType.MULTIPLE_CHOICE:
        return _multiple_choice(choices, value)
    if item.type is ItemType.NUMBER:
        return _number_problem(item, value)
    if item.type is ItemType.DATE:
        return _date_problem(value)
    return _text_problem(item, value)


def _single_choice(choices: Sequence[Choice], value: object) -> Text | None:
    if isinstance(value, str) and value in {choice.code for choice in choices}:
        return None
    return Text(
        vi="Vui lòng chọn một trong các phương án đã cho.",
        en="Please choose one of the options given.",
    )


def _multiple_choice(choices: Sequence[Choice], value: object) -> Text | None:
    codes = {choice.code for choice in choices}
    if not isinstance(value, list | tuple) or not all(
        isinstance(code, str) and code in codes for code in value
    ):
        return Text(
            vi="Vui lòng chỉ chọn trong các phương án đã cho.",
            en="Please choose only among the options given.",
        )
    if len(set(value)) != len(value):
        return Text(
            vi="Mỗi phương án chỉ được chọn một lần.", en="Each option can be chosen only once."
        )
    return None


def _number_problem(item: Item, value: object) -> Text | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return Text(vi="Vui lòng nhập một số.", en="Please enter a number.")
    if item.integer and not float(value).is_integer():
        return Text(vi="Vui lòng nhập một số nguyên.", en="Please enter a whole number.")
    if item.minimum is not None and value < item.minimum:
        return Text(
            vi=f"Giá trị không được nhỏ hơn {_number(item.minimum, 'vi')}.",
            en=f"The answer must be at least {_number(item.minimum, 'en')}.",
        )
    if item.maximum is not None and value > item.maximum:
        return Text(
            vi=f"Giá trị không được lớn hơn {_number(item.maximum, 'vi')}.",
            en=f"The answer must be at most {_number(item.maximum, 'en')}.",
        )
    return None


def _date_problem(value: object) -> Text | None:
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return None
    return Text(
        vi="Vui lòng nhập một ngày hợp lệ theo dạng năm-tháng-ngày, ví dụ 2024-05-31.",
        en="Please enter a valid date as year-month-day, e.g. 2024-05-31.",
    )


def _text_problem(item: Item, value: object) -> Text | None:
    if not isinstance(value, str):
        return Text(vi="Vui lòng nhập câu trả lời bằng chữ.", en="Please enter text.")
    if item.max_length is not None and len(value) > item.max_length:
        return Text(
            vi=f"Câu trả lời không được dài quá {item.max_length} ký tự.",
            en=f"The answer must be at most {item.max_length} characters long.",
        )
    return None
