"""The one error the expression language raises on bad source text: :class:`ExpressionError`.

It carries the 0-based ``position`` of the offending character in the source and a message an
author can act on; ``str()`` adds the column and an excerpt of the source around it.
"""

from __future__ import annotations

EXCERPT_WIDTH = 20
"""Characters of source shown on each side of the error position."""


class ExpressionError(ValueError):
    """A rule's source text is not a valid expression (syntax, unknown function, limits)."""

    def __init__(self, message: str, *, source: str, position: int) -> None:
        self.message = message
        self.source = source
        self.position = max(0, min(position, len(source)))
        super().__init__(str(self))

    @property
    def column(self) -> int:
        """The 1-based column of the error, as an author counts."""
        return self.position + 1

    def __str__(self) -> str:
        start = max(0, self.position - EXCERPT_WIDTH)
        end = min(len(self.source), self.position + EXCERPT_WIDTH)
        before = ("…" if start > 0 else "") + self.source[start : self.position]
        after = self.source[self.position : end] + ("…" if end < len(self.source) else "")
        return f"{self.message} (column {self.column}: {before}⟨here⟩{after})"
