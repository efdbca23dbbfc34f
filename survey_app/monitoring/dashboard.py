"""A round's monitoring figures, put together from the queries (``queries``) and the cache.

Rows are unit × respondent group, each with its strata when the frame has strata; groups and
the round sum their rows. Definitions (the page shows them too):

* **target**: the frame's target sample size n, summed over the row's cells;
* **response rate**: responses ÷ invitations issued (not withdrawn) for a group reached by
  invitation; responses ÷ target for a group reached by a public link;
* **completion rate**: web responses ÷ (web responses + unfinished drafts): of those who
  started online, the share who submitted (drafts are deleted when submitted and purged 30
  days after their last save, so older abandoned starts no longer count);
* **median duration**: of web responses, from ``paradata.duration_seconds``;
* **flags**: speeders and straight-liners (``rules``), and duplicate paper forms.

A unit officer's dashboard holds its own unit's rows only, and its group figures are those
rows' (the medians of other units are never computed into them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from survey_app.catalogue import questionnaire_of
from survey_app.models import (
    Access,
    FrameCell,
    Mode,
    QuestionnaireVersion,
    Response,
    Round,
    RoundQuestionnaire,
    Unit,
    db,
)
from survey_app.monitoring import queries
from survey_app.monitoring.cache import RoundFigures, Signature, figure_cache
from survey_app.monitoring.expressions import VersionRules
from survey_app.monitoring.queries import CellCount, DuplicateForm, RowFigures, RowKey
from survey_app.monitoring.rules import (
    DURATION_EDGES,
    FlagSettings,
    rating_pages,
    speeder_threshold,
)

BINS = len(DURATION_EDGES) + 1
"""Duration bins, the last one open."""

NO_FIGURES = RowFigures(0, 0, (0,) * BINS, None)
"""The figures of a row without responses."""

FULL_PASS_SHARE = 0.5
"""Recompute the whole round at once when more than this share of its units changed."""


@dataclass(frozen=True)
class StratumLine:
    """One stratum of a unit × group: responses against the cell's target and quota."""

    stratum: str
    responses: int
    target: int | None
    quota: int | None
    closed: bool
    in_frame: bool


@dataclass(frozen=True)
class Row:
    """One unit × respondent group."""

    unit: Unit | None
    group: str
    access: str
    responses: int
    web: int
    paper: int
    target: int
    invitations: int | None
    drafts: int
    median_seconds: float | None
    speeders: int
    straightliners: int
    duplicates: int
    duration_bins: tuple[int, ...]
    strata: tuple[StratumLine, ...]
    cells: int
    closed_cells: int

    @property
    def response_rate(self) -> float | None:
        """Responses per invitation issued (invitation groups) or per target (public)."""
        denominator = self.invitations if self.access == Access.INVITATION else self.target
        return self.responses / denominator if denominator else None

    @property
    def completion_rate(self) -> float | None:
        """Web responses per web start (submitted + unfinished)."""
        started = self.web + self.drafts
        return self.web / started if started else None

    @property
    def progress(self) -> float | None:
        """Responses per target."""
        return self.responses / self.target if self.target else None

    @property
    def has_strata(self) -> bool:
        """Whether the row's frame splits it into strata (other than the unit itself)."""
        code = self.unit.code if self.unit is not None else None
        return any(line.stratum != code for line in self.strata)


@dataclass(frozen=True)
class GroupSummary:
    """One respondent group over the rows shown."""

    group: str
    access: str
    title: str
    speeder_seconds: float | None
    checked_pages: int
    rows: tuple[Row, ...]
    median_seconds: float | None
    duration_bins: tuple[int, ...]

    def total(self, field: str) -> int:
        """The sum of an integer field over the rows."""
        return sum(int(getattr(row, field) or 0) for row in self.rows)

    @property
    def response_rate(self) -> float | None:
        """The group's response rate (as for a row)."""
        if self.access == Access.INVITATION:
            denominator = self.total("invitations")
        else:
            denominator = self.total("target")
        return self.total("responses") / denominator if denominator else None

    @property
    def completion_rate(self) -> float | None:
        """The group's completion rate (as for a row)."""
        started = self.total("web") + self.total("drafts")
        return self.total("web") / started if started else None


@dataclass(frozen=True)
class Dashboard:
    """Everything the monitoring page shows."""

    round: Round
    settings: FlagSettings
    groups: tuple[GroupSummary, ...]
    duplicates: tuple[DuplicateForm, ...]
    computed_at: datetime

    @property
    def rows(self) -> tuple[Row, ...]:
        """Every row, group by group."""
        return tuple(row for group in self.groups for row in group.rows)

    def total(self, field: str) -> int:
        """The sum of an integer field over every row."""
        return sum(group.total(field) for group in self.groups)


@dataclass(frozen=True)
class Offer:
    """What the round offers one respondent group."""

    access: str
    title: str
    rules: VersionRules


def _rules(version: QuestionnaireVersion, settings: FlagSettings) -> VersionRules:
    """The flag rules of a stored questionnaire version."""
    questionnaire = questionnaire_of(version)
    return VersionRules(
        content_hash=version.content_hash,
        speeder_seconds=speeder_threshold(questionnaire, settings),
        pages=rating_pages(questionnaire, settings),
        min_rating_items=settings.min_rating_items,
    )


def _versions(hashes: set[str], settings: FlagSettings) -> dict[str, VersionRules]:
    """The flag rules of the stored questionnaire versions with the given hashes."""
    if not hashes:
        return {}
    stored = db.session.scalars(
        select(QuestionnaireVersion).where(QuestionnaireVersion.content_hash.in_(hashes))
    )
    return {version.content_hash: _rules(version, settings) for version in stored}


def version_rules(round_: Round, settings: FlagSettings) -> list[VersionRules]:
    """The flag rules of every questionnaire version the round offers or its responses
    answer."""
    answered = db.session.scalars(
        select(Response.questionnaire_hash).where(Response.round_id == round_.id).distinct()
    )
    offered = db.session.scalars(
        select(QuestionnaireVersion.content_hash)
        .join(
            RoundQuestionnaire,
            RoundQuestionnaire.questionnaire_version_id == QuestionnaireVersion.id,
        )
        .where(RoundQuestionnaire.round_id == round_.id)
    )
    return list(_versions(set(answered) | set(offered), settings).values())


def _offers(round_: Round, settings: FlagSettings, language: str) -> dict[str, Offer]:
    """The round's offers by respondent group."""
    offers = db.session.scalars(
        select(RoundQuestionnaire)
        .options(joinedload(RoundQuestionnaire.questionnaire_version))
        .where(RoundQuestionnaire.round_id == round_.id)
        .order_by(RoundQuestionnaire.respondent_group)
    )
    return {
        offer.respondent_group: Offer(
            offer.access,
            questionnaire_of(offer.questionnaire_version).title.get(language),
            _rules(offer.questionnaire_version, settings),
        )
        for offer in offers
    }


def _unit_items(round_: Round) -> dict[int, str]:
    """Offer id → the item naming the unit, for offers whose unit comes from an answer."""
    offers = db.session.scalars(
        select(RoundQuestionnaire)
        .options(joinedload(RoundQuestionnaire.questionnaire_version))
        .where(RoundQuestionnaire.round_id == round_.id, RoundQuestionnaire.unit_id.is_(None))
    )
    items = {}
    for offer in offers:
        code = questionnaire_of(offer.questionnaire_version).definition.sampling.unit
        if code is not None:
            items[offer.id] = code
    return items


def _signatures(counts: Sequence[CellCount]) -> dict[RowKey, Signature]:
    """Each row's signature: its counts per stratum, mode and version."""
    parts: dict[RowKey, list[tuple[str, str, str, int]]] = {}
    for count in counts:
        parts.setdefault((count.unit_id, count.group), []).append(
            (count.stratum or "", count.mode, count.content_hash, count.responses)
        )
    return {key: tuple(sorted(values)) for key, values in parts.items()}


def _stale(kept: Mapping[Any, tuple[Signature, Any]], key: Any, signature: Signature) -> bool:
    """Whether ``kept`` lacks figures for ``key`` made from ``signature``."""
    entry = kept.get(key)
    return entry is None or entry[0] != signature


def _group_signatures(signatures: Mapping[RowKey, Signature]) -> dict[str, Signature]:
    """Each group's signature: its rows' signatures."""
    parts: dict[str, list[tuple[str, Signature]]] = {}
    for (unit_id, group), signature in signatures.items():
        parts.setdefault(group, []).append((str(unit_id), signature))
    return {group: tuple(sorted(rows)) for group, rows in parts.items()}


def _refresh(
    round_: Round,
    cached: RoundFigures,
    signatures: Mapping[RowKey, Signature],
    versions: Sequence[VersionRules],
    *,
    with_groups: bool,
) -> tuple[dict[RowKey, RowFigures], dict[str, float | None]]:
    """Every row's figures and (``with_groups``) each group's median over all its units,
    recomputing those whose counts moved: one pass over the changed units, or over the whole
    round (medians of the groups included) when most units changed."""
    groups = _group_signatures(signatures)
    stale = {key for key, signature in signatures.items() if _stale(cached.rows, key, signature)}
    if stale:
        units = {unit_id for unit_id, _group in stale}
        everyone = {unit_id for unit_id, _group in signatures}
        found = queries.row_figures(
            round_.id, versions, None if len(units) > FULL_PASS_SHARE * len(everyone) else units
        )
        for key, figures in found.rows.items():
            if key in signatures:
                cached.rows[key] = (signatures[key], figures)
        if found.group_medians is not None:
            for group, signature in groups.items():
                cached.groups[group] = (signature, found.group_medians.get(group))
    for key in [key for key in cached.rows if key not in signatures]:
        del cached.rows[key]
    rows = {key: figures for key, (_signature, figures) in cached.rows.items()}
    if not with_groups:
        return rows, {}
    moved = [
        group for group, signature in groups.items() if _stale(cached.groups, group, signature)
    ]
    if moved:
        for group, median in queries.group_medians(round_.id, moved).items():
            cached.groups[group] = (groups[group], median)
    return rows, {group: cached.groups[group][1] for group in groups}


def _duplicates(
    round_: Round, cached: RoundFigures, counts: Sequence[CellCount]
) -> list[DuplicateForm]:
    """The round's duplicate paper forms, recomputed when paper counts moved."""
    signature = tuple(
        sorted(
            (str(c.unit_id), c.group, c.stratum or "", c.content_hash, c.responses)
            for c in counts
            if c.mode == Mode.PAPER
        )
    )
    if cached.duplicates is None or cached.duplicates[0] != signature:
        cached.duplicates = (signature, queries.duplicate_forms(round_.id) if signature else [])
    found: list[DuplicateForm] = cached.duplicates[1]
    return found


def _strata(
    key: RowKey, counts: Sequence[CellCount], cells: Sequence[FrameCell]
) -> tuple[StratumLine, ...]:
    """The row's strata: each frame cell with its responses, then strata outside the frame."""
    responses: dict[str, int] = {}
    for count in counts:
        stratum = count.stratum or ""
        responses[stratum] = responses.get(stratum, 0) + count.responses
    lines = [
        StratumLine(
            cell.stratum,
            responses.pop(cell.stratum, 0),
            cell.sample_size,
            cell.quota,
            cell.quota_closed,
            True,
        )
        for cell in cells
    ]
    lines += [
        StratumLine(stratum, n, None, None, False, False)
        for stratum, n in sorted(responses.items())
    ]
    return tuple(lines)


@dataclass(frozen=True)
class _Inputs:
    """What the rows are made of."""

    counts: dict[RowKey, list[CellCount]]
    figures: dict[RowKey, RowFigures]
    cells: dict[RowKey, list[FrameCell]]
    invitations: dict[RowKey, int]
    drafts: dict[RowKey, int]
    duplicated: dict[RowKey, int]
    units: dict[int, Unit]


def _row(key: RowKey, access: str, inputs: _Inputs) -> Row:
    """The row of unit × group ``key``."""
    unit_id, group = key
    counts = inputs.counts.get(key, [])
    cells = inputs.cells.get(key, [])
    figures = inputs.figures.get(key, NO_FIGURES)
    return Row(
        unit=inputs.units.get(unit_id) if unit_id is not None else None,
        group=group,
        access=access,
        responses=sum(c.responses for c in counts),
        web=sum(c.responses for c in counts if c.mode == Mode.WEB),
        paper=sum(c.responses for c in counts if c.mode == Mode.PAPER),
        target=sum(cell.sample_size for cell in cells),
        invitations=inputs.invitations.get(key, 0) if access == Access.INVITATION else None,
        drafts=inputs.drafts.get(key, 0),
        median_seconds=figures.median_seconds,
        speeders=figures.speeders,
        straightliners=figures.straightliners,
        duplicates=inputs.duplicated.get(key, 0),
        duration_bins=figures.duration_bins,
        strata=_strata(key, counts, cells),
        cells=len(cells),
        closed_cells=sum(1 for cell in cells if cell.quota_closed),
    )


def _row_order(row: Row) -> tuple[bool, str]:
    """Rows by unit code, the row without a unit last."""
    return (row.unit is None, row.unit.code if row.unit is not None else "")


def build(
    round_: Round,
    settings: FlagSettings,
    *,
    unit_scope: int | None,
    language: str,
    now: datetime,
) -> Dashboard:
    """The dashboard of ``round_``; only unit ``unit_scope``'s rows when given."""
    counts = queries.cell_counts(round_.id)
    offers = _offers(round_, settings, language)
    versions = _versions({count.content_hash for count in counts}, settings)
    for offered in offers.values():
        versions.setdefault(offered.rules.content_hash, offered.rules)
    signatures = _signatures(counts)
    cached = figure_cache().figures((round_.id, settings))
    with cached.lock:
        figures, medians = _refresh(
            round_, cached, signatures, list(versions.values()), with_groups=unit_scope is None
        )
        duplicates = _duplicates(round_, cached, counts)
    by_row: dict[RowKey, list[CellCount]] = {}
    for count in counts:
        by_row.setdefault((count.unit_id, count.group), []).append(count)
    cells: dict[RowKey, list[FrameCell]] = {}
    for cell in queries.frame_cells(round_.id):
        cells.setdefault((cell.unit_id, cell.respondent_group), []).append(cell)
    invitations = queries.invitation_counts(round_.id)
    drafts = queries.unfinished_drafts(round_.id, _unit_items(round_), now)
    keys = set(signatures) | set(cells) | set(invitations) | set(drafts)
    if unit_scope is not None:
        keys = {key for key in keys if key[0] == unit_scope}
        duplicates = [form for form in duplicates if form.unit_id == unit_scope]
    duplicated: dict[RowKey, int] = {}
    for form in duplicates:
        duplicated[form.unit_id, form.group] = duplicated.get((form.unit_id, form.group), 0) + 1
    unit_ids = {unit_id for unit_id, _group in keys if unit_id is not None}
    units = db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids))).all()
    inputs = _Inputs(
        by_row, figures, cells, invitations, drafts, duplicated, {u.id: u for u in units}
    )
    groups = []
    for group in sorted({group for _unit, group in keys} | set(offers)):
        offer = offers.get(group)
        access = offer.access if offer is not None else Access.PUBLIC
        rows = tuple(
            sorted((_row(key, access, inputs) for key in keys if key[1] == group), key=_row_order)
        )
        groups.append(
            GroupSummary(
                group=group,
                access=access,
                title=offer.title if offer is not None else group,
                speeder_seconds=offer.rules.speeder_seconds if offer is not None else None,
                checked_pages=len(offer.rules.pages) if offer is not None else 0,
                rows=rows,
                median_seconds=medians.get(group)
                if unit_scope is None
                else (rows[0].median_seconds if len(rows) == 1 else None),
                duration_bins=tuple(sum(row.duration_bins[i] for row in rows) for i in range(BINS)),
            )
        )
    return Dashboard(
        round=round_,
        settings=settings,
        groups=tuple(groups),
        duplicates=tuple(duplicates),
        computed_at=now,
    )
