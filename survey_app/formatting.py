"""Numbers as every page writes them, in the reader's language (Babel's locale data): ``10.100``
and ``57,66`` in Vietnamese, ``10,100`` and ``57.66`` in English. A number formatted by Python
instead (``f"{x:,}"``) reads as English everywhere, so a Vietnamese reader takes ``1.465`` for
one thousand four hundred and sixty-five.

Fixed decimals (:func:`number`), as many significant digits as the value needs
(:func:`significant`, Python's ``g``), probabilities and shares as percentages (:func:`percent`),
changes signed (:func:`signed`); each is also a template filter of the same name
(:func:`init_app`).
"""

from __future__ import annotations

import math

from flask import Flask
from flask_babel import format_decimal, format_scientific

PLAIN_RANGE = (1e-4, 1e15)
"""Magnitudes :func:`significant` writes in plain digits; outside it, in scientific notation."""


def number(value: float | None, decimals: int = 2) -> str:
    """``value`` with ``decimals`` decimals and the locale's separators; ``—`` when missing."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text: str = format_decimal(value, format=pattern)
    return text


def plain(value: float) -> str:
    """A score as typed into a form: only the decimals it has, the locale's separator."""
    text: str = format_decimal(value, format="0.####")
    return text


def signed(value: float | None, decimals: int = 2) -> str:
    """A change with its sign (``+1,25``, ``−0,50``, ``0,00``); ``—`` when missing."""
    if value is None:
        return "—"
    text = number(abs(value), decimals)
    if round(value, decimals) > 0:
        return "+" + text
    if round(value, decimals) < 0:
        return "\u2212" + text
    return text


def significant(value: float | None, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits without trailing zeros, like Python's ``g``
    but with a whole part always in full (``0,0123``, ``2.500``, ``1.234.567`` in Vietnamese),
    and in scientific notation outside :data:`PLAIN_RANGE` (``1,2E-9``); ``—`` when missing."""
    if value is None:
        return "—"
    size = abs(value)
    if size == 0:
        return number(0.0, 0)
    if not PLAIN_RANGE[0] <= size < PLAIN_RANGE[1]:
        scientific: str = format_scientific(value, format="0." + "#" * (digits - 1) + "E0")
        return scientific
    decimals = max(0, digits - 1 - math.floor(math.log10(size)))
    pattern = "#,##0" + ("." + "#" * decimals if decimals > 0 else "")
    text: str = format_decimal(value, format=pattern)
    return text


def percent(value: float | None, decimals: int = 0) -> str:
    """A probability or share as a percentage (``87%``, ``0,0125%`` with four decimals);
    ``—`` when missing."""
    if value is None:
        return "—"
    return number(100.0 * value, decimals) + "%"


def init_app(app: Flask) -> None:
    """Offer the formats to every template as filters of the same names."""
    app.jinja_env.filters.update(
        number=number, significant=significant, signed=signed, percent=percent
    )
