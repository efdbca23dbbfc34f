"""Reading what a respondent typed into the stored answer values of ``questionnaires.model``.

Numbers accept a decimal comma (Vietnamese usage) or point; dates accept ISO ``YYYY-MM-DD``
(what a date picker sends) or the Vietnamese ``dd/mm/yyyy``.
"""

from __future__ import annotations

import math
from datetime import datetime


class UnreadableValue(ValueError):
    """Raised when typed text is not a value of the expected kind."""


def parse_number(raw: str) -> float:
    """The number in ``raw``, written with a decimal comma or point."""
    text = raw.strip().replace(" ", "").replace(",", ".")
    try:
        value = float(text)
    except ValueError as error:
        raise UnreadableValue(raw) from error
    if not math.isfinite(value):
        raise UnreadableValue(raw)
    return value


def parse_date(raw: str) -> str:
    """The ISO date string for ``raw`` given as ``YYYY-MM-DD`` or ``dd/mm/yyyy``."""
    text = raw.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    raise UnreadableValue(raw)


def format_number(value: int | float) -> str:
    """A stored number as the respondent would type it back (no trailing ``.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
