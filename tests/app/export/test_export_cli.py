"""``flask responses export`` through Flask's CLI runner, on SQLite and PostgreSQL, including a
response submitted through the real app with the bundled citizens' questionnaire."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pyreadstat
import pytest
from app_helpers import complete, demo
from export_helpers import seed
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from questionnaires.loader import bundled_questionnaires
from questionnaires.model import ItemType
from survey_app.cli.responses import PROGRESS_MIN_ROWS, _progress


def _export(runner: FlaskCliRunner, *args: str) -> tuple[int, str, str]:
    """Run the command; exit code, stdout and stderr."""
    result = runner.invoke(args=["responses", "export", *args])
    return result.exit_code, result.stdout, result.stderr


def test_export_all_rounds(runner: FlaskCliRunner, app: Flask, tmp_path: Path) -> None:
    """Without --round every round is exported; notes go to stderr, the summary to stdout."""
    seed(app)
    out = tmp_path / "all.csv"
    code, stdout, stderr = _export(runner, "--format", "csv", "--out", str(out))
    assert code == 0, stderr
    assert f"Exported 4 response(s) of 3 round(s) with 29 columns to {out}." in stdout
    assert f"Codebook: {tmp_path / 'all.codebook.csv'} and {tmp_path / 'all.codebook.json'}." in (
        stdout
    )
    assert "Note: item unit is exported as column item_unit" in stderr
    assert "Note: item result_on is date in export_survey 1" in stderr
    with out.open(encoding="utf-8-sig") as handle:
        assert len(list(csv.DictReader(handle))) == 4


def test_export_one_round_in_spss_with_english_labels(
    runner: FlaskCliRunner, app: Flask, tmp_path: Path
) -> None:
    """--round and --lang reach the file."""
    seed(app)
    out = tmp_path / "r2024.sav"
    code, stdout, stderr = _export(
        runner, "--round", "r2024", "--format", "sav", "--out", str(out), "--lang", "en"
    )
    assert code == 0, stderr
    assert "Exported 1 response(s) of round r2024" in stdout
    frame, meta = pyreadstat.read_sav(str(out))
    assert frame["response_id"].tolist() == ["d" * 32]
    assert meta.column_names_to_labels["sex"] == "Sex"


def test_unknown_round_names_it_and_lists_the_rounds(
    runner: FlaskCliRunner, app: Flask, tmp_path: Path
) -> None:
    """Exit 1 with the round asked for and every existing code; no file written."""
    seed(app)
    out = tmp_path / "x.csv"
    code, _, stderr = _export(runner, "--round", "2099", "--format", "csv", "--out", str(out))
    assert code == 1
    assert "Error: there is no round '2099'; the rounds are: empty, r2023, r2024" in stderr
    assert not out.exists()


def test_unwritable_path_is_an_error(runner: FlaskCliRunner, app: Flask, tmp_path: Path) -> None:
    """A folder that does not exist is named in the error."""
    seed(app)
    out = tmp_path / "nowhere" / "x.parquet"
    code, _, stderr = _export(runner, "--format", "parquet", "--out", str(out))
    assert code == 1
    assert f"Error: cannot write {out}: the folder {out.parent} does not exist" in stderr


def test_empty_export_says_so(runner: FlaskCliRunner, app: Flask, tmp_path: Path) -> None:
    """A round without responses writes the header and says that it did."""
    seed(app)
    out = tmp_path / "empty.xlsx"
    code, stdout, stderr = _export(
        runner, "--round", "empty", "--format", "xlsx", "--out", str(out)
    )
    assert code == 0, stderr
    assert f"No responses to export in round empty: {out} holds the header only." in stdout
    assert out.exists()


def test_format_is_required_and_checked(runner: FlaskCliRunner, app: Flask, tmp_path: Path) -> None:
    """Click refuses an unknown format before anything is read."""
    code, _, stderr = _export(runner, "--format", "dta", "--out", str(tmp_path / "x.dta"))
    assert code == 2
    assert "'dta' is not one of 'csv', 'xlsx', 'parquet', 'sav'" in stderr


def test_response_submitted_through_the_app_is_exported(
    runner: FlaskCliRunner, app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    """A citizen fills the bundled SIPAS form in the real app; the export has their answers,
    typed, under the demo round, with the stored version's hash."""
    demo(app)
    answers = complete(client)
    out = tmp_path / "demo.parquet"
    code, stdout, stderr = _export(
        runner, "--round", "demo", "--format", "parquet", "--out", str(out)
    )
    assert code == 0, stderr
    assert "Exported 1 response(s) of round demo" in stdout
    row = pq.read_table(out).to_pylist()[0]
    sipas = bundled_questionnaires()["sipas_citizens"]
    assert (row["round"], row["questionnaire_id"]) == ("demo", "sipas_citizens")
    assert row["questionnaire_hash"] == sipas.content_hash
    assert row["respondent_group"] == "citizen"
    assert row["mode"] == "web"
    assert row["duration_seconds"] is not None
    for item in sipas.items:
        value = answers.get(item.code)
        exported = row[item.code]
        if value is None:
            assert exported is None, item.code
        elif item.type is ItemType.MULTIPLE_CHOICE:
            assert exported == ";".join(value), item.code
        elif item.type is ItemType.DATE:
            assert exported.isoformat() == value, item.code
        elif item.type in (ItemType.SINGLE_CHOICE, ItemType.RATING):
            assert str(exported) == value, item.code
        else:
            assert exported == value, item.code


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_long_exports_draw_a_progress_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bar appears only on a terminal and only for long exports, and reaches 100%."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with _progress(PROGRESS_MIN_ROWS) as progress:
        assert progress is not None
        progress(PROGRESS_MIN_ROWS // 2)
        progress(PROGRESS_MIN_ROWS // 2)
    assert "Exporting responses" in terminal.getvalue()
    assert "100%" in terminal.getvalue()
    with _progress(PROGRESS_MIN_ROWS - 1) as progress:
        assert progress is None
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with _progress(10 * PROGRESS_MIN_ROWS) as progress:
        assert progress is None


def test_unknown_round_in_an_empty_database(runner: FlaskCliRunner, tmp_path: Path) -> None:
    """With no round at all, the error says there are none yet."""
    code, _, stderr = _export(
        runner, "--round", "r1", "--format", "csv", "--out", str(tmp_path / "x")
    )
    assert code == 1
    assert "there is no round 'r1'; the rounds are: none yet" in stderr
