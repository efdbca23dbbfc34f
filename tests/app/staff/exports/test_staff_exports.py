"""Exports from the workspace: a zip with the data, the codebook and a manifest whose hashes
match the files, recorded in ``exports`` and audited; filters; small cells dropped or emptied;
every format; large exports as background jobs; stored archives checked before download."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey_app.models import AuditEvent, ExportManifest, QuestionnaireVersion, Role, db
from tests.app.staff.staff_helpers import add_user, csrf_token, login
from tests.app.staff.weighting.weighting_helpers import (
    RESPONSES,
    SeededRound,
    form_values,
    seed_round,
)

POLLS = 400
POLL_PAUSE = 0.05


@pytest.fixture
def seeded(app: Flask) -> SeededRound:
    """A round with 110 citizens' and 27 leaders' responses in two units."""
    return seed_round(app)


@pytest.fixture
def staff(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client signed in as survey staff, in English."""
    add_user(app, "lan", Role.STAFF)
    client.get("/lang/en")
    login(client, "lan")
    return client


def export(client: FlaskClient, round_id: int, **changes: object) -> str:
    """Fill the export form (defaults but ``changes``) and send it; where it leads."""
    page = client.get(f"/staff/rounds/{round_id}/exports/new")
    assert page.status_code == 200, page.text
    data: dict[str, object] = dict(form_values(page.text))
    data.update(changes)
    response = client.post(f"/staff/rounds/{round_id}/exports/new", data=data)
    assert response.status_code == 302, response.text
    return str(response.headers["Location"])


def download(client: FlaskClient, location: str) -> zipfile.ZipFile:
    """The zip of the export at ``location``."""
    response = client.get(f"{location}/download")
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.data))


def data_rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    """The rows of the CSV data file ``name`` in the archive."""
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_a_csv_export_is_a_zip_whose_manifest_describes_it(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """Data, codebook and manifest in the zip; the manifest's hashes are the files', it names
    the round, the questionnaire versions, the filters, who and the row count; the row in
    ``exports`` lists the same files plus the manifest and the archive; made and downloaded
    are both audited."""
    location = export(staff, seeded.round_id)
    archive = download(staff, location)
    assert sorted(archive.namelist()) == [
        "hue-2025-responses.codebook.csv",
        "hue-2025-responses.codebook.json",
        "hue-2025-responses.csv",
        "manifest.json",
    ]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["rows"] == sum(RESPONSES.values())
    assert manifest["round"]["code"] == "hue-2025"
    assert manifest["format"] == "csv"
    assert manifest["created_by"]["username"] == "lan"
    assert manifest["filters"]["suppression"] is None
    for entry in manifest["files"]:
        content = archive.read(entry["name"])
        assert hashlib.sha256(content).hexdigest() == entry["sha256"]
        assert len(content) == entry["bytes"]
    assert len(data_rows(archive, "hue-2025-responses.csv")) == manifest["rows"]
    with app.app_context():
        hashes = set(db.session.scalars(select(QuestionnaireVersion.content_hash)))
        row = db.session.scalars(select(ExportManifest)).one()
        assert {q["content_hash"] for q in manifest["questionnaires"]} == hashes
        assert manifest["export_id"] == row.id
        roles = [entry["role"] for entry in row.files]
        assert roles == ["data", "codebook", "codebook", "manifest", "archive"]
        stored = {entry["name"]: entry["sha256"] for entry in row.files}
        assert stored["manifest.json"] == hashlib.sha256(archive.read("manifest.json")).hexdigest()
        actions = [event.action for event in db.session.scalars(select(AuditEvent))]
        assert "export.create" in actions and "export.download" in actions
    page = staff.get(location)
    assert "sipas_citizens" in page.text and "Download the zip" in page.text


def test_groups_and_units_narrow_the_export(staff: FlaskClient, seeded: SeededRound) -> None:
    """Citizens of finance only: their rows, and no leaders' questionnaire columns."""
    location = export(staff, seeded.round_id, groups=["citizen"], units=["finance"])
    archive = download(staff, location)
    rows = data_rows(archive, "hue-2025-responses.csv")
    expected = sum(
        n for (unit, group, _), n in RESPONSES.items() if (unit, group) == ("finance", "citizen")
    )
    assert len(rows) == expected
    assert {row["unit"] for row in rows} == {"finance"}
    assert "b_level" not in rows[0] and "d_sex" in rows[0]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["filters"]["respondent_groups"] == ["citizen"]
    assert manifest["filters"]["units"] == ["finance"]
    assert [q["id"] for q in manifest["questionnaires"]] == ["sipas_citizens"]


def test_small_cells_are_dropped(staff: FlaskClient, seeded: SeededRound) -> None:
    """k = 20 over unit × group: both leader cells (15 and 12) go; the manifest counts them
    without naming them."""
    location = export(staff, seeded.round_id, threshold="20", action="drop")
    archive = download(staff, location)
    rows = data_rows(archive, "hue-2025-responses.csv")
    assert {row["respondent_group"] for row in rows} == {"citizen"}
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["rows"] == len(rows) == seeded.citizens
    assert manifest["suppression"] == {
        "k": 20,
        "groupings": [["unit", "respondent_group"]],
        "action": "drop",
        "rows_dropped": seeded.leaders,
        "rows_blanked": 0,
        "by_grouping": [
            {"columns": ["unit", "respondent_group"], "small_cells": 2, "rows": seeded.leaders}
        ],
    }
    page = staff.get(location)
    assert "Unit × Respondent group: 2 small cells, 27 rows." in page.text


def test_small_cells_can_be_emptied_instead(staff: FlaskClient, seeded: SeededRound) -> None:
    """The leaders' rows stay, their unit and group emptied; a second grouping (mode) with no
    small cell changes nothing."""
    location = export(staff, seeded.round_id, threshold="20", action="blank", grouping_1=["mode"])
    archive = download(staff, location)
    rows = data_rows(archive, "hue-2025-responses.csv")
    assert len(rows) == sum(RESPONSES.values())
    emptied = [row for row in rows if row["respondent_group"] == ""]
    assert len(emptied) == seeded.leaders
    assert all(row["unit"] == "" and row["b_level"] for row in emptied)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["suppression"]["rows_blanked"] == seeded.leaders
    assert manifest["suppression"]["by_grouping"][1] == {
        "columns": ["mode"],
        "small_cells": 0,
        "rows": 0,
    }


@pytest.mark.parametrize(
    ("file_format", "suffix"), [("xlsx", "xlsx"), ("parquet", "parquet"), ("sav", "sav")]
)
def test_every_format_comes_zipped_with_its_codebook(
    staff: FlaskClient, seeded: SeededRound, file_format: str, suffix: str
) -> None:
    """XLSX, Parquet and SPSS: the data file, the codebook and the manifest, hashes matching."""
    location = export(staff, seeded.round_id, export_format=file_format, language="en")
    archive = download(staff, location)
    assert f"hue-2025-responses.{suffix}" in archive.namelist()
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == file_format
    assert manifest["filters"]["language"] == "en"
    data = next(entry for entry in manifest["files"] if entry["role"] == "data")
    assert hashlib.sha256(archive.read(data["name"])).hexdigest() == data["sha256"]


def test_a_threshold_needs_a_grouping_and_k_of_two_or_more(
    staff: FlaskClient, seeded: SeededRound
) -> None:
    """Both problems are named; nothing is exported."""
    page = staff.get(f"/staff/rounds/{seeded.round_id}/exports/new")
    data: dict[str, object] = dict(form_values(page.text))
    data.pop("grouping_0")
    data.update(threshold="1")
    response = staff.post(f"/staff/rounds/{seeded.round_id}/exports/new", data=data)
    assert response.status_code == 200
    assert "k must be a whole number from 2 to 1000." in response.text
    data.update(threshold="5")
    response = staff.post(f"/staff/rounds/{seeded.round_id}/exports/new", data=data)
    assert "Tick the columns of at least one grouping." in response.text


def test_a_large_export_runs_as_a_job(app: Flask, staff: FlaskClient, seeded: SeededRound) -> None:
    """From EXPORT_BACKGROUND_FROM responses: a job page whose status ends with the export."""
    app.config["EXPORT_BACKGROUND_FROM"] = 1
    location = export(staff, seeded.round_id)
    assert "/staff/exports/jobs/" in location
    for _ in range(POLLS):
        status = staff.get(f"{location}/status").get_json()
        if status["finished"]:
            break
        time.sleep(POLL_PAUSE)
    assert status["status"] == "done"
    finished = staff.get(location)
    assert finished.status_code == 302
    assert finished.headers["Location"] == f"/staff/exports/{status['export_id']}"
    assert staff.get("/staff/exports/jobs/" + "0" * 32).status_code == 404
    assert staff.get("/staff/exports/jobs/not-a-job").status_code == 404


def test_a_changed_or_missing_archive_is_not_downloaded_and_can_be_made_again(
    app: Flask, staff: FlaskClient, seeded: SeededRound
) -> None:
    """A stored zip that no longer matches its hash is refused; a missing one is reported; the
    export is made again with the same filters as a new export."""
    location = export(staff, seeded.round_id, groups=["leader"])
    export_id = int(location.rsplit("/", 1)[1])
    stored = Path(app.instance_path) / "exports" / f"{export_id}.zip"
    stored.write_bytes(stored.read_bytes() + b"tampered")
    refused = staff.get(f"{location}/download")
    assert refused.status_code == 302
    page = staff.get(location)
    assert "has changed since it was made" in page.text
    stored.unlink()
    page = staff.get(location)
    assert "is no longer on the server" in page.text
    again = staff.post(f"{location}/again", data={"csrf_token": csrf_token(page.text)})
    assert again.status_code == 302
    archive = download(staff, again.headers["Location"])
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["export_id"] == export_id + 1
    assert manifest["filters"]["respondent_groups"] == ["leader"]
    assert manifest["rows"] == seeded.leaders


def test_the_exports_list_and_the_round_panel_show_past_exports(
    staff: FlaskClient, seeded: SeededRound
) -> None:
    """Both link to the export's page."""
    location = export(staff, seeded.round_id)
    listing = staff.get("/staff/exports")
    assert f'href="{location}"' in listing.text
    assert f'href="{location}/download"' in listing.text
    assert "hue-2025" in listing.text
    round_page = staff.get(f"/staff/rounds/{seeded.round_id}")
    assert f'href="{location}"' in round_page.text
    assert "New export" in round_page.text
