"""Response records → the typed export frame, one row per response, columns as the layout says.

The frame's columns are pandas ``ArrowDtype`` columns of the layout's Arrow types (string,
int64, int8, float64, date32), so nulls are real nulls in every type and the Parquet and SPSS
writers keep the types. Values are converted by column kind (``layout``): choice codes are
checked against the merged choice list, integers must be whole numbers, dates ISO 8601
strings; anything else raises :class:`AnswerError` naming the response and the item, never a
silently emptied cell. A record whose answers name an item its questionnaire version does not
have, or whose version is not in the layout, is refused the same way.

Speed: the answers of every item whose values are all strings (choice codes, text, dates) are
converted in one Arrow pass over the answer mappings and checked with Arrow compute; only
numbers and multiple choice go item by item in Python. :func:`build_table` gives the Arrow
table the writers take; :func:`build_frame` the same as a pandas frame. Flask-free.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from survey_app.export.errors import AnswerError, StoredDefinitionError
from survey_app.export.layout import (
    MULTIPLE_SEPARATOR,
    Column,
    ColumnKind,
    ExportLayout,
)
from survey_app.export.records import ResponseRecord

Values = list[object]


def _paradata(key: str) -> Callable[[ResponseRecord], object]:
    def read(record: ResponseRecord) -> object:
        return record.paradata.get(key)

    return read


FIXED_VALUES: Mapping[str, Callable[[ResponseRecord], object]] = {
    "response_id": operator.attrgetter("response_id"),
    "round": operator.attrgetter("round"),
    "unit": operator.attrgetter("unit"),
    "respondent_group": operator.attrgetter("respondent_group"),
    "mode": operator.attrgetter("mode"),
    "stratum": operator.attrgetter("stratum"),
    "cluster": operator.attrgetter("cluster"),
    "questionnaire_id": operator.attrgetter("questionnaire_id"),
    "questionnaire_version": operator.attrgetter("questionnaire_version"),
    "questionnaire_hash": operator.attrgetter("questionnaire_hash"),
    "submitted_on": operator.attrgetter("submitted_on"),
    "duration_seconds": _paradata("duration_seconds"),
    "device": _paradata("device"),
    "form_serial": operator.attrgetter("form_serial"),
}
"""How each fixed column is read from a record, in ``FIXED_COLUMNS`` order."""


def build_frame(records: Sequence[ResponseRecord], layout: ExportLayout) -> pd.DataFrame:
    """The typed frame of ``records`` (one row each, in order) with ``layout``'s columns."""
    return to_frame(build_table(records, layout))


def empty_frame(layout: ExportLayout) -> pd.DataFrame:
    """A frame with ``layout``'s typed columns and no rows."""
    return to_frame(layout.schema.empty_table())


def to_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as a pandas frame of ``ArrowDtype`` columns."""
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def build_table(records: Sequence[ResponseRecord], layout: ExportLayout) -> pa.Table:
    """The export rows of ``records`` as an Arrow table with ``layout.schema``."""
    _check_answer_keys(records, layout)
    answers = [record.answers for record in records]
    texts = _text_answers(answers, layout)
    arrays: list[pa.Array] = []
    chosen: dict[str, list[list[str] | None]] = {}
    for column in layout.columns:
        if column.item in texts:
            arrays.append(_from_text(column, texts[column.item], records))
        elif column.item is None:
            values = [FIXED_VALUES[column.name](record) for record in records]
            arrays.append(_fixed_array(column, values, records))
        elif column.kind is ColumnKind.CHOICES:
            raw = [a.get(column.item) for a in answers]
            chosen[column.item] = _chosen_lists(column, raw, records)
            lists = chosen[column.item]
            joined = [None if c is None else MULTIPLE_SEPARATOR.join(c) for c in lists]
            arrays.append(pa.array(joined, type=pa.string()))
        elif column.kind is ColumnKind.INDICATOR:
            code = column.choice
            flags = [None if c is None else int(code in c) for c in chosen[column.item]]
            arrays.append(pa.array(flags, type=pa.int8()))
        else:
            raw = [a.get(column.item) for a in answers]
            arrays.append(_item_array(column, raw, records))
    return pa.Table.from_arrays(arrays, schema=layout.schema)


TEXT_KINDS = frozenset(
    {ColumnKind.TEXT, ColumnKind.CODE, ColumnKind.CODED_INTEGER, ColumnKind.DATE}
)
"""Kinds whose every answer is a string: converted for all items at once, in Arrow."""


def _text_answers(
    answers: Sequence[Mapping[str, object]], layout: ExportLayout
) -> dict[str, pa.Array]:
    """Item code → the string answers of every item whose kind is in ``TEXT_KINDS``.

    One Arrow conversion of the answer mappings to a struct of strings does what a Python
    loop per item would, many times faster. Any answer that is not a string makes Arrow
    refuse; then nothing is returned and each item takes the per-item path, which names
    the response and the item at fault.
    """
    items = [
        c.item
        for c in layout.item_columns
        if c.item is not None and c.kind in TEXT_KINDS and not c.mixed
    ]
    struct = pa.struct([pa.field(item, pa.string()) for item in items])
    try:
        table = pa.array(answers, type=struct)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return {}
    return {item: table.field(index) for index, item in enumerate(items)}


def _from_text(column: Column, values: pa.Array, records: Sequence[ResponseRecord]) -> pa.Array:
    """A ``TEXT_KINDS`` column from its string answers: codes checked, dates parsed."""
    if column.kind is ColumnKind.TEXT:
        return values
    if column.kind is ColumnKind.DATE:
        try:
            return values.cast(pa.date32())
        except pa.ArrowInvalid:
            return _date_array(column, values.to_pylist(), records)
    codes = pa.array([choice.code for choice in column.choices], type=pa.string())
    unknown = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=codes)))
    if pc.any(unknown).as_py():
        _check_codes(column, values.to_pylist(), records, {c.code for c in column.choices})
    return values if column.kind is ColumnKind.CODE else values.cast(pa.int64())


def _check_answer_keys(records: Sequence[ResponseRecord], layout: ExportLayout) -> None:
    """Refuse records of unknown versions and answers to items their version lacks."""
    for record in records:
        known = layout.item_codes.get(record.questionnaire_hash)
        if known is None:
            raise StoredDefinitionError(
                f"response {record.response_id} was given on questionnaire version "
                f"{record.questionnaire_hash}, which is not among the stored versions exported"
            )
        if not record.answers.keys() <= known:
            extra = ", ".join(sorted(set(record.answers) - known))
            raise AnswerError(
                f"response {record.response_id} answers items that questionnaire "
                f"{record.questionnaire_id} version {record.questionnaire_version} does not "
                f"have: {extra}"
            )


def _answer_error(
    column: Column, raw: Values, records: Sequence[ResponseRecord], bad: Callable[[object], bool]
) -> AnswerError:
    """An error naming the first response whose value of ``column`` is ``bad``."""
    index = next(i for i, value in enumerate(raw) if value is not None and bad(value))
    record = records[index]
    return AnswerError(
        f"response {record.response_id} (questionnaire {record.questionnaire_id} version "
        f"{record.questionnaire_version}) holds {raw[index]!r} for item {column.item}, which "
        f"is not a valid {column.kind.value} answer"
    )


def _fixed_array(column: Column, values: Values, records: Sequence[ResponseRecord]) -> pa.Array:
    """A fixed column's values; a wrongly typed value (e.g. in paradata) is refused."""
    try:
        return pa.array(values, type=column.arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        index = next(i for i, v in enumerate(values) if not _fits(column, v))
        raise AnswerError(
            f"response {records[index].response_id} has {values[index]!r} as {column.name}, "
            f"which is not a valid {column.kind.value} value"
        ) from error


def _fits(column: Column, value: object) -> bool:
    """Whether one value converts to the column's Arrow type."""
    try:
        pa.array([value], type=column.arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return False
    return True


def _item_array(column: Column, raw: Values, records: Sequence[ResponseRecord]) -> pa.Array:
    """One item column's values converted by its kind (multiple choice aside)."""
    kind = column.kind
    if kind is ColumnKind.TEXT:
        return _text_array(column, raw, records)
    if kind in (ColumnKind.CODE, ColumnKind.CODED_INTEGER):
        allowed = {choice.code for choice in column.choices}
        _check_codes(column, raw, records, allowed)
        codes = pa.array(raw, type=pa.string())
        return codes if kind is ColumnKind.CODE else codes.cast(pa.int64())
    if kind is ColumnKind.INTEGER:
        return _integer_array(column, raw, records)
    if kind is ColumnKind.DECIMAL:
        if not {type(value) for value in raw} <= {int, float, type(None)}:
            raise _answer_error(column, raw, records, lambda v: type(v) not in (int, float))
        return pa.array(raw, type=pa.float64())
    return _date_array(column, raw, records)


def _text_array(column: Column, raw: Values, records: Sequence[ResponseRecord]) -> pa.Array:
    """Text answers; a column whose versions disagree on the kind writes each answer out."""
    if column.mixed:
        return pa.array([_written_out(value) for value in raw], type=pa.string())
    if not {type(value) for value in raw} <= {str, type(None)}:
        raise _answer_error(column, raw, records, lambda v: not isinstance(v, str))
    return pa.array(raw, type=pa.string())


def _written_out(value: object) -> str | None:
    """An answer of any kind as text: a list joined by ``;``, anything else as ``str``."""
    if value is None:
        return None
    if isinstance(value, list):
        return MULTIPLE_SEPARATOR.join(str(part) for part in value)
    return str(value)


def _check_codes(
    column: Column, raw: Values, records: Sequence[ResponseRecord], allowed: set[str]
) -> None:
    """Every answer is one of the column's choice codes."""
    try:
        unknown = set(raw) - allowed - {None}
    except TypeError:
        unknown = {"unhashable"}
    if unknown:
        raise _answer_error(
            column, raw, records, lambda v: not isinstance(v, str) or v not in allowed
        )


def _chosen_lists(
    column: Column, raw: Values, records: Sequence[ResponseRecord]
) -> list[list[str] | None]:
    """Multiple-choice answers as lists of allowed codes; an empty list counts as unanswered."""
    allowed = {choice.code for choice in column.choices}

    def good(value: object) -> bool:
        # ``allowed`` holds text only, so a number or a list inside a list is never a subset.
        try:
            return isinstance(value, list) and allowed.issuperset(value)
        except TypeError:
            return False

    chosen: list[list[str] | None] = []
    for value in raw:
        if value is None:
            chosen.append(None)
        elif isinstance(value, list) and good(value):
            chosen.append(value or None)
        else:
            raise _answer_error(column, raw, records, lambda v: not good(v))
    return chosen


def _integer_array(column: Column, raw: Values, records: Sequence[ResponseRecord]) -> pa.Array:
    """Whole numbers; an integral float (``3.0``) is accepted as the integer it equals."""
    types = {type(value) for value in raw}
    if types <= {int, type(None)}:
        return pa.array(raw, type=pa.int64())

    def bad(value: object) -> bool:
        return type(value) is not int and not (type(value) is float and value.is_integer())

    if any(value is not None and bad(value) for value in raw):
        raise _answer_error(column, raw, records, bad)
    return pa.array([int(v) if isinstance(v, int | float) else None for v in raw], type=pa.int64())


def _date_array(column: Column, raw: Values, records: Sequence[ResponseRecord]) -> pa.Array:
    """ISO 8601 date strings as dates."""
    try:
        return pa.array(raw, type=pa.string()).cast(pa.date32())
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:

        def bad(value: object) -> bool:
            if not isinstance(value, str):
                return True
            try:
                pa.array([value]).cast(pa.date32())
            except pa.ArrowInvalid:
                return True
            return False

        raise _answer_error(column, raw, records, bad) from error
