"""The keying form of a paper questionnaire: every page of the run-time form on one long page,
for keying without a round trip per page, plus the form's serial number and its unit.

The item fields, their reading into answers and their checks are the respondent path's
(``survey_app.forms.pages.PageFormBuilder``) over one page that holds every item, so a paper
answer obeys exactly the validation and skip logic of a web answer: hidden items are pruned,
and the loader's ``required`` and ``constraint`` rules give the messages. Unlike a web page,
every item is shown (the printed form has them all, and numbering must match it); an item
whose visibility depends on other answers is marked conditional, so the page script can skip
it while it does not apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from questionnaires.loader import Questionnaire
from questionnaires.model import Page
from survey_app.forms.handlers import AnswerValue
from survey_app.forms.pages import PageForm, PageFormBuilder, QuestionView
from survey_app.models import Unit

SERIAL_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,63}")
"""A printed form serial once normalised: letters, digits, dots, hyphens and underscores."""

ALL_ITEMS_PAGE = "paper"
"""The id of the one page that holds every item."""


def normalise_serial(text: str | None) -> str:
    """A typed serial as stored: without spaces, in capitals."""
    return "".join((text or "").split()).upper()


class PaperFields(PageForm):
    """The fixed fields of a keying form: the printed serial and the unit."""

    form_serial = StringField(
        lazy_gettext("Form serial number"),
        description=lazy_gettext("As printed on the paper form, e.g. HUE-000123."),
        filters=[normalise_serial],
        validators=[
            DataRequired(lazy_gettext("Type the serial number printed on the form.")),
            Length(max=64),
            Regexp(
                SERIAL_PATTERN.pattern + "$",
                message=lazy_gettext(
                    "A serial number has 1 to 64 letters, digits, dots, hyphens or underscores."
                ),
            ),
        ],
    )
    unit = SelectField(lazy_gettext("Unit on the form"), validate_choice=False)


@dataclass(frozen=True)
class Section:
    """A page of the printed form and its questions."""

    page: Page
    questions: list[QuestionView]


class PaperFormBuilder(PageFormBuilder):
    """Builds, binds, reads and checks the keying form of one questionnaire."""

    form_base = PaperFields

    def __init__(self, questionnaire: Questionnaire, language: str) -> None:
        """One page with every item of ``questionnaire``."""
        whole = Page(id=ALL_ITEMS_PAGE, title=questionnaire.title, items=list(questionnaire.items))
        super().__init__(questionnaire, whole, language)
        self.conditional = frozenset(
            item.code
            for item in questionnaire.items
            if item.relevant is not None or questionnaire.page_of(item).relevant is not None
        )

    def bind_paper(
        self,
        formdata: MultiDict[str, str] | None,
        units: list[Unit],
        unit_required: bool,
        language: str,
    ) -> PageForm:
        """The keying form, filled from ``formdata`` when posted, with ``units`` to choose
        from; the unit must be chosen when nothing else gives it."""
        form = self.bind(formdata, {})
        blank = (
            lazy_gettext("Choose the unit")
            if unit_required
            else lazy_gettext("As the questionnaire gives it")
        )
        form.unit.choices = [SelectChoice("", blank)] + [
            SelectChoice(str(unit.id), f"{unit.name(language)} ({unit.code})") for unit in units
        ]
        return form

    def answers(self, form: PageForm) -> dict[str, AnswerValue]:
        """The keyed answers, hidden items pruned, in the questionnaire's item order (so equal
        answers are stored as equal text)."""
        kept = self.merged({}, self.read(form))
        return {
            item.code: kept[item.code] for item in self.questionnaire.items if item.code in kept
        }

    def sections(self, form: PageForm, answers: dict[str, Any]) -> list[Section]:
        """Every page of the questionnaire with all its questions, applicable or not."""
        visible = {item.code for item in self.questionnaire.visible_items(answers)}
        required = self.questionnaire.required_codes(answers)
        return [
            Section(
                page,
                [
                    self._view(item, form, item.code in visible, item.code in required)
                    for item in page.items
                ],
            )
            for page in self.questionnaire.pages
        ]

    def visible_codes(self, answers: dict[str, Any]) -> list[str]:
        """The codes of the items that apply to ``answers``, in form order."""
        return [item.code for item in self.questionnaire.visible_items(answers)]

    def fixed_errors(self, form: PageForm) -> list[tuple[str, str]]:
        """``(anchor, message)`` of the serial's and the unit's errors, for the summary."""
        return [
            (field.id, f"{field.label.text}: {message}")
            for field in (form.form_serial, form.unit)
            for message in field.errors
        ]
