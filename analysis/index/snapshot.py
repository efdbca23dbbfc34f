"""Snapshots: publishing freezes the hashes of every input with the results.

A published index must be reproducible: the snapshot records a hash of each input frame
(responses, sampling frame, margins, self-scores, figures …), of the definitions (the scheme's
and questionnaires' content hashes), of the code (:func:`code_version`) and of the results.
:func:`verify_snapshot` hashes the same things again and raises :class:`SnapshotMismatchError`
naming every part that differs.

Canonical frame hash (:func:`frame_hash`): the row index is ignored; columns are taken in name
order, each cell is serialised with its kind — ``n`` number (integral values as integers, others
as the shortest round-trip decimal, ``-0`` as ``0``), ``s`` text, ``b`` boolean, ``t`` ISO
timestamp, ``null`` for missing (None, NaN, NaT, NA) — rows are sorted, and the SHA-256 of the
JSON of ``{columns, rows}`` is the hash. So row order and dtype spelling (``int64`` vs ``Int64``,
``object`` vs ``str``) do not change the hash; a changed value, a column renamed, added or
removed does. Results may be hashed at ``significant`` digits, so a recomputation that differs
only in the last bits of a float (another BLAS) still verifies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.index.compute import IndexResult

RESULT_SIGNIFICANT_DIGITS = 12
"""Significant digits at which result frames are hashed (inputs are hashed exactly)."""

CODE_PACKAGES: tuple[str, ...] = ("analysis", "questionnaires")
"""The packages whose Python sources make up :func:`code_version`."""


class SnapshotError(AnalysisError):
    """A frame cannot be hashed canonically."""

    code = "snapshot"


@dataclass(frozen=True)
class Difference:
    """One part of a snapshot that does not match: its name and both hashes."""

    part: str
    expected: str | None
    got: str | None

    def __str__(self) -> str:
        if self.expected is None:
            return f"{self.part}: not in the snapshot"
        if self.got is None:
            return f"{self.part}: missing from the recomputation"
        return f"{self.part}: expected {self.expected[:19]}…, got {self.got[:19]}…"


class SnapshotMismatchError(AnalysisError):
    """A recomputation does not match a snapshot; ``differences`` names every part."""

    code = "snapshot_mismatch"

    def __init__(self, differences: list[Difference]) -> None:
        self.differences = differences
        lines = "\n  ".join(str(d) for d in differences)
        super().__init__(
            f"the snapshot does not match in {len(differences)} part(s)\n  {lines}",
            expected=[d.expected for d in differences],
            got=[d.got for d in differences],
        )


def _number_token(value: float, significant: int | None) -> str:
    if significant is not None and value != 0:
        value = float(f"{value:.{significant - 1}e}")
    if value.is_integer():
        return str(int(value))
    return repr(value)


def _cell(value: Any, significant: int | None) -> list[str] | None:
    """``[kind, text]`` for one cell, ``None`` when missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return ["b", "true" if value else "false"]
    if isinstance(value, int | np.integer):
        return ["n", str(int(value))]
    if isinstance(value, float | np.floating | Decimal):
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            return ["n", "inf" if number > 0 else "-inf"]
        return ["n", _number_token(number, significant)]
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return ["t", value.isoformat()]
    raise SnapshotError(
        f"cannot hash a cell of type {type(value).__name__}: {value!r}",
        hint="convert the column to numbers, text, booleans or timestamps first",
    )


def frame_hash(frame: pd.DataFrame, *, significant: int | None = None) -> str:
    """The canonical ``sha256:`` hash of ``frame`` (see the module docstring)."""
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):
        raise SnapshotError("cannot hash a frame whose column names repeat", got=names)
    order = sorted(range(len(names)), key=lambda i: names[i])
    columns = [frame.iloc[:, i].tolist() for i in order]
    rows = [[_cell(column[r], significant) for column in columns] for r in range(len(frame))]
    rows.sort(key=lambda row: json.dumps(row, ensure_ascii=False))
    payload = json.dumps(
        {"columns": [names[i] for i in order], "rows": rows},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def code_version(root: Path | None = None) -> str:
    """``sha256:`` of the Python sources of ``CODE_PACKAGES`` (relative path and bytes, sorted).

    ``root`` is the directory holding the packages; by default, this checkout.
    """
    base = root if root is not None else Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for package in CODE_PACKAGES:
        for path in sorted((base / package).rglob("*.py")):
            digest.update(path.relative_to(base).as_posix().encode("utf-8") + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """The hashes a published index is frozen with, by part name.

    ``definitions``: ``scheme`` and ``questionnaire:<id>`` content hashes; ``inputs``: one hash
    per input frame by the caller's name; ``results``: ``units`` and ``nodes`` of the index.
    """

    scheme_id: str
    year: int
    code_version: str
    definitions: Mapping[str, str] = field(default_factory=dict)
    inputs: Mapping[str, str] = field(default_factory=dict)
    results: Mapping[str, str] = field(default_factory=dict)

    def parts(self) -> dict[str, str]:
        """Every hash by a qualified part name (``input responses``, ``result units`` …)."""
        named = {"code version": self.code_version}
        named |= {f"definition {k}": v for k, v in self.definitions.items()}
        named |= {f"input {k}": v for k, v in self.inputs.items()}
        named |= {f"result {k}": v for k, v in self.results.items()}
        return named

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (for storage)."""
        return {
            "scheme_id": self.scheme_id,
            "year": self.year,
            "code_version": self.code_version,
            "definitions": dict(self.definitions),
            "inputs": dict(self.inputs),
            "results": dict(self.results),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Snapshot:
        """The snapshot :meth:`to_dict` wrote."""
        return cls(
            scheme_id=str(data["scheme_id"]),
            year=int(data["year"]),
            code_version=str(data["code_version"]),
            definitions=dict(data["definitions"]),
            inputs=dict(data["inputs"]),
            results=dict(data["results"]),
        )


def take_snapshot(
    result: IndexResult,
    *,
    inputs: Mapping[str, pd.DataFrame],
    definitions: Mapping[str, str],
    code: str | None = None,
) -> Snapshot:
    """Freeze ``result`` with the hashes of its ``inputs``, ``definitions`` and code.

    Parameters
    ----------
    result
        The index as computed.
    inputs
        Every input frame by name (e.g. ``responses``, ``frame``, ``margins``,
        ``self_scores``, ``figures``).
    definitions
        Content hashes of the definitions used; the scheme's is added as ``scheme``.
    code
        The code version; :func:`code_version` of this checkout by default.
    """
    return Snapshot(
        scheme_id=result.scheme_id,
        year=result.year,
        code_version=code if code is not None else code_version(),
        definitions={"scheme": result.scheme_hash, **definitions},
        inputs={name: frame_hash(frame) for name, frame in inputs.items()},
        results={
            "units": frame_hash(result.units, significant=RESULT_SIGNIFICANT_DIGITS),
            "nodes": frame_hash(result.nodes, significant=RESULT_SIGNIFICANT_DIGITS),
        },
    )


def verify_snapshot(
    snapshot: Snapshot,
    result: IndexResult,
    *,
    inputs: Mapping[str, pd.DataFrame],
    definitions: Mapping[str, str],
    code: str | None = None,
) -> None:
    """Check a recomputation against ``snapshot``; raise naming every part that differs.

    Hash ``inputs``, ``definitions``, the code and ``result`` (the index recomputed from those
    inputs) exactly as :func:`take_snapshot` did and compare part by part.

    Raises
    ------
    SnapshotMismatchError
        Listing each differing, missing or extra part.
    """
    again = take_snapshot(result, inputs=inputs, definitions=definitions, code=code)
    differences: list[Difference] = []
    if (again.scheme_id, again.year) != (snapshot.scheme_id, snapshot.year):
        differences.append(
            Difference(
                "round",
                f"{snapshot.scheme_id} {snapshot.year}",
                f"{again.scheme_id} {again.year}",
            )
        )
    frozen, now = snapshot.parts(), again.parts()
    for part in sorted(frozen.keys() | now.keys()):
        if frozen.get(part) != now.get(part):
            differences.append(Difference(part, frozen.get(part), now.get(part)))
    if differences:
        raise SnapshotMismatchError(differences)
