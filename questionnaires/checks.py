"""The definition checker: every problem in a set of questionnaire and scheme files, for authors.

``flask --app wsgi questionnaires check PATH…`` and ``python -m questionnaires check PATH…`` run
:func:`check_paths`. A directory stands for the ``*.yaml`` files in it and in its
subdirectories, so ``questionnaires/`` checks the bundled forms and schemes together. Each file
goes to its own checker: a YAML mapping with a top-level ``edition`` key is a scheme
(``scheme_checks``), anything else a questionnaire (``form_checks``; a file that is not YAML or
not a mapping is reported by it).

Survey leaves of the schemes may name the questionnaires checked with them that have no
problems, and the bundled ones (a questionnaire given replaces a bundled one with the same id).
If the bundled questionnaires themselves have problems, those problems are reported too, since
the schemes cannot be checked against them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from questionnaires.form_checks import expand_paths, read_and_check_files
from questionnaires.loader import Questionnaire, bundled_questionnaires
from questionnaires.problems import DefinitionError, Problem
from questionnaires.reading import Reading
from questionnaires.scheme_checks import (
    SchemeReading,
    is_scheme_file,
    read_and_check_scheme_files,
)


@dataclass(frozen=True)
class CheckRun:
    """What one check read, in the order of the files, and every problem found."""

    readings: tuple[Reading | SchemeReading, ...]
    problems: tuple[Problem, ...]


def read_and_check_all(paths: Sequence[Path]) -> CheckRun:
    """Read and check every questionnaire and scheme file ``paths`` stand for."""
    files, problems = expand_paths(paths, recursive=True)
    unique = list(dict.fromkeys(files))
    schemes = {path for path in unique if is_scheme_file(path)}
    forms, form_problems = read_and_check_files([p for p in unique if p not in schemes])
    problems.extend(form_problems)
    scheme_readings: list[SchemeReading] = []
    if schemes:
        known, bundled_problems = _questionnaires_for_schemes(forms, form_problems)
        problems.extend(bundled_problems)
        scheme_readings, scheme_problems = read_and_check_scheme_files(
            [p for p in unique if p in schemes], questionnaires=known
        )
        problems.extend(scheme_problems)
    by_path: dict[Path, Reading | SchemeReading] = {r.path: r for r in forms}
    by_path.update((r.path, r) for r in scheme_readings)
    return CheckRun(tuple(by_path[path] for path in unique), tuple(problems))


def check_paths(paths: Sequence[Path]) -> list[Problem]:
    """Every problem in the files ``paths`` stand for; an empty list means all is well."""
    return list(read_and_check_all(paths).problems)


def _questionnaires_for_schemes(
    readings: Sequence[Reading], problems: Sequence[Problem]
) -> tuple[dict[str, Questionnaire], list[Problem]]:
    """The questionnaires survey leaves may name, and the bundled ones' problems if they have
    any (except for files already checked among ``readings``)."""
    found: list[Problem] = []
    try:
        known = dict(bundled_questionnaires())
    except DefinitionError as error:
        known = {}
        given = {reading.path.resolve() for reading in readings}
        found = [p for p in error.problems if p.file.resolve() not in given]
    troubled = {problem.file for problem in problems}
    for reading in readings:
        if reading.definition is not None and reading.path not in troubled:
            known[reading.definition.id] = Questionnaire(
                reading.definition, path=reading.path, content_hash=reading.content_hash
            )
    return known, found
