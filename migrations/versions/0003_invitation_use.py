"""A used invitation leaves no trace: used codes are deleted, no day of use or opening is kept.

See ADR 0002. Upgrade:

1. every code gets a batch: codes issued outside one (the free-text ``batch`` label) are put in
   a batch per round × unit × group × label, and every batch's ``size`` is set to its codes, so
   that from now on used = size − the batch's rows still stored;
2. ``opened`` (a flag) replaces ``opened_on`` (a day);
3. the used codes are deleted (with any draft still pointing at one, which cannot be submitted);
4. ``used_on``, ``opened_on`` and ``batch`` are dropped, ``batch_id`` is required and the status
   can no longer be ``used``;
5. on PostgreSQL, autovacuum visits ``invitations`` and ``drafts`` as soon as they hold a dead
   row (a used code, a submitted draft), so deleted rows leave the data files' live pages soon.

Downgrade restores the 0002 columns and counts: each batch gets ``size − rows`` placeholder rows
with status ``used`` (random hashes that match no code, no day of use) and every opened code
(placeholders included) gets the downgrade day as ``opened_on``, so the 0002 counts (used =
rows used, opened = rows with ``opened_on``) equal the 0003 ones.

On SQLite the table is copied (batch mode), and SQLite refuses to drop a table that drafts still
point at: the drafts' links are set aside in a temporary table while ``invitations`` is copied.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import secrets
from collections.abc import Callable
from datetime import date, datetime, timezone

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UNBATCHED_LABEL = "—"
"""The label of a batch made for codes issued outside any batch without a label."""

VACUUMED_TABLES = ("invitations", "drafts")
"""The tables whose deleted rows tie a code to answers until vacuumed (PostgreSQL)."""

batches = sa.table(
    "invitation_batches",
    sa.column("id", sa.Integer()),
    sa.column("round_id", sa.Integer()),
    sa.column("unit_id", sa.Integer()),
    sa.column("respondent_group", sa.String()),
    sa.column("label", sa.String()),
    sa.column("size", sa.Integer()),
    sa.column("created_at", sa.DateTime()),
)
invitations = sa.table(
    "invitations",
    sa.column("id", sa.Integer()),
    sa.column("round_id", sa.Integer()),
    sa.column("unit_id", sa.Integer()),
    sa.column("respondent_group", sa.String()),
    sa.column("code_hash", sa.String()),
    sa.column("status", sa.String()),
    sa.column("batch", sa.String()),
    sa.column("batch_id", sa.Integer()),
    sa.column("opened", sa.Boolean()),
    sa.column("opened_on", sa.Date()),
)
drafts = sa.table(
    "drafts", sa.column("id", sa.String()), sa.column("invitation_id", sa.Integer())
)


def _status_check(*statuses: str) -> str:
    """The CHECK expression of ``invitations.status``."""
    return "status IN (" + ", ".join(f"'{status}'" for status in statuses) + ")"


def _alter_invitations(alter: Callable[[BatchOperations], None]) -> None:
    """Apply ``alter`` to ``invitations``; on SQLite, which copies the table and refuses to drop
    it while a draft points at it, the drafts' links are set aside meanwhile."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute(
            "CREATE TEMP TABLE draft_invitations AS "
            "SELECT id, invitation_id FROM drafts WHERE invitation_id IS NOT NULL"
        )
        op.execute("UPDATE drafts SET invitation_id = NULL WHERE invitation_id IS NOT NULL")
    with op.batch_alter_table("invitations") as batch:
        alter(batch)
    if sqlite:
        op.execute(
            "UPDATE drafts SET invitation_id = (SELECT d.invitation_id FROM draft_invitations d "
            "WHERE d.id = drafts.id) WHERE id IN (SELECT id FROM draft_invitations)"
        )
        op.execute("DROP TABLE draft_invitations")


def _batch_loose_codes(bind: sa.Connection) -> None:
    """Put the codes issued outside any batch into one batch per round, unit, group and label."""
    loose = bind.execute(
        sa.select(
            invitations.c.round_id,
            invitations.c.unit_id,
            invitations.c.respondent_group,
            invitations.c.batch,
        )
        .where(invitations.c.batch_id.is_(None))
        .distinct()
    ).all()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for round_id, unit_id, group, label in loose:
        created = bind.execute(
            sa.insert(batches).values(
                round_id=round_id,
                unit_id=unit_id,
                respondent_group=group,
                label=label or UNBATCHED_LABEL,
                size=1,
                created_at=now,
            )
        )
        same_label = (
            invitations.c.batch.is_(None) if label is None else invitations.c.batch == label
        )
        bind.execute(
            sa.update(invitations)
            .where(
                invitations.c.batch_id.is_(None),
                invitations.c.round_id == round_id,
                invitations.c.unit_id == unit_id,
                invitations.c.respondent_group == group,
                same_label,
            )
            .values(batch_id=created.inserted_primary_key[0])
        )
    codes = (
        sa.select(sa.func.count())
        .where(invitations.c.batch_id == batches.c.id)
        .scalar_subquery()
    )
    bind.execute(sa.update(batches).where(codes > 0).values(size=codes))


def _set_autovacuum(reset: bool) -> None:
    """On PostgreSQL, have autovacuum visit the tables of deleted codes and drafts as soon as
    they hold one dead row (or reset that)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in VACUUMED_TABLES:
        if reset:
            op.execute(
                f"ALTER TABLE {table} RESET "
                "(autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold)"
            )
        else:
            op.execute(
                f"ALTER TABLE {table} SET "
                "(autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0)"
            )


def upgrade() -> None:
    """Batch every code, flag openings, delete used codes and drop the days of use."""
    bind = op.get_bind()
    _batch_loose_codes(bind)
    op.add_column(
        "invitations",
        sa.Column("opened", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    bind.execute(
        sa.update(invitations)
        .where(invitations.c.opened_on.is_not(None))
        .values(opened=sa.true())
    )
    used = sa.select(invitations.c.id).where(invitations.c.status == "used")
    bind.execute(sa.delete(drafts).where(drafts.c.invitation_id.in_(used)))
    bind.execute(sa.delete(invitations).where(invitations.c.status == "used"))

    def alter(batch: BatchOperations) -> None:
        batch.drop_constraint(batch.f("ck_invitations_status"), type_="check")
        batch.create_check_constraint(
            batch.f("ck_invitations_status"), _status_check("issued", "revoked", "expired")
        )
        batch.alter_column("batch_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("used_on")
        batch.drop_column("opened_on")
        batch.drop_column("batch")

    _alter_invitations(alter)
    _set_autovacuum(reset=False)


def downgrade() -> None:
    """Restore the 0002 columns, with placeholder used rows keeping the counts."""
    _set_autovacuum(reset=True)

    def alter(batch: BatchOperations) -> None:
        batch.add_column(sa.Column("used_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("batch", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("opened_on", sa.Date(), nullable=True))
        batch.alter_column("batch_id", existing_type=sa.Integer(), nullable=True)
        batch.drop_constraint(batch.f("ck_invitations_status"), type_="check")
        batch.create_check_constraint(
            batch.f("ck_invitations_status"),
            _status_check("issued", "used", "revoked", "expired"),
        )

    _alter_invitations(alter)
    bind = op.get_bind()
    stored = (
        sa.select(sa.func.count())
        .where(invitations.c.batch_id == batches.c.id)
        .scalar_subquery()
    )
    today = date.today()
    for batch_id, round_id, unit_id, group, missing in bind.execute(
        sa.select(
            batches.c.id,
            batches.c.round_id,
            batches.c.unit_id,
            batches.c.respondent_group,
            batches.c.size - stored,
        )
    ).all():
        for _ in range(missing):
            bind.execute(
                sa.insert(invitations).values(
                    round_id=round_id,
                    unit_id=unit_id,
                    respondent_group=group,
                    code_hash=secrets.token_hex(32),
                    status="used",
                    batch_id=batch_id,
                    opened=sa.true(),
                )
            )
    bind.execute(
        sa.update(invitations).where(invitations.c.opened.is_(True)).values(opened_on=today)
    )
    _alter_invitations(lambda batch: batch.drop_column("opened"))
