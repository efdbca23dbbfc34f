"""Field handlers: one per item type, each building the WTForms field for an item.

``FIELD_HANDLERS`` maps ``ItemType`` to its handler class; ``handler_for`` picks one. A handler
also converts between the field's data and the stored answer value (see
``questionnaires.model``) and refuses only text it cannot read as its kind of value (a number, a
date). Everything else about a value (choices, bounds, whole numbers, lengths, the author's
constraint) is the loader's ``constraint_message``, checked once the page's answers are read.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from flask_babel import gettext
from wtforms import (
    Field,
    Form,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import ValidationError

from questionnaires.model import Choice, Item, ItemType
from survey_app.forms.values import UnreadableValue, format_number, parse_date, parse_number

AnswerValue = str | int | float | list[str]
"""A stored answer, by the convention of ``questionnaires.model``."""


class FieldHandler(ABC):
    """Builds the field for one item and converts its data to and from the stored answer."""

    def __init__(self, item: Item, choices: list[Choice], language: str) -> None:
        """Keep the item, its resolved choices and the display language."""
        self.item = item
        self.choices = choices
        self.language = language

    @abstractmethod
    def field(self) -> UnboundField[Any]:
        """The unbound WTForms field for the item."""

    @abstractmethod
    def to_answer(self, data: Any) -> AnswerValue | None:
        """The stored answer for valid field ``data``; None when nothing was given."""

    @abstractmethod
    def to_data(self, answer: AnswerValue) -> Any:
        """The field data that shows a stored ``answer`` again."""

    def label(self) -> str:
        """The question text in the display language."""
        return self.item.text.get(self.language)

    def select_choices(self) -> list[SelectChoice]:
        """The item's choices as WTForms options, code as value, in list order."""
        return [
            SelectChoice(choice.code, choice.label.get(self.language)) for choice in self.choices
        ]


class SingleChoiceHandler(FieldHandler):
    """A radio group: single choice and rating items."""

    def field(self) -> UnboundField[Any]:
        """A radio group over the item's choices."""
        return RadioField(
            self.label(),
            choices=self.select_choices(),
            validate_choice=False,
        )

    def to_answer(self, data: Any) -> AnswerValue | None:
        """The chosen code."""
        return str(data) if data else None

    def to_data(self, answer: AnswerValue) -> Any:
        """The chosen code."""
        return answer


class MultipleChoiceHandler(FieldHandler):
    """Checkboxes: the answer is the chosen codes in choice-list order."""

    def field(self) -> UnboundField[Any]:
        """Checkboxes over the item's choices."""
        return SelectMultipleField(
            self.label(),
            choices=self.select_choices(),
            validate_choice=False,
        )

    def to_answer(self, data: Any) -> AnswerValue | None:
        """The chosen codes in choice-list order; None when none is ticked."""
        chosen = set(data or [])
        ordered = [choice.code for choice in self.choices if choice.code in chosen]
        return ordered or None

    def to_data(self, answer: AnswerValue) -> Any:
        """The chosen codes."""
        return list(answer) if isinstance(answer, list) else [answer]


class NumberHandler(FieldHandler):
    """A number typed as text, with a decimal comma or point."""

    def field(self) -> UnboundField[Any]:
        """A text input for a number."""
        return StringField(self.label(), validators=[self.check_number])

    def check_number(self, _form: Form, field: Field) -> None:
        """Reject text that is not a number."""
        if not field.data or not str(field.data).strip():
            return
        try:
            parse_number(str(field.data))
        except UnreadableValue as error:
            raise ValidationError(gettext("Enter a number, for example 12 or 3.5.")) from error

    def to_answer(self, data: Any) -> AnswerValue | None:
        """The number: an int for integer items given a whole number, else a float."""
        if not data or not str(data).strip():
            return None
        value = parse_number(str(data))
        return int(value) if self.item.integer and value.is_integer() else value

    def to_data(self, answer: AnswerValue) -> Any:
        """The number as text."""
        return format_number(answer) if isinstance(answer, int | float) else str(answer)


class TextHandler(FieldHandler):
    """A one-line text."""

    def field(self) -> UnboundField[Any]:
        """A text input."""
        return StringField(self.label())

    def to_answer(self, data: Any) -> AnswerValue | None:
        """The text without surrounding spaces; None when blank."""
        text = str(data or "").strip()
        return text or None

    def to_data(self, answer: AnswerValue) -> Any:
        """The text."""
        return answer


class LongTextHandler(TextHandler):
    """A text area."""

    def field(self) -> UnboundField[Any]:
        """A text area."""
        return TextAreaField(self.label())


class DateHandler(FieldHandler):
    """A date, from a date picker (ISO) or typed as dd/mm/yyyy."""

    def field(self) -> UnboundField[Any]:
        """A date input."""
        return StringField(self.label(), validators=[self.check_date])

    def check_date(self, _form: Form, field: Field) -> None:
        """Reject text that is not a date."""
        if not field.data or not str(field.data).strip():
            return
        try:
            parse_date(str(field.data))
        except UnreadableValue as error:
            raise ValidationError(gettext("Enter a date, for example 31/12/2024.")) from error

    def to_answer(self, data: Any) -> AnswerValue | None:
        """The ISO date string."""
        if not data or not str(data).strip():
            return None
        return parse_date(str(data))

    def to_data(self, answer: AnswerValue) -> Any:
        """The ISO date string, as a date input expects."""
        return answer


FIELD_HANDLERS: dict[ItemType, type[FieldHandler]] = {
    ItemType.SINGLE_CHOICE: SingleChoiceHandler,
    ItemType.RATING: SingleChoiceHandler,
    ItemType.MULTIPLE_CHOICE: MultipleChoiceHandler,
    ItemType.NUMBER: NumberHandler,
    ItemType.SHORT_TEXT: TextHandler,
    ItemType.LONG_TEXT: LongTextHandler,
    ItemType.DATE: DateHandler,
}


def handler_for(item: Item, choices: list[Choice], language: str) -> FieldHandler:
    """The handler for ``item``'s type; a type without one is a programming error."""
    try:
        handler_class = FIELD_HANDLERS[item.type]
    except KeyError as error:
        raise LookupError(f"no field handler for item type {item.type!r}") from error
    return handler_class(item, choices, language)
