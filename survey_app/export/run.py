"""The whole export: plan it (rounds, versions, layout, row count), then write the file and its
codebook, atomically.

Every file is first written under a temporary name in the target folder and moved into place
only when all three (export, ``.codebook.csv``, ``.codebook.json``) are complete, so a failed
export never leaves a half-written file under the asked name nor replaces an older export. The
files are readable by their owner only (they hold survey answers), like the demo's codes file.
The folder is tried before any data is read (:class:`UnwritablePathError`). No Flask here: the
command line passes ``db.session``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from survey_app.export.codebook import (
    codebook_document,
    codebook_paths,
    codebook_rows,
    write_codebook_csv,
    write_codebook_json,
)
from survey_app.export.errors import UnwritablePathError
from survey_app.export.formats import ExportFormat
from survey_app.export.frame import build_table
from survey_app.export.layout import ExportLayout, build_layout
from survey_app.export.source import (
    DEFAULT_CHUNK_SIZE,
    Selection,
    SessionLike,
    count_responses,
    select_rounds,
    stored_questionnaires,
    stream_records,
)
from survey_app.export.spss_names import spss_names
from survey_app.export.writers import WRITERS, WriterOptions

Progress = Callable[[int], None]
"""Called with the number of responses just written."""


@dataclass(frozen=True)
class ExportPlan:
    """What an export will hold: rounds, columns and the number of responses."""

    selection: Selection
    layout: ExportLayout
    total: int


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    path: Path
    codebook_csv: Path
    codebook_json: Path
    rows: int
    columns: int
    rounds: tuple[str, ...]
    notes: tuple[str, ...]


def plan_export(session: SessionLike, round_code: str | None) -> ExportPlan:
    """Resolve the round(s), recover the questionnaire versions and count the responses."""
    selection = select_rounds(session, round_code)
    layout = build_layout(stored_questionnaires(session, selection))
    return ExportPlan(selection, layout, count_responses(session, selection))


def check_writable(out: Path) -> None:
    """Raise :class:`UnwritablePathError` unless files can be created beside ``out``."""
    folder = out.parent
    if out.is_dir():
        raise UnwritablePathError(f"cannot write {out}: it is a folder; give a file name")
    if not folder.is_dir():
        raise UnwritablePathError(f"cannot write {out}: the folder {folder} does not exist")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        raise UnwritablePathError(f"cannot write {out}: {reason}") from error


@contextmanager
def _staged(targets: Sequence[Path]) -> Iterator[list[Path]]:
    """Temporary paths beside ``targets``, moved onto them when the block succeeds."""
    staged: list[Path] = []
    try:
        for target in targets:
            handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            os.close(handle)
            staged.append(Path(name))
        yield staged
        for path, target in zip(staged, targets, strict=True):
            os.replace(path, target)
    except OSError as error:
        reason = error.strerror or str(error)
        raise UnwritablePathError(f"cannot write {targets[0]}: {reason}") from error
    finally:
        for path in staged:
            path.unlink(missing_ok=True)


def write_export(
    session: SessionLike,
    plan: ExportPlan,
    *,
    out: Path,
    export_format: ExportFormat,
    language: str = "vi",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Progress | None = None,
) -> ExportSummary:
    """Write ``plan``'s responses to ``out`` in ``export_format``, and the codebook beside it."""
    check_writable(out)
    layout = plan.layout
    names = spss_names(layout.names)
    rows = codebook_rows(layout, names)
    paths = codebook_paths(out)
    options = WriterOptions(layout=layout, language=language, spss_names=names, codebook=rows)
    written = 0
    with ExitStack() as stack:
        data_path, csv_path, json_path = stack.enter_context(_staged([out, paths.csv, paths.json]))
        writer = WRITERS[export_format](data_path, options)
        try:
            for records in stream_records(session, plan.selection, chunk_size=chunk_size):
                writer.write_table(build_table(records, layout))
                written += len(records)
                if progress is not None:
                    progress(len(records))
            writer.close()
        except BaseException:
            writer.abort()
            raise
        write_codebook_csv(csv_path, rows)
        document = codebook_document(
            layout,
            names,
            rounds=plan.selection.round_codes,
            rows=written,
            export_format=export_format.value,
            language=language,
        )
        write_codebook_json(json_path, document)
    return ExportSummary(
        path=out,
        codebook_csv=paths.csv,
        codebook_json=paths.json,
        rows=written,
        columns=len(layout.columns),
        rounds=plan.selection.round_codes,
        notes=(*layout.notes, *writer.notes),
    )
