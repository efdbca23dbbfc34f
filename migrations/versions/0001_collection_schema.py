"""Collection schema: questionnaire versions, units, rounds, invitations, drafts, responses.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the collection tables."""
    op.create_table(
        "questionnaire_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("respondent_group", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source_yaml", sa.Text(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_versions")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_questionnaire_versions_content_hash")),
    )
    op.create_index(
        op.f("ix_questionnaire_versions_questionnaire_id"),
        "questionnaire_versions",
        ["questionnaire_id"],
    )
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_vi", sa.String(length=255), nullable=False),
        sa.Column("name_en", sa.String(length=255), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "kind IN ('ministry', 'province', 'department', 'district', 'commune')",
            name=op.f("ck_units_kind"),
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["units.id"], name=op.f("fk_units_parent_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("code", name=op.f("uq_units_code")),
    )
    op.create_index(op.f("ix_units_parent_id"), "units", ["parent_id"])
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title_vi", sa.String(length=255), nullable=False),
        sa.Column("title_en", sa.String(length=255), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=True),
        sa.Column("closes_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'open', 'closed')", name=op.f("ck_rounds_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
        sa.UniqueConstraint("code", name=op.f("uq_rounds_code")),
    )
    op.create_table(
        "round_questionnaires",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.Column("respondent_group", sa.String(length=64), nullable=False),
        sa.Column("access", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "access IN ('public', 'invitation')", name=op.f("ck_round_questionnaires_access")
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_version_id"],
            ["questionnaire_versions.id"],
            name=op.f("fk_round_questionnaires_questionnaire_version_id_questionnaire_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_round_questionnaires_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_round_questionnaires_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_questionnaires")),
        sa.UniqueConstraint(
            "round_id",
            "questionnaire_version_id",
            name=op.f("uq_round_questionnaires_round_id"),
        ),
    )
    op.create_index(
        op.f("ix_round_questionnaires_round_id"), "round_questionnaires", ["round_id"]
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("respondent_group", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("used_on", sa.Date(), nullable=True),
        sa.Column("batch", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "status IN ('issued', 'used', 'revoked', 'expired')",
            name=op.f("ck_invitations_status"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_invitations_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_invitations_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invitations_code_hash")),
    )
    op.create_index(op.f("ix_invitations_round_id"), "invitations", ["round_id"])
    op.create_table(
        "responses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("respondent_group", sa.String(length=64), nullable=False),
        sa.Column("questionnaire_id", sa.String(length=64), nullable=False),
        sa.Column("questionnaire_version", sa.String(length=32), nullable=False),
        sa.Column("questionnaire_hash", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("paradata", sa.JSON(), nullable=False),
        sa.Column("stratum", sa.String(length=128), nullable=True),
        sa.Column("cluster", sa.String(length=128), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("submission_key", sa.String(length=64), nullable=False),
        sa.CheckConstraint("mode IN ('web', 'paper')", name=op.f("ck_responses_mode")),
        sa.ForeignKeyConstraint(
            ["questionnaire_hash"],
            ["questionnaire_versions.content_hash"],
            name=op.f("fk_responses_questionnaire_hash_questionnaire_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_responses_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_responses_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
        sa.UniqueConstraint("submission_key", name=op.f("uq_responses_submission_key")),
    )
    op.create_index(op.f("ix_responses_round_id"), "responses", ["round_id"])
    op.create_index(op.f("ix_responses_unit_id"), "responses", ["unit_id"])
    op.create_table(
        "drafts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("round_questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("page_seconds", sa.JSON(), nullable=False),
        sa.Column("current_page", sa.String(length=64), nullable=True),
        sa.Column("shown_page", sa.String(length=64), nullable=True),
        sa.Column("shown_at", sa.DateTime(), nullable=True),
        sa.Column("submission_key", sa.String(length=64), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("resume_code_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_drafts_invitation_id_invitations"),
        ),
        sa.ForeignKeyConstraint(
            ["round_questionnaire_id"],
            ["round_questionnaires.id"],
            name=op.f("fk_drafts_round_questionnaire_id_round_questionnaires"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
        sa.UniqueConstraint("resume_code_hash", name=op.f("uq_drafts_resume_code_hash")),
        sa.UniqueConstraint("submission_key", name=op.f("uq_drafts_submission_key")),
    )
    op.create_index(op.f("ix_drafts_invitation_id"), "drafts", ["invitation_id"])
    op.create_index(
        op.f("ix_drafts_round_questionnaire_id"), "drafts", ["round_questionnaire_id"]
    )


def downgrade() -> None:
    """Drop the collection tables, dependents first."""
    for table in (
        "drafts",
        "responses",
        "invitations",
        "round_questionnaires",
        "rounds",
        "units",
        "questionnaire_versions",
    ):
        op.drop_table(table)
