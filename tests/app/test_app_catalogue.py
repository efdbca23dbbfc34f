"""Stored questionnaire versions read back: the bundled file, or the stored text itself."""

from __future__ import annotations

import hashlib

import pytest
from app_helpers import questionnaire
from flask import Flask

from survey_app.catalogue import questionnaire_of, store_version
from survey_app.export.errors import StoredDefinitionError
from survey_app.models import QuestionnaireVersion, db


def _older_version(text: str) -> QuestionnaireVersion:
    """A version row for ``text`` as if loaded from an earlier file."""
    return QuestionnaireVersion(
        questionnaire_id="sipas_citizens",
        version="2023.9",
        respondent_group="citizen",
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source_yaml=text,
    )


def test_store_version_is_idempotent(app: Flask) -> None:
    """The same file stored twice is one row holding its exact text."""
    bundled = questionnaire()
    with app.app_context():
        first, added = store_version(bundled)
        second, added_again = store_version(bundled)
        assert (added, added_again) == (True, False)
        assert first.id == second.id
        assert first.source_yaml.encode("utf-8") == bundled.path.read_bytes()


def test_an_older_version_is_read_from_its_stored_text(app: Flask) -> None:
    """A version the bundled files no longer hold comes back from ``source_yaml``."""
    text = (
        questionnaire()
        .path.read_text(encoding="utf-8")
        .replace('version: "2024.1"', 'version: "2023.9"')
    )
    with app.app_context():
        version = _older_version(text)
        db.session.add(version)
        db.session.commit()
        loaded = questionnaire_of(version)
    assert loaded.version == "2023.9"
    assert loaded.content_hash == version.content_hash


def test_altered_stored_text_is_refused(app: Flask) -> None:
    """A text that no longer hashes to its recorded hash is an error, not a silent load."""
    text = questionnaire().path.read_text(encoding="utf-8")
    version = _older_version(text.replace('version: "2024.1"', 'version: "2023.8"'))
    version.source_yaml = text.replace('version: "2024.1"', 'version: "2023.7"')
    with app.app_context(), pytest.raises(StoredDefinitionError):
        questionnaire_of(version)
