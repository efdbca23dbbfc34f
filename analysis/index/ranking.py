"""Competition ranking and bands.

Units are ranked from the highest index down with *standard competition ranking* ("1224"):
a unit's rank is one plus the number of units in its ranking group with a strictly higher
index, so tied units share a rank and the next rank is skipped (1, 2, 2, 4). Published tables
give indices to a fixed number of decimals (``ranking.decimals`` in the scheme, 2 for the PAR
Index), and units equal at that precision are tied; bands are read from the same rounded index.

A band is the first band, in the scheme's descending order, whose ``minimum`` the rounded index
reaches (provinces: A ≥ 90, B 80–<90, C 70–<80); an index below every minimum has no band.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from analysis.index.errors import IndexInputError
from questionnaires.scheme import Band

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def competition_ranks(values: npt.ArrayLike) -> IntArray:
    """Competition ranks (1 = highest) of ``values`` down axis 0.

    Parameters
    ----------
    values
        Shape ``(n,)`` or ``(n, r)``: ``n`` units, optionally ``r`` replicates (columns are
        ranked independently).

    Returns
    -------
    Integer ranks of the same shape: ``1 + #{j : values[j] > values[i]}`` per column.
    """
    matrix = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(matrix)):
        raise IndexInputError("ranking", ["values to rank contain NaN or infinity"])
    column = matrix.ndim == 1
    if column:
        matrix = matrix[:, None]
    order = np.argsort(-matrix, axis=0, kind="stable")
    ordered = np.take_along_axis(matrix, order, axis=0)
    position = np.broadcast_to(np.arange(matrix.shape[0])[:, None], matrix.shape)
    starts_tie_run = np.ones(matrix.shape, dtype=bool)
    starts_tie_run[1:] = ordered[1:] != ordered[:-1]
    first_of_run = np.maximum.accumulate(np.where(starts_tie_run, position, 0), axis=0)
    ranks = np.empty(matrix.shape, dtype=np.int64)
    np.put_along_axis(ranks, order, first_of_run + 1, axis=0)
    return ranks[:, 0] if column else ranks


def band_of(index: float, bands: Sequence[Band]) -> str | None:
    """The code of the band ``index`` falls in, ``None`` below every band's minimum.

    ``bands`` are in descending order of ``minimum`` (``scheme_checks`` enforces it).
    """
    for band in bands:
        if index >= band.minimum:
            return band.code
    return None
