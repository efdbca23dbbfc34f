"""Human-readable locations inside a questionnaire file.

Authors think in page ids, item codes and choice codes, not list positions, so a location
names them: ``page "services", item q12, choice "3" (label.en)``. When a code cannot be read
(the file is malformed there) the 1-based position stands in: ``page 2, item 4``.
:func:`describe` turns a path into the data (as pydantic reports errors) into such a location.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

PathPart = str | int


def page_label(page_id: object, index: int) -> str:
    """``page "id"``, or ``page N`` (1-based) when the id is not text."""
    return f'page "{page_id}"' if isinstance(page_id, str) else f"page {index + 1}"


def item_label(code: object, index: int) -> str:
    """``item q12``, or ``item N`` (1-based on its page) when the code is not text."""
    return f"item {code}" if isinstance(code, str) else f"item {index + 1}"


def choice_label(code: object, index: int) -> str:
    """``choice "3"``, or ``choice N`` (1-based) when the code is not text."""
    return f'choice "{code}"' if isinstance(code, str) else f"choice {index + 1}"


def located(*labels: str, detail: str | None = None) -> str:
    """Join labels with commas and add the field in brackets: ``a, b (detail)``."""
    text = ", ".join(labels)
    if detail:
        return f"{text} ({detail})" if text else detail
    return text


def describe(path: Sequence[PathPart], data: object) -> str:
    """The location of ``path`` (keys and list indexes) in the raw file ``data``."""
    parts = list(path)
    labels: list[str] = []
    if len(parts) >= 2 and parts[0] == "pages" and isinstance(parts[1], int):
        page = _index(_get(data, "pages"), parts[1])
        labels.append(page_label(_get(page, "id"), parts[1]))
        parts = parts[2:]
        if len(parts) >= 2 and parts[0] == "items" and isinstance(parts[1], int):
            item = _index(_get(page, "items"), parts[1])
            labels.append(item_label(_get(item, "code"), parts[1]))
            parts = parts[2:]
            parts = _choice(parts, _get(item, "choices"), labels)
    elif len(parts) >= 2 and parts[0] == "choice_lists":
        labels.append(f'choice list "{parts[1]}"')
        choice_list = _get(_get(data, "choice_lists"), parts[1])
        parts = _choice(parts[2:], choice_list, labels, bare_index=True)
    detail = ".".join(str(part) for part in parts) or None
    return located(*labels, detail=detail)


def _choice(
    parts: list[PathPart], choices: object, labels: list[str], *, bare_index: bool = False
) -> list[PathPart]:
    """Consume ``choices, N`` (or a bare ``N`` in a named list) into a choice label."""
    if bare_index and parts and isinstance(parts[0], int):
        labels.append(choice_label(_get(_index(choices, parts[0]), "code"), parts[0]))
        return parts[1:]
    if len(parts) >= 2 and parts[0] == "choices" and isinstance(parts[1], int):
        labels.append(choice_label(_get(_index(choices, parts[1]), "code"), parts[1]))
        return parts[2:]
    return parts


def _get(mapping: object, key: PathPart) -> object:
    return mapping.get(key) if isinstance(mapping, Mapping) else None


def _index(sequence: object, index: int) -> object:
    if isinstance(sequence, list) and 0 <= index < len(sequence):
        return sequence[index]
    return None
