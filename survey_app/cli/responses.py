"""``flask responses export``: every response of a round (or of all rounds) to one file.

``flask --app wsgi responses export [--round ROUND] --format csv|xlsx|parquet|sav --out FILE
[--lang vi|en]`` writes one row per response and one column per item code (``survey_app.export``
says how each is typed), plus ``FILE``'s stem + ``.codebook.csv`` and ``.codebook.json``. A
progress bar is drawn on stderr when it is a terminal and the export is long.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import AppGroup

from questionnaires.model import LANGUAGES
from survey_app.export.errors import ExportError
from survey_app.export.formats import ExportFormat
from survey_app.models import db

if TYPE_CHECKING:
    from survey_app.export.run import ExportSummary

responses = AppGroup("responses", help="Collected responses.")

PROGRESS_MIN_ROWS = 10_000
"""Exports at least this long show a progress bar (when stderr is a terminal)."""


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None] | None]:
    """A progress callback drawing a bar on stderr, or None when no bar is wanted."""
    if total < PROGRESS_MIN_ROWS or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label="Exporting responses", file=sys.stderr) as bar:
        yield bar.update


def _report(summary: ExportSummary, round_code: str | None) -> None:
    """Say what was written, and any note, on the terminal."""
    for note in summary.notes:
        click.echo(f"Note: {note}", err=True)
    scope = f"round {round_code}" if round_code else f"{len(summary.rounds)} round(s)"
    if summary.rows == 0:
        click.echo(f"No responses to export in {scope}: {summary.path} holds the header only.")
    else:
        click.echo(
            f"Exported {summary.rows:,} response(s) of {scope} with {summary.columns} columns "
            f"to {summary.path}."
        )
    click.echo(f"Codebook: {summary.codebook_csv} and {summary.codebook_json}.")


@responses.command("export")
@click.option("--round", "round_code", metavar="ROUND", help="Round code; all rounds if left out.")
@click.option(
    "--format",
    "export_format",
    type=click.Choice([f.value for f in ExportFormat]),
    required=True,
    help="File format.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="File to write; the codebook goes beside it.",
)
@click.option(
    "--lang",
    "language",
    type=click.Choice(LANGUAGES),
    default=LANGUAGES[0],
    show_default=True,
    help="Language of the SPSS variable and value labels.",
)
def export(round_code: str | None, export_format: str, out: Path, language: str) -> None:
    """Export responses, one row each and one column per item code, with a codebook."""
    # Imported here, not at the top: pandas, pyarrow and the writers load only for an export.
    from survey_app.export.run import check_writable, plan_export, write_export

    # The export makes millions of short-lived objects; the app's own long-lived ones
    # (modules, models, the loaded questionnaires) need not be rescanned by every collection.
    gc.freeze()
    try:
        check_writable(out)
        plan = plan_export(db.session, round_code)
        with _progress(plan.total) as progress:
            summary = write_export(
                db.session,
                plan,
                out=out,
                export_format=ExportFormat(export_format),
                language=language,
                progress=progress,
            )
    except ExportError as error:
        raise click.ClickException(str(error)) from error
    _report(summary, round_code)
