"""What the checker reports: :class:`Problem` (file, location, message), the one-line-per-problem
format, and the errors the loader raises.

A location is written for the author, naming what they wrote rather than list positions:
``page "services", item q12 (relevant)``, ``choice list "agree4", choice "3" (score)``,
``line 7, column 3`` for YAML syntax. ``questionnaires.locations`` builds them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a definition file."""

    file: Path
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.location}: {self.message}"


def format_problems(problems: Sequence[Problem]) -> str:
    """One line per problem, ``file: location: message``, in the order given."""
    return "\n".join(str(problem) for problem in problems)


class DefinitionError(Exception):
    """A definition file (or set of files) has problems; ``problems`` lists every one."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in questionnaire definitions"
        super().__init__(f"{heading}:\n{format_problems(self.problems)}")


class UnknownItemError(LookupError):
    """An item, page or choice code that the questionnaire does not have."""
