"""Translation check: every bilingual text has both its Vietnamese and its English, not blank."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from questionnaires.locations import PathPart, describe
from questionnaires.model import LANGUAGES, Text
from questionnaires.rules.form_index import Finding, FormIndex

_LANGUAGE_NAMES = {"vi": "Vietnamese", "en": "English"}


def check_texts(index: FormIndex) -> list[Finding]:
    """One finding per blank translation."""
    definition = index.definition
    data = definition.model_dump(mode="json")
    found: list[Finding] = []
    for path, text in _texts(definition, ()):
        for language in LANGUAGES:
            if not getattr(text, language).strip():
                name = _LANGUAGE_NAMES.get(language, language)
                found.append((describe((*path, language), data), f"the {name} text is empty"))
    return found


def _texts(
    value: object, path: tuple[PathPart, ...]
) -> Iterator[tuple[tuple[PathPart, ...], Text]]:
    if isinstance(value, Text):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name), (*path, name))
    elif isinstance(value, list):
        for position, element in enumerate(value):
            yield from _texts(element, (*path, position))
    elif isinstance(value, dict):
        for key, element in value.items():
            yield from _texts(element, (*path, key))
