"""Drafts no longer keep which page is on screen: the mark lives in the session cookie.

Showing a page wrote ``drafts.shown_page`` and ``drafts.shown_at`` (the start of the page's
timing) and committed; the mark is now kept in the signed session cookie
(``survey_app.drafts.mark_shown``), so a page view writes nothing to the database. The upgrade
drops both columns (a page on screen during the upgrade adds no time when it is posted); the
downgrade adds them back empty.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("shown_at")
        batch.drop_column("shown_page")


def downgrade() -> None:
    """Add the columns back, empty."""
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("shown_page", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("shown_at", sa.DateTime(), nullable=True))
