"""The example answers (``questionnaires.examples``) are valid answers to every bundled item."""

from __future__ import annotations

import pytest

from questionnaires.answers import value_problem
from questionnaires.examples import example_form_value, stored_answer
from questionnaires.loader import bundled_questionnaires
from questionnaires.model import ItemType


@pytest.mark.parametrize("questionnaire_id", sorted(bundled_questionnaires()))
def test_every_example_answer_is_valid(questionnaire_id: str) -> None:
    """Posted and stored, each item's example answer has no problem by the answer rules."""
    questionnaire = bundled_questionnaires()[questionnaire_id]
    for item in questionnaire.items:
        answer = stored_answer(item, example_form_value(questionnaire, item))
        assert value_problem(item, questionnaire.choices(item), answer) is None, item.code


def test_numbers_are_parsed_as_the_form_posts_them() -> None:
    """A decimal comma is read; a whole number of an integer item is an int."""
    questionnaire = bundled_questionnaires()["sipas_citizens"]
    number = next(item for item in questionnaire.items if item.type is ItemType.NUMBER)
    whole = number.model_copy(update={"integer": True})
    assert type(stored_answer(whole, "2")) is int and stored_answer(whole, "2") == 2
    decimal = number.model_copy(update={"integer": False})
    assert stored_answer(decimal, "1,5") == 1.5
