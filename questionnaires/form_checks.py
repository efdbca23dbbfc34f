"""The questionnaire checker: every problem in a set of questionnaire files, for authors.

Per file: YAML syntax (with line and column), the model's own validation (``reading``), then the
meaning checks (``rules``: structure, choices and scores, expressions, translations). Across
files: one questionnaire id and version may be defined only once. ``FORMAT.md`` lists every rule
with an example. ``questionnaires.checks`` runs this checker and the scheme checker together.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from questionnaires.problems import Problem
from questionnaires.reading import Reading, read_file
from questionnaires.rules import check_definition

FILE_PATTERN = "*.yaml"
"""The files a directory expands to."""


def check_reading(reading: Reading) -> list[Problem]:
    """Every problem of one file already read: its reading problems, else its meaning checks."""
    if reading.definition is None:
        return list(reading.problems)
    return [
        Problem(reading.path, location, message)
        for location, message in check_definition(reading.definition)
    ]


def expand_paths(
    paths: Sequence[Path], *, recursive: bool = False
) -> tuple[list[Path], list[Problem]]:
    """The files ``paths`` stand for, and problems with the paths.

    A directory stands for the ``*.yaml`` files directly in it, or with ``recursive`` for those
    in it and in all its subdirectories, in path order.
    """
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.rglob(FILE_PATTERN) if recursive else path.glob(FILE_PATTERN))
            if not found:
                problems.append(Problem(path, "directory", f"has no {FILE_PATTERN} files"))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            problems.append(Problem(path, "file", "does not exist"))
    return files, problems


def read_and_check_files(files: Sequence[Path]) -> tuple[list[Reading], list[Problem]]:
    """Read and check each questionnaire file once; return the readings and their problems."""
    readings = [read_file(path) for path in dict.fromkeys(files)]
    problems: list[Problem] = []
    for reading in readings:
        problems.extend(check_reading(reading))
    problems.extend(_duplicate_versions(readings))
    return readings, problems


def read_and_check(paths: Sequence[Path]) -> tuple[list[Reading], list[Problem]]:
    """Read every questionnaire file ``paths`` stand for; return the readings and all problems."""
    files, problems = expand_paths(paths)
    readings, found = read_and_check_files(files)
    return readings, problems + found


def _duplicate_versions(readings: Sequence[Reading]) -> list[Problem]:
    first: dict[tuple[str, str], Path] = {}
    problems: list[Problem] = []
    for reading in readings:
        if reading.definition is None:
            continue
        key = (reading.definition.id, reading.definition.version)
        if key in first:
            problems.append(
                Problem(
                    reading.path,
                    "id",
                    f"questionnaire {key[0]} version {key[1]} is also defined in {first[key]}; "
                    "change the version or the id",
                )
            )
        first.setdefault(key, reading.path)
    return problems
