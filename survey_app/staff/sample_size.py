"""Target sample sizes: n = N / (1 + N·e²), rounded up (DOMAIN.md; Yamane 1967).

``N`` is the population (transactions in the period, officials in the unit …) and ``e`` the
margin of error, 0.05 by default. The computation is exact — ``e`` is taken as the decimal it
is written as, not as a binary float — so a value that is a whole number, like N = 400 with
e = 0.05 (n = 200), is never pushed up by rounding noise.

Reference: Yamane, T. (1967). *Statistics: An Introductory Analysis*, 2nd ed. Harper & Row.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

DEFAULT_MARGIN_OF_ERROR = Decimal("0.05")
"""The e of the SIPAS guidance."""


class SampleSizeError(ValueError):
    """A population or margin of error the formula cannot take."""


def sample_size(
    population: int, margin_of_error: Decimal | float | str = DEFAULT_MARGIN_OF_ERROR
) -> int:
    """``ceil(N / (1 + N·e²))`` for ``N = population`` ≥ 0 and 0 < ``e`` < 1."""
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        raise SampleSizeError(f"the population must be a whole number ≥ 0, not {population!r}")
    e = Fraction(str(margin_of_error))
    if not 0 < e < 1:
        raise SampleSizeError(
            f"the margin of error must lie between 0 and 1, not {margin_of_error}"
        )
    return math.ceil(Fraction(population) / (1 + population * e * e))
