"""``flask questionnaires check PATH…``: validate definition files (questionnaires and index
schemes, through ``questionnaires.checks``), exit 1 on any problem."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from questionnaires.checks import check_paths
from questionnaires.problems import format_problems

questionnaires = AppGroup("questionnaires", help="Questionnaire definition files.")


@questionnaires.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    """Check definition files (or folders of them); list every problem and exit 1 if any."""
    problems = check_paths(list(paths))
    if problems:
        click.echo(format_problems(problems), err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"{len(paths)} path(s) checked: no problems.")
