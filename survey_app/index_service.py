"""The bridge from the database to the index engine (``analysis.scoring``, ``analysis.index``).

For one round it reads, through the models, everything the index of its scheme needs and hands
it to the pure engine as frames:

* the scheme edition (the bundled file named by ``rounds.scheme_id``) and the units evaluated;
* the **responses** of those units as the scoring frame, one row per response: ``response_id``,
  ``unit`` (code), ``respondent_group``, ``questionnaire`` (the database's ``questionnaire_id``
  under the name :mod:`analysis.scoring` filters on), ``stratum`` (blank: the unit's code),
  ``cluster`` and one column per questionnaire item a survey leaf reads (taken from the stored
  answers: a single value as text, a list or a mapping as missing);
* their **weighting** (:func:`survey_designs`, the one place the weight source is chosen): the
  round's adopted weighting run replayed as a function of the design weights
  (``survey_app.weighting_runs.replay_run``), else design weights ``N_h / n_h`` of the
  sampling frame's cells (``analysis.weighting``), which a note on the results names. The
  responses are read once (:func:`read_responses`) for both: every response of the round with
  its answers and the variables of the run's margins, the scoring frame taken from it;
* **self-scores** and the append-only **appraisal decisions**, in the order taken
  (``analysis.selfassessment.apply_decisions`` → appraised points);
* imported **statistics** (``analysis.index.statistic_points``).

Survey points are estimated on one stratified design — stratum = unit × respondent group ×
stratum, PSU = cluster or the response (nested in its stratum) — in two ways, both carrying the
weighting as part of the error (ADR 0007):

* **points and standard errors** by Taylor linearisation on the design calibrated as the run
  was: design weights, then each calibration step of the run with its trace
  (``SurveyDesign.calibrated``: the non-response adjustment, a post-stratification to the
  classes' totals, and the raking of every respondent group at once, one GREG on
  group-interacted margins), then the run's trimmed weights (``SurveyDesign.trimmed``: trimming
  is not smooth and is not linearised, as in R ``trimWeights``). The standard errors account
  for the raking as R ``calibrate`` does;
* **replicates** for the rank intervals: ``replicates`` Rao–Wu bootstrap replicates of the
  design weights, seeded by the round's id (a recomputation draws the same replicates), each
  re-weighted by the whole run (``ReplicateDesign.calibrated(reweighting)``: non-response
  adjustment, raking, trimming with the run's bounds applied to each drawn record), then
  re-scored.

Without an adopted run the design weights are the weights and replicates are not re-weighted.
A run that cannot be replayed on the data stored now (margins or answers changed, responses
deleted) stops the index, as do responses the run did not weight. With an optional survey
(``survey_optional``) a unit with fewer respondents than a leaf's minimum is scored without the
survey (its other points rescaled to 100) and a note says so; otherwise too few respondents
stop the index with the units named.

Rank uncertainty (``analysis.index.rank_uncertainty``, once per ranking group with a surveyed
unit; without one the ranks carry no sampling error) runs on the index scale: fixed points
(appraised + statistics) and survey points are multiplied by 100 / the unit's maximum, so an
unsurveyed unit (rescaled, no sampling error) ranks with the others exactly as in the
published table.

The computed index carries its inputs: :meth:`ComputedIndex.snapshot` gives the hashes
publication freezes (``analysis.index.take_snapshot`` over the responses, weights, frame,
margins, self-scores, appraisal decisions and statistics, the scheme's and questionnaires'
content hashes and the code version), and :func:`verify_published` names every part in which a
recomputation differs from a published snapshot. Publishing itself, and the results document
the reports read, are ``survey_app.evaluate.publication``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from flask_babel import LazyString, gettext, lazy_gettext
from sqlalchemy import func, select

from analysis.design import SurveyDesign
from analysis.errors import AnalysisError
from analysis.index import (
    IndexResult,
    RankUncertainty,
    Snapshot,
    SnapshotMismatchError,
    compute_index,
    rank_uncertainty,
    statistic_points,
    take_snapshot,
    verify_snapshot,
)
from analysis.index.snapshot import Difference
from analysis.replication import ReplicateDesign, replicate_design
from analysis.scoring import SurveyScores, score_survey
from analysis.selfassessment import AppraisalDecision as Decision
from analysis.selfassessment import Verdict, apply_decisions, appraised_points
from analysis.weighting import design_weights
from questionnaires.loader import Questionnaire, bundled_questionnaires
from questionnaires.scheme import Scheme, SourceKind, StatisticSource, SurveySource, bundled_schemes
from survey_app.catalogue import questionnaire_of
from survey_app.i18n import Bilingual, bilingual
from survey_app.models import (
    AppraisalDecision,
    FrameCell,
    IndexSnapshot,
    PopulationMargin,
    QuestionnaireVersion,
    Response,
    Round,
    RoundQuestionnaire,
    RoundUnit,
    SelfScore,
    StatisticValue,
    Unit,
    WeightingRun,
    db,
)
from survey_app.weighting_runs import (
    ReplayError,
    RunReplay,
    current_run,
    load_responses,
    replay_run,
    replay_sources,
)

DEFAULT_REPLICATES = 200
"""Bootstrap replicates behind the rank intervals (``INDEX_REPLICATES`` in the config)."""

RANK_LEVEL = 0.9
"""Coverage of the published rank intervals."""

TOP_K = 10
"""The k of P(top k), capped at one less than the size of the ranking group."""

CI_Z = 1.959963984540054
"""The normal quantile of the 95 % confidence intervals shown for survey results."""

LISTED = 8
"""Codes listed in one message before "and N more"."""

DESIGN_COLUMNS = ("response_id", "unit", "respondent_group", "questionnaire", "stratum", "cluster")
"""The fixed columns of the scoring frame, before the item columns."""


class IndexNotReady(Exception):
    """The round's data cannot give an index yet; ``problems`` says why, one line each, in both
    languages (a job's problems are stored, and read in either)."""

    def __init__(self, problems: Sequence[LazyString | Bilingual]) -> None:
        """Keep the problems, each translated into both languages."""
        self.problems = [
            problem if isinstance(problem, Bilingual) else bilingual(problem)
            for problem in problems
        ]
        super().__init__("; ".join(problem.en for problem in self.problems))


def _listed(codes: Sequence[str]) -> LazyString:
    """Codes joined for a message, the tail summarised in the language the message is read in."""
    return LazyString(_joined, list(codes))


def _joined(codes: Sequence[str]) -> str:
    """The first :data:`LISTED` codes, then how many more."""
    shown = ", ".join(codes[:LISTED])
    if len(codes) > LISTED:
        shown += " " + gettext("and %(count)d more", count=len(codes) - LISTED)
    return shown


def scheme_of(round_: Round) -> Scheme | None:
    """The installed scheme edition the round is scored with, if any."""
    return bundled_schemes().get(round_.scheme_id or "")


def evaluated_units(round_: Round) -> list[Unit]:
    """The units the round evaluates, by code."""
    return list(
        db.session.scalars(
            select(Unit)
            .join(RoundUnit, RoundUnit.unit_id == Unit.id)
            .where(RoundUnit.round_id == round_.id)
            .order_by(Unit.code)
        )
    )


# --- reading the inputs --------------------------------------------------------------------


def survey_items(scheme: Scheme) -> list[str]:
    """Every questionnaire item a survey leaf of ``scheme`` reads, sorted."""
    items: set[str] = set()
    for leaf in scheme.leaves(SourceKind.SURVEY):
        assert isinstance(leaf.source, SurveySource)
        for group in leaf.source.groups:
            items.update(group.items)
    return sorted(items)


def _answer(value: object) -> str | None:
    """A stored answer as the text the scoring rules read (a choice code)."""
    if value is None or isinstance(value, list | dict):
        return None
    return str(value)


def _item_column(answers: Sequence[Mapping[str, object]], item: str) -> list[str | None]:
    """``item``'s answer in each of ``answers`` as :func:`_answer` gives it (a stored choice
    code, the common case, kept as it is without the call)."""
    return [
        value if type(value := stored.get(item)) is str else _answer(value) for stored in answers
    ]


@dataclass(frozen=True, eq=False)
class RoundResponses:
    """The round's responses, read once (:func:`read_responses`): ``scoring`` is the scoring
    frame (module docstring); ``stored`` holds every response of the round as
    ``survey_app.weighting_runs.load_responses`` reads them, with the margin variables of
    ``run``, the adopted weighting run (None: none), which its replay reads."""

    scoring: pd.DataFrame
    stored: pd.DataFrame
    run: WeightingRun | None


def read_responses(round_: Round, scheme: Scheme, codes: Sequence[str]) -> RoundResponses:
    """The round's responses in one read, for the scoring frame of those to the units
    ``codes`` (the units evaluated) and for the replay of the adopted weighting run. Each
    column of the scoring frame reaches pandas as a list, so that it takes the column's type
    as it would from rows (text with gaps as text, whose gaps are NaN once it is objects)."""
    run = current_run(round_.id)
    sources = replay_sources(run) if run is not None else set()
    stored = load_responses(round_.id, sources, answers=True)
    evaluated = stored[stored["unit"].isin(codes)]
    stratum = evaluated["stratum"].where(evaluated["stratum"] != "", evaluated["unit"])
    answers = evaluated["answers"].tolist()
    columns = {name: evaluated[name].tolist() for name in DESIGN_COLUMNS}
    columns["stratum"] = stratum.tolist()
    for item in survey_items(scheme):
        columns[item] = _item_column(answers, item)
    scoring = pd.DataFrame(columns).astype(object)
    return RoundResponses(scoring=scoring, stored=stored, run=run)


def responses_left_out(round_: Round) -> int:
    """Responses of the round without a unit or of a unit it does not evaluate."""
    evaluated = select(RoundUnit.unit_id).where(RoundUnit.round_id == round_.id)
    count = db.session.scalar(
        select(func.count(Response.id)).where(
            Response.round_id == round_.id,
            (Response.unit_id.is_(None)) | (Response.unit_id.not_in(evaluated)),
        )
    )
    return int(count or 0)


def frame_table(round_: Round) -> pd.DataFrame:
    """The round's sampling frame: ``unit, respondent_group, stratum, population, sample_size``."""
    rows = db.session.execute(
        select(
            Unit.code,
            FrameCell.respondent_group,
            FrameCell.stratum,
            FrameCell.population,
            FrameCell.sample_size,
        )
        .join(Unit, Unit.id == FrameCell.unit_id)
        .where(FrameCell.round_id == round_.id)
    ).all()
    columns = ["unit", "respondent_group", "stratum", "population", "sample_size"]
    return pd.DataFrame.from_records([tuple(row) for row in rows], columns=columns)


def margins_table(round_: Round) -> pd.DataFrame:
    """The round's population margins: ``respondent_group, variable, level, target``."""
    rows = db.session.execute(
        select(
            PopulationMargin.respondent_group,
            PopulationMargin.variable,
            PopulationMargin.level,
            PopulationMargin.target,
        ).where(PopulationMargin.round_id == round_.id)
    ).all()
    columns = ["respondent_group", "variable", "level", "target"]
    return pd.DataFrame.from_records([tuple(row) for row in rows], columns=columns)


@dataclass(frozen=True, eq=False)
class RoundWeights:
    """One weight per response (in the scoring frame's order), and the weighting run they came
    from (None: design weights from the frame)."""

    weights: np.ndarray[Any, np.dtype[np.float64]]
    run_id: int | None


def frame_design_weights(round_: Round, responses: pd.DataFrame) -> RoundWeights:
    """Design weights ``N / n`` of each frame cell (unit × group × stratum) for the responses."""
    frame = frame_table(round_)
    frame = frame[frame["population"] > 0]
    cells = ["unit", "respondent_group", "stratum"]
    known = set(frame[cells].itertuples(index=False, name=None))
    missing = sorted(
        {" / ".join(cell) for cell in responses[cells].itertuples(index=False, name=None)}
        - {" / ".join(cell) for cell in known}
    )
    if missing:
        raise IndexNotReady(
            [
                lazy_gettext(
                    "The sampling frame has no cell (unit / respondent group / stratum) for "
                    "responses in: %(cells)s. Import the frame with these cells.",
                    cells=_listed(missing),
                )
            ]
        )
    try:
        weights = design_weights(
            responses[cells], strata=cells, frame=frame[[*cells, "population"]]
        )
    except AnalysisError as error:
        raise IndexNotReady(
            [lazy_gettext("Design weights: %(error)s", error=str(error))]
        ) from error
    return RoundWeights(weights=weights.weights, run_id=None)


def run_weights_of(replay: RunReplay, responses: pd.DataFrame) -> RoundWeights:
    """The final weights of the replayed run for the responses; every response needs one."""
    weights = replay.frame.set_index("response_id")["weight"]
    aligned = weights.reindex(responses["response_id"])
    missing = int(aligned.isna().sum())
    if missing:
        raise IndexNotReady(
            [
                lazy_gettext(
                    "%(count)d responses have no weight in the adopted weighting run "
                    "“%(label)s” (they came in after it): make a new run and adopt it.",
                    count=missing,
                    label=replay.label,
                )
            ]
        )
    return RoundWeights(weights=aligned.to_numpy(dtype=np.float64), run_id=replay.run_id)


def round_replay(read: RoundResponses) -> RunReplay | None:
    """The round's adopted weighting run as a function of the design weights
    (``survey_app.weighting_runs.replay_run`` on the responses read), None without one; a run
    that cannot be replayed on the data stored now stops the index."""
    if read.run is None:
        return None
    try:
        return replay_run(read.run, read.stored)
    except ReplayError as error:
        raise IndexNotReady(
            [
                lazy_gettext(
                    "The adopted weighting run can no longer be re-run on the stored data (its "
                    "margins, answers or responses changed after it was made): make a new run "
                    "and adopt it."
                )
            ]
        ) from error


def round_questionnaires(round_: Round, scheme: Scheme) -> dict[str, Questionnaire]:
    """The questionnaires the scheme's survey leaves name: the version the round offers, else
    the bundled file."""
    wanted = {
        group.questionnaire
        for leaf in scheme.leaves(SourceKind.SURVEY)
        if isinstance(leaf.source, SurveySource)
        for group in leaf.source.groups
    }
    offered = db.session.scalars(
        select(QuestionnaireVersion)
        .join(
            RoundQuestionnaire,
            RoundQuestionnaire.questionnaire_version_id == QuestionnaireVersion.id,
        )
        .where(RoundQuestionnaire.round_id == round_.id)
    ).all()
    found = {version.questionnaire_id: questionnaire_of(version) for version in offered}
    bundled = bundled_questionnaires()
    return {
        code: found[code] if code in found else bundled[code]
        for code in sorted(wanted)
        if code in found or code in bundled
    }


def self_scores_table(round_: Round) -> pd.DataFrame:
    """The round's self-scores: ``unit, criterion, self_score, note``."""
    rows = db.session.execute(
        select(Unit.code, SelfScore.criterion, SelfScore.self_score, SelfScore.note)
        .join(Unit, Unit.id == SelfScore.unit_id)
        .where(SelfScore.round_id == round_.id)
    ).all()
    frame = pd.DataFrame.from_records(
        [tuple(row) for row in rows], columns=["unit", "criterion", "self_score", "note"]
    )
    return frame.astype({"self_score": "float64"})


def decisions_table(round_: Round) -> pd.DataFrame:
    """The round's appraisal decisions in the order taken."""
    rows = db.session.execute(
        select(
            AppraisalDecision.id,
            Unit.code,
            AppraisalDecision.criterion,
            AppraisalDecision.verdict,
            AppraisalDecision.old_score,
            AppraisalDecision.new_score,
            AppraisalDecision.reason,
        )
        .join(Unit, Unit.id == AppraisalDecision.unit_id)
        .where(AppraisalDecision.round_id == round_.id)
        .order_by(AppraisalDecision.id)
    ).all()
    columns = ["id", "unit", "criterion", "verdict", "old_score", "new_score", "reason"]
    return pd.DataFrame.from_records([tuple(row) for row in rows], columns=columns)


def statistics_table(round_: Round) -> pd.DataFrame:
    """The round's imported figures: ``unit, indicator, value``."""
    rows = db.session.execute(
        select(Unit.code, StatisticValue.statistic, StatisticValue.value)
        .join(Unit, Unit.id == StatisticValue.unit_id)
        .where(StatisticValue.round_id == round_.id)
    ).all()
    return pd.DataFrame.from_records(
        [tuple(row) for row in rows], columns=["unit", "indicator", "value"]
    )


# --- the parts of the index ----------------------------------------------------------------


def _appraised(
    scheme: Scheme, codes: Sequence[str], scores: pd.DataFrame, decisions: pd.DataFrame
) -> pd.DataFrame | None:
    """Appraised points of every unit × appraisal leaf; every gap named."""
    leaves = [leaf.code for leaf in scheme.leaves(SourceKind.APPRAISAL)]
    if not leaves:
        return None
    scores = scores[scores["criterion"].isin(leaves) & scores["unit"].isin(codes)]
    problems = []
    given = set(zip(scores["unit"], scores["criterion"], strict=True))
    decided = set(zip(decisions["unit"], decisions["criterion"], strict=True))
    for unit in codes:
        missing = [leaf for leaf in leaves if (unit, leaf) not in given]
        pending = [leaf for leaf in leaves if (unit, leaf) in given and (unit, leaf) not in decided]
        if missing:
            problems.append(
                lazy_gettext(
                    "Unit %(unit)s has no self-score for %(count)d criteria: %(codes)s.",
                    unit=unit,
                    count=len(missing),
                    codes=_listed(missing),
                )
            )
        if pending:
            problems.append(
                lazy_gettext(
                    "Unit %(unit)s: %(count)d self-scores await appraisal: %(codes)s.",
                    unit=unit,
                    count=len(pending),
                    codes=_listed(pending),
                )
            )
    if problems:
        raise IndexNotReady(problems)
    relevant = decisions[decisions["unit"].isin(codes) & decisions["criterion"].isin(leaves)]
    taken = [
        Decision(
            unit=unit,
            criterion=criterion,
            verdict=Verdict(verdict),
            score=None if new_score is None or pd.isna(new_score) else float(new_score),
            reason=reason,
        )
        for unit, criterion, verdict, new_score, reason in zip(
            relevant["unit"],
            relevant["criterion"],
            relevant["verdict"],
            relevant["new_score"],
            relevant["reason"],
            strict=True,
        )
    ]
    try:
        return appraised_points(apply_decisions(scores, taken, scheme=scheme))
    except AnalysisError as error:
        raise IndexNotReady([lazy_gettext("Appraisal: %(error)s", error=str(error))]) from error


def _statistics(scheme: Scheme, codes: Sequence[str], figures: pd.DataFrame) -> pd.DataFrame | None:
    """Points of every statistic leaf; every missing figure named."""
    leaves = scheme.leaves(SourceKind.STATISTIC)
    if not leaves:
        return None
    figures = figures[figures["unit"].isin(codes)]
    given = set(zip(figures["unit"], figures["indicator"], strict=True))
    problems = []
    for leaf in leaves:
        assert isinstance(leaf.source, StatisticSource)
        indicator = leaf.source.indicator
        missing = [unit for unit in codes if (unit, indicator) not in given]
        if missing:
            problems.append(
                lazy_gettext(
                    "No figure of %(indicator)s (criterion %(criterion)s) for: %(units)s.",
                    indicator=indicator,
                    criterion=leaf.code,
                    units=_listed(missing),
                )
            )
    if problems:
        raise IndexNotReady(problems)
    try:
        return statistic_points(scheme, figures, units=codes)
    except AnalysisError as error:
        raise IndexNotReady([lazy_gettext("Statistics: %(error)s", error=str(error))]) from error


class IndexStage(StrEnum):
    """The stages of computing an index, as :data:`IndexProgress` hears of them."""

    READING = "reading"
    WEIGHTING = "weighting"
    SCORING = "scoring"
    RANKING = "ranking"


IndexProgress = Callable[[IndexStage, int, int], object]
"""Called as ``progress(stage, done, total)``: replicates re-weighted, survey leaves scored."""


def _stage(
    progress: IndexProgress | None, stage: IndexStage
) -> Callable[[int, int], object] | None:
    """``progress`` for the steps of one stage."""
    if progress is None:
        return None
    return lambda done, total: progress(stage, done, total)


@dataclass(frozen=True, eq=False)
class SurveyDesigns:
    """The designs the survey points are estimated on (module docstring): ``linear`` for the
    points and their linearised standard errors, ``replicates`` for the rank intervals, and
    the weights of the scoring frame's responses."""

    linear: SurveyDesign
    replicates: ReplicateDesign
    weights: RoundWeights


def survey_designs(
    round_: Round,
    read: RoundResponses,
    replicates: int,
    progress: IndexProgress | None = None,
) -> SurveyDesigns:
    """The round's linearisation and bootstrap designs for the scoring frame of ``read``,
    weighted by its adopted run (its calibration traces, its trimmed weights, the run re-done
    on every replicate, announced to ``progress`` one by one) or, without one, by design
    weights ``N / n`` (module docstring)."""
    responses = read.scoring
    replay = round_replay(read)
    if replay is None:
        weights = frame_design_weights(round_, responses)
        data = responses.assign(
            design_weight=weights.weights,
            design_stratum=responses["unit"]
            + "|"
            + responses["respondent_group"]
            + "|"
            + responses["stratum"],
            design_psu=responses["cluster"].where(
                responses["cluster"].notna(), responses["response_id"]
            ),
        )
    else:
        weights = run_weights_of(replay, responses)
        data = replay.frame.merge(responses, on="response_id", how="left", validate="1:1")
    try:
        base = SurveyDesign.from_frame(
            data,
            weights="design_weight",
            strata="design_stratum",
            psu="design_psu",
            nest=True,
            lonely_psu="adjust",
        )
        boot = replicate_design(base, method="bootstrap", replicates=replicates, seed=round_.id)
        if replay is None:
            return SurveyDesigns(linear=base, replicates=boot, weights=weights)
        linear = base
        for step in replay.full.steps:
            linear = linear.calibrated(step)
        if replay.reweighting.bounds:
            linear = linear.trimmed(replay.full.weights)
        reweighting = replay.reweighting
        boot = boot.calibrated(
            reweighting,
            columns=reweighting.columns,
            progress=_stage(progress, IndexStage.WEIGHTING),
        )
    except AnalysisError as error:
        raise IndexNotReady([lazy_gettext("Survey points: %(error)s", error=str(error))]) from error
    return SurveyDesigns(linear=linear, replicates=boot, weights=weights)


@dataclass(frozen=True, eq=False)
class SurveyPart:
    """The survey's share of the index: scores (points, linearised standard errors and every
    replicate's points), the points handed to the index (surveyed units only), the weights and
    the notes on unsurveyed units."""

    scores: SurveyScores
    points: pd.DataFrame
    weights: RoundWeights
    notes: list[Bilingual]


def _survey(
    round_: Round,
    scheme: Scheme,
    codes: Sequence[str],
    read: RoundResponses,
    questionnaires: Mapping[str, Questionnaire],
    replicates: int,
    progress: IndexProgress | None = None,
) -> SurveyPart | None:
    """Survey points of every unit × survey leaf, with standard errors and replicates
    (module docstring)."""
    leaves = scheme.leaves(SourceKind.SURVEY)
    optional = scheme.definition.survey_optional
    if not leaves:
        return None
    if read.scoring.empty:
        if optional:
            return None
        points = sum(leaf.max_points for leaf in leaves)
        raise IndexNotReady(
            [
                lazy_gettext(
                    "No survey responses yet; the scheme takes %(points)g points from the survey.",
                    points=points,
                )
            ]
        )
    designs = survey_designs(round_, read, replicates, progress)
    try:
        scores = score_survey(
            designs.linear,
            scheme=scheme,
            questionnaires=questionnaires,
            units=codes,
            replicates=designs.replicates,
            progress=_stage(progress, IndexStage.SCORING),
        )
    except AnalysisError as error:
        raise IndexNotReady([lazy_gettext("Survey points: %(error)s", error=str(error))]) from error
    combined = scores.combined
    flagged = combined[combined["flagged"]]
    notes: list[Bilingual] = []
    if len(flagged) and not optional:
        raise IndexNotReady(
            [
                lazy_gettext(
                    "Unit %(unit)s, criterion %(criterion)s: %(n)d respondents answered; the "
                    "scheme needs at least %(minimum)d.",
                    unit=unit,
                    criterion=criterion,
                    n=n,
                    minimum=_minimum(scheme, criterion),
                )
                for unit, criterion, n in zip(
                    flagged["unit"], flagged["criterion"], flagged["n"], strict=True
                )
            ]
        )
    unsurveyed = sorted(set(flagged["unit"]))
    if unsurveyed:
        notes.append(
            bilingual(
                lazy_gettext(
                    "Scored without the survey (fewer respondents than the scheme's minimum), "
                    "their other points rescaled to 100: %(units)s.",
                    units=_listed(unsurveyed),
                )
            )
        )
    points = combined[~combined["unit"].isin(unsurveyed)]
    return SurveyPart(scores=scores, points=points, weights=designs.weights, notes=notes)


def _minimum(scheme: Scheme, criterion: str) -> int:
    """The minimum respondents of a survey leaf."""
    source = scheme.node(criterion).source
    assert isinstance(source, SurveySource)
    return source.min_respondents


# --- computing -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ComputedIndex:
    """A round's index as computed now, with what it was computed from."""

    round_id: int
    scheme: Scheme
    units: list[Unit]
    result: IndexResult
    survey: SurveyPart | None
    uncertainty: dict[str, RankUncertainty]
    top: dict[str, int]
    inputs: dict[str, pd.DataFrame]
    definitions: dict[str, str]
    replicates: int
    notes: list[Bilingual] = field(default_factory=list)
    """Notes on how the index was computed, in both languages: a published index keeps them
    and is read in either."""

    def snapshot(self) -> Snapshot:
        """The hashes publication freezes (inputs, definitions, code, results)."""
        return take_snapshot(self.result, inputs=self.inputs, definitions=self.definitions)


def _uncertainty(
    scheme: Scheme, result: IndexResult, survey: SurveyPart | None
) -> tuple[dict[str, RankUncertainty], dict[str, int]]:
    """Rank uncertainty per ranking group on the index scale (module docstring)."""
    if survey is None or survey.points.empty or survey.scores.replicates is None:
        return {}, {}
    totals = survey.points.groupby("unit")["points"].sum()
    replicate_totals = survey.scores.replicates.groupby(level="unit").sum()
    replicate_totals = replicate_totals[replicate_totals.index.isin(totals.index)]
    units = result.units.set_index("unit")
    found: dict[str, RankUncertainty] = {}
    tops: dict[str, int] = {}
    for group, members in units.groupby("ranking_group", sort=False):
        if not members["surveyed"].any():
            continue
        codes = list(members.index)
        scale = 100.0 / members["max_points"].astype(float)
        survey_points = totals.reindex(codes, fill_value=0.0)
        fixed = (members["points"].astype(float) - survey_points) * scale
        spread = replicate_totals.reindex(codes, fill_value=0.0).mul(scale, axis=0)
        top = max(1, min(TOP_K, len(codes) - 1))
        found[str(group)] = rank_uncertainty(
            fixed_points=fixed,
            survey_points=survey_points * scale,
            survey_replicates=spread,
            decimals=scheme.definition.ranking.decimals,
            level=RANK_LEVEL,
            top=top,
        )
        tops[str(group)] = top
    return found, tops


def compute_round_index(
    round_: Round,
    *,
    replicates: int = DEFAULT_REPLICATES,
    progress: IndexProgress | None = None,
) -> ComputedIndex:
    """Compute the round's index from the stored data; :class:`IndexNotReady` says what is
    missing (every gap of the self-assessment, statistics or survey at once). ``progress``
    hears of each stage (:class:`IndexStage`) as it goes."""
    if progress is not None:
        progress(IndexStage.READING, 0, 1)
    scheme = scheme_of(round_)
    if scheme is None:
        raise IndexNotReady([lazy_gettext("This round has no installed index scheme.")])
    units = evaluated_units(round_)
    if not units:
        raise IndexNotReady([lazy_gettext("This round evaluates no unit.")])
    codes = [unit.code for unit in units]
    scores, decisions, figures = (
        self_scores_table(round_),
        decisions_table(round_),
        statistics_table(round_),
    )
    read = read_responses(round_, scheme, codes)
    responses = read.scoring
    questionnaires = round_questionnaires(round_, scheme)
    problems: list[Bilingual] = []
    appraised = statistics = None
    survey: SurveyPart | None = None
    try:
        appraised = _appraised(scheme, codes, scores, decisions)
    except IndexNotReady as error:
        problems.extend(error.problems)
    try:
        statistics = _statistics(scheme, codes, figures)
    except IndexNotReady as error:
        problems.extend(error.problems)
    try:
        survey = _survey(round_, scheme, codes, read, questionnaires, replicates, progress)
    except IndexNotReady as error:
        problems.extend(error.problems)
    if problems:
        raise IndexNotReady(problems)
    try:
        result = compute_index(
            scheme,
            year=round_.year,
            units=codes,
            appraised=appraised,
            survey=survey.points if survey is not None else None,
            statistics=statistics,
        )
    except AnalysisError as error:
        raise IndexNotReady([lazy_gettext("Index: %(error)s", error=str(error))]) from error
    if progress is not None:
        progress(IndexStage.RANKING, 0, 1)
    uncertainty, top = _uncertainty(scheme, result, survey)
    weights = survey.weights.weights if survey is not None else np.zeros(0)
    notes = list(survey.notes) if survey is not None else []
    left_out = responses_left_out(round_)
    if left_out:
        notes.append(
            bilingual(
                lazy_gettext(
                    "%(count)d responses without a unit, or of units this round does not evaluate, "
                    "were left out.",
                    count=left_out,
                )
            )
        )
    if survey is not None and survey.weights.run_id is None:
        notes.append(
            bilingual(
                lazy_gettext(
                    "No weighting run is adopted: the survey points use design weights N/n from "
                    "the sampling frame."
                )
            )
        )
    if scheme.leaves(SourceKind.SURVEY) and survey is None:
        notes.append(
            bilingual(lazy_gettext("No survey responses: every unit is scored without the survey."))
        )
    inputs = {
        "responses": responses,
        "weights": pd.DataFrame(
            {"response_id": responses["response_id"].astype(str), "weight": weights}
        ),
        "frame": frame_table(round_),
        "margins": margins_table(round_),
        "self_scores": scores[["unit", "criterion", "self_score"]],
        "appraisal": decisions,
        "statistics": figures,
    }
    return ComputedIndex(
        round_id=round_.id,
        scheme=scheme,
        units=units,
        result=result,
        survey=survey,
        uncertainty=uncertainty,
        top=top,
        inputs=inputs,
        definitions={f"questionnaire:{q}": v.content_hash for q, v in questionnaires.items()},
        replicates=replicates,
        notes=notes,
    )


def verify_published(snapshot: IndexSnapshot, computed: ComputedIndex) -> list[Difference]:
    """The parts in which ``computed`` differs from the published ``snapshot`` (none: it
    reproduces the published index)."""
    try:
        verify_snapshot(
            Snapshot.from_dict(snapshot.hashes),
            computed.result,
            inputs=computed.inputs,
            definitions=computed.definitions,
        )
    except SnapshotMismatchError as error:
        return list(error.differences)
    return []
