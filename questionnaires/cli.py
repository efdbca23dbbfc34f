"""``python -m questionnaires``: check definition files, or regenerate the JSON Schema.

``check PATH…`` checks questionnaires and schemes together (``questionnaires.checks``; a
directory stands for the ``*.yaml`` files in it and its subdirectories). It prints
``file: OK …`` for each clean file, then one line per problem (``file: location: message``), and
exits 1 if there is any problem (0 otherwise). ``schema`` rewrites
``schema/questionnaire.schema.json`` from the model; ``schema --check`` only reports (exit 1)
whether the committed file is out of date.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from questionnaires.checks import read_and_check_all
from questionnaires.problems import format_problems
from questionnaires.reading import Reading
from questionnaires.schema import SCHEMA_PATH, schema_text, write_schema
from questionnaires.scheme import iter_nodes
from questionnaires.scheme_checks import SchemeReading


def _summary(reading: Reading | SchemeReading) -> str | None:
    """What a clean file defines, e.g. ``par_leaders version 2024.2, 45 items``."""
    if isinstance(reading, SchemeReading):
        scheme = reading.definition
        if scheme is None:
            return None
        edition = scheme.edition
        leaves = sum(1 for node in iter_nodes(scheme) if node.is_leaf)
        return (
            f"scheme {edition.id} version {edition.version}, "
            f"{len(scheme.fields)} fields, {leaves} leaves"
        )
    definition = reading.definition
    if definition is None:
        return None
    count = sum(len(page.items) for page in definition.pages)
    return f"{definition.id} version {definition.version}, {count} item{'s' if count != 1 else ''}"


def _check(paths: Sequence[Path]) -> int:
    run = read_and_check_all(paths)
    troubled = {problem.file for problem in run.problems}
    for reading in run.readings:
        summary = _summary(reading)
        if reading.path not in troubled and summary is not None:
            print(f"{reading.path}: OK ({summary})")
    if run.problems:
        print(format_problems(run.problems))
        count = len(run.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found", file=sys.stderr)
        return 1
    return 0


def _schema(check_only: bool) -> int:
    if check_only:
        current = SCHEMA_PATH.exists() and SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()
        if current:
            print(f"{SCHEMA_PATH}: up to date")
            return 0
        print(f"{SCHEMA_PATH}: out of date; run python -m questionnaires schema")
        return 1
    print(f"wrote {write_schema()}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m questionnaires", description="Questionnaire definition tools."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "check",
        help="check questionnaire and scheme files (directories: their *.yaml, recursively)",
    )
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    schema = commands.add_parser("schema", help="regenerate the JSON Schema from the model")
    schema.add_argument("--check", action="store_true", help="only report whether it is current")
    arguments = parser.parse_args(argv)
    if arguments.command == "check":
        return _check(arguments.paths)
    return _schema(arguments.check)
