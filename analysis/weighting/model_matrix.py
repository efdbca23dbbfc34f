"""The calibration model matrix ``X``, kept factorised: never an n×n matrix, never dense dummies.

A calibration model is a set of categorical margins (one dummy column per level) and numeric
totals (the variable itself as a column). The categorical part of a row depends only on its
cell of the cross-classification of the factors, and only three products with ``X`` are
ever needed:

* ``X·β``: per cell, a look-up ``β_j[level]`` per factor, spread to the rows; plus ``Z·β_Z``;
* ``Xᵀ·v``: ``v`` summed into cells (one ``np.bincount``), then into each factor's levels;
  plus ``Zᵀ·v``;
* the p×p Gram matrix ``XᵀWX``, whose factor×factor blocks are weighted cross-tabulations of
  the cell totals of W, so its cost is one pass over the rows per numeric column.

Rows may be sample units or, when every column is categorical, the observed cells of the
cross-classification: ``g`` is then a function of the cell only, so fitting on cell totals of
the weights is exact and a million rows reduce to a handful of cells.

Several categorical margins are linearly dependent (each one's dummies add up to the constant).
The first factor keeps all its levels and later ones drop their first level, the span of
``X`` and hence every projection being unchanged (the treatment coding of R ``model.matrix``).
Normal equations are solved by a Moore–Penrose inverse of the Jacobi-scaled Gram matrix with
a relative rank tolerance, which handles any remaining aliasing the way R ``survey::grake``
does with ``MASS::ginv``; a single factor (post-strata) has a diagonal Gram matrix and is
solved by division, whatever its number of cells.

References
----------
Deville, J.-C. & Särndal, C.-E. (1992). Calibration estimators in survey sampling. *JASA* 87,
376–382.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from analysis.weighting.trace import FloatArray

IntArray = npt.NDArray[np.intp]

RANK_RTOL = 256 * float(np.finfo(np.float64).eps)
"""Singular values of the scaled Gram matrix below this fraction of the largest are treated as
zero (the tolerance R ``survey::grake`` gives ``MASS::ginv``)."""


def group_sum(codes: IntArray, values: FloatArray, size: int) -> FloatArray:
    """Sum the rows of ``values`` ((m,) or (m, k)) within each code; shape (size,) or (size, k)."""
    if values.ndim == 1:
        sums: FloatArray = np.bincount(codes, weights=values, minlength=size).astype(
            np.float64, copy=False
        )
        return sums
    out = np.empty((size, values.shape[1]), dtype=np.float64)
    for column in range(values.shape[1]):
        out[:, column] = np.bincount(codes, weights=values[:, column], minlength=size)
    return out


def combine_codes(codes: Sequence[IntArray], sizes: Sequence[int]) -> tuple[IntArray, IntArray]:
    """Codes of the observed combinations of one or more factors, and one row of each.

    Returns ``(cell, first)``: ``cell`` of shape (n,) numbers the combinations that occur as
    ``0..m-1``; ``first`` of shape (m,) gives a row index in each of them.
    """
    n = codes[0].shape[0]
    combined = codes[0].astype(np.intp)
    size = sizes[0]
    for one, one_size in zip(codes[1:], sizes[1:], strict=True):
        combined *= one_size
        combined += one
        size *= one_size
        if size > n:
            uniques, combined = np.unique(combined, return_inverse=True)
            size = int(uniques.shape[0])
    present = np.bincount(combined, minlength=size) > 0
    cell = combined if present.all() else (np.cumsum(present) - 1)[combined].astype(np.intp)
    first = np.empty(int(present.sum()), dtype=np.intp)
    first[cell] = np.arange(n, dtype=np.intp)
    return cell, first


@dataclass(frozen=True, eq=False)
class ModelMatrix:
    """A model matrix over m rows: factors through the rows' cells, plus a numeric block.

    The categorical columns of a row depend only on its cell of the cross-classification of
    the factors, so every product sums the rows into cells first (one pass over the rows)
    and works on the cells' factor codes from there.

    Attributes
    ----------
    cell : numpy.ndarray
        The cell of each row, shape (m,), codes ``0..cells-1``.
    cell_codes : tuple of numpy.ndarray
        Per factor, the level of each cell, shape (cells,), codes in ``0..sizes[j]-1``.
    sizes : tuple of int
        Number of levels of each factor.
    full : tuple of bool
        Whether each factor has a column for every level (``True``) or none for level 0.
    numeric : numpy.ndarray
        The numeric columns, shape (m, q) (q may be 0).
    """

    cell: IntArray
    cell_codes: tuple[IntArray, ...]
    sizes: tuple[int, ...]
    full: tuple[bool, ...]
    numeric: FloatArray

    @property
    def rows(self) -> int:
        """Number of rows m."""
        return int(self.numeric.shape[0])

    @property
    def cells(self) -> int:
        """Number of cells."""
        return int(self.cell_codes[0].shape[0]) if self.cell_codes else 1

    def _widths(self) -> list[int]:
        return [size - (0 if full else 1) for size, full in zip(self.sizes, self.full, strict=True)]

    @property
    def columns(self) -> int:
        """Number of columns p."""
        return sum(self._widths()) + int(self.numeric.shape[1])

    @property
    def is_single_factor(self) -> bool:
        """One factor with all its levels and no numeric column: a diagonal Gram matrix."""
        return len(self.cell_codes) == 1 and self.full[0] and self.numeric.shape[1] == 0

    def dot(self, beta: FloatArray) -> FloatArray:
        """``X·β`` for β of shape (p,) or (p, k)."""
        coef = beta.reshape(beta.shape[0], -1)
        per_cell = np.zeros((self.cells, coef.shape[1]), dtype=np.float64)
        start = 0
        for codes, full, width in zip(self.cell_codes, self.full, self._widths(), strict=True):
            block = coef[start : start + width]
            if not full:
                block = np.vstack([np.zeros((1, coef.shape[1])), block])
            per_cell += block[codes]
            start += width
        out = per_cell[self.cell] if self.cell_codes else np.zeros((self.rows, coef.shape[1]))
        if self.numeric.shape[1]:
            out += self.numeric @ coef[start:]
        return out.reshape(self.rows) if beta.ndim == 1 else out

    def _factor_sums(self, values: FloatArray) -> list[FloatArray]:
        """Per factor, ``values`` ((m,) or (m, k)) summed at every level."""
        if not self.cell_codes:
            return []
        per_cell = group_sum(self.cell, values, self.cells)
        return [
            group_sum(codes, per_cell, size)
            for codes, size in zip(self.cell_codes, self.sizes, strict=True)
        ]

    def tdot(self, values: FloatArray) -> FloatArray:
        """``Xᵀ·v`` for v of shape (m,) or (m, k)."""
        parts = [
            sums if full else sums[1:]
            for sums, full in zip(self._factor_sums(values), self.full, strict=True)
        ]
        if self.numeric.shape[1]:
            parts.append(self.numeric.T @ values)
        return np.concatenate(parts, axis=0)

    def level_sums(self, values: FloatArray) -> list[FloatArray]:
        """Per factor, the sum of ``values`` ((m,)) at every level, dropped level included."""
        return self._factor_sums(values)

    def gram(self, weights: FloatArray) -> FloatArray:
        """``XᵀWX`` with W = diag(weights), shape (p, p), in time linear in the rows."""
        weighted_numeric = self.numeric * weights[:, None]
        if not self.cell_codes:
            return self.numeric.T @ weighted_numeric
        blocks: list[list[FloatArray]] = []
        cell_weights = group_sum(self.cell, weights, self.cells)
        cell_numeric = group_sum(self.cell, weighted_numeric, self.cells)
        factors = list(zip(self.cell_codes, self.sizes, self.full, strict=True))
        for codes_a, size_a, full_a in factors:
            row: list[FloatArray] = []
            for codes_b, size_b, full_b in factors:
                table = group_sum(
                    codes_a * size_b + codes_b, cell_weights, size_a * size_b
                ).reshape(size_a, size_b)
                row.append(table[(0 if full_a else 1) :, (0 if full_b else 1) :])
            cross = group_sum(codes_a, cell_numeric, size_a)
            row.append(cross[(0 if full_a else 1) :])
            blocks.append(row)
        numeric_row = [block[-1].T for block in blocks]
        numeric_row.append(self.numeric.T @ weighted_numeric)
        blocks.append(numeric_row)
        return np.block(blocks)


@dataclass(frozen=True, eq=False)
class NormalEquations:
    """A factorised solver of ``(XᵀWX)·β = b`` (minimum-norm when ``XᵀWX`` is singular).

    Attributes
    ----------
    diagonal : bool
        Whether ``XᵀWX`` is diagonal (a single factor); ``inverse`` is then its inverted
        diagonal, shape (p,), with 0 for an empty level.
    scale : numpy.ndarray
        Jacobi scaling ``√diag(XᵀWX)`` (1 where that is 0), shape (p,).
    inverse : numpy.ndarray
        The inverted diagonal, or the Moore–Penrose inverse of the scaled Gram matrix.
    """

    diagonal: bool
    scale: FloatArray
    inverse: FloatArray

    @classmethod
    def build(cls, model: ModelMatrix, weights: FloatArray) -> NormalEquations:
        """Factorise ``XᵀWX`` for ``model`` and row weights ``weights`` (shape (m,))."""
        if model.is_single_factor:
            sums = model.level_sums(weights)[0]
            inverse = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums != 0)
            return cls(diagonal=True, scale=np.ones_like(sums), inverse=inverse)
        gram = model.gram(weights)
        scale = np.sqrt(np.diag(gram))
        scale[scale == 0] = 1.0
        scaled = gram / scale[:, None] / scale[None, :]
        pseudo: FloatArray = np.linalg.pinv(scaled, rtol=RANK_RTOL, hermitian=True).astype(
            np.float64, copy=False
        )
        return cls(diagonal=False, scale=scale, inverse=pseudo)

    def solve(self, rhs: FloatArray) -> FloatArray:
        """β for a right-hand side of shape (p,) or (p, k)."""
        if self.diagonal:
            return rhs * (self.inverse if rhs.ndim == 1 else self.inverse[:, None])
        scale = self.scale if rhs.ndim == 1 else self.scale[:, None]
        return (self.inverse @ (rhs / scale)) / scale
