"""The weighting report: how variable the weights are, and how well the margins were met.

For weights ``w_1..w_n`` with mean ``w̄`` and coefficient of variation
``CV = sd(w)/w̄`` (standard deviation with divisor n), Kish's design effect due to unequal
weighting and the effective sample size are (Kish 1965, §11.7; Kish 1992)::

    deff_w = 1 + CV² = n·Σw² / (Σw)²,        n_eff = n / deff_w = (Σw)² / Σw²

reported overall and per domain, with the weights' total, mean, minimum and maximum. From a
calibration result the report adds the g-weight range and the margin residuals, from a
trimming result the number of trimmed units. It renders as a frame, as text (``str``) and as
a PNG of the weight distribution (matplotlib's Agg canvas, no display needed; matplotlib is
imported only when a plot is drawn, as it is slow to import).

References
----------
Kish, L. (1965). *Survey Sampling*. Wiley.
Kish, L. (1992). Weighting for unequal Pi. *J. Official Statistics* 8, 183–200.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from analysis.weighting.errors import InvalidArgumentError, MissingValuesError
from analysis.weighting.levels import level_label
from analysis.weighting.margins import CollapsedLevel
from analysis.weighting.result import CalibrationResult
from analysis.weighting.trace import FloatArray
from analysis.weighting.trimming import TrimResult
from analysis.weighting.validation import check_weights

if TYPE_CHECKING:
    import pandas as pd

OVERALL = "(all)"
"""Domain label of the row that summarises every unit."""

HISTOGRAM_BINS = 40
"""Default number of bins of the weight histogram."""

SUMMARY_COLUMNS = ("domain", "n", "total", "mean", "min", "max", "cv", "deff", "n_effective")


def _summary_row(domain: str, weights: FloatArray) -> dict[str, object]:
    n = weights.shape[0]
    total = float(weights.sum())
    mean = total / n
    cv = float(weights.std()) / mean
    squares = float(np.dot(weights, weights))
    return {
        "domain": domain,
        "n": n,
        "total": total,
        "mean": mean,
        "min": float(weights.min()),
        "max": float(weights.max()),
        "cv": cv,
        "deff": n * squares / total**2,
        "n_effective": total**2 / squares,
    }


@dataclass(frozen=True, eq=False)
class WeightingReport:
    """Diagnostics of a set of weights.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row overall (domain ``"(all)"``) and one per domain: ``n, total, mean, min, max,
        cv, deff`` (Kish, ``1 + cv²``) and ``n_effective``.
    weights : numpy.ndarray
        The weights described.
    g : numpy.ndarray or None
        The g-weights of the calibration, if one was given.
    margin_residuals : pandas.DataFrame or None
        The calibration's margin residuals.
    collapsed : tuple of CollapsedLevel
        Levels the calibration collapsed.
    n_trimmed : int or None
        Units set to a trimming bound, if a trimming was given.
    """

    summary: pd.DataFrame
    weights: FloatArray
    g: FloatArray | None
    margin_residuals: pd.DataFrame | None
    collapsed: tuple[CollapsedLevel, ...]
    n_trimmed: int | None

    @property
    def g_range(self) -> tuple[float, float] | None:
        """Smallest and largest g-weight, if a calibration was given."""
        return None if self.g is None else (float(self.g.min()), float(self.g.max()))

    def to_frame(self) -> pd.DataFrame:
        """The summary frame, with the g range and trimmed count as columns of the overall row."""
        frame = self.summary.copy()
        overall = frame["domain"] == OVERALL
        g_range = self.g_range
        frame["g_min"] = np.where(overall, g_range[0], np.nan) if g_range else np.nan
        frame["g_max"] = np.where(overall, g_range[1], np.nan) if g_range else np.nan
        trimmed = np.nan if self.n_trimmed is None else float(self.n_trimmed)
        frame["n_trimmed"] = np.where(overall, trimmed, np.nan)
        return frame

    def __str__(self) -> str:
        table = self.summary.to_string(index=False, float_format="{:.6g}".format)
        lines = ["Weighting report", table]
        if self.g_range is not None:
            lines.append(f"g-weights: {self.g_range[0]:.6g} to {self.g_range[1]:.6g}")
        if self.margin_residuals is not None and len(self.margin_residuals):
            worst = self.margin_residuals.loc[self.margin_residuals["relative_error"].idxmax()]
            lines.append(
                f"largest relative margin error: {worst['relative_error']:.3g} "
                f"(`{worst['variable']}` level `{worst['level']}`)"
            )
            lines.append(self.margin_residuals.to_string(index=False, float_format="{:.6g}".format))
        lines.extend(
            f"collapsed: `{c.variable}` level `{c.level}` into `{c.into}` (target {c.target:g})"
            for c in self.collapsed
        )
        if self.n_trimmed is not None:
            lines.append(f"trimmed units: {self.n_trimmed}")
        return "\n".join(lines)

    def plot(self, path: str | Path, *, bins: int = HISTOGRAM_BINS) -> Path:
        """Save a histogram of the weights (and of the g-weights, if any) as a PNG.

        Parameters
        ----------
        path : str or pathlib.Path
            Where to write the PNG.
        bins : int, default 40
            Number of histogram bins.

        Returns
        -------
        pathlib.Path
            ``path``.
        """
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        if bins < 1:
            raise InvalidArgumentError("bins must be at least 1", expected=">= 1", got=bins)
        panels = 1 if self.g is None else 2
        figure = Figure(figsize=(5.0 * panels, 3.6), layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.subplots(1, panels, squeeze=False)[0]
        axes[0].hist(self.weights, bins=bins, color="#3b6ea5")
        axes[0].set_xlabel("weight")
        axes[0].set_ylabel("units")
        axes[0].set_title(f"weights (Kish deff {self.summary['deff'].iloc[0]:.3g})")
        if self.g is not None:
            axes[1].hist(self.g, bins=bins, color="#a5673b")
            axes[1].set_xlabel("g-weight (final / initial)")
            axes[1].set_title("g-weights")
        target = Path(path)
        figure.savefig(target, format="png")
        return target


def weighting_report(
    weights: npt.ArrayLike,
    *,
    domains: npt.ArrayLike | None = None,
    calibration: CalibrationResult | None = None,
    trimming: TrimResult | None = None,
) -> WeightingReport:
    """Summarise weights: Kish design effect, effective sample size, range, fit and trimming.

    Parameters
    ----------
    weights : array_like
        Final weights, shape (n,), positive.
    domains : array_like, optional
        A domain label per unit; each domain gets its own summary row.
    calibration : CalibrationResult, optional
        The calibration that produced (or preceded) the weights: g range, residuals.
    trimming : TrimResult, optional
        The trimming applied: number of trimmed units.

    Returns
    -------
    WeightingReport

    Examples
    --------
    >>> report = weighting_report([1.0, 1.0, 2.0, 4.0])
    >>> round(float(report.summary["deff"].iloc[0]), 4)
    1.375
    """
    import pandas as pd

    values = check_weights(np.asarray(weights, dtype=np.float64))
    rows = [_summary_row(OVERALL, values)]
    if domains is not None:
        labels = pd.Series(np.asarray(domains, dtype=object))
        if labels.shape[0] != values.shape[0]:
            raise InvalidArgumentError(
                "domains must have one label per weight",
                expected=values.shape[0],
                got=labels.shape[0],
            )
        codes, uniques = pd.factorize(labels, use_na_sentinel=True)
        if (codes < 0).any():
            raise MissingValuesError(
                f"domain labels are missing for {int((codes < 0).sum())} units",
                expected="a domain for every unit",
                got=int((codes < 0).sum()),
            )
        names = [level_label(value) for value in uniques]
        order = sorted(range(len(names)), key=lambda index: names[index])
        rows.extend(_summary_row(names[index], values[codes == index]) for index in order)
    return WeightingReport(
        summary=pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS)),
        weights=values,
        g=None if calibration is None else calibration.g,
        margin_residuals=None if calibration is None else calibration.margin_residuals,
        collapsed=() if calibration is None else calibration.collapsed,
        n_trimmed=None if trimming is None else trimming.n_trimmed,
    )
