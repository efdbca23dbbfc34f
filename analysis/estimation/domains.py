"""Domains (R ``svyby``) and the respondents that enter an estimate.

A domain estimate keeps the whole design and sets the influence values of respondents outside
the domain to zero, so strata, PSU counts and calibrations are those of the full sample
(Lumley 2010, §2.3; Wolter 2007, §1.5). Respondents whose value is missing are treated the same
way (R's ``na.rm=TRUE``): they keep their place in the design and contribute zero. Respondents
whose ``by`` value is missing belong to no domain, as in R ``svyby``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analysis.columns import Data, describe, factorize, floats, kind, numbers, size
from analysis.design import BoolArray, DesignError, FloatArray, NumberArray, require_columns


class VariableTypeError(DesignError):
    """A variable has the wrong type for the statistic asked."""

    code = "variable_type"


def level_label(value: object) -> str:
    """Text of a domain or category value; integral floats lose their ``.0``."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def domains(frame: Data, by: str | None) -> list[tuple[str | None, BoolArray]]:
    """The domains of ``by`` in sorted order with their row masks, or the whole sample.

    Parameters
    ----------
    frame
        The design's data.
    by
        Domain column, or ``None`` for the whole population.

    Returns
    -------
    list of (label, mask)
    """
    if by is None:
        return [(None, np.ones(size(frame), dtype=bool))]
    require_columns(frame, [by], role="domain")
    codes, uniques = factorize(frame, by, sort=True)
    if len(uniques) == 0:
        raise DesignError(
            f"domain column `{by}` has no values", expected="at least one domain", got=0
        )
    return [(level_label(value), codes == k) for k, value in enumerate(uniques)]


def numeric_values(frame: Data, variable: str) -> tuple[NumberArray, BoolArray]:
    """Values of a numeric variable (missing as 0; integers as stored) and the mask of rows
    where it is present."""
    require_columns(frame, [variable], role="variable")
    if kind(frame, variable) == "text":
        dtype = describe(frame, variable)
        raise VariableTypeError(
            f"variable `{variable}` is not numeric (dtype {dtype})",
            expected="numeric",
            got=dtype,
            hint=f"estimate a proportion of one of its categories, e.g. `{variable}=LEVEL`",
        )
    values = numbers(frame, variable)
    present = np.isfinite(values)
    return (values if present.all() else np.where(present, values, 0.0)), present


def category_indicator(
    frame: Data, variable: str, category: object
) -> tuple[FloatArray, BoolArray]:
    """1 where ``variable`` equals ``category``, 0 elsewhere, and the mask of non-missing rows.

    ``category`` is compared as a number for numeric columns and as text otherwise; a category
    that no respondent chose is an error (usually a typo), listing the observed ones.
    """
    require_columns(frame, [variable], role="variable")
    if kind(frame, variable) == "number":
        values = floats(frame, variable)
        present = ~np.isnan(values)
        try:
            target: object = float(str(category))
        except ValueError:
            target = category
        hits = values == target
        observed: list[object] = [] if hits.any() else np.unique(values[present]).tolist()
    else:
        codes, uniques = factorize(frame, variable, sort=False)
        present = codes >= 0
        chosen = [k for k, value in enumerate(uniques) if str(value) == str(category)]
        hits = np.isin(codes, chosen)
        observed = uniques
    if not hits.any():
        labels = sorted(level_label(v) for v in observed)
        raise VariableTypeError(
            f"no respondent has `{variable}` = {category}; observed values: {', '.join(labels)}",
            expected=labels,
            got=str(category),
        )
    return hits.astype(np.float64), present


def variable_list(variables: str | Sequence[str]) -> list[str]:
    """One variable name or several, as a list."""
    return [variables] if isinstance(variables, str) else list(variables)
