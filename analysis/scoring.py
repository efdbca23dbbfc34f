"""Survey points: the scheme's scoring rules applied to survey responses, with standard errors.

For a survey leaf ``c`` (maximum ``M_c``), a respondent group ``g`` and a unit ``u``:

1. **Answer values.** The leaf's scoring rule turns each answer choice of the group's items into
   a value in [0, 1] (registry :data:`RULES`, keyed by the scheme's ``rule.name``):

   ``mean_scaled``
       value = the choice's ``score`` in the questionnaire (e.g. 4 levels → 1, ⅔, ⅓, 0), so
       points = M × survey-weighted mean answer score;
   ``top_box_share``
       value = 1 if the choice is among the ``top`` highest-scoring levels, else 0, so
       points = M × survey-weighted share answering in the top levels (SIPAS "% satisfied":
       satisfied + very satisfied on 5 levels is ``top: 2``).

   Special answers (don't know, not applicable) and unanswered items have no value.
2. **Respondent value** ``y_i`` = mean of the values of the leaf's items respondent ``i``
   answered; a respondent of the group with no valued answer is *excluded* (``n_excluded``).
3. **Unit score** = the survey-weighted (Hájek) mean of ``y_i`` over the group's respondents in
   the unit, ``ŷ_ug = Σ w_i y_i / Σ w_i``, estimated as a domain (domain = unit; the whole
   design is kept) with :func:`analysis.estimation.linear.fit`, so its standard error reflects
   strata, clusters and calibration (Taylor linearisation) or the replicate weights.
   ``points_ug = M_c · ŷ_ug`` and ``se_ug = M_c · se(ŷ_ug)``.
4. **Minimum respondents.** If fewer than the leaf's ``min_respondents`` respondents of ``g`` in
   ``u`` have a value, the unit × group is *flagged*: no points, no estimate.
5. **Groups combined** with the leaf's weights normalised to sum to one,
   ``points_uc = Σ_g ω_g points_ug``. Its standard error is that of the combination itself:
   under linearisation the combination's influence values ``Σ_g ω_g e_ug`` go through the
   design's variance (so covariances between groups sharing strata or clusters count); with
   replicate weights the combination is recomputed per replicate. A unit with any flagged
   group is flagged for the leaf. A linearisation design may be given replicate weights of
   the same respondents beside it (``replicates=``): points and standard errors are then the
   linearisation's and every replicate's points are computed as well, for rank intervals.

The responses frame is the design's frame: one row per response with columns ``unit``,
``respondent_group``, the item codes (holding choice codes) and, optionally, ``questionnaire``
(then only rows of the leaf group's questionnaire count).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis.design import SurveyDesign
from analysis.errors import AnalysisError
from analysis.estimation.domains import level_label
from analysis.estimation.linear import Fitted, Target, fit, replicate_estimates
from analysis.estimation.variance import linearised_variances
from analysis.replication import ReplicateDesign, replicate_variance
from questionnaires.loader import Questionnaire
from questionnaires.model import Choice
from questionnaires.problems import UnknownItemError
from questionnaires.scheme import (
    MeanScaled,
    Node,
    Scheme,
    SourceKind,
    SurveyGroup,
    SurveySource,
    TopBoxShare,
)

FloatArray = npt.NDArray[np.float64]
Design = SurveyDesign | ReplicateDesign

UNIT_COLUMN = "unit"
GROUP_COLUMN = "respondent_group"
QUESTIONNAIRE_COLUMN = "questionnaire"

BY_GROUP_COLUMNS: tuple[str, ...] = (
    "unit",
    "criterion",
    "group",
    "points",
    "se",
    "n",
    "n_excluded",
    "flagged",
)
CHUNK = 16
"""Combined criteria whose joint variance is computed together (bounds an n × CHUNK array)."""

COMBINED_COLUMNS: tuple[str, ...] = (
    "unit",
    "criterion",
    "points",
    "se",
    "n",
    "n_excluded",
    "flagged",
)


class ScoringError(AnalysisError):
    """Survey responses cannot be scored as the scheme says."""

    code = "scoring_error"


# --- rules ---------------------------------------------------------------------------------


def mean_scaled_values(rule: MeanScaled, choices: Sequence[Choice]) -> dict[str, float]:
    """``mean_scaled``: each scored, non-special choice is worth its ``score``."""
    return {c.code: float(c.score) for c in choices if c.score is not None and c.special is None}


def top_box_values(rule: TopBoxShare, choices: Sequence[Choice]) -> dict[str, float]:
    """``top_box_share``: 1 for choices among the ``top`` highest distinct scores, else 0."""
    scored = mean_scaled_values(MeanScaled(name="mean_scaled"), choices)
    levels = sorted(set(scored.values()), reverse=True)
    threshold = levels[min(rule.top, len(levels)) - 1]
    return {code: 1.0 if score >= threshold else 0.0 for code, score in scored.items()}


def _mean_scaled(rule: object, choices: Sequence[Choice]) -> dict[str, float]:
    assert isinstance(rule, MeanScaled)
    return mean_scaled_values(rule, choices)


def _top_box(rule: object, choices: Sequence[Choice]) -> dict[str, float]:
    assert isinstance(rule, TopBoxShare)
    return top_box_values(rule, choices)


AnswerValues = Callable[[object, Sequence[Choice]], Mapping[str, float]]
"""A scoring rule: (the scheme's rule parameters, an item's choices) → value per choice code."""

RULES: Mapping[str, AnswerValues] = {"mean_scaled": _mean_scaled, "top_box_share": _top_box}
"""Scoring rules by name; every name the scheme format allows has an entry."""


# --- respondent values ---------------------------------------------------------------------


def _answer_text(value: object) -> str | None:
    """A stored answer as its choice code text, ``None`` when unanswered."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return level_label(value)


def answer_labels(frame: pd.DataFrame, column: str) -> npt.NDArray[np.object_]:
    """A column's answers as choice-code text (``None`` when unanswered)."""
    codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
    texts = np.array([_answer_text(u) for u in uniques] + [None], dtype=object)
    labels: npt.NDArray[np.object_] = texts[codes]  # the sentinel −1 picks the trailing None
    return labels


LabelCache = dict[str, npt.NDArray[np.object_]]


def _equals(column: pd.Series, text: str) -> npt.NDArray[np.bool_]:
    """Rows whose value, as text, is ``text`` (missing values never are): the column is
    factorised and only its distinct values are turned into text."""
    codes, uniques = pd.factorize(column)
    matching = [k for k, value in enumerate(uniques) if str(value) == text]
    found: npt.NDArray[np.bool_] = np.isin(codes, matching)
    return found


def group_rows(frame: pd.DataFrame, spec: SurveyGroup) -> npt.NDArray[np.bool_]:
    """Rows of the group's respondents (and of its questionnaire, when the frame says)."""
    rows = _equals(frame[GROUP_COLUMN], spec.group)
    if QUESTIONNAIRE_COLUMN in frame.columns:
        rows &= _equals(frame[QUESTIONNAIRE_COLUMN], spec.questionnaire)
    return rows


def respondent_values(
    frame: pd.DataFrame,
    *,
    leaf: str,
    spec: SurveyGroup,
    rule: MeanScaled | TopBoxShare,
    questionnaire: Questionnaire,
    labels: LabelCache | None = None,
) -> FloatArray:
    """``y_i`` per row for one leaf and group (module docstring, steps 1–2); NaN elsewhere.

    Rows of other groups (or other questionnaires) and rows with no valued answer are NaN.
    ``labels`` caches each column's answer codes across calls.
    """
    cache: LabelCache = {} if labels is None else labels
    in_group = group_rows(frame, spec)
    totals = np.zeros(len(frame))
    counts = np.zeros(len(frame))
    for code in spec.items:
        try:
            choices = questionnaire.choices(code)
        except UnknownItemError as error:
            raise ScoringError(
                f"criterion {leaf}: {error}",
                hint="run the scheme checks (flask --app wsgi questionnaires check)",
            ) from error
        if code not in frame.columns:
            raise ScoringError(
                f"criterion {leaf}: the responses have no column {code}",
                expected=code,
                got=[str(c) for c in frame.columns],
                hint="export the responses of the round with one column per item code",
            )
        if code not in cache:
            cache[code] = answer_labels(frame, code)
        answers = pd.Series(cache[code])
        values = RULES[rule.name](rule, choices)
        special = {c.code for c in choices if c.special is not None}
        given = answers[in_group & answers.notna().to_numpy()]
        unknown = sorted(set(given) - values.keys() - special)
        if unknown:
            raise ScoringError(
                f"criterion {leaf}: item {code} holds answers {', '.join(unknown)} that are not "
                f"choices of questionnaire {spec.questionnaire}",
                expected=sorted(values.keys() | special),
                got=unknown,
            )
        item_values = answers.map(values).to_numpy(dtype=np.float64, na_value=math.nan)
        valued = in_group & ~np.isnan(item_values)
        totals += np.where(valued, item_values, 0.0)
        counts += valued
    with np.errstate(invalid="ignore", divide="ignore"):
        result: FloatArray = np.where(in_group & (counts > 0), totals / counts, math.nan)
    return result


# --- estimation ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SurveyScores:
    """Survey points per unit × leaf × group (``by_group``) and per unit × leaf (``combined``).

    Columns are ``BY_GROUP_COLUMNS`` and ``COMBINED_COLUMNS``; flagged rows have NaN points and
    se. ``replicates`` (replicate designs, or ``score_survey(replicates=…)``) holds the combined
    points of every unflagged unit × leaf per replicate: a frame indexed by (unit, criterion),
    one column per replicate.
    """

    by_group: pd.DataFrame
    combined: pd.DataFrame
    replicates: pd.DataFrame | None


@dataclass(frozen=True)
class _Part:
    """One unit × group of a leaf: counts, normalised weight, and its target (None: flagged)."""

    unit: str
    group: str
    weight: float
    n_group: int
    n: int
    target: int | None


def _fit(design: Design, targets: Sequence[Target]) -> Fitted:
    """:func:`fit`, also when every unit × group is flagged (no targets)."""
    if targets:
        return fit(design, targets)
    empty = np.zeros(0)
    replicates = np.zeros((design.n_replicates, 0)) if isinstance(design, ReplicateDesign) else None
    return Fitted(
        estimate=empty,
        variance=empty,
        deff=empty,
        n=np.zeros(0, dtype=np.int64),
        replicates=replicates,
    )


def _mix(k: int, combos: list[list[tuple[int, float]]]) -> FloatArray:
    """The (k × combinations) matrix of the weights ``ω_j`` of each combination."""
    mix = np.zeros((k, len(combos)))
    for column, combo in enumerate(combos):
        for j, omega in combo:
            mix[j, column] = omega
    return mix


def _combined_variance(
    design: Design,
    targets: Sequence[Target],
    fitted: Fitted,
    combos: list[list[tuple[int, float]]],
) -> tuple[FloatArray, FloatArray | None]:
    """Variance of each combination ``Σ ω_j θ_j`` of target estimates, and replicate values.

    Linearisation: influence ``Σ ω_j w (y − θ_j x)/X̂_j`` on each target's rows; replicates: the
    same combination of replicate estimates, then :func:`replicate_variance`.
    """
    estimate = fitted.estimate
    if not combos:
        empty = None if fitted.replicates is None else np.zeros((fitted.replicates.shape[0], 0))
        return np.zeros(0), empty
    if isinstance(design, SurveyDesign):
        variance = np.empty(len(combos))
        joint: list[int] = []
        for k, combo in enumerate(combos):
            if len(combo) == 1:  # one group: a rescaled target, its variance is known
                j, omega = combo[0]
                variance[k] = omega**2 * fitted.variance[j]
            else:
                joint.append(k)
        for start in range(0, len(joint), CHUNK):
            block = joint[start : start + CHUNK]
            influence = np.zeros((design.n, len(block)))
            for column, k in enumerate(block):
                for j, omega in combos[k]:
                    t = targets[j]
                    assert t.denominator is not None
                    bottom = float(design.weights @ t.denominator)
                    influence[:, column] += (
                        omega
                        * design.weights
                        * (t.numerator - estimate[j] * t.denominator)
                        / bottom
                    )
            variance[block] = linearised_variances(influence, design, overwrite=True)
        return variance, None
    assert fitted.replicates is not None
    mix = _mix(len(targets), combos)
    combined_replicates = fitted.replicates @ mix
    variance = replicate_variance(
        combined_replicates,
        estimate @ mix,
        scale=design.scale,
        rscales=design.rscales,
        mse=design.mse,
    )
    return variance, combined_replicates


@dataclass(frozen=True, eq=False)
class _LeafScores:
    by_group: list[dict[str, object]]
    combined: list[dict[str, object]]
    replicate_units: list[str]
    replicates: FloatArray | None


def _score_leaf(
    design: Design,
    leaf: Node,
    *,
    replicates: ReplicateDesign | None,
    questionnaires: Mapping[str, Questionnaire],
    units: Sequence[str],
    in_unit: Mapping[str, npt.NDArray[np.bool_]],
    labels: LabelCache,
) -> _LeafScores:
    """Steps 1–5 of the module docstring for one leaf (its targets only: bounded memory)."""
    source = leaf.source
    assert isinstance(source, SurveySource)
    frame = design.frame
    total_weight = sum(g.weight for g in source.groups)
    parts: dict[str, list[_Part]] = {unit: [] for unit in units}
    targets: list[Target] = []
    for spec in source.groups:
        questionnaire = questionnaires.get(spec.questionnaire)
        if questionnaire is None:
            raise ScoringError(
                f"criterion {leaf.code} needs questionnaire {spec.questionnaire}",
                expected=spec.questionnaire,
                got=sorted(questionnaires),
            )
        values = respondent_values(
            frame,
            leaf=leaf.code,
            spec=spec,
            rule=source.rule,
            questionnaire=questionnaire,
            labels=labels,
        )
        in_group = group_rows(frame, spec)
        present = ~np.isnan(values)
        for unit in units:
            rows = in_unit[unit] & present
            n = int(rows.sum())
            target: int | None = None
            if n >= source.min_respondents:
                target = len(targets)
                targets.append(
                    Target(
                        variable=f"{leaf.code}:{spec.group}",
                        domain=unit,
                        rows=rows,
                        numerator=np.where(rows, values, 0.0),
                        denominator=rows.astype(np.float64),
                    )
                )
            parts[unit].append(
                _Part(
                    unit=unit,
                    group=spec.group,
                    weight=spec.weight / total_weight,
                    n_group=int((in_unit[unit] & in_group).sum()),
                    n=n,
                    target=target,
                )
            )
    fitted = _fit(design, targets)
    points = leaf.max_points * fitted.estimate
    se = leaf.max_points * np.sqrt(fitted.variance)
    by_group = [
        {
            "unit": p.unit,
            "criterion": leaf.code,
            "group": p.group,
            "points": points[p.target] if p.target is not None else math.nan,
            "se": se[p.target] if p.target is not None else math.nan,
            "n": p.n,
            "n_excluded": p.n_group - p.n,
            "flagged": p.target is None,
        }
        for unit in units
        for p in parts[unit]
    ]
    scored = [u for u in units if all(p.target is not None for p in parts[u])]
    combos = [
        [(p.target, p.weight * leaf.max_points) for p in parts[u] if p.target is not None]
        for u in scored
    ]
    variance, combined_replicates = _combined_variance(design, targets, fitted, combos)
    if replicates is not None:
        combined_replicates = replicate_estimates(replicates, targets) @ _mix(len(targets), combos)
    combined_points = {
        u: sum(omega * fitted.estimate[j] for j, omega in combo)
        for u, combo in zip(scored, combos, strict=True)
    }
    combined_se = dict(zip(scored, np.sqrt(variance).tolist(), strict=True))
    combined = [
        {
            "unit": unit,
            "criterion": leaf.code,
            "points": combined_points.get(unit, math.nan),
            "se": combined_se.get(unit, math.nan),
            "n": sum(p.n for p in parts[unit]),
            "n_excluded": sum(p.n_group - p.n for p in parts[unit]),
            "flagged": unit not in combined_points,
        }
        for unit in units
    ]
    return _LeafScores(by_group, combined, scored, combined_replicates)


def score_survey(
    design: Design,
    *,
    scheme: Scheme,
    questionnaires: Mapping[str, Questionnaire],
    units: Sequence[str] | None = None,
    replicates: ReplicateDesign | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> SurveyScores:
    """Points of every survey leaf per unit and group, and combined (module docstring).

    Parameters
    ----------
    design
        A linearisation (:class:`~analysis.design.SurveyDesign`) or replicate
        (:class:`~analysis.replication.ReplicateDesign`) design over the responses frame.
    scheme
        The scheme whose survey leaves are scored.
    questionnaires
        Questionnaires by id, e.g. ``questionnaires.bundled_questionnaires()``.
    units
        The units to score; by default every unit in the responses. A listed unit without
        respondents is flagged; responses of an unlisted unit are an error.
    replicates
        With a linearisation ``design``: replicate weights of the same respondents, in the same
        order (e.g. its bootstrap, each replicate re-weighted). Points and standard errors
        stay the linearisation's, and ``replicates`` of the result holds the combined points
        under each replicate's weights, the respondent values computed once for both.
    progress
        Called as ``progress(done, total)`` after each survey leaf is scored.

    Raises
    ------
    ScoringError
        A column, questionnaire, item or answer code the scheme needs is missing or unknown;
        or ``replicates`` given with a replicate design, or for another number of respondents.
    """
    if replicates is not None and (isinstance(design, ReplicateDesign) or replicates.n != design.n):
        raise ScoringError(
            "replicates= goes with a linearisation design of the same respondents",
            expected=design.n,
            got=replicates.n if isinstance(design, SurveyDesign) else "a replicate design",
        )
    frame = design.frame
    for column in (UNIT_COLUMN, GROUP_COLUMN):
        if column not in frame.columns:
            raise ScoringError(
                f"the responses have no column {column}",
                expected=column,
                got=[str(c) for c in frame.columns],
            )
    unit_labels = answer_labels(frame, UNIT_COLUMN)
    present_units = sorted({u for u in unit_labels.tolist() if u is not None})
    scored_units = list(units) if units is not None else present_units
    stray = sorted(set(present_units) - set(scored_units))
    if stray:
        raise ScoringError(
            f"responses of units not in the unit list: {', '.join(stray)}",
            expected=scored_units,
            got=stray,
            hint="add the units to the round, or drop their responses",
        )
    unit_codes = pd.Series(unit_labels)
    in_unit = {unit: (unit_codes == unit).to_numpy() for unit in scored_units}
    labels: LabelCache = {}
    by_group: list[dict[str, object]] = []
    combined: list[dict[str, object]] = []
    keys: list[tuple[str, str]] = []
    blocks: list[FloatArray] = []
    leaves = scheme.leaves(SourceKind.SURVEY)
    for done, leaf in enumerate(leaves, start=1):
        scores = _score_leaf(
            design,
            leaf,
            replicates=replicates,
            questionnaires=questionnaires,
            units=scored_units,
            in_unit=in_unit,
            labels=labels,
        )
        by_group.extend(scores.by_group)
        combined.extend(scores.combined)
        if scores.replicates is not None:
            keys.extend((unit, leaf.code) for unit in scores.replicate_units)
            blocks.append(scores.replicates)
        if progress is not None:
            progress(done, len(leaves))
    replicated = design if isinstance(design, ReplicateDesign) else replicates
    table = None
    if replicated is not None:
        matrix = np.hstack(blocks) if blocks else np.zeros((replicated.n_replicates, 0))
        table = pd.DataFrame(
            matrix.T,
            index=pd.MultiIndex.from_tuples(keys, names=["unit", "criterion"]),
        )
    return SurveyScores(
        by_group=pd.DataFrame(by_group, columns=list(BY_GROUP_COLUMNS)),
        combined=pd.DataFrame(combined, columns=list(COMBINED_COLUMNS)),
        replicates=table,
    )


def score_responses(
    responses: pd.DataFrame,
    *,
    scheme: Scheme,
    questionnaires: Mapping[str, Questionnaire],
    weights: str,
    strata: str | None = None,
    psu: str | None = None,
    units: Sequence[str] | None = None,
) -> SurveyScores:
    """:func:`score_survey` on a responses frame, its design built from the named columns.

    For raked weights or replicate weights, build the design yourself
    (:class:`~analysis.design.SurveyDesign`, :func:`~analysis.replication.replicate_design`)
    and call :func:`score_survey`, so the standard errors account for them.
    """
    design = SurveyDesign.from_frame(responses, weights=weights, strata=strata, psu=psu)
    return score_survey(design, scheme=scheme, questionnaires=questionnaires, units=units)
