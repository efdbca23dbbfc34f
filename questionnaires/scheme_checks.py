"""The scheme checker: every problem in a set of scheme files, for authors.

Per file: YAML syntax (with line and column; a key given twice is refused), the model
(``questionnaires.scheme``), then the meaning checks:

* the edition's years run forwards;
* codes are unique; a field's code is one segment (``8``) and a child's code is its parent's
  code, a dot and one segment (``8.2``, ``8.2.1``);
* every maximum is positive, the children's maxima add up to the parent's and the fields' to 100
  (within :data:`TOLERANCE`);
* a criterion has either a ``source`` (a leaf) or ``sub_criteria``, never both nor neither;
* a survey leaf names each respondent group once, with a positive weight, a questionnaire that
  exists (the bundled ones, or those given) and is answered by that group, and items of that
  questionnaire that have scored choices; items that name index criteria name this leaf or one
  of its ancestors; a ``top_box_share`` leaves at least one level outside the top box;
* a statistic's floor and target differ;
* ranking groups are unique, the default group and every member's group exist;
* bands have unique codes and strictly decreasing minima within (0, 100];
* an optional survey needs survey leaves and other leaves to rescale.

Across files: one scheme id and version may be defined only once. Problems are
``questionnaires.problems.Problem`` (file, location, message); locations name what the author
wrote: ``field "8", criterion "8.2", sub-criterion "8.2.1" (max_points)``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from questionnaires.form_checks import expand_paths
from questionnaires.loader import Questionnaire, bundled_questionnaires
from questionnaires.locations import located
from questionnaires.model import Item
from questionnaires.problems import Problem, UnknownItemError
from questionnaires.scheme import (
    SCHEME_KEY,
    Node,
    SchemeDefinition,
    SourceKind,
    StatisticSource,
    SurveySource,
    TopBoxShare,
    content_hash,
    iter_nodes,
)

TOLERANCE = 1e-9
"""How far maxima may be from adding up exactly (decimal fractions such as 0.5 + 0.25)."""

Finding = tuple[str, str]
"""(location, message) of one problem inside a file."""


@dataclass(frozen=True)
class SchemeReading:
    """A scheme file as read: its content hash, the raw data, the model (None if invalid)."""

    path: Path
    content_hash: str
    data: object
    definition: SchemeDefinition | None
    problems: tuple[Problem, ...]


# --- reading ---------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a mapping key given twice (plain YAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _load_yaml(path: Path, raw: bytes) -> tuple[object, Problem | None]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, Problem(
            path, "file", f"is not UTF-8 text (byte {error.start}); save it as UTF-8"
        )
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: plain data only
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        return None, Problem(path, where, f"YAML syntax error: {error.problem or error.context}")
    except yaml.YAMLError as error:
        return None, Problem(path, "YAML", f"YAML syntax error: {error}")
    if not isinstance(data, dict):
        return None, Problem(path, "file", "a scheme is a YAML mapping with an `edition` key")
    return data, None


def is_scheme_file(path: Path) -> bool:
    """Whether ``path`` holds a scheme: a YAML mapping with a top-level ``edition`` key."""
    try:
        data, problem = _load_yaml(path, path.read_bytes())
    except OSError:
        return False
    return problem is None and isinstance(data, dict) and SCHEME_KEY in data


def read_scheme_file(path: Path) -> SchemeReading:
    """Read and validate ``path`` against the model; problems are collected, never raised."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        return SchemeReading(
            path, "", None, None, (Problem(path, "file", f"cannot be read: {reason}"),)
        )
    digest = content_hash(raw)
    data, problem = _load_yaml(path, raw)
    if problem is not None:
        return SchemeReading(path, digest, None, None, (problem,))
    try:
        definition = SchemeDefinition.model_validate(data)
    except ValidationError as error:
        problems = tuple(
            Problem(path, describe(detail["loc"], data), _message(detail))
            for detail in error.errors()
        )
        return SchemeReading(path, digest, data, None, problems)
    return SchemeReading(path, digest, data, definition, ())


_TAGS = frozenset({"appraisal", "survey", "statistic", "mean_scaled", "top_box_share", "linear"})
"""Union tags pydantic puts in error paths; authors never wrote them."""
_NODE_LISTS = {"fields": "field", "criteria": "criterion", "sub_criteria": "sub-criterion"}


def describe(loc: Sequence[int | str], data: object) -> str:
    """The author-facing location of a pydantic error path in the raw ``data``."""
    labels: list[str] = []
    detail: list[str] = []
    current: object = data
    parts = [p for i, p in enumerate(loc) if not (i > 0 and p in _TAGS)]
    index = 0
    while index < len(parts):
        part = parts[index]
        following = parts[index + 1] if index + 1 < len(parts) else None
        listed = current.get(part) if isinstance(current, dict) else None
        if isinstance(following, int) and isinstance(listed, list) and following < len(listed):
            entry = listed[following]
            key = {"groups": "group", "bands": "code"}.get(str(part), "code")
            name = entry.get(key) if isinstance(entry, dict) else None
            kind = _NODE_LISTS.get(str(part), str(part).rstrip("s").replace("_", " "))
            labels.append(f'{kind} "{name}"' if name is not None else f"{kind} {following + 1}")
            current = entry
            index += 2
            continue
        detail.append(str(part))
        current = listed
        index += 1
    return located(*labels, detail=".".join(detail) or None) or "file"


def _message(detail: ErrorDetails) -> str:
    kind = detail["type"]
    value = detail.get("input")
    context = detail.get("ctx") or {}
    field = str(detail["loc"][-1]) if detail["loc"] else "field"
    if kind == "missing":
        return f"{field} is missing"
    if kind == "extra_forbidden":
        return f"unknown field {field!r}"
    if kind == "union_tag_invalid":
        discriminator = str(context.get("discriminator", "")).strip("'")
        return (
            f"{discriminator} {context.get('tag')!r} is not supported; "
            f"expected one of {context.get('expected_tags', '')}"
        )
    if kind == "literal_error":
        return f"{value!r} is not supported; expected {context.get('expected', '')}"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        return f"expected a number, got {value!r}"
    if kind == "string_type":
        return f"expected text, got {value!r}; put it in quotes"
    if kind == "string_pattern_mismatch":
        return f"{value!r} is not a valid code here (pattern {context.get('pattern', '')})"
    message = detail["msg"]
    return message[:1].lower() + message[1:]


# --- meaning ---------------------------------------------------------------------------------


def _node_location(node: Node, nodes: Mapping[str, Node], detail: str | None = None) -> str:
    chain: list[Node] = [node]
    while chain[-1].parent is not None:
        chain.append(nodes[chain[-1].parent])
    words = {"field": "field", "criterion": "criterion", "sub_criterion": "sub-criterion"}
    labels = [f'{words[n.level.value]} "{n.code}"' for n in reversed(chain)]
    return located(*labels, detail=detail)


def _tree(definition: SchemeDefinition) -> list[Finding]:
    found: list[Finding] = []
    nodes: dict[str, Node] = {}
    for node in iter_nodes(definition):
        if node.code in nodes:
            found.append(
                (
                    _node_location(node, nodes | {node.code: node}, "code"),
                    f"code {node.code} is used twice",
                )
            )
            continue
        nodes[node.code] = node
    for node in nodes.values():
        where = _node_location(node, nodes)
        if node.parent is None:
            if "." in node.code:
                found.append(
                    (located(where, detail="code"), "a field's code is one segment, e.g. 8")
                )
        elif node.code.rsplit(".", 1)[0] != node.parent:
            found.append(
                (
                    located(where, detail="code"),
                    f"code {node.code} does not continue its parent's code {node.parent} "
                    f"(expected {node.parent}.<n>)",
                )
            )
        if node.max_points <= 0:
            found.append((located(where, detail="max_points"), "must be positive"))
        if node.children:
            total = sum(nodes[c].max_points for c in node.children if c in nodes)
            if abs(total - node.max_points) > TOLERANCE:
                found.append(
                    (
                        located(where, detail="max_points"),
                        f"is {node.max_points:g} but its children add up to {total:g}",
                    )
                )
    total = sum(field.max_points for field in definition.fields)
    if abs(total - 100.0) > TOLERANCE:
        found.append(("fields", f"the fields' maxima add up to {total:g}, not 100"))
    for field in definition.fields:
        for criterion in field.criteria:
            where = located(f'field "{field.code}"', f'criterion "{criterion.code}"')
            if criterion.source is not None and criterion.sub_criteria:
                found.append(
                    (
                        where,
                        "has both a source and sub_criteria; a leaf has a source, "
                        "a parent has sub_criteria",
                    )
                )
            if criterion.source is None and not criterion.sub_criteria:
                found.append((where, "has neither a source nor sub_criteria"))
    return found


def _scored(questionnaire: Questionnaire, item: Item) -> bool:
    return any(c.score is not None and c.special is None for c in questionnaire.choices(item))


def _survey(
    node: Node,
    source: SurveySource,
    nodes: Mapping[str, Node],
    questionnaires: Mapping[str, Questionnaire],
) -> list[Finding]:
    found: list[Finding] = []
    ancestors: set[str] = set()
    code: str | None = node.code
    while code is not None:
        ancestors.add(code)
        code = nodes[code].parent
    seen: set[str] = set()
    for spec in source.groups:
        where = located(_node_location(node, nodes), f'group "{spec.group}"')
        if spec.group in seen:
            found.append((where, f"group {spec.group} is listed twice"))
        seen.add(spec.group)
        if not spec.weight > 0:
            found.append((located(where, detail="weight"), f"{spec.weight:g} is not positive"))
        questionnaire = questionnaires.get(spec.questionnaire)
        if questionnaire is None:
            known = ", ".join(sorted(questionnaires)) or "none"
            found.append(
                (
                    located(where, detail="questionnaire"),
                    f"no questionnaire {spec.questionnaire} (known: {known})",
                )
            )
            continue
        if questionnaire.respondent_group != spec.group:
            found.append(
                (
                    located(where, detail="group"),
                    f"questionnaire {spec.questionnaire} is answered by "
                    f"{questionnaire.respondent_group}, not {spec.group}",
                )
            )
        for item_code in spec.items:
            here = located(where, detail=f"items: {item_code}")
            try:
                item = questionnaire.item(item_code)
            except UnknownItemError as error:
                found.append((here, str(error)))
                continue
            if not _scored(questionnaire, item):
                found.append(
                    (here, f"item {item_code} has no scored choices, so it cannot be scored")
                )
                continue
            if item.criteria and not ancestors.intersection(item.criteria):
                found.append(
                    (
                        here,
                        f"item {item_code} feeds criteria {', '.join(item.criteria)}, "
                        f"not {node.code}",
                    )
                )
            if isinstance(source.rule, TopBoxShare):
                levels = {
                    c.score
                    for c in questionnaire.choices(item)
                    if c.score is not None and c.special is None
                }
                if source.rule.top >= len(levels):
                    found.append(
                        (
                            located(_node_location(node, nodes), detail="rule.top"),
                            f"top {source.rule.top} covers all {len(levels)} levels of item "
                            f"{item_code}; every answer would count",
                        )
                    )
    return found


def _sources(
    definition: SchemeDefinition, questionnaires: Mapping[str, Questionnaire]
) -> list[Finding]:
    found: list[Finding] = []
    nodes = {n.code: n for n in iter_nodes(definition)}
    kinds: set[SourceKind] = set()
    for node in nodes.values():
        source = node.source
        if source is None or node.children:
            continue
        kinds.add(SourceKind(source.kind))
        if isinstance(source, SurveySource):
            found.extend(_survey(node, source, nodes, questionnaires))
        elif isinstance(source, StatisticSource):
            conversion = source.conversion
            if conversion.floor == conversion.target:
                found.append(
                    (
                        _node_location(node, nodes, "source.conversion"),
                        f"floor and target are both {conversion.floor:g}; they must differ",
                    )
                )
    if definition.survey_optional and (
        SourceKind.SURVEY not in kinds or kinds == {SourceKind.SURVEY}
    ):
        found.append(
            (
                "survey_optional",
                "an optional survey needs survey leaves and other leaves to rescale to 100",
            )
        )
    return found


def _ranking_and_bands(definition: SchemeDefinition) -> list[Finding]:
    found: list[Finding] = []
    edition = definition.edition
    if edition.years.last is not None and edition.years.last < edition.years.first:
        found.append(
            (
                "edition (years)",
                f"last year {edition.years.last} is before first {edition.years.first}",
            )
        )
    ranking = definition.ranking
    codes = [g.code for g in ranking.groups]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        found.append((f'ranking group "{code}"', "is declared twice"))
    if ranking.default_group not in codes:
        found.append(
            (
                "ranking (default_group)",
                f"{ranking.default_group} is not one of the groups {', '.join(codes)}",
            )
        )
    for unit, group in ranking.members.items():
        if group not in codes:
            found.append(
                (
                    f"ranking (members.{unit})",
                    f"unit {unit}'s group {group} is not one of the groups {', '.join(codes)}",
                )
            )
    previous: float | None = None
    band_codes: set[str] = set()
    for band in definition.bands:
        where = f'band "{band.code}"'
        if band.code in band_codes:
            found.append((where, "band code is used twice"))
        band_codes.add(band.code)
        if not 0 < band.minimum <= 100:
            found.append((located(where, detail="minimum"), f"{band.minimum:g} is not in (0, 100]"))
        if previous is not None and band.minimum >= previous:
            found.append(
                (
                    located(where, detail="minimum"),
                    f"{band.minimum:g} is not below the band above ({previous:g}); list bands "
                    "from the highest minimum down",
                )
            )
        previous = band.minimum
    return found


def check_scheme_definition(
    definition: SchemeDefinition, *, questionnaires: Mapping[str, Questionnaire]
) -> list[Finding]:
    """Every meaning problem of a definition that passed the model (module docstring)."""
    return [
        *_tree(definition),
        *_sources(definition, questionnaires),
        *_ranking_and_bands(definition),
    ]


def check_scheme_reading(
    reading: SchemeReading, *, questionnaires: Mapping[str, Questionnaire]
) -> list[Problem]:
    """The reading's own problems, else the meaning checks of its definition."""
    if reading.definition is None:
        return list(reading.problems)
    return [
        Problem(reading.path, location, message)
        for location, message in check_scheme_definition(
            reading.definition, questionnaires=questionnaires
        )
    ]


def read_and_check_scheme_files(
    files: Sequence[Path], *, questionnaires: Mapping[str, Questionnaire]
) -> tuple[list[SchemeReading], list[Problem]]:
    """Read and check each scheme file once against ``questionnaires``; return the readings and
    their problems, including an edition id and version defined twice."""
    readings = [read_scheme_file(path) for path in dict.fromkeys(files)]
    problems: list[Problem] = []
    first: dict[tuple[str, str], Path] = {}
    for reading in readings:
        problems.extend(check_scheme_reading(reading, questionnaires=questionnaires))
        if reading.definition is None:
            continue
        key = (reading.definition.edition.id, reading.definition.edition.version)
        if key in first:
            problems.append(
                Problem(
                    reading.path,
                    "edition (id)",
                    f"scheme {key[0]} version {key[1]} is also defined in {first[key]}; "
                    "change the version or the id",
                )
            )
        first.setdefault(key, reading.path)
    return readings, problems


def read_and_check_schemes(
    paths: Sequence[Path], *, questionnaires: Mapping[str, Questionnaire] | None = None
) -> tuple[list[SchemeReading], list[Problem]]:
    """Read every scheme file ``paths`` stand for; return the readings and all problems.

    ``questionnaires`` are those survey leaves may name; the bundled ones by default.
    """
    known = bundled_questionnaires() if questionnaires is None else questionnaires
    files, problems = expand_paths(paths)
    readings, found = read_and_check_scheme_files(files, questionnaires=known)
    return readings, problems + found


def check_scheme_paths(
    paths: Sequence[Path], *, questionnaires: Mapping[str, Questionnaire] | None = None
) -> list[Problem]:
    """Every problem in the scheme files ``paths`` stand for; empty means all is well."""
    return read_and_check_schemes(paths, questionnaires=questionnaires)[1]
