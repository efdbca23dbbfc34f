"""Numbers in the reader's language (``survey_app.formatting``): Vietnamese swaps English's
thousands and decimal signs, so the same figure must never be written the English way on a
Vietnamese page; :func:`significant` keeps the digits Python's ``g`` keeps."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask_babel import Babel, force_locale
from hypothesis import given
from hypothesis import strategies as st

from survey_app.formatting import PLAIN_RANGE, number, percent, significant


@pytest.fixture(scope="module")
def babel_app() -> Iterator[Flask]:
    """A bare app with Flask-Babel, inside a request (the formats read its locale)."""
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield app


def _in(language: str, write: Callable[[], str]) -> str:
    """What ``write()`` gives in ``language``."""
    with force_locale(language):
        return write()


def _english_read(text: str) -> float:
    """An English-formatted number read back."""
    return float(text.replace(",", ""))


def test_each_language_writes_its_own_separators(babel_app: Flask) -> None:
    """Thousands and decimals as each language writes them, percentages with their decimals."""
    assert _in("en", lambda: number(10100, 0)) == "10,100"
    assert _in("vi", lambda: number(10100, 0)) == "10.100"
    assert _in("en", lambda: number(1.4654, 3)) == "1.465"
    assert _in("vi", lambda: number(1.4654, 3)) == "1,465"
    assert _in("vi", lambda: percent(0.000125, 4)) == "0,0125%"
    assert _in("en", lambda: significant(2500.0, 6)) == "2,500"
    assert _in("vi", lambda: significant(0.0123456)) == "0,0123"
    assert _in("en", lambda: significant(1.234e-9)) == "1.23E-9"
    assert _in("vi", lambda: significant(0.0)) == "0"
    assert _in("vi", lambda: significant(None)) == "—"


@given(
    value=st.floats(min_value=PLAIN_RANGE[0], max_value=1e9)
    | st.floats(min_value=-1e9, max_value=-PLAIN_RANGE[0]),
    digits=st.integers(min_value=1, max_value=6),
)
def test_significant_keeps_the_digits_it_promises(
    babel_app: Flask, value: float, digits: int
) -> None:
    """Read back, the English text is within half a unit of its last digit: the
    ``digits``-th significant one, or the units for a longer whole part; the Vietnamese text is
    the same figure with the two signs swapped."""
    english = _in("en", lambda: significant(value, digits))
    vietnamese = _in("vi", lambda: significant(value, digits))
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    assert abs(_english_read(english) - value) <= 0.5 * 10.0**-decimals + 1e-12 * abs(value)
    swapped = english.replace(",", "\0").replace(".", ",").replace("\0", ".")
    assert vietnamese == swapped
