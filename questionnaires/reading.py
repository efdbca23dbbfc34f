"""Reading one definition file: bytes → YAML → the pydantic model, every failure a Problem.

YAML is read with a ``yaml.SafeLoader`` that also refuses duplicate keys (plain ``safe_load``
silently keeps the last one, losing an author's text). pydantic's errors are translated for
authors: the location names the page, item and choice (``questionnaires.locations``), union
alternatives are reduced to the one the author evidently meant, and the common YAML traps get a
hint (``yes``/``no`` read as booleans, ``1`` read as a number).
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from questionnaires.locations import describe
from questionnaires.model import (
    Choice,
    Constraint,
    Item,
    Page,
    QuestionnaireDefinition,
    Sampling,
    Text,
)
from questionnaires.problems import Problem


@dataclass(frozen=True)
class Reading:
    """A file as read: its bytes' hash, the raw data, the model (None if invalid), problems."""

    path: Path
    content_hash: str
    data: object
    definition: QuestionnaireDefinition | None
    problems: tuple[Problem, ...]


class _UniqueKeyLoader(yaml.CSafeLoader):
    """libyaml's safe loader (six times faster than PyYAML's own, which PyYAML's wheels
    always bundle) that refuses a mapping key given twice."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                message = f"the key {key!r} is given twice in one mapping"
                raise yaml.constructor.ConstructorError(None, None, message, key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_file(path: Path) -> Reading:
    """Read and validate ``path``; problems are collected, never raised."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        return Reading(path, "", None, None, (Problem(path, "file", f"cannot be read: {reason}"),))
    return read_source(raw, path=path)


def read_source(raw: bytes, *, path: Path) -> Reading:
    """Validate the bytes of a definition (e.g. a stored copy); ``path`` names it in problems."""
    content_hash = hashlib.sha256(raw).hexdigest()
    data, problem = _parse_yaml(path, raw)
    if problem is not None:
        return Reading(path, content_hash, None, None, (problem,))
    try:
        definition = QuestionnaireDefinition.model_validate(data)
    except ValidationError as error:
        problems = translate_validation_error(path, error, data)
        return Reading(path, content_hash, data, None, tuple(problems))
    return Reading(path, content_hash, data, definition, ())


def _parse_yaml(path: Path, raw: bytes) -> tuple[object, Problem | None]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, Problem(
            path, "file", f"is not UTF-8 text (byte {error.start}); save it as UTF-8"
        )
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a safe loader: plain data only
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        reason = error.problem or error.context or "invalid YAML"
        return None, Problem(path, where, f"YAML syntax error: {reason}")
    except yaml.YAMLError as error:
        return None, Problem(path, "YAML", f"YAML syntax error: {error}")
    if data is None:
        return None, Problem(path, "file", "is empty; a questionnaire is a YAML mapping")
    if not isinstance(data, dict):
        return None, Problem(
            path, "file", f"holds a {type(data).__name__}; a questionnaire is a YAML mapping"
        )
    return data, None


# --- pydantic errors for authors ------------------------------------------------------------

_UNION_FIELDS: dict[str, str] = {
    "choices": "the name of a choice list or a list of choices",
    "required": "true, false or an expression in quotes",
}
_YAML_HINT = "; put it in quotes: YAML reads yes/no/on/off as true/false and 1 or 1.0 as numbers"


Loc = tuple[int | str, ...]

_KEY_MARK = "[key]"
"""pydantic's marker for an error in a mapping key (a choice-list name)."""


def _is_union_tag(part: object) -> bool:
    return (
        isinstance(part, str)
        and part != _KEY_MARK
        and (part in {"str", "bool", "int", "float", "none"} or "[" in part or "-" in part)
    )


def _split(loc: Loc) -> tuple[Loc, str | None, Loc]:
    """Split at the first union-member tag: (path to the union field, tag, path after it)."""
    for index, part in enumerate(loc):
        is_key = index > 0 and loc[index - 1] == "choice_lists"
        if not is_key and _is_union_tag(part):
            return loc[:index], str(part), _plain(loc[index + 1 :])
    return _plain(loc), None, ()


def _plain(loc: Loc) -> Loc:
    return tuple(part for part in loc if part != _KEY_MARK)


def _lookup(data: object, loc: Loc) -> object:
    for part in loc:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _member_meant(value: object, tag: str) -> bool:
    """Whether union member ``tag`` is the alternative a value of this kind was meant for."""
    if isinstance(value, bool):
        return tag == "bool"
    if isinstance(value, list):
        return tag.startswith("list")
    if isinstance(value, str):
        return tag.endswith("str")
    return False


def translate_validation_error(path: Path, error: ValidationError, data: object) -> list[Problem]:
    """pydantic's errors as Problems with author-facing locations and messages.

    pydantic reports a value that fits no alternative of a union (``choices``, ``required``)
    once per alternative; only the alternative the value was evidently meant for is kept (a
    list for a list of choices), or a single "expected …" message when none fits.
    """
    details = error.errors()
    unions: dict[Loc, list[tuple[str, ErrorDetails]]] = {}
    for detail in details:
        field, tag, _ = _split(detail["loc"])
        if tag is not None:
            unions.setdefault(field, []).append((tag, detail))
    problems: list[Problem] = []
    reported: set[Loc] = set()
    for detail in details:
        field, tag, rest = _split(detail["loc"])
        if tag is None:
            problems.append(Problem(path, describe(field, data) or "file", _message(detail)))
        elif field not in reported:
            reported.add(field)
            problems.extend(_union_problems(path, field, unions[field], data))
    return problems


def _union_problems(
    path: Path, field: Loc, members: list[tuple[str, ErrorDetails]], data: object
) -> list[Problem]:
    value = _lookup(data, field)
    chosen = [detail for tag, detail in members if _member_meant(value, tag)]
    if chosen:
        return [
            Problem(path, describe((*field, *_split(detail["loc"])[2]), data), _message(detail))
            for detail in chosen
        ]
    name = next((part for part in reversed(field) if isinstance(part, str)), "")
    expected = _UNION_FIELDS.get(name, "a different kind of value")
    return [Problem(path, describe(field, data), f"expected {expected}, got {_show(value)}")]


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _message(detail: ErrorDetails) -> str:
    kind = detail["type"]
    before, _, after = _split(detail["loc"])
    loc = (*before, *after)
    value = detail.get("input")
    context = detail.get("ctx") or {}
    if kind == "missing":
        return f"{loc[-1] if loc else 'a field'} is missing"
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else ""
        return f"unknown field {name!r}{_did_you_mean(name, _model_for(loc[:-1]))}"
    if kind == "string_type":
        return f"expected text, got {_show(value)}{_YAML_HINT}"
    if kind == "string_pattern_mismatch":
        if "A-Z" in str(context.get("pattern", "")):
            return f"{_show(value)} is not a valid choice code: use letters, digits and _"
        return (
            f"{_show(value)} is not a valid code: use lower-case letters (a-z), digits and _, "
            "starting with a letter"
        )
    if kind == "enum":
        return f"{_show(value)} is not allowed; use one of {context.get('expected', '')}"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
        return f"expected a number, got {_show(value)}"
    if kind in ("bool_parsing", "bool_type"):
        return f"expected true or false, got {_show(value)}"
    if kind in ("dict_type", "model_type"):
        return f"expected a mapping of fields, got {_show(value)}"
    if kind == "list_type":
        return f"expected a list, got {_show(value)}"
    if kind == "too_short":
        return f"needs at least {context.get('min_length', 1)} entry, found none"
    if kind == "literal_error":
        return f"{_show(value)} is not supported; expected {context.get('expected', '')}"
    message = detail["msg"]
    return message[:1].lower() + message[1:]


_FIELD_MODELS: dict[str, type[BaseModel]] = {
    "pages": Page,
    "items": Item,
    "choices": Choice,
    "choice_lists": Choice,
    "constraint": Constraint,
    "sampling": Sampling,
}
_TEXT_FIELDS = frozenset({"title", "intro", "source", "text", "help", "unit", "label", "message"})


def _model_for(loc: tuple[int | str, ...]) -> type[BaseModel]:
    """The model whose fields live at ``loc`` (a path into the file)."""
    model: type[BaseModel] = QuestionnaireDefinition
    for index, part in enumerate(loc):
        if not isinstance(part, str) or (index > 0 and loc[index - 1] == "choice_lists"):
            continue
        if part in _FIELD_MODELS:
            model = _FIELD_MODELS[part]
        elif part in _TEXT_FIELDS:
            model = Text
    return model


def _did_you_mean(field: str, model: type[BaseModel]) -> str:
    names = sorted(model.model_fields)
    close = difflib.get_close_matches(field, names, n=1)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; the fields here are {', '.join(names)}"
