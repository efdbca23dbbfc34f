"""Population margins: parsing the ``variable,level,target`` table and matching it to the data.

A margins table (the contract of ``python -m analysis rake --margins``) has one row per level
of each categorical variable, with its population total, and one row with an empty ``level``
per numeric variable, with the population total of that variable. Levels are compared as
strings to the data's values (:func:`analysis.weighting.levels.level_label`).

Matching is strict, because raking to the wrong totals gives plausible but wrong weights:

* a target for a level the data do not have (a spelling mismatch) raises
  :class:`UnknownLevelError` with a suggestion; a data level with no target raises
  :class:`UntargetedLevelError`;
* a level with a positive target and no respondents raises :class:`EmptyLevelError`, unless a
  collapsing rule moves its target into another level (``"neighbour"``: the nearest level
  with respondents in the table's order, the earlier one on a tie; or a mapping
  ``{empty level: receiving level}``); every move is reported as a :class:`CollapsedLevel`;
  a level with target 0 and no respondents needs no weight and is dropped;
* categorical margins whose totals differ by more than :data:`MARGIN_TOTAL_RTOL` raise
  :class:`MarginTotalsDisagreeError`: each margin sums to the population size, so no weights
  can meet both.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeAlias

import numpy as np

from analysis.columns import Data, describe, factorize, floats, kind, names, size
from analysis.weighting.errors import (
    CollapseError,
    EmptyLevelError,
    InvalidMarginsError,
    MarginTotalsDisagreeError,
    MissingValuesError,
    UnknownLevelError,
    UntargetedLevelError,
    ZeroTargetError,
)
from analysis.weighting.levels import Levels, level_label
from analysis.weighting.levels import factorize as levels_of
from analysis.weighting.model_matrix import IntArray
from analysis.weighting.trace import FloatArray
from analysis.weighting.validation import check_column, row_labels

if TYPE_CHECKING:
    import pandas as pd

MARGIN_TOTAL_RTOL = 1e-9
"""Largest relative difference allowed between the totals of two categorical margins."""

CollapseRule: TypeAlias = Literal["neighbour"] | Mapping[str, str]
"""How to collapse a variable's empty levels: into the nearest level in margin order, or as
named (empty level → receiving level)."""


@dataclass(frozen=True)
class CategoricalMargin:
    """Population counts of the levels of one variable, in table order."""

    variable: str
    levels: tuple[str, ...]
    targets: tuple[float, ...]


@dataclass(frozen=True)
class NumericTotal:
    """The population total of one numeric variable."""

    variable: str
    total: float


@dataclass(frozen=True)
class Margins:
    """Calibration targets: categorical margins and numeric totals.

    Build it with :meth:`from_frame` from a ``variable,level,target`` table.
    """

    categorical: tuple[CategoricalMargin, ...]
    numeric: tuple[NumericTotal, ...]

    @classmethod
    def from_frame(
        cls,
        frame: Data,
        *,
        variable: str = "variable",
        level: str = "level",
        target: str = "target",
    ) -> Margins:
        """Parse and check a margins table.

        Parameters
        ----------
        frame : pandas.DataFrame or Columns
            One row per level (``level`` empty for the total of a numeric variable).
        variable, level, target : str
            Column names.

        Raises
        ------
        InvalidMarginsError
            Missing columns, empty or missing variable names, non-numeric or negative
            counts, duplicate levels, or a variable given both levels and a numeric total.
        """
        available = names(frame)
        missing = [name for name in (variable, level, target) if name not in available]
        if missing:
            raise InvalidMarginsError(
                f"the margins table lacks column(s) {', '.join(missing)}",
                expected=[variable, level, target],
                got=available,
            )
        variables = [
            "" if text is None else str(text).strip() for text in _cells(frame, variable)
        ]
        bad = np.array([not text for text in variables], dtype=np.bool_)
        if bad.any():
            raise InvalidMarginsError(
                f"the margins table has rows without a variable: {row_labels(frame, bad)}",
                expected="a variable name on every row",
                got=int(bad.sum()),
            )
        values = floats(frame, target)
        levels = [
            None if value is None or str(value).strip() == "" else level_label(value).strip()
            for value in _cells(frame, level)
        ]
        grouped: dict[str, list[tuple[str | None, float]]] = {}
        for name, one_level, value in zip(variables, levels, values.tolist(), strict=True):
            grouped.setdefault(str(name), []).append((one_level, value))
        parsed = [_parse_margin(name, rows) for name, rows in grouped.items()]
        if not grouped:
            raise InvalidMarginsError("the margins table is empty", expected=">= 1 row", got=0)
        return cls(
            categorical=tuple(one for one in parsed if isinstance(one, CategoricalMargin)),
            numeric=tuple(one for one in parsed if isinstance(one, NumericTotal)),
        )

    def to_frame(self) -> pd.DataFrame:
        """The margins as a ``variable,level,target`` table (level missing for numeric totals)."""
        import pandas as pd

        rows: list[tuple[str, str | None, float]] = []
        for margin in self.categorical:
            rows.extend(
                (margin.variable, level, target)
                for level, target in zip(margin.levels, margin.targets, strict=True)
            )
        rows.extend((total.variable, None, total.total) for total in self.numeric)
        return pd.DataFrame(rows, columns=["variable", "level", "target"])


def _cells(frame: Data, name: str) -> list[object]:
    """The values of a (small) column, ``None`` where missing."""
    codes, values = factorize(frame, name, sort=False)
    return [values[code] if code >= 0 else None for code in codes.tolist()]


def _parse_margin(
    name: str, rows: list[tuple[str | None, float]]
) -> CategoricalMargin | NumericTotal:
    """One variable's rows of a margins table: level counts, or one numeric total."""
    for one_level, value in rows:
        if not np.isfinite(value):
            raise InvalidMarginsError(
                f"margin `{name}` level `{one_level}` has no numeric target",
                expected="a finite number",
                got=value,
                variable=name,
                level=one_level,
            )
    if any(one_level is None for one_level, _ in rows):
        if len(rows) > 1:
            raise InvalidMarginsError(
                f"margin `{name}` mixes a numeric total (empty level) with other rows",
                expected="one row with an empty level, or one row per level",
                got=len(rows),
                variable=name,
            )
        return NumericTotal(variable=name, total=rows[0][1])
    labels = [str(one_level) for one_level, _ in rows]
    duplicated = sorted({label for label in labels if labels.count(label) > 1})
    if duplicated:
        raise InvalidMarginsError(
            f"margin `{name}` lists level `{duplicated[0]}` more than once",
            expected="each level once",
            got=duplicated,
            variable=name,
            level=duplicated[0],
        )
    for label, (_, value) in zip(labels, rows, strict=True):
        if value < 0:
            raise InvalidMarginsError(
                f"margin `{name}` level `{label}` has a negative population count",
                expected=">= 0",
                got=value,
                variable=name,
                level=label,
            )
    return CategoricalMargin(
        variable=name, levels=tuple(labels), targets=tuple(value for _, value in rows)
    )


MarginsLike: TypeAlias = "Margins | Data"
"""Margins as a :class:`Margins` or a ``variable,level,target`` table."""


def as_margins(margins: MarginsLike) -> Margins:
    """Return ``margins`` as :class:`Margins`, parsing a frame."""
    return margins if isinstance(margins, Margins) else Margins.from_frame(margins)


@dataclass(frozen=True)
class CollapsedLevel:
    """A level with no respondents whose target was moved into another level."""

    variable: str
    level: str
    into: str
    target: float


@dataclass(frozen=True, eq=False)
class MatchedFactor:
    """A categorical margin matched to the data: levels with respondents only.

    ``codes`` (n,) index ``levels``; ``targets`` include any collapsed targets; ``dropped``
    lists the levels with target 0 and no respondents.
    """

    variable: str
    levels: tuple[str, ...]
    codes: IntArray
    targets: FloatArray
    dropped: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class MatchedMargins:
    """Margins matched to the data, ready to build a model matrix."""

    factors: tuple[MatchedFactor, ...]
    numeric_names: tuple[str, ...]
    numeric: FloatArray
    numeric_totals: FloatArray
    collapsed: tuple[CollapsedLevel, ...]


def _suggest(level: str, candidates: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(level, list(candidates), n=1, cutoff=0.0)
    return f"did you mean `{close[0]}`?" if close else None


def _check_levels(margin: CategoricalMargin, levels: Levels) -> None:
    """Raise when the margin's levels and the data's levels do not pair up."""
    targeted = set(margin.levels)
    observed = set(levels.labels)
    untargeted = [label for label in levels.labels if label not in targeted]
    absent = [level for level in margin.levels if level not in observed]
    if levels.declared is not None:
        unknown = [level for level in absent if level not in set(levels.declared)]
    else:
        unknown = absent if untargeted else []
    if unknown:
        raise UnknownLevelError(
            f"margin `{margin.variable}` has a target for level `{unknown[0]}`, which does not "
            f"occur in the data",
            expected=sorted(observed),
            got=unknown,
            hint=_suggest(unknown[0], untargeted or levels.labels),
            variable=margin.variable,
            level=unknown[0],
        )
    if untargeted:
        raise UntargetedLevelError(
            f"level `{untargeted[0]}` of `{margin.variable}` occurs in the data but the margins "
            f"give it no target",
            expected=list(margin.levels),
            got=untargeted,
            hint="add its population count to the margins, or recode it into a targeted level",
            variable=margin.variable,
            level=untargeted[0],
        )


def _collapse(
    margin: CategoricalMargin,
    counts: IntArray,
    rule: CollapseRule | None,
) -> tuple[FloatArray, list[CollapsedLevel]]:
    """Move the targets of empty levels with a positive target as ``rule`` says."""
    targets = np.asarray(margin.targets, dtype=np.float64)
    moved: list[CollapsedLevel] = []
    active = np.flatnonzero(counts > 0)
    for index in np.flatnonzero((counts == 0) & (targets > 0)).tolist():
        level = margin.levels[index]
        if rule is None:
            raise EmptyLevelError(
                f"margin `{margin.variable}` level `{level}` has no respondents; "
                f"collapse it or drop it",
                expected="at least one respondent",
                got=0,
                hint=f"pass collapse={{'{margin.variable}': 'neighbour'}} to merge it into "
                f"the nearest level, or remove it from the margins",
                variable=margin.variable,
                level=level,
            )
        if isinstance(rule, str):
            if rule != "neighbour":
                raise CollapseError(
                    f"unknown collapsing rule `{rule}` for `{margin.variable}`",
                    expected="'neighbour' or a mapping {empty level: receiving level}",
                    got=rule,
                    variable=margin.variable,
                )
            if active.size == 0:
                raise CollapseError(
                    f"margin `{margin.variable}` has no level with respondents",
                    expected="a level with respondents",
                    got=0,
                    variable=margin.variable,
                    level=level,
                )
            into_index = int(active[np.argmin(np.abs(active - index))])
        else:
            into = rule.get(level)
            if into is None:
                raise EmptyLevelError(
                    f"margin `{margin.variable}` level `{level}` has no respondents and the "
                    f"collapsing rule does not name a level to merge it into",
                    expected="a receiving level",
                    got=None,
                    hint=f"add '{level}': <level> to the rule for `{margin.variable}`",
                    variable=margin.variable,
                    level=level,
                )
            if into not in margin.levels or counts[margin.levels.index(into)] == 0:
                raise CollapseError(
                    f"margin `{margin.variable}`: level `{level}` cannot be merged into "
                    f"`{into}`, which is not a level with respondents",
                    expected=[margin.levels[i] for i in active.tolist()],
                    got=into,
                    variable=margin.variable,
                    level=level,
                )
            into_index = margin.levels.index(into)
        targets[into_index] += targets[index]
        moved.append(
            CollapsedLevel(
                variable=margin.variable,
                level=level,
                into=margin.levels[into_index],
                target=float(margin.targets[index]),
            )
        )
        targets[index] = 0.0
    return targets, moved


def _is_identity(recode: IntArray) -> bool:
    return bool(np.array_equal(recode, np.arange(recode.size)))


def match_factor(
    margin: CategoricalMargin,
    levels: Levels,
    *,
    rule: CollapseRule | None,
    positive: bool,
) -> tuple[MatchedFactor, list[CollapsedLevel]]:
    """Match one categorical margin to the factorised data variable ``levels``.

    Returns the matched factor and the collapsing moves made under ``rule``; ``positive``
    makes a zero target with respondents an error.
    """
    _check_levels(margin, levels)
    position = {level: i for i, level in enumerate(margin.levels)}
    lookup = np.array([position[label] for label in levels.labels], dtype=np.intp)
    counts = np.zeros(len(margin.levels), dtype=np.intp)
    counts[lookup] = levels.counts()
    zero = (counts > 0) & (np.asarray(margin.targets) == 0)
    if positive and zero.any():
        level = margin.levels[int(np.flatnonzero(zero)[0])]
        raise ZeroTargetError(
            f"margin `{margin.variable}` level `{level}` has target 0 but "
            f"{int(counts[margin.levels.index(level)])} respondents, and this method keeps "
            f"every weight positive",
            expected="a positive target",
            got=0.0,
            hint="drop these respondents, or use linear calibration",
            variable=margin.variable,
            level=level,
        )
    targets, moved = _collapse(margin, counts, rule)
    kept = np.flatnonzero(counts > 0)
    renumber = np.full(len(margin.levels), -1, dtype=np.intp)
    renumber[kept] = np.arange(kept.size, dtype=np.intp)
    recode = renumber[lookup]  # data level -> matched level, applied to the rows once
    dropped = tuple(
        margin.levels[i]
        for i in np.flatnonzero(counts == 0).tolist()
        if margin.levels[i] not in {m.level for m in moved}
    )
    factor = MatchedFactor(
        variable=margin.variable,
        levels=tuple(margin.levels[i] for i in kept.tolist()),
        codes=levels.codes if _is_identity(recode) else recode[levels.codes],
        targets=targets[kept],
        dropped=dropped,
    )
    return factor, moved


def _numeric_column(data: Data, name: str) -> FloatArray:
    check_column(data, name, role="numeric calibration variable")
    if kind(data, name) != "number":
        raise InvalidMarginsError(
            f"margin `{name}` has an empty level (a numeric total) but the column is not numeric",
            expected="a numeric column",
            got=describe(data, name),
            hint="give one row per level to calibrate to its categories",
            variable=name,
        )
    values = floats(data, name)
    missing = ~np.isfinite(values)
    if missing.any():
        raise MissingValuesError(
            f"numeric calibration variable `{name}` is missing in {int(missing.sum())} rows: "
            f"{row_labels(data, missing)}",
            expected="no missing values",
            got=int(missing.sum()),
            hint="impute them or drop these rows",
            variable=name,
        )
    return values


def check_totals_agree(totals: Sequence[tuple[str, float]]) -> None:
    """Raise :class:`MarginTotalsDisagreeError` unless all named totals agree."""
    if not totals:
        return
    first_name, first = totals[0]
    for name, total in totals[1:]:
        if abs(total - first) > MARGIN_TOTAL_RTOL * max(abs(total), abs(first)):
            raise MarginTotalsDisagreeError(
                f"margin `{name}` sums to {total:.10g} but `{first_name}` sums to {first:.10g}",
                expected=first,
                got=total,
                hint="every margin must add up to the same population size; rescale them",
                variable=name,
            )


def match_margins(
    data: Data,
    margins: Margins,
    *,
    collapse: Mapping[str, CollapseRule] | None,
    positive: bool,
    population_size: float | None = None,
) -> MatchedMargins:
    """Match ``margins`` to ``data``: factorise, check levels, collapse, check totals.

    Parameters
    ----------
    data : pandas.DataFrame or Columns
        The sample.
    margins : Margins
        The targets.
    collapse : mapping or None
        Collapsing rule per variable for empty levels (see the module docstring).
    positive : bool
        Whether the method keeps weights positive (a zero target with respondents is then
        an error).
    population_size : float or None
        A population size the categorical totals must also agree with.
    """
    rules = dict(collapse or {})
    known = {margin.variable for margin in margins.categorical}
    for name in rules:
        if name not in known:
            raise CollapseError(
                f"a collapsing rule is given for `{name}`, which is not a categorical margin",
                expected=sorted(known),
                got=name,
                variable=name,
            )
    factors: list[MatchedFactor] = []
    collapsed: list[CollapsedLevel] = []
    for margin in margins.categorical:
        levels = levels_of(data, margin.variable, role="margin variable")
        factor, moved = match_factor(
            margin, levels, rule=rules.get(margin.variable), positive=positive
        )
        factors.append(factor)
        collapsed.extend(moved)
    totals = [(margin.variable, float(sum(margin.targets))) for margin in margins.categorical]
    if population_size is not None:
        totals.append(("population size", float(population_size)))
    check_totals_agree(totals)
    numeric_names = tuple(total.variable for total in margins.numeric)
    numeric = np.empty((size(data), len(numeric_names)), dtype=np.float64)
    for index, name in enumerate(numeric_names):
        numeric[:, index] = _numeric_column(data, name)
    return MatchedMargins(
        factors=tuple(factors),
        numeric_names=numeric_names,
        numeric=numeric,
        numeric_totals=np.array([total.total for total in margins.numeric], dtype=np.float64),
        collapsed=tuple(collapsed),
    )
