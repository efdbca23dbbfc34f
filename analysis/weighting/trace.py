"""The trace a calibration leaves for variance estimation (the contract between weighting and
estimation).

Calibrated weights are random: they depend on the sample through the calibration totals. Taylor
linearisation accounts for that by replacing each unit's weighted influence value ``x_i`` with
the residual of a regression on the calibration variables (Deville & Särndal 1992, §3;
Särndal, Swensson & Wretman 1992, §6.6)::

    x_adj = w · resid( x / w  ~  X ,  weights w0 )

where ``X`` is the n×p calibration model matrix, ``w0`` the weights *before* this calibration
step and ``w = w0 · g`` the weights after it. This is exactly what R ``survey`` 4.x does: for
``calibrate()`` it stores ``qr(X·√w0)`` and ``g·√w0`` and computes
``qr.resid(qr, x/(g√w0)) · g√w0``; for ``postStratify()`` the same formula with ``X`` the
post-stratum dummies reduces to subtracting the ``w0``-weighted cell mean of ``x/w`` times ``w``.

Successive calibrations (e.g. post-stratify, then calibrate) are applied in order, oldest first.
The estimation code only ever calls :meth:`CalibrationTrace.adjust_influence`; how each method
computes it (a p×p QR for GREG, cell means for post-strata) is the weighting module's business.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@runtime_checkable
class CalibrationTrace(Protocol):
    """What a calibration step records so that standard errors can account for it."""

    @property
    def method(self) -> str:
        """Short name: ``poststratify``, ``rake``, ``linear``, ``raking`` or ``logit``."""
        ...

    @property
    def initial_weights(self) -> FloatArray:
        """The weights ``w0`` before this step, shape (n,)."""
        ...

    @property
    def calibrated_weights(self) -> FloatArray:
        """The weights ``w = w0·g`` after this step, shape (n,)."""
        ...

    def adjust_influence(
        self, influence: FloatArray, *, out: FloatArray | None = None
    ) -> FloatArray:
        """Return ``w · resid(influence / w ~ X, weights w0)`` for an (n,) or (n, k) array,
        written into ``out`` (which may be ``influence``) when it is given."""
        ...
