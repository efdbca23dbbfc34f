"""The export's columns: which there are, in what order, named how and typed how.

Fixed leading columns (``FIXED_COLUMNS``): response_id, round, unit, respondent_group, mode,
stratum, cluster, questionnaire_id, questionnaire_version, questionnaire_hash, submitted_on,
duration_seconds, device, form_serial (the printed serial of a paper form). Then one column
per item code of every questionnaire version in the export, and after each multiple-choice
column one 0/1 indicator column per choice.

Order. Versions are taken in the order given (the export gives them by questionnaire id, then
oldest stored first). The item codes of the first version keep its form order; each later
version's new code is placed right after the code that precedes it in that version's form (or,
for its first item, before the first of its codes already placed, else at the end). The order is
therefore stable: re-exporting the same versions gives the same columns.

Kinds, by item type (``questionnaires.model``'s answer-value convention):

===========================  ===================  =========================================
item type                    kind                 column holds
===========================  ===================  =========================================
single_choice, rating        ``coded_integer``    the code as an integer, when every code of
                                                  the (merged) choice list is a whole number
                                                  written without leading zeros ("1", "10")
single_choice, rating        ``code``             the code as text, otherwise
multiple_choice              ``choices``          the chosen codes joined by ``;`` in
                                                  choice-list order, then one ``indicator``
                                                  column ``<item>__<code>`` per choice: 1
                                                  chosen, 0 not chosen, empty unanswered
number                       ``integer``          int64 when ``integer: true`` in every version
number                       ``decimal``          float64 otherwise
short_text, long_text        ``text``             the text
date                         ``date``             a calendar date
===========================  ===================  =========================================

Special answers (don't know, not applicable) are ordinary codes of the list, kept as such. A
hidden or unanswered item is empty (null).

Versions merged. An item code in several versions gets one column: the choice lists are merged
by code (order of first appearance, labels of the last version that has the code) and labels
come from the last version that has the item. When versions disagree on the kind of answer
(e.g. a number in one, a choice in another) the column is ``text`` holding each answer written
out (a list joined by ``;``) and the layout carries a note saying so.

Names. A column is named by its item code; an item code equal to a fixed column's name is
exported as ``item_<code>`` (with a note). Two columns never share a name
(:class:`ColumnNameError`). Flask-free.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import pyarrow as pa

from questionnaires.loader import Questionnaire
from questionnaires.model import Choice, Item, ItemType, Text
from survey_app.export.errors import ColumnNameError


class ColumnKind(StrEnum):
    """How a column's values are typed (see the module docstring)."""

    TEXT = "text"
    CODE = "code"
    CODED_INTEGER = "coded_integer"
    CHOICES = "choices"
    INDICATOR = "indicator"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"


ARROW_TYPES: Mapping[ColumnKind, pa.DataType] = {
    ColumnKind.TEXT: pa.string(),
    ColumnKind.CODE: pa.string(),
    ColumnKind.CODED_INTEGER: pa.int64(),
    ColumnKind.CHOICES: pa.string(),
    ColumnKind.INDICATOR: pa.int8(),
    ColumnKind.INTEGER: pa.int64(),
    ColumnKind.DECIMAL: pa.float64(),
    ColumnKind.DATE: pa.date32(),
}
"""The Arrow (and so pandas ``ArrowDtype`` and Parquet) type of each kind."""

MULTIPLE_SEPARATOR = ";"
"""Joins the chosen codes of a multiple-choice answer."""

INDICATOR_SEPARATOR = "__"
"""Joins a multiple-choice column's name and a choice code into an indicator column's name."""

RENAMED_ITEM_PREFIX = "item_"
"""Prefixes an item code that is also the name of a fixed column."""

_INTEGER_CODE = re.compile(r"0|[1-9][0-9]{0,17}")
"""A choice code that reads back as the same int64 (no sign, no leading zero)."""


@dataclass(frozen=True)
class ItemVersion:
    """An item as one questionnaire version defines it, with its choices resolved."""

    questionnaire_id: str
    questionnaire_version: str
    questionnaire_hash: str
    item: Item
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Column:
    """One export column.

    ``item`` is the item code (None for fixed columns), ``choice`` the choice code of an
    indicator column, ``choices`` the merged choice list (value labels), ``versions`` every
    version's definition of the item, ``mixed`` whether those versions disagree on the kind.
    """

    name: str
    kind: ColumnKind
    label: Text
    item: str | None = None
    choice: str | None = None
    choices: tuple[Choice, ...] = ()
    versions: tuple[ItemVersion, ...] = ()
    mixed: bool = False

    @property
    def arrow_type(self) -> pa.DataType:
        """The column's Arrow type."""
        return ARROW_TYPES[self.kind]

    @property
    def is_rating(self) -> bool:
        """Whether any version asks the item as a rating (an ordered scale)."""
        return any(version.item.type is ItemType.RATING for version in self.versions)


def _fixed(name: str, kind: ColumnKind, vi: str, en: str) -> Column:
    return Column(name=name, kind=kind, label=Text(vi=vi, en=en))


FIXED_COLUMNS: tuple[Column, ...] = (
    _fixed("response_id", ColumnKind.TEXT, "Mã phiếu trả lời", "Response id"),
    _fixed("round", ColumnKind.TEXT, "Mã đợt khảo sát", "Survey round code"),
    _fixed("unit", ColumnKind.TEXT, "Mã đơn vị", "Unit code"),
    _fixed("respondent_group", ColumnKind.TEXT, "Nhóm đối tượng khảo sát", "Respondent group"),
    _fixed("mode", ColumnKind.TEXT, "Hình thức thu thập (web, paper)", "Mode (web, paper)"),
    _fixed("stratum", ColumnKind.TEXT, "Tầng chọn mẫu", "Sampling stratum"),
    _fixed("cluster", ColumnKind.TEXT, "Cụm chọn mẫu", "Sampling cluster"),
    _fixed("questionnaire_id", ColumnKind.TEXT, "Mã phiếu hỏi", "Questionnaire id"),
    _fixed(
        "questionnaire_version", ColumnKind.TEXT, "Phiên bản phiếu hỏi", "Questionnaire version"
    ),
    _fixed(
        "questionnaire_hash",
        ColumnKind.TEXT,
        "Mã băm SHA-256 của tệp phiếu hỏi",
        "SHA-256 content hash of the questionnaire file",
    ),
    _fixed("submitted_on", ColumnKind.DATE, "Ngày nộp phiếu", "Submitted on"),
    _fixed(
        "duration_seconds",
        ColumnKind.DECIMAL,
        "Thời gian trả lời (giây)",
        "Time spent answering (seconds)",
    ),
    _fixed(
        "device",
        ColumnKind.TEXT,
        "Loại thiết bị (mobile, tablet, desktop)",
        "Device class (mobile, tablet, desktop)",
    ),
    _fixed(
        "form_serial",
        ColumnKind.TEXT,
        "Số sê-ri phiếu giấy",
        "Serial number of the paper form",
    ),
)
"""The leading columns every export has, in order."""

FIXED_NAMES: frozenset[str] = frozenset(column.name for column in FIXED_COLUMNS)


@dataclass(frozen=True)
class ExportLayout:
    """The columns of an export of responses to ``questionnaires``, and notes for the user."""

    columns: tuple[Column, ...]
    questionnaires: tuple[Questionnaire, ...]
    notes: tuple[str, ...] = ()
    schema: pa.Schema = field(init=False)
    item_codes: Mapping[str, frozenset[str]] = field(init=False)
    """Content hash → the item codes of that version."""

    def __post_init__(self) -> None:
        schema = pa.schema([pa.field(c.name, c.arrow_type) for c in self.columns])
        object.__setattr__(self, "schema", schema)
        codes = {q.content_hash: frozenset(i.code for i in q.items) for q in self.questionnaires}
        object.__setattr__(self, "item_codes", codes)

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(column.name for column in self.columns)

    @property
    def item_columns(self) -> tuple[Column, ...]:
        """The columns of items (not fixed, not indicators)."""
        return tuple(c for c in self.columns if c.item is not None and c.choice is None)


def build_layout(questionnaires: Sequence[Questionnaire]) -> ExportLayout:
    """The layout of an export of responses to ``questionnaires`` (in the order given)."""
    versions: dict[str, list[ItemVersion]] = {}
    for questionnaire in questionnaires:
        for item in questionnaire.items:
            versions.setdefault(item.code, []).append(
                ItemVersion(
                    questionnaire_id=questionnaire.id,
                    questionnaire_version=questionnaire.version,
                    questionnaire_hash=questionnaire.content_hash,
                    item=item,
                    choices=questionnaire.choices(item),
                )
            )
    columns: list[Column] = list(FIXED_COLUMNS)
    notes: list[str] = []
    for code in merged_item_order(questionnaires):
        name = code
        if code in FIXED_NAMES:
            name = f"{RENAMED_ITEM_PREFIX}{code}"
            notes.append(f"item {code} is exported as column {name}: {code} is a fixed column")
        column, note = _item_column(name, code, tuple(versions[code]))
        if note is not None:
            notes.append(note)
        columns.append(column)
        if column.kind is ColumnKind.CHOICES:
            columns.extend(_indicator_columns(column))
    _check_unique(columns)
    return ExportLayout(
        columns=tuple(columns), questionnaires=tuple(questionnaires), notes=tuple(notes)
    )


def merged_item_order(questionnaires: Sequence[Questionnaire]) -> list[str]:
    """Every item code once, merged across versions as the module docstring says."""
    order: list[str] = []
    placed: set[str] = set()
    for questionnaire in questionnaires:
        codes = [item.code for item in questionnaire.items]
        for position, code in enumerate(codes):
            if code in placed:
                continue
            if position > 0:
                at = order.index(codes[position - 1]) + 1
            else:
                later = next((c for c in codes[1:] if c in placed), None)
                at = order.index(later) if later is not None else len(order)
            order.insert(at, code)
            placed.add(code)
    return order


_FAMILIES: Mapping[ItemType, str] = {
    ItemType.SINGLE_CHOICE: "single choice",
    ItemType.RATING: "single choice",
    ItemType.MULTIPLE_CHOICE: "multiple choice",
    ItemType.NUMBER: "number",
    ItemType.SHORT_TEXT: "text",
    ItemType.LONG_TEXT: "text",
    ItemType.DATE: "date",
}
"""Item types whose answers share a column kind."""


def merge_choices(versions: Sequence[ItemVersion]) -> tuple[Choice, ...]:
    """The versions' choices by code: first-appearance order, the last version's labels."""
    merged: dict[str, Choice] = {}
    for version in versions:
        for choice in version.choices:
            merged[choice.code] = choice
    return tuple(merged.values())


def is_integer_coded(choices: Sequence[Choice]) -> bool:
    """Whether every choice code is a whole number that reads back unchanged as an int64."""
    return bool(choices) and all(_INTEGER_CODE.fullmatch(c.code) for c in choices)


def _item_column(
    name: str, code: str, versions: tuple[ItemVersion, ...]
) -> tuple[Column, str | None]:
    """The column of item ``code`` over its versions, and a note if they disagree."""
    label = versions[-1].item.text
    families = {_FAMILIES[v.item.type] for v in versions}
    if len(families) > 1:
        firsts: dict[str, ItemVersion] = {}
        for version in versions:
            firsts.setdefault(version.item.type.value, version)
        described = "; ".join(
            f"{kind} in {v.questionnaire_id} {v.questionnaire_version}"
            for kind, v in firsts.items()
        )
        note = f"item {code} is {described}: exported as text"
        column = Column(name, ColumnKind.TEXT, label, code, versions=versions, mixed=True)
        return column, note
    family = families.pop()
    choices = merge_choices(versions)
    if family == "single choice":
        kind = ColumnKind.CODED_INTEGER if is_integer_coded(choices) else ColumnKind.CODE
    elif family == "multiple choice":
        kind = ColumnKind.CHOICES
    elif family == "number":
        integer = all(v.item.integer for v in versions)
        kind = ColumnKind.INTEGER if integer else ColumnKind.DECIMAL
    elif family == "date":
        kind = ColumnKind.DATE
    else:
        kind = ColumnKind.TEXT
    return Column(name, kind, label, code, choices=choices, versions=versions), None


def _indicator_columns(column: Column) -> list[Column]:
    """One 0/1 column per choice of a multiple-choice column."""
    indicators: list[Column] = []
    for choice in column.choices:
        label = Text(
            vi=f"{column.label.vi}: {choice.label.vi}",
            en=f"{column.label.en}: {choice.label.en}",
        )
        having = tuple(v for v in column.versions if any(c.code == choice.code for c in v.choices))
        indicators.append(
            Column(
                name=f"{column.name}{INDICATOR_SEPARATOR}{choice.code}",
                kind=ColumnKind.INDICATOR,
                label=label,
                item=column.item,
                choice=choice.code,
                choices=(choice,),
                versions=having,
            )
        )
    return indicators


def _check_unique(columns: Sequence[Column]) -> None:
    """Raise :class:`ColumnNameError` when two columns share a name."""
    seen: dict[str, Column] = {}
    clashes: list[str] = []
    for column in columns:
        earlier = seen.get(column.name)
        if earlier is not None:
            clashes.append(
                f"{column.name} (item {column.item or '-'}, choice {column.choice or '-'}; "
                f"and item {earlier.item or '-'}, choice {earlier.choice or '-'})"
            )
        seen.setdefault(column.name, column)
    if clashes:
        raise ColumnNameError(
            f"two export columns would be named alike: {'; '.join(clashes)}",
            hint="an item code ending in __<choice> clashes with a multiple-choice indicator; "
            "rename the item in a new questionnaire version",
        )
