"""The workspace schema (migration 0002): constraints that keep its promises on both backends.

Paper responses carry a serial unique within a round and no staff identity; invitations still
lead to no response; audit events and appraisal decisions are append-only; weights of 100,000
responses round-trip through a run's Parquet blob.
"""

from __future__ import annotations

import secrets
from datetime import date

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError

from survey_app.models import (
    AppendOnlyError,
    AppraisalDecision,
    AuditEvent,
    Mode,
    QuestionnaireVersion,
    Response,
    Role,
    Round,
    Unit,
    User,
    Verdict,
    WeightingRun,
    WeightsBlobError,
    db,
)


def _round_and_version(code: str = "r1") -> tuple[Round, QuestionnaireVersion]:
    """A stored round and questionnaire version."""
    round_ = Round(code=code, year=2024, title_vi="Đợt", title_en="Round")
    version = db.session.scalar(sa.select(QuestionnaireVersion))
    if version is None:
        version = QuestionnaireVersion(
            questionnaire_id="q",
            version="1",
            respondent_group="citizen",
            content_hash="h" * 64,
            source_yaml="id: q",
        )
    db.session.add_all([round_, version])
    db.session.flush()
    return round_, version


def _paper_response(round_: Round, version: QuestionnaireVersion, serial: str | None) -> Response:
    """A paper response of ``round_`` with form ``serial`` (its quality fact given, as the
    placeholder questionnaire version cannot be read to derive it)."""
    return Response(
        round_id=round_.id,
        respondent_group="citizen",
        questionnaire_id=version.questionnaire_id,
        questionnaire_version=version.version,
        questionnaire_hash=version.content_hash,
        mode=Mode.PAPER,
        answers={},
        paradata={},
        submitted_on=date(2024, 5, 2),
        submission_key=secrets.token_hex(16),
        form_serial=serial,
        straight_line_items=0,
    )


def test_form_serial_is_unique_within_a_round(app: Flask) -> None:
    """Two responses of one round cannot share a serial; another round, or no serial, can."""
    with app.app_context():
        first, version = _round_and_version("r1")
        second, _ = _round_and_version("r2")
        db.session.add_all(
            [
                _paper_response(first, version, "A-001"),
                _paper_response(second, version, "A-001"),
                _paper_response(first, version, None),
                _paper_response(first, version, None),
            ]
        )
        db.session.commit()
        db.session.add(_paper_response(first, version, "A-001"))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_responses_point_at_no_account_and_invitations_at_no_response(app: Flask) -> None:
    """No foreign key leads from a response to a user or an invitation, nor from an
    invitation to a response; the only new link of invitations is their batch."""
    with app.app_context():
        inspector = sa.inspect(db.engine)
        response_targets = {fk["referred_table"] for fk in inspector.get_foreign_keys("responses")}
        invitation_targets = {
            fk["referred_table"] for fk in inspector.get_foreign_keys("invitations")
        }
        invitation_columns = {c["name"] for c in inspector.get_columns("invitations")}
    assert response_targets == {"rounds", "units", "questionnaire_versions"}
    assert invitation_targets == {"rounds", "units", "invitation_batches"}
    assert not any("response" in name for name in invitation_columns)


@pytest.mark.parametrize(
    ("role", "with_unit"),
    [(Role.UNIT_OFFICER, False), (Role.STAFF, True), (Role.ADMIN, True)],
)
def test_only_unit_officers_have_a_unit(app: Flask, role: Role, with_unit: bool) -> None:
    """The database refuses a unit officer without a unit and anyone else with one."""
    with app.app_context():
        unit = Unit(code="u", name_vi="Đơn vị", name_en="Unit", kind="department")
        db.session.add(unit)
        db.session.flush()
        db.session.add(
            User(
                username="someone",
                display_name="Someone",
                password_hash="x",
                role=role,
                unit_id=unit.id if with_unit else None,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_audit_events_and_decisions_are_append_only(app: Flask) -> None:
    """Changing or deleting an audit event or an appraisal decision is refused at flush."""
    with app.app_context():
        round_, _ = _round_and_version()
        unit = Unit(code="u", name_vi="Đơn vị", name_en="Unit", kind="department")
        user = User(username="judge", display_name="Judge", password_hash="x", role="evaluator")
        db.session.add_all([unit, user])
        db.session.flush()
        event = AuditEvent(action="round.open", object_type="rounds", object_id=str(round_.id))
        decision = AppraisalDecision(
            round_id=round_.id,
            unit_id=unit.id,
            criterion="1.1",
            verdict=Verdict.ACCEPT,
            old_score=2.0,
            decided_by=user.id,
        )
        db.session.add_all([event, decision])
        db.session.commit()
        event.action = "round.close"
        with pytest.raises(AppendOnlyError, match="audit_events"):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AppraisalDecision, decision.id))
        with pytest.raises(AppendOnlyError, match="appraisal_decisions"):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(AuditEvent, event.id).action == "round.open"


def test_a_change_decision_needs_a_new_score(app: Flask) -> None:
    """The database refuses a change without a new score."""
    with app.app_context():
        round_, _ = _round_and_version()
        unit = Unit(code="u", name_vi="Đơn vị", name_en="Unit", kind="department")
        user = User(username="judge", display_name="Judge", password_hash="x", role="evaluator")
        db.session.add_all([unit, user])
        db.session.flush()
        db.session.add(
            AppraisalDecision(
                round_id=round_.id,
                unit_id=unit.id,
                criterion="1.1",
                verdict=Verdict.CHANGE,
                old_score=2.0,
                reason="no evidence",
                decided_by=user.id,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_weights_of_100000_responses_round_trip(app: Flask) -> None:
    """A run stores 100,000 weights (and a stage column) and loads them back unchanged."""
    rng = np.random.default_rng(7)
    weights = pd.DataFrame(
        {
            "response_id": [f"{i:032x}" for i in rng.permutation(100_000)],
            "weight": rng.gamma(2.0, 40.0, 100_000),
            "design_weight": rng.gamma(2.0, 30.0, 100_000),
        }
    )
    with app.app_context():
        round_, _ = _round_and_version()
        run = WeightingRun(round_id=round_.id, label="raked", settings={"margins": "sex, age"})
        run.store_weights(weights)
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        db.session.expunge_all()
        loaded = db.session.get(WeightingRun, run_id)
        assert loaded is not None and loaded.response_count == 100_000
        assert loaded.weights is not None and len(loaded.weights) < 4_000_000
        pd.testing.assert_frame_equal(
            loaded.load_weights(), weights, check_dtype=False, check_exact=True
        )


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"weight": [1.0]}), "no column 'response_id'"),
        (pd.DataFrame({"response_id": ["a", "a"], "weight": [1.0, 2.0]}), "more than one"),
        (pd.DataFrame({"response_id": ["a", ""], "weight": [1.0, 2.0]}), "missing"),
        (pd.DataFrame({"response_id": ["a"], "weight": [float("nan")]}), "finite"),
        (pd.DataFrame({"response_id": ["a"], "weight": [-1.0]}), "zero or more"),
    ],
)
def test_bad_weights_are_refused(frame: pd.DataFrame, message: str) -> None:
    """Weights without ids, with repeated or blank ids, or with bad values are not stored."""
    run = WeightingRun(round_id=1, label="x", settings={})
    with pytest.raises(WeightsBlobError, match=message):
        run.store_weights(frame)
    assert run.weights is None
