"""Units: a province, its departments and districts (a ministry and its bodies), as a tree."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.models.base import Base, check_in


class UnitKind(StrEnum):
    """What kind of body a unit is."""

    MINISTRY = "ministry"
    PROVINCE = "province"
    DEPARTMENT = "department"
    DISTRICT = "district"
    COMMUNE = "commune"


class Unit(Base):
    """One assessed body; ``parent_id`` links a department or district to its province."""

    __tablename__ = "units"
    __table_args__ = (CheckConstraint(check_in("kind", tuple(UnitKind)), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))

    def name(self, language: str) -> str:
        """The unit's name in ``language`` (``vi`` or ``en``)."""
        return self.name_en if language == "en" else self.name_vi
