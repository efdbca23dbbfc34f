"""The database models (SQLAlchemy 2.x typed mappings) and the Flask-SQLAlchemy handle ``db``.

Collection: questionnaire versions, units, rounds and their offers, invitations, drafts,
responses. Workspace (ADR 0005): staff accounts and the audit trail, round set-up (units
evaluated, scheme edition), the sampling frame and margins, invitation batches, paper entry,
weighting runs, self-assessment and appraisal, statistics, index snapshots and exports.
"""

from survey_app.models.append_only import AppendOnlyError as AppendOnlyError
from survey_app.models.appraisal import AppraisalDecision as AppraisalDecision
from survey_app.models.appraisal import ReconsiderationOutcome as ReconsiderationOutcome
from survey_app.models.appraisal import ReconsiderationRequest as ReconsiderationRequest
from survey_app.models.appraisal import SelfScore as SelfScore
from survey_app.models.appraisal import StatisticValue as StatisticValue
from survey_app.models.appraisal import Verdict as Verdict
from survey_app.models.audit import AuditEvent as AuditEvent
from survey_app.models.base import Base as Base
from survey_app.models.base import db as db
from survey_app.models.drafts import Draft as Draft
from survey_app.models.frame import FrameCell as FrameCell
from survey_app.models.frame import PopulationMargin as PopulationMargin
from survey_app.models.invitations import Invitation as Invitation
from survey_app.models.invitations import InvitationBatch as InvitationBatch
from survey_app.models.invitations import InvitationStatus as InvitationStatus
from survey_app.models.paper import PaperEntry as PaperEntry
from survey_app.models.paper import PaperEntryStatus as PaperEntryStatus
from survey_app.models.publication import ExportManifest as ExportManifest
from survey_app.models.publication import IndexSnapshot as IndexSnapshot
from survey_app.models.questionnaire import QuestionnaireVersion as QuestionnaireVersion
from survey_app.models.responses import Mode as Mode
from survey_app.models.responses import Response as Response
from survey_app.models.rounds import Access as Access
from survey_app.models.rounds import Round as Round
from survey_app.models.rounds import RoundQuestionnaire as RoundQuestionnaire
from survey_app.models.rounds import RoundStatus as RoundStatus
from survey_app.models.rounds import RoundUnit as RoundUnit
from survey_app.models.rounds import takes_answers as takes_answers
from survey_app.models.units import Unit as Unit
from survey_app.models.units import UnitKind as UnitKind
from survey_app.models.users import Role as Role
from survey_app.models.users import User as User
from survey_app.models.weighting import WeightingRun as WeightingRun
from survey_app.models.weighting import WeightingRunStatus as WeightingRunStatus
from survey_app.models.weighting import WeightsBlobError as WeightsBlobError
from survey_app.models.weighting import decode_weights as decode_weights
from survey_app.models.weighting import encode_weights as encode_weights
