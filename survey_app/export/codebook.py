"""The codebook written beside every export: what each column is and where it comes from.

Two files next to ``FILE``: ``<stem>.codebook.csv`` (UTF-8 with BOM, for Excel) and
``<stem>.codebook.json``. The CSV is long: one row per column × questionnaire version × choice
(``CODEBOOK_COLUMNS``); a fixed column has one row, an item without choices one row per
version, an indicator column one row per version offering its choice. The JSON holds the same,
nested (columns → versions → choices), with the export's rounds, row count, the questionnaires
and the layout's notes. ``spss_name`` records the name each column has in an SPSS file
(``spss_names``); it is the column's own name when that was valid.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from questionnaires.model import Choice
from survey_app.export.layout import Column, ExportLayout, ItemVersion

CODEBOOK_FORMAT = 1
"""Version of the codebook's own layout (bumped when its columns or keys change)."""

CODEBOOK_COLUMNS: tuple[str, ...] = (
    "column",
    "spss_name",
    "kind",
    "item",
    "choice",
    "questionnaire_id",
    "questionnaire_version",
    "questionnaire_hash",
    "type",
    "text_vi",
    "text_en",
    "criteria",
    "choice_code",
    "choice_label_vi",
    "choice_label_en",
    "choice_score",
    "choice_special",
)
"""The codebook CSV's header, in order."""

CodebookRow = dict[str, str]


@dataclass(frozen=True)
class CodebookPaths:
    """Where the codebook of an export goes."""

    csv: Path
    json: Path


def codebook_paths(out: Path) -> CodebookPaths:
    """``<stem>.codebook.csv`` and ``<stem>.codebook.json`` beside ``out``."""
    return CodebookPaths(
        csv=out.with_name(f"{out.stem}.codebook.csv"),
        json=out.with_name(f"{out.stem}.codebook.json"),
    )


def codebook_rows(layout: ExportLayout, spss: Mapping[str, str]) -> list[CodebookRow]:
    """The codebook's rows (``CODEBOOK_COLUMNS``), columns in export order."""
    rows: list[CodebookRow] = []
    for column in layout.columns:
        base = {
            "column": column.name,
            "spss_name": spss[column.name],
            "kind": column.kind.value,
            "item": column.item or "",
            "choice": column.choice or "",
        }
        if not column.versions:
            rows.append(_row(base, text_vi=column.label.vi, text_en=column.label.en))
            continue
        for version in column.versions:
            rows.extend(_version_rows(base, column, version))
    return rows


def _row(base: Mapping[str, str], **values: str) -> CodebookRow:
    row = dict.fromkeys(CODEBOOK_COLUMNS, "")
    row.update(base)
    row.update(values)
    return row


def _version_rows(
    base: Mapping[str, str], column: Column, version: ItemVersion
) -> Iterator[CodebookRow]:
    item = version.item
    shared = {
        "questionnaire_id": version.questionnaire_id,
        "questionnaire_version": version.questionnaire_version,
        "questionnaire_hash": version.questionnaire_hash,
        "type": item.type.value,
        "text_vi": item.text.vi,
        "text_en": item.text.en,
        "criteria": ";".join(item.criteria),
    }
    choices = version.choices
    if column.choice is not None:
        choices = tuple(c for c in choices if c.code == column.choice)
    if not choices:
        yield _row(base, **shared)
    for choice in choices:
        yield _row(base, **shared, **_choice_fields(choice))


def _choice_fields(choice: Choice) -> dict[str, str]:
    return {
        "choice_code": choice.code,
        "choice_label_vi": choice.label.vi,
        "choice_label_en": choice.label.en,
        "choice_score": "" if choice.score is None else f"{choice.score:g}",
        "choice_special": "" if choice.special is None else choice.special.value,
    }


def codebook_document(
    layout: ExportLayout,
    spss: Mapping[str, str],
    *,
    rounds: Sequence[str],
    rows: int,
    export_format: str,
    language: str,
) -> dict[str, object]:
    """The JSON codebook: the export's facts and every column, nested."""
    return {
        "codebook_format": CODEBOOK_FORMAT,
        "export_format": export_format,
        "rounds": list(rounds),
        "rows": rows,
        "spss_label_language": language,
        "questionnaires": [
            {
                "id": q.id,
                "version": q.version,
                "content_hash": q.content_hash,
                "respondent_group": q.respondent_group,
                "title": {"vi": q.title.vi, "en": q.title.en},
            }
            for q in layout.questionnaires
        ],
        "notes": list(layout.notes),
        "columns": [_column_entry(column, spss) for column in layout.columns],
    }


def _column_entry(column: Column, spss: Mapping[str, str]) -> dict[str, object]:
    return {
        "name": column.name,
        "spss_name": spss[column.name],
        "kind": column.kind.value,
        "arrow_type": str(column.arrow_type),
        "label": {"vi": column.label.vi, "en": column.label.en},
        "item": column.item,
        "choice": column.choice,
        "versions": [
            {
                "questionnaire_id": v.questionnaire_id,
                "questionnaire_version": v.questionnaire_version,
                "questionnaire_hash": v.questionnaire_hash,
                "type": v.item.type.value,
                "text": {"vi": v.item.text.vi, "en": v.item.text.en},
                "criteria": list(v.item.criteria),
                "choices": [
                    {
                        "code": c.code,
                        "label": {"vi": c.label.vi, "en": c.label.en},
                        "score": c.score,
                        "special": None if c.special is None else c.special.value,
                    }
                    for c in v.choices
                ],
            }
            for v in column.versions
        ],
    }


def write_codebook_csv(path: Path, rows: Sequence[CodebookRow]) -> None:
    """Write the codebook rows as CSV, UTF-8 with a BOM so Excel shows the diacritics."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CODEBOOK_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def write_codebook_json(path: Path, document: Mapping[str, object]) -> None:
    """Write the JSON codebook, UTF-8, Vietnamese kept as text (not escaped)."""
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
