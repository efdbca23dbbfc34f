"""Responses store their total duration and a digest of their answers, and two covering
indexes serve monitoring.

``responses.duration_seconds`` copies the paradata's ``duration_seconds`` (NULL when there is
none, as on paper) and ``responses.answers_digest`` is the SHA-256 of the answers as canonical
JSON (``survey_app.monitoring.stored_facts`` sets both at insert). The index
``ix_responses_monitoring`` holds every column the monitoring figures read — round, group,
unit, stratum, mode, questionnaire version, duration, straight-lined items — and
``ix_responses_copies`` the columns that find duplicate paper forms (round, mode, version,
digest, serial), so both are read from an index without the rows and their answers. The upgrade
fills the duration in one statement and the digests response by response; the downgrade drops
the indexes and the columns.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

import json

import sqlalchemy as sa
from alembic import op

from survey_app.monitoring.stored_facts import answers_digest

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BATCH = 5_000
"""Digests written per statement."""
COPIES_INDEX = "ix_responses_copies"
COPIES_COLUMNS = ["round_id", "mode", "questionnaire_hash", "answers_digest", "form_serial"]
INDEX = "ix_responses_monitoring"
COLUMNS = [
    "round_id",
    "respondent_group",
    "unit_id",
    "stratum",
    "mode",
    "questionnaire_hash",
    "duration_seconds",
    "straight_line_items",
]

responses = sa.table(
    "responses",
    sa.column("id", sa.String()),
    sa.column("answers", sa.JSON()),
    sa.column("paradata", sa.JSON()),
    sa.column("duration_seconds", sa.Float()),
    sa.column("answers_digest", sa.String()),
)


def upgrade() -> None:
    """Add and fill the columns, then build the indexes."""
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("duration_seconds", sa.Float(), nullable=True))
        batch.add_column(sa.Column("answers_digest", sa.String(length=64), nullable=True))
    op.execute(
        sa.update(responses).values(
            duration_seconds=responses.c.paradata["duration_seconds"].as_float()
        )
    )
    bind = op.get_bind()
    digests = [
        {
            "response": response_id,
            "digest": answers_digest(
                (json.loads(answers) if isinstance(answers, str) else answers) or {}
            ),
        }
        for response_id, answers in bind.execute(sa.select(responses.c.id, responses.c.answers))
    ]
    fill = (
        sa.update(responses)
        .where(responses.c.id == sa.bindparam("response"))
        .values(answers_digest=sa.bindparam("digest"))
    )
    for start in range(0, len(digests), BATCH):
        bind.execute(fill, digests[start : start + BATCH])
    op.create_index(INDEX, "responses", COLUMNS)
    op.create_index(COPIES_INDEX, "responses", COPIES_COLUMNS)


def downgrade() -> None:
    """Drop the indexes and the columns."""
    op.drop_index(COPIES_INDEX, table_name="responses")
    op.drop_index(INDEX, table_name="responses")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("answers_digest")
        batch.drop_column("duration_seconds")
