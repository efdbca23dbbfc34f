"""A calibration problem: matched margins as a model matrix, row weights and targets.

The model matrix ``X`` has the dummies of every categorical margin (treatment-coded after the
first, see :mod:`analysis.weighting.model_matrix`) and the numeric calibration variables. With
categorical margins only, ``X`` depends on the cell of the cross-classification alone, so the
problem is posed over the observed cells with the initial weights summed in each (exact, and
what makes a million rows cheap); with a numeric variable the rows are the units.

Convergence is judged on every level of every margin, dropped basis level included, by the
relative error ``|t̂ − t| / max(|t|, Σ_i |w_i·x_i|)``: the denominator is the size of the
terms summed into ``t̂``, so the criterion is reachable in floating point whatever the
number of rows, and a zero target is judged against the weights of its units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from analysis.weighting.margins import MatchedFactor, MatchedMargins
from analysis.weighting.model_matrix import IntArray, ModelMatrix, combine_codes, group_sum
from analysis.weighting.trace import FloatArray

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_TOLERANCE = 1e-10
"""Default largest relative margin error at convergence: far below any survey's precision,
far above the rounding of a sum of a million weights."""

POPULATION_SIZE = "(population size)"
"""Variable name of the intercept margin added for a population size with no categorical
margin."""


def _relative(achieved: FloatArray, target: FloatArray, magnitude: FloatArray) -> FloatArray:
    scale = np.maximum(np.abs(target), magnitude)
    error = np.abs(achieved - target)
    return np.divide(error, scale, out=np.zeros_like(error), where=scale > 0)


@dataclass(frozen=True, eq=False)
class CalibrationProblem:
    """Margins matched to the data, posed over model rows (cells or units).

    Attributes
    ----------
    factors : tuple of MatchedFactor
        The categorical margins.
    numeric_names : tuple of str
        The numeric calibration variables.
    numeric_totals : numpy.ndarray
        Their population totals.
    model : ModelMatrix
        ``X`` over the model rows.
    unit_rows : numpy.ndarray or None
        The model row (cell) of each unit, or ``None`` when rows are units.
    row_weights : numpy.ndarray
        Initial weights summed over each model row.
    targets : numpy.ndarray
        The target of each column of ``X``.
    """

    factors: tuple[MatchedFactor, ...]
    numeric_names: tuple[str, ...]
    numeric_totals: FloatArray
    model: ModelMatrix
    unit_rows: IntArray | None
    row_weights: FloatArray
    targets: FloatArray

    @classmethod
    def build(
        cls,
        matched: MatchedMargins,
        *,
        initial_weights: FloatArray,
        population_size: float | None = None,
    ) -> CalibrationProblem:
        """Pose ``matched`` over cells (categorical only) or units (any numeric variable)."""
        factors = matched.factors
        n = initial_weights.shape[0]
        if not factors and population_size is not None:
            intercept = MatchedFactor(
                variable=POPULATION_SIZE,
                levels=("total",),
                codes=np.zeros(n, dtype=np.intp),
                targets=np.array([float(population_size)]),
                dropped=(),
            )
            factors = (intercept,)
        sizes = tuple(len(factor.levels) for factor in factors)
        full = tuple(index == 0 for index in range(len(factors)))
        if factors:
            cell, first = combine_codes([factor.codes for factor in factors], sizes)
        else:
            cell, first = np.zeros(n, dtype=np.intp), np.zeros(1, dtype=np.intp)
        cell_codes = tuple(factor.codes[first] for factor in factors)
        unit_rows: IntArray | None = None
        numeric = matched.numeric
        row_weights = initial_weights
        if numeric.shape[1] == 0:
            unit_rows = cell
            cell = np.arange(first.shape[0], dtype=np.intp)
            row_weights = group_sum(unit_rows, initial_weights, int(first.shape[0]))
            numeric = np.empty((first.shape[0], 0), dtype=np.float64)
        model = ModelMatrix(
            cell=cell, cell_codes=cell_codes, sizes=sizes, full=full, numeric=numeric
        )
        targets = np.concatenate(
            [factor.targets if index == 0 else factor.targets[1:] for index, factor in
             enumerate(factors)]
            + [matched.numeric_totals]
        )
        return cls(
            factors=factors,
            numeric_names=matched.numeric_names,
            numeric_totals=matched.numeric_totals,
            model=model,
            unit_rows=unit_rows,
            row_weights=row_weights,
            targets=targets,
        )

    def unit_values(self, row_values: FloatArray) -> FloatArray:
        """Spread a per-row quantity (e.g. g) to the units."""
        return row_values if self.unit_rows is None else row_values[self.unit_rows]

    def _achieved(self, weights: FloatArray) -> tuple[list[FloatArray], list[FloatArray]]:
        """Per margin, the achieved totals and the magnitude ``Σ|w·x|`` behind each."""
        magnitude = np.abs(weights)
        achieved = self.model.level_sums(weights)
        sizes = self.model.level_sums(magnitude)
        if self.numeric_names:
            achieved.append(self.model.numeric.T @ weights)
            sizes.append(np.abs(self.model.numeric).T @ magnitude)
        return achieved, sizes

    def max_relative_error(self, weights: FloatArray) -> float:
        """The largest relative margin error at row weights ``weights``."""
        achieved, sizes = self._achieved(weights)
        wanted = [factor.targets for factor in self.factors]
        if self.numeric_names:
            wanted.append(self.numeric_totals)
        errors = [_relative(a, t, s) for a, t, s in zip(achieved, wanted, sizes, strict=True)]
        return float(max((error.max(initial=0.0) for error in errors), default=0.0))

    def residuals(self, weights: FloatArray) -> pd.DataFrame:
        """Target, achieved total, residual and relative error of every margin level.

        Levels dropped for a zero target and no respondents are listed with achieved 0.
        """
        import pandas as pd

        achieved, sizes = self._achieved(weights)
        frames = []
        for index, factor in enumerate(self.factors):
            frames.append(
                pd.DataFrame(
                    {
                        "variable": factor.variable,
                        "level": list(factor.levels) + list(factor.dropped),
                        "target": np.concatenate([factor.targets, np.zeros(len(factor.dropped))]),
                        "achieved": np.concatenate(
                            [achieved[index], np.zeros(len(factor.dropped))]
                        ),
                        "magnitude": np.concatenate([sizes[index], np.zeros(len(factor.dropped))]),
                    }
                )
            )
        if self.numeric_names:
            frames.append(
                pd.DataFrame(
                    {
                        "variable": list(self.numeric_names),
                        "level": [None] * len(self.numeric_names),
                        "target": self.numeric_totals,
                        "achieved": achieved[-1],
                        "magnitude": sizes[-1],
                    }
                )
            )
        table = pd.concat(frames, ignore_index=True)
        table["residual"] = table["achieved"] - table["target"]
        table["relative_error"] = _relative(
            table["achieved"].to_numpy(), table["target"].to_numpy(), table["magnitude"].to_numpy()
        )
        return table.drop(columns="magnitude")
