"""Questionnaires and index schemes as files: the definition model, the loader and checker,
the expression language, and the bundled YAML definitions (``forms/``, ``schemes/``).

The names most callers need are re-exported here; ``FORMAT.md`` documents the file format.
"""

from questionnaires.checks import check_paths as check_paths
from questionnaires.expressions import Expression as Expression
from questionnaires.expressions import ExpressionError as ExpressionError
from questionnaires.expressions import parse as parse
from questionnaires.loader import Questionnaire as Questionnaire
from questionnaires.loader import bundled_questionnaires as bundled_questionnaires
from questionnaires.loader import load_directory as load_directory
from questionnaires.loader import load_questionnaire as load_questionnaire
from questionnaires.loader import questionnaire_from_source as questionnaire_from_source
from questionnaires.problems import DefinitionError as DefinitionError
from questionnaires.problems import Problem as Problem
from questionnaires.problems import UnknownItemError as UnknownItemError
from questionnaires.problems import format_problems as format_problems
