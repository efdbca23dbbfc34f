"""The evaluators' forms: a unit's self-assessment (built per scheme), an appraisal decision, a
request for reconsideration and its outcome, and publishing the index.

Scores are typed as text and read like uploads (``analysis.index.numbers``: a decimal comma is
accepted), so the page and the file accept the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import Field, Form, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from analysis.index.numbers import parse_number
from questionnaires.scheme import Node
from survey_app.evaluate.self_scores import score_problem

NOTE_LENGTH = 2000
"""Longest note, reason or answer typed on a form."""


def field_name(code: str) -> str:
    """A form-field suffix for a criterion code (``1.4.1`` → ``1-4-1``)."""
    return code.replace(".", "-")


class SelfScore:
    """Validator: blank, or a number in [0, the leaf's maximum]."""

    def __init__(self, leaf: Node) -> None:
        """Check against ``leaf``."""
        self.leaf = leaf

    def __call__(self, form: Form, field: Field) -> None:
        """Raise the problem of a typed score."""
        text = (field.data or "").strip()
        problem = score_problem(text, self.leaf) if text else None
        if problem is not None:
            raise ValidationError(problem)


class SelfAssessmentFormBase(FlaskForm):  # type: ignore[misc]
    """A unit's self-scores: one score and one note per appraisal leaf (added per scheme)."""


def self_assessment_form(leaves: Sequence[Node], language: str, **kwargs: Any) -> Any:
    """The self-assessment form of a scheme's appraisal ``leaves``."""

    class SelfAssessmentForm(SelfAssessmentFormBase):
        """The form of this request's scheme."""

    for leaf in leaves:
        name = field_name(leaf.code)
        setattr(
            SelfAssessmentForm,
            f"score_{name}",
            StringField(
                f"{leaf.code} {leaf.title.get(language)}",
                validators=[Optional(), SelfScore(leaf)],
            ),
        )
        setattr(
            SelfAssessmentForm,
            f"note_{name}",
            TextAreaField(lazy_gettext("Note or evidence"), validators=[Length(max=NOTE_LENGTH)]),
        )
    return SelfAssessmentForm(**kwargs)


def optional_score(field: Field) -> float | None:
    """A typed score field as a number, None when blank."""
    text = (field.data or "").strip()
    return parse_number(text) if text else None


class DecisionForm(FlaskForm):  # type: ignore[misc]
    """The council's decision on one self-score."""

    verdict = RadioField(
        lazy_gettext("Decision"),
        choices=[
            SelectChoice("accept", lazy_gettext("Accept the self-score")),
            SelectChoice("change", lazy_gettext("Change the score")),
        ],
        validators=[DataRequired(lazy_gettext("Choose accept or change."))],
    )
    new_score = StringField(lazy_gettext("Appraised score"))
    reason = TextAreaField(
        lazy_gettext("Reason"),
        description=lazy_gettext("Required when the score changes; the unit sees it."),
        validators=[Length(max=NOTE_LENGTH)],
    )

    def __init__(self, leaf: Node, **kwargs: Any) -> None:
        """A decision on ``leaf`` (its maximum bounds the score)."""
        super().__init__(**kwargs)
        self.leaf = leaf

    def validate_new_score(self, field: Field) -> None:
        """A change needs a score in [0, max]."""
        if self.verdict.data != "change":
            return
        text = (field.data or "").strip()
        if not text:
            raise ValidationError(lazy_gettext("Enter the appraised score."))
        problem = score_problem(text, self.leaf)
        if problem is not None:
            raise ValidationError(problem)

    def validate_reason(self, field: Field) -> None:
        """A change needs its reason."""
        if self.verdict.data == "change" and not (field.data or "").strip():
            raise ValidationError(lazy_gettext("Give the reason for changing the score."))


class ReconsiderationForm(FlaskForm):  # type: ignore[misc]
    """A unit's request that the council look again at a criterion."""

    request_text = TextAreaField(
        lazy_gettext("Why should the score be reconsidered?"),
        description=lazy_gettext("Name the evidence the appraisal missed."),
        validators=[
            DataRequired(lazy_gettext("Explain why the score should be reconsidered.")),
            Length(max=NOTE_LENGTH),
        ],
    )


class OutcomeForm(FlaskForm):  # type: ignore[misc]
    """The council's answer to a request for reconsideration."""

    outcome = RadioField(
        lazy_gettext("Outcome"),
        choices=[
            SelectChoice("accepted", lazy_gettext("Accept the request and set the score")),
            SelectChoice("rejected", lazy_gettext("Reject the request")),
        ],
        validators=[DataRequired(lazy_gettext("Choose accept or reject."))],
    )
    new_score = StringField(lazy_gettext("Appraised score after reconsideration"))
    answer = TextAreaField(
        lazy_gettext("Answer to the unit"),
        validators=[
            DataRequired(lazy_gettext("Give the council's answer to the unit.")),
            Length(max=NOTE_LENGTH),
        ],
    )

    def __init__(self, leaf: Node, **kwargs: Any) -> None:
        """An outcome on ``leaf`` (its maximum bounds the score)."""
        super().__init__(**kwargs)
        self.leaf = leaf

    def validate_new_score(self, field: Field) -> None:
        """An accepted request needs the new score."""
        if self.outcome.data != "accepted":
            return
        text = (field.data or "").strip()
        if not text:
            raise ValidationError(lazy_gettext("Enter the appraised score after reconsideration."))
        problem = score_problem(text, self.leaf)
        if problem is not None:
            raise ValidationError(problem)


class PublishForm(FlaskForm):  # type: ignore[misc]
    """Publishing the index, with an optional note."""

    note = TextAreaField(
        lazy_gettext("Note (optional)"),
        description=lazy_gettext("E.g. the council's decision that approved the results."),
        validators=[Length(max=NOTE_LENGTH)],
    )
