"""Column names SPSS accepts, and the mapping from export names to them.

An SPSS variable name starts with a letter, holds letters, digits, ``_`` and ``.``, does not end
with ``.``, is at most 64 bytes, is not a reserved word (ALL AND BY EQ GE GT LE LT NE NOT OR TO
WITH) and is unique ignoring case. A valid, unique name is kept; any other is repaired:
characters outside the set become ``_``, a name not starting with a letter or equal to a
reserved word gets the prefix ``v_``, a long name is cut (an indicator ``<item>__<code>`` is cut
in its item part, so the choice code stays readable), and a name already taken (ignoring case)
gets the first free suffix ``_2``, ``_3``… within the 64 bytes. Names that were valid are
claimed first, so a repaired name never displaces one that needed no repair. The mapping is
recorded in the codebook (``spss_name``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_NAME_BYTES = 64
RESERVED: frozenset[str] = frozenset(
    {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}
)
KEPT_TAIL_SEPARATOR = "__"
"""A long name keeps what follows its last separator (``layout.INDICATOR_SEPARATOR``)."""
_VALID = re.compile(r"[A-Za-z][A-Za-z0-9_.]*")
_OUTSIDE = re.compile(r"[^A-Za-z0-9_.]")


def is_valid_spss_name(name: str) -> bool:
    """Whether ``name`` is acceptable to SPSS on its own (uniqueness aside)."""
    return (
        bool(_VALID.fullmatch(name))
        and not name.endswith(".")
        and len(name.encode("utf-8")) <= MAX_NAME_BYTES
        and name.lower() not in RESERVED
    )


def spss_names(names: Sequence[str]) -> dict[str, str]:
    """Export name → SPSS name for every one of ``names`` (distinct), as the docstring says."""
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    for name in names:
        if is_valid_spss_name(name) and name.lower() not in taken:
            mapping[name] = name
            taken.add(name.lower())
    for name in names:
        if name in mapping:
            continue
        base = _repaired(name)
        candidate = base
        suffix = 2
        while candidate.lower() in taken:
            tail = f"_{suffix}"
            candidate = base[: MAX_NAME_BYTES - len(tail)].rstrip(".") + tail
            suffix += 1
        mapping[name] = candidate
        taken.add(candidate.lower())
    return {name: mapping[name] for name in names}


def _repaired(name: str) -> str:
    """``name`` made valid on its own (ASCII only, so bytes equal characters); a long name
    keeps its last ``__`` part (an indicator's choice code) and loses the end of the rest."""
    text = _OUTSIDE.sub("_", name)
    if not text[:1].isalpha() or text.lower() in RESERVED:
        text = f"v_{text}"
    if len(text) > MAX_NAME_BYTES:
        head, separator, tail = text.rpartition(KEPT_TAIL_SEPARATOR)
        kept = separator + tail
        if head and len(kept) <= MAX_NAME_BYTES // 2:
            return head[: MAX_NAME_BYTES - len(kept)] + kept
    return text[:MAX_NAME_BYTES].rstrip(".")
