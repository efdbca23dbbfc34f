"""Reading numbers typed by people (uploads of self-scores and imported figures).

A cell is a number when it is an int or float (not a bool), or text that reads as one after
trimming; Vietnamese spreadsheets write the decimal separator as a comma (``57,66``), which is
accepted when the text has no dot. NaN, infinity and blanks are not numbers.
"""

from __future__ import annotations

import math

import numpy as np


def parse_number(value: object) -> float | None:
    """``value`` as a finite float, or ``None`` when it is not a number (see module docstring)."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None
