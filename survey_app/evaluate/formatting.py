"""Numbers as the reports write them, in the reader's language: ``57,66`` in Vietnamese,
``57.66`` in English (Babel's locale data), probabilities as percentages, changes signed."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import format_decimal


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


def percent(value: float | None) -> str:
    """A probability as a whole percentage (``87%``); ``—`` when missing."""
    if value is None:
        return "—"
    return number(100.0 * value, 0) + "%"


def init_blueprint(blueprint: Blueprint) -> None:
    """Offer the three as template filters (``number``, ``signed``, ``percent``)."""
    blueprint.add_app_template_filter(number, "number")
    blueprint.add_app_template_filter(signed, "signed")
    blueprint.add_app_template_filter(percent, "percent")
