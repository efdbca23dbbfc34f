"""The meaning checks run on a definition that passed the model: each module one family of
rules, each returning (location, message) findings (``form_index.Finding``)."""

from __future__ import annotations

from questionnaires.model import QuestionnaireDefinition
from questionnaires.rules.choices import check_choices
from questionnaires.rules.conditions import check_conditions
from questionnaires.rules.form_index import Finding, FormIndex
from questionnaires.rules.structure import check_structure
from questionnaires.rules.texts import check_texts


def check_definition(definition: QuestionnaireDefinition) -> list[Finding]:
    """Every finding of every rule, structure first."""
    index = FormIndex(definition)
    return [
        *check_structure(index),
        *check_choices(index),
        *check_conditions(index),
        *check_texts(index),
    ]
