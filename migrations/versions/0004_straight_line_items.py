"""Each response stores the rating items of its longest straight-lined page.

``responses.straight_line_items`` (0 for none) lets monitoring flag straight-liners without
reading every response's answers (``survey_app.monitoring.stored_facts``). The upgrade fills it
for the responses already stored, from each response's questionnaire version; the downgrade
drops it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import json

import sqlalchemy as sa
from alembic import op

from survey_app.export.definitions import stored_questionnaire
from survey_app.monitoring.rules import longest_straight_line

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

responses = sa.table(
    "responses",
    sa.column("id", sa.String()),
    sa.column("questionnaire_hash", sa.String()),
    sa.column("answers", sa.JSON()),
    sa.column("straight_line_items", sa.Integer()),
)
versions = sa.table(
    "questionnaire_versions",
    sa.column("content_hash", sa.String()),
    sa.column("source_yaml", sa.Text()),
)


def upgrade() -> None:
    """Add the column and fill it for the stored responses."""
    with op.batch_alter_table("responses") as batch:
        batch.add_column(
            sa.Column("straight_line_items", sa.Integer(), server_default="0", nullable=False)
        )
    bind = op.get_bind()
    for content_hash, source in bind.execute(
        sa.select(versions.c.content_hash, versions.c.source_yaml)
    ).all():
        questionnaire = stored_questionnaire(content_hash, source)
        rows = bind.execute(
            sa.select(responses.c.id, responses.c.answers).where(
                responses.c.questionnaire_hash == content_hash
            )
        ).all()
        for response_id, answers in rows:
            parsed = json.loads(answers) if isinstance(answers, str) else answers
            longest = longest_straight_line(questionnaire, parsed or {})
            if longest:
                bind.execute(
                    sa.update(responses)
                    .where(responses.c.id == response_id)
                    .values(straight_line_items=longest)
                )


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("straight_line_items")
