"""The bridge from a round's stored responses, sampling frame and population margins to
``analysis.weighting``: the pipeline of a weighting run, and the weights a round's estimates use.

**The weights a round uses.** :func:`current_weights` (``round_id`` → a pandas frame, or None
when no run has been adopted) is what the index and the estimates read. It comes from the
round's *current run*, the succeeded run adopted most recently (:func:`current_run`), one row
per weighted response, with these columns:

==================  =======  ==============================================================
column              type     what
==================  =======  ==============================================================
response_id         str      the response (``responses.id``)
weight              float    the final weight (after raking and trimming)
unit                str      the unit's code
respondent_group    str      the respondent group
stratum             str      the design stratum: the frame cell ``unit|group|stratum``
psu                 str      the first-stage unit: the response's cluster, or the response
                             itself when it has none; labels are unique within a stratum
                             only (``nest=TRUE`` in R's ``svydesign``)
population          float    N_h, the frame count of the response's cell when the run was
                             made (a finite population correction when ``psu`` is the
                             response itself)
design_weight       float    N_h / n_h
adjusted_weight     float    after the non-response adjustment (= design_weight without one)
calibrated_weight   float    after raking (= adjusted_weight for a group not raked)
==================  =======  ==============================================================

Responses submitted after the run have no weight and are not in the frame. Pass ``stratum``
and ``psu`` as the design's strata and PSUs (``analysis.design``); standard errors computed
from these final weights alone treat the weighting as fixed: use the replay for the rest.

**Replaying a run** (:func:`replay_run`, :func:`current_replay` → :class:`RunReplay`): the run
as a pure function of its design weights, so that standard errors can carry the weighting.
:class:`Reweighting` holds the run's settings, margins, non-response class totals and absolute
trimming bounds and maps ``(frame, initial weights)`` to final weights; ``RunReplay.frame``
holds the design (``design_stratum``, ``design_psu``, ``design_weight``) and the columns the
function reads; ``RunReplay.full`` is the run's own sample replayed, its calibration steps
(each with its trace for ``SurveyDesign.calibrated``) and its final weights, checked equal to
the stored ones. Called on bootstrap replicate weights
(``ReplicateDesign.calibrated(reweighting, columns=reweighting.columns)``) it re-runs the whole
weighting on every replicate. A run whose inputs changed since (margins, answers, deleted
responses) or whose settings cannot be read raises :class:`ReplayError`. The replay reads the
round's responses once (:func:`load_responses`: their design columns and its margins'
variables); a caller that reads them too (the index) passes its own read, made with the run's
:func:`replay_sources`, so that they are read once in all.

**The pipeline** (:func:`compute_weights`, settings in :class:`WeightingSettings`):

1. *Design weights* ``d_i = N_h / n_h`` per frame cell ``h`` = unit × respondent group ×
   stratum (``analysis.weighting.design_weights``; Cochran 1977, §5.2). ``n_h`` is either the
   number of responses in the cell (``design = "responses"``: the within-cell non-response is
   absorbed at once) or the cell's target sample size (``design = "targets"``: the cell's
   ``n_h − r_h`` missing responses are non-respondents).
2. *Non-response adjustment* (``targets`` only, optional): within classes made of the chosen
   cell columns the respondents carry the weight of the non-respondents
   (``analysis.weighting.adjust_nonresponse``; Kalton & Flores-Cervantes 2003).
3. *Raking*, respondent group by respondent group, to that group's population margins (the
   chosen variables of ``population_margins``); each margin variable is read from an item's
   answer (``item:<code>``) or a response field (``field:unit|respondent_group|stratum|
   cluster|mode``). Categorical margins only: iterative proportional fitting
   (``analysis.weighting.rake``; Deming & Stephan 1940); with a numeric total: raking
   calibration (``analysis.weighting.calibrate(method="raking")``; Deville & Särndal 1992).
4. *Trimming*, group by group, to bounds given as multiples of the group's mean weight, the
   excess shared among the others until none is outside (``analysis.weighting.trim_weights``,
   strict; Potter 1990).
5. *Report*: Kish's design effect and effective sample size overall, per group and per unit ×
   group (``analysis.weighting.weighting_report``), the g-weight range, iterations and margin
   residuals of each raking (after raking and after trimming), trimmed counts and a histogram
   of each group's final weights.

Failures are typed: :class:`RunSetupError` when the stored data cannot be posed to the
analysis (no responses, a response without a unit, a margin variable no response carries …),
and :class:`StageError` wrapping the ``analysis`` error (``AnalysisError``) of a step with the
stage and group it happened in. Both carry data, not text, so the pages can explain them in
the reader's language.

References: Cochran, W. G. (1977) *Sampling Techniques*; Kalton, G. & Flores-Cervantes, I.
(2003) Weighting methods, *J. Official Statistics* 19; Deming, W. E. & Stephan, F. F. (1940),
*Ann. Math. Stat.* 11; Deville, J.-C. & Särndal, C.-E. (1992), *JASA* 87; Potter, F. J.
(1990), *Proc. ASA SRMS*; Kish, L. (1992), *J. Official Statistics* 8; Holt, D. & Smith,
T. M. F. (1979), Post stratification, *JRSS A* 142; Rao, J. N. K. & Wu, C. F. J. (1988),
*JASA* 83.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select

from analysis.errors import AnalysisError
from survey_app.models import (
    FrameCell,
    PopulationMargin,
    Response,
    Unit,
    WeightingRun,
    WeightingRunStatus,
    db,
)

if TYPE_CHECKING:
    import pandas as pd

    from analysis.weighting import CalibrationResult, GroupedCalibration

CELL_COLUMNS: tuple[str, ...] = ("unit", "respondent_group", "stratum")
"""The columns of a frame cell, which is a design stratum."""

FIELD_SOURCES: tuple[str, ...] = ("unit", "respondent_group", "stratum", "cluster", "mode")
"""Response fields a margin variable may be read from (besides item answers)."""

ITEM_PREFIX = "item:"
FIELD_PREFIX = "field:"

STRATUM_SEPARATOR = "|"
"""Joins unit, group and stratum into the design stratum label of :func:`current_weights`."""

DEFAULT_MAX_ITERATIONS = 1000
"""Raking cycles (or calibration iterations) before the run fails as not converged."""

HISTOGRAM_BINS = 20
"""Bins of each group's weight histogram in the report."""

HISTORY_KEPT = 12
"""Iterations of a failed fit's history kept in the run's report (the last ones)."""

STAGE_COLUMNS: tuple[str, ...] = ("design_weight", "adjusted_weight", "calibrated_weight")
"""The stage columns stored beside the final weight."""

REPLAY_PREFIX = "weighting:"
"""Prefix of the columns a replay reads, so that they never meet a frame's own columns."""

REPLAY_GROUP = f"{REPLAY_PREFIX}respondent_group"
"""The replay frame's respondent group column."""

REPLAY_DESIGN_WEIGHT = "design_weight"
"""The replay frame's column of the run's design weights."""

REPLAY_RTOL = 1e-8
"""The replay of a run's own sample must give each stored final weight to this relative
precision. On unchanged data it repeats the run's arithmetic and gives the same weights (bit
for bit in the tests); raking stops at a relative margin error of 1e-10, so another machine's
rounding stays far inside, while an edited margin target or answer moves weights by orders of
magnitude more."""


class DesignSource(StrEnum):
    """What ``n_h`` in ``N_h / n_h`` counts."""

    RESPONSES = "responses"
    TARGETS = "targets"


class Stage(StrEnum):
    """The steps of a run, in order (the progress and the failures name them)."""

    LOAD = "load"
    DESIGN = "design"
    NONRESPONSE = "nonresponse"
    RAKE = "rake"
    TRIM = "trim"
    REPORT = "report"


@dataclass(frozen=True)
class WeightingSettings:
    """Everything a run is made with; stored as JSON in ``weighting_runs.settings``.

    ``margins`` maps a respondent group to the margin variables raked to and the source of
    each (``item:<code>`` or ``field:<name>``); a group left out is not raked. Trimming bounds
    are multiples of the group's mean weight (None: no bound).
    """

    design: DesignSource = DesignSource.RESPONSES
    nonresponse_classes: tuple[str, ...] = ()
    margins: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    collapse_empty: bool = False
    max_iterations: int = DEFAULT_MAX_ITERATIONS
    trim_lower: float | None = None
    trim_upper: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The settings as stored."""
        return {
            "design": self.design.value,
            "nonresponse_classes": list(self.nonresponse_classes),
            "margins": {group: dict(sources) for group, sources in self.margins.items()},
            "collapse_empty": self.collapse_empty,
            "max_iterations": self.max_iterations,
            "trim_lower": self.trim_lower,
            "trim_upper": self.trim_upper,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WeightingSettings:
        """Settings as stored by :meth:`to_json`."""
        return cls(
            design=DesignSource(data["design"]),
            nonresponse_classes=tuple(data.get("nonresponse_classes", ())),
            margins={group: dict(sources) for group, sources in data["margins"].items()},
            collapse_empty=bool(data.get("collapse_empty", False)),
            max_iterations=int(data.get("max_iterations", DEFAULT_MAX_ITERATIONS)),
            trim_lower=data.get("trim_lower"),
            trim_upper=data.get("trim_upper"),
        )

    @property
    def trims(self) -> bool:
        """Whether the run trims (a bound is set)."""
        return self.trim_lower is not None or self.trim_upper is not None

    def sources(self) -> set[str]:
        """Every source the margins read."""
        return {source for sources in self.margins.values() for source in sources.values()}


class RunSetupError(Exception):
    """The stored data cannot be posed to the analysis; ``code`` and ``params`` say why."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        """Keep the code, the (English) message and the values the explanation needs."""
        super().__init__(message)
        self.code = code
        self.params = params


class StageError(Exception):
    """An ``analysis`` error raised in ``stage`` (for ``group``, when the step is per group)."""

    def __init__(self, stage: Stage, group: str | None, cause: AnalysisError) -> None:
        """Keep where it happened and the analysis error."""
        where = f" for group {group}" if group else ""
        super().__init__(f"{stage.value}{where}: {cause}")
        self.stage = stage
        self.group = group
        self.cause = cause


PROGRESS_STAGES: tuple[Stage, ...] = (
    Stage.LOAD,
    Stage.DESIGN,
    Stage.RAKE,
    Stage.TRIM,
    Stage.REPORT,
)
"""The stages announced to the progress callback (the non-response adjustment is part of the
design stage)."""

Progress = Callable[[Stage, int, int], None]
"""Told the stage about to run, its position (from 1) and the number of stages."""


@dataclass(frozen=True, eq=False)
class WeightsResult:
    """A finished computation: the weights frame to store and the report as JSON."""

    weights: pd.DataFrame
    report: dict[str, Any]


def load_responses(round_id: int, sources: Iterable[str], *, answers: bool = False) -> pd.DataFrame:
    """The round's responses, by id: id, cell columns (``stratum`` missing: the unit's code),
    cluster, mode, one column per source and, with ``answers``, each response's
    ``questionnaire`` (its ``questionnaire_id``) and ``answers`` as stored (a dict), for a
    caller that reads items of its own from the same read (the index's scoring frame). The rows
    are read as plain tuples on the session's connection (the ORM's result handling and
    pandas' reading of row objects took some 0.3 s each at 100,000 responses), so changes to
    responses still pending in the session are not flushed first: callers read committed
    responses."""
    import pandas as pd

    items = sorted(
        {source[len(ITEM_PREFIX) :] for source in sources if source.startswith(ITEM_PREFIX)}
    )
    values = [Response.answers[code].as_string().label(f"a{i}") for i, code in enumerate(items)]
    stored = (Response.questionnaire_id, Response.answers) if answers else ()
    statement = (
        select(
            Response.id,
            Unit.code,
            Response.respondent_group,
            Response.stratum,
            Response.cluster,
            Response.mode,
            *values,
            *stored,
        )
        .outerjoin(Unit, Unit.id == Response.unit_id)
        .where(Response.round_id == round_id)
        .order_by(Response.id)
    )
    names = [
        "response_id",
        "unit",
        "respondent_group",
        "stratum",
        "cluster",
        "mode",
        *(f"{ITEM_PREFIX}{code}" for code in items),
        *(("questionnaire", "answers") if answers else ()),
    ]
    rows = [tuple(row) for row in db.session.connection().execute(statement)]
    frame = pd.DataFrame(rows, columns=names, dtype=object)
    frame["stratum"] = frame["stratum"].where(frame["stratum"].notna(), frame["unit"])
    for name in FIELD_SOURCES:
        frame[f"{FIELD_PREFIX}{name}"] = frame[name]
    return frame


def load_frame(round_id: int) -> pd.DataFrame:
    """The round's frame cells with a positive population: cell columns, N and target n."""
    import pandas as pd

    rows = db.session.execute(
        select(
            Unit.code,
            FrameCell.respondent_group,
            FrameCell.stratum,
            FrameCell.population,
            FrameCell.sample_size,
        )
        .join(Unit, Unit.id == FrameCell.unit_id)
        .where(FrameCell.round_id == round_id, FrameCell.population > 0)
        .order_by(Unit.code, FrameCell.respondent_group, FrameCell.stratum)
    ).all()
    return pd.DataFrame(rows, columns=[*CELL_COLUMNS, "population", "sample_size"])


def load_margins(round_id: int) -> pd.DataFrame:
    """The round's population margins: group, variable, level (None: numeric), target."""
    import pandas as pd

    rows = db.session.execute(
        select(
            PopulationMargin.respondent_group,
            PopulationMargin.variable,
            PopulationMargin.level,
            PopulationMargin.target,
        )
        .where(PopulationMargin.round_id == round_id)
        .order_by(PopulationMargin.id)
    ).all()
    frame = pd.DataFrame(rows, columns=["respondent_group", "variable", "level", "target"])
    frame["level"] = frame["level"].where(frame["level"] != "", None)
    return frame


def _cell_labels(frame: pd.DataFrame) -> pd.Series:
    """The design stratum label ``unit|group|stratum`` of each row."""
    return (
        frame["unit"].astype(str)
        + STRATUM_SEPARATOR
        + frame["respondent_group"].astype(str)
        + STRATUM_SEPARATOR
        + frame["stratum"].astype(str)
    )


def _check_responses(data: pd.DataFrame, frame: pd.DataFrame) -> None:
    """Refuse a round that cannot be weighted before any analysis runs."""
    if data.empty:
        raise RunSetupError("no_responses", "the round has no responses to weight")
    if frame.empty:
        raise RunSetupError("no_frame", "the round has no sampling frame (or every cell has N = 0)")
    without_unit = int(data["unit"].isna().sum())
    if without_unit:
        raise RunSetupError(
            "no_unit",
            f"{without_unit} responses have no unit, so they belong to no frame cell",
            count=without_unit,
        )


def _design(
    data: pd.DataFrame, frame: pd.DataFrame, settings: WeightingSettings
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Design weights, adjusted weights and the design part of the report."""
    import pandas as pd

    from analysis.weighting import adjust_nonresponse, design_weights

    cells = data[list(CELL_COLUMNS)].astype(str)
    report: dict[str, Any] = {"source": settings.design.value}
    if settings.design is DesignSource.RESPONSES:
        try:
            result = design_weights(cells, strata=list(CELL_COLUMNS), frame=frame)
        except AnalysisError as error:
            raise StageError(Stage.DESIGN, None, error) from error
        report.update(_design_report(result.strata, result.unsampled))
        return result.weights, result.weights, report
    counts = cells.value_counts().rename("responses").reset_index()
    targets = frame.merge(counts, on=list(CELL_COLUMNS), how="left").fillna({"responses": 0})
    over = targets[targets["responses"] > targets["sample_size"]]
    if not over.empty:
        first = over.iloc[0]
        raise RunSetupError(
            "over_target",
            f"cell {first['unit']}|{first['respondent_group']}|{first['stratum']} has "
            f"{int(first['responses'])} responses, more than its target sample size "
            f"{int(first['sample_size'])}",
            cell=f"{first['unit']} · {first['respondent_group']} · {first['stratum']}",
            responses=int(first["responses"]),
            target=int(first["sample_size"]),
        )
    missing = (targets["sample_size"] - targets["responses"]).astype(int)
    absent = targets.loc[targets.index.repeat(missing), list(CELL_COLUMNS)]
    sample = pd.concat([cells, absent.astype(str)], ignore_index=True)
    responded = np.zeros(len(sample), dtype=np.bool_)
    responded[: len(cells)] = True
    try:
        result = design_weights(sample, strata=list(CELL_COLUMNS), frame=frame)
    except AnalysisError as error:
        raise StageError(Stage.DESIGN, None, error) from error
    report.update(_design_report(result.strata, result.unsampled))
    design = result.weights[: len(cells)]
    if not settings.nonresponse_classes:
        return design, design, report
    try:
        adjusted = adjust_nonresponse(
            sample,
            weights=result.weights,
            responded=responded,
            classes=list(settings.nonresponse_classes),
        )
    except AnalysisError as error:
        raise StageError(Stage.NONRESPONSE, None, error) from error
    report["nonresponse"] = [
        {
            "class": str(row["class"]),
            "units": int(row["units"]),
            "respondents": int(row["respondents"]),
            "factor": float(row["factor"]),
        }
        for row in adjusted.classes.to_dict("records")
    ]
    return design, adjusted.weights[: len(cells)], report


def _design_report(strata: pd.DataFrame, unsampled: tuple[str, ...]) -> dict[str, Any]:
    """How many frame cells there are and which have no response."""
    return {
        "cells": len(strata),
        "unsampled": len(unsampled),
        "unsampled_cells": [label.replace(":", " · ") for label in unsampled[:20]],
    }


def _group_variables(
    data: pd.DataFrame,
    margins: pd.DataFrame,
    group: str,
    sources: Mapping[str, str],
) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """The group's margin table, its responses' values of each variable, and whether any
    margin is a numeric total."""
    import pandas as pd

    table = margins[
        (margins["respondent_group"] == group) & margins["variable"].isin(list(sources))
    ][["variable", "level", "target"]].reset_index(drop=True)
    values: dict[str, Any] = {}
    numeric = False
    for variable, source in sources.items():
        rows = table[table["variable"] == variable]
        if rows.empty:
            raise RunSetupError(
                "margin_gone",
                f"group {group} has no population margin {variable}",
                group=group,
                variable=variable,
            )
        if source not in data.columns:
            raise RunSetupError(
                "unknown_source",
                f"margin {variable} of group {group} reads {source}, which no response has",
                group=group,
                variable=variable,
                source=source,
            )
        column = data[source]
        if column.isna().all():
            raise RunSetupError(
                "variable_not_carried",
                f"no response of group {group} carries margin variable {variable} "
                f"(read from {source})",
                group=group,
                variable=variable,
                source=source,
            )
        if rows["level"].isna().any():
            numeric = True
            numbers = pd.to_numeric(column, errors="coerce")
            bad = column.notna() & numbers.isna()
            if bad.any():
                raise RunSetupError(
                    "not_numeric",
                    f"margin {variable} of group {group} is a numeric total but {source} "
                    f"holds {column[bad].iloc[0]!r}",
                    group=group,
                    variable=variable,
                    source=source,
                    value=str(column[bad].iloc[0]),
                )
            values[variable] = numbers.to_numpy(dtype=np.float64)
        else:
            values[variable] = column.to_numpy(dtype=object)
    return table, pd.DataFrame(values), numeric


def _rake(
    data: pd.DataFrame,
    weights: np.ndarray,
    table: pd.DataFrame,
    numeric: bool,
    settings: WeightingSettings,
) -> CalibrationResult:
    """Rake (or raking-calibrate, with a numeric total) one group's weights to ``table``,
    whose variables are columns of ``data``."""
    from analysis.weighting import CollapseRule, calibrate, rake

    collapse: dict[str, CollapseRule] | None = None
    if settings.collapse_empty:
        categorical = table.loc[table["level"].notna(), "variable"].unique()
        collapse = {str(variable): "neighbour" for variable in categorical}
    if numeric:
        return calibrate(
            data,
            weights=weights,
            margins=table,
            method="raking",
            max_iterations=settings.max_iterations,
            collapse=collapse,
        )
    return rake(
        data,
        weights=weights,
        margins=table,
        max_iterations=settings.max_iterations,
        collapse=collapse,
    )


def _rake_group(
    data: pd.DataFrame,
    weights: np.ndarray,
    table: pd.DataFrame,
    numeric: bool,
    settings: WeightingSettings,
    group: str,
) -> CalibrationResult:
    """:func:`_rake`, its failure a :class:`StageError` of the group."""
    try:
        return _rake(data, weights, table, numeric, settings)
    except AnalysisError as error:
        raise StageError(Stage.RAKE, group, error) from error


def _trim_bounds(settings: WeightingSettings, weights: np.ndarray) -> tuple[float, float]:
    """A group's trimming bounds: the settings' multiples of the mean of its ``weights``."""
    mean = float(weights.mean())
    lower = -math.inf if settings.trim_lower is None else settings.trim_lower * mean
    upper = math.inf if settings.trim_upper is None else settings.trim_upper * mean
    return lower, upper


def _residuals(
    result: CalibrationResult, values: pd.DataFrame, final: np.ndarray
) -> list[dict[str, Any]]:
    """The raking's margin residuals with what the final (trimmed) weights achieve."""
    import pandas as pd

    rows = []
    for row in result.margin_residuals.to_dict("records"):
        variable, level = str(row["variable"]), row["level"]
        column = values[variable]
        if level is None or (isinstance(level, float) and math.isnan(level)) or level == "":
            achieved = float(np.dot(pd.to_numeric(column).to_numpy(dtype=np.float64), final))
            level_text = ""
        else:
            level_text = str(level)
            achieved = float(final[(column.astype(str) == level_text).to_numpy()].sum())
        target = float(row["target"])
        rows.append(
            {
                "variable": variable,
                "level": level_text,
                "target": target,
                "raked": float(row["achieved"]),
                "final": achieved,
                "relative_error": abs(achieved - target) / target if target else 0.0,
            }
        )
    return rows


def _histogram(weights: np.ndarray) -> dict[str, Any]:
    """Bin edges and counts of a group's weights."""
    low, high = float(weights.min()), float(weights.max())
    if math.isclose(low, high, rel_tol=1e-12):
        low, high = low * 0.95, high * 1.05 if high else 1.0
    counts, edges = np.histogram(weights, bins=HISTOGRAM_BINS, range=(low, high))
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}


def _summary_rows(summary: pd.DataFrame) -> list[dict[str, Any]]:
    """A weighting report's summary frame as JSON rows."""
    return [
        {
            "domain": str(row["domain"]),
            "n": int(row["n"]),
            "total": float(row["total"]),
            "mean": float(row["mean"]),
            "min": float(row["min"]),
            "max": float(row["max"]),
            "cv": float(row["cv"]),
            "deff": float(row["deff"]),
            "n_effective": float(row["n_effective"]),
        }
        for row in summary.to_dict("records")
    ]


def compute_weights(
    round_id: int, settings: WeightingSettings, progress: Progress | None = None
) -> WeightsResult:
    """Run the module docstring's pipeline over the round's stored data."""
    import pandas as pd

    from analysis.weighting import trim_weights

    def step(stage: Stage) -> None:
        """Announce a stage."""
        if progress is not None:
            progress(stage, PROGRESS_STAGES.index(stage) + 1, len(PROGRESS_STAGES))

    step(Stage.LOAD)
    data = load_responses(round_id, settings.sources())
    frame = load_frame(round_id)
    margins = load_margins(round_id)
    _check_responses(data, frame)
    step(Stage.DESIGN)
    design, adjusted, design_report = _design(data, frame, settings)
    step(Stage.RAKE)
    calibrated = adjusted.copy()
    groups = data["respondent_group"].astype(str).to_numpy()
    raked: dict[str, tuple[CalibrationResult, pd.DataFrame, np.ndarray]] = {}
    for group, sources in sorted(settings.margins.items()):
        rows = np.flatnonzero(groups == group)
        if rows.size == 0:
            raise RunSetupError(
                "group_without_responses",
                f"group {group} is raked but has no responses",
                group=group,
            )
        table, values, numeric = _group_variables(
            data.iloc[rows].reset_index(drop=True), margins, group, sources
        )
        result = _rake_group(values, adjusted[rows], table, numeric, settings, group)
        calibrated[rows] = result.weights
        raked[group] = (result, values, rows)
    step(Stage.TRIM)
    final = calibrated.copy()
    trimming: dict[str, dict[str, Any]] = {}
    if settings.trims:
        for group in sorted(set(groups.tolist())):
            rows = np.flatnonzero(groups == group)
            lower, upper = _trim_bounds(settings, calibrated[rows])
            try:
                trimmed = trim_weights(calibrated[rows], lower=lower, upper=upper, strict=True)
            except AnalysisError as error:
                raise StageError(Stage.TRIM, group, error) from error
            final[rows] = trimmed.weights
            trimming[group] = {
                "lower": None if settings.trim_lower is None else lower,
                "upper": None if settings.trim_upper is None else upper,
                "trimmed": trimmed.n_trimmed,
                "passes": trimmed.passes,
            }
    step(Stage.REPORT)
    report = _report(data, final, design, design_report, raked, trimming)
    weights = pd.DataFrame(
        {
            "response_id": data["response_id"].astype(str),
            "weight": final,
            "design_weight": design,
            "adjusted_weight": adjusted,
            "calibrated_weight": calibrated,
            "population": _cell_populations(data, frame),
        }
    )
    return WeightsResult(weights=weights, report=report)


def _cell_populations(data: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """N_h of each response's frame cell."""
    cells = data[list(CELL_COLUMNS)].astype(str)
    merged = cells.merge(frame, on=list(CELL_COLUMNS), how="left", validate="many_to_one")
    populations: np.ndarray = merged["population"].to_numpy(dtype=np.float64)
    return populations


def _report(
    data: pd.DataFrame,
    final: np.ndarray,
    design: np.ndarray,
    design_report: dict[str, Any],
    raked: Mapping[str, tuple[CalibrationResult, pd.DataFrame, np.ndarray]],
    trimming: Mapping[str, dict[str, Any]],
) -> dict[str, Any]:
    """The run's report as JSON (see the module docstring, step 5)."""
    from analysis.weighting import weighting_report

    groups = data["respondent_group"].astype(str).to_numpy()
    by_group = weighting_report(final, domains=groups)
    pairs = data["unit"].astype(str) + STRATUM_SEPARATOR + data["respondent_group"].astype(str)
    by_cell = weighting_report(final, domains=pairs.to_numpy())
    cells = []
    for row in _summary_rows(by_cell.summary)[1:]:
        unit, group = row.pop("domain").split(STRATUM_SEPARATOR, 1)
        cells.append({"unit": unit, "respondent_group": group, **row})
    design_summary = weighting_report(design).summary
    raking = {}
    for group, (result, values, rows) in raked.items():
        g_low, g_high = float(result.g.min()), float(result.g.max())
        raking[group] = {
            "method": result.method,
            "iterations": result.iterations,
            "g_min": g_low,
            "g_max": g_high,
            "collapsed": [
                {"variable": c.variable, "level": c.level, "into": c.into, "target": c.target}
                for c in result.collapsed
            ],
            "residuals": _residuals(result, values, final[rows]),
        }
    return {
        "responses": len(data),
        "summary": _summary_rows(by_group.summary),
        "cells": cells,
        "design": {**design_report, "deff": float(design_summary["deff"].iloc[0])},
        "raking": raking,
        "trimming": dict(trimming),
        "histograms": {
            group: _histogram(final[groups == group]) for group in sorted(set(groups.tolist()))
        },
    }


def current_run(round_id: int) -> WeightingRun | None:
    """The round's current run: the succeeded run adopted most recently, if any."""
    return db.session.scalars(
        select(WeightingRun)
        .where(
            WeightingRun.round_id == round_id,
            WeightingRun.status == WeightingRunStatus.SUCCEEDED,
            WeightingRun.adopted_at.is_not(None),
        )
        .order_by(WeightingRun.adopted_at.desc(), WeightingRun.id.desc())
        .limit(1)
    ).first()


def design_columns(round_id: int) -> pd.DataFrame:
    """Each response's unit, group, design stratum label and PSU (see the module docstring)."""
    import pandas as pd

    rows = db.session.execute(
        select(
            Response.id,
            Unit.code,
            Response.respondent_group,
            Response.stratum,
            Response.cluster,
        )
        .outerjoin(Unit, Unit.id == Response.unit_id)
        .where(Response.round_id == round_id)
    ).all()
    frame = pd.DataFrame(
        rows,
        columns=["response_id", "unit", "respondent_group", "stratum", "cluster"],
        dtype=object,
    )
    return _design_of(frame)


def _design_of(responses: pd.DataFrame) -> pd.DataFrame:
    """:func:`design_columns` of responses read with their unit, group, stratum and cluster
    (``stratum`` missing: the unit's code)."""
    frame = responses[["response_id", "unit", "respondent_group"]].copy()
    stratum = responses["stratum"].where(responses["stratum"].notna(), responses["unit"])
    frame["stratum"] = _cell_labels(frame.assign(stratum=stratum))
    frame["psu"] = responses["cluster"].where(
        responses["cluster"].notna(), responses["response_id"]
    )
    return frame


def run_weights(run: WeightingRun, responses: pd.DataFrame | None = None) -> pd.DataFrame:
    """A succeeded run's weights with the design columns (the :func:`current_weights` frame),
    taken from ``responses`` (the round's, as :func:`load_responses` reads them) when given,
    else read."""
    weights = run.load_weights()
    design = design_columns(run.round_id) if responses is None else _design_of(responses)
    merged = weights.merge(design, on="response_id", how="left", validate="one_to_one")
    columns = [
        "response_id",
        "weight",
        "unit",
        "respondent_group",
        "stratum",
        "psu",
        "population",
        *STAGE_COLUMNS,
    ]
    return merged[columns]


def current_weights(round_id: int) -> pd.DataFrame | None:
    """The weights of the round's current run with its design columns; None without one."""
    run = current_run(round_id)
    return None if run is None else run_weights(run)


# --- replaying a run -----------------------------------------------------------------------


class ReplayError(Exception):
    """A run cannot be replayed on the data stored now; ``code`` and ``params`` say why:
    ``settings`` (unreadable), ``responses_gone`` (responses of the run deleted) or
    ``changed`` (the margins or the answers they read changed since the run)."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        """Keep the code, the (English) message and the values the explanation needs."""
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True, eq=False)
class Replayed:
    """A run's steps replayed from some initial weights: the non-response adjustment as a
    post-stratification to the classes' totals, the raking within groups as one calibration
    step, and the final weights after trimming."""

    nonresponse: CalibrationResult | None
    raking: GroupedCalibration | None
    weights: np.ndarray

    @property
    def steps(self) -> tuple[CalibrationResult | GroupedCalibration, ...]:
        """The calibration steps in order, each to pass to ``SurveyDesign.calibrated``."""
        return tuple(step for step in (self.nonresponse, self.raking) if step is not None)


@dataclass(frozen=True, eq=False)
class Reweighting:
    """A run's settings as a pure function ``(frame, initial weights) → final weights``.

    ``frame`` holds the :attr:`columns` for the respondents weighted (all of them, or those a
    replicate keeps) and ``weights`` their initial weights. Steps (module docstring):

    1. *Non-response* (``targets`` with classes): each class is a union of frame cells, so
       the design weights of its sampled units, respondents or not, add up to a fixed total
       ``T_c`` (its cells' ``N_h``, as far as they were sampled), and the adjustment
       ``d_i · T_c / Σ_{resp ∈ c} d_k`` is the post-stratification of the respondents to
       ``T_c`` (``analysis.weighting.poststratify``; Holt & Smith 1979), which leaves a
       calibration trace.
    2. *Raking* of each group in ``margins`` to its margins, combined by
       ``analysis.weighting.within_groups`` into one calibration on group-interacted margins.
       A margin level none of the respondents given holds (a replicate can miss every
       respondent of a small level) has its target merged into its neighbour, as a run with
       ``collapse_empty`` does (``settings.collapse_empty`` is set here): the run's own sample
       has no empty level unless the run collapsed it, so its weights are unchanged.
    3. *Trimming* of each group in ``bounds`` to the run's absolute bounds (the settings'
       multiples of the group's mean weight in the run), strict, the excess shared within the
       group. A unit's initial weight over its run design weight (``design_weight``) is the
       number of records it stands for (a bootstrap replicate's draws of it), and the bounds
       apply per record (``trim_weights(copies=…)``): re-running the trimming on a resample
       with the same bounds. For the run's own sample every unit is one record.
    """

    settings: WeightingSettings
    classes: tuple[str, ...]
    class_totals: pd.DataFrame | None
    margins: Mapping[str, pd.DataFrame]
    numeric: Mapping[str, bool]
    bounds: Mapping[str, tuple[float, float]]

    @property
    def groups(self) -> tuple[str, ...]:
        """The groups raked or trimmed (a group the frame lacks has no rows: its raking then
        fails as a margin without respondents)."""
        return tuple(dict.fromkeys([*self.margins, *self.bounds]))

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns of the frame the steps read."""
        variables = [v for table in self.margins.values() for v in table["variable"]]
        return tuple(dict.fromkeys([REPLAY_GROUP, REPLAY_DESIGN_WEIGHT, *self.classes, *variables]))

    def steps(self, frame: pd.DataFrame, weights: np.ndarray) -> Replayed:
        """Replay every step from ``weights`` (the class docstring); ``AnalysisError`` when a
        step cannot be made (e.g. a margin level without respondents in a replicate)."""
        from analysis.weighting import poststratify, trim_weights, within_groups

        current = np.asarray(weights, dtype=np.float64)
        nonresponse = None
        if self.class_totals is not None:
            nonresponse = poststratify(
                frame, weights=current, by=list(self.classes), population=self.class_totals
            )
            current = nonresponse.weights
        found = _rows_by_group(frame)
        rows = {group: found.get(group, np.zeros(0, dtype=np.intp)) for group in self.groups}
        raking = None
        if self.margins:
            parts = {}
            for group, table in self.margins.items():
                variables = list(dict.fromkeys(table["variable"]))
                data = frame.iloc[rows[group]][variables].reset_index(drop=True)
                result = _rake(
                    data, current[rows[group]], table, self.numeric[group], self.settings
                )
                parts[group] = (rows[group], result)
            raking = within_groups(current, parts)
            current = raking.weights
        final = current
        if self.bounds:
            copies = weights / frame[REPLAY_DESIGN_WEIGHT].to_numpy(dtype=np.float64)
            final = current.copy()
            for group, (lower, upper) in self.bounds.items():
                here = rows[group]
                final[here] = trim_weights(
                    current[here], lower=lower, upper=upper, strict=True, copies=copies[here]
                ).weights
        return Replayed(nonresponse=nonresponse, raking=raking, weights=final)

    def __call__(self, frame: pd.DataFrame, weights: np.ndarray) -> np.ndarray:
        """The final weights (what ``ReplicateDesign.calibrated`` calls on every replicate)."""
        return self.steps(frame, weights).weights


def _rows_by_group(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The row positions of each respondent group in ``frame``."""
    import pandas as pd

    codes, labels = pd.factorize(frame[REPLAY_GROUP])
    return {str(label): np.flatnonzero(codes == k) for k, label in enumerate(labels)}


@dataclass(frozen=True, eq=False)
class RunReplay:
    """An adopted run, replayable: its design, its settings as a function of the design
    weights, and the replay of its own sample.

    ``frame`` has one row per response the run weighted, in the run's order: ``response_id``,
    ``design_stratum`` (``unit|group|stratum``) and ``design_psu`` (the cluster, else the
    response; unique within a stratum: ``nest=True``), ``design_weight`` (the run's ``N_h /
    n_h``), ``weight`` (the run's final weight) and the columns ``reweighting`` reads.
    ``full`` is ``reweighting`` applied to ``design_weight``, whose weights equal ``weight``
    (checked to :data:`REPLAY_RTOL`); its ``steps`` carry the calibration traces.
    """

    run_id: int
    label: str
    frame: pd.DataFrame
    reweighting: Reweighting
    full: Replayed


def _replay_frame(stored: pd.DataFrame, data: pd.DataFrame) -> pd.DataFrame:
    """The design columns of :class:`RunReplay` and the group column, in the run's order."""
    import pandas as pd

    return pd.DataFrame(
        {
            "response_id": stored["response_id"].astype(str),
            "design_stratum": stored["stratum"].astype(str),
            "design_psu": stored["psu"].astype(str),
            REPLAY_DESIGN_WEIGHT: stored["design_weight"].to_numpy(dtype=np.float64),
            "weight": stored["weight"].to_numpy(dtype=np.float64),
            REPLAY_GROUP: pd.Categorical(data["respondent_group"].astype(str)),
        }
    )


def _replay_margins(
    frame: pd.DataFrame, data: pd.DataFrame, settings: WeightingSettings, round_id: int
) -> tuple[dict[str, pd.DataFrame], dict[str, bool]]:
    """Each raked group's margins, their variables added to ``frame`` as ``weighting:g:v``."""
    import pandas as pd

    margins = load_margins(round_id)
    groups = data["respondent_group"].astype(str).to_numpy()
    tables: dict[str, pd.DataFrame] = {}
    numeric: dict[str, bool] = {}
    for group, sources in sorted(settings.margins.items()):
        rows = np.flatnonzero(groups == group)
        if rows.size == 0:
            raise ReplayError("changed", f"group {group} has no response of the run", group=group)
        try:
            table, values, numeric[group] = _group_variables(
                data.iloc[rows].reset_index(drop=True), margins, group, sources
            )
        except RunSetupError as error:
            raise ReplayError("changed", str(error), group=group, cause=error.code) from error
        names = {variable: f"{REPLAY_PREFIX}{group}:{variable}" for variable in values.columns}
        for variable, name in names.items():
            column = values[variable].to_numpy()
            full = np.full(len(frame), np.nan if column.dtype.kind == "f" else None, column.dtype)
            full[rows] = column
            frame[name] = full if column.dtype.kind == "f" else pd.Categorical(full)
        tables[group] = table.assign(variable=table["variable"].map(names))
    return tables, numeric


def _replay_settings(run: WeightingRun) -> WeightingSettings:
    """The run's settings; :class:`ReplayError` (``settings``) when they cannot be read."""
    try:
        return WeightingSettings.from_json(run.settings)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ReplayError(
            "settings", f"the settings of run {run.label} cannot be read ({error!r})"
        ) from error


def replay_sources(run: WeightingRun) -> set[str]:
    """The sources :func:`replay_run` reads for ``run`` (its margins'), for a caller that reads
    the responses once for the replay and for itself
    (``load_responses(run.round_id, replay_sources(run), …)``); none when the settings cannot
    be read, which :func:`replay_run` then reports."""
    try:
        return _replay_settings(run).sources()
    except ReplayError:
        return set()


def replay_run(run: WeightingRun, responses: pd.DataFrame | None = None) -> RunReplay:
    """Pose a succeeded run as :class:`RunReplay` and check that it reproduces its weights.

    ``responses`` are the round's responses as :func:`load_responses` reads them with (at
    least) the run's :func:`replay_sources`, when the caller has read them already; None:
    they are read here. Either way the replay is the same.

    Raises
    ------
    ReplayError
        The settings cannot be read, responses of the run are gone, or the replay of its own
        sample does not give its stored weights (margins or answers changed since).
    ValueError
        ``responses`` lack a column of an item the run's margins read.
    """
    settings = _replay_settings(run)
    if responses is None:
        responses = load_responses(run.round_id, settings.sources())
    unread = sorted(
        source
        for source in settings.sources()
        if source.startswith(ITEM_PREFIX) and source not in responses.columns
    )
    if unread:
        raise ValueError(
            f"the responses given to replay run {run.label} lack {', '.join(unread)}: read "
            "them with load_responses(round_id, replay_sources(run))"
        )
    stored = run_weights(run, responses)
    gone = int(stored["unit"].isna().sum())
    if gone:
        raise ReplayError(
            "responses_gone",
            f"{gone} responses of run {run.label} are no longer stored",
            count=gone,
        )
    data = stored[["response_id"]].merge(responses, on="response_id", how="left")
    frame = _replay_frame(stored, data)
    classes: tuple[str, ...] = ()
    class_totals = None
    if settings.design is DesignSource.TARGETS and settings.nonresponse_classes:
        classes = tuple(f"{REPLAY_PREFIX}{column}" for column in settings.nonresponse_classes)
        for column, name in zip(settings.nonresponse_classes, classes, strict=True):
            frame[name] = data[column].astype(str).astype("category")
        class_totals = (
            frame[list(classes)]
            .assign(target=stored["adjusted_weight"].to_numpy(dtype=np.float64))
            .groupby(list(classes), observed=True, as_index=False)["target"]
            .sum()
        )
    margins, numeric = _replay_margins(frame, data, settings, run.round_id)
    reweighting = Reweighting(
        settings=replace(settings, collapse_empty=True),
        classes=classes,
        class_totals=class_totals,
        margins=margins,
        numeric=numeric,
        bounds={},
    )
    initial = frame[REPLAY_DESIGN_WEIGHT].to_numpy()
    try:
        if settings.trims:
            calibrated = reweighting(frame, initial)
            reweighting = replace(
                reweighting,
                bounds={
                    group: _trim_bounds(settings, calibrated[rows])
                    for group, rows in sorted(_rows_by_group(frame).items())
                },
            )
        full = reweighting.steps(frame, initial)
    except AnalysisError as error:
        raise ReplayError("changed", f"run {run.label} cannot be replayed: {error}") from error
    final = frame["weight"].to_numpy()
    difference = float(np.max(np.abs(full.weights - final) / final))
    if difference > REPLAY_RTOL:
        raise ReplayError(
            "changed",
            f"replaying run {run.label} gives other weights (largest relative difference "
            f"{difference:.3g}): its margins or answers changed since",
            difference=difference,
        )
    return RunReplay(
        run_id=run.id, label=run.label, frame=frame, reweighting=reweighting, full=full
    )


def current_replay(round_id: int) -> RunReplay | None:
    """The round's current run as :class:`RunReplay`; None without one."""
    run = current_run(round_id)
    return None if run is None else replay_run(run)
