"""Figures of stored responses kept between refreshes, each with the counts it was made from.

Responses are never changed or deleted (ADR 0005), so the figures of a set of responses —
flags, duration bins, medians, duplicate forms — stay true while the counts they were computed
from stay the same: the signature of a unit × group is its response counts per stratum, mode
and questionnaire version (``queries.cell_counts``, which reads no JSON). A refresh recomputes
only the unit × group rows whose signature moved, usually none or one, so the page and its
JSON endpoint stay fast while answers arrive; the first view of a round computes everything.

The cache belongs to one app (``app.extensions``), holds at most :data:`CAPACITY` rounds ×
settings, least recently used first out, and is safe to use from several threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

EXTENSION = "monitoring_figures"
CAPACITY = 32
"""Rounds × settings kept."""

Signature = tuple[Any, ...]


@dataclass
class RoundFigures:
    """The cached figures of one round under one choice of settings; hold ``lock`` to use."""

    rows: dict[Any, tuple[Signature, Any]] = field(default_factory=dict)
    groups: dict[str, tuple[Signature, Any]] = field(default_factory=dict)
    duplicates: tuple[Signature, Any] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class FigureCache:
    """Round figures by (round, settings), least recently used dropped beyond ``capacity``."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        """An empty cache."""
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, RoundFigures] = OrderedDict()
        self._lock = threading.Lock()

    def figures(self, key: Hashable) -> RoundFigures:
        """The figures kept under ``key`` (new and empty the first time)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = RoundFigures()
                while len(self._entries) > self.capacity:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
            return entry


def figure_cache() -> FigureCache:
    """The current app's cache."""
    cache = current_app.extensions.get(EXTENSION)
    if not isinstance(cache, FigureCache):
        cache = current_app.extensions[EXTENSION] = FigureCache()
    return cache
