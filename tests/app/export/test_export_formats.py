"""Exports of stored responses read back in every format, on SQLite and PostgreSQL: values,
types, value labels and the codebook; several questionnaires and versions in one export; the
round filter; empty exports; and failures that leave nothing behind."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import pytest
from export_helpers import ANSWERS_A, CHANNELS, Seeded, add_response, seed
from flask import Flask

from survey_app.export.codebook import CODEBOOK_COLUMNS
from survey_app.export.errors import (
    AnswerError,
    FormatLimitError,
    UnknownRoundError,
    UnwritablePathError,
)
from survey_app.export.formats import ExportFormat
from survey_app.export.run import ExportSummary, plan_export, write_export
from survey_app.export.writers import xlsx_writer
from survey_app.models import QuestionnaireVersion, Response, Round, db

ITEMS = [
    "item_unit",
    "sex",
    "district",
    "pregnant_visits",
    "age",
    "to",
    "staff_polite",
    "result_ok",
    CHANNELS,
    f"{CHANNELS}__web",
    f"{CHANNELS}__phone",
    f"{CHANNELS}__office",
    "hours_waited",
    "result_on",
    "comment",
]
FIXED = [
    "response_id",
    "round",
    "unit",
    "respondent_group",
    "mode",
    "stratum",
    "cluster",
    "questionnaire_id",
    "questionnaire_version",
    "questionnaire_hash",
    "submitted_on",
    "duration_seconds",
    "device",
    "form_serial",
]
IDS = ["a" * 32, "b" * 32, "c" * 32, "d" * 32]


def export(
    app: Flask,
    out: Path,
    export_format: str,
    round_code: str | None = None,
    language: str = "vi",
) -> ExportSummary:
    """Export through the pure layer, two responses per chunk."""
    with app.app_context():
        plan = plan_export(db.session, round_code)
        return write_export(
            db.session,
            plan,
            out=out,
            export_format=ExportFormat(export_format),
            language=language,
            chunk_size=2,
        )


@pytest.fixture
def seeded(app: Flask) -> Seeded:
    """The stored versions, rounds and responses of ``export_helpers.seed``."""
    return seed(app)


def test_csv_round_trip(app: Flask, seeded: Seeded, tmp_path: Path) -> None:
    """UTF-8 with BOM; every value back as written (a formula-like text behind its guard, and
    a note says so), empty cells for nothing."""
    out = tmp_path / "responses.csv"
    summary = export(app, out, "csv")
    assert summary.rows == 4
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(frame.columns) == FIXED + ITEMS
    rows = frame.set_index("response_id").to_dict("index")
    assert list(frame["response_id"]) == IDS
    a, b, c, d = (rows[i] for i in IDS)
    assert a["questionnaire_hash"] == seeded.v1
    assert (a["round"], a["unit"], a["stratum"], a["cluster"]) == (
        "r2023",
        "home_affairs",
        "hue",
        "c1",
    )
    assert (a["submitted_on"], a["duration_seconds"], a["device"]) == (
        "2023-05-01",
        "123.5",
        "mobile",
    )
    assert (a["staff_polite"], b["staff_polite"], c["staff_polite"], d["staff_polite"]) == (
        "4",
        "9",
        "",
        "5",
    )
    assert a["comment"] == ANSWERS_A["comment"]
    assert b["comment"] == "'=1+1"
    assert any("leading '" in note for note in summary.notes)
    assert (a[CHANNELS], a[f"{CHANNELS}__web"], a[f"{CHANNELS}__phone"]) == ("web;office", "1", "0")
    assert (c[CHANNELS], c[f"{CHANNELS}__web"]) == ("", "")
    assert (a["pregnant_visits"], b["pregnant_visits"]) == ("2", "")
    assert (b["mode"], b["cluster"], b["duration_seconds"]) == ("paper", "", "")
    assert (a["form_serial"], b["form_serial"]) == ("", "HUE-000123")
    assert (c["unit"], c["item_unit"], c["result_on"]) == ("", "Sở Tư pháp", "tháng 5")
    assert (d["questionnaire_version"], d["district"], d["age"]) == ("2", "a_luoi", "45.5")


def test_parquet_round_trip_keeps_types(app: Flask, seeded: Seeded, tmp_path: Path) -> None:
    """The schema is typed column by column, and values and nulls come back."""
    out = tmp_path / "responses.parquet"
    export(app, out, "parquet")
    schema = pq.read_schema(out)
    assert schema.names == FIXED + ITEMS
    types = {field.name: field.type for field in schema}
    assert types["staff_polite"] == pa.int64()
    assert types["pregnant_visits"] == pa.int64()
    assert types["age"] == pa.float64()
    assert types["submitted_on"] == pa.date32()
    assert types[f"{CHANNELS}__office"] == pa.int8()
    assert types["sex"] == pa.string()
    table = pq.read_table(out)
    assert table.column("staff_polite").to_pylist() == [4, 9, None, 5]
    assert table.column("submitted_on").to_pylist()[3] == date(2024, 6, 1)
    assert table.column(f"{CHANNELS}__office").to_pylist() == [1, 0, None, None]
    assert table.column("result_ok").to_pylist() == ["yes", "na", None, None]
    assert table.column("questionnaire_id").to_pylist() == [
        "export_survey",
        "export_survey",
        "other_survey",
        "export_survey",
    ]


def test_xlsx_round_trip(app: Flask, seeded: Seeded, tmp_path: Path) -> None:
    """Header frozen, typed cells, text never a formula, codebook on a second sheet."""
    out = tmp_path / "responses.xlsx"
    export(app, out, "xlsx")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["responses", "codebook"]
    sheet = book["responses"]
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == FIXED + ITEMS
    values = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [v["response_id"] for v in values] == IDS
    assert [v["staff_polite"] for v in values] == [4, 9, None, 5]
    assert values[0]["submitted_on"] == datetime(2023, 5, 1)
    assert values[0]["age"] == 34
    assert values[0]["comment"] == ANSWERS_A["comment"]
    column = FIXED.__len__() + ITEMS.index("comment") + 1
    formula_cell = sheet.cell(row=3, column=column)
    assert (formula_cell.value, formula_cell.data_type) == ("=1+1", "s")
    codebook = book["codebook"]
    assert codebook.freeze_panes == "A2"
    header = next(codebook.iter_rows(max_row=1, values_only=True))
    assert list(header) == list(CODEBOOK_COLUMNS)
    assert codebook.max_row > len(FIXED) + len(ITEMS)


def _spss_name(out: Path, column: str) -> str:
    """The SPSS name the codebook records for ``column``."""
    with out.with_name(f"{out.stem}.codebook.csv").open(encoding="utf-8-sig") as handle:
        return next(row["spss_name"] for row in csv.DictReader(handle) if row["column"] == column)


def test_sav_round_trip_with_labels_in_vietnamese(
    app: Flask, seeded: Seeded, tmp_path: Path
) -> None:
    """Valid names (mapped in the codebook), variable and value labels, missing specials."""
    out = tmp_path / "responses.sav"
    export(app, out, "sav")
    frame, meta = pyreadstat.read_sav(str(out), user_missing=True)
    assert len(frame) == 4
    assert _spss_name(out, "to") == "v_to"
    web = _spss_name(out, f"{CHANNELS}__web")
    assert web.endswith("__web") and len(web) <= 64
    assert "to" not in frame.columns and "v_to" in frame.columns
    assert frame["v_to"].tolist()[0] == "Sở Nội vụ"
    assert frame["staff_polite"].tolist()[:2] == [4.0, 9.0]
    assert frame["submitted_on"].tolist()[0] == date(2023, 5, 1)
    assert frame[web].tolist()[:2] == [1.0, 0.0]
    labels = meta.column_names_to_labels
    assert labels["staff_polite"] == "Công chức lịch sự, tôn trọng (v2)"
    assert labels["unit"] == "Mã đơn vị"
    assert labels[web].endswith(": Trang web")
    value_labels = meta.variable_value_labels
    assert value_labels["staff_polite"][9.0] == "Không biết"
    assert value_labels["staff_polite"][4.0] == "Rất đồng ý (v2)"
    assert value_labels["staff_polite"][5.0] == "Hoàn toàn đồng ý"
    assert value_labels["sex"] == {"male": "Nam", "female": "Nữ"}
    assert value_labels[web] == {0.0: "Không chọn", 1.0: "Có chọn"}
    assert meta.missing_ranges["staff_polite"] == [{"lo": 9.0, "hi": 9.0}]
    assert meta.missing_ranges["result_ok"] == [{"lo": "na", "hi": "na"}]
    assert meta.variable_measure["staff_polite"] == "ordinal"
    assert meta.variable_measure["sex"] == "nominal"
    assert meta.variable_measure["age"] == "scale"
    assert meta.original_variable_types["submitted_on"] == "DATE11"
    assert meta.original_variable_types["staff_polite"] == "F8.0"
    without_missing, _ = pyreadstat.read_sav(str(out))
    assert pd.isna(without_missing["staff_polite"].iloc[1])


def test_sav_labels_in_english(app: Flask, seeded: Seeded, tmp_path: Path) -> None:
    """``language='en'`` labels variables and values from the English texts."""
    out = tmp_path / "responses.sav"
    export(app, out, "sav", language="en")
    _, meta = pyreadstat.read_sav(str(out), metadataonly=True)
    assert meta.column_names_to_labels["staff_polite"] == "Staff were polite (v2)"
    assert meta.variable_value_labels["result_ok"] == {
        "yes": "Yes",
        "no": "No",
        "na": "Not applicable",
    }


def test_codebook_describes_every_column_and_version(
    app: Flask, seeded: Seeded, tmp_path: Path
) -> None:
    """CSV (with BOM) and JSON beside the export: items per version with their choices."""
    out = tmp_path / "responses.parquet"
    summary = export(app, out, "parquet")
    assert summary.codebook_csv == tmp_path / "responses.codebook.csv"
    assert summary.codebook_csv.read_bytes().startswith(b"\xef\xbb\xbf")
    with summary.codebook_csv.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(CODEBOOK_COLUMNS)
    assert {row["column"] for row in rows} == set(FIXED + ITEMS)
    polite = [row for row in rows if row["column"] == "staff_polite"]
    assert [(r["questionnaire_version"], r["choice_code"]) for r in polite] == [
        ("1", "4"),
        ("1", "3"),
        ("1", "2"),
        ("1", "1"),
        ("1", "9"),
        ("2", "5"),
        ("2", "4"),
        ("2", "3"),
        ("2", "2"),
        ("2", "1"),
        ("2", "9"),
    ]
    dont_know = polite[4]
    assert (dont_know["choice_special"], dont_know["choice_score"]) == ("dont_know", "")
    assert (polite[0]["criteria"], polite[0]["type"], polite[0]["kind"]) == (
        "8.1",
        "rating",
        "coded_integer",
    )
    assert polite[0]["text_vi"] == "Công chức lịch sự, tôn trọng"
    assert polite[0]["questionnaire_hash"] == seeded.v1
    office = [row for row in rows if row["column"] == f"{CHANNELS}__office"]
    assert [(r["choice"], r["choice_label_en"]) for r in office] == [("office", "In person")]
    document = json.loads(summary.codebook_json.read_text(encoding="utf-8"))
    assert document["rows"] == 4
    assert document["rounds"] == ["empty", "r2023", "r2024"]
    assert [c["name"] for c in document["columns"]] == FIXED + ITEMS
    assert {(q["id"], q["version"]) for q in document["questionnaires"]} == {
        ("export_survey", "1"),
        ("export_survey", "2"),
        ("other_survey", "2024.1"),
    }
    assert len(document["notes"]) == 2
    to = next(c for c in document["columns"] if c["name"] == "to")
    assert to["spss_name"] == "v_to"


def test_round_filter_exports_one_round_with_its_versions(
    app: Flask, seeded: Seeded, tmp_path: Path
) -> None:
    """``r2024`` holds response d and only version 2's items."""
    out = tmp_path / "r2024.csv"
    summary = export(app, out, "csv", round_code="r2024")
    frame = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(frame["response_id"]) == ["d" * 32]
    assert list(frame.columns) == FIXED + ["sex", "district", "age", "staff_polite", "comment"]
    assert summary.rounds == ("r2024",)
    assert summary.notes == ()


@pytest.mark.parametrize("export_format", ["csv", "xlsx", "parquet", "sav"])
def test_an_empty_round_gives_a_header_only_file(
    app: Flask, seeded: Seeded, tmp_path: Path, export_format: str
) -> None:
    """A round without responses: every offered item's column, no row."""
    out = tmp_path / f"empty.{export_format}"
    summary = export(app, out, export_format, round_code="empty")
    assert summary.rows == 0
    expected = FIXED + ["sex", "district", "age", "staff_polite", "comment"]
    if export_format == "csv":
        text = out.read_text(encoding="utf-8-sig")
        assert text.splitlines() == [",".join(f'"{name}"' for name in expected)]
    elif export_format == "xlsx":
        rows = list(openpyxl.load_workbook(out)["responses"].iter_rows(values_only=True))
        assert rows == [tuple(expected)]
    elif export_format == "parquet":
        table = pq.read_table(out)
        assert (table.num_rows, table.schema.names) == (0, expected)
        assert table.schema.field("staff_polite").type == pa.int64()
    else:
        frame, meta = pyreadstat.read_sav(str(out))
        assert (len(frame), list(frame.columns)) == (0, expected)
        assert meta.original_variable_types["submitted_on"] == "DATE11"


def test_unknown_round_lists_the_rounds(app: Flask, seeded: Seeded) -> None:
    """The error names the code asked for and every existing code."""
    with app.app_context(), pytest.raises(UnknownRoundError) as raised:
        plan_export(db.session, "r2099")
    assert str(raised.value) == "there is no round 'r2099'; the rounds are: empty, r2023, r2024"


def test_unwritable_paths_are_refused(app: Flask, seeded: Seeded, tmp_path: Path) -> None:
    """A missing folder, a folder given as the file, a file given as the folder."""
    blocker = tmp_path / "a_file"
    blocker.write_text("x", encoding="utf-8")
    cases = {
        tmp_path / "missing" / "out.csv": "the folder",
        tmp_path: "it is a folder",
        blocker / "out.csv": "the folder",
    }
    for out, reason in cases.items():
        with pytest.raises(UnwritablePathError, match=reason):
            export(app, out, "csv")


def test_a_failed_export_leaves_no_file_and_keeps_the_previous_one(
    app: Flask, seeded: Seeded, tmp_path: Path
) -> None:
    """An answer that cannot be exported stops the export; nothing half-written is left."""
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "responses.csv"
    export(app, out, "csv")
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    with app.app_context():
        round_ = db.session.scalars(db.select(Round).where(Round.code == "r2024")).one()
        version = db.session.scalars(
            db.select(QuestionnaireVersion).where(QuestionnaireVersion.content_hash == seeded.v2)
        ).one()
        add_response(
            round_,
            version,
            {"staff_polite": "7"},
            response_id="e" * 32,
            submitted_on=date(2024, 7, 1),
        )
        db.session.commit()
    with pytest.raises(AnswerError, match=f"response {'e' * 32} .* item staff_polite"):
        export(app, out, "csv")
    after = {path.name: path.read_bytes() for path in folder.iterdir()}
    assert after == before


def test_xlsx_refuses_more_rows_than_a_sheet_holds(
    app: Flask, seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the sheet's row limit (here lowered to 4 rows) the export stops, naming the limit."""
    monkeypatch.setattr(xlsx_writer, "MAX_ROWS", 4)
    out = tmp_path / "big.xlsx"
    with pytest.raises(FormatLimitError, match="an Excel sheet holds at most 3 responses"):
        export(app, out, "xlsx")
    assert not out.exists()


def test_xlsx_replaces_control_characters_and_says_so(
    app: Flask, seeded: Seeded, tmp_path: Path
) -> None:
    """XML cannot hold a bell character; the cell gets U+FFFD and the summary a note."""
    with app.app_context():
        round_ = db.session.scalars(db.select(Round).where(Round.code == "r2024")).one()
        version = db.session.scalars(
            db.select(QuestionnaireVersion).where(QuestionnaireVersion.content_hash == seeded.v2)
        ).one()
        add_response(
            round_,
            version,
            {"comment": "a\x07b"},
            response_id="e" * 32,
            submitted_on=date(2024, 7, 1),
        )
        db.session.commit()
    out = tmp_path / "r2024.xlsx"
    summary = export(app, out, "xlsx", round_code="r2024")
    rows = list(openpyxl.load_workbook(out)["responses"].iter_rows(values_only=True))
    assert rows[2][-1] == "a\ufffdb"
    assert any("1 text cell(s) held control characters" in note for note in summary.notes)
    csv_out = tmp_path / "r2024.csv"
    export(app, csv_out, "csv", round_code="r2024")
    assert "a\x07b" in csv_out.read_text(encoding="utf-8-sig")


def test_answers_that_are_not_a_json_object_are_refused(
    app: Flask, seeded: Seeded, tmp_path: Path
) -> None:
    """A response whose stored answers are a list, not a mapping, is named in the error."""
    with app.app_context():
        round_ = db.session.scalars(db.select(Round).where(Round.code == "r2024")).one()
        version = db.session.scalars(
            db.select(QuestionnaireVersion).where(QuestionnaireVersion.content_hash == seeded.v2)
        ).one()
        add_response(round_, version, {}, response_id="e" * 32, submitted_on=date(2024, 7, 1))
        db.session.flush()
        stored = db.session.get(Response, "e" * 32)
        assert stored is not None
        stored.answers = ["sex", "male"]  # type: ignore[assignment]
        db.session.commit()
    with pytest.raises(AnswerError, match=f"response {'e' * 32} has answers that are not a JSON"):
        export(app, tmp_path / "bad.csv", "csv", round_code="r2024")
