"""Typed errors of the responses export, each with a message a staff member can act on.

Every error carries a stable ``code`` for programs and, where it helps, a ``hint``; the command
line prints ``str(error)`` and exits 1.
"""

from __future__ import annotations

from collections.abc import Sequence


class ExportError(Exception):
    """Base class: the export cannot be made as asked."""

    code: str = "export_error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UnknownRoundError(ExportError):
    """The round code names no stored round; ``known`` lists the codes that exist."""

    code = "unknown_round"

    def __init__(self, round_code: str, known: Sequence[str]) -> None:
        self.round_code = round_code
        self.known = tuple(known)
        listed = ", ".join(self.known) if self.known else "none yet"
        super().__init__(f"there is no round {round_code!r}; the rounds are: {listed}")


class UnwritablePathError(ExportError):
    """The output file (or its codebook beside it) cannot be written."""

    code = "unwritable_path"


class StoredDefinitionError(ExportError):
    """A stored questionnaire version cannot be read back as the definition it claims to be."""

    code = "stored_definition"


class AnswerError(ExportError):
    """A stored answer does not fit its item, so it cannot be exported as the item's type."""

    code = "answer_error"


class ColumnNameError(ExportError):
    """Two export columns would carry the same name."""

    code = "column_name"


class FormatLimitError(ExportError):
    """The export exceeds a hard limit of the chosen file format."""

    code = "format_limit"
