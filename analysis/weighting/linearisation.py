"""The calibration trace: the regression residual that linearises a calibrated estimator.

After calibration on the model matrix ``X`` from weights ``w0`` to ``w = w0·g``, a weighted
influence value ``x`` is replaced by (Deville & Särndal 1992, §3; Särndal, Swensson & Wretman
1992, §6.6)::

    x_adj = w · (x/w − X·β),    β = (Xᵀ W0 X)⁻ Xᵀ W0 (x/w) = (Xᵀ W0 X)⁻ Xᵀ (x/g)

the residual of the ``w0``-weighted least-squares regression of ``x/w`` on ``X``. R ``survey``
4.1.1 computes the same thing in ``svyrecvar`` as ``qr.resid(qr(X√w0), x/(g√w0))·g√w0``
(calibrate, rake via calibrate) and, for post-strata, as ``x − w·(w0-weighted cell mean of
x/w)``; the second is the first with ``X`` the cell dummies. Here ``XᵀW0X`` is a p×p matrix
built once by :class:`~analysis.weighting.model_matrix.NormalEquations` (division only, for
post-strata), and every product with ``X`` is a group sum or a look-up, so no n×n or dense
n×p dummy matrix is formed. When ``X`` depends on the cell only, the model is held over cells:
``g`` is then constant within a cell, so ``Xᵀ(x/g)`` is the cell sums of ``x`` divided by the
cells' ``g``, the fit ``X·β`` is one value per cell, and each unit only receives
``w0·(g·X·β)`` of its cell, column by column into the output, without n×k temporaries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.weighting.errors import InvalidArgumentError, InvalidWeightsError
from analysis.weighting.model_matrix import IntArray, ModelMatrix, NormalEquations, group_sum
from analysis.weighting.trace import FloatArray


@dataclass(frozen=True, eq=False)
class GregTrace:
    """What a calibration step leaves for variance estimation (a :class:`CalibrationTrace`).

    Attributes
    ----------
    method : str
        ``poststratify``, ``rake``, ``linear``, ``raking`` or ``logit``.
    initial_weights : numpy.ndarray
        ``w0``, shape (n,).
    calibrated_weights : numpy.ndarray
        ``w = w0·g``, shape (n,).
    model : ModelMatrix
        The calibration model matrix over cells (when ``unit_rows`` is given) or units.
    unit_rows : numpy.ndarray or None
        The model row (cell) of each unit, shape (n,), or ``None`` when rows are units.
    row_g : numpy.ndarray
        The g-weight of each model row (cell or unit).
    equations : NormalEquations
        ``XᵀW0X`` factorised, W0 the initial weights summed over each model row.
    """

    method: str
    initial_weights: FloatArray
    calibrated_weights: FloatArray
    model: ModelMatrix
    unit_rows: IntArray | None
    row_g: FloatArray
    equations: NormalEquations

    @classmethod
    def build(
        cls,
        *,
        method: str,
        initial_weights: FloatArray,
        calibrated_weights: FloatArray,
        model: ModelMatrix,
        unit_rows: IntArray | None,
        row_g: FloatArray,
        row_weights: FloatArray,
    ) -> GregTrace:
        """Factorise ``XᵀW0X`` (``row_weights``: the initial weights summed over each model
        row) and return the trace."""
        return cls(
            method=method,
            initial_weights=initial_weights,
            calibrated_weights=calibrated_weights,
            model=model,
            unit_rows=unit_rows,
            row_g=row_g,
            equations=NormalEquations.build(model, row_weights),
        )

    def adjust_influence(
        self, influence: FloatArray, *, out: FloatArray | None = None
    ) -> FloatArray:
        """Return ``w · resid(influence / w ~ X, weights w0)`` for an (n,) or (n, k) array.

        Parameters
        ----------
        influence : numpy.ndarray
            Weighted influence values (e.g. ``w·y`` for a total), one row per unit.
        out : numpy.ndarray, optional
            Where to write the result, same shape as ``influence``; may be ``influence``.

        Returns
        -------
        numpy.ndarray
            The adjusted influence values, same shape as ``influence`` (``out`` if given).

        Raises
        ------
        InvalidArgumentError
            ``influence`` does not have one row per unit.
        InvalidWeightsError
            A calibrated weight is zero, so ``influence / w`` is undefined.
        """
        values = np.asarray(influence, dtype=np.float64)
        n = self.initial_weights.shape[0]
        if values.ndim not in (1, 2) or values.shape[0] != n:
            raise InvalidArgumentError(
                "influence values must have shape (n,) or (n, k) with one row per unit",
                expected=(n,),
                got=values.shape,
            )
        if out is not None and out.shape != values.shape:
            raise InvalidArgumentError(
                "out must have the shape of the influence values",
                expected=values.shape,
                got=out.shape,
            )
        if not self.calibrated_weights.all():
            raise InvalidWeightsError(
                "a calibrated weight is zero, so its influence value cannot be linearised",
                expected="calibrated weights != 0",
                got=int(np.sum(self.calibrated_weights == 0)),
                hint="use bounds that keep g-weights away from 0",
            )
        columns = values.reshape(n, -1)
        result = np.empty_like(values, order="F") if out is None else out
        target = result.reshape(n, -1)
        g = self.row_g[:, None]
        if self.unit_rows is None:
            fitted = self.model.dot(self.equations.solve(self.model.tdot(columns / g)))
            fitted *= self.calibrated_weights[:, None]
            np.subtract(columns, fitted, out=target)
            return result
        sums = group_sum(self.unit_rows, columns, self.model.rows) / g
        cell_fit = self.model.dot(self.equations.solve(self.model.tdot(sums))) * g
        spread = np.empty(n)
        for j in range(columns.shape[1]):
            np.take(cell_fit[:, j], self.unit_rows, out=spread, mode="clip")
            spread *= self.initial_weights
            np.subtract(columns[:, j], spread, out=target[:, j])
        return result
