"""The sampling frame of a round: population counts and target sample sizes per cell, and the
population margins the weights are raked to.

A cell is one unit × respondent group × stratum; a stratum left blank on import is the unit's
code, the stratum a response gets when its questionnaire names none, so design weights
``N_h / n_h`` meet the responses cell by cell. ``sample_size`` is the target n, by default
``ceil(N / (1 + N·e²))`` with the ``margin_of_error`` e recorded beside it. ``quota`` (optional)
is the number of responses at which the cell stops taking answers; ``quota_closed`` marks a
cell closed (the quota reached, or closed by staff).

Margins are population totals per respondent group, variable and level (the ``variable,level,
target`` table of ``python -m analysis rake``; a numeric variable has one row with an empty
level).
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base
from survey_app.models.units import Unit


class FrameCell(Base):
    """One cell of a round's sampling frame."""

    __tablename__ = "frame_cells"
    __table_args__ = (
        UniqueConstraint("round_id", "unit_id", "respondent_group", "stratum"),
        CheckConstraint("population >= 0", name="population"),
        CheckConstraint("sample_size >= 0 AND sample_size <= population", name="sample_size"),
        CheckConstraint("margin_of_error > 0 AND margin_of_error < 1", name="margin_of_error"),
        CheckConstraint("quota IS NULL OR quota >= 0", name="quota"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    respondent_group: Mapped[str] = mapped_column(String(64))
    stratum: Mapped[str] = mapped_column(String(128))
    population: Mapped[int]
    sample_size: Mapped[int]
    margin_of_error: Mapped[float]
    quota: Mapped[int | None]
    quota_closed: Mapped[bool] = mapped_column(default=False, server_default=false())

    unit: Mapped[Unit] = relationship()


class PopulationMargin(Base):
    """One population total to rake a respondent group's weights to."""

    __tablename__ = "population_margins"
    __table_args__ = (
        UniqueConstraint("round_id", "respondent_group", "variable", "level"),
        CheckConstraint("target >= 0", name="target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    respondent_group: Mapped[str] = mapped_column(String(64))
    variable: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(128))
    target: Mapped[float]
