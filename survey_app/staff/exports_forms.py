"""The export form, built per round: file format, label language, respondent groups and units
(none ticked: all), and small-cell suppression (threshold k, action, up to
:data:`GROUPINGS` groupings of fixed columns)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import NumberRange, Optional, ValidationError

from survey_app.export.formats import ExportFormat
from survey_app.export.suppression import (
    MIN_THRESHOLD,
    SUPPRESSIBLE_COLUMNS,
    SuppressionAction,
    SuppressionRule,
)
from survey_app.i18n import LANGUAGE_NAMES, LANGUAGES
from survey_app.models import Round, Unit
from survey_app.staff.exports_build import ExportSettings
from survey_app.staff.weighting_forms import WholeNumberField

GROUPINGS = 3
"""Groupings offered for suppression."""

DEFAULT_GROUPING = ("unit", "respondent_group")
"""The first grouping's columns when the form opens."""

MAX_THRESHOLD = 1000


def format_label(value: str) -> str:
    """The interface name of a file format."""
    labels: dict[str, str] = {
        "csv": gettext("CSV (UTF-8, opens in Excel)"),
        "xlsx": gettext("Excel workbook (XLSX), with the codebook as a second sheet"),
        "parquet": gettext("Parquet (typed columns, for R, Python, Stata)"),
        "sav": gettext("SPSS (SAV) with variable and value labels"),
    }
    return labels.get(value, value)


def column_label(name: str) -> str:
    """The interface name of a fixed column a grouping may cross."""
    labels: dict[str, str] = {
        "unit": gettext("Unit"),
        "respondent_group": gettext("Respondent group"),
        "mode": gettext("Mode (web or paper)"),
        "stratum": gettext("Stratum"),
        "cluster": gettext("Cluster"),
    }
    return labels.get(name, name)


class ExportFormBase(FlaskForm):  # type: ignore[misc]
    """The fixed fields of an export."""

    export_format = RadioField(
        lazy_gettext("File format"),
        choices=[SelectChoice(f.value, f.value) for f in ExportFormat],
        default=ExportFormat.CSV.value,
    )
    language = SelectField(
        lazy_gettext("Language of the labels (SPSS labels and the XLSX codebook sheet)"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    )
    groups = SelectMultipleField(lazy_gettext("Respondent groups"), default=[])
    units = SelectMultipleField(lazy_gettext("Units"), default=[])
    threshold = WholeNumberField(
        lazy_gettext("Suppress cells with fewer responses than k ="),
        description=lazy_gettext("Blank: no suppression. For example 5."),
        validators=[
            Optional(),
            NumberRange(
                MIN_THRESHOLD,
                MAX_THRESHOLD,
                lazy_gettext(
                    "k must be a whole number from %(low)d to %(high)d.",
                    low=MIN_THRESHOLD,
                    high=MAX_THRESHOLD,
                ),
            ),
        ],
    )
    action = RadioField(
        lazy_gettext("Rows of a small cell are"),
        choices=[
            SelectChoice(SuppressionAction.DROP.value, lazy_gettext("left out of the export")),
            SelectChoice(
                SuppressionAction.BLANK.value,
                lazy_gettext("kept, with the grouping's columns emptied"),
            ),
        ],
        default=SuppressionAction.DROP.value,
    )

    def groupings(self) -> list[tuple[str, ...]]:
        """The groupings ticked, in order, each once."""
        chosen: list[tuple[str, ...]] = []
        for index in range(GROUPINGS):
            columns = tuple(
                name
                for name in SUPPRESSIBLE_COLUMNS
                if name in (self[f"grouping_{index}"].data or [])
            )
            if columns and columns not in chosen:
                chosen.append(columns)
        return chosen

    def validate_threshold(self, field: WholeNumberField) -> None:
        """A threshold needs a grouping whose cells it counts."""
        if field.data is not None and not self.groupings():
            raise ValidationError(gettext("Tick the columns of at least one grouping."))


def export_form(round_: Round, groups: list[str], language: str, **kwargs: Any) -> ExportFormBase:
    """The export form of ``round_`` with its groups and units to choose from."""

    class ExportForm(ExportFormBase):
        """The export form of this request."""

    for index in range(GROUPINGS):
        setattr(
            ExportForm,
            f"grouping_{index}",
            SelectMultipleField(
                lazy_gettext("Grouping %(number)d", number=index + 1),
                choices=[SelectChoice(name, column_label(name)) for name in SUPPRESSIBLE_COLUMNS],
                default=list(DEFAULT_GROUPING) if index == 0 else [],
            ),
        )
    form = ExportForm(**kwargs)
    form.export_format.choices = [
        SelectChoice(f.value, format_label(f.value)) for f in ExportFormat
    ]
    form.groups.choices = [SelectChoice(group, group) for group in groups]
    units: list[Unit] = list(round_.units)
    form.units.choices = [
        SelectChoice(unit.code, f"{unit.name(language)} ({unit.code})") for unit in units
    ]
    return form


def settings_from(form: ExportFormBase) -> ExportSettings:
    """The settings a valid form gives."""
    rule = None
    if form.threshold.data is not None:
        rule = SuppressionRule(
            k=int(form.threshold.data),
            groupings=tuple(form.groupings()),
            action=SuppressionAction(form.action.data),
        )
    return ExportSettings(
        export_format=ExportFormat(form.export_format.data),
        language=form.language.data,
        groups=tuple(form.groups.data or ()),
        units=tuple(form.units.data or ()),
        suppression=rule,
    )
