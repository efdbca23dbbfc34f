"""Who may use each ``/evaluate/`` endpoint (merged by ``tests/app/staff/test_staff_access.py``).

Evaluators appraise and publish, unit officers enter their unit's self-scores and ask for
reconsideration, administrators do everything, survey staff read.
"""

from __future__ import annotations

from survey_app.models import Role

ALL = frozenset(Role)
READERS = frozenset({Role.ADMIN, Role.STAFF, Role.EVALUATOR})
APPRAISING = frozenset({Role.ADMIN, Role.EVALUATOR})
ENTERING = frozenset({Role.ADMIN, Role.EVALUATOR, Role.UNIT_OFFICER})
REQUESTING = frozenset({Role.ADMIN, Role.UNIT_OFFICER})

ENDPOINT_ROLES: dict[str, frozenset[Role]] = {
    "evaluate.home": ALL,
    "evaluate.round_view": ALL,
    "evaluate.self_scores": ALL,
    "evaluate.self_scores_import": ENTERING,
    "evaluate.self_scores_template": ALL,
    "evaluate.self_assessment": ALL,
    "evaluate.self_assessment_save": ENTERING,
    "evaluate.statistics": ALL,
    "evaluate.statistics_import": APPRAISING,
    "evaluate.statistics_template": APPRAISING,
    "evaluate.appraisal": ALL,
    "evaluate.appraisal_accept_pending": APPRAISING,
    "evaluate.criterion": ALL,
    "evaluate.criterion_decide": APPRAISING,
    "evaluate.criterion_reconsider": REQUESTING,
    "evaluate.criterion_outcome": APPRAISING,
    "evaluate.index": READERS,
    "evaluate.index_preview": READERS,
    "evaluate.index_job": READERS,
    "evaluate.index_job_status": READERS,
    "evaluate.index_publish": APPRAISING,
    "evaluate.ranking": READERS,
    "evaluate.ranking_download": READERS,
    "evaluate.unit_report": ALL,
}
