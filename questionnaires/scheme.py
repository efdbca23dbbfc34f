"""Index schemes as files: the typed model of a scheme file (format version 1) and its loader.

A scheme is one edition of a PAR Index method (e.g. the 2022–2030 province scheme of
QĐ 876/QĐ-BNV): a tree field → criterion → sub-criterion in which every node has a code, a
bilingual title and its maximum points, and every leaf says where its points come from:

``appraisal``
    the unit scores itself and the appraisal council accepts or changes the score;
``survey``
    the sociological survey: which questionnaire items, answered by which respondent groups
    (combined with positive weights, equal by default), converted by which scoring rule, and the
    minimum number of respondents per unit × group below which the unit is flagged, not scored;
``statistic``
    an imported figure (indicator) converted to points by its own documented conversion.

The file also says how units are ranked (ranking groups: membership is data) and banded, and
whether the survey is optional (a unit without one has its other points rescaled to 100).
``SCHEMES.md`` beside this module documents the format for authors; the meaning checks (maxima
add up, codes consistent, survey items exist) are in :mod:`questionnaires.scheme_checks`.

:class:`Scheme` wraps a checked definition with its source path and content hash
(SHA-256 of the file's bytes, as for questionnaires), and indexes the tree by node code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from questionnaires.loader import Questionnaire
from questionnaires.model import Code, Text
from questionnaires.problems import DefinitionError, Problem, format_problems

SCHEMES_DIR: Path = Path(__file__).parent / "schemes"
"""The bundled scheme files."""

SCHEME_KEY = "edition"
"""The top-level key that marks a YAML file as a scheme (a questionnaire has none)."""

NodeCode = Annotated[
    str, StringConstraints(pattern=r"^[0-9A-Za-z]+(\.[0-9A-Za-z]+){0,2}$", max_length=32)
]
"""A node code: its parent's code, a dot, and its own segment (``8``, ``8.2``, ``8.2.1``)."""

UnitCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+$", max_length=64)]
"""A unit's code as it appears in the data (responses, self-scores, unit lists)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _named(key: str) -> Any:
    """A before-validator that accepts ``"name"`` as shorthand for ``{key: "name"}``."""

    def expand(value: Any) -> Any:
        return {key: value} if isinstance(value, str) else value

    return BeforeValidator(expand)


class Level(StrEnum):
    """The kind of unit a scheme scores."""

    MINISTRY = "ministry"
    PROVINCE = "province"
    DEPARTMENT = "department"
    DISTRICT = "district"


class Years(_Strict):
    """The survey years an edition applies to, inclusive; ``last`` absent means open-ended."""

    first: int = Field(ge=2000, le=2100)
    last: int | None = Field(default=None, ge=2000, le=2100)

    def contains(self, year: int) -> bool:
        """Whether ``year`` falls in the edition's validity."""
        return self.first <= year and (self.last is None or year <= self.last)


class Edition(_Strict):
    """Which method this is: identity, name, the level of units it scores and its years."""

    id: Code
    version: str = Field(min_length=1, max_length=32)
    name: Text
    level: Level
    years: Years
    basis: Text | None = None


# --- sources -------------------------------------------------------------------------------


class AppraisalSource(_Strict):
    """Points self-assessed by the unit, then accepted or changed by the appraisal council."""

    kind: Literal["appraisal"]


class MeanScaled(_Strict):
    """points = max × survey-weighted mean of the respondents' answer scores in [0, 1]."""

    name: Literal["mean_scaled"]


class TopBoxShare(_Strict):
    """points = max × survey-weighted share of answers in the ``top`` highest answer levels."""

    name: Literal["top_box_share"]
    top: int = Field(ge=1)


ScoringRule = Annotated[MeanScaled | TopBoxShare, Field(discriminator="name"), _named("name")]
"""How a survey leaf's answers become a score in [0, 1] (``analysis.scoring`` implements it)."""


class SurveyGroup(_Strict):
    """One respondent group's part of a survey leaf: its questionnaire, items and weight."""

    group: Code
    questionnaire: Code
    items: list[Code] = Field(min_length=1)
    weight: float = 1.0


class SurveySource(_Strict):
    """Points from the sociological survey."""

    kind: Literal["survey"]
    rule: ScoringRule = MeanScaled(name="mean_scaled")
    groups: list[SurveyGroup] = Field(min_length=1)
    min_respondents: int = Field(ge=1)


class LinearConversion(_Strict):
    """points = max × clip((value − floor) / (target − floor), 0, 1).

    ``floor`` earns nothing and ``target`` earns the maximum; a floor above the target means
    lower is better (e.g. a poverty rate).
    """

    name: Literal["linear"]
    floor: float
    target: float


class StatisticSource(_Strict):
    """Points from an imported figure (indicator) per unit, converted to points."""

    kind: Literal["statistic"]
    indicator: Code
    measure: Text | None = None
    conversion: Annotated[LinearConversion, _named("name")]


Source = Annotated[
    AppraisalSource | SurveySource | StatisticSource,
    Field(discriminator="kind"),
    _named("kind"),
]


class SourceKind(StrEnum):
    """Where a leaf's points come from."""

    APPRAISAL = "appraisal"
    SURVEY = "survey"
    STATISTIC = "statistic"


# --- the tree ------------------------------------------------------------------------------


class SubCriterion(_Strict):
    """A sub-criterion (tiêu chí thành phần): always a leaf."""

    code: NodeCode
    title: Text
    max_points: float
    source: Source


class Criterion(_Strict):
    """A criterion (tiêu chí): a leaf with a ``source``, or the parent of sub-criteria."""

    code: NodeCode
    title: Text
    max_points: float
    source: Source | None = None
    sub_criteria: list[SubCriterion] = Field(default_factory=list)


class SchemeField(_Strict):
    """A field (lĩnh vực) of the index."""

    code: NodeCode
    title: Text
    max_points: float
    criteria: list[Criterion] = Field(min_length=1)


# --- ranking and bands ---------------------------------------------------------------------


class RankingGroup(_Strict):
    """Units ranked together."""

    code: Code
    name: Text


class Ranking(_Strict):
    """Ranking groups; units not listed in ``members`` belong to ``default_group``.

    Indices are compared (ties, bands) after rounding to ``decimals``, as published.
    """

    groups: list[RankingGroup] = Field(min_length=1)
    default_group: Code
    members: dict[UnitCode, Code] = Field(default_factory=dict)
    decimals: int = Field(default=2, ge=0, le=6)


class Band(_Strict):
    """A band: units whose index is at least ``minimum`` (and below the band above)."""

    code: str = Field(min_length=1, max_length=16)
    minimum: float
    label: Text | None = None


class SchemeDefinition(_Strict):
    """A whole scheme file."""

    format: Literal[1] = 1
    edition: Edition
    survey_optional: bool = False
    ranking: Ranking
    bands: list[Band] = Field(default_factory=list)
    fields: list[SchemeField] = Field(min_length=1)


# --- the loaded scheme ---------------------------------------------------------------------


class NodeLevel(StrEnum):
    """The depth of a node in the tree."""

    FIELD = "field"
    CRITERION = "criterion"
    SUB_CRITERION = "sub_criterion"


@dataclass(frozen=True)
class Node:
    """A node of the tree, flattened: its place (level, parent, children) and its points."""

    code: str
    level: NodeLevel
    title: Text
    max_points: float
    parent: str | None
    children: tuple[str, ...]
    source: AppraisalSource | SurveySource | StatisticSource | None

    @property
    def is_leaf(self) -> bool:
        """A leaf has no children and carries a source."""
        return not self.children

    @property
    def source_kind(self) -> SourceKind | None:
        """The kind of the leaf's source, ``None`` for an inner node."""
        return None if self.source is None else SourceKind(self.source.kind)


def iter_nodes(definition: SchemeDefinition) -> Iterator[Node]:
    """Every node of the tree in document order (a parent before its children)."""
    for field in definition.fields:
        yield Node(
            code=field.code,
            level=NodeLevel.FIELD,
            title=field.title,
            max_points=field.max_points,
            parent=None,
            children=tuple(c.code for c in field.criteria),
            source=None,
        )
        for criterion in field.criteria:
            yield Node(
                code=criterion.code,
                level=NodeLevel.CRITERION,
                title=criterion.title,
                max_points=criterion.max_points,
                parent=field.code,
                children=tuple(s.code for s in criterion.sub_criteria),
                source=criterion.source,
            )
            for sub in criterion.sub_criteria:
                yield Node(
                    code=sub.code,
                    level=NodeLevel.SUB_CRITERION,
                    title=sub.title,
                    max_points=sub.max_points,
                    parent=criterion.code,
                    children=(),
                    source=sub.source,
                )


class SchemeError(DefinitionError):
    """Scheme files have problems; ``problems`` lists every one (file, node, message)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in scheme definitions"
        Exception.__init__(self, f"{heading}:\n{format_problems(self.problems)}")


@dataclass(frozen=True)
class Scheme:
    """A checked scheme definition with its source and content hash, indexed by node code."""

    definition: SchemeDefinition
    content_hash: str
    path: Path | None = None

    @property
    def id(self) -> str:
        """The edition's id, e.g. ``par_province_2022``."""
        return self.definition.edition.id

    @property
    def version(self) -> str:
        """The edition's version string."""
        return self.definition.edition.version

    @cached_property
    def nodes(self) -> Mapping[str, Node]:
        """Every node by code, in document order."""
        return {node.code: node for node in iter_nodes(self.definition)}

    @property
    def max_points(self) -> float:
        """The scheme's total maximum (100 for every checked scheme)."""
        return sum(field.max_points for field in self.definition.fields)

    def node(self, code: str) -> Node:
        """The node with ``code``; :class:`KeyError` naming the scheme if there is none."""
        try:
            return self.nodes[code]
        except KeyError:
            raise KeyError(f"scheme {self.id} has no node {code!r}") from None

    def leaves(self, kind: SourceKind | None = None) -> tuple[Node, ...]:
        """The leaves in document order, only those of source ``kind`` when given."""
        return tuple(
            n for n in self.nodes.values() if n.is_leaf and (kind is None or n.source_kind == kind)
        )

    def ranking_group(self, unit: str) -> str:
        """The ranking group of ``unit``: its listed membership, else the default group."""
        ranking = self.definition.ranking
        return ranking.members.get(unit, ranking.default_group)


def content_hash(data: bytes) -> str:
    """The content hash of a definition file: the SHA-256 hex digest of its bytes."""
    return hashlib.sha256(data).hexdigest()


def load_scheme(
    path: Path | str, *, questionnaires: Mapping[str, Questionnaire] | None = None
) -> Scheme:
    """Read, check and wrap one scheme file; raises :class:`SchemeError` listing every problem.

    Survey leaves are checked against ``questionnaires`` (the bundled ones by default).
    """
    # The checker imports this module's model, so it is imported when first needed.
    from questionnaires.scheme_checks import read_and_check_schemes

    readings, problems = read_and_check_schemes([Path(path)], questionnaires=questionnaires)
    if problems:
        raise SchemeError(problems)
    reading = readings[0]
    assert reading.definition is not None
    return Scheme(
        definition=reading.definition, content_hash=reading.content_hash, path=reading.path
    )


def load_scheme_directory(
    path: Path | str, *, questionnaires: Mapping[str, Questionnaire] | None = None
) -> dict[str, Scheme]:
    """Every scheme file in a directory, by edition id; raises :class:`SchemeError`."""
    from questionnaires.scheme_checks import read_and_check_schemes

    readings, problems = read_and_check_schemes([Path(path)], questionnaires=questionnaires)
    loaded: dict[str, Scheme] = {}
    for reading in readings:
        if reading.definition is None:
            continue
        scheme = Scheme(reading.definition, reading.content_hash, reading.path)
        if scheme.id in loaded:
            problems.append(
                Problem(
                    reading.path,
                    "edition (id)",
                    f"scheme {scheme.id} is also defined in {loaded[scheme.id].path}; keep one "
                    "version per directory",
                )
            )
        loaded.setdefault(scheme.id, scheme)
    if problems:
        raise SchemeError(problems)
    return loaded


@cache
def bundled_schemes() -> Mapping[str, Scheme]:
    """The schemes shipped in ``questionnaires/schemes/``, by edition id (loaded once)."""
    return MappingProxyType(load_scheme_directory(SCHEMES_DIR))
