"""Appraisal (thẩm định): the council's decisions on self-scores, and units' requests for
reconsideration.

A decision *accepts* a self-score (the appraised score is the self-score) or *changes* it to a
score in [0, the criterion's maximum], and a change must give its reason. Decisions are
append-only rows: a later decision on the same unit × criterion supersedes the earlier one, as
``analysis.selfassessment.apply_decisions`` reads them in order. Each records the score it
replaced (``old_score``: the standing appraised score, or the self-score before any decision)
and is audited (who, when, old, new, reason) in the same transaction.

A unit officer may ask for reconsideration of an appraised criterion, giving its grounds; one
request per criterion is pending at a time. An evaluator settles it: *accepted* with the new
appraised score (a new decision naming the request: an accept when it equals the self-score, a
change otherwise, the answer as its reason), or *rejected* with the answer. Both are audited,
and the criterion's history shows every decision and request in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from analysis.index.points import POINTS_TOLERANCE
from questionnaires.scheme import Node, Scheme, SourceKind
from survey_app.audit import record_audit, state
from survey_app.auth import current_account
from survey_app.formatting import plain
from survey_app.models import (
    AppraisalDecision,
    ReconsiderationOutcome,
    ReconsiderationRequest,
    Round,
    SelfScore,
    Unit,
    Verdict,
    db,
)
from survey_app.models.base import utcnow


class AppraisalRefused(ValueError):
    """A decision or request that cannot be recorded; the message says why (translated)."""


@dataclass
class CriterionState:
    """Where one appraisal leaf of one unit stands, with its history."""

    leaf: Node
    self_score: SelfScore | None
    decisions: list[AppraisalDecision] = field(default_factory=list)
    requests: list[ReconsiderationRequest] = field(default_factory=list)

    @property
    def latest(self) -> AppraisalDecision | None:
        """The decision in force."""
        return self.decisions[-1] if self.decisions else None

    @property
    def status(self) -> str:
        """``missing`` (no self-score), ``pending``, ``accepted`` or ``changed``."""
        if self.self_score is None:
            return "missing"
        if self.latest is None:
            return "pending"
        return "accepted" if self.latest.verdict == Verdict.ACCEPT else "changed"

    @property
    def appraised(self) -> float | None:
        """The appraised score, None until decided."""
        latest = self.latest
        if latest is None or self.self_score is None:
            return None
        return self.self_score.self_score if latest.new_score is None else latest.new_score

    @property
    def standing(self) -> float | None:
        """The score in force now: appraised, else self-assessed."""
        appraised = self.appraised
        if appraised is not None:
            return appraised
        return self.self_score.self_score if self.self_score is not None else None

    @property
    def pending_request(self) -> ReconsiderationRequest | None:
        """The request awaiting an outcome, if any."""
        for request in self.requests:
            if request.outcome == ReconsiderationOutcome.PENDING:
                return request
        return None

    def history(self) -> list[tuple[datetime, str, AppraisalDecision | ReconsiderationRequest]]:
        """Decisions, requests and outcomes in time order: (when, kind, row)."""
        events: list[tuple[datetime, str, AppraisalDecision | ReconsiderationRequest]] = [
            (decision.decided_at, "decision", decision) for decision in self.decisions
        ]
        for request in self.requests:
            events.append((request.requested_at, "request", request))
            if request.decided_at is not None and request.outcome == "rejected":
                events.append((request.decided_at, "rejection", request))
        return sorted(events, key=lambda event: event[0])


def unit_states(round_: Round, unit: Unit, scheme: Scheme) -> list[CriterionState]:
    """Every appraisal leaf of the scheme for ``unit``, in scheme order."""
    scores = {
        row.criterion: row
        for row in db.session.scalars(
            select(SelfScore).where(SelfScore.round_id == round_.id, SelfScore.unit_id == unit.id)
        )
    }
    states = {
        leaf.code: CriterionState(leaf, scores.get(leaf.code))
        for leaf in scheme.leaves(SourceKind.APPRAISAL)
    }
    decisions = db.session.scalars(
        select(AppraisalDecision)
        .options(joinedload(AppraisalDecision.decider))
        .where(AppraisalDecision.round_id == round_.id, AppraisalDecision.unit_id == unit.id)
        .order_by(AppraisalDecision.id)
    )
    for decision in decisions:
        if decision.criterion in states:
            states[decision.criterion].decisions.append(decision)
    requests = db.session.scalars(
        select(ReconsiderationRequest)
        .options(joinedload(ReconsiderationRequest.requester))
        .where(
            ReconsiderationRequest.round_id == round_.id,
            ReconsiderationRequest.unit_id == unit.id,
        )
        .order_by(ReconsiderationRequest.id)
    )
    for request in requests:
        if request.criterion in states:
            states[request.criterion].requests.append(request)
    return list(states.values())


def criterion_state(round_: Round, unit: Unit, scheme: Scheme, code: str) -> CriterionState | None:
    """One appraisal leaf's state, None when ``code`` is not an appraisal leaf."""
    for found in unit_states(round_, unit, scheme):
        if found.leaf.code == code:
            return found
    return None


def decide(
    found: CriterionState,
    round_: Round,
    unit: Unit,
    *,
    new_score: float | None,
    reason: str,
    request: ReconsiderationRequest | None = None,
) -> AppraisalDecision:
    """Record a decision: accept the self-score (``new_score`` None) or change it."""
    if found.self_score is None:
        raise AppraisalRefused(gettext("There is no self-score to appraise yet."))
    reason = reason.strip()
    leaf = found.leaf
    if new_score is not None:
        if not reason:
            raise AppraisalRefused(gettext("Give the reason for changing the score."))
        if not 0 <= new_score <= leaf.max_points + POINTS_TOLERANCE:
            raise AppraisalRefused(
                gettext(
                    "The appraised score must lie between 0 and %(maximum)s.",
                    maximum=plain(leaf.max_points),
                )
            )
    old = found.standing
    assert old is not None
    decision = AppraisalDecision(
        round_id=round_.id,
        unit_id=unit.id,
        criterion=leaf.code,
        verdict=Verdict.ACCEPT if new_score is None else Verdict.CHANGE,
        old_score=old,
        new_score=new_score,
        reason=reason,
        reconsideration_id=request.id if request is not None else None,
        decided_by=current_account().id,
    )
    db.session.add(decision)
    after = found.self_score.self_score if new_score is None else new_score
    record_audit(
        f"appraisal.{decision.verdict}",
        decision,
        before={"score": old},
        after={"score": after},
        details={"unit": unit.code, "criterion": leaf.code, "reason": reason},
    )
    found.decisions.append(decision)
    return decision


def accept_pending(round_: Round, unit: Unit, scheme: Scheme) -> int:
    """Accept every self-score of ``unit`` still awaiting appraisal; how many."""
    pending = [found for found in unit_states(round_, unit, scheme) if found.status == "pending"]
    for found in pending:
        decide(found, round_, unit, new_score=None, reason="")
    return len(pending)


def request_reconsideration(
    found: CriterionState, round_: Round, unit: Unit, text: str
) -> ReconsiderationRequest:
    """Record a unit's request to reconsider an appraised criterion."""
    if found.latest is None:
        raise AppraisalRefused(gettext("This criterion has not been appraised yet."))
    if found.pending_request is not None:
        raise AppraisalRefused(
            gettext("A request for this criterion is already awaiting the council's answer.")
        )
    if not text.strip():
        raise AppraisalRefused(gettext("Explain why the score should be reconsidered."))
    request = ReconsiderationRequest(
        round_id=round_.id,
        unit_id=unit.id,
        criterion=found.leaf.code,
        request_text=text.strip(),
        requested_by=current_account().id,
    )
    db.session.add(request)
    record_audit(
        "reconsideration.request",
        request,
        after={"outcome": ReconsiderationOutcome.PENDING},
        details={"unit": unit.code, "criterion": found.leaf.code, "request": text.strip()},
    )
    found.requests.append(request)
    return request


def settle_request(
    found: CriterionState,
    round_: Round,
    unit: Unit,
    request: ReconsiderationRequest,
    *,
    accepted: bool,
    answer: str,
    new_score: float | None,
) -> None:
    """Record the council's answer to a pending request (module docstring)."""
    if request.outcome != ReconsiderationOutcome.PENDING:
        raise AppraisalRefused(gettext("This request has already been answered."))
    if not answer.strip():
        raise AppraisalRefused(gettext("Give the council's answer to the unit."))
    if accepted and new_score is None:
        raise AppraisalRefused(gettext("Enter the appraised score after reconsideration."))
    before = state(request, "outcome", "outcome_text")
    if accepted:
        assert new_score is not None and found.self_score is not None
        same = abs(new_score - found.self_score.self_score) <= POINTS_TOLERANCE
        decide(
            found,
            round_,
            unit,
            new_score=None if same else new_score,
            reason=answer,
            request=request,
        )
    request.outcome = (
        ReconsiderationOutcome.ACCEPTED if accepted else ReconsiderationOutcome.REJECTED
    )
    request.outcome_text = answer.strip()
    request.decided_by = current_account().id
    request.decided_at = utcnow()
    record_audit(
        f"reconsideration.{request.outcome}",
        request,
        before=before,
        after=state(request, "outcome", "outcome_text"),
        details={"unit": unit.code, "criterion": found.leaf.code},
    )
