"""Building a responses export from the workspace: the round's responses (optionally of some
respondent groups and units, optionally with small cells suppressed) written by
``survey_app.export``'s writers, with the codebook, zipped with a manifest, recorded in the
``exports`` table and audited.

The archive is kept in the instance folder (``EXPORTS_FOLDER``, default
``<instance>/exports``) as ``<id>.zip``, readable by the app's user only, and downloaded from
there: a download is the very file the manifest describes, and its SHA-256 is checked against
the ``exports`` row first. An export can also be made again from its stored filters (a new
export, numbered anew, with the data as they are then).

Steps: plan (questionnaire versions for the layout, row count, cell sizes for suppression, all
read with SQL), write the data file chunk by chunk (records filtered, tables suppressed), write
the codebook, zip them, then — the only write to the database, kept short — number the export,
append the manifest to the archive, move it into place, record the row and its audit event,
and commit. A failure leaves no file behind and no row.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import Select, func, select

from survey_app.audit import record_audit
from survey_app.export.codebook import (
    codebook_document,
    codebook_paths,
    codebook_rows,
    write_codebook_csv,
    write_codebook_json,
)
from survey_app.export.formats import ExportFormat
from survey_app.export.frame import build_table
from survey_app.export.layout import build_layout
from survey_app.export.manifest import (
    MANIFEST_NAME,
    ExportFile,
    append_to_archive,
    describe_file,
    manifest_document,
    sha256_file,
    write_archive,
)
from survey_app.export.records import ResponseRecord
from survey_app.export.source import Selection, stored_questionnaires, stream_records
from survey_app.export.spss_names import spss_names
from survey_app.export.suppression import Key, SuppressionRule, Suppressor
from survey_app.export.writers import WRITERS, WriterOptions
from survey_app.models import ExportManifest, Response, Round, Unit, User, db
from survey_app.models.base import utcnow

KIND = "responses"
"""The kind of export this module makes (the ``exports.kind`` column)."""

ARCHIVE_ROLE = "archive"

Statement = TypeVar("Statement", bound=Select[Any])

Progress = Callable[[int, int], None]
"""Told the responses read so far and the round's total."""


@dataclass(frozen=True)
class ExportSettings:
    """What an export holds: format, label language, groups and units (empty: all), and the
    suppression rule (None: none). Stored as the export's ``format`` and ``filters``."""

    export_format: ExportFormat
    language: str
    groups: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    suppression: SuppressionRule | None = None

    def filters(self) -> dict[str, Any]:
        """The settings as the ``exports.filters`` column keeps them."""
        return {
            "language": self.language,
            "respondent_groups": list(self.groups),
            "units": list(self.units),
            "suppression": None if self.suppression is None else self.suppression.to_json(),
        }

    @classmethod
    def from_filters(cls, export_format: str, filters: dict[str, Any]) -> ExportSettings:
        """The settings of a stored export."""
        rule = filters.get("suppression")
        return cls(
            export_format=ExportFormat(export_format),
            language=str(filters.get("language", "vi")),
            groups=tuple(filters.get("respondent_groups", ())),
            units=tuple(filters.get("units", ())),
            suppression=None if rule is None else SuppressionRule.from_json(rule),
        )


def exports_folder() -> Path:
    """Where archives are kept, created (owner-only) if missing."""
    configured = current_app.config.get("EXPORTS_FOLDER")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "exports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def archive_path(export_id: int) -> Path:
    """The stored archive of export ``export_id``."""
    return exports_folder() / f"{export_id}.zip"


def download_name(round_code: str, export: ExportManifest) -> str:
    """The file name a downloaded archive gets."""
    return f"{round_code}-export-{export.id}-{export.format}.zip"


GROUPING_COLUMNS = {
    "unit": Unit.code,
    "respondent_group": Response.respondent_group,
    "mode": Response.mode,
    "stratum": Response.stratum,
    "cluster": Response.cluster,
}
"""The database column behind each suppressible export column."""


def _narrowed(statement: Statement, round_id: int, settings: ExportSettings) -> Statement:
    """``statement`` over responses narrowed to the round and the settings' groups and units."""
    statement = statement.outerjoin(Unit, Unit.id == Response.unit_id).where(
        Response.round_id == round_id
    )
    if settings.groups:
        statement = statement.where(Response.respondent_group.in_(settings.groups))
    if settings.units:
        statement = statement.where(Unit.code.in_(settings.units))
    return statement


def count_rows(round_id: int, settings: ExportSettings) -> int:
    """How many responses the export holds before suppression."""
    statement = _narrowed(select(func.count()).select_from(Response), round_id, settings)
    return int(db.session.scalar(statement) or 0)


def cell_counts(
    round_id: int, settings: ExportSettings, rule: SuppressionRule
) -> dict[tuple[str, ...], dict[Key, int]]:
    """Per grouping of ``rule``, the number of responses in each cell (counted in SQL)."""
    counts: dict[tuple[str, ...], dict[Key, int]] = {}
    for grouping in rule.groupings:
        columns: list[Any] = [GROUPING_COLUMNS[name] for name in grouping]
        query: Select[Any] = select(*columns, func.count()).select_from(Response)
        statement = _narrowed(query, round_id, settings).group_by(*columns)
        counts[grouping] = {
            tuple(row[:-1]): int(row[-1]) for row in db.session.execute(statement).all()
        }
    return counts


def _questionnaires(round_id: int, settings: ExportSettings, selection: Selection) -> list[Any]:
    """The layout's versions: those of the chosen groups, and any answered by the rows."""
    versions = stored_questionnaires(db.session, selection)
    if not settings.groups:
        return versions
    answered = set(
        db.session.scalars(
            _narrowed(select(Response.questionnaire_hash).distinct(), round_id, settings)
        )
    )
    return [
        q for q in versions if q.respondent_group in settings.groups or q.content_hash in answered
    ]


def _wanted(settings: ExportSettings) -> Callable[[ResponseRecord], bool]:
    """Whether a streamed record belongs to the export."""
    groups, units = frozenset(settings.groups), frozenset(settings.units)

    def wanted(record: ResponseRecord) -> bool:
        """The record's group and unit are among those chosen (or all are)."""
        return (not groups or record.respondent_group in groups) and (
            not units or record.unit in units
        )

    return wanted


@dataclass(frozen=True)
class WrittenFiles:
    """The data file and codebook of an export, and what writing them found."""

    paths: tuple[Path, ...]
    rows: int
    notes: tuple[str, ...]
    suppression: dict[str, Any] | None
    questionnaires: tuple[Any, ...]


def write_files(
    round_: Round, settings: ExportSettings, folder: Path, progress: Progress | None
) -> WrittenFiles:
    """Write the export's data file and codebook into ``folder``."""
    selection = Selection((round_.code,), (round_.id,))
    layout = build_layout(_questionnaires(round_.id, settings, selection))
    suppressor = (
        None
        if settings.suppression is None
        else Suppressor(
            settings.suppression, cell_counts(round_.id, settings, settings.suppression)
        )
    )
    total = count_rows(round_.id, ExportSettings(settings.export_format, settings.language))
    names = spss_names(layout.names)
    rows = codebook_rows(layout, names)
    data_path = folder / f"{round_.code}-responses.{settings.export_format.value}"
    options = WriterOptions(
        layout=layout, language=settings.language, spss_names=names, codebook=rows
    )
    wanted = _wanted(settings)
    written = read = 0
    writer = WRITERS[settings.export_format](data_path, options)
    try:
        for records in stream_records(db.session, selection):
            read += len(records)
            kept = [record for record in records if wanted(record)]
            if kept:
                table = build_table(kept, layout)
                if suppressor is not None:
                    table = suppressor.apply(table)
                writer.write_table(table)
                written += table.num_rows
            if progress is not None:
                progress(read, total)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    paths = codebook_paths(data_path)
    write_codebook_csv(paths.csv, rows)
    write_codebook_json(
        paths.json,
        codebook_document(
            layout,
            names,
            rounds=selection.round_codes,
            rows=written,
            export_format=settings.export_format.value,
            language=settings.language,
        ),
    )
    return WrittenFiles(
        paths=(data_path, paths.csv, paths.json),
        rows=written,
        notes=(*layout.notes, *writer.notes),
        suppression=None if suppressor is None else suppressor.outcome.to_json(),
        questionnaires=layout.questionnaires,
    )


def _round_info(round_: Round) -> dict[str, Any]:
    """The round as the manifest names it."""
    return {
        "id": round_.id,
        "code": round_.code,
        "year": round_.year,
        "title": {"vi": round_.title_vi, "en": round_.title_en},
    }


def _new_row(
    round_: Round, settings: ExportSettings, user: User, written: WrittenFiles
) -> ExportManifest:
    """The export's row, added and numbered (flushed), its files still to come."""
    export = ExportManifest(
        round_id=round_.id,
        kind=KIND,
        format=settings.export_format.value,
        filters=settings.filters(),
        files=[],
        row_count=written.rows,
        created_by=user.id,
        created_at=utcnow(),
    )
    db.session.add(export)
    db.session.flush()
    return export


def _complete(
    export: ExportManifest,
    round_: Round,
    user: User,
    written: WrittenFiles,
    files: Sequence[ExportFile],
    part: Path,
    final: Path,
) -> None:
    """Append the manifest to the archive, move it to ``final``, list the files and audit."""
    document = manifest_document(
        export_id=export.id,
        kind=KIND,
        export_format=export.format,
        round_info=_round_info(round_),
        questionnaires=written.questionnaires,
        filters=export.filters,
        suppression=written.suppression,
        rows=written.rows,
        created_by={"username": user.username, "display_name": user.display_name},
        created_at=export.created_at,
        notes=written.notes,
        files=files,
    )
    manifest = append_to_archive(part, MANIFEST_NAME, document)
    os.replace(part, final)
    archive = ExportFile(
        download_name(round_.code, export), ARCHIVE_ROLE, final.stat().st_size, sha256_file(final)
    )
    manifest_file = ExportFile(
        MANIFEST_NAME, "manifest", len(manifest), hashlib.sha256(manifest).hexdigest()
    )
    export.files = [file.to_json() for file in (*files, manifest_file, archive)]
    record_audit(
        "export.create",
        export,
        after={"format": export.format, "rows": written.rows, "filters": export.filters},
        details={"suppressed": written.suppression, "archive_sha256": archive.sha256},
        actor=user,
    )


def build_export(
    round_: Round, settings: ExportSettings, user: User, progress: Progress | None = None
) -> ExportManifest:
    """Make the export (module docstring) and commit its row; the row."""
    folder = exports_folder()
    with tempfile.TemporaryDirectory(dir=folder, prefix=".build-") as scratch:
        written = write_files(round_, settings, Path(scratch), progress)
        roles = ("data", "codebook", "codebook")
        files = [describe_file(path, role) for path, role in zip(written.paths, roles, strict=True)]
        part = Path(scratch) / "archive.zip"
        write_archive(part, written.paths)
        final: Path | None = None
        try:
            export = _new_row(round_, settings, user, written)
            final = archive_path(export.id)
            _complete(export, round_, user, written, files, part, final)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            if final is not None:
                final.unlink(missing_ok=True)
            raise
    return export
