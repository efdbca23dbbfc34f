"""Questionnaire versions in the database and their loaded definitions.

``store_version`` keeps a loaded file's exact text under its content hash. ``questionnaire_of``
gives back the loaded questionnaire of a stored version, cached by hash: the bundled file when
its hash still matches, else the stored text itself (read and hash-checked by
``survey_app.export.definitions.stored_questionnaire``), so a draft started on an older version
is always finished with the form it was started on.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from questionnaires.loader import Questionnaire, bundled_questionnaires
from survey_app.export.definitions import stored_questionnaire
from survey_app.models import QuestionnaireVersion, db


def store_version(questionnaire: Questionnaire) -> tuple[QuestionnaireVersion, bool]:
    """The stored version of ``questionnaire`` (by content hash), added if new; and whether
    it was added."""
    existing = db.session.scalars(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.content_hash == questionnaire.content_hash
        )
    ).first()
    if existing is not None:
        return existing, False
    definition = questionnaire.definition
    version = QuestionnaireVersion(
        questionnaire_id=definition.id,
        version=definition.version,
        respondent_group=definition.respondent_group,
        content_hash=questionnaire.content_hash,
        source_yaml=Path(questionnaire.path).read_bytes().decode("utf-8"),
    )
    db.session.add(version)
    db.session.flush()
    return version, True


@lru_cache(maxsize=1)
def bundled_by_hash() -> dict[str, Questionnaire]:
    """The bundled questionnaires, by content hash."""
    return {q.content_hash: q for q in bundled_questionnaires().values()}


@lru_cache(maxsize=64)
def _stored(content_hash: str, source: str) -> Questionnaire:
    """The questionnaire read back from its stored text (checked against its hash)."""
    return stored_questionnaire(content_hash, source)


def questionnaire_with_hash(content_hash: str, source: Callable[[], str]) -> Questionnaire:
    """The loaded questionnaire with ``content_hash``: a bundled one when it has that hash,
    else read back from its stored text, which ``source`` is called for only then."""
    bundled = bundled_by_hash().get(content_hash)
    if bundled is not None:
        return bundled
    return _stored(content_hash, source())


def questionnaire_of(version: QuestionnaireVersion) -> Questionnaire:
    """The loaded questionnaire of a stored version."""
    return questionnaire_with_hash(version.content_hash, lambda: version.source_yaml)
