"""A valid example answer for every item: what demo data, load benchmarks and tests answer.

The rule, by item type, as the form posts it (:func:`example_form_value`):

* single choice and rating: the first substantive choice (not "don't know" / "not
  applicable"); multiple choice: a list of that one code;
* number: the item's ``minimum`` as a whole number, else 1;
* date: 2 May 2024 (``2024-05-02``), a day in the past;
* short and long text: ``Ý kiến thử`` ("a test opinion").

:func:`stored_answer` turns a posted value into the stored answer by the convention of
``questionnaires.model``: numbers parsed (a decimal comma accepted), whole numbers of an
``integer`` item as int, everything else as posted.
"""

from __future__ import annotations

from typing import Any

from questionnaires.loader import Questionnaire
from questionnaires.model import CHOICE_TYPES, Item, ItemType

EXAMPLE_DATE = "2024-05-02"
EXAMPLE_TEXT = "Ý kiến thử"


def example_form_value(questionnaire: Questionnaire, item: Item) -> Any:
    """The example answer to ``item`` as a form posts it (see the module's rule)."""
    if item.type in CHOICE_TYPES:
        code = next(c.code for c in questionnaire.choices(item) if c.special is None)
        return [code] if item.type is ItemType.MULTIPLE_CHOICE else code
    if item.type is ItemType.NUMBER:
        return str(int(item.minimum) if item.minimum is not None else 1)
    if item.type is ItemType.DATE:
        return EXAMPLE_DATE
    return EXAMPLE_TEXT


def stored_answer(item: Item, form_value: Any) -> Any:
    """The answer stored for ``form_value`` posted to ``item``."""
    if item.type is ItemType.NUMBER:
        number = float(str(form_value).replace(",", "."))
        return int(number) if item.integer and number.is_integer() else number
    return form_value
