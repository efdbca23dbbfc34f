"""``apply_decisions`` equals its sequential definition on random decision lists (hypothesis).

The definition, written out below as plain Python over dictionaries: decisions are taken one
after the other; each either adds its problems to the list or overwrites the points, status and
reason of its unit × criterion, so the last decision stands; any problem refuses the whole list.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from index_fixtures import make_scheme

from analysis.selfassessment import AppraisalDecision, AppraisalError, Verdict, apply_decisions

SCHEME = make_scheme()
MAXIMA = {"1.1": 20.0, "1.2.1": 10.0, "2.2": 30.0}
UNITS = ("A", "B", "C")
REASONS = ("", "   ", "thiếu tài liệu kiểm chứng", "  xem xét lại ")
PROPERTY_SETTINGS = settings(max_examples=150)

Row = dict[str, object]


def sequential(
    scores: Sequence[tuple[str, str, float]], decisions: Sequence[AppraisalDecision]
) -> tuple[list[Row], list[str]]:
    """The rows after each decision in turn, and the problems met on the way."""
    rows: list[Row] = [
        {
            "unit": unit,
            "criterion": criterion,
            "self_score": score,
            "points": math.nan,
            "status": "pending",
            "reason": "",
        }
        for unit, criterion, score in scores
    ]
    position = {(unit, criterion): i for i, (unit, criterion, _) in enumerate(scores)}
    problems: list[str] = []
    for number, decision in enumerate(decisions, start=1):
        where = f"decision {number} (unit {decision.unit}, criterion {decision.criterion})"
        index = position.get((decision.unit, decision.criterion))
        if index is None:
            problems.append(f"{where}: no self-score to appraise")
            continue
        row = rows[index]
        if decision.verdict == Verdict.ACCEPT:
            if decision.score is not None:
                problems.append(f"{where}: an accepted score takes no new score; use change")
                continue
            row.update(points=row["self_score"], status="accepted", reason=decision.reason.strip())
            continue
        maximum = MAXIMA[decision.criterion]
        if not decision.reason.strip():
            problems.append(f"{where}: a change needs a reason")
        if decision.score is None:
            problems.append(f"{where}: a change needs the appraised score")
        elif not 0 <= decision.score <= maximum + 1e-9:
            problems.append(f"{where}: score {decision.score:g} outside [0, {maximum:g}]")
        else:
            row.update(points=decision.score, status="changed", reason=decision.reason.strip())
    return rows, problems


def scores_frame(scores: Sequence[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(scores, columns=["unit", "criterion", "self_score"]).astype(
        {"self_score": "float64"}
    )


def check(scores: list[tuple[str, str, float]], decisions: list[AppraisalDecision]) -> None:
    """The vectorised result, or its refusal, is the sequential one."""
    expected_rows, expected_problems = sequential(scores, decisions)
    if expected_problems:
        with pytest.raises(AppraisalError) as caught:
            apply_decisions(scores_frame(scores), decisions, scheme=SCHEME)
        assert caught.value.problems == expected_problems
        return
    result = apply_decisions(scores_frame(scores), decisions, scheme=SCHEME)
    assert list(result.columns) == [
        "unit",
        "criterion",
        "self_score",
        "points",
        "status",
        "reason",
    ]
    found = result.to_dict(orient="records")
    assert len(found) == len(expected_rows)
    for got, wanted in zip(found, expected_rows, strict=True):
        points = wanted.pop("points")
        assert isinstance(points, float)
        assert math.isnan(got.pop("points")) if math.isnan(points) else got.pop("points") == points
        assert got == wanted


keys = st.tuples(st.sampled_from(UNITS), st.sampled_from(sorted(MAXIMA)))


@st.composite
def self_scores(draw: st.DrawFn) -> list[tuple[str, str, float]]:
    """Self-scores, a unit × criterion now and then given twice (the last row counts)."""
    chosen = draw(st.lists(keys, min_size=1, max_size=12))
    return [
        (unit, criterion, draw(st.floats(0, MAXIMA[criterion]).map(lambda x: round(x, 2))))
        for unit, criterion in chosen
    ]


@st.composite
def any_decision(draw: st.DrawFn, scored: Sequence[tuple[str, str]]) -> AppraisalDecision:
    """A decision that may be wrong in any of the ways the definition names."""
    unit, criterion = draw(st.one_of(st.sampled_from(scored), keys, st.just(("Z", "2.2"))))
    score = draw(
        st.one_of(st.none(), st.floats(-2.0, 35.0), st.sampled_from(sorted(MAXIMA.values())))
    )
    verdict = draw(st.sampled_from(list(Verdict)))
    return AppraisalDecision(unit, criterion, verdict, score, draw(st.sampled_from(REASONS)))


@st.composite
def valid_decision(draw: st.DrawFn, scored: Sequence[tuple[str, str]]) -> AppraisalDecision:
    """A decision that applies: an accept, or a change with a reason and a score in range."""
    unit, criterion = draw(st.sampled_from(scored))
    if draw(st.booleans()):
        return AppraisalDecision(
            unit, criterion, Verdict.ACCEPT, reason=draw(st.sampled_from(REASONS))
        )
    score = draw(st.floats(0.0, MAXIMA[criterion]))
    return AppraisalDecision(
        unit, criterion, Verdict.CHANGE, score, REASONS[2 + draw(st.integers(0, 1))]
    )


@PROPERTY_SETTINGS
@given(data=st.data(), scores=self_scores())
def test_valid_decision_lists_leave_the_last_decision_per_criterion(
    data: st.DataObject, scores: list[tuple[str, str, float]]
) -> None:
    scored = sorted({(unit, criterion) for unit, criterion, _ in scores})
    decisions = data.draw(st.lists(valid_decision(scored), max_size=40))
    check(scores, decisions)


@PROPERTY_SETTINGS
@given(data=st.data(), scores=self_scores())
def test_any_decision_list_is_applied_or_refused_as_in_sequence(
    data: st.DataObject, scores: list[tuple[str, str, float]]
) -> None:
    scored = sorted({(unit, criterion) for unit, criterion, _ in scores})
    decisions = data.draw(st.lists(any_decision(scored), max_size=20))
    check(scores, decisions)


def test_a_long_list_gives_the_sequential_result() -> None:
    """2,300 decisions (a province round) on 19 units × 3 criteria, with reconsiderations."""
    scores = [
        (f"u{i}", criterion, MAXIMA[criterion] / 2) for i in range(19) for criterion in MAXIMA
    ]
    decisions = [
        AppraisalDecision(
            f"u{k % 19}",
            sorted(MAXIMA)[k % 3],
            Verdict.CHANGE if k % 4 else Verdict.ACCEPT,
            None if k % 4 == 0 else float(k % 10),
            "" if k % 4 == 0 else f"lý do {k}",
        )
        for k in range(2_300)
    ]
    check(scores, decisions)
