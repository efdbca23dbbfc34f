"""Post-stratification: weights scaled within cells to known population counts.

For post-stratum (cell) ``c`` with population count ``N_c`` and estimated count
``N̂_c = Σ_{i∈c} w0_i``, every unit of the cell gets ``w_i = w0_i · N_c / N̂_c`` (Holt & Smith
1979; Särndal, Swensson & Wretman 1992, §7.6), which is exact calibration to the cell counts;
R ``survey::postStratify``. Cells are the observed combinations of the ``by`` variables; the
variance trace subtracts the ``w0``-weighted cell mean of ``x/w``, times ``w``.

A sample cell without a population count, or a population cell with a positive count and no
sample unit, raises an error naming the cell (R: "Strata in sample absent from population",
"Some strata absent from sample"); collapse categories before post-stratifying, or rake.

References
----------
Holt, D. & Smith, T. M. F. (1979). Post stratification. *JRSS A* 142, 33–46.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from analysis.columns import Data, size
from analysis.weighting.errors import InvalidMarginsError
from analysis.weighting.levels import cross, factorize, level_label
from analysis.weighting.margins import CategoricalMargin, MatchedMargins, match_factor
from analysis.weighting.problem import CalibrationProblem
from analysis.weighting.result import CalibrationResult, finish
from analysis.weighting.validation import WeightsLike, as_names, resolve_weights

if TYPE_CHECKING:
    import pandas as pd


def _population_margin(
    population: pd.DataFrame, by: tuple[str, ...], count: str, name: str
) -> CategoricalMargin:
    import pandas as pd

    missing = [column for column in (*by, count) if column not in population.columns]
    if missing:
        raise InvalidMarginsError(
            f"the population table lacks column(s) {', '.join(missing)}",
            expected=[*by, count],
            got=[str(c) for c in population.columns],
        )
    cells = population[list(by)]
    if cells.isna().to_numpy().any():
        raise InvalidMarginsError(
            "the population table has missing values in its cell columns",
            expected="a value in every cell column",
            got=int(cells.isna().to_numpy().sum()),
            variable=name,
        )
    labels = [
        ":".join(level_label(value) for value in row)
        for row in cells.itertuples(index=False, name=None)
    ]
    counts = pd.to_numeric(population[count], errors="coerce").to_numpy(dtype=np.float64)
    for label, value in zip(labels, counts, strict=True):
        if not (np.isfinite(value) and value >= 0):
            raise InvalidMarginsError(
                f"population cell `{label}` has no valid count",
                expected="a finite count >= 0",
                got=float(value),
                variable=name,
                level=label,
            )
    if len(set(labels)) < len(labels):
        repeated = next(label for label in labels if labels.count(label) > 1)
        raise InvalidMarginsError(
            f"population cell `{repeated}` is listed more than once",
            expected="each cell once",
            got=repeated,
            variable=name,
            level=repeated,
        )
    return CategoricalMargin(variable=name, levels=tuple(labels), targets=tuple(counts.tolist()))


def poststratify(
    data: Data,
    *,
    weights: WeightsLike,
    by: str | Sequence[str],
    population: pd.DataFrame,
    count: str = "target",
) -> CalibrationResult:
    """Post-stratify weights to population counts of the cells of ``by``.

    Parameters
    ----------
    data : pandas.DataFrame or Columns
        The sample, one row per respondent.
    weights : str or array_like
        Initial weights: a column of ``data`` or an array.
    by : str or sequence of str
        The post-stratification variables; cells are their combinations.
    population : pandas.DataFrame
        One row per cell: the ``by`` columns and the population ``count``.
    count : str, default "target"
        The column of ``population`` holding the counts.

    Returns
    -------
    CalibrationResult
        With ``method == "poststratify"``; margin residuals per cell, labelled
        ``"a:b"`` under the variable ``"x:y"``.

    Raises
    ------
    WeightingError
        Invalid weights, missing values in ``by``, cells unmatched between sample and
        population, or a zero count for a sampled cell.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"sex": ["f", "m", "m"]})
    >>> population = pd.DataFrame({"sex": ["f", "m"], "target": [30.0, 60.0]})
    >>> poststratify(data, weights=[1.0, 1.0, 3.0], by="sex",
    ...              population=population).weights.tolist()
    [30.0, 15.0, 45.0]
    """
    names = as_names(by)
    initial = resolve_weights(data, weights)
    name = ":".join(names)
    cells = cross([factorize(data, one, role="post-stratification variable") for one in names],
                  name=name)
    margin = _population_margin(population, names, count, name)
    factor, _ = match_factor(margin, cells, rule=None, positive=True)
    matched = MatchedMargins(
        factors=(factor,),
        numeric_names=(),
        numeric=np.empty((size(data), 0)),
        numeric_totals=np.empty(0),
        collapsed=(),
    )
    problem = CalibrationProblem.build(matched, initial_weights=initial)
    row_g = problem.targets / problem.row_weights
    history = [problem.max_relative_error(problem.row_weights * row_g)]
    return finish(
        problem,
        method="poststratify",
        initial_weights=initial,
        row_g=row_g,
        history=history,
        collapsed=(),
    )
