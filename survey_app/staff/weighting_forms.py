"""The settings form of a weighting run, built per round: design weights, non-response classes,
one source per population margin of the round (an item of the group's questionnaire, a
response field, or left out), collapsing, iterations and trimming bounds.

A margin variable is matched to its source by name when the form opens: the item whose code is
the variable (``sex``), else the only one ending with ``_<variable>`` (``d_sex``), else the only
one whose ``_``-separated words include the variable's (``age`` → ``d_age_band``), else a
response field of that name; staff may choose another or leave it out. A categorical margin
reads a single-choice or rating item or a response field; a numeric total reads a number item.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from questionnaires.model import ItemType
from survey_app.catalogue import questionnaire_of
from survey_app.models import PopulationMargin, RoundQuestionnaire, db
from survey_app.weighting_runs import (
    CELL_COLUMNS,
    DEFAULT_MAX_ITERATIONS,
    FIELD_PREFIX,
    ITEM_PREFIX,
    DesignSource,
    WeightingSettings,
)

CATEGORICAL_ITEMS = frozenset({ItemType.SINGLE_CHOICE, ItemType.RATING})
NUMERIC_ITEMS = frozenset({ItemType.NUMBER})
CATEGORICAL_FIELDS: tuple[str, ...] = ("unit", "stratum", "cluster", "mode")
"""Response fields a categorical margin may read (the group is constant within a group)."""

MAX_ITERATIONS = 100_000


@dataclass(frozen=True)
class MarginVariable:
    """A population margin variable of a group, as the form asks for its source."""

    group: str
    variable: str
    numeric: bool
    levels: tuple[str, ...]
    field_name: str


def round_margins(round_id: int) -> dict[str, dict[str, tuple[bool, tuple[str, ...]]]]:
    """Group → variable → (numeric, levels) of the round's population margins."""
    margins: dict[str, dict[str, tuple[bool, list[str]]]] = defaultdict(dict)
    for margin in db.session.scalars(
        select(PopulationMargin)
        .where(PopulationMargin.round_id == round_id)
        .order_by(PopulationMargin.respondent_group, PopulationMargin.id)
    ):
        numeric, levels = margins[margin.respondent_group].get(margin.variable, (False, []))
        if margin.level:
            levels.append(margin.level)
        else:
            numeric = True
        margins[margin.respondent_group][margin.variable] = (numeric, levels)
    return {
        group: {name: (numeric, tuple(levels)) for name, (numeric, levels) in variables.items()}
        for group, variables in margins.items()
    }


def _group_items(round_id: int, language: str) -> dict[str, list[tuple[str, ItemType, str]]]:
    """Group → the (code, type, text) of the items its questionnaires in the round ask."""
    items: dict[str, list[tuple[str, ItemType, str]]] = defaultdict(list)
    offers = db.session.scalars(
        select(RoundQuestionnaire).where(RoundQuestionnaire.round_id == round_id)
    )
    for offer in offers:
        seen = {code for code, _, _ in items[offer.respondent_group]}
        for item in questionnaire_of(offer.questionnaire_version).items:
            if item.code not in seen:
                items[offer.respondent_group].append(
                    (item.code, item.type, item.text.get(language))
                )
    return items


def _field_label(name: str) -> str:
    """The interface name of a response field."""
    labels: dict[str, str] = {
        "unit": gettext("Unit (response field)"),
        "stratum": gettext("Stratum (response field)"),
        "cluster": gettext("Cluster (response field)"),
        "mode": gettext("Mode: web or paper (response field)"),
    }
    return labels[name]


def source_choices(items: list[tuple[str, ItemType, str]], numeric: bool) -> list[SelectChoice]:
    """The sources a margin may read: leave out, the fitting items, the response fields."""
    wanted = NUMERIC_ITEMS if numeric else CATEGORICAL_ITEMS
    choices = [SelectChoice("", gettext("Leave this variable out"))]
    choices += [
        SelectChoice(f"{ITEM_PREFIX}{code}", f"{code} – {text}")
        for code, kind, text in items
        if kind in wanted
    ]
    if not numeric:
        choices += [
            SelectChoice(f"{FIELD_PREFIX}{name}", _field_label(name)) for name in CATEGORICAL_FIELDS
        ]
    return choices


def _contains_words(code: str, variable: str) -> bool:
    """Whether the ``_``-separated words of ``variable`` run on in those of ``code``."""
    words, wanted = code.split("_"), variable.split("_")
    return any(words[i : i + len(wanted)] == wanted for i in range(len(words)))


def matched_source(variable: str, choices: list[SelectChoice]) -> str:
    """The source a variable's name points to (module docstring), or "" when none does."""
    values = [str(choice.value) for choice in choices if choice.value]
    items = [value for value in values if value.startswith(ITEM_PREFIX)]
    exact = f"{ITEM_PREFIX}{variable}"
    if exact in items:
        return exact
    for matches in (
        [value for value in items if value.endswith(f"_{variable}")],
        [value for value in items if _contains_words(value[len(ITEM_PREFIX) :], variable)],
    ):
        if len(matches) == 1:
            return matches[0]
    field = f"{FIELD_PREFIX}{variable}"
    return field if field in values else ""


class DecimalCommaField(DecimalField):  # type: ignore[misc]
    """A decimal number, with a decimal point or comma, refused in the reader's language."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Read ``3,5`` as ``3.5``."""
        try:
            super().process_formdata([str(value).strip().replace(",", ".") for value in valuelist])
        except ValueError as error:
            raise ValueError(gettext("Enter a number, e.g. 0.3 or 3,5.")) from error


class WholeNumberField(IntegerField):  # type: ignore[misc]
    """A whole number, refused in the reader's language."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Read the number, explaining what is expected when it is not one."""
        try:
            super().process_formdata([str(value).strip() for value in valuelist])
        except ValueError as error:
            raise ValueError(gettext("Enter a whole number.")) from error


class WeightingFormBase(FlaskForm):  # type: ignore[misc]
    """The fixed fields of a run's settings."""

    label = StringField(
        lazy_gettext("Name of the run"),
        validators=[DataRequired(lazy_gettext("Enter a name for the run.")), Length(max=128)],
    )
    design = RadioField(
        lazy_gettext("Design weights N / n per frame cell, with n"),
        choices=[
            SelectChoice(
                DesignSource.RESPONSES.value,
                lazy_gettext("the number of responses in the cell (non-response absorbed)"),
            ),
            SelectChoice(
                DesignSource.TARGETS.value,
                lazy_gettext("the cell's target sample size (missing responses are non-response)"),
            ),
        ],
        default=DesignSource.RESPONSES.value,
    )
    nonresponse_classes = SelectMultipleField(
        lazy_gettext("Non-response adjustment classes"),
        description=lazy_gettext(
            "Only with target sample sizes: within each class the responses carry the weight "
            "of the missing ones. None ticked: no adjustment."
        ),
        choices=[
            SelectChoice("unit", lazy_gettext("Unit")),
            SelectChoice("respondent_group", lazy_gettext("Respondent group")),
            SelectChoice("stratum", lazy_gettext("Stratum")),
        ],
        default=[],
    )
    collapse_empty = BooleanField(
        lazy_gettext("Merge a margin level that has no responses into its neighbouring level")
    )
    max_iterations = WholeNumberField(
        lazy_gettext("Maximum raking iterations"),
        default=DEFAULT_MAX_ITERATIONS,
        validators=[
            InputRequired(lazy_gettext("Enter the maximum number of iterations.")),
            NumberRange(
                1,
                MAX_ITERATIONS,
                lazy_gettext("Enter a whole number from 1 to %(max)d.", max=MAX_ITERATIONS),
            ),
        ],
    )
    trim_lower = DecimalCommaField(
        lazy_gettext("Lower bound (× mean weight)"),
        description=lazy_gettext("Above 0 and below 1, e.g. 0.3; blank: no lower bound."),
        places=None,
        validators=[Optional()],
    )
    trim_upper = DecimalCommaField(
        lazy_gettext("Upper bound (× mean weight)"),
        description=lazy_gettext("Above 1, e.g. 3.5; blank: no upper bound."),
        places=None,
        validators=[Optional()],
    )

    def validate_trim_lower(self, field: DecimalCommaField) -> None:
        """A lower bound is a fraction of the mean weight: above 0, below 1."""
        if field.data is not None and not Decimal(0) < field.data < Decimal(1):
            raise ValidationError(gettext("The lower bound must lie above 0 and below 1."))

    def validate_trim_upper(self, field: DecimalCommaField) -> None:
        """An upper bound is a multiple of the mean weight above 1."""
        if field.data is not None and field.data <= Decimal(1):
            raise ValidationError(gettext("The upper bound must be above 1."))


def weighting_form(round_id: int, language: str, **kwargs: Any) -> WeightingFormBase:
    """The settings form of a run of round ``round_id`` (one source field per margin)."""
    margins = round_margins(round_id)
    items = _group_items(round_id, language)

    class WeightingForm(WeightingFormBase):
        """The settings form of this request."""

    variables: list[MarginVariable] = []
    defaults: dict[str, str] = {}
    for group, group_margins in margins.items():
        for variable, (numeric, levels) in group_margins.items():
            name = f"margin_{len(variables)}"
            choices = source_choices(items.get(group, []), numeric)
            defaults[name] = matched_source(variable, choices)
            setattr(
                WeightingForm,
                name,
                SelectField(variable, choices=choices, default=defaults[name]),
            )
            variables.append(MarginVariable(group, variable, numeric, levels, name))
    form = WeightingForm(**kwargs)
    form.margin_variables = variables
    return form


def settings_from(form: WeightingFormBase) -> WeightingSettings:
    """The settings a valid form gives."""
    margins: dict[str, dict[str, str]] = defaultdict(dict)
    for variable in form.margin_variables:
        source = form[variable.field_name].data
        if source:
            margins[variable.group][variable.variable] = source
    design = DesignSource(form.design.data)
    classes = [name for name in CELL_COLUMNS if name in (form.nonresponse_classes.data or [])]
    return WeightingSettings(
        design=design,
        nonresponse_classes=tuple(classes) if design is DesignSource.TARGETS else (),
        margins=dict(margins),
        collapse_empty=bool(form.collapse_empty.data),
        max_iterations=int(form.max_iterations.data),
        trim_lower=None if form.trim_lower.data is None else float(form.trim_lower.data),
        trim_upper=None if form.trim_upper.data is None else float(form.trim_upper.data),
    )
