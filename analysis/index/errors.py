"""Typed errors of the index engine.

Input problems are collected, not stopped at the first: :class:`IndexInputError` carries every
problem found in one call (``problems``), one actionable line each, so an evaluator fixes a whole
upload at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis.errors import AnalysisError


class IndexInputError(AnalysisError):
    """The points, units or figures handed to the index engine are incomplete or invalid."""

    code = "index_input"

    def __init__(self, what: str, problems: Sequence[str], *, hint: str | None = None) -> None:
        self.problems = list(problems)
        shown = "\n  ".join(self.problems)
        super().__init__(
            f"{what}: {len(self.problems)} problem(s)\n  {shown}", got=self.problems, hint=hint
        )


class RoundMismatchError(AnalysisError):
    """Two index results cannot be compared (different schemes, or not consecutive years)."""

    code = "round_mismatch"
