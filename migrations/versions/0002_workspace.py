"""Workspace schema: staff accounts and audit, round set-up, sampling frame, invitation batches,
paper entry, weighting runs, self-assessment and appraisal, statistics, snapshots, exports.

See ADR 0005 for the data model.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _round_fk(table: str) -> sa.ForeignKeyConstraint:
    """``round_id`` → ``rounds.id``."""
    return sa.ForeignKeyConstraint(
        ["round_id"], ["rounds.id"], name=op.f(f"fk_{table}_round_id_rounds")
    )


def _unit_fk(table: str) -> sa.ForeignKeyConstraint:
    """``unit_id`` → ``units.id``."""
    return sa.ForeignKeyConstraint(
        ["unit_id"], ["units.id"], name=op.f(f"fk_{table}_unit_id_units")
    )


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    """``column`` → ``users.id``."""
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"))


def _indexes(table: str, *columns: str) -> None:
    """One index per column of ``table``."""
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def _accounts() -> None:
    """Users and the audit trail."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "role IN ('admin', 'staff', 'evaluator', 'unit_officer')", name=op.f("ck_users_role")
        ),
        sa.CheckConstraint(
            "(role = 'unit_officer' AND unit_id IS NOT NULL) "
            "OR (role <> 'unit_officer' AND unit_id IS NULL)",
            name=op.f("ck_users_unit_scope"),
        ),
        _unit_fk("users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    _indexes("users", "unit_id")
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        _round_fk("audit_events"),
        _user_fk("audit_events", "user_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    _indexes("audit_events", "occurred_at", "round_id", "user_id")
    op.create_index(
        op.f("ix_audit_events_object_type"), "audit_events", ["object_type", "object_id"]
    )


def _round_setup() -> None:
    """Scheme edition on rounds, units evaluated, the sampling frame and margins."""
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(sa.Column("scheme_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("scheme_version", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("scheme_hash", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("paper_double_entry", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "round_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        _round_fk("round_units"),
        _unit_fk("round_units"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_units")),
        sa.UniqueConstraint("round_id", "unit_id", name=op.f("uq_round_units_round_id")),
    )
    _indexes("round_units", "round_id", "unit_id")
    op.create_table(
        "frame_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("respondent_group", sa.String(length=64), nullable=False),
        sa.Column("stratum", sa.String(length=128), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("margin_of_error", sa.Double(), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=True),
        sa.Column("quota_closed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint("population >= 0", name=op.f("ck_frame_cells_population")),
        sa.CheckConstraint(
            "sample_size >= 0 AND sample_size <= population",
            name=op.f("ck_frame_cells_sample_size"),
        ),
        sa.CheckConstraint(
            "margin_of_error > 0 AND margin_of_error < 1",
            name=op.f("ck_frame_cells_margin_of_error"),
        ),
        sa.CheckConstraint("quota IS NULL OR quota >= 0", name=op.f("ck_frame_cells_quota")),
        _round_fk("frame_cells"),
        _unit_fk("frame_cells"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frame_cells")),
        sa.UniqueConstraint(
            "round_id",
            "unit_id",
            "respondent_group",
            "stratum",
            name=op.f("uq_frame_cells_round_id"),
        ),
    )
    _indexes("frame_cells", "round_id", "unit_id")
    op.create_table(
        "population_margins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("respondent_group", sa.String(length=64), nullable=False),
        sa.Column("variable", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=128), nullable=False),
        sa.Column("target", sa.Double(), nullable=False),
        sa.CheckConstraint("target >= 0", name=op.f("ck_population_margins_target")),
        _round_fk("population_margins"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_population_margins")),
        sa.UniqueConstraint(
            "round_id",
            "respondent_group",
            "variable",
            "level",
            name=op.f("uq_population_margins_round_id"),
        ),
    )
    _indexes("population_margins", "round_id")


def _collection() -> None:
    """Invitation batches and invitation days, paper entry and form serials."""
    op.create_table(
        "invitation_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("respondent_group", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("size > 0", name=op.f("ck_invitation_batches_size")),
        _user_fk("invitation_batches", "created_by"),
        _round_fk("invitation_batches"),
        _unit_fk("invitation_batches"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation_batches")),
    )
    _indexes("invitation_batches", "round_id", "unit_id")
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("opened_on", sa.Date(), nullable=True))
        batch.create_index(batch.f("ix_invitations_batch_id"), ["batch_id"])
        batch.create_foreign_key(
            batch.f("fk_invitations_batch_id_invitation_batches"),
            "invitation_batches",
            ["batch_id"],
            ["id"],
        )
    op.create_table(
        "paper_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("form_serial", sa.String(length=64), nullable=False),
        sa.Column("entry_number", sa.Integer(), nullable=False),
        sa.Column("keyed_by", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("keyed_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint("entry_number IN (1, 2)", name=op.f("ck_paper_entries_entry_number")),
        sa.CheckConstraint(
            "status IN ('keyed', 'mismatch', 'accepted', 'discarded')",
            name=op.f("ck_paper_entries_status"),
        ),
        _user_fk("paper_entries", "keyed_by"),
        sa.ForeignKeyConstraint(
            ["questionnaire_version_id"],
            ["questionnaire_versions.id"],
            name=op.f("fk_paper_entries_questionnaire_version_id_questionnaire_versions"),
        ),
        _round_fk("paper_entries"),
        _unit_fk("paper_entries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_entries")),
        sa.UniqueConstraint(
            "round_id", "form_serial", "entry_number", name=op.f("uq_paper_entries_round_id")
        ),
    )
    _indexes("paper_entries", "keyed_by", "round_id")
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("form_serial", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(
            batch.f("uq_responses_round_id"), ["round_id", "form_serial"]
        )


def _weighting() -> None:
    """Weighting runs, their weights as one Parquet blob each."""
    op.create_table(
        "weighting_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("weights", sa.LargeBinary(), nullable=True),
        sa.Column("weights_sha256", sa.String(length=64), nullable=True),
        sa.Column("response_count", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("adopted_by", sa.Integer(), nullable=True),
        sa.Column("adopted_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed')", name=op.f("ck_weighting_runs_status")
        ),
        _user_fk("weighting_runs", "adopted_by"),
        _user_fk("weighting_runs", "created_by"),
        _round_fk("weighting_runs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weighting_runs")),
    )
    _indexes("weighting_runs", "round_id")


def _appraisal() -> None:
    """Self-scores, reconsideration requests, appraisal decisions, statistics."""
    op.create_table(
        "self_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=32), nullable=False),
        sa.Column("self_score", sa.Double(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("entered_by", sa.Integer(), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=True),
        sa.CheckConstraint("self_score >= 0", name=op.f("ck_self_scores_self_score")),
        _user_fk("self_scores", "entered_by"),
        _round_fk("self_scores"),
        _unit_fk("self_scores"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_scores")),
        sa.UniqueConstraint(
            "round_id", "unit_id", "criterion", name=op.f("uq_self_scores_round_id")
        ),
    )
    _indexes("self_scores", "round_id", "unit_id")
    op.create_table(
        "reconsideration_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=32), nullable=False),
        sa.Column("request_text", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("outcome_text", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('pending', 'accepted', 'rejected')",
            name=op.f("ck_reconsideration_requests_outcome"),
        ),
        _user_fk("reconsideration_requests", "decided_by"),
        _user_fk("reconsideration_requests", "requested_by"),
        _round_fk("reconsideration_requests"),
        _unit_fk("reconsideration_requests"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconsideration_requests")),
    )
    _indexes("reconsideration_requests", "round_id", "unit_id")
    op.create_table(
        "appraisal_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=32), nullable=False),
        sa.Column("verdict", sa.String(length=8), nullable=False),
        sa.Column("old_score", sa.Double(), nullable=False),
        sa.Column("new_score", sa.Double(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reconsideration_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "verdict IN ('accept', 'change')", name=op.f("ck_appraisal_decisions_verdict")
        ),
        sa.CheckConstraint(
            "(verdict = 'accept' AND new_score IS NULL) "
            "OR (verdict = 'change' AND new_score IS NOT NULL AND new_score >= 0)",
            name=op.f("ck_appraisal_decisions_new_score"),
        ),
        _user_fk("appraisal_decisions", "decided_by"),
        sa.ForeignKeyConstraint(
            ["reconsideration_id"],
            ["reconsideration_requests.id"],
            name=op.f("fk_appraisal_decisions_reconsideration_id_reconsideration_requests"),
        ),
        _round_fk("appraisal_decisions"),
        _unit_fk("appraisal_decisions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_decisions")),
    )
    _indexes("appraisal_decisions", "round_id", "unit_id")
    op.create_table(
        "statistic_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("statistic", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("entered_by", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=True),
        _user_fk("statistic_values", "entered_by"),
        _round_fk("statistic_values"),
        _unit_fk("statistic_values"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statistic_values")),
        sa.UniqueConstraint(
            "round_id", "unit_id", "statistic", name=op.f("uq_statistic_values_round_id")
        ),
    )
    _indexes("statistic_values", "round_id", "unit_id")


def _publication() -> None:
    """Index snapshots and export manifests."""
    op.create_table(
        "index_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.String(length=64), nullable=False),
        sa.Column("scheme_hash", sa.String(length=64), nullable=False),
        sa.Column("code_version", sa.String(length=80), nullable=False),
        sa.Column("hashes", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("weighting_run_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        _user_fk("index_snapshots", "published_by"),
        _round_fk("index_snapshots"),
        sa.ForeignKeyConstraint(
            ["weighting_run_id"],
            ["weighting_runs.id"],
            name=op.f("fk_index_snapshots_weighting_run_id_weighting_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_snapshots")),
    )
    _indexes("index_snapshots", "round_id")
    op.create_table(
        "exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _user_fk("exports", "created_by"),
        _round_fk("exports"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exports")),
    )
    _indexes("exports", "round_id")


def upgrade() -> None:
    """Create the workspace tables and extend rounds, invitations and responses."""
    _accounts()
    _round_setup()
    _collection()
    _weighting()
    _appraisal()
    _publication()


def downgrade() -> None:
    """Drop the workspace tables (dependents first) and the added columns."""
    for table in (
        "exports",
        "index_snapshots",
        "statistic_values",
        "appraisal_decisions",
        "reconsideration_requests",
        "self_scores",
        "weighting_runs",
        "paper_entries",
    ):
        op.drop_table(table)
    with op.batch_alter_table("responses") as batch:
        batch.drop_constraint(batch.f("uq_responses_round_id"), type_="unique")
        batch.drop_column("form_serial")
    with op.batch_alter_table("invitations") as batch:
        batch.drop_constraint(
            batch.f("fk_invitations_batch_id_invitation_batches"), type_="foreignkey"
        )
        batch.drop_index(batch.f("ix_invitations_batch_id"))
        batch.drop_column("opened_on")
        batch.drop_column("batch_id")
    for table in ("invitation_batches", "population_margins", "frame_cells", "round_units"):
        op.drop_table(table)
    with op.batch_alter_table("rounds") as batch:
        for column in ("paper_double_entry", "scheme_hash", "scheme_version", "scheme_id"):
            batch.drop_column(column)
    op.drop_table("audit_events")
    op.drop_table("users")
