"""Recovering a questionnaire version's definition from the text stored with it.

Each ``QuestionnaireVersion`` keeps the exact YAML text of its file and the sha256 of that
file's bytes (``content_hash``). The text is re-encoded as UTF-8, read and checked by the
questionnaire loader (``questionnaires.loader.questionnaire_from_source``), and its hash must be
the stored one, so an export always reads a response with the very form it was given on,
whatever the bundled file says today. Flask-free.
"""

from __future__ import annotations

from pathlib import Path

from questionnaires.loader import Questionnaire, questionnaire_from_source
from questionnaires.problems import DefinitionError
from survey_app.export.errors import StoredDefinitionError

STORED_FOLDER = Path("questionnaire_versions")
"""The pseudo-folder naming a stored text (``questionnaire_versions/<hash>.yaml``) in messages."""


def stored_questionnaire(content_hash: str, source_yaml: str) -> Questionnaire:
    """The checked questionnaire stored as ``source_yaml`` under ``content_hash``.

    Raises :class:`StoredDefinitionError` when the text is not a valid definition or does not
    hash to ``content_hash``.
    """
    try:
        questionnaire = questionnaire_from_source(
            source_yaml.encode("utf-8"), path=STORED_FOLDER / f"{content_hash}.yaml"
        )
    except DefinitionError as error:
        raise StoredDefinitionError(
            f"the stored questionnaire version {content_hash} is not a valid definition: {error}"
        ) from error
    if questionnaire.content_hash != content_hash:
        raise StoredDefinitionError(
            f"the stored text of questionnaire version {content_hash} hashes to "
            f"{questionnaire.content_hash}",
            hint="the questionnaire_versions table was edited by hand; restore the original text",
        )
    return questionnaire
