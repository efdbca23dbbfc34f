"""The typed definition model of a questionnaire file (format version 1).

A questionnaire is data: YAML validated into these pydantic models, then checked for meaning
(``questionnaires.form_checks``) and wrapped with its source path and content hash
(``questionnaires.loader.Questionnaire``). ``FORMAT.md`` beside this package documents the
format for authors; ``schema/questionnaire.schema.json`` is generated from these models.

Answer values, as stored and exported, by item type:

==================  ==============================================================
``single_choice``   the chosen choice ``code`` (str)
``rating``          the chosen choice ``code`` (str); its ``score`` in [0, 1] is used
                    by analysis, special answers (don't know / not applicable) have none
``multiple_choice`` the list of chosen codes, in choice-list order (list[str])
``number``          int when ``integer: true``, else float
``short_text``      str
``long_text``       str
``date``            ISO 8601 date string ``YYYY-MM-DD``
==================  ==============================================================

An unanswered or hidden (not relevant) item has no value at all: the key is absent.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

LANGUAGES: tuple[str, ...] = ("vi", "en")
"""Languages every text must carry; Vietnamese first and the default."""

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""An item, page or choice-list code: lower-case ASCII, digits and underscores."""

ChoiceCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]+$", max_length=32)]
"""A choice code, stored as the answer: e.g. ``"5"``, ``"dk"``, ``"male"``."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A bilingual text: Vietnamese (``vi``, default) and English (``en``)."""

    vi: str
    en: str

    def get(self, language: str) -> str:
        """The text in ``language`` (``vi`` or ``en``), falling back to Vietnamese."""
        return self.en if language == "en" else self.vi


class Special(StrEnum):
    """Answers kept in the data but excluded from every score."""

    DONT_KNOW = "dont_know"
    NOT_APPLICABLE = "not_applicable"


class Choice(_Strict):
    """One answer option. ``score`` in [0, 1] is the answer's value for scoring."""

    code: ChoiceCode
    label: Text
    score: float | None = None
    special: Special | None = None


class ItemType(StrEnum):
    """The kinds of question a form can ask."""

    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    RATING = "rating"
    NUMBER = "number"
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    DATE = "date"


CHOICE_TYPES: frozenset[ItemType] = frozenset(
    {ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_CHOICE, ItemType.RATING}
)


class Constraint(_Strict):
    """A rule the answer must satisfy (``.`` is the item's own value) and its message."""

    expression: str
    message: Text


class Item(_Strict):
    """One question.

    ``required`` and ``relevant`` are either booleans or expressions in the expression
    language (``questionnaires.expressions``); an item whose ``relevant`` is false is
    hidden, never required and never stored. ``criteria`` names the index criterion codes the
    item feeds.
    """

    code: Code
    type: ItemType
    text: Text
    help: Text | None = None
    choices: Code | list[Choice] | None = None
    required: bool | str = False
    relevant: str | None = None
    constraint: Constraint | None = None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    max_length: int | None = Field(default=None, gt=0)
    unit: Text | None = None
    criteria: list[str] = Field(default_factory=list)


class Page(_Strict):
    """One screen of the form; a page whose ``relevant`` is false is skipped whole."""

    id: Code
    title: Text
    intro: Text | None = None
    relevant: str | None = None
    items: list[Item]


class Sampling(_Strict):
    """Which answers carry the sampling fields when no invitation supplies them."""

    stratum: Code | None = None
    cluster: Code | None = None
    unit: Code | None = None


class QuestionnaireDefinition(_Strict):
    """A whole questionnaire file."""

    format: Literal[1] = 1
    id: Code
    version: str = Field(min_length=1, max_length=32)
    respondent_group: Code
    title: Text
    intro: Text
    source: Text | None = None
    choice_lists: dict[Code, list[Choice]] = Field(default_factory=dict)
    sampling: Sampling = Field(default_factory=Sampling)
    pages: list[Page] = Field(min_length=1)
