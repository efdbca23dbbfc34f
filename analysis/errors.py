"""Typed errors of the analysis package.

Every error carries a stable ``code`` (for programs), a message a staff member can act on, and,
where it helps, what was ``expected``, what was ``got`` and a ``hint``. Modules define their
specific errors as subclasses next to the code that raises them.
"""

from __future__ import annotations

from typing import Any


class AnalysisError(Exception):
    """Base class: a specific, actionable failure of a weighting or estimation step."""

    code: str = "analysis_error"

    def __init__(
        self,
        message: str,
        *,
        expected: Any = None,
        got: Any = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.got = got
        self.hint = hint

    def __str__(self) -> str:
        text = self.message
        if self.hint:
            text = f"{text} ({self.hint})"
        return text
