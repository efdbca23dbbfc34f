"""One form per questionnaire page, built at run time from the definition.

``page_form`` declares a ``PageForm`` subclass with one field per item of the page (from the
handler registry); ``PageView`` wraps a bound form with what the template needs per question.
Skip logic, ``required`` and ``constraint`` come from the loader's helpers, evaluated over the
answers as they would be saved: earlier pages plus this page's posted values.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from questionnaires.expressions import parse
from questionnaires.loader import Questionnaire
from questionnaires.model import Item, ItemType, Page
from survey_app.forms.handlers import AnswerValue, FieldHandler, handler_for

FIELD_PREFIX = "q_"
"""Field names are ``q_<item code>`` so no item code can clash with a form attribute."""


class PageForm(FlaskForm):  # type: ignore[misc]
    """Base of the generated page forms: CSRF only, the fields are added per page."""


@dataclass(frozen=True)
class Option:
    """One choice as shown: code, label, whether an "or" divider precedes it, and the id of
    its input."""

    code: str
    label: str
    divider: bool
    input_id: str


@dataclass(frozen=True)
class QuestionView:
    """What the template shows for one item."""

    code: str
    field: Any
    kind: str
    label: str
    hint: str | None
    described_by: str | None
    options: tuple[Option, ...]
    required: bool
    relevant: bool
    conditional: bool
    max_length: int | None
    integer: bool
    unit: str | None


def field_name(code: str) -> str:
    """The form field name of item ``code``."""
    return FIELD_PREFIX + code


def _kind(item: Item) -> str:
    """The template's rendering kind for an item type."""
    if item.type in (ItemType.SINGLE_CHOICE, ItemType.RATING):
        return "single"
    if item.type is ItemType.MULTIPLE_CHOICE:
        return "multiple"
    return item.type.value


def conditional_codes(page: Page) -> frozenset[str]:
    """Items whose relevance reads an answer given on the same page."""
    on_page = {item.code for item in page.items}
    return frozenset(
        item.code
        for item in page.items
        if item.relevant is not None and parse(item.relevant).references & on_page
    )


def _options(code: str, handler: FieldHandler, language: str) -> tuple[Option, ...]:
    """Item ``code``'s choices as shown in ``language``: a special answer ("don't know") that
    follows the scale gets an "or" divider before it."""
    options = []
    for index, choice in enumerate(handler.choices):
        special = choice.special is not None
        follows_scale = index > 0 and handler.choices[index - 1].special is None
        options.append(
            Option(
                choice.code,
                choice.label.get(language),
                special and follows_scale,
                f"{field_name(code)}-{choice.code}",
            )
        )
    return tuple(options)


class PageFormBuilder:
    """Builds, binds and reads the form of one page in one language. A builder keeps no
    request's data: :func:`page_form_builder` makes one per questionnaire, page and language
    and every request reuses it."""

    form_base: type[PageForm] = PageForm
    """The class the page's form class extends with one field per item."""

    def __init__(self, questionnaire: Questionnaire, page: Page, language: str) -> None:
        """Resolve a handler for each item of ``page`` and declare the form class."""
        self.questionnaire = questionnaire
        self.page = page
        self.language = language
        self.handlers: dict[str, FieldHandler] = {
            item.code: handler_for(item, list(questionnaire.choices(item)), language)
            for item in page.items
        }
        fields = {field_name(code): handler.field() for code, handler in self.handlers.items()}
        self.form_class: type[PageForm] = type(f"PageForm_{page.id}", (self.form_base,), fields)
        self.conditional = conditional_codes(page)
        self.options: dict[str, tuple[Option, ...]] = {
            code: _options(code, handler, language) for code, handler in self.handlers.items()
        }

    def bind(self, formdata: MultiDict[str, str] | None, answers: dict[str, Any]) -> PageForm:
        """The form filled from ``formdata`` when posted, else from the stored ``answers``."""
        data = {
            field_name(code): handler.to_data(answers[code])
            for code, handler in self.handlers.items()
            if code in answers
        }
        return self.form_class(formdata=formdata, data=data)

    def read(self, form: PageForm) -> dict[str, AnswerValue]:
        """This page's answers from a form, skipping fields whose text could not be read."""
        answers: dict[str, AnswerValue] = {}
        for code, handler in self.handlers.items():
            field = form[field_name(code)]
            if field.errors:
                continue
            value = handler.to_answer(field.data)
            if value is not None:
                answers[code] = value
        return answers

    def merged(
        self, answers: dict[str, Any], page_answers: dict[str, AnswerValue]
    ) -> dict[str, Any]:
        """All answers with this page's replaced by ``page_answers``, hidden items pruned."""
        kept = {code: value for code, value in answers.items() if code not in self.handlers}
        kept.update(page_answers)
        return dict(self.questionnaire.prune_hidden(kept))

    def check(self, form: PageForm, answers: dict[str, Any]) -> bool:
        """Add the loader's required and constraint messages to the visible items' fields;
        True when the page has no error at all."""
        problems = self.questionnaire.answer_problems(answers, only=self.handlers)
        visible = {item.code for item in self.questionnaire.visible_items(answers)}
        valid = True
        for item in self.page.items:
            field = form[field_name(item.code)]
            if item.code not in visible:
                field.errors = []
            elif not field.errors and item.code in problems:
                field.errors = [problems[item.code].get(self.language)]
            valid = valid and not field.errors
        return valid

    def questions(self, form: PageForm, answers: dict[str, Any]) -> list[QuestionView]:
        """The questions to show: visible items, plus those that may appear on this page."""
        visible = {item.code for item in self.questionnaire.visible_items(answers)}
        required = self.questionnaire.required_codes(answers, only=self.handlers)
        views = []
        for item in self.page.items:
            if item.code not in visible and item.code not in self.conditional:
                continue
            views.append(
                self._view(item, form, item.code in visible, item.code in required)
            )
        return views

    def _view(self, item: Item, form: PageForm, relevant: bool, required: bool) -> QuestionView:
        """The view of one item."""
        field = form[field_name(item.code)]
        hint = item.help.get(self.language) if item.help else None
        described_by = [f"{field.id}-hint"] if hint else []
        if field.errors:
            described_by.append(f"{field.id}-error")
        return QuestionView(
            code=item.code,
            field=field,
            kind=_kind(item),
            label=item.text.get(self.language),
            hint=hint,
            described_by=" ".join(described_by) or None,
            options=self.options[item.code],
            required=required if relevant else item.required is not False,
            relevant=relevant,
            conditional=item.code in self.conditional,
            max_length=item.max_length,
            integer=item.integer,
            unit=item.unit.get(self.language) if item.unit else None,
        )

    def error_list(self, form: PageForm) -> list[tuple[str, str]]:
        """``(anchor, "question: message")`` for the error summary, in page order; a choice
        group's anchor is its first option."""
        errors: list[tuple[str, str]] = []
        for item in self.page.items:
            field = form[field_name(item.code)]
            options = self.options[item.code]
            anchor = options[0].input_id if options else field.id
            question = item.text.get(self.language)
            errors.extend((anchor, f"{question} {message}") for message in field.errors)
        return errors


@lru_cache(maxsize=1024)
def page_form_builder(questionnaire: Questionnaire, page_id: str, language: str) -> PageFormBuilder:
    """The builder of one page of ``questionnaire`` in ``language``, made once per process."""
    return PageFormBuilder(questionnaire, questionnaire.page(page_id), language)
