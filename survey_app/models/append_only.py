"""Append-only tables: rows that may be inserted but never changed or deleted through the ORM.

Audit events and appraisal decisions are evidence; a correction is a new row. Any flush that
would update or delete such a row raises :class:`AppendOnlyError` before SQL is sent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event


class AppendOnlyError(RuntimeError):
    """An attempt to change or delete a row of an append-only table."""


class AppendOnly:
    """Mixin for models whose rows are never updated or deleted."""

    @classmethod
    def __declare_last__(cls) -> None:
        """Refuse updates and deletes of this model's rows at flush time."""
        event.listen(cls, "before_update", _refuse("changed"))
        event.listen(cls, "before_delete", _refuse("deleted"))


def _refuse(what: str) -> Any:
    """A mapper listener raising :class:`AppendOnlyError` for ``what`` (changed/deleted)."""

    def listener(_mapper: Any, _connection: Any, target: Any) -> None:
        """Raise: rows of this table are append-only."""
        raise AppendOnlyError(
            f"{type(target).__tablename__} rows are append-only and cannot be {what}; "
            "record a new row instead"
        )

    return listener
