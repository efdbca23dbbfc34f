"""One stored response as the export reads it: plain values, no database objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class ResponseRecord:
    """A response's identity, sampling fields, paradata and answers.

    ``round`` and ``unit`` are codes; ``answers`` follow ``questionnaires.model``'s answer-value
    convention (hidden or unanswered items are absent); ``paradata`` may hold
    ``duration_seconds`` and ``device``; ``form_serial`` is the printed serial of a paper form.
    """

    response_id: str
    round: str
    unit: str | None
    respondent_group: str
    mode: str
    stratum: str | None
    cluster: str | None
    questionnaire_id: str
    questionnaire_version: str
    questionnaire_hash: str
    submitted_on: date
    answers: Mapping[str, object]
    paradata: Mapping[str, object]
    form_serial: str | None = None
