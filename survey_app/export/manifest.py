"""The manifest of an export, and the zip archive it travels in.

An archive holds the data file, its codebook (``.codebook.csv`` and ``.codebook.json``) and
``manifest.json``, which records (:func:`manifest_document`): the export's id, kind and format;
the round; every questionnaire version in the layout with its content hash; the filters (groups,
units, label language, suppression rule); what suppression did (:mod:`.suppression`); the row
count; who made it and when (UTC); the notes of the layout and the writer; and each other file
of the archive with its size and SHA-256. The manifest cannot hold its own hash nor the
archive's; the ``exports`` row keeps both beside the others.

The archive is built in two steps so the caller can number the export in between: first the
data and codebook files (:func:`write_archive`), then the manifest appended
(:func:`append_to_archive`). Parquet is stored as it is (already compressed), everything else
deflated. Archives are readable by their owner only: they hold survey answers. Flask-free.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from questionnaires.loader import Questionnaire

MANIFEST_FORMAT = 1
"""Version of the manifest's own layout (bumped when its keys change)."""

MANIFEST_NAME = "manifest.json"

CHUNK = 1024 * 1024
"""Bytes read at a time when hashing a file."""

STORED_SUFFIXES = frozenset({".parquet"})
"""Files already compressed, stored in the archive without deflating them again."""


@dataclass(frozen=True)
class ExportFile:
    """One file of an export: its name in the archive, its role, size and SHA-256."""

    name: str
    role: str
    bytes: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        """The file as the manifest and the ``exports`` row list it."""
        return {"name": self.name, "role": self.role, "bytes": self.bytes, "sha256": self.sha256}


def sha256_file(path: Path) -> str:
    """The SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_file(path: Path, role: str) -> ExportFile:
    """A written file as the manifest lists it."""
    return ExportFile(path.name, role, path.stat().st_size, sha256_file(path))


def manifest_document(
    *,
    export_id: int,
    kind: str,
    export_format: str,
    round_info: Mapping[str, Any],
    questionnaires: Sequence[Questionnaire],
    filters: Mapping[str, Any],
    suppression: Mapping[str, Any] | None,
    rows: int,
    created_by: Mapping[str, Any],
    created_at: datetime,
    notes: Sequence[str],
    files: Sequence[ExportFile],
) -> dict[str, Any]:
    """The manifest (module docstring) as JSON-ready data."""
    return {
        "manifest_format": MANIFEST_FORMAT,
        "export_id": export_id,
        "kind": kind,
        "format": export_format,
        "round": dict(round_info),
        "questionnaires": [
            {
                "id": q.id,
                "version": q.version,
                "content_hash": q.content_hash,
                "respondent_group": q.respondent_group,
            }
            for q in questionnaires
        ],
        "filters": dict(filters),
        "suppression": None if suppression is None else dict(suppression),
        "rows": rows,
        "created_by": dict(created_by),
        "created_at": created_at.isoformat(timespec="seconds") + "Z",
        "notes": list(notes),
        "files": [file.to_json() for file in files],
    }


def _compression(path: Path) -> int:
    """How a file goes into the archive."""
    return zipfile.ZIP_STORED if path.suffix in STORED_SUFFIXES else zipfile.ZIP_DEFLATED


def write_archive(target: Path, files: Sequence[Path]) -> None:
    """A new zip at ``target`` holding ``files`` under their names, owner-readable only."""
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
        for path in files:
            archive.write(path, arcname=path.name, compress_type=_compression(path))


def append_to_archive(target: Path, name: str, document: Mapping[str, Any]) -> bytes:
    """Add ``document`` as JSON file ``name`` to the archive; the bytes written."""
    data = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    with zipfile.ZipFile(target, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return data


def read_manifest(target: Path) -> dict[str, Any]:
    """The manifest stored in an archive."""
    with zipfile.ZipFile(target) as archive:
        document: dict[str, Any] = json.loads(archive.read(MANIFEST_NAME).decode("utf-8"))
    return document
